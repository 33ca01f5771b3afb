//! Accounts created by the CLI while the daemon runs answer at once on their host names, and
//! accounts never see each other's data.

use crate::harness::{Daemon, cli, cli_ok};

const ALPHA: &str = "support.alpha.example";
const BETA: &str = "support.beta.example";

fn add_account(daemon: &Daemon, slug: &str, host: &str) {
    let data = daemon.data_dir.display().to_string();
    cli_ok(
        &[
            "account",
            "create",
            "--data-dir",
            &data,
            "--slug",
            slug,
            "--name",
            slug,
            "--host",
            host,
        ],
        None,
    );
}

fn add_user(daemon: &Daemon, slug: &str, email: &str, role: &str, password: &str) {
    let data = daemon.data_dir.display().to_string();
    cli_ok(
        &[
            "user",
            "add",
            "--data-dir",
            &data,
            "--account",
            slug,
            "--email",
            email,
            "--name",
            email,
            "--role",
            role,
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );
}

#[tokio::test]
async fn cli_accounts_answer_at_once_and_stay_isolated() {
    let daemon = Daemon::start();
    add_account(&daemon, "alpha", ALPHA);
    add_account(&daemon, "beta", BETA);
    // The same email in both accounts, with different passwords.
    add_user(
        &daemon,
        "alpha",
        "ann@shared.example",
        "owner",
        "alpha password 1",
    );
    add_user(
        &daemon,
        "beta",
        "ann@shared.example",
        "owner",
        "beta password 22",
    );

    let client = daemon.client_for_hosts(&[ALPHA, BETA, "unknown.example"]);
    let account = |host: &'static str, password: &'static str| {
        let client = client.clone();
        let url = daemon.host_url(host, "/api/v1/account");
        async move {
            client
                .get(url)
                .basic_auth("ann@shared.example", Some(password))
                .send()
                .await
                .unwrap()
        }
    };
    let alpha: serde_json::Value = account(ALPHA, "alpha password 1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alpha["slug"], "alpha");
    let beta: serde_json::Value = account(BETA, "beta password 22")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(beta["slug"], "beta");
    // Credentials of one account are worthless on the other.
    assert_eq!(account(ALPHA, "beta password 22").await.status(), 401);
    assert_eq!(account(BETA, "alpha password 1").await.status(), 401);

    // A user added to alpha never appears in beta.
    let added = client
        .post(daemon.host_url(ALPHA, "/api/v1/users"))
        .basic_auth("ann@shared.example", Some("alpha password 1"))
        .json(&serde_json::json!({"email": "only-alpha@alpha.example", "name": "Only Alpha", "role": "agent", "password": "agent password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let beta_users = client
        .get(daemon.host_url(BETA, "/api/v1/users"))
        .basic_auth("ann@shared.example", Some("beta password 22"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!beta_users.contains("only-alpha"), "{beta_users}");

    // With several accounts, an unknown host reaches nobody.
    let unknown = client
        .get(daemon.host_url("unknown.example", "/api/v1/account"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_setup_link_only_works_on_its_own_account() {
    let daemon = Daemon::start();
    add_account(&daemon, "gamma", "help.gamma.example");
    add_account(&daemon, "delta", "help.delta.example");
    let data = daemon.data_dir.display().to_string();
    let link = cli_ok(
        &["setup-link", "--data-dir", &data, "--account", "gamma"],
        None,
    );
    let token = link.trim().split("token=").nth(1).unwrap().to_string();
    assert!(link.starts_with("https://help.gamma.example"), "{link}");

    let client = daemon.client_for_hosts(&["help.gamma.example", "help.delta.example"]);
    let on_delta = client
        .get(daemon.host_url("help.delta.example", &format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(on_delta.status(), 404);
    let on_gamma = client
        .get(daemon.host_url("help.gamma.example", &format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(on_gamma.status(), 200);
}

#[test]
fn account_cli_shapes_and_errors() {
    let daemon = Daemon::start();
    let data = daemon.data_dir.display().to_string();
    add_account(&daemon, "acme", "support.acme.example");
    let listed: serde_json::Value = serde_json::from_str(&cli_ok(
        &["account", "list", "--json", "--data-dir", &data],
        None,
    ))
    .unwrap();
    let slugs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "acme"]);
    let acme: serde_json::Value = serde_json::from_str(&cli_ok(
        &["account", "show", "acme", "--json", "--data-dir", &data],
        None,
    ))
    .unwrap();
    assert_eq!(acme["hosts"], serde_json::json!(["support.acme.example"]));
    assert_eq!(acme["state"], "active");
    assert_eq!(acme["has_owner"], false);

    let duplicate = cli(
        &[
            "account",
            "create",
            "--data-dir",
            &data,
            "--slug",
            "acme",
            "--name",
            "x",
        ],
        None,
    );
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
    let taken = cli(
        &[
            "account",
            "create",
            "--data-dir",
            &data,
            "--slug",
            "other",
            "--name",
            "x",
            "--host",
            "SUPPORT.acme.example",
        ],
        None,
    );
    assert_eq!(taken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already belongs"));
    let bad = cli(
        &[
            "account",
            "create",
            "--data-dir",
            &data,
            "--slug",
            "x",
            "--name",
            "x",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2), "invalid input is a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid slug"));
    let trial = cli_ok(
        &[
            "account",
            "create",
            "--data-dir",
            &data,
            "--slug",
            "trying",
            "--name",
            "T",
            "--trial",
        ],
        None,
    );
    assert!(trial.contains("state trial"), "{trial}");
    let missing = cli(&["account", "show", "nobody", "--data-dir", &data], None);
    assert_eq!(missing.status.code(), Some(1));
}
