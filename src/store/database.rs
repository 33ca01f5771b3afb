//! One encrypted database: its single writer thread and its pool of readers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;
use super::connection::{self, Access, PageMac};
use super::deferred::Deferred;
use super::keys::SecretKey;
use super::migrations::{self, Migration, MigrationReport};
use super::readers::ReaderPool;
use super::writer::{CommitHook, Writer, WriterStats};

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// Everything needed to open (and if asked, create and migrate) one database.
pub struct OpenSpec<'a> {
    pub name: String,
    pub path: &'a Path,
    pub key: &'a SecretKey,
    pub create: bool,
    pub migrations: &'static [Migration],
    pub backup_dir: &'a Path,
    pub readers: usize,
    pub reader_cache_mib: u32,
    pub busy_timeout: Duration,
    pub now_unix: i64,
    pub commit_hook: Option<&'static CommitHook>,
    /// Tables whose changes `Database::watched_changes` counts.
    pub watched: &'static [&'static str],
}

pub struct Database {
    /// Unique in this process: tells a reopened database from the one it replaced.
    instance: u64,
    name: String,
    path: PathBuf,
    writer: Option<Writer>,
    readers: Arc<ReaderPool>,
    thread: Mutex<Option<JoinHandle<()>>>,
    deferred: Deferred,
}

impl Database {
    /// Blocking: opens, verifies the key, migrates, and starts the writer thread.
    pub fn open(spec: OpenSpec<'_>) -> Result<(Database, MigrationReport), StoreError> {
        let conn = connection::open(
            spec.path,
            spec.key,
            Access::Writer {
                create: spec.create,
            },
            spec.busy_timeout,
        )?;
        let report = migrations::apply(
            &conn,
            spec.path,
            spec.key,
            spec.migrations,
            spec.backup_dir,
            spec.now_unix,
        )?;
        if let Some(hook) = spec.commit_hook {
            conn.execute_batch(hook.setup)
                .map_err(|source| StoreError::Open {
                    path: spec.path.to_path_buf(),
                    source,
                })?;
        }
        let mac = PageMac::of(&conn).map_err(|source| StoreError::Open {
            path: spec.path.to_path_buf(),
            source,
        })?;
        let (writer, thread) = Writer::spawn(
            spec.name.clone(),
            conn,
            spec.commit_hook,
            spec.watched,
            checkpoint_on_exit,
        )
        .map_err(|source| StoreError::Io {
            path: spec.path.to_path_buf(),
            source,
        })?;
        let readers = ReaderPool::new(
            spec.path.to_path_buf(),
            spec.key.clone(),
            mac,
            spec.reader_cache_mib,
            spec.readers,
            spec.busy_timeout,
        );
        Ok((
            Database {
                instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
                name: spec.name,
                path: spec.path.to_path_buf(),
                writer: Some(writer),
                readers: Arc::new(readers),
                thread: Mutex::new(Some(thread)),
                deferred: Deferred::default(),
            },
            report,
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in a write transaction; returns once it is durably committed.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write(work).await,
            None => Err(StoreError::Closed.into()),
        }
    }

    /// Runs `work` on a read-only connection on a blocking thread.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.readers.read(work).await
    }

    /// Runs `work` on a read-only connection on the calling thread: see `ReaderPool::read_now`
    /// for when that is right.
    pub async fn read_now<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        self.readers.read_now(work).await
    }

    /// Rows whose follow-up work waits to be done for many commits at once (see `Deferred`).
    pub fn deferred(&self) -> &Deferred {
        &self.deferred
    }

    pub fn writer_stats(&self) -> Option<&WriterStats> {
        self.writer.as_ref().map(|w| w.stats())
    }

    /// This open database among all opened by the process (a restored or reopened file is
    /// a new instance).
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// How many transactions have changed a table of `OpenSpec::watched` since the
    /// database was opened. Read it before reading those tables to take a memo of them: the
    /// memo holds while the count stays the same.
    pub fn watched_changes(&self) -> u64 {
        self.writer_stats()
            .map_or(0, |stats| stats.watched_changes.load(Ordering::Acquire))
    }
}

impl Drop for Database {
    /// Lets the writer finish queued jobs, checkpoint the WAL and close cleanly.
    fn drop(&mut self) {
        self.readers.close_idle();
        self.writer.take();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn checkpoint_on_exit(conn: &Connection) {
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(error = %e, "final WAL checkpoint failed; the WAL is replayed at next open");
    }
}
