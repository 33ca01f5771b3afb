//! Creating tickets: the new ticket's fields checked, the insert, and the idempotency record.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    Actor, body, check_department, check_user, custom, event, load, set_tags, subject, tags,
};
use crate::contacts;
use crate::store::Database;
use crate::tickets::{Channel, Priority, SpamCheck, Status, Ticket, TicketError, code};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContactRef {
    pub email: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    pub subject: String,
    pub message: String,
    pub contact: NewContactRef,
    #[serde(default = "api_channel")]
    pub channel: Channel,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub assignee_id: Option<i64>,
    #[serde(default)]
    pub custom: Map<String, Value>,
}

fn api_channel() -> Channel {
    Channel::Api
}

/// An Idempotency-Key: who sent it, for which route, and a hash of the request.
pub struct Idempotency {
    pub user_id: i64,
    pub route: &'static str,
    pub key: String,
    pub request: Vec<u8>,
}

/// In a transaction: the resource id a previous request with this key made, if any.
pub(super) fn replayed(conn: &Connection, idem: &Idempotency) -> Result<Option<i64>, TicketError> {
    let hash = Sha256::digest(&idem.request).to_vec();
    let found: Option<(Vec<u8>, String)> = conn
        .prepare_cached("SELECT request_hash, response FROM idempotency_keys WHERE user_id = ?1 AND route = ?2 AND key = ?3")?
        .query_row(params![idem.user_id, idem.route, idem.key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match found {
        None => Ok(None),
        Some((stored, _)) if stored != hash => Err(TicketError::KeyReused),
        Some((_, response)) => Ok(response.parse().ok()),
    }
}

pub(super) fn remember(
    conn: &Connection,
    idem: &Idempotency,
    id: i64,
    now: i64,
) -> Result<(), rusqlite::Error> {
    // Keys are kept a day, long enough for any client's retries.
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_at < ?1")?
        .execute([now - 86_400])?;
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (user_id, route, key, request_hash, status, response, created_at)
         VALUES (?1, ?2, ?3, ?4, 201, ?5, ?6)",
    )?
    .execute(params![idem.user_id, idem.route, idem.key, Sha256::digest(&idem.request).to_vec(), id.to_string(), now])?;
    Ok(())
}

/// Creates a ticket: the contact (found by email or made), the first message (from the
/// contact), the "created" event, and the idempotency record, in one commit. Returns the
/// ticket and whether it already existed (a retried request).
pub async fn create(
    db: &Database,
    now: i64,
    account_slug: &str,
    new: NewTicket,
    actor: Actor,
    idempotency: Option<Idempotency>,
) -> Result<(Ticket, bool), TicketError> {
    create_judged(db, now, account_slug, new, actor, idempotency, None).await
}

/// `create` for a ticket the spam filter judged (`spam_check`): a `spam` verdict makes it
/// arrive in the quarantine (status `spam`), `unsure` marks it in the inbox.
pub async fn create_judged(
    db: &Database,
    now: i64,
    account_slug: &str,
    new: NewTicket,
    actor: Actor,
    idempotency: Option<Idempotency>,
    spam_check: Option<SpamCheck>,
) -> Result<(Ticket, bool), TicketError> {
    let arrival = Arrival {
        ip: None,
        spam_check,
    };
    insert(
        db,
        now,
        account_slug,
        new,
        Some(actor),
        idempotency,
        arrival,
    )
    .await
}

/// How a ticket arrived: the address of a contact who wrote it themselves, and what the
/// spam filter said.
pub(crate) struct Arrival {
    pub ip: Option<String>,
    pub spam_check: Option<SpamCheck>,
}

/// Creates a ticket its contact writes themselves (the web form): the contact, found or
/// made by the email, is the actor, and the address `ip` the request came from is noted as
/// a sighting of them, in the same commit. `spam_check` as for `create_judged`.
pub async fn create_by_contact(
    db: &Database,
    now: i64,
    account_slug: &str,
    new: NewTicket,
    ip: &str,
    spam_check: Option<SpamCheck>,
) -> Result<Ticket, TicketError> {
    let arrival = Arrival {
        ip: Some(ip.to_string()),
        spam_check,
    };
    let (ticket, _) = insert(db, now, account_slug, new, None, None, arrival).await?;
    Ok(ticket)
}

/// `create`; without an actor, the ticket's contact is it, and `ip` becomes a sighting.
async fn insert(
    db: &Database,
    now: i64,
    account_slug: &str,
    new: NewTicket,
    actor: Option<Actor>,
    idempotency: Option<Idempotency>,
    arrival: Arrival,
) -> Result<(Ticket, bool), TicketError> {
    let checked = CheckedTicket::new(account_slug, new)?;
    // The answer is read inside the write transaction: the rows are in the writer's cache,
    // and a second hand-off to a reader thread would cost more than the read itself.
    let (ticket, replayed) = db
        .write(move |conn| {
            let (id, replayed) =
                insert_in(conn, now, &checked, actor, idempotency.as_ref(), &arrival)?;
            Ok::<_, TicketError>((
                load(conn, id, true)?.ok_or(TicketError::NotFound(id))?,
                replayed,
            ))
        })
        .await?;
    if !replayed {
        crate::search::index_soon(db, ticket.id);
    }
    Ok((ticket, replayed))
}

/// A new ticket whose fields were checked, ready for `insert_in`.
pub(crate) struct CheckedTicket {
    new: NewTicket,
    subject: String,
    message: String,
    tags: Vec<String>,
    custom: String,
    prefix: String,
}

impl CheckedTicket {
    pub(crate) fn new(account_slug: &str, new: NewTicket) -> Result<CheckedTicket, TicketError> {
        Ok(CheckedTicket {
            subject: subject(&new.subject)?,
            message: body(&new.message)?,
            tags: tags(&new.tags)?,
            custom: custom(&new.custom)?,
            prefix: code::prefix(account_slug),
            new,
        })
    }
}

/// In a write transaction: creates the ticket (or finds the one an idempotent retry made)
/// and returns its id and whether it already existed. After the commit, the caller hands a
/// new ticket to the search index with `search::index_soon`.
pub(crate) fn insert_in(
    conn: &Connection,
    now: i64,
    checked: &CheckedTicket,
    actor: Option<Actor>,
    idempotency: Option<&Idempotency>,
    arrival: &Arrival,
) -> Result<(i64, bool), TicketError> {
    let new = &checked.new;
    if let Some(idem) = idempotency {
        if let Some(id) = replayed(conn, idem)? {
            return Ok((id, true));
        }
    }
    if let Some(user) = new.assignee_id {
        check_user(conn, user)?;
    }
    if let Some(department) = new.department_id {
        check_department(conn, department)?;
    }
    let contact =
        contacts::find_or_create_by_email(conn, &new.contact.email, &new.contact.name, now)?;
    let actor = actor.unwrap_or(Actor::Contact(contact));
    if let Some(ip) = &arrival.ip {
        contacts::note_sighting(conn, contact, "ip", ip, now)?;
    }
    let spam_check = arrival.spam_check;
    let status = match spam_check {
        Some(check) if check.verdict == "spam" => Status::Spam,
        _ => Status::New,
    };
    let priority = new.priority.unwrap_or(Priority::Normal);
    let id = loop {
        let code = code::generate(&checked.prefix);
        let inserted = conn.prepare_cached(
            "INSERT OR IGNORE INTO tickets (code, subject, contact_id, channel, status, priority, department_id, assignee_id, custom, created_at, updated_at, spam_verdict, spam_score)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
        )?
        .execute(params![code, checked.subject, contact, new.channel.as_str(), status.as_str(), priority.as_str(), new.department_id, new.assignee_id, checked.custom, now, spam_check.map(|c| c.verdict), spam_check.map(|c| c.score)])?;
        if inserted == 1 {
            break conn.last_insert_rowid();
        }
    };
    conn.prepare_cached(
        "INSERT INTO messages (ticket_id, kind, author_contact_id, body, created_at) VALUES (?1, 'customer', ?2, ?3, ?4)",
    )?
    .execute(params![id, contact, checked.message, now])?;
    crate::search::queue_new_ticket(conn, id)?;
    set_tags(conn, id, &checked.tags)?;
    event(
        conn,
        id,
        now,
        actor,
        "created",
        None,
        Some(new.channel.as_str()),
    )?;
    if let Some(check) = spam_check.filter(|c| c.verdict != "ham") {
        let said = format!("{} {:.2}", check.verdict, check.score);
        event(
            conn,
            id,
            now,
            Actor::System,
            "spam_filter",
            None,
            Some(&said),
        )?;
    }
    if let Some(idem) = idempotency {
        remember(conn, idem, id, now)?;
    }
    Ok((id, false))
}
