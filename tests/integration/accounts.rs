//! Accounts created by the CLI while the daemon runs answer at once on their host names, and
//! accounts never see each other's users, credentials or setup tokens.

use crate::harness::{
    Daemon, cli_ok, cli_ok_stdin, create_owner, get_json, post_setup, run_cli, token_of,
};

const BETA: &str = "support.beta.example";

fn create_account(daemon: &Daemon, slug: &str, name: &str, host: &str) {
    let data = daemon.data_arg();
    cli_ok(&[
        "account",
        "create",
        "--slug",
        slug,
        "--name",
        name,
        "--host",
        host,
        "--data-dir",
        &data,
    ]);
}

fn add_user(daemon: &Daemon, account: &str, email: &str, role: &str, password: &str) {
    let data = daemon.data_arg();
    cli_ok_stdin(
        &[
            "user",
            "add",
            "--account",
            account,
            "--email",
            email,
            "--name",
            email,
            "--role",
            role,
            "--password-stdin",
            "--data-dir",
            &data,
        ],
        &format!("{password}\n"),
    );
}

fn account_json(daemon: &Daemon, slug: &str) -> serde_json::Value {
    let data = daemon.data_arg();
    serde_json::from_str(&cli_ok(&[
        "account",
        "show",
        slug,
        "--json",
        "--data-dir",
        &data,
    ]))
    .expect("account show --json")
}

fn emails(users: &serde_json::Value) -> Vec<String> {
    users["users"]
        .as_array()
        .unwrap_or_else(|| panic!("no users array: {users}"))
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_account_created_while_serving_answers_on_its_host_at_once() {
    let daemon = Daemon::fresh();
    let owner = ("olga@default.example", "default password 1");
    create_owner(&daemon, "Olga", owner.0, owner.1).await;
    let client = daemon.client_for_hosts(&[BETA, "unknown.example", "localhost"]);

    // One account: every host name reaches it.
    let (status, body) = get_json(
        &client,
        &daemon.host_url("unknown.example", "/api/v1/account"),
        Some(owner),
    )
    .await;
    assert_eq!((status, &body["slug"]), (200, &"default".into()), "{body}");

    // Created by the CLI, beside the running daemon; the same email, another password.
    create_account(&daemon, "beta", "Beta", BETA);
    let beta_owner = (owner.0, "beta password 22");
    add_user(&daemon, "beta", beta_owner.0, "owner", beta_owner.1);

    // No restart: beta answers on its host.
    let (status, body) = get_json(
        &client,
        &daemon.host_url(BETA, "/api/v1/account"),
        Some(beta_owner),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["slug"], "beta");
    assert_eq!(body["name"], "Beta");
    let (status, me) = get_json(
        &client,
        &daemon.host_url(BETA, "/api/v1/me"),
        Some(beta_owner),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["role"], "owner");

    // The default account's credentials mean nothing on beta's host.
    let (status, body) = get_json(
        &client,
        &daemon.host_url(BETA, "/api/v1/account"),
        Some(owner),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");

    // Two accounts now: a host nobody claimed reaches nobody.
    let (status, body) = get_json(
        &client,
        &daemon.host_url("unknown.example", "/api/v1/account"),
        Some(owner),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");

    // Beta's users are beta's alone.
    let (status, users) = get_json(
        &client,
        &daemon.host_url(BETA, "/api/v1/users"),
        Some(beta_owner),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(emails(&users), [owner.0]);
}

#[tokio::test]
async fn two_accounts_never_see_each_others_users_or_credentials() {
    let daemon = Daemon::fresh();
    let (alpha, beta) = ("support.alpha.example", BETA);
    create_account(&daemon, "alpha", "Alpha", alpha);
    create_account(&daemon, "beta", "Beta", beta);
    let alpha_owner = ("ann@alpha.example", "alpha password 1");
    let beta_owner = ("bob@beta.example", "beta password 22");
    add_user(&daemon, "alpha", alpha_owner.0, "owner", alpha_owner.1);
    add_user(&daemon, "beta", beta_owner.0, "owner", beta_owner.1);
    let client = daemon.client_for_hosts(&[alpha, beta]);

    for (host, own, other, slug) in [
        (alpha, alpha_owner, beta_owner, "alpha"),
        (beta, beta_owner, alpha_owner, "beta"),
    ] {
        let (status, body) = get_json(
            &client,
            &daemon.host_url(host, "/api/v1/account"),
            Some(own),
        )
        .await;
        assert_eq!((status, &body["slug"]), (200, &slug.into()), "{body}");
        let (status, body) =
            get_json(&client, &daemon.host_url(host, "/api/v1/me"), Some(other)).await;
        assert_eq!(status, 401, "{}'s owner on {host}: {body}", other.0);

        // A user created through the API on this host...
        let created = format!("agent-of-{slug}@{slug}.example");
        let response = client
            .post(daemon.host_url(host, "/api/v1/users"))
            .basic_auth(own.0, Some(own.1))
            .json(&serde_json::json!({
                "email": created, "name": "Agent", "role": "agent", "password": "agent password 1"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let (_, users) =
            get_json(&client, &daemon.host_url(host, "/api/v1/users"), Some(own)).await;
        assert!(emails(&users).contains(&created), "{users}");
        // ...signs in there and nowhere else.
        let agent = (created.as_str(), "agent password 1");
        let (status, _) =
            get_json(&client, &daemon.host_url(host, "/api/v1/me"), Some(agent)).await;
        assert_eq!(status, 200);
        let other_host = if host == alpha { beta } else { alpha };
        let (status, _) = get_json(
            &client,
            &daemon.host_url(other_host, "/api/v1/me"),
            Some(agent),
        )
        .await;
        assert_eq!(status, 401);
    }
    // Each list holds exactly its own account's users.
    let (_, alpha_users) = get_json(
        &client,
        &daemon.host_url(alpha, "/api/v1/users"),
        Some(alpha_owner),
    )
    .await;
    let (_, beta_users) = get_json(
        &client,
        &daemon.host_url(beta, "/api/v1/users"),
        Some(beta_owner),
    )
    .await;
    let mut alpha_emails = emails(&alpha_users);
    let mut beta_emails = emails(&beta_users);
    alpha_emails.sort();
    beta_emails.sort();
    assert_eq!(
        alpha_emails,
        ["agent-of-alpha@alpha.example", alpha_owner.0]
    );
    assert_eq!(beta_emails, ["agent-of-beta@beta.example", beta_owner.0]);
}

#[tokio::test]
async fn a_setup_token_works_only_on_its_own_accounts_host() {
    let daemon = Daemon::fresh();
    let default_token = daemon.setup_token();
    let (gamma, delta) = ("help.gamma.example", "help.delta.example");
    create_account(&daemon, "gamma", "Gamma", gamma);
    create_account(&daemon, "delta", "Delta", delta);
    let data = daemon.data_arg();
    let link = cli_ok(&["setup-link", "--account", "gamma", "--data-dir", &data]);
    let gamma_token = token_of(&link);
    let client = daemon.client_for_hosts(&[gamma, delta]);

    let form = |token: &str| -> [(&'static str, String); 4] {
        [
            ("token", token.to_string()),
            ("name", "Mallory".into()),
            ("email", "mallory@example.com".into()),
            ("password", "a long enough password".into()),
        ]
    };
    for token in [&gamma_token, &default_token] {
        let page = client
            .get(daemon.host_url(delta, &format!("/setup?token={token}")))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(page.status().as_u16(), 404 | 410),
            "another account's token opens delta's setup form: {}",
            page.status()
        );
        let fields = form(token);
        let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
        let (status, page) = post_setup(&client, &daemon.host_url(delta, "/setup"), fields).await;
        assert!(matches!(status, 404 | 410), "{status}: {page}");
    }
    assert_eq!(account_json(&daemon, "delta")["has_owner"], false);

    // On its own host, the same token still works.
    let fields = form(&gamma_token);
    let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
    let (status, page) = post_setup(&client, &daemon.host_url(gamma, "/setup"), fields).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(account_json(&daemon, "gamma")["has_owner"], true);
    assert_eq!(account_json(&daemon, "delta")["has_owner"], false);
}

#[test]
fn account_list_and_show_json_shapes() {
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    create_account(&daemon, "beta", "Beta", BETA);
    let listed: serde_json::Value =
        serde_json::from_str(&cli_ok(&["account", "list", "--json", "--data-dir", &data])).unwrap();
    let accounts = listed.as_array().expect("a JSON array");
    let slugs: Vec<&str> = accounts
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "beta"]);
    let mut keys: Vec<&String> = accounts[1].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "has_owner",
            "hosts",
            "id",
            "name",
            "slug",
            "state"
        ],
        "{listed}"
    );

    let beta = account_json(&daemon, "beta");
    assert_eq!(beta, accounts[1], "show and list describe beta alike");
    assert_eq!(beta["name"], "Beta");
    assert_eq!(beta["hosts"], serde_json::json!([BETA]));
    assert_eq!(beta["state"], "active");
    assert_eq!(beta["has_owner"], false);
    assert!(beta["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(
        beta["created_at"].as_str().is_some_and(|t| t.len() >= 20),
        "{beta}"
    );

    let trial = cli_ok(&[
        "account",
        "create",
        "--slug",
        "trying",
        "--name",
        "T",
        "--trial",
        "--data-dir",
        &data,
    ]);
    assert!(!trial.is_empty());
    assert_eq!(account_json(&daemon, "trying")["state"], "trial");
}

#[test]
fn account_cli_errors() {
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    create_account(&daemon, "acme", "Acme", "support.acme.example");
    let create = |slug: &str, host: &str| {
        run_cli(&[
            "account",
            "create",
            "--slug",
            slug,
            "--name",
            "X",
            "--host",
            host,
            "--data-dir",
            &data,
        ])
    };
    let duplicate = create("acme", "other.acme.example");
    assert_eq!(duplicate.code(), Some(1), "{duplicate:?}");
    assert!(duplicate.stderr.contains("acme"), "{duplicate:?}");
    let taken = create("other", "SUPPORT.acme.example");
    assert_eq!(taken.code(), Some(1), "{taken:?}");
    assert!(taken.stderr.contains("support.acme.example"), "{taken:?}");
    let bad_slug = create("Not A Slug", "x.example");
    assert_eq!(
        bad_slug.code(),
        Some(2),
        "invalid input is a usage error: {bad_slug:?}"
    );
    let bad_host = create("fine", "https://x.example/");
    assert_eq!(bad_host.code(), Some(2), "{bad_host:?}");
    let missing = run_cli(&["account", "show", "nobody", "--data-dir", &data]);
    assert_eq!(missing.code(), Some(1), "{missing:?}");
    assert!(missing.stderr.contains("nobody"), "{missing:?}");
    // Nothing of the refused ones was created.
    let listed: serde_json::Value =
        serde_json::from_str(&cli_ok(&["account", "list", "--json", "--data-dir", &data])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}

#[tokio::test]
async fn the_first_account_gets_a_host_name_and_stays_reachable() {
    let daemon = Daemon::fresh();
    let token = daemon.setup_token();
    let data = daemon.data_arg();
    let setup_path = format!("/setup?token={token}");

    // A second account makes the host-less first account unreachable; the CLI says so.
    let created = run_cli(&[
        "account",
        "create",
        "--slug",
        "beta",
        "--name",
        "Beta",
        "--host",
        BETA,
        "--data-dir",
        &data,
    ]);
    assert_eq!(created.code(), Some(0), "{created:?}");
    assert!(
        created.stderr.contains("account default has no host name")
            && created.stderr.contains("account add-host default"),
        "{created:?}"
    );
    let first = "help.first.example";
    let client = daemon.client_for_hosts(&[first]);
    let unreachable = client
        .get(daemon.host_url(first, &setup_path))
        .send()
        .await
        .unwrap();
    assert_eq!(unreachable.status(), 404);

    // Giving it a host name makes it (and its setup link) reachable again, at once.
    let added = cli_ok(&[
        "account",
        "add-host",
        "default",
        "--host",
        first,
        "--data-dir",
        &data,
    ]);
    assert!(added.contains(first), "{added}");
    let reachable = client
        .get(daemon.host_url(first, &setup_path))
        .send()
        .await
        .unwrap();
    assert_eq!(reachable.status(), 200);
    assert_eq!(
        account_json(&daemon, "default")["hosts"],
        serde_json::json!([first])
    );

    // A host name cannot belong to two accounts, and removing one stops it answering.
    let taken = run_cli(&[
        "account",
        "add-host",
        "beta",
        "--host",
        first,
        "--data-dir",
        &data,
    ]);
    assert_eq!(taken.code(), Some(1), "{taken:?}");
    assert!(taken.stderr.contains("already belongs"), "{taken:?}");
    cli_ok(&[
        "account",
        "remove-host",
        "default",
        "--host",
        first,
        "--data-dir",
        &data,
    ]);
    let gone = client
        .get(daemon.host_url(first, &setup_path))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let missing = run_cli(&[
        "account",
        "remove-host",
        "default",
        "--host",
        first,
        "--data-dir",
        &data,
    ]);
    assert_eq!(missing.code(), Some(1), "{missing:?}");
}

#[test]
fn the_first_account_answers_on_the_public_url_host() {
    let (_temp, data) = crate::harness::fresh_dir();
    let data = data.display().to_string();
    let run = crate::harness::run_cli_with(
        &["init", "--data-dir", &data],
        None,
        &[("HELPDESKD_PUBLIC_URL", "https://Support.Example.com:8443/")],
    );
    assert_eq!(run.code(), Some(0), "{run:?}");
    let shown: serde_json::Value = serde_json::from_str(&cli_ok(&[
        "account",
        "show",
        "default",
        "--json",
        "--data-dir",
        &data,
    ]))
    .unwrap();
    assert_eq!(shown["hosts"], serde_json::json!(["support.example.com"]));
}
