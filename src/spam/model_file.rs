//! A standalone model file for the CLI (`helpdeskd spam … --model PATH`): a plain SQLite
//! file holding exactly the tables an account keeps its model in (`schema::SPAM_MODEL`), so
//! the two are one format and the same `storage` functions serve both.
//!
//! This is the one database the store does not open: it lives outside the data directory,
//! holds no key and no personal data (only keyed hashes and counts), and exists for operators
//! and the evaluation. It is marked with its own `application_id` so that no other SQLite
//! file is mistaken for a model.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::SpamError;
use super::classifier::{Delta, Thresholds};
use super::storage::{self, LoadedModel, SpamStats};
use crate::store::schema::{SPAM_MODEL, SPAM_MODEL_GENERATION};

/// "hdsp" in ASCII: a helpdeskd spam model.
pub const APPLICATION_ID: i32 = 0x6864_7370;
/// Version of the file format: 1 is the tables of `SPAM_MODEL`, 2 adds
/// `SPAM_MODEL_GENERATION` (a format-1 file is upgraded when opened).
const FORMAT_VERSION: i32 = 2;

pub struct ModelFile {
    conn: Connection,
    path: PathBuf,
}

impl ModelFile {
    /// Opens the model at `path`, creating an empty one (with a fresh hash key) if the file
    /// does not exist or is empty.
    pub fn open(path: &Path) -> Result<ModelFile, SpamError> {
        let shown = path.display().to_string();
        let not_a_model = |_| SpamError::NotAModel(shown.clone());
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| SpamError::Open {
            path: shown.clone(),
            source,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The first read fails on a file that is no SQLite database (or an encrypted one).
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(not_a_model)?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if objects == 0 && app_id == 0 {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let created = conn
                .execute_batch(SPAM_MODEL)
                .and_then(|()| conn.execute_batch(SPAM_MODEL_GENERATION))
                .and_then(|()| {
                conn.execute_batch(&format!(
                    "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {FORMAT_VERSION};"
                ))
            });
            match created {
                Ok(()) => conn.execute_batch("COMMIT")?,
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(e.into());
                }
            }
        } else if app_id != APPLICATION_ID {
            return Err(SpamError::NotAModel(shown));
        } else {
            upgrade(&conn)?;
        }
        Ok(ModelFile {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn load(&self) -> Result<LoadedModel, SpamError> {
        storage::load(&self.conn)
    }

    /// Writes a batch of learning in one transaction.
    pub fn write(&mut self, delta: &Delta) -> Result<(), SpamError> {
        let tx = self.conn.transaction()?;
        storage::write_delta(&tx, delta)?;
        tx.commit()?;
        Ok(())
    }

    pub fn set_thresholds(&mut self, thresholds: Option<Thresholds>) -> Result<(), SpamError> {
        storage::set_thresholds(&self.conn, thresholds)
    }

    pub fn stats(&self) -> Result<SpamStats, SpamError> {
        storage::stats(&self.conn, 0)
    }

    /// The connection, for tests that look inside.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Brings a model file of an older format to this one.
fn upgrade(conn: &Connection) -> Result<(), SpamError> {
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= FORMAT_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let upgraded = conn
        .execute_batch(SPAM_MODEL_GENERATION)
        .and_then(|()| conn.execute_batch(&format!("PRAGMA user_version = {FORMAT_VERSION};")));
    match upgraded {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e.into())
        }
    }
}
