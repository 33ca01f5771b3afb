//! The tickets' SQL: creating (with the contact found or made, the first message and the
//! idempotency record in one transaction), reading, listing with filters and a keyset
//! cursor, changing (each change an event), and adding messages.

use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::TicketError;
use crate::auth::users::Role;

mod create;
mod messages;
mod read;
mod reply_mail;
mod update;

pub(crate) use create::{Arrival, CheckedTicket, insert_in};
pub use create::{Idempotency, NewContactRef, NewTicket, create, create_by_contact, create_judged};
pub use messages::{NewMessage, Reindex, add_message, add_message_mailed};
pub(crate) use messages::{checked_message, insert_message};
pub use read::{ListQuery, count, get, get_for_contact, list, list_for_contact};
pub(crate) use read::{RESTRICTED_SETTING, VISIBLE, load, restricted, visible};
pub(crate) use update::{CheckedPatch, update_in};
pub use update::{TicketPatch, update};

const MAX_SUBJECT: usize = 500;
const MAX_BODY: usize = 1_000_000;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 60;

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

/// A field that is present (maybe `null`) deserializes to `Some(..)`; an absent one stays `None`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
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
