//! Opening one SQLCipher connection with the product's safety settings.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use super::keys::SecretKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The single writer: may create the file, runs migrations.
    Writer { create: bool },
    /// A reader: read-only, never creates anything.
    Reader,
}

const STATEMENT_CACHE: usize = 256;

/// Opens `path` with `key`, proves the key is right before anything can write, then applies
/// the settings every database must have (WAL, `synchronous=FULL`, `secure_delete`, foreign
/// keys, busy timeout).
pub fn open(
    path: &Path,
    key: &SecretKey,
    access: Access,
    busy_timeout: Duration,
) -> Result<Connection, StoreError> {
    let flags = match access {
        Access::Writer { create: true } => {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        }
        Access::Writer { create: false } => OpenFlags::SQLITE_OPEN_READ_WRITE,
        Access::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    // SQLCipher would print its own errors (e.g. a wrong key's HMAC failure) on stderr;
    // every failure reaches the caller as an error instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    // PRAGMA key takes no bound parameters; the value is hex we produced ourselves.
    let pragma = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"{}\";",
        &*key.sqlcipher_pragma_value()
    ));
    conn.execute_batch(&pragma)
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    // The first read decrypts page 1: a wrong key fails here, before any write could happen.
    if let Err(source) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey {
                path: path.to_path_buf(),
            },
            _ => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
        });
    }
    let settings = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    conn.busy_timeout(busy_timeout).map_err(settings)?;
    // Every connection serves every query of the product; with rusqlite's default of 16
    // cached statements, hot queries were evicted and parsed again on each request.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Query planner stability: without it, SQLite re-plans a cached statement on every new
    // binding whenever the planner looked at a bound value (a partial index such as
    // `users_one_owner` is checked against every join with `users`), which was most of the
    // CPU of reading a ticket. Our plans never depend on bound values.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(settings)?;
    if matches!(access, Access::Writer { .. }) {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(settings)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invariant(format!(
                "{} refused WAL mode (got {mode})",
                path.display()
            )));
        }
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(settings)?;
    if access == Access::Reader {
        conn.execute_batch("PRAGMA query_only = ON;")
            .map_err(settings)?;
    }
    Ok(conn)
}
