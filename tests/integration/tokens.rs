//! API tokens over the real HTTPS API: Bearer, Basic with email and token, scopes, revocation,
//! and tokens that only work on their own account.

use serde_json::{Value, json};

use crate::harness::{Daemon, cli_ok, cli_ok_stdin, create_owner};

const OWNER: (&str, &str) = ("olga@tokens.example", "owner password 12");

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn for_daemon(daemon: &Daemon) -> Api {
        Api {
            client: daemon.client(),
            base: daemon.url(""),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: &Auth<'_>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        request = match auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic(user, secret) => request.basic_auth(user, Some(secret)),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn new_token(&self, auth: &Auth<'_>, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, "/api/v1/tokens", auth, Some(body))
            .await
    }
}

enum Auth<'a> {
    Bearer(&'a str),
    Basic(&'a str, &'a str),
}

const OWNER_AUTH: Auth<'static> = Auth::Basic(OWNER.0, OWNER.1);

#[tokio::test]
async fn bearer_and_basic_tokens_with_scopes_and_revocation() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let api = Api::for_daemon(&daemon);
    let get = reqwest::Method::GET;

    let (status, created) = api.new_token(&OWNER_AUTH, json!({"name": "ci"})).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("hdk_") && token.len() == 68, "{token}");
    assert_eq!(created["scopes"], json!(["read", "write"]));

    // Bearer, and Basic with email + token, both work; Basic with another email does not.
    let (status, me) = api
        .call(get.clone(), "/api/v1/me", &Auth::Bearer(&token), None)
        .await;
    assert_eq!((status, me["email"].as_str()), (200, Some(OWNER.0)));
    let (status, _) = api
        .call(
            get.clone(),
            "/api/v1/me",
            &Auth::Basic(OWNER.0, &token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            get.clone(),
            "/api/v1/me",
            &Auth::Basic("x@y.example", &token),
            None,
        )
        .await;
    assert_eq!(status, 401);
    let forged = format!("hdk_{}", "0".repeat(64));
    let (status, body) = api
        .call(get.clone(), "/api/v1/me", &Auth::Bearer(&forged), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );

    // A read-only token reads but cannot write; without `admin` nobody is added.
    let (_, read_only) = api
        .new_token(&OWNER_AUTH, json!({"name": "ro", "scopes": ["read"]}))
        .await;
    let read_only = read_only["token"].as_str().unwrap().to_string();
    let (status, _) = api
        .call(
            get.clone(),
            "/api/v1/users",
            &Auth::Bearer(&read_only),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let agent = json!({"email": "a@tokens.example", "name": "A", "role": "agent", "password": "agent password 1"});
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/users",
            &Auth::Bearer(&read_only),
            Some(agent.clone()),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("write"));
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/users",
            &Auth::Bearer(&token),
            Some(agent.clone()),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("admin"));
    // A token cannot mint a token with more than it holds.
    let (status, _) = api
        .new_token(
            &Auth::Bearer(&token),
            json!({"name": "up", "scopes": ["admin"]}),
        )
        .await;
    assert_eq!(status, 403);
    let (_, admin) = api
        .new_token(
            &OWNER_AUTH,
            json!({"name": "adm", "scopes": ["read", "write", "admin"]}),
        )
        .await;
    let admin = admin["token"].as_str().unwrap().to_string();
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/users",
            &Auth::Bearer(&admin),
            Some(agent),
        )
        .await;
    assert_eq!(status, 201);

    // An agent may not hold the admin scope, and an agent's token cannot add people.
    let (status, _) = api
        .new_token(
            &Auth::Basic("a@tokens.example", "agent password 1"),
            json!({"name": "x", "scopes": ["read", "write", "admin"]}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, agent_token) = api
        .new_token(
            &Auth::Basic("a@tokens.example", "agent password 1"),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, 201);
    let agent_token = agent_token["token"].as_str().unwrap().to_string();
    let another = json!({"email": "b@tokens.example", "name": "B", "role": "agent", "password": "agent password 2"});
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/users",
            &Auth::Bearer(&agent_token),
            Some(another),
        )
        .await;
    assert_eq!(status, 403);

    // Listing never shows a token; revoking one stops it at once.
    let (status, listed) = api
        .call(get.clone(), "/api/v1/tokens", &OWNER_AUTH, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 3);
    assert!(!listed.to_string().contains("hdk_"), "{listed}");
    let id = created["id"].as_i64().unwrap();
    let (status, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &OWNER_AUTH,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .call(get.clone(), "/api/v1/me", &Auth::Bearer(&token), None)
        .await;
    assert_eq!(status, 401);
    let (status, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &OWNER_AUTH,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = api
        .call(
            reqwest::Method::DELETE,
            "/api/v1/tokens/abc",
            &OWNER_AUTH,
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = api
        .new_token(&OWNER_AUTH, json!({"name": "x", "scopes": ["root"]}))
        .await;
    assert_eq!(status, 422);
    let (status, _) = api
        .new_token(&OWNER_AUTH, json!({"name": "x", "expires_in_days": 0}))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn a_token_only_works_on_its_own_account() {
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    for (slug, host) in [
        ("alpha", "help.alpha.example"),
        ("beta", "help.beta.example"),
    ] {
        cli_ok(&[
            "account",
            "create",
            "--slug",
            slug,
            "--name",
            slug,
            "--host",
            host,
            "--data-dir",
            &data,
        ]);
        cli_ok_stdin(
            &[
                "user",
                "add",
                "--account",
                slug,
                "--email",
                "ann@shared.example",
                "--name",
                "Ann",
                "--role",
                "owner",
                "--password-stdin",
                "--data-dir",
                &data,
            ],
            "shared password 123\n",
        );
    }
    let client = daemon.client_for_hosts(&["help.alpha.example", "help.beta.example"]);
    let created: Value = client
        .post(daemon.host_url("help.alpha.example", "/api/v1/tokens"))
        .basic_auth("ann@shared.example", Some("shared password 123"))
        .json(&json!({"name": "alpha only"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let on = |host: &str| {
        client
            .get(daemon.host_url(host, "/api/v1/account"))
            .bearer_auth(token)
            .send()
    };
    let alpha = on("help.alpha.example").await.unwrap();
    assert_eq!(alpha.status(), 200);
    let beta = on("help.beta.example").await.unwrap();
    assert_eq!(beta.status(), 401);
}

// Multi-threaded: `restart` stops the daemon gracefully while this runtime's client
// connection must still answer the shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_survive_a_restart() {
    // The hash key lives in the account database, so tokens stay valid across restarts.
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let api = Api::for_daemon(&daemon);
    let (_, created) = api.new_token(&OWNER_AUTH, json!({"name": "kept"})).await;
    let token = created["token"].as_str().unwrap().to_string();
    let daemon = daemon.restart();
    let api = Api::for_daemon(&daemon);
    let (status, _) = api
        .call(
            reqwest::Method::GET,
            "/api/v1/me",
            &Auth::Bearer(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn each_token_is_rate_limited_with_retry_after() {
    let daemon = Daemon::start(
        crate::harness::Options::default()
            .env("HELPDESKD_API_TOKEN_BURST", "3")
            .env("HELPDESKD_API_TOKEN_REQUESTS_PER_SECOND", "1"),
    );
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let api = Api::for_daemon(&daemon);
    let (_, first) = api.new_token(&OWNER_AUTH, json!({"name": "busy"})).await;
    let (_, second) = api.new_token(&OWNER_AUTH, json!({"name": "calm"})).await;
    let (first, second) = (
        first["token"].as_str().unwrap(),
        second["token"].as_str().unwrap(),
    );
    for _ in 0..3 {
        let (status, _) = api
            .call(
                reqwest::Method::GET,
                "/api/v1/me",
                &Auth::Bearer(first),
                None,
            )
            .await;
        assert_eq!(status, 200);
    }
    let response = api
        .client
        .get(format!("{}/api/v1/me", api.base))
        .bearer_auth(first)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another token is not affected.
    let (status, _) = api
        .call(
            reqwest::Method::GET,
            "/api/v1/me",
            &Auth::Bearer(second),
            None,
        )
        .await;
    assert_eq!(status, 200);
}
