//! The audit log: what gets recorded, who may read it, and tamper evidence end to end.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Daemon, cli_ok, create_owner, run_cli};

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
                busy_timeout: Duration::from_secs(5),
            },
            OpenMode::Existing,
            0,
        )
        .unwrap(),
    );
    let db = store.account(&account_id, 0).await.unwrap();
    db.write(move |conn| -> Result<(), StoreError> {
        conn.execute(
            "UPDATE audit_log SET detail = 'role=admin' WHERE id = ?1",
            [id],
        )?;
        Ok(())
    })
    .await
    .unwrap();
}
