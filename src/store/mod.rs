//! The store owns the data directory, the keys and every database connection.
//!
//! Architecture invariant: nothing outside `store` opens a database or holds a key. Domains
//! get a [`Database`] and run their own queries on it through `read` and `write`.

mod connection;
mod database;
mod deferred;
pub mod keys;
pub mod migrations;
mod readers;
pub mod schema;
mod syncer;
mod watch;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::OptionalExtension;

pub use database::Database;
pub use deferred::Deferred;
pub use keys::{KeyError, KeySource, MasterKey, SecretKey};
pub use writer::{CommitHook, WriterStats};

use database::OpenSpec;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "the master key does not open {path} (wrong key, or not a helpdeskd database); the file was not changed"
    )]
    WrongKey { path: PathBuf },
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("no helpdeskd data in {data_dir} (system.db is missing); run `helpdeskd init`")]
    NotInitialized { data_dir: PathBuf },
    #[error(
        "{path} is at schema version {found}, newer than this helpdeskd supports ({supported}); install the newer helpdeskd"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("migrating {path} to version {version} failed: {source}")]
    Migration {
        path: PathBuf,
        version: u32,
        source: rusqlite::Error,
    },
    #[error("backing up before migration to {path} failed: {source}")]
    MigrationBackup {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("write transaction failed: {0}")]
    Write(rusqlite::Error),
    #[error("write transaction failed: {0}")]
    CommitFailed(String),
    #[error("the database is closed")]
    Closed,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("account {0} has no database key")]
    NoAccountKey(String),
    #[error("internal error: {0}")]
    Invariant(String),
}

impl StoreError {
    /// A commit failure is shared by every job of the batch; each caller gets its own copy.
    pub(crate) fn clone_for_caller(&self) -> StoreError {
        StoreError::CommitFailed(self.to_string())
    }
}

/// Where things live inside the data directory.
#[derive(Debug, Clone)]
pub struct DataLayout {
    pub data_dir: PathBuf,
}

impl DataLayout {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        DataLayout {
            data_dir: data_dir.into(),
        }
    }
    pub fn system_db(&self) -> PathBuf {
        self.data_dir.join("system.db")
    }
    pub fn account_dir(&self, account_id: &str) -> PathBuf {
        self.data_dir.join("accounts").join(account_id)
    }
    pub fn account_db(&self, account_id: &str) -> PathBuf {
        self.account_dir(account_id).join("account.db")
    }
    pub fn migration_backups(&self) -> PathBuf {
        self.data_dir.join("migration-backups")
    }
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub readers_per_database: usize,
    /// Page cache of each read-only connection, MiB (see `storage.reader_cache_mib`).
    pub reader_cache_mib: u32,
    pub busy_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Refuse to start on an uninitialized data dir.
    Existing,
    /// Create the data dir, the master key (only if absent) and `system.db` when missing.
    CreateIfMissing,
}

pub struct Store {
    layout: DataLayout,
    master: MasterKey,
    options: StoreOptions,
    system: Arc<Database>,
    accounts: Mutex<HashMap<String, Arc<Database>>>,
}

impl Store {
    /// Blocking: loads the key and opens (or creates) `system.db`. A wrong or missing key is
    /// an error and never leads to a new database.
    pub fn open(
        layout: DataLayout,
        key_source: &KeySource,
        options: StoreOptions,
        mode: OpenMode,
        now_unix: i64,
    ) -> Result<Store, StoreError> {
        let system_path = layout.system_db();
        let exists = system_path.exists();
        if !exists && mode == OpenMode::Existing {
            return Err(StoreError::NotInitialized {
                data_dir: layout.data_dir.clone(),
            });
        }
        let master = if exists {
            MasterKey::load(key_source)?
        } else {
            create_dir_private(&layout.data_dir)?;
            match (MasterKey::load(key_source), key_source) {
                (Ok(key), _) => key,
                (Err(KeyError::Missing { .. }), KeySource::File(path)) => MasterKey::create(path)?,
                (Err(e), _) => return Err(e.into()),
            }
        };
        let system_key = master.system_db_key();
        let (system, report) = Database::open(OpenSpec {
            name: "system".into(),
            path: &system_path,
            key: &system_key,
            create: !exists,
            migrations: schema::SYSTEM,
            backup_dir: &layout.migration_backups(),
            readers: options.readers_per_database,
            reader_cache_mib: options.reader_cache_mib,
            busy_timeout: options.busy_timeout,
            now_unix,
            commit_hook: None,
            watched: &[],
        })?;
        log_migration("system", &report);
        Ok(Store {
            layout,
            master,
            options,
            system: Arc::new(system),
            accounts: Mutex::new(HashMap::new()),
        })
    }

    pub fn layout(&self) -> &DataLayout {
        &self.layout
    }

    pub fn system(&self) -> &Arc<Database> {
        &self.system
    }

    /// Creates an account's database under a fresh random key and records the wrapped key.
    pub async fn create_account_database(
        self: &Arc<Self>,
        account_id: &str,
        now_unix: i64,
    ) -> Result<Arc<Database>, StoreError> {
        let key = SecretKey::random();
        let wrapped = self.master.wrap_account_key(account_id, &key);
        let db = self
            .open_account_blocking(account_id, key, true, now_unix)
            .await?;
        let id = account_id.to_string();
        self.system
            .write(move |conn| -> Result<(), StoreError> {
                conn.execute(
                    "INSERT INTO account_keys (account_id, wrapped_key, created_at) VALUES (?1, ?2, ?3)",
                    rusqlite::params![id, wrapped, now_unix],
                )?;
                Ok(())
            })
            .await?;
        Ok(self.remember(account_id, db))
    }

    /// The account's database, opened on first use.
    pub async fn account(
        self: &Arc<Self>,
        account_id: &str,
        now_unix: i64,
    ) -> Result<Arc<Database>, StoreError> {
        if let Some(db) = self
            .accounts
            .lock()
            .ok()
            .and_then(|m| m.get(account_id).cloned())
        {
            return Ok(db);
        }
        let id = account_id.to_string();
        let wrapped: Option<Vec<u8>> = self
            .system
            .read(move |conn| -> Result<_, StoreError> {
                Ok(conn
                    .query_row(
                        "SELECT wrapped_key FROM account_keys WHERE account_id = ?1",
                        [&id],
                        |r| r.get(0),
                    )
                    .optional()?)
            })
            .await?;
        let wrapped = wrapped.ok_or_else(|| StoreError::NoAccountKey(account_id.to_string()))?;
        let key = self.master.unwrap_account_key(account_id, &wrapped)?;
        let db = self
            .open_account_blocking(account_id, key, false, now_unix)
            .await?;
        Ok(self.remember(account_id, db))
    }

    async fn open_account_blocking(
        self: &Arc<Self>,
        account_id: &str,
        key: SecretKey,
        create: bool,
        now_unix: i64,
    ) -> Result<Database, StoreError> {
        let store = self.clone();
        let id = account_id.to_string();
        tokio::task::spawn_blocking(move || {
            let dir = store.layout.account_dir(&id);
            if create {
                create_dir_private(&dir)?;
            }
            let (db, report) = Database::open(OpenSpec {
                name: format!("account-{id}"),
                path: &store.layout.account_db(&id),
                key: &key,
                create,
                migrations: schema::ACCOUNT,
                backup_dir: &store.layout.migration_backups(),
                readers: store.options.readers_per_database,
                reader_cache_mib: store.options.reader_cache_mib,
                busy_timeout: store.options.busy_timeout,
                now_unix,
                commit_hook: Some(&crate::search::INDEX_AT_COMMIT),
                watched: crate::auth::token_cache::WATCHED_TABLES,
            })?;
            log_migration(&format!("account {id}"), &report);
            Ok(db)
        })
        .await
        .map_err(|_| StoreError::Invariant("opening an account database panicked".into()))?
    }

    fn remember(&self, account_id: &str, db: Database) -> Arc<Database> {
        let Ok(mut map) = self.accounts.lock() else {
            return Arc::new(db);
        };
        // Two requests may race to open the same account; the first one wins.
        map.entry(account_id.to_string())
            .or_insert_with(|| Arc::new(db))
            .clone()
    }

    /// Ids of every account that has a database, oldest first.
    pub async fn account_ids(&self) -> Result<Vec<String>, StoreError> {
        self.system
            .read(|conn| -> Result<Vec<String>, StoreError> {
                let mut stmt =
                    conn.prepare("SELECT account_id FROM account_keys ORDER BY created_at, rowid")?;
                let ids = stmt.query_map([], |r| r.get(0))?;
                Ok(ids.collect::<Result<_, _>>()?)
            })
            .await
    }

    /// Every database currently open, for metrics and health checks.
    pub fn open_databases(&self) -> Vec<Arc<Database>> {
        let mut all = vec![self.system.clone()];
        if let Ok(map) = self.accounts.lock() {
            all.extend(map.values().cloned());
        }
        all
    }

    /// Closes account databases (their writers drain and checkpoint); `system` closes when the
    /// last reference to the store goes away.
    pub fn close_accounts(&self) {
        let drained: Vec<_> = match self.accounts.lock() {
            Ok(mut map) => map.drain().map(|(_, db)| db).collect(),
            Err(_) => Vec::new(),
        };
        drop(drained);
    }
}

fn log_migration(what: &str, report: &migrations::MigrationReport) {
    if report.from != report.to {
        tracing::info!(
            database = what,
            from = report.from,
            to = report.to,
            backup = ?report.backup,
            "schema migrated"
        );
    }
}

fn create_dir_private(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// Tells whether a database changed since the last look (`PRAGMA data_version`), so caches of
/// data that another process (the CLI) may change stay exact without polling the tables.
pub struct ChangeProbe {
    conn: rusqlite::Connection,
    last_seen: Option<i64>,
}

impl ChangeProbe {
    /// True on the first call and whenever another connection committed since the last call.
    pub fn changed(&mut self) -> Result<bool, StoreError> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let changed = self.last_seen != Some(version);
        self.last_seen = Some(version);
        Ok(changed)
    }

    /// The probe's own read-only connection, to reload whatever changed.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

/// Result of one integrity check, for `helpdeskd doctor`.
pub struct IntegrityReport {
    pub database: PathBuf,
    pub problems: Vec<String>,
}

impl Store {
    /// Blocking: a dedicated read-only connection on `system.db` for change detection.
    pub fn system_change_probe(&self) -> Result<ChangeProbe, StoreError> {
        let conn = connection::open(
            &self.layout.system_db(),
            &self.master.system_db_key(),
            connection::Access::Reader,
            self.options.busy_timeout,
        )?;
        Ok(ChangeProbe {
            conn,
            last_seen: None,
        })
    }

    /// Blocking: `cipher_integrity_check` (every page's MAC) and `integrity_check` (b-trees)
    /// on `system.db` and every account database that has a key.
    pub fn check_integrity(&self) -> Result<Vec<IntegrityReport>, StoreError> {
        let system_key = self.master.system_db_key();
        let mut targets = vec![(self.layout.system_db(), system_key.clone())];
        let probe = connection::open(
            &self.layout.system_db(),
            &system_key,
            connection::Access::Reader,
            self.options.busy_timeout,
        )?;
        let mut stmt = probe.prepare("SELECT account_id, wrapped_key FROM account_keys")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (id, wrapped) = row?;
            let key = self.master.unwrap_account_key(&id, &wrapped)?;
            targets.push((self.layout.account_db(&id), key));
        }
        let mut reports = Vec::new();
        for (path, key) in targets {
            let problems = match connection::open(
                &path,
                &key,
                connection::Access::Reader,
                self.options.busy_timeout,
            ) {
                Ok(conn) => integrity_problems(&conn),
                Err(e) => vec![e.to_string()],
            };
            reports.push(IntegrityReport {
                database: path,
                problems,
            });
        }
        Ok(reports)
    }
}

fn integrity_problems(conn: &rusqlite::Connection) -> Vec<String> {
    let mut problems = Vec::new();
    let mut collect = |sql: &str, ok_word: Option<&str>| {
        let result = conn.prepare(sql).and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        });
        match result {
            Ok(lines) => problems.extend(
                lines
                    .into_iter()
                    .filter(|line| Some(line.as_str()) != ok_word),
            ),
            Err(e) => problems.push(format!("{sql}: {e}")),
        }
    };
    collect("PRAGMA cipher_integrity_check", None);
    collect("PRAGMA integrity_check", Some("ok"));
    problems
}

/// A store in `dir` with a fresh master key, for tests of the domains.
#[cfg(test)]
pub(crate) fn open_for_test(dir: &Path) -> Arc<Store> {
    let store = Store::open(
        DataLayout::new(dir),
        &KeySource::File(dir.join("master.key")),
        StoreOptions {
            readers_per_database: 2,
            reader_cache_mib: 2,
            busy_timeout: Duration::from_secs(1),
        },
        OpenMode::CreateIfMissing,
        0,
    );
    Arc::new(store.expect("test store"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use database::OpenSpec;

    fn options() -> StoreOptions {
        StoreOptions {
            readers_per_database: 2,
            reader_cache_mib: 2,
            busy_timeout: Duration::from_secs(1),
        }
    }

    /// A test database at `path`, one reader, no commit hook.
    fn test_spec<'a>(
        path: &'a Path,
        key: &'a SecretKey,
        backups: &'a Path,
        migrations: &'static [migrations::Migration],
    ) -> OpenSpec<'a> {
        OpenSpec {
            name: "t".into(),
            path,
            key,
            create: true,
            migrations,
            backup_dir: backups,
            readers: 1,
            reader_cache_mib: 2,
            busy_timeout: Duration::from_secs(1),
            now_unix: 5,
            commit_hook: None,
            watched: &[],
        }
    }

    fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open(
            DataLayout::new(dir),
            &KeySource::File(dir.join("master.key")),
            options(),
            OpenMode::CreateIfMissing,
            0,
        )
    }

    #[test]
    fn a_wrong_key_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let db = dir.path().join("system.db");
        let before = std::fs::read(&db).unwrap();
        std::fs::remove_file(dir.path().join("master.key")).unwrap();
        MasterKey::create(&dir.path().join("master.key")).unwrap();
        let err = open(dir.path()).err().unwrap();
        assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
        assert_eq!(before, std::fs::read(&db).unwrap());
    }

    #[test]
    fn a_missing_key_never_creates_a_new_one_for_existing_data() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        std::fs::remove_file(dir.path().join("master.key")).unwrap();
        let err = open(dir.path()).err().unwrap();
        assert!(
            matches!(err, StoreError::Key(KeyError::Missing { .. })),
            "{err}"
        );
        assert!(!dir.path().join("master.key").exists());
    }

    #[test]
    fn existing_mode_refuses_an_empty_dir() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(
            DataLayout::new(dir.path()),
            &KeySource::File(dir.path().join("master.key")),
            options(),
            OpenMode::Existing,
            0,
        )
        .err()
        .unwrap();
        assert!(matches!(err, StoreError::NotInitialized { .. }));
        assert!(!dir.path().join("master.key").exists());
    }

    /// An account database with an empty table `t (n INTEGER PRIMARY KEY)`.
    async fn account_with_table_t() -> (tempfile::TempDir, Arc<Database>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open(dir.path()).unwrap());
        let db = store.create_account_database("acc", 0).await.unwrap();
        db.write(|conn| -> Result<(), StoreError> {
            conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")?;
            Ok(())
        })
        .await
        .unwrap();
        (dir, db)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_breaks_the_transaction_fails_and_the_writer_goes_on() {
        let (_dir, db) = account_with_table_t().await;
        // Ending the writer's transaction from inside a job leaves no savepoint to release:
        // the writer must answer with an error, not hang or panic.
        let broken = db
            .write(|conn| -> Result<(), StoreError> {
                conn.execute_batch("COMMIT")?;
                Ok(())
            })
            .await;
        assert!(broken.is_err(), "{broken:?}");
        for n in 0..3i64 {
            db.write(move |conn| -> Result<(), StoreError> {
                conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                Ok(())
            })
            .await
            .unwrap();
        }
        let count: i64 = db
            .read(|conn| -> Result<_, StoreError> {
                Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(count, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_a_failing_job_spoils_nothing_else() {
        let (_dir, db) = account_with_table_t().await;
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..200i64 {
            let db = db.clone();
            tasks.spawn(async move {
                db.write(move |conn| -> Result<(), StoreError> {
                    if n == 7 {
                        conn.execute("INSERT INTO t (n) VALUES (1000)", [])?;
                        return Err(StoreError::Invariant("job 7 fails on purpose".into()));
                    }
                    conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                    Ok(())
                })
                .await
                .is_ok()
            });
        }
        let mut ok = 0;
        while let Some(result) = tasks.join_next().await {
            ok += usize::from(result.unwrap());
        }
        assert_eq!(ok, 199);
        let (count, stray): (i64, i64) = db
            .read(|conn| -> Result<_, StoreError> {
                Ok(conn.query_row(
                    "SELECT count(*), count(*) FILTER (WHERE n = 1000) FROM t",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(
            (count, stray),
            (199, 0),
            "the failed job was rolled back alone"
        );
        let stats = db.writer_stats().unwrap();
        let commits = stats.commits.load(std::sync::atomic::Ordering::Relaxed);
        let writes = stats.writes.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(writes, 201);
        assert!(
            commits < writes,
            "group commit batched {writes} writes into {commits} commits"
        );
        let syncs = stats.syncs.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            (1..=commits).contains(&syncs),
            "every answered commit was fsynced, commits finishing together share one: {syncs} fsyncs for {commits} commits"
        );
    }

    #[tokio::test]
    async fn a_v1_account_database_is_upgraded_with_a_backup_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("account.db");
        let key = SecretKey::random();
        let backups = dir.path().join("backups");
        let spec = |migrations| test_spec(&path, &key, &backups, migrations);
        let (v1, _) = Database::open(spec(&schema::ACCOUNT[..1])).unwrap();
        v1.write(|c| -> Result<(), StoreError> {
            c.execute_batch(
                "INSERT INTO users (email, name, role, password_hash, created_at)
                 VALUES ('kept@x.example', 'Kept', 'owner', 'h', 0)",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        drop(v1);
        let (current, report) = Database::open(spec(schema::ACCOUNT)).unwrap();
        assert_eq!(
            (report.from, report.to),
            (1, migrations::latest(schema::ACCOUNT))
        );
        assert!(report.backup.as_ref().is_some_and(|b| b.exists()));
        let (email, key_len): (String, i64) = current
            .read(|c| -> Result<_, StoreError> {
                Ok(c.query_row(
                    "SELECT (SELECT email FROM users),
                            (SELECT length(value) FROM account_secrets WHERE name = 'api_token_hash_key')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .unwrap();
        assert_eq!((email.as_str(), key_len), ("kept@x.example", 32));
    }

    #[tokio::test]
    async fn readers_get_the_configured_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            DataLayout::new(dir.path()),
            &KeySource::File(dir.path().join("master.key")),
            StoreOptions {
                reader_cache_mib: 3,
                ..options()
            },
            OpenMode::CreateIfMissing,
            0,
        )
        .unwrap();
        let size: i64 = store
            .system()
            .read(|c| -> Result<_, StoreError> {
                Ok(c.query_row("PRAGMA cache_size", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(size, -3 * 1024);
    }

    #[tokio::test]
    async fn databases_made_with_sha512_page_macs_still_open_migrate_and_read() {
        use connection::{Access, PageMac};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("account.db");
        let key = SecretKey::random();
        let backups = dir.path().join("backups");
        {
            let legacy = connection::open_with(
                &path,
                &key,
                Access::Writer { create: true },
                Duration::from_secs(1),
                Some(PageMac::Sha512),
            )
            .unwrap();
            migrations::apply(&legacy, &path, &key, &schema::ACCOUNT[..1], &backups, 1).unwrap();
            legacy
                .execute_batch(
                    "INSERT INTO users (email, name, role, password_hash, created_at)
                     VALUES ('old@x.example', 'Old', 'owner', 'h', 0)",
                )
                .unwrap();
        }
        let (db, report) = Database::open(OpenSpec {
            create: false,
            ..test_spec(&path, &key, &backups, schema::ACCOUNT)
        })
        .unwrap();
        let (email, mac) = db
            .read(|c| -> Result<_, StoreError> {
                let email: String = c.query_row("SELECT email FROM users", [], |r| r.get(0))?;
                Ok((email, PageMac::of(c)?))
            })
            .await
            .unwrap();
        assert_eq!((email.as_str(), mac), ("old@x.example", PageMac::Sha512));
        let backup = report.backup.expect("a backup before migrating");
        let copy = connection::open(&backup, &key, Access::Reader, Duration::from_secs(1)).unwrap();
        assert_eq!(PageMac::of(&copy).unwrap(), PageMac::Sha512);

        let fresh = dir.path().join("fresh.db");
        let new = connection::open(
            &fresh,
            &key,
            Access::Writer { create: true },
            Duration::from_secs(1),
        )
        .unwrap();
        new.execute_batch("CREATE TABLE t (v); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(new);
        let reopened =
            connection::open(&fresh, &key, Access::Reader, Duration::from_secs(1)).unwrap();
        assert_eq!(PageMac::of(&reopened).unwrap(), PageMac::Sha256);
        // The pages really carry SHA-256 MACs: read as SHA-512 they do not verify.
        let forced = connection::open_with(
            &fresh,
            &key,
            Access::Reader,
            Duration::from_secs(1),
            Some(PageMac::Sha512),
        );
        assert!(matches!(forced, Err(StoreError::WrongKey { .. })));
        let wrong = SecretKey::random();
        assert!(matches!(
            connection::open(&fresh, &wrong, Access::Reader, Duration::from_secs(1)),
            Err(StoreError::WrongKey { .. })
        ));
    }

    #[tokio::test]
    async fn account_databases_reopen_with_their_wrapped_key() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Arc::new(open(dir.path()).unwrap());
            let db = store.create_account_database("acc", 0).await.unwrap();
            db.write(|conn| -> Result<(), StoreError> {
                conn.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept');")?;
                Ok(())
            })
            .await
            .unwrap();
            store.close_accounts();
        }
        let store = Arc::new(open(dir.path()).unwrap());
        let db = store.account("acc", 0).await.unwrap();
        let value: String = db
            .read(|conn| -> Result<_, StoreError> {
                Ok(conn.query_row("SELECT v FROM t", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(value, "kept");
        assert!(matches!(
            store.account("nope", 0).await.err().unwrap(),
            StoreError::NoAccountKey(_)
        ));
        let reports = tokio::task::spawn_blocking(move || store.check_integrity())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.problems.is_empty()));
    }
}
