//! Emptying the trash and the spam quarantine: a ticket that has sat in either for
//! `lifecycle.trash_days` since it last changed is deleted for good, with its messages,
//! attachments, tags, history and search entry (the schema's cascades and triggers), on
//! pages freed by `secure_delete`.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::params;
use tokio::sync::watch;

use crate::app::AppState;
use crate::clock::Clock;
use crate::store::{Database, Store, StoreError};

/// How often the daemon looks for expired tickets.
const EVERY: Duration = Duration::from_secs(600);
/// Tickets deleted per write transaction: the writer is never held for long.
const BATCH: i64 = 200;

/// Deletes the tickets in `trash` or `spam` unchanged since before `now − trash_days`.
/// Returns how many went.
pub async fn expired(db: &Database, now: i64, trash_days: u32) -> Result<u64, StoreError> {
    let cutoff = now - i64::from(trash_days) * 86_400;
    let mut total = 0;
    loop {
        let deleted = db
            .write(move |conn| -> Result<u64, StoreError> {
                let ids: Vec<i64> = conn
                    .prepare_cached(
                        "SELECT id FROM tickets WHERE status IN ('trash', 'spam') AND updated_at < ?1
                         ORDER BY updated_at LIMIT ?2",
                    )?
                    .query_map(params![cutoff, BATCH], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let mut forget = conn.prepare_cached("DELETE FROM tickets WHERE id = ?1")?;
                // The filter keeps what it learned from the ticket (counts of keyed hashes,
                // nothing readable); only the means to unlearn it goes with it.
                let mut unmark = conn.prepare_cached("DELETE FROM spam_learned WHERE source = ?1")?;
                for &id in &ids {
                    forget.execute([id])?;
                    unmark.execute([format!("ticket:{id}")])?;
                }
                Ok(ids.len() as u64)
            })
            .await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// The daemon's job: every account at once, then every `EVERY`, until `stop`.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    let trash_days = state.config.lifecycle.trash_days;
    run_every(
        state.store.clone(),
        state.clock.clone(),
        trash_days,
        EVERY,
        stop,
    )
    .await
}

/// [`run`] with its parts and period, for tests.
pub async fn run_every(
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    trash_days: u32,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        purge_all(&store, clock.as_ref(), trash_days, &stop).await;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

async fn purge_all(
    store: &Arc<Store>,
    clock: &dyn Clock,
    trash_days: u32,
    stop: &watch::Receiver<bool>,
) {
    let ids = match store.account_ids().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "trash: cannot list the accounts");
            return;
        }
    };
    for id in ids {
        if *stop.borrow() {
            return;
        }
        let now = clock.now_unix();
        let purged = match store.account(&id, now).await {
            Ok(db) => expired(&db, now, trash_days).await,
            Err(e) => Err(e),
        };
        match purged {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(account = %id, deleted, trash_days, "trash: deleted expired tickets for good")
            }
            Err(e) => tracing::error!(account = %id, error = %e, "trash: emptying failed"),
        }
    }
}
