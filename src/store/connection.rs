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

/// How each page's MAC is computed. SQLCipher 4 defaults to HMAC-SHA512; new databases use
/// HMAC-SHA256, which is as sound for authenticating a page and about twice as fast here
/// (SHA extensions: 3 µs instead of 7.4 µs per 4 KiB page), and every page read from disk or
/// written at a commit pays it. Databases created before keep HMAC-SHA512. The algorithm is
/// not written anywhere readable without the key, so an existing file is tried with
/// SHA-256 first and then with SHA-512.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMac {
    Sha256,
    Sha512,
}

impl PageMac {
    fn pragma(self) -> &'static str {
        match self {
            PageMac::Sha256 => "PRAGMA cipher_hmac_algorithm = HMAC_SHA256;",
            PageMac::Sha512 => "PRAGMA cipher_hmac_algorithm = HMAC_SHA512;",
        }
    }

    /// The algorithm an open connection uses (to make a copy that can take its pages).
    pub fn of(conn: &Connection) -> Result<PageMac, rusqlite::Error> {
        let name: String = conn.query_row("PRAGMA cipher_hmac_algorithm", [], |r| r.get(0))?;
        Ok(if name.eq_ignore_ascii_case("HMAC_SHA256") {
            PageMac::Sha256
        } else {
            PageMac::Sha512
        })
    }
}

/// Opens `path` with `key`, proves the key is right before anything can write, then applies
/// the settings every database must have (WAL, `synchronous=FULL`, `secure_delete`, foreign
/// keys, busy timeout).
pub fn open(
    path: &Path,
    key: &SecretKey,
    access: Access,
    busy_timeout: Duration,
) -> Result<Connection, StoreError> {
    open_with(path, key, access, busy_timeout, None)
}

/// `open`, with the page MAC fixed by the caller (`None`: SHA-256 for a new file, else the
/// one the file was made with).
pub fn open_with(
    path: &Path,
    key: &SecretKey,
    access: Access,
    busy_timeout: Duration,
    mac: Option<PageMac>,
) -> Result<Connection, StoreError> {
    let conn = match open_keyed(path, key, access, mac.unwrap_or(PageMac::Sha256)) {
        // Made before SHA-256 became the default, or a wrong key (which fails again).
        Err(StoreError::WrongKey { .. }) if mac.is_none() => {
            open_keyed(path, key, access, PageMac::Sha512)?
        }
        opened => opened?,
    };
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

/// Opens the file, sets the key and the page MAC, and reads page 1: a wrong key (or the
/// other MAC) fails here as `WrongKey`, before anything could write.
fn open_keyed(
    path: &Path,
    key: &SecretKey,
    access: Access,
    mac: PageMac,
) -> Result<Connection, StoreError> {
    let flags = match access {
        Access::Writer { create: true } => {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        }
        Access::Writer { create: false } => OpenFlags::SQLITE_OPEN_READ_WRITE,
        Access::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let failed = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(path, flags).map_err(failed)?;
    // SQLCipher would print its own errors (e.g. a wrong key's HMAC failure) on stderr;
    // every failure reaches the caller as an error instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")
        .map_err(failed)?;
    // PRAGMA key takes no bound parameters; the value is hex we produced ourselves.
    let pragma = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"{}\";",
        &*key.sqlcipher_pragma_value()
    ));
    conn.execute_batch(&pragma).map_err(failed)?;
    conn.execute_batch(mac.pragma()).map_err(failed)?;
    if let Err(source) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey {
                path: path.to_path_buf(),
            },
            _ => failed(source),
        });
    }
    Ok(conn)
}
