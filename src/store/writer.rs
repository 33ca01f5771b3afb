//! The single writer of a database, with group commit.
//!
//! Every write to a database goes through one thread that owns the only read-write
//! connection. It runs each job inside its own savepoint of an open transaction (so one
//! failing job does not undo the others), commits, and hands the batch to a second thread,
//! the syncer (`syncer.rs`), which fsyncs the WAL and only then answers each caller.
//!
//! When to commit: at once when the syncer is idle and no job is waiting, so a lone write
//! is never held back. While the syncer is flushing the previous batch, the writer keeps
//! running the jobs that arrive into the open transaction and commits them when the flush
//! is done: batches grow with the load instead of with a fixed wait, and the writer works
//! while the disk flushes. Fewer, larger commits write fewer WAL frames per job (table and
//! index pages that several jobs touch are encrypted and written once), which is most of
//! a write's cost.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::StoreError;
use super::syncer::{Committed, WalFile, sync_and_answer};
use super::watch::TableWatch;

/// Upper bound on jobs in one transaction, so one commit never holds callers for long.
const MAX_BATCH: usize = 512;
/// With the disk idle, the writer takes at most this many waiting jobs before it commits:
/// under overload the queue never empties, and a batch that grew to `MAX_BATCH` would hold
/// its first callers for the time of hundreds of jobs.
const MAX_GATHER: usize = 64;

pub(super) const POISONED: &str = "an earlier fsync of this database failed; restart helpdeskd";

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
    /// Transactions that changed a watched table (see `watch.rs`).
    pub watched_changes: AtomicU64,
}

pub(super) trait Job: Send {
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

/// What reaches the writer thread.
enum Msg {
    Job(Box<dyn Job>),
    /// The syncer made a batch durable.
    Synced,
    /// The last `Writer` handle is gone: finish and exit.
    Close,
}

/// Handle to a writer thread. Dropping every handle lets the thread drain and exit.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Msg>,
    stats: Arc<WriterStats>,
    _close_on_drop: Arc<CloseOnDrop>,
}

/// Tells the writer thread to finish once the last handle is dropped (the thread keeps a
/// sender of its own for the syncer, so the channel alone never closes).
struct CloseOnDrop(mpsc::Sender<Msg>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Msg::Close);
    }
}

impl Writer {
    /// Starts the writer thread (and its syncer); `on_exit` runs on the writer thread after
    /// the last job is answered. Commits that change one of the `watched` tables are counted
    /// in `WriterStats::watched_changes`.
    pub fn spawn(
        name: String,
        mut conn: Connection,
        hook: Option<&'static CommitHook>,
        watched: &'static [&'static str],
        on_exit: impl FnOnce(&Connection) + Send + 'static,
    ) -> std::io::Result<(Writer, thread::JoinHandle<()>)> {
        let wal = WalFile::of(&conn)?;
        let watch = TableWatch::install(&mut conn, watched).map_err(std::io::Error::other)?;
        // The syncer makes each commit durable before it is answered (see `syncer.rs`).
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(std::io::Error::other)?;
        let (tx, rx) = mpsc::channel::<Msg>();
        let (committed_tx, committed_rx) = mpsc::channel::<Committed>();
        let stats = Arc::new(WriterStats::default());
        let poisoned = Arc::new(AtomicBool::new(false));
        let syncer = {
            let (stats, poisoned, synced) = (stats.clone(), poisoned.clone(), tx.clone());
            let synced = move || {
                let _ = synced.send(Msg::Synced);
            };
            thread::Builder::new()
                .name(format!("syncer-{name}"))
                .spawn(move || sync_and_answer(wal, committed_rx, &stats, &poisoned, synced))?
        };
        let mut writer = WriterLoop {
            conn,
            hook,
            stats: stats.clone(),
            poisoned,
            committed: committed_tx,
            watch,
            open: Vec::new(),
            broken: None,
            in_flight: 0,
        };
        let handle = thread::Builder::new()
            .name(format!("writer-{name}"))
            .spawn(move || {
                writer.run(rx);
                let WriterLoop {
                    conn, committed, ..
                } = writer;
                drop(committed);
                let _ = syncer.join();
                on_exit(&conn);
            })?;
        let close = Arc::new(CloseOnDrop(tx.clone()));
        Ok((
            Writer {
                jobs: tx,
                stats,
                _close_on_drop: close,
            },
            handle,
        ))
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
        self.jobs
            .send(Msg::Job(job))
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// The writer thread's state: the open transaction and the batches at the syncer.
struct WriterLoop {
    conn: Connection,
    hook: Option<&'static CommitHook>,
    stats: Arc<WriterStats>,
    poisoned: Arc<AtomicBool>,
    committed: mpsc::Sender<Committed>,
    watch: TableWatch,
    /// Jobs run in the open transaction, not yet committed.
    open: Vec<Box<dyn Job>>,
    /// The open transaction itself failed (not one job): it is rolled back at commit.
    broken: Option<rusqlite::Error>,
    /// Batches committed and handed to the syncer, not yet durable.
    in_flight: usize,
}

impl WriterLoop {
    fn run(&mut self, jobs: mpsc::Receiver<Msg>) {
        let mut closing = false;
        loop {
            if self.open.len() >= MAX_BATCH {
                self.commit();
            }
            let msg = if !self.open.is_empty() && self.in_flight == 0 {
                if self.open.len() >= MAX_GATHER {
                    self.commit();
                    continue;
                }
                match jobs.try_recv() {
                    Ok(msg) => msg,
                    // Nothing waiting and the disk is free: commit now.
                    Err(_) => {
                        self.commit();
                        continue;
                    }
                }
            } else if closing && self.open.is_empty() && self.in_flight == 0 {
                return;
            } else {
                match jobs.recv() {
                    Ok(msg) => msg,
                    Err(_) => return,
                }
            };
            match msg {
                Msg::Job(job) => self.run_job(job),
                Msg::Synced => self.in_flight = self.in_flight.saturating_sub(1),
                Msg::Close => closing = true,
            }
        }
    }

    /// Runs `job` in its own savepoint of the open transaction (begun if need be).
    fn run_job(&mut self, mut job: Box<dyn Job>) {
        if self.poisoned.load(Ordering::Acquire) {
            job.finish(Err(StoreError::CommitFailed(POISONED.into())));
            return;
        }
        if self.broken.is_none() {
            let conn = &self.conn;
            let step = (|| -> Result<(), rusqlite::Error> {
                // Cached: parsing these four statements anew for every job was measurable.
                let run = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(|_| ());
                if self.open.is_empty() {
                    run("BEGIN IMMEDIATE")?;
                }
                run("SAVEPOINT job")?;
                if job.run(conn) {
                    run("RELEASE job")
                } else {
                    run("ROLLBACK TO job")?;
                    run("RELEASE job")
                }
            })();
            self.broken = step.err();
        }
        self.open.push(job);
    }

    /// Commits the open transaction and hands its jobs to the syncer.
    fn commit(&mut self) {
        let batch = std::mem::take(&mut self.open);
        if batch.is_empty() {
            return;
        }
        let conn = &self.conn;
        let outcome = match self.broken.take() {
            Some(error) => Err(error),
            None => (|| -> Result<(), rusqlite::Error> {
                if let Some(hook) = self.hook {
                    (hook.before_commit)(conn)?;
                }
                conn.execute_batch("COMMIT")
            })(),
        };
        let outcome = match outcome {
            Ok(()) => {
                self.stats.commits.fetch_add(1, Ordering::Relaxed);
                self.stats
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
        self.watch.transaction_ended(&self.stats.watched_changes);
        match self.committed.send(Committed { batch, outcome }) {
            Ok(()) => self.in_flight += 1,
            Err(mpsc::SendError(lost)) => lost.answer(Err(StoreError::Closed)),
        }
    }
}
