//! Durable single-row writes through the group-commit writer.
//!
//! `cargo bench --bench store_writes [-- TASKS SECONDS]` (defaults 64 tasks, 5 s). Every
//! write is acknowledged only after its transaction is committed with `synchronous=FULL`
//! (WAL, one fsync per commit). Prints writes/s and writes per fsync.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use helpdeskd::store::{DataLayout, KeySource, OpenMode, Store, StoreError, StoreOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let tasks: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(base)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let store = Arc::new(Store::open(
            DataLayout::new(dir.path()),
            &KeySource::File(dir.path().join("master.key")),
            StoreOptions {
                readers_per_database: 2,
                reader_cache_mib: 2,
                busy_timeout: Duration::from_secs(5),
            },
            OpenMode::CreateIfMissing,
            0,
        )?);
        let db = store.create_account_database("bench", 0).await?;
        db.write(|c| -> Result<(), StoreError> {
            c.execute_batch(
                "CREATE TABLE bench (id INTEGER PRIMARY KEY, task INTEGER, body TEXT)",
            )?;
            Ok(())
        })
        .await?;
        let stats = db.writer_stats().ok_or("no writer")?;
        let (commits0, writes0) = (
            stats.commits.load(Ordering::Relaxed),
            stats.writes.load(Ordering::Relaxed),
        );
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for task in 0..tasks as i64 {
            let db = db.clone();
            set.spawn(async move {
                let mut acknowledged = 0u64;
                while Instant::now() < deadline {
                    db.write(move |c| -> Result<(), StoreError> {
                        c.prepare_cached("INSERT INTO bench (task, body) VALUES (?1, ?2)")?
                            .execute(rusqlite::params![task, "a durable single-row write"])?;
                        Ok(())
                    })
                    .await?;
                    acknowledged += 1;
                }
                Ok::<u64, StoreError>(acknowledged)
            });
        }
        let mut acknowledged = 0;
        while let Some(done) = set.join_next().await {
            acknowledged += done??;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let commits = stats.commits.load(Ordering::Relaxed) - commits0;
        let writes = stats.writes.load(Ordering::Relaxed) - writes0;
        println!("tasks:               {tasks}");
        println!("acknowledged writes: {acknowledged} in {elapsed:.2} s");
        println!("writes/s:            {:.0}", acknowledged as f64 / elapsed);
        println!(
            "commits (fsyncs):    {commits} ({:.0}/s)",
            commits as f64 / elapsed
        );
        println!(
            "writes per fsync:    {:.1}",
            writes as f64 / commits.max(1) as f64
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
