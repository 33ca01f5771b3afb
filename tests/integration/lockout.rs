//! Brute-force protection over the real API: lockout after the limit, the same answers for
//! unknown emails, admins see lockouts, and the lock ends with its window.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Daemon, Options, create_owner};

const OWNER: (&str, &str) = ("olga@lock.example", "owner password 12");

async fn login(daemon: &Daemon, email: &str, password: &str) -> reqwest::Response {
    daemon
        .client()
        .get(daemon.url("/api/v1/me"))
        .basic_auth(email, Some(password))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn repeated_failures_lock_the_email_until_the_window_ends() {
    let daemon = Daemon::start(
        Options::default()
            .env("HELPDESKD_AUTH_MAX_FAILURES_PER_EMAIL", "4")
            .env("HELPDESKD_AUTH_FAILURE_WINDOW_SECS", "3"),
    );
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    assert_eq!(login(&daemon, OWNER.0, OWNER.1).await.status(), 200);
    let admin_token: Value = daemon
        .client()
        .post(daemon.url("/api/v1/tokens"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"name": "ops", "scopes": ["read", "write", "admin"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin_token = admin_token["token"].as_str().unwrap().to_string();

    // A real email and an unknown one go through exactly the same answers.
    for email in [OWNER.0, "ghost@lock.example"] {
        for attempt in 1..=4 {
            let status = login(&daemon, email, "wrong password!").await.status();
            assert_eq!(status, 401, "{email} attempt {attempt}");
        }
        let locked = login(&daemon, email, OWNER.1).await;
        assert_eq!(
            locked.status(),
            429,
            "{email} is locked, even with the right password"
        );
        assert!(locked.headers().contains_key("retry-after"));
        let body: Value = locked.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
    }

    // Admins see the lockouts (through a token, which the password lock does not stop).
    let lockouts: Value = daemon
        .client()
        .get(daemon.url("/api/v1/lockouts"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = lockouts["lockouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ghost@lock.example", OWNER.0]);
    let audit = daemon
        .client()
        .get(daemon.url("/api/v1/audit?action=login.locked"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(audit.contains(OWNER.0), "{audit}");

    // When the window has passed, the right password works again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = login(&daemon, OWNER.0, OWNER.1).await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 429);
        assert!(Instant::now() < deadline, "the lock never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
