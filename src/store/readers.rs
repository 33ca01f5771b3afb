//! A small pool of read-only connections, used from blocking threads only.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::StoreError;
use super::connection::{self, Access, PageMac};
use super::keys::SecretKey;

pub struct ReaderPool {
    path: PathBuf,
    key: SecretKey,
    /// The writer's, so readers need not find it out again.
    mac: PageMac,
    cache_mib: u32,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl ReaderPool {
    /// Connections are opened on first use, so an idle account costs no file handles.
    pub fn new(
        path: PathBuf,
        key: SecretKey,
        mac: PageMac,
        cache_mib: u32,
        size: usize,
        busy_timeout: Duration,
    ) -> Self {
        ReaderPool {
            path,
            key,
            mac,
            cache_mib,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    /// Runs `work` with a reader connection on a blocking thread.
    pub async fn read<T, E, F>(self: &Arc<Self>, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = pool.take()?;
            let result = in_snapshot(&conn, work);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Invariant("a read job panicked".into()))?
    }

    /// Runs `work` with a reader connection right here, on the calling async thread. Only
    /// for reads bounded by an index lookup (a token, a session, one ticket): for those the
    /// hand-off to a blocking thread and back costs more than the read itself.
    pub async fn read_now<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Closed)?;
        let conn = self.take()?;
        let result = in_snapshot(&conn, work);
        self.give_back(conn);
        result
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let conn = connection::open_with(
                    &self.path,
                    &self.key,
                    Access::Reader,
                    self.busy_timeout,
                    Some(self.mac),
                )?;
                // Pages in the cache are already decrypted and verified; a page read again
                // from the file costs an AES decryption and an HMAC. SQLite fills the cache
                // only as pages are used, so a small account stays small.
                conn.execute_batch(&format!(
                    "PRAGMA cache_size = -{};",
                    u64::from(self.cache_mib) * 1024
                ))
                .map_err(|source| StoreError::Open {
                    path: self.path.clone(),
                    source,
                })?;
                Ok(conn)
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Drops idle connections (used at shutdown so the writer's final checkpoint can truncate).
    pub fn close_idle(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// Runs `work` in one read transaction: every statement sees the same snapshot (a ticket
/// and its thread are read as of one commit), and the file and WAL locks are taken once
/// rather than around each statement.
fn in_snapshot<T, E, F>(conn: &Connection, work: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&Connection) -> Result<T, E>,
{
    conn.prepare_cached("BEGIN")
        .and_then(|mut begin| begin.execute([]))
        .map_err(StoreError::from)?;
    let result = work(conn);
    // A read transaction has nothing to commit; ending it releases the snapshot.
    if !conn.is_autocommit() {
        let ended = conn
            .prepare_cached("COMMIT")
            .and_then(|mut end| end.execute([]));
        if let Err(e) = ended {
            tracing::warn!(error = %e, "could not end a read transaction");
        }
    }
    result
}
