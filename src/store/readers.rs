//! A small pool of read-only connections, used from blocking threads only.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::StoreError;
use super::connection::{self, Access};
use super::keys::SecretKey;

pub struct ReaderPool {
    path: PathBuf,
    key: SecretKey,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl ReaderPool {
    /// Connections are opened on first use, so an idle account costs no file handles.
    pub fn new(path: PathBuf, key: SecretKey, size: usize, busy_timeout: Duration) -> Self {
        ReaderPool {
            path,
            key,
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
            let result = work(&conn);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Invariant("a read job panicked".into()))?
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        match idle {
            Some(conn) => Ok(conn),
            None => connection::open(&self.path, &self.key, Access::Reader, self.busy_timeout),
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
