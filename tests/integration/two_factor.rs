//! Two-factor authentication end to end over real HTTPS: enrolment through the API, codes
//! computed here independently of the daemon (RFC 6238 with the `hmac` and `sha1` crates),
//! the panel's second login step, replay refusal, recovery codes, Basic+password refused
//! for 2FA users, the owner's reset and the account-wide requirement.

use std::collections::HashMap;

use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("oona@2fa.example", "owner password 12");
const AGENT: (&str, &str) = ("arvo@2fa.example", "agent password 12");

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u64, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let index = ALPHABET.iter().position(|&a| a == c).expect("base32") as u64;
        value = (value << 5) | index;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
        }
    }
    out
}

/// RFC 6238 (SHA-1, 6 digits, 30 s), computed without the daemon's code.
pub fn totp(secret_base32: &str, step: u64) -> String {
    let mut mac =
        <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&base32_decode(secret_base32)).unwrap();
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

/// A code that is right for no step near now: "000000" is, about once in 300,000 runs.
pub fn wrong_code(secret_base32: &str) -> String {
    let now = current_step();
    let right: Vec<String> = (now - 2..=now + 2)
        .map(|step| totp(secret_base32, step))
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| !right.contains(code))
        .unwrap()
}

pub fn current_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
}

#[test]
fn rfc_6238_reference_values() {
    // Appendix B, SHA-1 secret "12345678901234567890".
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(totp(secret, 59 / 30), "287082");
    assert_eq!(totp(secret, 1_111_111_109 / 30), "081804");
}

/// A browser's view of the panel: follows no redirects, keeps cookies.
pub struct Panel<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl<'a> Panel<'a> {
    pub fn new(daemon: &'a Daemon) -> Self {
        Panel {
            daemon,
            client: daemon.client(),
            cookies: HashMap::new(),
        }
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, String) {
        let response = self
            .client
            .get(self.daemon.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let location = location(&response);
        (response.status(), location, response.text().await.unwrap())
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let response = self
            .client
            .post(self.daemon.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let location = location(&response);
        (response.status(), location, response.text().await.unwrap())
    }

    /// Password step; returns where it sends the browser.
    pub async fn password(&mut self, email: &str, password: &str) -> String {
        let (_, _, form) = self.get("/agent/login").await;
        let csrf = csrf_in(&form);
        let (status, location, page) = self
            .post(
                "/agent/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        location
    }

    /// Second step with `code`; returns the status and where it sends the browser.
    async fn code(&mut self, code: &str) -> (StatusCode, String, String) {
        let (status, _, page) = self.get("/agent/login/2fa").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let csrf = csrf_in(&page);
        self.post("/agent/login/2fa", &[("csrf", &csrf), ("code", code)])
            .await
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn api(client: &reqwest::Client, request: reqwest::RequestBuilder) -> (u16, Value) {
    let _ = client;
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Enrols TOTP for the caller (Bearer `token`); returns the secret and recovery codes.
async fn enrol(daemon: &Daemon, client: &reqwest::Client, token: &str) -> (String, Vec<String>) {
    let (status, started) = api(
        client,
        client
            .post(daemon.url("/api/v1/me/2fa/totp"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = started["secret"].as_str().unwrap().to_string();
    assert!(
        started["otpauth_uri"]
            .as_str()
            .unwrap()
            .contains(&format!("secret={secret}"))
    );

    let confirm = |code: String| {
        client
            .post(daemon.url("/api/v1/me/2fa/totp/confirm"))
            .bearer_auth(token)
            .json(&json!({ "code": code }))
    };
    let (status, wrong) = api(client, confirm(wrong_code(&secret))).await;
    assert_eq!(
        (status, wrong["error"]["code"].as_str()),
        (422, Some("wrong_code")),
        "{wrong}"
    );
    let (status, confirmed) = api(client, confirm(totp(&secret, current_step()))).await;
    assert_eq!(status, 200, "{confirmed}");
    let codes: Vec<String> = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn token_for(
    daemon: &Daemon,
    client: &reqwest::Client,
    who: (&str, &str),
    scopes: &[&str],
) -> String {
    let (status, body) = api(
        client,
        client
            .post(daemon.url("/api/v1/tokens"))
            .basic_auth(who.0, Some(who.1))
            .json(&json!({"name": "2fa test", "scopes": scopes})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn totp_login_replay_and_recovery_codes() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Oona", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let token = token_for(&daemon, &client, OWNER, &["read", "write", "admin"]).await;
    let (secret, recovery) = enrol(&daemon, &client, &token).await;

    // Basic with the password no longer reaches the API; the token (also as Basic) does.
    let (status, refused) = api(
        &client,
        client
            .get(daemon.url("/api/v1/me"))
            .basic_auth(OWNER.0, Some(OWNER.1)),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (401, Some("token_required")),
        "{refused}"
    );
    let (status, _) = api(
        &client,
        client
            .get(daemon.url("/api/v1/me"))
            .basic_auth(OWNER.0, Some(&token)),
    )
    .await;
    assert_eq!(status, 200);
    let (_, state) = api(
        &client,
        client.get(daemon.url("/api/v1/me/2fa")).bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (
            state["totp"].as_bool(),
            state["recovery_codes_left"].as_i64()
        ),
        (Some(true), Some(10)),
        "{state}"
    );

    // The password alone does not sign in: the second step asks for a code.
    let mut panel = Panel::new(&daemon);
    assert_eq!(panel.password(OWNER.0, OWNER.1).await, "/agent/login/2fa");
    assert!(
        !panel.cookies.contains_key("__Host-hd_session"),
        "no session before the code"
    );
    let (status, location, _) = panel.get("/agent").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent/login")
    );
    let (status, _, page) = panel.code("123 456").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong code");
    assert!(page.contains("wrong, expired or already used"), "{page}");

    // The next step's code is within the accepted drift; the confirming code is spent.
    let code = totp(&secret, current_step() + 1);
    let (status, location, page) = panel.code(&code).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent"),
        "{page}"
    );
    let (status, _, page) = panel.get("/agent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Oona"), "{page}");

    // The same code again, in a new login: refused.
    let mut again = Panel::new(&daemon);
    again.password(OWNER.0, OWNER.1).await;
    let (status, _, page) = again.code(&code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "replayed code: {page}");

    // A recovery code signs in once.
    let (status, location, _) = again.code(&recovery[0]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent")
    );
    let mut third = Panel::new(&daemon);
    third.password(OWNER.0, OWNER.1).await;
    let (status, _, _) = third.code(&recovery[0]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a used recovery code");
    let (_, state) = api(
        &client,
        client.get(daemon.url("/api/v1/me/2fa")).bearer_auth(&token),
    )
    .await;
    assert_eq!(state["recovery_codes_left"].as_i64(), Some(9));

    // The audit log tells the story.
    let (_, audit) = api(
        &client,
        client.get(daemon.url("/api/v1/audit")).bearer_auth(&token),
    )
    .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for wanted in [
        "2fa.totp_enabled",
        "login.second_factor_failed",
        "login.succeeded",
    ] {
        assert!(
            actions.contains(&wanted),
            "{wanted} missing from {actions:?}"
        );
    }
}

/// Guessing codes is throttled like guessing passwords: after four wrong codes, each try
/// must wait (the pending login's own limit of five is a unit test in `auth::pending`).
#[tokio::test]
async fn wrong_codes_are_throttled() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Oona", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let token = token_for(&daemon, &client, OWNER, &["read", "write"]).await;
    let (secret, _) = enrol(&daemon, &client, &token).await;
    let mut panel = Panel::new(&daemon);
    panel.password(OWNER.0, OWNER.1).await;
    for _ in 0..4 {
        let (status, _, _) = panel.code(&wrong_code(&secret)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, page) = panel.code(&totp(&secret, current_step() + 1)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("Too many failed attempts"), "{page}");
}

#[tokio::test]
async fn required_two_factor_and_the_owners_reset() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Oona", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let owner_token = token_for(&daemon, &client, OWNER, &["read", "write", "admin"]).await;
    let (status, body) = api(
        &client,
        client
            .post(daemon.url("/api/v1/users"))
            .bearer_auth(&owner_token)
            .json(&json!({"email": AGENT.0, "name": "Arvo", "role": "agent", "password": AGENT.1})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let agent_id = body["id"].as_i64().unwrap();

    // An agent may not require 2FA; an admin or the owner may.
    let (status, _) = api(
        &client,
        client
            .put(daemon.url("/api/v1/security/two-factor"))
            .basic_auth(AGENT.0, Some(AGENT.1))
            .json(&json!({"required": true})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &client,
        client
            .put(daemon.url("/api/v1/security/two-factor"))
            .bearer_auth(&owner_token)
            .json(&json!({"required": true})),
    )
    .await;
    assert_eq!(
        (status, body["required"].as_bool()),
        (200, Some(true)),
        "{body}"
    );

    // Now the agent's password alone reaches neither the API nor the panel's pages.
    let (status, body) = api(
        &client,
        client
            .get(daemon.url("/api/v1/me"))
            .basic_auth(AGENT.0, Some(AGENT.1)),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("token_required"))
    );
    let mut panel = Panel::new(&daemon);
    assert_eq!(
        panel.password(AGENT.0, AGENT.1).await,
        "/agent",
        "no factor yet: a session, but…"
    );
    let (status, location, _) = panel.get("/agent").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent/2fa"),
        "…only enrolment"
    );
    let (status, _, page) = panel.get("/agent/2fa").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("requires two-step verification"), "{page}");

    // Enrolment through the panel's pages.
    let csrf = csrf_in(&page);
    let (status, _, page) = panel.post("/agent/2fa/totp", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<svg"), "the QR code is inline SVG");
    let secret = page
        .split(r#"id="totp-secret">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let (status, _, page) = panel
        .post(
            "/agent/2fa/totp/confirm",
            &[("csrf", &csrf), ("code", &totp(&secret, current_step()))],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        page.matches("<li><code>").count(),
        10,
        "ten recovery codes shown: {page}"
    );
    let (status, _, _) = panel.get("/agent").await;
    assert_eq!(status, StatusCode::OK, "enrolled: the panel opens");

    // Only the owner resets someone's 2FA; it ends their sessions.
    let admin_token = owner_token.clone();
    let (status, _) = api(
        &client,
        client
            .delete(daemon.url(&format!("/api/v1/users/{agent_id}/2fa")))
            .bearer_auth(&admin_token),
    )
    .await;
    assert_eq!(status, 204);
    let (status, location, _) = panel.get("/agent").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent/login"),
        "session ended by the reset"
    );
    let (_, state) = api(
        &client,
        client
            .get(daemon.url("/api/v1/me/2fa"))
            .basic_auth(OWNER.0, Some(&owner_token)),
    )
    .await;
    assert_eq!(state["required"].as_bool(), Some(true));
    let (status, _) = api(
        &client,
        client
            .delete(daemon.url("/api/v1/users/999/2fa"))
            .bearer_auth(&owner_token),
    )
    .await;
    assert_eq!(status, 404);
}
