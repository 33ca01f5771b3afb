//! The audit log: what gets recorded, who may read it, and tamper evidence end to end.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Daemon, Options, cli_ok, create_owner, run_cli, run_cli_with};

const OWNER: (&str, &str) = ("olga@audit.example", "owner password 12");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_recorded_readable_by_admins_and_tampering_is_found() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let url = |path: &str| daemon.url(path);

    let token: Value = client
        .post(url("/api/v1/tokens"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"name": "ro", "scopes": ["read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read_only = token["token"].as_str().unwrap().to_string();
    let added = client
        .post(url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": "a@audit.example", "name": "A", "role": "agent", "password": "agent password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let wrong = client
        .get(url("/api/v1/me"))
        .basic_auth(OWNER.0, Some("not the password"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let log: Value = client
        .get(url("/api/v1/audit"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "login.failed",
            "user.created",
            "token.created",
            "user.created"
        ],
        "newest first: {log}"
    );
    let newest = &log["entries"][0];
    assert_eq!(
        (newest["actor"].as_str(), newest["ip"].as_str()),
        (Some(OWNER.0), Some("127.0.0.1"))
    );
    assert_eq!(
        log["entries"][3]["actor"], "setup",
        "the owner was made through the setup link"
    );
    assert!(
        !log.to_string().contains("hdk_"),
        "no token text in the audit log"
    );

    let csv = client
        .get(url("/api/v1/audit?format=csv&action=user.created"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("id,at,actor_id,actor,action,target,ip,detail\r\n"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        3,
        "header and two user.created rows: {csv}"
    );

    // Agents and tokens without the admin scope cannot read it.
    let agent = client
        .get(url("/api/v1/audit"))
        .basic_auth("a@audit.example", Some("agent password 1"))
        .send()
        .await
        .unwrap();
    assert_eq!(agent.status(), 403);
    let limited = client
        .get(url("/api/v1/audit"))
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 403);

    // The chain verifies; editing one row in the database breaks it exactly there.
    let data = daemon.data_arg();
    let intact = cli_ok(&[
        "audit",
        "verify",
        "--account",
        "default",
        "--data-dir",
        &data,
    ]);
    assert!(intact.contains("4 entries, chain intact"), "{intact}");
    tamper_with_entry(&daemon, 2).await;
    let broken = run_cli(&[
        "audit",
        "verify",
        "--account",
        "default",
        "--data-dir",
        &data,
    ]);
    assert_eq!(broken.code(), Some(1), "{broken:?}");
    assert!(broken.stdout.contains("BROKEN at entry 2"), "{broken:?}");
}

/// Rewrites one audit entry directly in the encrypted database, as someone holding the key
/// but not using the daemon would.
async fn tamper_with_entry(daemon: &Daemon, id: i64) {
    write_account_db(
        daemon,
        format!("UPDATE audit_log SET detail = 'role=admin' WHERE id = {id}"),
    )
    .await;
}

/// Runs `sql` in the first account's encrypted database, opened with the master key next to
/// the daemon's data, as someone holding the key but not using the daemon would.
async fn write_account_db(daemon: &Daemon, sql: String) {
    use helpdeskd::store::{DataLayout, KeySource, OpenMode, Store, StoreError, StoreOptions};
    let shown: Value = serde_json::from_str(&cli_ok(&[
        "account",
        "show",
        "default",
        "--json",
        "--data-dir",
        &daemon.data_arg(),
    ]))
    .unwrap();
    let account_id = shown["id"].as_str().unwrap().to_string();
    let store = std::sync::Arc::new(
        Store::open(
            DataLayout::new(&daemon.data_dir),
            &KeySource::File(daemon.data_dir.join("master.key")),
            StoreOptions {
                readers_per_database: 1,
                reader_cache_mib: 2,
                busy_timeout: Duration::from_secs(5),
            },
            OpenMode::Existing,
            0,
        )
        .unwrap(),
    );
    let db = store.account(&account_id, 0).await.unwrap();
    db.write(move |conn| -> Result<(), StoreError> {
        conn.execute_batch(&sql)?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Makes entries up to `id` look 400 days old. Their hashes no longer match, which does not
/// matter once they are pruned: the chain continues from the stored hash of the last one.
async fn age_entries_up_to(daemon: &Daemon, id: i64) {
    write_account_db(
        daemon,
        format!("UPDATE audit_log SET at = at - 400 * 86400 WHERE id <= {id}"),
    )
    .await;
}

/// Newest first: (action, actor) of every entry the API lists.
async fn audit_actions(daemon: &Daemon) -> Vec<(String, String)> {
    let log: Value = daemon
        .client()
        .get(daemon.url("/api/v1/audit"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `audit COMMAND --account SLUG --data-dir D [--config F]` for this daemon's data.
fn audit_args(command: &str, daemon: &Daemon, account: &str) -> Vec<String> {
    let mut args: Vec<String> = ["audit", command, "--account", account, "--data-dir"]
        .map(String::from)
        .to_vec();
    args.push(daemon.data_arg());
    if let Some(config) = &daemon.config_file {
        args.extend(["--config".to_string(), config.display().to_string()]);
    }
    args
}

/// What one CLI run did, in a type this file can name.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    shown: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

macro_rules! captured {
    ($run:expr) => {{
        let run = $run;
        Run {
            code: run.code(),
            shown: format!("{run:?}"),
            stdout: run.stdout,
            stderr: run.stderr,
        }
    }};
}

fn audit_cli(command: &str, daemon: &Daemon, account: &str) -> Run {
    let args = audit_args(command, daemon, account);
    captured!(run_cli(
        &args.iter().map(String::as_str).collect::<Vec<_>>()
    ))
}

/// Exit 2 and exactly one line on stderr, `error: ...`, containing every `needle`.
fn assert_one_error_line(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, Some(2), "exit code: {run:?}");
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {run:?}");
    assert!(lines[0].starts_with("error: "), "{run:?}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} missing: {run:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_prune_on_a_fresh_account_removes_nothing_and_verify_still_passes() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;

    let pruned = audit_cli("prune", &daemon, "default");
    assert_eq!(pruned.code, Some(0), "{pruned:?}");
    assert!(
        pruned
            .stdout
            .contains("audit log of default: 0 entries removed (none older than 730 days"),
        "{pruned:?}"
    );
    let verified = audit_cli("verify", &daemon, "default");
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(
        verified.stdout.contains("1 entries, chain intact"),
        "{verified:?}"
    );
    assert_eq!(
        audit_actions(&daemon).await,
        [("user.created".to_string(), "setup".to_string())],
        "nothing removed, nothing recorded"
    );

    let unknown = audit_cli("prune", &daemon, "nobody");
    assert_eq!(unknown.code, Some(1), "{unknown:?}");
    assert_eq!(unknown.stderr.lines().count(), 1, "{unknown:?}");
    assert!(
        unknown.stderr.starts_with("error: ") && unknown.stderr.contains("nobody"),
        "{unknown:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_old_entries_are_pruned_by_the_cli_and_at_daemon_start_and_the_chain_verifies() {
    let daemon = Daemon::start(Options::default().config("[audit]\nretention_days = 30\n"));
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let added = daemon
        .client()
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": "a@audit.example", "name": "A", "role": "agent", "password": "agent password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    age_entries_up_to(&daemon, 2).await;
    let wrong = daemon
        .client()
        .get(daemon.url("/api/v1/me"))
        .basic_auth(OWNER.0, Some("not the password"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401, "entry 3, recent");

    // The operator prunes now: the two old entries go, the recent one stays.
    let pruned = audit_cli("prune", &daemon, "default");
    assert_eq!(pruned.code, Some(0), "{pruned:?}");
    assert!(
        pruned
            .stdout
            .contains("audit log of default: 2 entries removed (older than 30 days"),
        "{pruned:?}"
    );
    assert!(pruned.stdout.contains("up to entry 2 of"), "{pruned:?}");
    let verified = audit_cli("verify", &daemon, "default");
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(
        verified.stdout.contains(
            "2 entries, chain intact (checked from the retention anchor: entries up to 2 were pruned)"
        ),
        "{verified:?}"
    );
    assert_eq!(
        audit_actions(&daemon).await,
        [
            ("audit.pruned".to_string(), "cli".to_string()),
            ("login.failed".to_string(), OWNER.0.to_string()),
        ]
    );

    // The daemon prunes at start: the failed login (aged now) goes; the newest stays.
    age_entries_up_to(&daemon, 3).await;
    let daemon = daemon.restart();
    assert!(
        daemon
            .stderr
            .wait_for("audit retention: removed old audit entries"),
        "{}",
        daemon.stderr.text()
    );
    let log = daemon.stderr.text();
    let line = log
        .lines()
        .find(|l| l.contains("removed old audit entries"))
        .unwrap();
    assert!(
        line.contains("account=default") && line.contains("removed=1"),
        "{line}"
    );
    assert!(!line.contains(OWNER.0), "counts, not contents: {line}");
    assert_eq!(
        audit_actions(&daemon).await,
        [
            ("audit.pruned".to_string(), "system".to_string()),
            ("audit.pruned".to_string(), "cli".to_string()),
        ]
    );
    let verified = audit_cli("verify", &daemon, "default");
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(
        verified
            .stdout
            .contains("2 entries, chain intact (checked from the retention anchor: entries up to 3 were pruned)"),
        "{verified:?}"
    );

    // Tampering after the anchor is still found, at the entry changed.
    tamper_with_entry(&daemon, 5).await;
    let broken = audit_cli("verify", &daemon, "default");
    assert_eq!(broken.code, Some(1), "{broken:?}");
    assert!(broken.stdout.contains("BROKEN at entry 5"), "{broken:?}");
}

#[test]
fn audit_retention_config_is_checked_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("helpdeskd.toml");
    let file_arg = file.display().to_string();
    let check = |env: &[(&str, &str)]| {
        captured!(run_cli_with(
            &["config", "check", "--config", &file_arg],
            None,
            env
        ))
    };
    let one_error_line = |run: Run, needles: &[&str]| assert_one_error_line(&run, needles);

    std::fs::write(&file, "[audit]\nretention_days = 1000000\n").unwrap();
    one_error_line(
        check(&[]),
        &[&file_arg, "`audit.retention_days`", "100 years"],
    );
    std::fs::write(&file, "[audit]\nretention_days = -1\n").unwrap();
    one_error_line(check(&[]), &["`audit.retention_days`"]);
    std::fs::write(&file, "[audit]\nretention_day = 30\n").unwrap();
    one_error_line(check(&[]), &["`audit.retention_day`"]);

    std::fs::write(&file, "[audit]\nretention_days = 0\n").unwrap();
    let ok = check(&[]);
    assert_eq!(ok.code, Some(0), "0 keeps entries forever: {ok:?}");
    one_error_line(
        check(&[("HELPDESKD_AUDIT_RETENTION_DAYS", "99999")]),
        &[
            "environment variable HELPDESKD_AUDIT_RETENTION_DAYS",
            "`audit.retention_days`",
        ],
    );

    // The daemon refuses it the same way.
    let refused = Daemon::try_start(
        Options::default()
            .config("[audit]\nretention_days = 50000\n")
            .no_listen_flag(),
    );
    let Err(failure) = refused else {
        panic!("the daemon started despite audit.retention_days = 50000");
    };
    assert_eq!(failure.code(), Some(2), "{failure:?}");
    assert!(
        failure.stderr.contains("`audit.retention_days`"),
        "{failure:?}"
    );
}

/// `GET /api/v1/audit` filters by action family, actor and time; bad times are a 400.
#[tokio::test]
async fn the_log_is_filtered_by_action_family_actor_and_time() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let added = client
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": "f@audit.example", "name": "F", "role": "agent", "password": "agent password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let entries = |query: &'static str| {
        let (client, url) = (client.clone(), daemon.url(&format!("/api/v1/audit{query}")));
        async move {
            let response = client
                .get(url)
                .basic_auth(OWNER.0, Some(OWNER.1))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    };
    let actions = |body: &Value| -> Vec<String> {
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, family) = entries("?action=user").await;
    assert!(
        !actions(&family).is_empty() && actions(&family).iter().all(|a| a.starts_with("user.")),
        "{family}"
    );
    let (_, none) = entries("?action=use").await;
    assert!(
        actions(&none).is_empty(),
        "a family is a whole word: {none}"
    );
    let (_, by_owner) = entries("?actor=OLGA@audit.example").await;
    assert!(
        actions(&by_owner).contains(&"user.created".to_string()),
        "{by_owner}"
    );
    let (_, future) = entries("?since=2999-01-01").await;
    assert!(actions(&future).is_empty());
    let (_, past) = entries("?until=2000-01-01T00:00:00Z").await;
    assert!(actions(&past).is_empty());
    let (_, window) = entries("?since=2000-01-01&until=2999-12-31").await;
    assert!(!actions(&window).is_empty());
    let (status, bad) = entries("?since=yesterday").await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("invalid_time"))
    );
}
