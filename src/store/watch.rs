//! Counting the commits that changed chosen tables, so that a copy of their rows kept in
//! memory (the API token cache, `auth::token_cache`) knows when it may be stale.
//!
//! SQLite's update hook sees every row the writer inserts, updates or deletes, whatever
//! code wrote it, so no write path can forget to tell the copies. The count goes up only
//! after the transaction ended: a memo taken with the count read before its own read
//! transaction is stale as soon as the count differs, and a read that starts after the
//! count moved sees the commit that moved it. Rolled-back changes count too, which only
//! costs a cache miss.
//!
//! The hook does not see WITHOUT ROWID tables, nor rows removed by the truncate
//! optimization (`DELETE FROM t` without WHERE): watch rowid tables, and delete from them
//! with a WHERE clause.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rusqlite::Connection;
use rusqlite::hooks::Action;

/// The writer's side: which watched tables a transaction touched.
pub(super) struct TableWatch {
    touched: Arc<AtomicBool>,
}

impl TableWatch {
    /// Watches `tables` on the writer's connection (nothing to do for an empty list).
    pub(super) fn install(
        conn: &mut Connection,
        tables: &'static [&'static str],
    ) -> Result<TableWatch, rusqlite::Error> {
        let touched = Arc::new(AtomicBool::new(false));
        if !tables.is_empty() {
            let flag = touched.clone();
            conn.update_hook(Some(
                move |_: Action, _db: &str, table: &str, _rowid: i64| {
                    if tables.contains(&table) {
                        flag.store(true, Ordering::Relaxed);
                    }
                },
            ))?;
        }
        Ok(TableWatch { touched })
    }

    /// After COMMIT or ROLLBACK returned: counts the transaction if it touched a watched
    /// table.
    pub(super) fn transaction_ended(&self, changes: &AtomicU64) {
        if self.touched.swap(false, Ordering::Relaxed) {
            changes.fetch_add(1, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transactions_that_touch_a_watched_table_are_counted() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE watched (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT);",
        )
        .unwrap();
        let watch = TableWatch::install(&mut conn, &["watched"]).unwrap();
        let changes = AtomicU64::new(0);
        let transaction = |sql: &str| {
            conn.execute_batch(sql).unwrap();
            watch.transaction_ended(&changes);
            changes.load(Ordering::Acquire)
        };
        assert_eq!(transaction("INSERT INTO other (v) VALUES ('a')"), 0);
        assert_eq!(transaction("INSERT INTO watched (v) VALUES ('a')"), 1);
        assert_eq!(
            transaction("SELECT * FROM watched"),
            1,
            "reads do not count"
        );
        assert_eq!(transaction("UPDATE watched SET v = 'b' WHERE id = 1"), 2);
        assert_eq!(
            transaction("BEGIN; DELETE FROM watched WHERE id = 1; ROLLBACK"),
            3,
            "a rolled-back change counts: a memo is dropped for nothing, never kept wrongly"
        );
        assert_eq!(transaction("UPDATE watched SET v = 'c' WHERE id = 99"), 3);
    }
}
