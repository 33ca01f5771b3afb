//! The one-time setup link: it creates the first owner once, survives a refused attempt,
//! and dies when used or replaced.

use crate::harness::{Daemon, cli_ok, get_json, post_setup, run_cli, token_of};

const EMAIL: &str = "olga@example.com";

async fn submit(daemon: &Daemon, token: &str, password: &str) -> (u16, String) {
    post_setup(
        &daemon.client(),
        &daemon.url("/setup"),
        [
            ("token", token),
            ("name", "Olga Owner"),
            ("email", EMAIL),
            ("password", password),
        ],
    )
    .await
}

async fn form_status(daemon: &Daemon, token: &str) -> (u16, String) {
    let response = daemon
        .client()
        .get(daemon.url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_link_creates_the_owner_exactly_once() {
    let daemon = Daemon::fresh();
    let link = daemon.setup_link();
    assert!(
        link.starts_with(&format!(
            "https://127.0.0.1:{}/setup?token=",
            daemon.addr().port()
        )),
        "{link}"
    );
    let token = token_of(&link);

    let form = daemon
        .client()
        .get(daemon.url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let csp = form.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = form.text().await.unwrap();
    for field in ["token", "name", "email", "password"] {
        assert!(
            html.contains(&format!("name=\"{field}\"")),
            "no {field} field: {html}"
        );
    }
    assert!(
        !html.contains("<script"),
        "inline script on the setup page: {html}"
    );

    // A too-short password is refused and does not spend the link.
    let (status, page) = submit(&daemon, &token, "too short").await;
    assert!(matches!(status, 400 | 422), "{status}: {page}");
    assert!(page.contains("12"), "the page says what is wrong: {page}");
    assert_eq!(form_status(&daemon, &token).await.0, 200, "the link died");

    let (status, page) = submit(&daemon, &token, "a long enough password").await;
    assert_eq!(status, 200, "{page}");

    // Used: both the form and a second submission say so.
    let (status, page) = submit(&daemon, &token, "another long password").await;
    assert_eq!(status, 410, "{page}");
    let (status, page) = form_status(&daemon, &token).await;
    assert_eq!(status, 410, "{page}");
    assert!(
        ["used", "already", "owner"]
            .iter()
            .any(|w| page.to_lowercase().contains(w)),
        "the page does not say the link is spent: {page}"
    );

    // The owner is the first one, with the first password.
    let client = daemon.client();
    let (status, me) = get_json(
        &client,
        &daemon.url("/api/v1/me"),
        Some((EMAIL, "a long enough password")),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (&me["name"], &me["role"]),
        (&"Olga Owner".into(), &"owner".into())
    );
    let (status, _) = get_json(
        &client,
        &daemon.url("/api/v1/me"),
        Some((EMAIL, "another long password")),
    )
    .await;
    assert_eq!(status, 401);
    let (_, users) = get_json(
        &client,
        &daemon.url("/api/v1/users"),
        Some((EMAIL, "a long enough password")),
    )
    .await;
    assert_eq!(users["users"].as_array().map(Vec::len), Some(1), "{users}");
}

#[tokio::test]
async fn a_new_link_kills_the_older_one() {
    let daemon = Daemon::fresh();
    let first = daemon.setup_token();
    let data = daemon.data_arg();
    let second = token_of(&cli_ok(&["setup-link", "--data-dir", &data]));
    assert_ne!(first, second);

    let (status, page) = form_status(&daemon, &first).await;
    assert!(
        matches!(status, 404 | 410),
        "the older link still opens: {status} {page}"
    );
    let (status, page) = submit(&daemon, &first, "a long enough password").await;
    assert!(
        matches!(status, 404 | 410),
        "the older link still works: {status} {page}"
    );
    assert_eq!(form_status(&daemon, &second).await.0, 200);
    let (status, page) = submit(&daemon, &second, "a long enough password").await;
    assert_eq!(status, 200, "{page}");

    // With an owner, no new link is handed out.
    let run = run_cli(&["setup-link", "--data-dir", &data]);
    assert_eq!(run.code(), Some(1), "{run:?}");
    assert!(!run.stdout.contains("token="), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
}

#[tokio::test]
async fn setup_without_a_token_or_with_a_forged_one() {
    let daemon = Daemon::fresh();
    let client = daemon.client();
    let missing = client.get(daemon.url("/setup")).send().await.unwrap();
    assert!(missing.status().is_client_error(), "{}", missing.status());
    let forged = "0".repeat(64);
    let (status, _) = form_status(&daemon, &forged).await;
    assert!(matches!(status, 404 | 410), "{status}");
    for token in [forged.as_str(), "garbage", ""] {
        let (status, page) = submit(&daemon, token, "a long enough password").await;
        assert!((400..500).contains(&status), "{token:?}: {status} {page}");
    }
    // None of them made an owner; the real link still works.
    let (status, page) = submit(&daemon, &daemon.setup_token(), "a long enough password").await;
    assert_eq!(status, 200, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_of_one_link_make_one_owner() {
    let daemon = Daemon::fresh();
    let token = daemon.setup_token();
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..4 {
        // Separate clients: separate connections, truly concurrent requests.
        let (client, url, token) = (daemon.client(), daemon.url("/setup"), token.clone());
        attempts.spawn(async move {
            let email = format!("racer{n}@example.com");
            let fields = [
                ("token", token.as_str()),
                ("name", "Racer"),
                ("email", email.as_str()),
                ("password", "a long enough password"),
            ];
            (post_setup(&client, &url, fields).await, email)
        });
    }
    let mut winners = Vec::new();
    while let Some(result) = attempts.join_next().await {
        let ((status, page), email) = result.unwrap();
        match status {
            200 => winners.push(email),
            410 => {}
            other => panic!("unexpected {other}: {page}"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "the link was used more than once: {winners:?}"
    );
    let (status, users) = get_json(
        &daemon.client(),
        &daemon.url("/api/v1/users"),
        Some((&winners[0], "a long enough password")),
    )
    .await;
    assert_eq!(status, 200, "{users}");
    assert_eq!(users["users"].as_array().map(Vec::len), Some(1), "{users}");
}
