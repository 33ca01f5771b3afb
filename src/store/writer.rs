//! The single writer of a database, with group commit.
//!
//! Every write to a database goes through one thread that owns the only read-write
//! connection. It takes whatever jobs are waiting, runs each inside its own savepoint (so one
//! failing job does not undo the others), commits them all, and hands the batch to a second
//! thread, the syncer, which fsyncs the WAL file and only then answers each caller. Under
//! load many writes share one fsync; alone, a write still gets its own commit at once.
//!
//! Why two threads: the commit itself runs with `synchronous = NORMAL` (its WAL frames reach
//! the OS, not the disk), so the writer goes on with the next batch while the disk flushes;
//! commits that finish during one fsync share the next one. A caller is still answered only
//! after an fsync that began after its commit's frames were written, which is what
//! `synchronous = FULL` guaranteed. The one difference: readers may see a commit for the
//! length of an fsync before it is durable; its writer has not been answered yet, so a
//! crash then loses nothing anyone was told was saved. An fsync that fails poisons the
//! writer: its batch and every later write fail, since after a failed fsync the kernel may
//! have dropped the dirty pages and nothing written since can be trusted to be on disk.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::StoreError;

/// Upper bound on jobs in one transaction, so one commit never holds callers for long.
const MAX_BATCH: usize = 512;

/// Work a database's writer does once per transaction, after every job of the batch ran
/// and before COMMIT: jobs leave a note in a TEMP table (rolled back with a failing job),
/// and the hook acts on all notes at once. The search index uses it, because FTS5 writes a
/// new segment at every savepoint: indexing inside each job cost a segment per job.
pub struct CommitHook {
    /// SQL run once on the writer's connection when it opens (creates the TEMP table).
    pub setup: &'static str,
    /// Runs inside the transaction; an error rolls the whole batch back.
    pub before_commit: fn(&Connection) -> Result<(), rusqlite::Error>,
}

/// Counters read by `/metrics` and the write benchmark.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
    pub syncs: AtomicU64,
}

trait Job: Send {
    /// Runs the job inside the open transaction; returns whether it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the fate of the transaction is known.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

struct TypedJob<T, E, F> {
    work: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for TypedJob<T, E, F>
where
    T: Send,
    E: From<StoreError> + Send,
    F: FnOnce(&Connection) -> Result<T, E> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(StoreError::Invariant("a write job panicked".into()).into()));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (commit, self.result) {
            (_, Some(Err(job_error))) => Err(job_error),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Err(commit_error), _) => Err(commit_error.into()),
            (Ok(()), None) => Err(StoreError::Invariant("write job never ran".into()).into()),
        };
        // The caller may have gone away (client disconnected); the write stands regardless.
        let _ = self.reply.send(answer);
    }
}

/// Handle to a writer thread. Dropping every handle lets the thread drain and exit.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    stats: Arc<WriterStats>,
}

impl Writer {
    /// Starts the writer thread (and its syncer); `on_exit` runs on the writer thread after
    /// the last job is answered.
    pub fn spawn(
        name: String,
        conn: Connection,
        hook: Option<&'static CommitHook>,
        on_exit: impl FnOnce(&Connection) + Send + 'static,
    ) -> std::io::Result<(Writer, thread::JoinHandle<()>)> {
        let wal = WalFile::of(&conn)?;
        // The syncer makes each commit durable before it is answered (see the module doc).
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(std::io::Error::other)?;
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let (committed_tx, committed_rx) = mpsc::channel::<Committed>();
        let stats = Arc::new(WriterStats::default());
        let poisoned = Arc::new(AtomicBool::new(false));
        let syncer = {
            let (stats, poisoned) = (stats.clone(), poisoned.clone());
            thread::Builder::new()
                .name(format!("syncer-{name}"))
                .spawn(move || sync_and_answer(wal, committed_rx, &stats, &poisoned))?
        };
        let thread_stats = stats.clone();
        let handle = thread::Builder::new()
            .name(format!("writer-{name}"))
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let committed = if poisoned.load(Ordering::Acquire) {
                        Committed {
                            batch,
                            outcome: Err(StoreError::CommitFailed(POISONED.into())),
                        }
                    } else {
                        run_batch(&conn, batch, hook, &thread_stats)
                    };
                    if let Err(mpsc::SendError(lost)) = committed_tx.send(committed) {
                        lost.answer(Err(StoreError::Closed));
                    }
                }
                drop(committed_tx);
                let _ = syncer.join();
                on_exit(&conn);
            })?;
        Ok((Writer { jobs: tx, stats }, handle))
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `work` in a transaction on the writer thread; resolves after the commit is durable.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob {
            work: Some(work),
            result: None,
            reply,
        });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

const POISONED: &str = "an earlier fsync of this database failed; restart helpdeskd";

/// A batch whose transaction has ended, on its way to its callers.
struct Committed {
    batch: Vec<Box<dyn Job>>,
    outcome: Result<(), StoreError>,
}

impl Committed {
    fn answer(self, sync: Result<(), StoreError>) {
        let outcome = self.outcome.and(sync);
        for job in self.batch {
            job.finish(
                outcome
                    .as_ref()
                    .map(|_| ())
                    .map_err(StoreError::clone_for_caller),
            );
        }
    }
}

/// Runs the batch in one transaction; the commit is not yet durable.
fn run_batch(
    conn: &Connection,
    mut batch: Vec<Box<dyn Job>>,
    hook: Option<&CommitHook>,
    stats: &WriterStats,
) -> Committed {
    let outcome = (|| -> Result<(), rusqlite::Error> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for job in batch.iter_mut() {
            conn.execute_batch("SAVEPOINT job")?;
            if job.run(conn) {
                conn.execute_batch("RELEASE job")?;
            } else {
                conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            }
        }
        if let Some(hook) = hook {
            (hook.before_commit)(conn)?;
        }
        conn.execute_batch("COMMIT")
    })();
    let outcome = match outcome {
        Ok(()) => {
            stats.commits.fetch_add(1, Ordering::Relaxed);
            stats
                .writes
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            Ok(())
        }
        Err(source) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            tracing::error!(error = %source, "write transaction failed; rolled back");
            Err(StoreError::Write(source))
        }
    };
    Committed { batch, outcome }
}

/// The syncer: takes every committed batch waiting, makes them durable with one fsync of
/// the WAL, then answers their callers.
fn sync_and_answer(
    mut wal: WalFile,
    committed: mpsc::Receiver<Committed>,
    stats: &WriterStats,
    poisoned: &AtomicBool,
) {
    while let Ok(first) = committed.recv() {
        let mut ready = vec![first];
        ready.extend(committed.try_iter());
        let sync = if ready.iter().any(|c| c.outcome.is_ok()) {
            stats.syncs.fetch_add(1, Ordering::Relaxed);
            wal.sync().map_err(|source| {
                tracing::error!(wal = %wal.path.display(), error = %source,
                    "fsync of the WAL failed; no further writes are accepted until a restart");
                poisoned.store(true, Ordering::Release);
                StoreError::Io {
                    path: wal.path.clone(),
                    source,
                }
            })
        } else {
            Ok(())
        };
        for batch in ready {
            batch.answer(
                sync.as_ref()
                    .map(|_| ())
                    .map_err(StoreError::clone_for_caller),
            );
        }
    }
}

/// The database's WAL file, as the syncer flushes it. SQLite keeps one WAL file while a
/// connection is open (a checkpoint rewinds it, never replaces it); should it ever be
/// replaced or removed, the syncer notices by its inode and follows.
struct WalFile {
    path: PathBuf,
    database: PathBuf,
    open: Option<File>,
}

impl WalFile {
    fn of(conn: &Connection) -> std::io::Result<WalFile> {
        let database = conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| std::io::Error::other("the writer needs a database file on disk"))?;
        let mut path = database.clone().into_os_string();
        path.push("-wal");
        Ok(WalFile {
            path: path.into(),
            database,
            open: None,
        })
    }

    fn sync(&mut self) -> std::io::Result<()> {
        let on_disk = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            // No WAL: SQLite checkpointed everything into the database file and removed it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return File::open(&self.database)?.sync_data();
            }
            Err(e) => return Err(e),
        };
        let current = match &self.open {
            Some(file) => {
                let held = file.metadata()?;
                held.ino() == on_disk.ino() && held.dev() == on_disk.dev()
            }
            None => false,
        };
        if !current {
            self.open = Some(File::open(&self.path)?);
        }
        match &self.open {
            Some(file) => file.sync_data(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_syncer_follows_a_replaced_wal_and_falls_back_to_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("account.db");
        let wal_path = dir.path().join("account.db-wal");
        std::fs::write(&database, b"db").unwrap();
        let mut wal = WalFile {
            path: wal_path.clone(),
            database,
            open: None,
        };
        wal.sync().expect("no WAL: the database file is synced");
        assert!(wal.open.is_none());

        std::fs::write(&wal_path, b"first").unwrap();
        wal.sync().unwrap();
        let first = wal.open.as_ref().unwrap().metadata().unwrap().ino();
        std::fs::remove_file(&wal_path).unwrap();
        std::fs::write(&wal_path, b"second").unwrap();
        wal.sync().unwrap();
        let second = wal.open.as_ref().unwrap().metadata().unwrap().ino();
        // The first file is still held open, so its inode cannot have been reused.
        assert_ne!(first, second, "the syncer reopened the new WAL");
        assert_eq!(second, std::fs::metadata(&wal_path).unwrap().ino());
    }
}
