//! The per-account audit log: who did what, when, from where.
//!
//! Tamper-evident: each entry stores SHA-256 over the previous entry's hash and its own
//! fields, so changing or removing an entry breaks every link after it, and `verify` names
//! the first broken one. Entries are written inside the same transaction as the change they
//! record, through the account's single writer, so the chain is never forked.
//!
//! Retention (`retention.rs`) is the only deleter: it removes a prefix of the chain and
//! leaves an anchor (id and hash of the last removed entry) from which `verify` starts.

pub mod retention;
pub mod routes;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::store::{Database, StoreError};

const GENESIS: [u8; 32] = [0; 32];

/// Who does something: a user (with the address the request came from), or the CLI, the
/// setup page, the system.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub ip: String,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: None,
            name: name.to_string(),
            ip: String::new(),
        }
    }

    pub fn entry<'a>(
        &'a self,
        at: i64,
        action: &'a str,
        target: &'a str,
        detail: &'a str,
    ) -> Entry<'a> {
        Entry {
            at,
            actor_id: self.id,
            actor: &self.name,
            action,
            target,
            ip: &self.ip,
            detail,
        }
    }
}

/// One thing to record.
pub struct Entry<'a> {
    pub at: i64,
    /// The user who acted, if any (the CLI and the system have none).
    pub actor_id: Option<i64>,
    /// Who acted, in words: an email, `cli`, `setup`, `system`.
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub ip: &'a str,
    pub detail: &'a str,
}

/// Appends `entry` in the caller's transaction.
pub fn record(conn: &Connection, entry: &Entry<'_>) -> rusqlite::Result<()> {
    let prev: Vec<u8> = conn
        .prepare_cached("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_vec());
    let id: i64 = conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let row = Row {
        id,
        at: entry.at,
        actor_id: entry.actor_id,
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        target: entry.target.to_string(),
        ip: entry.ip.to_string(),
        detail: entry.detail.to_string(),
    };
    let hash = row.hash(&prev);
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, actor_id, actor, action, target, ip, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        row.id, row.at, row.actor_id, row.actor, row.action, row.target, row.ip, row.detail,
        prev, hash
    ])?;
    Ok(())
}

/// Records one entry in its own transaction.
pub async fn record_now(db: &Database, entry: OwnedEntry) -> Result<(), StoreError> {
    db.write(move |conn| -> Result<(), StoreError> { Ok(record(conn, &entry.borrow())?) })
        .await
}

/// An `Entry` that owns its text, to cross into the writer thread.
pub struct OwnedEntry {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

impl OwnedEntry {
    fn borrow(&self) -> Entry<'_> {
        Entry {
            at: self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            target: &self.target,
            ip: &self.ip,
            detail: &self.detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: i64,
    #[serde(serialize_with = "as_rfc3339")]
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

fn as_rfc3339<S: serde::Serializer>(at: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*at))
}

impl Row {
    /// SHA-256 over the previous hash and every field, each length-prefixed so that no two
    /// different rows serialize alike.
    fn hash(&self, prev: &[u8]) -> Vec<u8> {
        let mut hasher = Sha256::new();
        hasher.update(prev);
        hasher.update(self.id.to_be_bytes());
        hasher.update(self.at.to_be_bytes());
        hasher.update(self.actor_id.unwrap_or(-1).to_be_bytes());
        for text in [
            &self.actor,
            &self.action,
            &self.target,
            &self.ip,
            &self.detail,
        ] {
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        hasher.finalize().to_vec()
    }
}

/// What `verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        /// Entries checked (those kept after any pruning).
        entries: u64,
        /// When entries were pruned: the id of the last removed entry, where the chain was
        /// checked from (its hash is the retention anchor).
        anchored_after: Option<i64>,
    },
    /// The first entry whose stored hash or link does not match.
    BrokenAt { id: i64, reason: &'static str },
}

/// Walks the chain from GENESIS, or from the retention anchor when entries were pruned;
/// stops at the first broken link.
pub async fn verify(db: &Database) -> Result<Verdict, StoreError> {
    db.read(|conn| -> Result<Verdict, StoreError> {
        let anchor = match retention::read_anchor(conn)? {
            retention::StoredAnchor::None => None,
            retention::StoredAnchor::Valid(anchor) => Some(anchor),
            retention::StoredAnchor::Unreadable => {
                let first: Option<i64> =
                    conn.query_row("SELECT min(id) FROM audit_log", [], |r| r.get(0))?;
                return Ok(Verdict::BrokenAt {
                    id: first.unwrap_or(0),
                    reason: "the retention anchor (setting audit.anchor) is unreadable, so the chain cannot be checked from it",
                });
            }
        };
        let mut expected_prev = match &anchor {
            Some(anchor) => hex::decode(&anchor.hash)
                .map_err(|_| StoreError::Invariant("the audit anchor's hash is not hex".into()))?,
            None => GENESIS.to_vec(),
        };
        let after = anchor.as_ref().map_or(0, |a| a.id);
        let mut stmt = conn.prepare(
            "SELECT id, at, actor_id, actor, action, target, ip, detail, prev_hash, hash
             FROM audit_log ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut entries = 0;
        let mut anchor_recorded = false;
        while let Some(r) = rows.next()? {
            let row = row_from(r)?;
            let (prev, stored): (Vec<u8>, Vec<u8>) = (r.get(8)?, r.get(9)?);
            if row.id <= after {
                return Ok(Verdict::BrokenAt {
                    id: row.id,
                    reason: "is at or before the retention anchor, where entries were removed (an entry was added or the anchor was moved)",
                });
            }
            if prev != expected_prev {
                return Ok(Verdict::BrokenAt {
                    id: row.id,
                    reason: "does not link to the entry before it (an entry was removed or reordered)",
                });
            }
            if row.hash(&prev) != stored {
                return Ok(Verdict::BrokenAt {
                    id: row.id,
                    reason: "its content does not match its hash (the entry was changed)",
                });
            }
            if let Some(anchor) = anchor.as_ref().filter(|a| a.recorded_in == row.id) {
                if row.action != "audit.pruned" || !row.detail.contains(&anchor.mention()) {
                    return Ok(Verdict::BrokenAt {
                        id: row.id,
                        reason: "the retention anchor names this entry, but it does not record that anchor (the anchor was moved)",
                    });
                }
                anchor_recorded = true;
            }
            expected_prev = stored;
            entries += 1;
        }
        let anchored_after = anchor.as_ref().map(|a| a.id);
        if let Some(anchor) = anchor.filter(|_| !anchor_recorded) {
            return Ok(Verdict::BrokenAt {
                id: anchor.recorded_in,
                reason: "the entry that records the last pruning is missing (entries were removed)",
            });
        }
        Ok(Verdict::Intact {
            entries,
            anchored_after,
        })
    })
    .await
}

/// Which entries to list: newest first, before an id, optionally one action.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only entries with a smaller id (paging back).
    pub before: Option<i64>,
    /// An action (`login.failed`) or a whole family of them (`login`).
    pub action: Option<String>,
    /// Who did it, as the log names them (an email, `cli`, `system`); case-insensitive.
    pub actor: Option<String>,
    /// Entries at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Entries before this time (Unix seconds).
    pub until: Option<i64>,
    pub limit: u32,
}

/// A time bound of a filter: RFC 3339 (`2026-12-01T08:00:00Z`) or a date (`2026-12-01`, UTC).
/// A date as the end of a range means the whole day: the bound is the next midnight.
pub fn parse_time_bound(text: &str, end_of_range: bool) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.unix_timestamp());
    }
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(if end_of_range {
        midnight + 86_400
    } else {
        midnight
    })
}

pub async fn list(db: &Database, query: Query) -> Result<Vec<Row>, StoreError> {
    db.read(move |conn| -> Result<Vec<Row>, StoreError> {
        let mut stmt = conn.prepare(
            "SELECT id, at, actor_id, actor, action, target, ip, detail FROM audit_log
             WHERE (?1 IS NULL OR id < ?1)
               AND (?2 IS NULL OR action = ?2 OR substr(action, 1, length(?2) + 1) = ?2 || '.')
               AND (?4 IS NULL OR actor = ?4 COLLATE NOCASE)
               AND (?5 IS NULL OR at >= ?5)
               AND (?6 IS NULL OR at < ?6)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![
                query.before,
                query.action,
                query.limit,
                query.actor,
                query.since,
                query.until
            ],
            row_from,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        at: r.get(1)?,
        actor_id: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        ip: r.get(6)?,
        detail: r.get(7)?,
    })
}

/// RFC 4180 CSV with a header line; cells that a spreadsheet would run as a formula are
/// prefixed with an apostrophe.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from("id,at,actor_id,actor,action,target,ip,detail\r\n");
    for row in rows {
        let cells = [
            row.id.to_string(),
            rfc3339(row.at),
            row.actor_id.map(|id| id.to_string()).unwrap_or_default(),
            row.actor.clone(),
            row.action.clone(),
            row.target.clone(),
            row.ip.clone(),
            row.detail.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> OwnedEntry {
        OwnedEntry {
            at: 100,
            actor_id: Some(1),
            actor: "ann@x.example".into(),
            action: action.into(),
            target: "user:2".into(),
            ip: "127.0.0.1".into(),
            detail: "a, \"quoted\" detail".into(),
        }
    }

    #[tokio::test]
    async fn the_chain_verifies_and_names_the_first_tampered_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let db = store.create_account_database("acc", 0).await.unwrap();
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 0,
                anchored_after: None
            }
        );
        for n in 0..5 {
            record_now(&db, entry(&format!("test.{n}"))).await.unwrap();
        }
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 5,
                anchored_after: None
            }
        );

        let tamper = |sql: &'static str| {
            db.write(move |c| -> Result<(), StoreError> {
                c.execute_batch(sql)?;
                Ok(())
            })
        };
        tamper("UPDATE audit_log SET detail = 'nothing happened' WHERE id = 3")
            .await
            .unwrap();
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 3, .. }
        ));
        tamper("UPDATE audit_log SET detail = 'a, \"quoted\" detail' WHERE id = 3")
            .await
            .unwrap();
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 5,
                anchored_after: None
            }
        );
        tamper("DELETE FROM audit_log WHERE id = 2").await.unwrap();
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 3, .. }
        ));
    }

    #[tokio::test]
    async fn listing_filters_and_csv_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let db = store.create_account_database("acc", 0).await.unwrap();
        for action in ["a", "b", "a"] {
            record_now(&db, entry(action)).await.unwrap();
        }
        assert_eq!(parse_time_bound("2026-12-01", false), Some(1_796_083_200));
        assert_eq!(
            parse_time_bound("2026-12-01", true),
            Some(1_796_083_200 + 86_400)
        );
        assert_eq!(
            parse_time_bound("2026-12-01T00:00:10Z", true),
            Some(1_796_083_210)
        );
        assert_eq!(parse_time_bound("yesterday", false), None);
        let query = |action: Option<&str>, before| Query {
            before,
            action: action.map(str::to_string),
            limit: 10,
            ..Default::default()
        };
        let all = list(&db, query(None, None)).await.unwrap();
        assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 2, 1]);
        let only_a = list(&db, query(Some("a"), Some(3))).await.unwrap();
        assert_eq!(only_a.iter().map(|r| r.id).collect::<Vec<_>>(), [1]);
        let csv = to_csv(&all);
        assert!(csv.starts_with("id,at,actor_id,actor,action,target,ip,detail\r\n"));
        assert!(csv.contains("\"a, \"\"quoted\"\" detail\""), "{csv}");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
