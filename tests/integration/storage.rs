//! Encryption at rest and master-key handling, seen from outside the process.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::harness::{
    Daemon, Options, cli_ok, create_owner, files_under, fresh_dir, get_json, random_hex, snapshot,
};

/// Files under `dir` that hold `marker` in UTF-8, UTF-16LE or UTF-16BE.
fn files_holding(dir: &Path, marker: &str) -> Vec<String> {
    let encodings: [(&str, Vec<u8>); 3] = [
        ("utf-8", marker.as_bytes().to_vec()),
        (
            "utf-16le",
            marker.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        (
            "utf-16be",
            marker.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    ];
    let mut hits = Vec::new();
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for (encoding, needle) in &encodings {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                hits.push(format!("{} ({encoding})", file.display()));
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marker_is_in_no_byte_on_disk_but_reads_back_with_the_key() {
    let mut daemon = Daemon::fresh();
    let marker = format!("Marker-{}", random_hex(8));
    let email = format!("{}@owner.example", marker.to_lowercase());
    create_owner(&daemon, &marker, &email, "correct horse battery").await;

    // While running, the fresh write sits in a WAL: scan that too.
    let files = files_under(&daemon.data_dir);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".db-wal")),
        "no WAL file while the daemon runs: {files:?}"
    );
    // The scan must be able to find something: the data dir holds the owner's record.
    assert!(
        files
            .iter()
            .map(|f| f.metadata().unwrap().len())
            .sum::<u64>()
            > 0
    );
    for needle in [&marker, &email] {
        let hits = files_holding(&daemon.data_dir, needle);
        assert!(hits.is_empty(), "{needle} in clear while running: {hits:?}");
    }

    let status = daemon.terminate_async().await;
    assert!(status.success(), "SIGTERM exit: {status}");
    for needle in [&marker, &email] {
        let hits = files_holding(&daemon.data_dir, needle);
        assert!(hits.is_empty(), "{needle} in clear after stop: {hits:?}");
    }

    // With the key, it reads back.
    let daemon = daemon.restart();
    let (status, me) = get_json(
        &daemon.client(),
        &daemon.url("/api/v1/me"),
        Some((&email, "correct horse battery")),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], marker.as_str());
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["role"], "owner");
}

#[test]
fn the_scan_finds_a_marker_in_clear() {
    // The scanner itself can fail: a marker written in clear, in each encoding, is found.
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("Marker-{}", random_hex(8));
    std::fs::create_dir_all(dir.path().join("accounts/x")).unwrap();
    std::fs::write(
        dir.path().join("accounts/x/account.db-wal"),
        format!("..{marker}.."),
    )
    .unwrap();
    let utf16: Vec<u8> = marker.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(dir.path().join("system.db"), utf16).unwrap();
    assert_eq!(files_holding(dir.path(), &marker).len(), 2);
}

fn initialized_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let (temp, data) = fresh_dir();
    cli_ok(&["init", "--data-dir", &data.display().to_string()]);
    (temp, data)
}

#[test]
fn a_wrong_master_key_stops_startup_and_changes_nothing() {
    let (_temp, data) = initialized_dir();
    let key = data.join("master.key");
    let other_key = loop {
        let candidate = random_hex(32);
        if std::fs::read_to_string(&key).unwrap().trim() != candidate {
            break candidate;
        }
    };
    std::fs::write(&key, format!("{other_key}\n")).unwrap();
    assert_eq!(key.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    let before = snapshot(&data);

    let failure = Daemon::try_start(Options::default().data_dir(&data))
        .err()
        .expect("a wrong key must stop startup");
    assert_eq!(failure.code(), Some(1), "{failure:?}");
    let stderr = failure.stderr.to_lowercase();
    assert!(
        stderr.contains("master key") && stderr.contains("system.db"),
        "{failure:?}"
    );
    assert!(!stderr.contains("panicked"), "{failure:?}");
    assert_eq!(before, snapshot(&data), "files changed by a refused start");
}

#[test]
fn a_group_readable_master_key_is_refused() {
    let (_temp, data) = initialized_dir();
    let key = data.join("master.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = snapshot(&data);
    let failure = Daemon::try_start(Options::default().data_dir(&data))
        .err()
        .expect("a group-readable key must stop startup");
    assert_eq!(failure.code(), Some(1), "{failure:?}");
    assert!(
        failure.stderr.contains(&key.display().to_string()),
        "the message names the file: {failure:?}"
    );
    assert_eq!(before, snapshot(&data));

    // Fixed as the message says, it starts.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    Daemon::start(Options::default().data_dir(&data));
}

#[test]
fn a_missing_master_key_with_existing_data_is_never_replaced() {
    let (_temp, data) = initialized_dir();
    let key = data.join("master.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let before = snapshot(&data);

    let failure = Daemon::try_start(Options::default().data_dir(&data))
        .err()
        .expect("a missing key must stop startup");
    assert_eq!(failure.code(), Some(1), "{failure:?}");
    assert!(
        failure.stderr.contains("master.key") || failure.stderr.contains("master key"),
        "{failure:?}"
    );
    assert!(!key.exists(), "a new key was created for existing data");
    assert_eq!(before, snapshot(&data));

    // `init` must not make one either: the data would be lost behind a new key.
    let run = crate::harness::run_cli(&["init", "--data-dir", &data.display().to_string()]);
    assert_ne!(run.code(), Some(0), "{run:?}");
    assert!(!key.exists(), "init created a new key for existing data");

    std::fs::write(&key, &saved).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    Daemon::start(Options::default().data_dir(&data));
}
