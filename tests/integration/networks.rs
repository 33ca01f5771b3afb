//! IP allowlists for the API and the panel: enforced before authentication, self-lockout refused, and
//! X-Forwarded-For believed only from a trusted proxy.

use serde_json::{Value, json};

use crate::harness::{Daemon, Options, post_setup};

const OWNER: (&str, &str) = ("olga@nets.example", "owner password 12");

fn dual_stack() -> Daemon {
    Daemon::start(
        Options::default()
            .no_listen_flag()
            .arg("--listen")
            .arg("[::]:0")
            .env("HELPDESKD_HTTP_TRUSTED_PROXIES", r#"["127.0.0.1"]"#),
    )
}

struct From {
    client: reqwest::Client,
    base: String,
}

impl From {
    fn address(daemon: &Daemon, ip: &str) -> From {
        From {
            client: daemon.client_for_hosts(&[]),
            base: format!("https://{ip}:{}", daemon.addr().port()),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn me(&self, forwarded_for: Option<&str>) -> u16 {
        let mut request = self
            .client
            .get(format!("{}/api/v1/me", self.base))
            .basic_auth(OWNER.0, Some(OWNER.1));
        if let Some(xff) = forwarded_for {
            request = request.header("x-forwarded-for", xff);
        }
        self.send(request).await.0
    }

    async fn set(&self, body: Value) -> (u16, Value) {
        let request = self
            .client
            .put(format!("{}/api/v1/security/networks", self.base))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .json(&body);
        self.send(request).await
    }
}

#[tokio::test]
async fn the_api_allowlist_is_enforced_before_authentication() {
    let daemon = dual_stack();
    let v6 = From::address(&daemon, "[::1]");
    let v4 = From::address(&daemon, "127.0.0.1");
    let token = daemon.setup_token();
    let (status, _) = post_setup(
        &v6.client,
        &format!("{}/setup", v6.base),
        [
            ("token", &token),
            ("name", "Olga"),
            ("email", OWNER.0),
            ("password", OWNER.1),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (v4.me(None).await, v6.me(None).await),
        (200, 200),
        "empty list: any address"
    );

    // A list that leaves out the address making the change is refused, and changes nothing.
    let (status, body) = v6.set(json!({"api": ["10.0.0.0/8"]})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "would_lock_out");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("::1"),
        "{body}"
    );
    assert_eq!(v4.me(None).await, 200);
    let (status, body) = v6.set(json!({"api": ["not-a-network"]})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_network"))
    );

    let (status, body) = v6.set(json!({"api": ["::1/128", "10.0.0.0/8"]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["api"], json!(["::1/128", "10.0.0.0/8"]));
    assert_eq!(body["panel"], json!([]));

    // 127.0.0.1 is now refused, before any credential is looked at (403, not 401).
    assert_eq!(v4.me(None).await, 403);
    let (status, _) = v4
        .send(v4.client.get(format!("{}/api/v1/me", v4.base)))
        .await;
    assert_eq!(status, 403);
    assert_eq!(v6.me(None).await, 200);

    // 127.0.0.1 is a trusted proxy here: its X-Forwarded-For names the client.
    assert_eq!(v4.me(Some("10.1.2.3")).await, 200);
    assert_eq!(v4.me(Some("192.0.2.1")).await, 403);
    // From an untrusted peer the header is ignored.
    assert_eq!(v6.me(Some("192.0.2.1")).await, 200);

    // Denials and changes are in the audit log.
    let (_, log) = v6
        .send(
            v6.client
                .get(format!("{}/api/v1/audit", v6.base))
                .basic_auth(OWNER.0, Some(OWNER.1)),
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"security.ip_denied"), "{actions:?}");
    assert!(
        actions.contains(&"security.allowlist_changed"),
        "{actions:?}"
    );

    // Only the owner manages security settings.
    let agent = json!({"email": "adm@nets.example", "name": "Adm", "role": "admin", "password": "admin password 1"});
    let (status, _) = v6
        .send(
            v6.client
                .post(format!("{}/api/v1/users", v6.base))
                .basic_auth(OWNER.0, Some(OWNER.1))
                .json(&agent),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = v6
        .send(
            v6.client
                .get(format!("{}/api/v1/security/networks", v6.base))
                .basic_auth("adm@nets.example", Some("admin password 1")),
        )
        .await;
    assert_eq!(status, 403);

    // Emptying the list opens the API to every address again.
    let (status, _) = v6.set(json!({"api": []})).await;
    assert_eq!(status, 200);
    assert_eq!(v4.me(None).await, 200);
}

/// The panel's list is separate from the API's and guards every panel page, the login form
/// included, before anyone signs in.
#[tokio::test]
async fn the_panel_allowlist_guards_every_panel_page() {
    let daemon = dual_stack();
    let v6 = From::address(&daemon, "[::1]");
    let v4 = From::address(&daemon, "127.0.0.1");
    let token = daemon.setup_token();
    let (status, _) = post_setup(
        &v6.client,
        &format!("{}/setup", v6.base),
        [
            ("token", &token),
            ("name", "Olga"),
            ("email", OWNER.0),
            ("password", OWNER.1),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let login = |from: &From| from.client.get(format!("{}/agent/login", from.base)).send();
    assert_eq!(login(&v4).await.unwrap().status(), 200);

    let (status, body) = v6.set(json!({"panel": ["::1/128"]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["panel"].clone(), body["api"].clone()),
        (json!(["::1/128"]), json!([]))
    );

    let refused = login(&v4).await.unwrap();
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("cannot be reached from your address") && page.contains("127.0.0.1"),
        "{page}"
    );
    let posted = v4
        .client
        .post(format!("{}/agent/login", v4.base))
        .form(&[("email", OWNER.0), ("password", OWNER.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        posted.status(),
        403,
        "no password is checked from a refused address"
    );
    assert_eq!(login(&v6).await.unwrap().status(), 200);
    assert_eq!(v4.me(None).await, 200, "the API list is separate");

    // A panel list that leaves out the owner's own address is refused too.
    let (status, body) = v6.set(json!({"panel": ["10.0.0.0/8"]})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("would_lock_out"))
    );
}
