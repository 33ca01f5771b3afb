//! Adding messages to a thread: who may write which kind, the insert, the status it reopens.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use super::create::{remember, replayed};
use super::read::{customer_sees, one_message};
use super::{Actor, Idempotency, Viewer, body, event, reply_mail, touch, visible};
use crate::store::Database;
use crate::tickets::{Message, MessageKind, Status, TicketError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    #[serde(rename = "type")]
    pub kind: MessageKind,
    pub body: String,
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
