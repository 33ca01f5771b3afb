//! The one-time setup link.

use crate::harness::{Daemon, cli_ok};

fn token_of(link: &str) -> String {
    link.trim()
        .split("token=")
        .nth(1)
        .expect("token in link")
        .to_string()
}

async fn post_setup(daemon: &Daemon, token: &str, password: &str) -> (u16, String) {
    let response = daemon
        .client()
        .post(daemon.localhost_url("/setup"))
        .form(&[
            ("token", token),
            ("name", "Olga Owner"),
            ("email", "olga@example.com"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_link_creates_the_owner_once() {
    let daemon = Daemon::start();
    let token = token_of(daemon.setup_link.as_deref().expect("setup link printed"));
    let client = daemon.client();
    let form = client
        .get(daemon.localhost_url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(
        form.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(form.headers()["cache-control"], "no-store");
    let html = form.text().await.unwrap();
    assert!(
        html.contains(r#"name="password""#) && !html.contains("<script"),
        "{html}"
    );

    // A bad password is refused without spending the link.
    let (status, page) = post_setup(&daemon, &token, "too short").await;
    assert_eq!(status, 422);
    assert!(page.contains("at least 12 characters"), "{page}");
    assert!(
        page.contains("olga@example.com"),
        "the form keeps what was typed"
    );

    let (status, page) = post_setup(&daemon, &token, "a long enough password").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Setup complete"));

    let (status, page) = post_setup(&daemon, &token, "a long enough password").await;
    assert_eq!(status, 410, "{page}");
    let again = client
        .get(daemon.localhost_url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("already has an owner"));

    let me = client
        .get(daemon.localhost_url("/api/v1/me"))
        .basic_auth("olga@example.com", Some("a long enough password"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let wrong = client
        .get(daemon.localhost_url("/api/v1/me"))
        .basic_auth("olga@example.com", Some("not the password"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn a_new_link_kills_the_older_one() {
    let daemon = Daemon::start();
    let first = token_of(daemon.setup_link.as_deref().unwrap());
    let data = daemon.data_dir.display().to_string();
    let second = token_of(&cli_ok(&["setup-link", "--data-dir", &data], None));
    assert_ne!(first, second);
    let client = daemon.client();
    let old = client
        .get(daemon.localhost_url(&format!("/setup?token={first}")))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 404);
    assert!(old.text().await.unwrap().contains("not valid"));
    let (status, _) = post_setup(&daemon, &first, "a long enough password").await;
    assert_eq!(status, 404);
    let (status, _) = post_setup(&daemon, &second, "a long enough password").await;
    assert_eq!(status, 200);
    // Once there is an owner, no new link is handed out.
    let output = crate::harness::cli(&["setup-link", "--data-dir", &data], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already has an owner"));
}

#[tokio::test]
async fn setup_without_or_with_a_forged_token() {
    let daemon = Daemon::start();
    let client = daemon.client();
    let missing = client
        .get(daemon.localhost_url("/setup"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let forged = client
        .get(daemon.localhost_url(&format!("/setup?token={}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    let (status, _) = post_setup(&daemon, "garbage", "a long enough password").await;
    assert_eq!(status, 404);
}
