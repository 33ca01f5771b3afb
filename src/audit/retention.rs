//! Audit retention: entries older than `audit.retention_days` are removed, and the chain
//! stays verifiable.
//!
//! Pruning removes a prefix of the chain (never a gap, never the newest entry) and, in the
//! same write transaction, stores an **anchor** in the account's `settings` table — the id
//! and hash of the last removed entry — and appends an `audit.pruned` entry that names the
//! anchor's hash. `verify` then starts from the anchor instead of GENESIS, and checks that
//! the entry named by the anchor still records it, so moving the anchor forward to hide the
//! removal of old entries breaks the chain like any other edit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{Actor, record};
use crate::app::AppState;
use crate::clock::{Clock, rfc3339};
use crate::store::{Database, Store, StoreError};

/// The `settings` key holding the anchor (JSON).
pub const ANCHOR_KEY: &str = "audit.anchor";

/// How often the daemon prunes.
pub const DAILY: Duration = Duration::from_secs(86_400);

const SECONDS_PER_DAY: i64 = 86_400;

/// Where the chain continues after pruning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The last removed entry.
    pub id: i64,
    /// Its hash (hex): the `prev_hash` of the first kept entry.
    pub hash: String,
    /// Its time (unix seconds).
    pub at: i64,
    /// The `audit.pruned` entry that records this anchor.
    pub recorded_in: i64,
}

impl Anchor {
    /// What the `audit.pruned` entry's detail contains, so `verify` can tie the anchor to
    /// the chain.
    pub(super) fn mention(&self) -> String {
        format!("anchor_hash={}", self.hash)
    }
}

/// What the `settings` table holds under [`ANCHOR_KEY`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum StoredAnchor {
    /// Nothing was ever pruned: the chain starts at GENESIS.
    None,
    Valid(Anchor),
    /// A value that is not an anchor (or whose hash is not a SHA-256).
    Unreadable,
}

pub(super) fn read_anchor(conn: &Connection) -> Result<StoredAnchor, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([ANCHOR_KEY], |r| r.get(0))
        .optional()?;
    let Some(json) = stored else {
        return Ok(StoredAnchor::None);
    };
    Ok(serde_json::from_str::<Anchor>(&json)
        .ok()
        .filter(|a| hex::decode(&a.hash).is_ok_and(|h| h.len() == 32))
        .map_or(StoredAnchor::Unreadable, StoredAnchor::Valid))
}

/// What one pruning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// Entries dated before this (unix seconds) were due; `None` when retention is 0
    /// (keep forever) and nothing was looked at.
    pub cutoff: Option<i64>,
    pub removed: u64,
    /// The newest removed entry: its id and time.
    pub through: Option<(i64, i64)>,
}

/// Removes the account's audit entries dated before `now − retention_days`, in one write
/// transaction: the removed prefix, the new anchor and an `audit.pruned` entry by `actor`.
///
/// Only a prefix of the chain is removed: an old-dated entry that follows a recent one (the
/// clock went back) stays until everything before it is due. The newest entry is never
/// removed, so new entries keep linking to a head. `retention_days == 0` removes nothing.
pub async fn prune(
    db: &Database,
    clock: &dyn Clock,
    retention_days: u32,
    actor: &Actor,
) -> Result<Pruned, StoreError> {
    if retention_days == 0 {
        return Ok(Pruned {
            cutoff: None,
            removed: 0,
            through: None,
        });
    }
    let now = clock.now_unix();
    let cutoff = now - i64::from(retention_days) * SECONDS_PER_DAY;
    let actor = actor.clone();
    db.write(move |conn| -> Result<Pruned, StoreError> {
        let nothing = Pruned {
            cutoff: Some(cutoff),
            removed: 0,
            through: None,
        };
        let newest: Option<i64> =
            conn.query_row("SELECT max(id) FROM audit_log", [], |r| r.get(0))?;
        let Some(newest) = newest else {
            return Ok(nothing);
        };
        // The first entry that must stay: the first recent one, or at the latest the newest.
        let first_recent: Option<i64> = conn
            .query_row(
                "SELECT id FROM audit_log WHERE at >= ?1 ORDER BY id LIMIT 1",
                [cutoff],
                |r| r.get(0),
            )
            .optional()?;
        let keep_from = first_recent.unwrap_or(newest).min(newest);
        let last: Option<(i64, i64, Vec<u8>)> = conn
            .query_row(
                "SELECT id, at, hash FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT 1",
                [keep_from],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((last_id, last_at, last_hash)) = last else {
            return Ok(nothing);
        };
        let removed = conn.execute("DELETE FROM audit_log WHERE id <= ?1", [last_id])? as u64;
        let mut anchor = Anchor {
            id: last_id,
            hash: hex::encode(&last_hash),
            at: last_at,
            recorded_in: 0,
        };
        let detail = format!(
            "removed={removed} through_id={last_id} through_at={} cutoff={} retention_days={retention_days} {}",
            rfc3339(last_at),
            rfc3339(cutoff),
            anchor.mention(),
        );
        record(
            conn,
            &actor.entry(now, "audit.pruned", "audit_log", &detail),
        )?;
        anchor.recorded_in = conn.query_row("SELECT max(id) FROM audit_log", [], |r| r.get(0))?;
        let json = serde_json::to_string(&anchor)
            .map_err(|e| StoreError::Invariant(format!("serializing the audit anchor: {e}")))?;
        conn.execute(
            "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
            params![ANCHOR_KEY, json, now],
        )?;
        Ok(Pruned {
            cutoff: Some(cutoff),
            removed,
            through: Some((last_id, last_at)),
        })
    })
    .await
}

/// The daemon's retention job: prunes every account at once, then every day, until `stop`
/// turns true (or its sender is gone).
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    run_every(
        state.store.clone(),
        state.clock.clone(),
        state.config.audit.retention_days,
        DAILY,
        stop,
    )
    .await
}

/// [`run`] with its parts and period, for tests.
pub async fn run_every(
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    retention_days: u32,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    if retention_days == 0 {
        tracing::info!("audit.retention_days is 0: audit entries are kept forever");
        return;
    }
    loop {
        prune_all(&store, clock.as_ref(), retention_days, &stop).await;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            // Also returns when the sender is gone: nobody can stop us any more.
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// One pass over every account; logs counts, never contents. A failing account is logged
/// and the others are still pruned.
async fn prune_all(
    store: &Arc<Store>,
    clock: &dyn Clock,
    retention_days: u32,
    stop: &watch::Receiver<bool>,
) {
    let ids = match store.account_ids().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "audit retention: cannot list the accounts");
            return;
        }
    };
    let slugs: HashMap<String, String> = crate::accounts::list(store)
        .await
        .map(|all| all.into_iter().map(|a| (a.id, a.slug)).collect())
        .unwrap_or_default();
    let actor = Actor::system("system");
    let mut total = 0;
    for id in ids {
        if *stop.borrow() {
            return;
        }
        let account = slugs.get(&id).unwrap_or(&id);
        let pruned = match store.account(&id, clock.now_unix()).await {
            Ok(db) => prune(&db, clock, retention_days, &actor).await,
            Err(e) => Err(e),
        };
        match pruned {
            Ok(Pruned {
                removed: 0, cutoff, ..
            }) => {
                tracing::debug!(%account, cutoff = %rfc3339(cutoff.unwrap_or_default()), "audit retention: nothing to remove")
            }
            Ok(Pruned {
                removed,
                through,
                cutoff,
            }) => {
                total += removed;
                tracing::info!(
                    %account,
                    removed,
                    through_id = through.map(|t| t.0).unwrap_or_default(),
                    through_at = %rfc3339(through.map(|t| t.1).unwrap_or_default()),
                    cutoff = %rfc3339(cutoff.unwrap_or_default()),
                    "audit retention: removed old audit entries"
                );
            }
            Err(e) => tracing::error!(%account, error = %e, "audit retention: pruning failed"),
        }
    }
    tracing::info!(
        removed = total,
        retention_days,
        "audit retention: pass complete"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{OwnedEntry, Verdict, record_now, verify};
    use crate::clock::ManualClock;

    const DAY: i64 = 86_400;
    /// 2025-01-01T00:00:00Z.
    const START: i64 = 1_735_689_600;

    fn clock_at(unix: i64) -> ManualClock {
        ManualClock::new(time::OffsetDateTime::from_unix_timestamp(unix).unwrap())
    }

    fn entry(at: i64, action: &str) -> OwnedEntry {
        OwnedEntry {
            at,
            actor_id: Some(1),
            actor: "a@x.example".into(),
            action: action.into(),
            target: "user:1".into(),
            ip: "127.0.0.1".into(),
            detail: String::new(),
        }
    }

    async fn ids(db: &Database) -> Vec<i64> {
        db.read(|c| -> Result<Vec<i64>, StoreError> {
            let mut stmt = c.prepare("SELECT id FROM audit_log ORDER BY id")?;
            let ids = stmt.query_map([], |r| r.get(0))?;
            Ok(ids.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap()
    }

    async fn anchor(db: &Database) -> Option<Anchor> {
        match db.read(read_anchor).await.unwrap() {
            StoredAnchor::None => None,
            StoredAnchor::Valid(anchor) => Some(anchor),
            StoredAnchor::Unreadable => panic!("unreadable anchor"),
        }
    }

    async fn sql(db: &Database, sql: String) {
        db.write(move |c| -> Result<(), StoreError> {
            c.execute_batch(&sql)?;
            Ok(())
        })
        .await
        .unwrap();
    }

    /// Entries 1–3 a year old, 4–5 recent, pruned with 30 days' retention.
    async fn pruned_log() -> (tempfile::TempDir, Arc<Database>, ManualClock) {
        let (dir, db, _agent) = crate::auth::users::account_with_agent().await;
        for n in 1..=3 {
            record_now(&db, entry(START - 365 * DAY + n, "old"))
                .await
                .unwrap();
        }
        for n in 4..=5 {
            record_now(&db, entry(START - DAY + n, "recent"))
                .await
                .unwrap();
        }
        let clock = clock_at(START);
        let pruned = prune(&db, &clock, 30, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(pruned.removed, 3);
        assert_eq!(pruned.through, Some((3, START - 365 * DAY + 3)));
        assert_eq!(pruned.cutoff, Some(START - 30 * DAY));
        (dir, db, clock)
    }

    #[tokio::test]
    async fn old_entries_go_recent_stay_and_the_chain_verifies_from_the_anchor() {
        let (_dir, db, _clock) = pruned_log().await;
        assert_eq!(ids(&db).await, [4, 5, 6], "entry 6 records the pruning");
        let anchor = anchor(&db).await.unwrap();
        assert_eq!((anchor.id, anchor.recorded_in), (3, 6));
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 3,
                anchored_after: Some(3)
            }
        );
        let rows = crate::audit::list(
            &db,
            crate::audit::Query {
                before: None,
                action: None,
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let pruned = &rows[0];
        assert_eq!(
            (pruned.actor.as_str(), pruned.action.as_str(), pruned.at),
            ("system", "audit.pruned", START)
        );
        assert!(
            pruned.detail.starts_with("removed=3 through_id=3 through_at=2024-01-02T00:00:03Z cutoff=2024-12-02T00:00:00Z retention_days=30 anchor_hash="),
            "{}",
            pruned.detail
        );

        // New entries link on; a second pruning with nothing due changes nothing.
        record_now(&db, entry(START + 1, "later")).await.unwrap();
        let again = prune(&db, &clock_at(START + 2), 30, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(again.removed, 0);
        assert_eq!(ids(&db).await, [4, 5, 6, 7]);
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 4,
                anchored_after: Some(3)
            }
        );
    }

    #[tokio::test]
    async fn a_second_pruning_moves_the_anchor_and_the_chain_still_verifies() {
        let (_dir, db, clock) = pruned_log().await;
        clock.advance(time::Duration::days(60));
        let pruned = prune(&db, &clock, 30, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(
            pruned.removed, 2,
            "4 and 5; the first audit.pruned entry is due too, but the newest"
        );
        assert_eq!(ids(&db).await, [6, 7]);
        let anchor = anchor(&db).await.unwrap();
        assert_eq!((anchor.id, anchor.recorded_in), (5, 7));
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 2,
                anchored_after: Some(5)
            }
        );
    }

    #[tokio::test]
    async fn the_newest_entry_is_never_removed() {
        let (_dir, db, _agent) = crate::auth::users::account_with_agent().await;
        for n in 1..=3 {
            record_now(&db, entry(START - 365 * DAY + n, "old"))
                .await
                .unwrap();
        }
        let clock = clock_at(START);
        let pruned = prune(&db, &clock, 1, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!((pruned.removed, pruned.through.map(|t| t.0)), (2, Some(2)));
        assert_eq!(ids(&db).await, [3, 4]);
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::Intact { entries: 2, .. }
        ));

        // A single old entry stays, and an empty log is left alone.
        let (_dir2, single, _agent) = crate::auth::users::account_with_agent().await;
        record_now(&single, entry(START - 365 * DAY, "old"))
            .await
            .unwrap();
        let pruned = prune(&single, &clock, 1, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(pruned.removed, 0);
        assert_eq!(ids(&single).await, [1]);
        assert_eq!(anchor(&single).await, None);
        let (_dir3, empty, _agent) = crate::auth::users::account_with_agent().await;
        let pruned = prune(&empty, &clock, 1, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(pruned.removed, 0);
        assert_eq!(ids(&empty).await, Vec::<i64>::new());
    }

    #[tokio::test]
    async fn only_a_prefix_is_removed_when_dates_go_backwards() {
        let (_dir, db, _agent) = crate::auth::users::account_with_agent().await;
        record_now(&db, entry(START - 365 * DAY, "old"))
            .await
            .unwrap();
        record_now(&db, entry(START - DAY, "recent")).await.unwrap();
        // The clock went back: an old date after a recent one.
        record_now(&db, entry(START - 365 * DAY, "old again"))
            .await
            .unwrap();
        record_now(&db, entry(START, "now")).await.unwrap();
        let pruned = prune(&db, &clock_at(START), 30, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(pruned.removed, 1);
        assert_eq!(ids(&db).await, [2, 3, 4, 5]);
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::Intact { entries: 4, .. }
        ));
    }

    #[tokio::test]
    async fn retention_zero_keeps_everything() {
        let (_dir, db, _agent) = crate::auth::users::account_with_agent().await;
        for n in 1..=3 {
            record_now(&db, entry(n, "ancient")).await.unwrap();
        }
        let pruned = prune(&db, &clock_at(START), 0, &Actor::system("system"))
            .await
            .unwrap();
        assert_eq!(
            pruned,
            Pruned {
                cutoff: None,
                removed: 0,
                through: None
            }
        );
        assert_eq!(ids(&db).await, [1, 2, 3]);
        assert_eq!(anchor(&db).await, None);
        assert_eq!(
            verify(&db).await.unwrap(),
            Verdict::Intact {
                entries: 3,
                anchored_after: None
            }
        );
    }

    #[tokio::test]
    async fn tampering_after_the_anchor_is_found_at_the_right_entry() {
        let (_dir, db, _clock) = pruned_log().await;
        sql(
            &db,
            "UPDATE audit_log SET detail = 'edited' WHERE id = 5".into(),
        )
        .await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 5, reason } if reason.contains("changed")
        ));

        // Removing the first kept entry: the next one no longer links to the anchor.
        let (_dir, db, _clock) = pruned_log().await;
        sql(&db, "DELETE FROM audit_log WHERE id = 4".into()).await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 5, reason } if reason.contains("removed")
        ));
    }

    #[tokio::test]
    async fn moving_or_damaging_the_anchor_is_found() {
        // Deleting the oldest kept entry and moving the anchor to it: the audit.pruned entry
        // no longer names the anchor.
        let (_dir, db, _clock) = pruned_log().await;
        let hash: Vec<u8> = db
            .read(|c| -> Result<Vec<u8>, StoreError> {
                Ok(c.query_row("SELECT hash FROM audit_log WHERE id = 4", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        let moved = Anchor {
            id: 4,
            hash: hex::encode(hash),
            at: 0,
            recorded_in: 6,
        };
        sql(
            &db,
            format!(
                "DELETE FROM audit_log WHERE id = 4;
                 UPDATE settings SET value = '{}' WHERE key = '{ANCHOR_KEY}'",
                serde_json::to_string(&moved).unwrap()
            ),
        )
        .await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 6, reason } if reason.contains("anchor")
        ));

        // The recording entry removed (with everything after it rewritten away): named.
        let (_dir, db, _clock) = pruned_log().await;
        sql(&db, "DELETE FROM audit_log WHERE id = 6".into()).await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 6, reason } if reason.contains("missing")
        ));

        // An anchor that is not one.
        let (_dir, db, _clock) = pruned_log().await;
        sql(
            &db,
            format!("UPDATE settings SET value = 'garbage' WHERE key = '{ANCHOR_KEY}'"),
        )
        .await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 4, reason } if reason.contains("anchor")
        ));

        // An entry older than the anchor put back.
        let (_dir, db, _clock) = pruned_log().await;
        sql(
            &db,
            "INSERT INTO audit_log (id, at, actor, action, prev_hash, hash)
             VALUES (2, 0, 'x', 'y', x'00', x'00')"
                .into(),
        )
        .await;
        assert!(matches!(
            verify(&db).await.unwrap(),
            Verdict::BrokenAt { id: 2, reason } if reason.contains("anchor")
        ));
    }

    #[tokio::test]
    async fn the_job_prunes_every_account_at_start_and_stops_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let mut dbs = Vec::new();
        for name in ["one", "two"] {
            let db = store.create_account_database(name, 0).await.unwrap();
            for n in 1..=3 {
                record_now(&db, entry(START - 365 * DAY + n, "old"))
                    .await
                    .unwrap();
            }
            dbs.push(db);
        }
        let clock: Arc<dyn Clock> = Arc::new(clock_at(START));
        let (stop, stopped) = watch::channel(false);
        let job = tokio::spawn(run_every(
            store.clone(),
            clock,
            30,
            Duration::from_secs(3600),
            stopped,
        ));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        for db in &dbs {
            while ids(db).await != [3, 4] {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the job did not prune"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(matches!(
                verify(db).await.unwrap(),
                Verdict::Intact {
                    anchored_after: Some(2),
                    ..
                }
            ));
        }
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), job)
            .await
            .expect("the job stops with the daemon")
            .unwrap();
    }

    #[tokio::test]
    async fn the_job_with_retention_zero_does_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let db = store.create_account_database("one", 0).await.unwrap();
        record_now(&db, entry(1, "ancient")).await.unwrap();
        record_now(&db, entry(2, "ancient")).await.unwrap();
        let (_stop, stopped) = watch::channel(false);
        let clock: Arc<dyn Clock> = Arc::new(clock_at(START));
        tokio::time::timeout(
            Duration::from_secs(5),
            run_every(store.clone(), clock, 0, Duration::from_secs(1), stopped),
        )
        .await
        .expect("returns at once");
        assert_eq!(ids(&db).await, [1, 2]);
    }
}
