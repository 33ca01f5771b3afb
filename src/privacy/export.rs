//! A contact's data export (GDPR right of access): everything the account holds about one
//! person, read in one snapshot so the profile, consents and tickets agree with each other.
//!
//! Two audiences: `Staff` (owners and admins answering a request, or checking what is held)
//! see everything, internal notes and the tickets' change history included; `Subject` (the
//! person themself, from the portal) gets their personal data without the agents' internal
//! working: no notes, no files attached to notes, no files an agent put on the ticket
//! outside a message (the portal never shows those either), no history. Spam and trash
//! tickets are in
//! both: they are data held about the person until they are purged.
//!
//! Attachments are described (name, type, size, SHA-256), not included: the export stays a
//! single JSON file, and the hash lets the person match a file they have.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::PrivacyError;
use crate::clock::rfc3339;
use crate::contacts::{self, Contact};
use crate::store::Database;

/// The `format` field: a reader can tell the layout of the file, and a change that is not
/// backwards compatible gets a new number.
pub const FORMAT: &str = "helpdeskd-contact-export/1";

/// Who the export is for, and so what it leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Owners and admins: everything.
    Staff,
    /// The person themself: without internal notes and the agents' ticket history.
    Subject,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Staff => "staff",
            Audience::Subject => "subject",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContactExport {
    pub format: &'static str,
    pub exported_at: String,
    pub audience: Audience,
    /// Name, emails, phones, postal address, company, custom fields, created and changed.
    pub contact: Contact,
    /// IP addresses and visitor ids the person was seen with.
    pub sightings: Vec<Sighting>,
    /// Chat consents, newest first.
    pub consents: Vec<Consent>,
    /// Tickets the person is the contact of (chats included: a chat is a ticket), newest
    /// first.
    pub tickets: Vec<TicketExport>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sighting {
    /// `ip` or `visitor`.
    pub kind: String,
    pub value: String,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Consent {
    pub chat_id: Option<i64>,
    /// The language and version of the consent text shown.
    pub locale: String,
    pub version: i64,
    /// The words agreed to, when the text is still stored.
    pub text: Option<String>,
    pub given_at: String,
    pub ip: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TicketExport {
    pub id: i64,
    pub code: String,
    pub subject: String,
    pub channel: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub messages: Vec<MessageExport>,
    /// Files not attached to a particular message.
    pub attachments: Vec<AttachmentMeta>,
    /// Every change of the ticket: for staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventExport>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MessageExport {
    pub id: i64,
    /// `customer`, `reply` or (staff only) `note`.
    #[serde(rename = "type")]
    pub kind: String,
    pub author: Author,
    pub created_at: String,
    pub body: String,
    /// The body is HTML as received, not plain text.
    pub html: bool,
    pub attachments: Vec<AttachmentMeta>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Author {
    /// `contact`, `agent`, `deleted_agent` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttachmentMeta {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventExport {
    pub at: String,
    pub actor: Author,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Contact `id`'s export for `audience`, as of `now`, in one read transaction.
pub async fn contact(
    db: &Database,
    id: i64,
    audience: Audience,
    now: i64,
) -> Result<ContactExport, PrivacyError> {
    db.read(move |conn| -> Result<ContactExport, PrivacyError> {
        gather(conn, id, audience, now)?.ok_or(PrivacyError::NotFound(id))
    })
    .await
}

/// The export read with `conn` (in the caller's transaction); `None` for an unknown contact.
pub(crate) fn gather(
    conn: &Connection,
    id: i64,
    audience: Audience,
    now: i64,
) -> Result<Option<ContactExport>, rusqlite::Error> {
    let Some(contact) = contacts::load(conn, id)? else {
        return Ok(None);
    };
    let ticket_ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM tickets WHERE contact_id = ?1 ORDER BY created_at DESC, id DESC",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut tickets = Vec::with_capacity(ticket_ids.len());
    for ticket in ticket_ids {
        tickets.push(ticket_export(conn, ticket, audience)?);
    }
    Ok(Some(ContactExport {
        format: FORMAT,
        exported_at: rfc3339(now),
        audience,
        contact,
        sightings: sightings(conn, id)?,
        consents: consents(conn, id)?,
        tickets,
    }))
}

fn sightings(conn: &Connection, contact: i64) -> Result<Vec<Sighting>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT kind, value, first_seen, last_seen FROM contact_sightings
         WHERE contact_id = ?1 ORDER BY kind, first_seen, value",
    )?
    .query_map([contact], |r| {
        Ok(Sighting {
            kind: r.get(0)?,
            value: r.get(1)?,
            first_seen: rfc3339(r.get(2)?),
            last_seen: rfc3339(r.get(3)?),
        })
    })?
    .collect()
}

fn consents(conn: &Connection, contact: i64) -> Result<Vec<Consent>, rusqlite::Error> {
    // LEFT JOIN: a record stays in the export even if its text were ever gone.
    conn.prepare_cached(
        "SELECT k.chat_id, k.locale, k.version, t.text, k.given_at, k.ip
         FROM chat_consents k
         LEFT JOIN chat_consent_texts t ON t.locale = k.locale AND t.version = k.version
         WHERE k.contact_id = ?1 ORDER BY k.given_at DESC, k.id DESC",
    )?
    .query_map([contact], |r| {
        Ok(Consent {
            chat_id: r.get(0)?,
            locale: r.get(1)?,
            version: r.get(2)?,
            text: r.get(3)?,
            given_at: rfc3339(r.get(4)?),
            ip: r.get(5)?,
        })
    })?
    .collect()
}

fn ticket_export(
    conn: &Connection,
    id: i64,
    audience: Audience,
) -> Result<TicketExport, rusqlite::Error> {
    let mut ticket = conn
        .prepare_cached(
            "SELECT id, code, subject, channel, status, created_at, updated_at
             FROM tickets WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(TicketExport {
                id: r.get(0)?,
                code: r.get(1)?,
                subject: r.get(2)?,
                channel: r.get(3)?,
                status: r.get(4)?,
                created_at: rfc3339(r.get(5)?),
                updated_at: rfc3339(r.get(6)?),
                messages: Vec::new(),
                attachments: Vec::new(),
                history: None,
            })
        })?;
    ticket.messages = messages(conn, id, audience)?;
    // Files are matched to the messages kept; a file on a left-out note is left out with it.
    for (message_id, by_contact, file) in attachments(conn, id)? {
        match message_id {
            None if audience == Audience::Staff || by_contact => ticket.attachments.push(file),
            None => {}
            Some(m) => {
                if let Some(message) = ticket.messages.iter_mut().find(|x| x.id == m) {
                    message.attachments.push(file);
                }
            }
        }
    }
    if audience == Audience::Staff {
        ticket.history = Some(history(conn, id)?);
    }
    Ok(ticket)
}

/// The author of a message or event as the export names them: the kind and the name, no
/// internal ids (they mean nothing to the reader of the file).
fn author(kind: &str, user: Option<String>, contact: Option<String>) -> Author {
    match (kind, user) {
        ("contact", _) => Author {
            kind: "contact".into(),
            name: contact.unwrap_or_default(),
        },
        ("agent", Some(name)) => Author {
            kind: "agent".into(),
            name,
        },
        ("agent", None) => Author {
            kind: "deleted_agent".into(),
            name: String::new(),
        },
        _ => Author {
            kind: "system".into(),
            name: String::new(),
        },
    }
}

fn messages(
    conn: &Connection,
    ticket: i64,
    audience: Audience,
) -> Result<Vec<MessageExport>, rusqlite::Error> {
    let with_notes = audience == Audience::Staff;
    conn.prepare_cached(
        "SELECT m.id, m.kind, u.name, c.name, m.created_at, m.body, m.is_html
         FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
                         LEFT JOIN contacts c ON c.id = m.author_contact_id
         WHERE m.ticket_id = ?1 AND (?2 OR m.kind != 'note') ORDER BY m.id",
    )?
    .query_map(params![ticket, with_notes], |r| {
        let kind: String = r.get(1)?;
        let by = if kind == "customer" {
            "contact"
        } else {
            "agent"
        };
        Ok(MessageExport {
            id: r.get(0)?,
            author: author(by, r.get(2)?, r.get(3)?),
            kind,
            created_at: rfc3339(r.get(4)?),
            body: r.get(5)?,
            html: r.get::<_, i64>(6)? != 0,
            attachments: Vec::new(),
        })
    })?
    .collect()
}

/// A ticket's files (never their bytes), each with the message it belongs to, if any, and
/// whether a contact uploaded it.
fn attachments(
    conn: &Connection,
    ticket: i64,
) -> Result<Vec<(Option<i64>, bool, AttachmentMeta)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT message_id, uploaded_by_contact_id IS NOT NULL,
                id, filename, content_type, size, sha256, created_at
         FROM attachments WHERE ticket_id = ?1 ORDER BY id",
    )?
    .query_map([ticket], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            AttachmentMeta {
                id: r.get(2)?,
                filename: r.get(3)?,
                content_type: r.get(4)?,
                size: r.get(5)?,
                sha256: r.get(6)?,
                created_at: rfc3339(r.get(7)?),
            },
        ))
    })?
    .collect()
}

fn history(conn: &Connection, ticket: i64) -> Result<Vec<EventExport>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT e.at, e.actor_kind, u.name, e.field, e.old_value, e.new_value
         FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_user_id
         WHERE e.ticket_id = ?1 ORDER BY e.id",
    )?
    .query_map([ticket], |r| {
        let kind: String = r.get(1)?;
        Ok(EventExport {
            at: rfc3339(r.get(0)?),
            actor: author(&kind, r.get(2)?, None),
            field: r.get(3)?,
            from: r.get(4)?,
            to: r.get(5)?,
        })
    })?
    .collect()
}
