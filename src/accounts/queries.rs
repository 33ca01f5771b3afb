//! SQL on `system.db` for accounts and their host names.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Account, AccountError, AccountState};

pub fn ensure_free(conn: &Connection, slug: &str, hosts: &[String]) -> Result<(), AccountError> {
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE slug = ?1)",
        [slug],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AccountError::SlugTaken(slug.to_string()));
    }
    for host in hosts {
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM account_hosts WHERE host = ?1)",
            [host],
            |r| r.get(0),
        )?;
        if taken {
            return Err(AccountError::HostTaken(host.clone()));
        }
    }
    Ok(())
}

pub fn insert(conn: &Connection, account: &Account) -> Result<(), AccountError> {
    conn.execute(
        "INSERT INTO accounts (id, slug, name, state, state_changed_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            account.id,
            account.slug,
            account.name,
            account.state.as_str(),
            account.created_at
        ],
    )
    .map_err(|e| unique_violation(e, || AccountError::SlugTaken(account.slug.clone())))?;
    for host in &account.hosts {
        insert_host(conn, &account.id, host)?;
    }
    Ok(())
}

pub fn insert_host(conn: &Connection, account_id: &str, host: &str) -> Result<(), AccountError> {
    conn.execute(
        "INSERT INTO account_hosts (host, account_id) VALUES (?1, ?2)",
        params![host, account_id],
    )
    .map_err(|e| unique_violation(e, || AccountError::HostTaken(host.to_string())))?;
    Ok(())
}

pub fn delete_host(conn: &Connection, account_id: &str, host: &str) -> Result<bool, AccountError> {
    let removed = conn.execute(
        "DELETE FROM account_hosts WHERE host = ?1 AND account_id = ?2",
        params![host, account_id],
    )?;
    Ok(removed == 1)
}

/// A concurrent creation can pass `ensure_free` and then hit the unique index.
fn unique_violation(e: rusqlite::Error, taken: impl FnOnce() -> AccountError) -> AccountError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => taken(),
        _ => e.into(),
    }
}

pub fn list(conn: &Connection) -> Result<Vec<Account>, AccountError> {
    let mut stmt = conn.prepare(
        "SELECT id, slug, name, state, created_at FROM accounts ORDER BY created_at, rowid",
    )?;
    let rows = stmt.query_map([], row_to_account)?;
    let mut accounts = rows.collect::<Result<Vec<_>, _>>()?;
    for account in &mut accounts {
        account.hosts = hosts_of(conn, &account.id)?;
    }
    Ok(accounts)
}

pub fn find_by_slug(conn: &Connection, slug: &str) -> Result<Option<Account>, AccountError> {
    let account = conn
        .query_row(
            "SELECT id, slug, name, state, created_at FROM accounts WHERE slug = ?1",
            [slug],
            row_to_account,
        )
        .optional()?;
    match account {
        Some(mut account) => {
            account.hosts = hosts_of(conn, &account.id)?;
            Ok(Some(account))
        }
        None => Ok(None),
    }
}

fn hosts_of(conn: &Connection, account_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT host FROM account_hosts WHERE account_id = ?1 ORDER BY host")?;
    let hosts = stmt.query_map([account_id], |r| r.get(0))?;
    hosts.collect()
}

fn row_to_account(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let state: String = row.get(3)?;
    Ok(Account {
        id: row.get(0)?,
        slug: row.get(1)?,
        name: row.get(2)?,
        // The CHECK constraint keeps unknown states out; treat one as suspended to fail closed.
        state: AccountState::parse(&state).unwrap_or(AccountState::Suspended),
        hosts: Vec::new(),
        created_at: row.get(4)?,
    })
}
