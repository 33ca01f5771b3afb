//! Reading tickets: one with its thread, lists and counts, who may see which (agent or customer).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::Viewer;
use crate::auth::users::Role;
use crate::clock::rfc3339;
use crate::contacts;
use crate::store::Database;
use crate::tickets::{
    Author, Channel, Event, Message, MessageKind, Named, Priority, SpamCheck, Status, Ticket,
    TicketError,
};

pub(crate) const RESTRICTED_SETTING: &str = "tickets.departments_restricted";

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
pub(super) fn one_message(
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
pub(super) fn customer_sees(
    conn: &Connection,
    contact: i64,
    id: i64,
) -> Result<bool, rusqlite::Error> {
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
