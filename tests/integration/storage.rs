//! Encryption at rest and key handling, seen from outside the process.

use std::os::unix::fs::PermissionsExt;

use crate::harness::{Daemon, Options, create_owner, files_under, fresh_dir, random_hex};

fn find_marker(dir: &std::path::Path, marker: &str) -> Vec<String> {
    let utf8 = marker.as_bytes().to_vec();
    let utf16: Vec<u8> = marker
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut hits = Vec::new();
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for needle in [&utf8, &utf16] {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                hits.push(file.display().to_string());
            }
        }
    }
    hits
}

// Multi-threaded: `terminate` blocks this thread while the client's connection tasks must
// still answer the server's graceful-shutdown GOAWAY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_never_on_disk_in_clear_but_reads_back_with_the_key() {
    let mut daemon = Daemon::start();
    let marker = format!("Marker-{}", random_hex(8));
    let email = format!("{}@owner.example", marker.to_lowercase());
    create_owner(&daemon, &marker, &email, "correct horse battery").await;

    // While running: the WAL holds the fresh write.
    let hits = find_marker(&daemon.data_dir, &marker);
    assert!(
        hits.is_empty(),
        "marker found in clear while running: {hits:?}"
    );
    assert!(!files_under(&daemon.data_dir).is_empty());

    assert!(daemon.terminate().success());
    let hits = find_marker(&daemon.data_dir, &marker);
    assert!(
        hits.is_empty(),
        "marker found in clear after stop: {hits:?}"
    );
    assert!(find_marker(&daemon.data_dir, &email).is_empty());

    let daemon = daemon.restart();
    let me: serde_json::Value = daemon
        .client()
        .get(daemon.localhost_url("/api/v1/me"))
        .basic_auth(&email, Some("correct horse battery"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], marker.as_str());
    assert_eq!(me["role"], "owner");
}

#[test]
fn a_wrong_key_stops_startup_and_changes_nothing() {
    let (_temp, data) = fresh_dir();
    let mut daemon = Daemon::start_with(Options {
        data_dir: Some(data.clone()),
        ..Options::default()
    });
    assert!(daemon.terminate().success());
    let system_db = data.join("system.db");
    let before = std::fs::read(&system_db).unwrap();
    std::fs::write(data.join("master.key"), format!("{}\n", random_hex(32))).unwrap();

    let failure = Daemon::try_start(Options {
        data_dir: Some(data.clone()),
        ..Options::default()
    })
    .err()
    .expect("a wrong key must stop startup");
    assert_eq!(failure.status.and_then(|s| s.code()), Some(1));
    assert!(
        failure.stderr.contains("master key does not open"),
        "{}",
        failure.stderr
    );
    assert!(!failure.stderr.contains("panicked"), "{}", failure.stderr);
    assert_eq!(
        before,
        std::fs::read(&system_db).unwrap(),
        "system.db changed"
    );
}

#[test]
fn a_missing_key_never_makes_a_new_one_and_a_readable_key_is_refused() {
    let (_temp, data) = fresh_dir();
    let mut daemon = Daemon::start_with(Options {
        data_dir: Some(data.clone()),
        ..Options::default()
    });
    assert!(daemon.terminate().success());
    let key = data.join("master.key");
    let saved = std::fs::read(&key).unwrap();

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let failure = Daemon::try_start(Options {
        data_dir: Some(data.clone()),
        ..Options::default()
    })
    .err()
    .unwrap();
    assert_eq!(failure.status.and_then(|s| s.code()), Some(1));
    assert!(
        failure.stderr.contains("master.key") && failure.stderr.contains("group or others"),
        "{}",
        failure.stderr
    );

    std::fs::remove_file(&key).unwrap();
    let failure = Daemon::try_start(Options {
        data_dir: Some(data.clone()),
        ..Options::default()
    })
    .err()
    .unwrap();
    assert_eq!(failure.status.and_then(|s| s.code()), Some(1));
    assert!(failure.stderr.contains("missing"), "{}", failure.stderr);
    assert!(!key.exists(), "a new key was created for existing data");

    std::fs::write(&key, &saved).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    Daemon::start_with(Options {
        data_dir: Some(data),
        ..Options::default()
    });
}
