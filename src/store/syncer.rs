//! Making commits durable: the writer commits with `synchronous = NORMAL` (a commit's WAL
//! frames reach the OS, not the disk) and hands each batch here; this thread fsyncs the
//! WAL and only then answers the batch's callers, so the writer goes on while the disk
//! flushes, and batches committed during one fsync share the next.
//!
//! A caller is answered only after an fsync that began after its commit's frames were
//! written, which is what `synchronous = FULL` guaranteed. The one difference: readers may
//! see a commit for the length of an fsync before it is durable; its writer has not been
//! answered yet, so a crash then loses nothing anyone was told was saved. Checkpoints are
//! unchanged: with `NORMAL`, SQLite still syncs the WAL before copying it into the database
//! and the database after. An fsync that fails poisons the writer: its batch and every later
//! write fail, since after a failed fsync the kernel may have dropped the dirty pages and
//! nothing written since can be trusted to be on disk.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rusqlite::Connection;

use super::StoreError;
use super::writer::{Job, POISONED, WriterStats};

/// A batch whose transaction has ended, on its way to its callers.
pub(super) struct Committed {
    pub(super) batch: Vec<Box<dyn Job>>,
    pub(super) outcome: Result<(), StoreError>,
}

impl Committed {
    pub(super) fn answer(self, sync: Result<(), StoreError>) {
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

/// The syncer: takes every committed batch waiting, makes them durable with one fsync of
/// the WAL, answers their callers, and tells the writer (`synced`, once per batch).
pub(super) fn sync_and_answer(
    mut wal: WalFile,
    committed: mpsc::Receiver<Committed>,
    stats: &WriterStats,
    poisoned: &AtomicBool,
    synced: impl Fn(),
) {
    while let Ok(first) = committed.recv() {
        let mut ready = vec![first];
        ready.extend(committed.try_iter());
        let sync = if poisoned.load(Ordering::Acquire) {
            // A later fsync may well succeed, but what the failed one lost is not in it.
            Err(StoreError::CommitFailed(POISONED.into()))
        } else if ready.iter().any(|c| c.outcome.is_ok()) {
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
            synced();
        }
    }
}

/// The database's WAL file, as the syncer flushes it. SQLite keeps one WAL file while a
/// connection is open (a checkpoint rewinds it, never replaces it); should it ever be
/// replaced or removed, the syncer notices by its inode and follows.
pub(super) struct WalFile {
    path: PathBuf,
    database: PathBuf,
    open: Option<File>,
}

impl WalFile {
    pub(super) fn of(conn: &Connection) -> std::io::Result<WalFile> {
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
