//! The tickets' SQL: creating (with the contact found or made, the first message and the
//! idempotency record in one transaction), reading, listing with filters and a keyset
//! cursor, changing (each change an event), and adding messages.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    Author, Channel, Event, Message, MessageKind, Named, Priority, SpamCheck, Status, Ticket,
    TicketError, code,
};
use crate::auth::users::Role;
use crate::clock::rfc3339;
use crate::contacts;
use crate::store::Database;

mod reply_mail;

const MAX_SUBJECT: usize = 500;
const MAX_BODY: usize = 1_000_000;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 60;
pub(crate) const RESTRICTED_SETTING: &str = "tickets.departments_restricted";

/// Who acts on a ticket: an agent (a user of the account), the contact, or the system.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Agent(i64),
    Contact(i64),
    System,
}

impl Actor {
    fn kind(self) -> &'static str {
        match self {
            Actor::Agent(_) => "agent",
            Actor::Contact(_) => "contact",
            Actor::System => "system",
        }
    }

    fn user_id(self) -> Option<i64> {
        match self {
            Actor::Agent(id) => Some(id),
            _ => None,
        }
    }
}

/// Whose view a read is: agents may be limited to their departments' tickets.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
}

impl Viewer {
    pub fn of(user: &crate::auth::users::User) -> Self {
        Viewer {
            user_id: user.id,
            role: user.role,
        }
    }
}

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

/// Absent fields stay; `"assignee_id": null` unassigns, `"department_id": null` clears.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketPatch {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    #[serde(deserialize_with = "present")]
    pub assignee_id: Option<Option<i64>>,
    #[serde(deserialize_with = "present")]
    pub department_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub custom: Option<Map<String, Value>>,
}

/// A field that is present (maybe `null`) deserializes to `Some(..)`; an absent one stays `None`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    #[serde(rename = "type")]
    pub kind: MessageKind,
    pub body: String,
}

#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub statuses: Vec<Status>,
    /// `Some(None)`: unassigned tickets only.
    pub assignee: Option<Option<i64>>,
    pub department_id: Option<i64>,
    pub tag: Option<String>,
    pub contact_id: Option<i64>,
    pub updated_since: Option<i64>,
    /// Continue after this `(updated_at, id)`.
    pub after: Option<(i64, i64)>,
    pub limit: u32,
}

fn subject(text: &str) -> Result<String, TicketError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_SUBJECT || text.chars().any(char::is_control) {
        return Err(TicketError::Invalid(format!(
            "`subject` must be 1 to {MAX_SUBJECT} characters on one line"
        )));
    }
    Ok(text.to_string())
}

fn body(text: &str) -> Result<String, TicketError> {
    if text.trim().is_empty() || text.len() > MAX_BODY {
        return Err(TicketError::Invalid(format!(
            "a message body must be 1 byte to {MAX_BODY} bytes"
        )));
    }
    Ok(text.to_string())
}

fn tags(list: &[String]) -> Result<Vec<String>, TicketError> {
    if list.len() > MAX_TAGS {
        return Err(TicketError::Invalid(format!("at most {MAX_TAGS} tags")));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in list {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG
            || tag.chars().any(|c| c.is_control() || c == ',')
        {
            return Err(TicketError::Invalid(format!(
                "a tag must be 1 to {MAX_TAG} characters, without commas"
            )));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

fn custom(map: &Map<String, Value>) -> Result<String, TicketError> {
    let json = serde_json::to_string(map).unwrap_or_else(|_| "{}".into());
    if json.len() > 16 * 1024 {
        return Err(TicketError::Invalid(
            "`custom` must be at most 16 KiB".into(),
        ));
    }
    Ok(json)
}

pub(crate) fn restricted(conn: &Connection, viewer: Viewer) -> Result<bool, rusqlite::Error> {
    if viewer.role >= Role::Admin {
        return Ok(false);
    }
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([RESTRICTED_SETTING], |r| r.get(0))
        .optional()?;
    Ok(value.as_deref() == Some("true"))
}

/// The SQL condition that limits `t` (a tickets row) to what the viewer may see: `?R` is
/// whether departments are restricted for them, `?U` their user id.
pub(crate) const VISIBLE: &str = "(?R = 0 OR t.department_id IS NULL OR t.department_id IN
    (SELECT department_id FROM department_members WHERE user_id = ?U))";

pub(crate) fn visible(conn: &Connection, viewer: Viewer, id: i64) -> Result<bool, rusqlite::Error> {
    let sql = format!(
        "SELECT 1 FROM tickets t WHERE t.id = ?1 AND {}",
        VISIBLE.replace("?R", "?2").replace("?U", "?3")
    );
    conn.prepare_cached(&sql)?
        .exists(params![id, restricted(conn, viewer)?, viewer.user_id])
}

fn check_user(conn: &Connection, id: i64) -> Result<(), TicketError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .exists([id])?;
    if exists {
        Ok(())
    } else {
        Err(TicketError::Invalid(format!("no agent with id {id}")))
    }
}

fn check_department(conn: &Connection, id: i64) -> Result<(), TicketError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM departments WHERE id = ?1")?
        .exists([id])?;
    if exists {
        Ok(())
    } else {
        Err(TicketError::Invalid(format!("no department with id {id}")))
    }
}

fn event(
    conn: &Connection,
    ticket: i64,
    now: i64,
    actor: Actor,
    field: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, at, actor_user_id, actor_kind, field, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![ticket, now, actor.user_id(), actor.kind(), field, from, to])?;
    Ok(())
}

/// Something was added to ticket `ticket` without changing its fields (an attachment):
/// it moves to the top of the lists and the history says who added what.
pub(crate) fn record_addition(
    conn: &Connection,
    ticket: i64,
    now: i64,
    actor: Actor,
    field: &str,
    added: &str,
) -> Result<(), rusqlite::Error> {
    event(conn, ticket, now, actor, field, None, Some(added))?;
    touch(conn, ticket, now)
}

/// Marks `ticket` as changed at `now` (lists are ordered by it).
fn touch(conn: &Connection, ticket: i64, now: i64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![ticket, now])?;
    Ok(())
}

fn set_tags(conn: &Connection, ticket: i64, tags: &[String]) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("DELETE FROM ticket_tags WHERE ticket_id = ?1")?
        .execute([ticket])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        insert.execute(params![ticket, tag])?;
    }
    Ok(())
}

/// An Idempotency-Key: who sent it, for which route, and a hash of the request.
pub struct Idempotency {
    pub user_id: i64,
    pub route: &'static str,
    pub key: String,
    pub request: Vec<u8>,
}

/// In a transaction: the resource id a previous request with this key made, if any.
fn replayed(conn: &Connection, idem: &Idempotency) -> Result<Option<i64>, TicketError> {
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

fn remember(
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
    db.write(move |conn| {
        let (id, replayed) = insert_in(conn, now, &checked, actor, idempotency.as_ref(), &arrival)?;
        Ok((
            load(conn, id, true)?.ok_or(TicketError::NotFound(id))?,
            replayed,
        ))
    })
    .await
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
/// and returns its id and whether it already existed.
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
    crate::search::queue_ticket(conn, id)?;
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

fn author(kind: &str, user: Option<(i64, String)>, contact: Option<(i64, String)>) -> Author {
    match (kind, user, contact) {
        ("agent", Some((id, name)), _) => Author {
            kind: "agent",
            id: Some(id),
            name,
        },
        ("agent", None, _) => Author {
            kind: "deleted_agent",
            id: None,
            name: "Deleted agent".into(),
        },
        ("contact", _, Some((id, name))) => Author {
            kind: "contact",
            id: Some(id),
            name,
        },
        _ => Author {
            kind: "system",
            id: None,
            name: "System".into(),
        },
    }
}

/// A ticket; `full` adds its messages and history.
pub(crate) fn load(
    conn: &Connection,
    id: i64,
    full: bool,
) -> Result<Option<Ticket>, rusqlite::Error> {
    let row = conn
        .prepare_cached(
            "SELECT t.id, t.code, t.subject, t.status, t.priority, t.channel, t.contact_id,
                    d.id, d.name, u.id, u.name, t.custom, t.created_at, t.updated_at,
                    t.spam_verdict, t.spam_score
             FROM tickets t LEFT JOIN departments d ON d.id = t.department_id
                            LEFT JOIN users u ON u.id = t.assignee_id
             WHERE t.id = ?1",
        )?
        .query_row([id], |r| {
            let custom: String = r.get(11)?;
            Ok((
                r.get::<_, i64>(6)?,
                Ticket {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    subject: r.get(2)?,
                    status: Status::parse(&r.get::<_, String>(3)?).unwrap_or(Status::Open),
                    priority: Priority::parse(&r.get::<_, String>(4)?).unwrap_or(Priority::Normal),
                    channel: Channel::parse(&r.get::<_, String>(5)?).unwrap_or(Channel::Api),
                    contact: contacts::ContactRef {
                        id: 0,
                        name: String::new(),
                        email: None,
                    },
                    department: r.get::<_, Option<i64>>(7)?.map(|id| Named {
                        id,
                        name: r.get(8).unwrap_or_default(),
                    }),
                    assignee: r.get::<_, Option<i64>>(9)?.map(|id| Named {
                        id,
                        name: r.get(10).unwrap_or_default(),
                    }),
                    tags: Vec::new(),
                    custom: serde_json::from_str(&custom).unwrap_or_default(),
                    created_at: rfc3339(r.get(12)?),
                    updated_at: rfc3339(r.get(13)?),
                    spam_check: SpamCheck::of(r.get(14)?, r.get(15)?),
                    messages: None,
                    history: None,
                },
            ))
        })
        .optional()?;
    let Some((contact_id, mut ticket)) = row else {
        return Ok(None);
    };
    ticket.contact = contacts::reference(conn, contact_id)?;
    ticket.tags = conn
        .prepare_cached("SELECT tag FROM ticket_tags WHERE ticket_id = ?1 ORDER BY tag")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if full {
        ticket.messages = Some(messages(conn, id)?);
        ticket.history = Some(history(conn, id)?);
    }
    Ok(Some(ticket))
}

/// The SELECT that `message_row` reads, as a literal so each query's text is built at
/// compile time, not on every call.
macro_rules! select_messages {
    () => {
        "SELECT m.id, m.kind, m.body, m.is_html, m.created_at, u.id, u.name, c.id, c.name
         FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
                         LEFT JOIN contacts c ON c.id = m.author_contact_id"
    };
}

fn messages(conn: &Connection, ticket: i64) -> Result<Vec<Message>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(concat!(
        select_messages!(),
        " WHERE m.ticket_id = ?1 ORDER BY m.id"
    ))?;
    let rows = stmt.query_map([ticket], message_row)?;
    rows.collect()
}

/// One message of `ticket`: what a write answers with, without reading the whole thread
/// (a chat adds a message every few seconds to threads of hundreds).
fn one_message(
    conn: &Connection,
    ticket: i64,
    id: i64,
) -> Result<Option<Message>, rusqlite::Error> {
    conn.prepare_cached(concat!(
        select_messages!(),
        " WHERE m.id = ?2 AND m.ticket_id = ?1"
    ))?
    .query_row([ticket, id], message_row)
    .optional()
}

fn message_row(r: &rusqlite::Row<'_>) -> Result<Message, rusqlite::Error> {
    let kind = MessageKind::parse(&r.get::<_, String>(1)?).unwrap_or(MessageKind::Note);
    let user = r
        .get::<_, Option<i64>>(5)?
        .map(|id| (id, r.get(6).unwrap_or_default()));
    let contact = r
        .get::<_, Option<i64>>(7)?
        .map(|id| (id, r.get(8).unwrap_or_default()));
    let by = if kind == MessageKind::Customer {
        "contact"
    } else {
        "agent"
    };
    Ok(Message {
        id: r.get(0)?,
        kind,
        author: author(by, user, contact),
        body: r.get(2)?,
        html: r.get::<_, i64>(3)? != 0,
        created_at: rfc3339(r.get(4)?),
    })
}

fn history(conn: &Connection, ticket: i64) -> Result<Vec<Event>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, e.actor_kind, u.id, u.name, e.field, e.old_value, e.new_value
         FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_user_id
         WHERE e.ticket_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([ticket], |r| {
        let kind: String = r.get(1)?;
        let user = r
            .get::<_, Option<i64>>(2)?
            .map(|id| (id, r.get(3).unwrap_or_default()));
        Ok(Event {
            at: rfc3339(r.get(0)?),
            actor: author(&kind, user, Some((0, "Customer".into()))),
            field: r.get(4)?,
            from: r.get(5)?,
            to: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The ticket with its messages and history, if the viewer may see it.
pub async fn get(db: &Database, viewer: Viewer, id: i64) -> Result<Ticket, TicketError> {
    db.read_now(move |conn| -> Result<_, TicketError> {
        if !visible(conn, viewer, id)? {
            return Err(TicketError::NotFound(id));
        }
        load(conn, id, true)?.ok_or(TicketError::NotFound(id))
    })
    .await
}

/// Which tickets a customer sees in the portal: their own, neither spam nor trash.
fn customer_sees(conn: &Connection, contact: i64, id: i64) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT 1 FROM tickets WHERE id = ?1 AND contact_id = ?2 AND status NOT IN ('spam', 'trash')",
    )?
    .exists(params![id, contact])
}

/// What of a ticket a customer may read: the thread without internal notes; no history,
/// tags, custom fields, department or assignee.
fn for_customer(mut ticket: Ticket) -> Ticket {
    ticket.messages = ticket.messages.map(|all| {
        all.into_iter()
            .filter(|m| m.kind != MessageKind::Note)
            .collect()
    });
    ticket.history = None;
    ticket.tags.clear();
    ticket.custom.clear();
    ticket.department = None;
    ticket.assignee = None;
    ticket
}

/// The contact's own tickets as the customer portal shows them, newest-changed first, at
/// most `limit` (spam and trash left out).
pub async fn list_for_contact(
    db: &Database,
    contact: i64,
    limit: u32,
) -> Result<Vec<Ticket>, TicketError> {
    db.read(move |conn| -> Result<_, TicketError> {
        let ids: Vec<i64> = conn
            .prepare_cached(
                "SELECT id FROM tickets WHERE contact_id = ?1 AND status NOT IN ('spam', 'trash')
                 ORDER BY updated_at DESC, id DESC LIMIT ?2",
            )?
            .query_map(params![contact, limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(ticket) = load(conn, id, false)? {
                out.push(for_customer(ticket));
            }
        }
        Ok(out)
    })
    .await
}

/// One of the contact's own tickets as the customer may read it (no internal notes, no
/// history). Anyone else's ticket is `NotFound`, exactly like one that does not exist.
pub async fn get_for_contact(db: &Database, contact: i64, id: i64) -> Result<Ticket, TicketError> {
    db.read(move |conn| -> Result<_, TicketError> {
        if !customer_sees(conn, contact, id)? {
            return Err(TicketError::NotFound(id));
        }
        let ticket = load(conn, id, true)?.ok_or(TicketError::NotFound(id))?;
        Ok(for_customer(ticket))
    })
    .await
}

/// The WHERE clause of a list query and its parameters, with only the conditions in use,
/// so SQLite can pick the index that fits (a catch-all `?x IS NULL OR …` clause would make
/// it scan by the ORDER BY index and filter, which is slow for selective filters).
fn filters(
    conn: &Connection,
    viewer: Viewer,
    query: &ListQuery,
) -> Result<(String, Vec<SqlValue>), rusqlite::Error> {
    let mut clauses: Vec<String> = vec!["1".into()];
    let mut values: Vec<SqlValue> = Vec::new();
    if !query.statuses.is_empty() {
        let marks = vec!["?"; query.statuses.len()].join(", ");
        clauses.push(format!("t.status IN ({marks})"));
        values.extend(
            query
                .statuses
                .iter()
                .map(|s| SqlValue::Text(s.as_str().into())),
        );
    }
    match query.assignee {
        None => {}
        Some(None) => clauses.push("t.assignee_id IS NULL".into()),
        Some(Some(id)) => {
            clauses.push("t.assignee_id = ?".into());
            values.push(SqlValue::Integer(id));
        }
    }
    if let Some(department) = query.department_id {
        clauses.push("t.department_id = ?".into());
        values.push(SqlValue::Integer(department));
    }
    if let Some(tag) = &query.tag {
        clauses.push("t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)".into());
        values.push(SqlValue::Text(tag.trim().to_lowercase()));
    }
    if let Some(contact) = query.contact_id {
        clauses.push("t.contact_id = ?".into());
        values.push(SqlValue::Integer(contact));
    }
    if let Some(since) = query.updated_since {
        clauses.push("t.updated_at >= ?".into());
        values.push(SqlValue::Integer(since));
    }
    if let Some((at, id)) = query.after {
        clauses.push("(t.updated_at < ? OR (t.updated_at = ? AND t.id < ?))".into());
        values.extend([
            SqlValue::Integer(at),
            SqlValue::Integer(at),
            SqlValue::Integer(id),
        ]);
    }
    if restricted(conn, viewer)? {
        clauses.push(
            "(t.department_id IS NULL OR t.department_id IN (SELECT department_id FROM department_members WHERE user_id = ?))".into(),
        );
        values.push(SqlValue::Integer(viewer.user_id));
    }
    Ok((clauses.join(" AND "), values))
}

/// How many tickets a list query matches (ignoring its cursor and limit).
pub async fn count(db: &Database, viewer: Viewer, query: ListQuery) -> Result<u64, TicketError> {
    db.read(move |conn| -> Result<_, TicketError> {
        let query = ListQuery {
            after: None,
            ..query
        };
        let (clause, values) = filters(conn, viewer, &query)?;
        let sql = format!("SELECT count(*) FROM tickets t WHERE {clause}");
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    })
    .await
}

/// Tickets newest-changed first, filtered; the last one's `(updated_at, id)` continues.
pub async fn list(
    db: &Database,
    viewer: Viewer,
    query: ListQuery,
) -> Result<Vec<Ticket>, TicketError> {
    db.read(move |conn| -> Result<_, TicketError> {
        let (clause, mut values) = filters(conn, viewer, &query)?;
        values.push(SqlValue::Integer(i64::from(query.limit)));
        let sql = format!("SELECT t.id FROM tickets t WHERE {clause} ORDER BY t.updated_at DESC, t.id DESC LIMIT ?");
        let ids: Vec<i64> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(ticket) = load(conn, id, false)? {
                out.push(ticket);
            }
        }
        Ok(out)
    })
    .await
}

/// Applies a patch; each changed field becomes an event. Returns the ticket as it is now.
pub async fn update(
    db: &Database,
    now: i64,
    viewer: Viewer,
    id: i64,
    patch: TicketPatch,
) -> Result<Ticket, TicketError> {
    let patch = CheckedPatch::of(patch)?;
    db.write(move |conn| update_in(conn, now, viewer, id, patch))
        .await
}

/// A patch whose values were checked (outside the write transaction).
pub(crate) struct CheckedPatch {
    patch: TicketPatch,
    subject: Option<String>,
    tags: Option<Vec<String>>,
    custom: Option<String>,
}

impl CheckedPatch {
    pub(crate) fn of(patch: TicketPatch) -> Result<CheckedPatch, TicketError> {
        Ok(CheckedPatch {
            subject: patch.subject.as_deref().map(subject).transpose()?,
            tags: patch.tags.as_deref().map(tags).transpose()?,
            custom: patch.custom.as_ref().map(custom).transpose()?,
            patch,
        })
    }

    /// Only a new status.
    pub(crate) fn status(status: Status) -> CheckedPatch {
        CheckedPatch {
            patch: TicketPatch {
                status: Some(status),
                ..TicketPatch::default()
            },
            subject: None,
            tags: None,
            custom: None,
        }
    }
}

/// `update` inside the caller's write transaction: each changed field an event, by the
/// viewer, who must see the ticket.
pub(crate) fn update_in(
    conn: &Connection,
    now: i64,
    viewer: Viewer,
    id: i64,
    checked: CheckedPatch,
) -> Result<Ticket, TicketError> {
    let CheckedPatch {
        patch,
        subject,
        tags,
        custom,
    } = checked;
    let actor = Actor::Agent(viewer.user_id);
    {
        if !visible(conn, viewer, id)? {
            return Err(TicketError::NotFound(id));
        }
        let before = load(conn, id, false)?.ok_or(TicketError::NotFound(id))?;
        let mut changed = false;
        let mut set = |field: &str,
                       column: &str,
                       old: Option<String>,
                       new: Option<String>,
                       value: &dyn rusqlite::ToSql|
         -> Result<(), TicketError> {
            if old != new {
                conn.execute(
                    &format!("UPDATE tickets SET {column} = ?2 WHERE id = ?1"),
                    params![id, value],
                )?;
                event(conn, id, now, actor, field, old.as_deref(), new.as_deref())?;
                changed = true;
            }
            Ok(())
        };
        if let Some(subject) = &subject {
            set(
                "subject",
                "subject",
                Some(before.subject.clone()),
                Some(subject.clone()),
                subject,
            )?;
        }
        if let Some(status) = patch.status {
            set(
                "status",
                "status",
                Some(before.status.as_str().into()),
                Some(status.as_str().into()),
                &status.as_str(),
            )?;
        }
        if let Some(priority) = patch.priority {
            set(
                "priority",
                "priority",
                Some(before.priority.as_str().into()),
                Some(priority.as_str().into()),
                &priority.as_str(),
            )?;
        }
        if let Some(assignee) = patch.assignee_id {
            if let Some(user) = assignee {
                check_user(conn, user)?;
            }
            let old = before.assignee.as_ref().map(|a| a.id.to_string());
            set(
                "assignee",
                "assignee_id",
                old,
                assignee.map(|a| a.to_string()),
                &assignee,
            )?;
        }
        if let Some(department) = patch.department_id {
            if let Some(department) = department {
                check_department(conn, department)?;
            }
            let old = before.department.as_ref().map(|d| d.id.to_string());
            set(
                "department",
                "department_id",
                old,
                department.map(|d| d.to_string()),
                &department,
            )?;
        }
        if let Some(custom) = &custom {
            let old = serde_json::to_string(&before.custom).ok();
            set("custom", "custom", old, Some(custom.clone()), custom)?;
        }
        if let Some(tags) = &tags {
            let mut sorted = tags.clone();
            sorted.sort();
            if sorted != before.tags {
                set_tags(conn, id, &sorted)?;
                event(
                    conn,
                    id,
                    now,
                    actor,
                    "tags",
                    Some(&before.tags.join(",")),
                    Some(&sorted.join(",")),
                )?;
                changed = true;
            }
        }
        if subject.as_ref().is_some_and(|s| *s != before.subject) {
            crate::search::queue_ticket(conn, id)?;
        }
        if changed {
            touch(conn, id, now)?;
        }
        load(conn, id, true)?.ok_or(TicketError::NotFound(id))
    }
}

/// A message whose author may write its kind, with its text cleaned.
pub(crate) struct CheckedMessage {
    kind: MessageKind,
    text: String,
    actor: Actor,
    /// Set by `mailed`: who a reply's mail to the customer is from.
    mail: Option<crate::mail::Identity>,
}

impl CheckedMessage {
    /// An agent's reply also goes to the customer by mail, queued in the same commit
    /// (`reply_mail`). Notes, customers' messages and chat tickets send nothing.
    pub(crate) fn mailed(mut self, identity: crate::mail::Identity) -> CheckedMessage {
        self.mail = Some(identity);
        self
    }
}

/// Checks `new` from `actor`: the text and whether they may write that kind.
pub(crate) fn checked_message(
    new: NewMessage,
    actor: Actor,
) -> Result<CheckedMessage, TicketError> {
    let text = body(&new.body)?;
    let kind = new.kind;
    match (kind, actor) {
        (MessageKind::Customer, Actor::Contact(_))
        | (MessageKind::Reply | MessageKind::Note, Actor::Agent(_)) => {}
        (MessageKind::Customer, _) => {
            return Err(TicketError::Invalid(
                "agents write `reply` or `note` messages".into(),
            ));
        }
        _ => {
            return Err(TicketError::Invalid(
                "customers write `customer` messages".into(),
            ));
        }
    }
    Ok(CheckedMessage {
        kind,
        text,
        actor,
        mail: None,
    })
}

/// Adds a message to the thread. A customer's message reopens a pending or resolved
/// ticket; an agent's first reply opens a new one.
pub async fn add_message(
    db: &Database,
    now: i64,
    viewer: Option<Viewer>,
    id: i64,
    new: NewMessage,
    actor: Actor,
    idempotency: Option<Idempotency>,
) -> Result<Message, TicketError> {
    add_checked(
        db,
        now,
        viewer,
        id,
        checked_message(new, actor)?,
        idempotency,
    )
    .await
}

/// `add_message`, and an agent's reply is also mailed to the customer (`mailed`) in the
/// same commit; the caller rings `MailHub::queued` after it.
#[allow(clippy::too_many_arguments)]
pub async fn add_message_mailed(
    db: &Database,
    now: i64,
    viewer: Option<Viewer>,
    id: i64,
    new: NewMessage,
    actor: Actor,
    idempotency: Option<Idempotency>,
    identity: crate::mail::Identity,
) -> Result<Message, TicketError> {
    let message = checked_message(new, actor)?.mailed(identity);
    add_checked(db, now, viewer, id, message, idempotency).await
}

async fn add_checked(
    db: &Database,
    now: i64,
    viewer: Option<Viewer>,
    id: i64,
    message: CheckedMessage,
    idempotency: Option<Idempotency>,
) -> Result<Message, TicketError> {
    db.write(move |conn| {
        let idempotency = idempotency.as_ref();
        insert_message(
            conn,
            now,
            viewer,
            id,
            &message,
            idempotency,
            Reindex::AtCommit,
        )
    })
    .await
}

/// When a new message reaches the search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reindex {
    /// Before the commit: searchable as soon as it is saved.
    AtCommit,
    /// Within seconds (`search::queue_ticket_soon`): a live chat's messages.
    Soon,
}

/// In a write transaction: `add_message` after its checks (`checked_message`), for callers
/// that write more in the same commit (a reply and its files).
pub(crate) fn insert_message(
    conn: &Connection,
    now: i64,
    viewer: Option<Viewer>,
    id: i64,
    message: &CheckedMessage,
    idempotency: Option<&Idempotency>,
    search: Reindex,
) -> Result<Message, TicketError> {
    let CheckedMessage {
        kind,
        text,
        actor,
        mail,
    } = message;
    let (kind, actor) = (*kind, *actor);
    if let Some(viewer) = viewer {
        if !visible(conn, viewer, id)? {
            return Err(TicketError::NotFound(id));
        }
    }
    // A contact writes only on their own tickets.
    if let Actor::Contact(contact) = actor {
        if !customer_sees(conn, contact, id)? {
            return Err(TicketError::NotFound(id));
        }
    }
    if let Some(idem) = &idempotency {
        if let Some(message_id) = replayed(conn, idem)? {
            return one_message(conn, id, message_id)?.ok_or(TicketError::NotFound(id));
        }
    }
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM tickets WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let status = status
        .and_then(|s| Status::parse(&s))
        .ok_or(TicketError::NotFound(id))?;
    let contact = match actor {
        Actor::Contact(contact) => Some(contact),
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO messages (ticket_id, kind, author_user_id, author_contact_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, kind.as_str(), actor.user_id(), contact, text, now])?;
    let message_id = conn.last_insert_rowid();
    if let (MessageKind::Reply, Some(identity)) = (kind, mail) {
        reply_mail::queue(conn, now, identity, id, text)?;
    }
    match search {
        Reindex::AtCommit => crate::search::queue_ticket(conn, id)?,
        Reindex::Soon => crate::search::queue_ticket_soon(conn, id)?,
    }
    let next = match (kind, status) {
        (MessageKind::Customer, Status::Pending | Status::Resolved) => Some(Status::Open),
        (MessageKind::Reply, Status::New) => Some(Status::Open),
        _ => None,
    };
    if let Some(next) = next {
        conn.prepare_cached("UPDATE tickets SET status = ?2 WHERE id = ?1")?
            .execute(params![id, next.as_str()])?;
        event(
            conn,
            id,
            now,
            actor,
            "status",
            Some(status.as_str()),
            Some(next.as_str()),
        )?;
    }
    touch(conn, id, now)?;
    if let Some(idem) = &idempotency {
        remember(conn, idem, message_id, now)?;
    }
    one_message(conn, id, message_id)?.ok_or(TicketError::NotFound(id))
}
