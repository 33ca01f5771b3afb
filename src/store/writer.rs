//! The single writer of a database, with group commit.
//!
//! Every write to a database goes through one thread that owns the only read-write
//! connection. It takes whatever jobs are waiting, runs each inside its own savepoint (so one
//! failing job does not undo the others), commits them all with one fsync, and only then
//! answers each caller. Under load many writes share one fsync; alone, a write still gets its
//! own commit at once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Starts the writer thread; `on_exit` runs on that thread after the last job.
    pub fn spawn(
        name: String,
        conn: Connection,
        hook: Option<&'static CommitHook>,
        on_exit: impl FnOnce(&Connection) + Send + 'static,
    ) -> std::io::Result<(Writer, thread::JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let stats = Arc::new(WriterStats::default());
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
                    run_batch(&conn, batch, hook, &thread_stats);
                }
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

fn run_batch(
    conn: &Connection,
    mut batch: Vec<Box<dyn Job>>,
    hook: Option<&CommitHook>,
    stats: &WriterStats,
) {
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
    let commit = match outcome {
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
    for job in batch {
        job.finish(
            commit
                .as_ref()
                .map(|_| ())
                .map_err(StoreError::clone_for_caller),
        );
    }
}
