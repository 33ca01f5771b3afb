//! What the agents teach the filter through tickets: "spam" and "not spam" marks, and the
//! resolved tickets an agent answered, which count as ham when the account wants it.
//!
//! A ticket is learned from what the filter judged when it arrived: its subject and first
//! customer message. Each ticket is one mark (`ticket:ID` in `spam_learned`), so marking it
//! again the other way moves it (the wrong class is unlearned exactly) and marking it the
//! same way twice changes nothing.

use rusqlite::{Connection, OptionalExtension, params};

use super::classifier::{Class, Delta, Verdict};
use super::live::Learned;
use super::storage;
use super::tokenizer::Tokenizer;
use crate::store::Database;
use crate::tickets::{self, CheckedPatch, Status, Ticket, TicketError, Viewer};

/// Account setting: resolved tickets with an agent's reply are learned as ham (default on).
pub const LEARN_RESOLVED_SETTING: &str = "spam.learn_resolved";
/// Account setting: how far `learn_resolved` got, as `updated_at:id` of the last ticket seen.
const RESOLVED_WATERMARK_SETTING: &str = "spam.learned_resolved_through";
/// Resolved tickets learned per run of the job.
const RESOLVED_BATCH: i64 = 500;

fn source(ticket: i64) -> String {
    format!("ticket:{ticket}")
}

/// The token hashes of what the filter judged when ticket `id` arrived.
fn ticket_tokens(
    conn: &Connection,
    tokenizer: &mut Tokenizer,
    id: i64,
) -> Result<Option<Vec<u64>>, TicketError> {
    let text: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT t.subject, (SELECT body FROM messages
                                WHERE ticket_id = t.id AND kind = 'customer' ORDER BY id LIMIT 1)
             FROM tickets t WHERE t.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(text.map(|(subject, body)| {
        tokenizer
            .text(&subject, body.as_deref().unwrap_or(""))
            .to_vec()
    }))
}

fn verdict_of(conn: &Connection, id: i64) -> Result<Option<Verdict>, rusqlite::Error> {
    let verdict: Option<Option<String>> = conn
        .prepare_cached("SELECT spam_verdict FROM tickets WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(verdict.flatten().as_deref().and_then(Verdict::parse))
}

/// Adds `more` to `delta`.
fn merge(delta: &mut Delta, more: Delta) {
    delta.spam_messages += more.spam_messages;
    delta.ham_messages += more.ham_messages;
    for (hash, (spam, ham)) in more.tokens {
        let entry = delta.tokens.entry(hash).or_default();
        entry.0 += spam;
        entry.1 += ham;
    }
}

/// An agent marks tickets `ids` as spam (they move to the quarantine) or as not spam (a
/// quarantined one moves to `open`), in one transaction; each is learned as that class.
/// Returns the tickets as they are now and the change to the model.
pub async fn mark(
    db: &Database,
    now: i64,
    viewer: Viewer,
    ids: Vec<i64>,
    class: Class,
) -> Result<(Vec<Ticket>, Learned), TicketError> {
    db.write(move |conn| -> Result<(Vec<Ticket>, Learned), TicketError> {
        let mut tokenizer = Tokenizer::new(&storage::hash_key(conn)?);
        let mut learned = Learned {
            from_generation: storage::generation(conn)?,
            ..Learned::default()
        };
        let mut marked = Vec::with_capacity(ids.len());
        for &id in &ids {
            if !tickets::visible(conn, viewer, id)? {
                return Err(TicketError::NotFound(id));
            }
            let tokens =
                ticket_tokens(conn, &mut tokenizer, id)?.ok_or(TicketError::NotFound(id))?;
            let verdict = verdict_of(conn, id)?;
            let delta = storage::learn_mark(conn, &source(id), class, &tokens, verdict, now)?;
            merge(&mut learned.delta, delta);
            let status = tickets::load(conn, id, false)?
                .ok_or(TicketError::NotFound(id))?
                .status;
            let moved = match class {
                Class::Spam if status != Status::Spam => Some(Status::Spam),
                Class::Ham if status == Status::Spam => Some(Status::Open),
                _ => None,
            };
            let ticket = match moved {
                Some(status) => {
                    tickets::update_in(conn, now, viewer, id, CheckedPatch::status(status))?
                }
                None => tickets::load(conn, id, true)?.ok_or(TicketError::NotFound(id))?,
            };
            marked.push(ticket);
        }
        learned.generation = storage::generation(conn)?;
        Ok((marked, learned))
    })
    .await
}

/// Whether resolved tickets answered by an agent count as ham in this account.
pub fn learns_resolved(conn: &Connection) -> Result<bool, rusqlite::Error> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([LEARN_RESOLVED_SETTING], |r| r.get(0))
        .optional()?;
    Ok(value.as_deref() != Some("false"))
}

/// Learns as ham the resolved tickets an agent replied to that nobody marked, a batch at a
/// time in the order they were last changed (a watermark remembers where it stopped). A
/// ticket an agent later marks as spam is moved by that mark.
pub async fn learn_resolved(db: &Database, now: i64) -> Result<Learned, TicketError> {
    db.write(move |conn| -> Result<Learned, TicketError> {
        let mut learned = Learned {
            from_generation: storage::generation(conn)?,
            ..Learned::default()
        };
        if !learns_resolved(conn)? {
            learned.generation = learned.from_generation;
            return Ok(learned);
        }
        let watermark: Option<String> = conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([RESOLVED_WATERMARK_SETTING], |r| r.get(0))
            .optional()?;
        let (after_at, after_id) = watermark
            .as_deref()
            .and_then(|w| w.split_once(':'))
            .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.parse::<i64>().ok()?)))
            .unwrap_or((i64::MIN, i64::MIN));
        let candidates: Vec<(i64, i64)> = conn
            .prepare_cached(
                "SELECT t.id, t.updated_at FROM tickets t
                 WHERE t.status = 'resolved' AND (t.updated_at, t.id) > (?1, ?2)
                 ORDER BY t.updated_at, t.id LIMIT ?3",
            )?
            .query_map(params![after_at, after_id, RESOLVED_BATCH], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut tokenizer = Tokenizer::new(&storage::hash_key(conn)?);
        for &(id, _) in &candidates {
            let answered = conn
                .prepare_cached("SELECT 1 FROM messages WHERE ticket_id = ?1 AND kind = 'reply'")?
                .exists([id])?;
            if !answered || storage::marked_as(conn, &source(id))?.is_some() {
                continue;
            }
            let Some(tokens) = ticket_tokens(conn, &mut tokenizer, id)? else {
                continue;
            };
            let verdict = verdict_of(conn, id)?;
            let delta = storage::learn_mark(conn, &source(id), Class::Ham, &tokens, verdict, now)?;
            merge(&mut learned.delta, delta);
        }
        if let Some(&(id, at)) = candidates.last() {
            conn.prepare_cached(
                "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
            )?
            .execute(params![RESOLVED_WATERMARK_SETTING, format!("{at}:{id}"), now])?;
        }
        learned.generation = storage::generation(conn)?;
        Ok(learned)
    })
    .await
}

/// How often the daemon learns newly resolved tickets.
const LEARN_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The daemon's job: `learn_resolved` for every account at once, then every `LEARN_EVERY`,
/// until `stop`; what is learned goes into the filters in memory too.
pub async fn run(state: crate::app::AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        learn_all(&state, &stop).await;
        tokio::select! {
            _ = tokio::time::sleep(LEARN_EVERY) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// One pass over every account (also for tests).
pub async fn learn_all(state: &crate::app::AppState, stop: &tokio::sync::watch::Receiver<bool>) {
    let ids = match state.store.account_ids().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "spam filter: cannot list the accounts");
            return;
        }
    };
    for id in ids {
        if *stop.borrow() {
            return;
        }
        let now = state.clock.now_unix();
        let learned = match state.store.account(&id, now).await {
            Ok(db) => learn_resolved(&db, now).await,
            Err(e) => Err(e.into()),
        };
        match learned {
            Ok(learned) => {
                let count = learned.delta.ham_messages;
                state.spam.committed(&id, &learned);
                if count > 0 {
                    tracing::info!(account = %id, learned = count, "spam filter: learned resolved tickets as ham");
                }
            }
            Err(e) => {
                tracing::error!(account = %id, error = %e, "spam filter: learning resolved tickets failed")
            }
        }
    }
}
