//! Versioned schema migrations, tracked in `PRAGMA user_version`.
//!
//! Before a migration changes a database that already holds data, a consistent encrypted copy
//! (SQLite online backup, same key) is written to the migration backup directory, so a failed
//! upgrade can be undone by hand.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::StoreError;
use super::connection::{self, Access};
use super::keys::SecretKey;

/// One schema step. `version` counts from 1 and increases by one each step.
pub struct Migration {
    pub version: u32,
    pub sql: &'static str,
}

/// What `apply` did, for logging.
#[derive(Debug, PartialEq, Eq)]
pub struct MigrationReport {
    pub from: u32,
    pub to: u32,
    pub backup: Option<PathBuf>,
}

pub fn latest(migrations: &[Migration]) -> u32 {
    migrations.last().map(|m| m.version).unwrap_or(0)
}

pub fn apply(
    conn: &Connection,
    db_path: &Path,
    key: &SecretKey,
    migrations: &[Migration],
    backup_dir: &Path,
    now_unix: i64,
) -> Result<MigrationReport, StoreError> {
    let from: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let to = latest(migrations);
    if from > to {
        return Err(StoreError::TooNew {
            path: db_path.to_path_buf(),
            found: from,
            supported: to,
        });
    }
    if from == to {
        return Ok(MigrationReport {
            from,
            to,
            backup: None,
        });
    }
    let backup = if from > 0 {
        Some(backup_before_migration(
            conn, db_path, key, backup_dir, from, now_unix,
        )?)
    } else {
        None
    };
    for step in migrations.iter().filter(|m| m.version > from) {
        let fail = |source| StoreError::Migration {
            path: db_path.to_path_buf(),
            version: step.version,
            source,
        };
        conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
        let result = conn
            .execute_batch(step.sql)
            .and_then(|_| conn.pragma_update(None, "user_version", step.version));
        match result {
            Ok(()) => conn.execute_batch("COMMIT").map_err(fail)?,
            Err(source) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(fail(source));
            }
        }
    }
    Ok(MigrationReport { from, to, backup })
}

fn backup_before_migration(
    conn: &Connection,
    db_path: &Path,
    key: &SecretKey,
    backup_dir: &Path,
    version: u32,
    now_unix: i64,
) -> Result<PathBuf, StoreError> {
    let stem = db_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("database");
    let parent = db_path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    std::fs::create_dir_all(backup_dir).map_err(|source| StoreError::Io {
        path: backup_dir.to_path_buf(),
        source,
    })?;
    let target = backup_dir.join(format!("{parent}-{stem}-v{version}-{now_unix}.db"));
    let fail = |source| StoreError::MigrationBackup {
        path: target.clone(),
        source,
    };
    // The copy takes the source's pages as they are, so it must use the same page MAC.
    let mac = connection::PageMac::of(conn).map_err(fail)?;
    let mut copy = connection::open_with(
        &target,
        key,
        Access::Writer { create: true },
        std::time::Duration::from_secs(5),
        Some(mac),
    )?;
    rusqlite::backup::Backup::new(conn, &mut copy)
        .and_then(|b| b.run_to_completion(256, std::time::Duration::ZERO, None))
        .map_err(fail)?;
    copy.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .map_err(fail)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[Migration] = &[Migration {
        version: 1,
        sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    }];
    const V2: &[Migration] = &[
        Migration {
            version: 1,
            sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
        },
        Migration {
            version: 2,
            sql: "ALTER TABLE note ADD COLUMN author TEXT;",
        },
    ];

    fn open(path: &Path, key: &SecretKey) -> Connection {
        connection::open(
            path,
            key,
            Access::Writer { create: true },
            std::time::Duration::from_secs(1),
        )
        .unwrap()
    }

    #[test]
    fn fresh_database_migrates_without_backup_and_reopening_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let db = dir.path().join("a.db");
        let conn = open(&db, &key);
        let report = apply(&conn, &db, &key, V1, &dir.path().join("bk"), 1).unwrap();
        assert_eq!((report.from, report.to, report.backup), (0, 1, None));
        let again = apply(&conn, &db, &key, V1, &dir.path().join("bk"), 2).unwrap();
        assert_eq!((again.from, again.to), (1, 1));
        assert!(!dir.path().join("bk").exists());
    }

    #[test]
    fn upgrade_takes_a_readable_encrypted_backup_first() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let db = dir.path().join("a.db");
        let conn = open(&db, &key);
        apply(&conn, &db, &key, V1, &dir.path().join("bk"), 1).unwrap();
        conn.execute("INSERT INTO note (body) VALUES ('kept')", [])
            .unwrap();
        let report = apply(&conn, &db, &key, V2, &dir.path().join("bk"), 7).unwrap();
        assert_eq!((report.from, report.to), (1, 2));
        let backup = report.backup.expect("a backup before changing data");
        let copy = open(&backup, &key);
        let body: String = copy
            .query_row("SELECT body FROM note", [], |r| r.get(0))
            .unwrap();
        assert_eq!(body, "kept");
        let version: u32 = copy
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
        assert!(matches!(
            connection::open(
                &backup,
                &SecretKey::random(),
                Access::Reader,
                std::time::Duration::from_secs(1)
            ),
            Err(StoreError::WrongKey { .. })
        ));
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let db = dir.path().join("a.db");
        let conn = open(&db, &key);
        apply(&conn, &db, &key, V2, &dir.path().join("bk"), 1).unwrap();
        let err = apply(&conn, &db, &key, V1, &dir.path().join("bk"), 1).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 2, .. }), "{err}");
    }

    #[test]
    fn a_failing_step_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let db = dir.path().join("a.db");
        let conn = open(&db, &key);
        let broken = [
            Migration {
                version: 1,
                sql: "CREATE TABLE note (id INTEGER PRIMARY KEY);",
            },
            Migration {
                version: 2,
                sql: "CREATE TABLE oops (; broken",
            },
        ];
        assert!(apply(&conn, &db, &key, &broken, &dir.path().join("bk"), 1).is_err());
        let version: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
    }

    /// Migration 17 copies `chat_events` to change its CHECK: every event survives, and
    /// the new kind and column work.
    #[test]
    fn chat_events_survive_the_routing_migration() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let db = dir.path().join("a.db");
        let conn = open(&db, &key);
        let account = super::super::schema::ACCOUNT;
        let before = account.iter().position(|m| m.version == 17).unwrap();
        let bk = dir.path().join("bk");
        apply(&conn, &db, &key, &account[..before], &bk, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, email, name, role, password_hash, created_at)
                 VALUES (1, 'a@x.example', 'A', 'owner', 'x', 0);
             INSERT INTO contacts (id, name, created_at, updated_at) VALUES (1, 'C', 0, 0);
             INSERT INTO chats (id, contact_id, visitor_id, start_client_id, resume_hash,
                                status, locale, created_at, last_seq)
                 VALUES (1, 1, 'v', 'c', x'00', 'active', 'en', 0, 2);
             INSERT INTO chat_events (chat_id, seq, kind, side, user_id, client_id, at)
                 VALUES (1, 1, 'message', 'visitor', NULL, 'c', 5),
                        (1, 2, 'agent_joined', 'agent', 1, NULL, 6);",
        )
        .unwrap();
        let report = apply(&conn, &db, &key, account, &bk, 2).unwrap();
        assert!(report.to >= 17);
        let events: Vec<(i64, String, Option<String>)> = conn
            .prepare("SELECT seq, kind, client_id FROM chat_events ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            events,
            vec![
                (1, "message".to_string(), Some("c".to_string())),
                (2, "agent_joined".to_string(), None)
            ]
        );
        conn.execute(
            "INSERT INTO chat_events (chat_id, seq, kind, side, detail, at)
             VALUES (1, 3, 'transferred', 'agent', 'Sales', 7)",
            [],
        )
        .unwrap();
        let duplicate = conn.execute(
            "INSERT INTO chat_events (chat_id, seq, kind, side, client_id, at)
             VALUES (1, 4, 'message', 'visitor', 'c', 8)",
            [],
        );
        assert!(duplicate.is_err(), "the client-id index is back");
        let problems: Vec<String> = conn
            .prepare("PRAGMA foreign_key_check")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
    }
}
