//! The appliance audit log in `system.db`: who changed which account, and when.
//! It holds ids and actions, never personal data.

use rusqlite::{Connection, params};

pub fn record(
    conn: &Connection,
    at: i64,
    actor: &str,
    action: &str,
    account_id: Option<&str>,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO appliance_audit (at, actor, action, account_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, actor, action, account_id, detail],
    )?;
    Ok(())
}
