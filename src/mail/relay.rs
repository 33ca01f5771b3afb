//! The relay task: hands each account's queued mail (`mail_outbox`) to the SMTP relay and
//! deletes a row once the relay took it.
//!
//! It wakes when a commit queued mail (`MailHub::queued`), when the earliest deferred mail
//! is due, and at least every 30 s. A refusal that may pass (4xx, no connection) defers
//! the mail with a doubling delay; a 5xx, or five days without success, drops it with a
//! warning and, for a ticket's mail, a `mail_failed` event in the ticket's history. A
//! relay that does not answer at all ends the pass: the other mails would fare no better.
//!
//! Delivery is at least once: the row is deleted in a write after the relay's 250, so a
//! crash (or a failed write) between the two sends that mail again at the next start. A
//! duplicate reply is the accepted price; a lost one is not.

mod transport;

use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use rusqlite::{Connection, params};
use tokio::sync::watch;

use crate::app::AppState;
use crate::store::{Database, StoreError};
use crate::tickets::{self, Actor};
pub use transport::{Failure, Relay, RelayConfigError, classify};

/// `mail.relay` as (host, port), the port defaulting by `relay_security`; `None` when it is
/// not HOST:PORT. The configuration checks it at load.
pub fn relay_address(relay: &str, security: &str) -> Option<(String, u16)> {
    transport::host_port(relay, security).ok()
}

/// The longest the task sleeps without looking.
const EVERY: Duration = Duration::from_secs(30);
/// Mails read per query; the next batch is read after these are done.
const BATCH: i64 = 20;
/// The first retry waits this long, each further one twice as long, up to
/// `LONGEST_WAIT_SECS`.
const FIRST_WAIT_SECS: i64 = 30;
const LONGEST_WAIT_SECS: i64 = 3600;
/// A mail the relay has not taken within this long is dropped, as an MTA bounces it.
pub const GIVE_UP_SECS: i64 = 5 * 86_400;

/// How long to wait after the `failures`th failed attempt (1 = the first failure).
pub fn backoff(failures: i64) -> i64 {
    // Past 2^7 the cap rules anyway; 20 keeps the shift far from overflowing.
    let doublings = failures.saturating_sub(1).clamp(0, 20) as u32;
    FIRST_WAIT_SECS
        .saturating_mul(1_i64 << doublings)
        .min(LONGEST_WAIT_SECS)
}

/// One queued mail, as the task reads it.
struct Queued {
    id: i64,
    ticket_id: Option<i64>,
    recipient: String,
    message: Vec<u8>,
    created_at: i64,
    attempts: i64,
}

/// What becomes of a mail after one attempt.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Sent,
    Retry { at: i64, error: String },
    Dropped { error: String },
}

/// The daemon's job, until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let credentials = std::env::var_os("CREDENTIALS_DIRECTORY").map(std::path::PathBuf::from);
    let relay = match Relay::from_config(
        &state.config.mail,
        &state.mail.identity.domain,
        credentials.as_deref(),
    ) {
        Ok(Some(relay)) => {
            tracing::info!(relay = %relay.address, "outgoing mail goes through the relay");
            Some(relay)
        }
        Ok(None) => {
            tracing::info!("outgoing mail waits in the outbox until mail.relay is set");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "outgoing mail waits in the outbox: the relay is unusable");
            None
        }
    };
    loop {
        let wait = pass(&state, relay.as_ref(), &stop).await;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.mail.wakeup.notified() => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// Sends what is due in every account (with a relay) and counts what is left. Returns how
/// long to sleep: until the earliest deferred mail is due, at most `EVERY`; `EVERY` when
/// the relay did not answer at all, so a relay that is down is asked twice a minute, not
/// once per queued mail.
async fn pass(state: &AppState, relay: Option<&Relay>, stop: &watch::Receiver<bool>) -> Duration {
    let ids = match state.store.account_ids().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "mail: cannot list the accounts");
            return EVERY;
        }
    };
    let mut wait = EVERY;
    let mut queued = 0;
    let mut down = false;
    for id in ids {
        if *stop.borrow() {
            return wait;
        }
        let db = match state.store.account(&id, state.clock.now_unix()).await {
            Ok(db) => db,
            Err(e) => {
                tracing::error!(account = %id, error = %e, "mail: cannot open the account");
                continue;
            }
        };
        if let Some(relay) = relay.filter(|_| !down) {
            match deliver(state, &db, &id, relay, stop).await {
                Ok(Reach::Answered) => {}
                Ok(Reach::Unreachable) => down = true,
                Err(e) => {
                    tracing::error!(account = %id, error = %e, "mail: sending stopped for this pass")
                }
            }
        }
        match left(&db).await {
            Ok((count, earliest)) => {
                queued += count;
                if let (Some(due), Some(_)) = (earliest, relay) {
                    let secs = (due - state.clock.now_unix()).clamp(1, EVERY.as_secs() as i64);
                    wait = wait.min(Duration::from_secs(secs as u64));
                }
            }
            Err(e) => tracing::error!(account = %id, error = %e, "mail: cannot count the outbox"),
        }
    }
    state.metrics.mail_queued(queued);
    if down { EVERY } else { wait }
}

/// Whether the relay answered during a pass.
enum Reach {
    Answered,
    Unreachable,
}

/// Sends one account's due mail, a batch at a time, until the relay stops answering.
async fn deliver(
    state: &AppState,
    db: &Database,
    account: &str,
    relay: &Relay,
    stop: &watch::Receiver<bool>,
) -> Result<Reach, StoreError> {
    let from = state.mail.identity.from.email.clone();
    loop {
        let now = state.clock.now_unix();
        let due = db.read(move |conn| due(conn, now)).await?;
        let full = due.len() as i64 == BATCH;
        for mail in due {
            let mut stopping = stop.clone();
            let outcome = tokio::select! {
                outcome = attempt(relay, &from, &mail) => outcome,
                // Shutting down mid-send: the row stays and goes again after the restart.
                _ = stopping.wait_for(|stopped| *stopped) => return Ok(Reach::Answered),
            };
            let unreachable = matches!(outcome, Err((Failure::Unreachable, _)));
            let now = state.clock.now_unix();
            let fate = fate(outcome, &mail, now);
            report(state, account, &mail, &fate);
            db.write(move |conn| settle(conn, now, &mail, &fate))
                .await?;
            if unreachable {
                return Ok(Reach::Unreachable);
            }
        }
        if !full {
            return Ok(Reach::Answered);
        }
    }
}

/// One SMTP transaction; a recipient that is no address is a permanent failure.
async fn attempt(relay: &Relay, from: &Address, mail: &Queued) -> Result<(), (Failure, String)> {
    let to: Address = mail.recipient.parse().map_err(|_| {
        (
            Failure::Permanent,
            "the recipient is not a mail address".to_string(),
        )
    })?;
    let envelope = Envelope::new(Some(from.clone()), vec![to])
        .map_err(|e| (Failure::Permanent, e.to_string()))?;
    relay
        .send(&envelope, &mail.message)
        .await
        .map_err(|e| (classify(e.status()), transport::describe(&e)))
}

fn fate(outcome: Result<(), (Failure, String)>, mail: &Queued, now: i64) -> Fate {
    match outcome {
        Ok(()) => Fate::Sent,
        Err((Failure::Permanent, error)) => Fate::Dropped { error },
        Err((Failure::Transient | Failure::Unreachable, error))
            if now - mail.created_at >= GIVE_UP_SECS =>
        {
            Fate::Dropped {
                error: format!("{error}; given up after five days"),
            }
        }
        Err((Failure::Transient | Failure::Unreachable, error)) => Fate::Retry {
            at: now + backoff(mail.attempts + 1),
            error,
        },
    }
}

/// Logs and counts the outcome. Only the recipient's domain is logged: the address is
/// personal data the log does not need.
fn report(state: &AppState, account: &str, mail: &Queued, fate: &Fate) {
    let domain = mail.recipient.rsplit_once('@').map_or("?", |(_, d)| d);
    match fate {
        Fate::Sent => {
            state.metrics.mail_sent();
            tracing::debug!(account, outbox = mail.id, to_domain = %domain, "mail: sent");
        }
        Fate::Retry { at, error } => tracing::info!(
            account,
            outbox = mail.id,
            to_domain = %domain,
            attempts = mail.attempts + 1,
            retry_in_secs = at - state.clock.now_unix(),
            error = %error,
            "mail: the relay did not take it; trying again later"
        ),
        Fate::Dropped { error } => {
            state.metrics.mail_failed();
            tracing::warn!(
                account,
                outbox = mail.id,
                ticket = mail.ticket_id,
                to_domain = %domain,
                error = %error,
                "mail: not delivered, dropped"
            );
        }
    }
}

fn due(conn: &Connection, now: i64) -> Result<Vec<Queued>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT id, ticket_id, recipient, message, created_at, attempts FROM mail_outbox
             WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
        )?
        .query_map(params![now, BATCH], |r| {
            Ok(Queued {
                id: r.get(0)?,
                ticket_id: r.get(1)?,
                recipient: r.get(2)?,
                message: r.get(3)?,
                created_at: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many mails wait, and when the earliest is due.
async fn left(db: &Database) -> Result<(i64, Option<i64>), StoreError> {
    db.read(|conn| -> Result<_, StoreError> {
        Ok(conn
            .prepare_cached("SELECT count(*), min(next_attempt_at) FROM mail_outbox")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
    })
    .await
}

/// Records the outcome in the account's database. A mail whose ticket was deleted
/// meanwhile is already gone (the cascade): every statement then changes nothing.
fn settle(conn: &Connection, now: i64, mail: &Queued, fate: &Fate) -> Result<(), StoreError> {
    match fate {
        Fate::Sent => {
            conn.prepare_cached("DELETE FROM mail_outbox WHERE id = ?1")?
                .execute([mail.id])?;
        }
        Fate::Retry { at, error } => {
            conn.prepare_cached(
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2,
                 last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![mail.id, at, error])?;
        }
        Fate::Dropped { error } => {
            let gone = conn
                .prepare_cached("DELETE FROM mail_outbox WHERE id = ?1")?
                .execute([mail.id])?;
            if let (1, Some(ticket)) = (gone, mail.ticket_id) {
                // The agents see in the history that the customer did not get the mail,
                // and why; the address is there too, in the encrypted database.
                let detail = format!("{}: {error}", mail.recipient);
                tickets::record_addition(conn, ticket, now, Actor::System, "mail_failed", &detail)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
