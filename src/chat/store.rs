//! The chats' SQL and rules: starting a chat (consent, contact, ticket), messages from
//! either side, accepting, closing, read positions, and reading events back for a resume.
//!
//! Every event of a chat takes the chat's next sequence number in the same transaction
//! that stores it; a message is the ticket's message (`tickets::insert_message`) plus that
//! event, one commit. A client's message id makes a retry a duplicate, answered with the
//! first one's sequence number instead of stored twice.

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::settings::{self, ChatSettings};
use super::{ChatError, ChatStatus, MAX_MESSAGE_CHARS, Side};
use crate::clock::rfc3339;
use crate::contacts;
use crate::store::Database;
use crate::tickets::{
    self, Actor, Idempotency, MessageKind, NewContactRef, NewMessage, Reindex, SpamCheck, Viewer,
};

const MAX_NAME: usize = 200;
const MAX_CLIENT_ID: usize = 64;
const SUBJECT_CHARS: usize = 80;
/// Events read back per query while a connection catches up.
pub const REPLAY_BATCH: u32 = 200;

/// The pre-chat form, as the widget sends it.
#[derive(Debug, Clone, Default)]
pub struct StartForm {
    pub name: String,
    pub email: String,
    pub message: String,
    /// The first message's client id (a retried start with the same one is the same chat).
    pub client_id: String,
    pub consent: bool,
    /// The version of the consent text the visitor was shown (the current one if absent).
    pub consent_version: Option<i64>,
    pub locale: String,
    pub department_id: Option<i64>,
}

/// Who starts a chat: the widget's visitor id and the client's address.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub id: String,
    pub ip: String,
}

/// One numbered event of a chat, as both sides receive it (live and on replay alike).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatEvent {
    pub chat: i64,
    pub seq: i64,
    /// `message`, `agent_joined`, `agent_left` or `closed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub from: Side,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Where a `transferred` chat went: a department's or an agent's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct Started {
    pub chat: i64,
    /// Secret: presented with `resume`; only its SHA-256 is stored.
    pub resume_token: String,
    pub ticket_code: String,
    pub first: ChatEvent,
}

/// A stored message event and whether it was already there (a retried client id).
#[derive(Debug, Clone)]
pub struct Posted {
    pub event: ChatEvent,
    pub duplicate: bool,
}

/// What a connection needs to know about its chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRef {
    pub id: i64,
    pub status: ChatStatus,
    pub ticket_id: Option<i64>,
    pub contact_id: i64,
    pub agent_id: Option<i64>,
    pub last_seq: i64,
    pub visitor_id: String,
}

/// A chat as an agent's list shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatSummary {
    pub id: i64,
    pub status: ChatStatus,
    pub ticket_id: Option<i64>,
    pub ticket_code: Option<String>,
    pub visitor_name: String,
    pub visitor_email: Option<String>,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// The console's agent in this chat: `answering`, `invited`, `joined`, or none (waiting).
    pub involvement: Option<String>,
    pub last_seq: i64,
    pub created_at: String,
}

/// A stored consent: who, which text, when, from where.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConsentRecord {
    pub contact_id: i64,
    pub chat_id: Option<i64>,
    pub locale: String,
    pub version: i64,
    pub text: String,
    pub given_at: String,
    pub ip: String,
}

pub(super) fn invalid(code: &'static str, message: impl Into<String>) -> ChatError {
    ChatError::Invalid(code, message.into())
}

/// A client's id for a message or a visitor: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn client_id(field: &str, text: &str) -> Result<String, ChatError> {
    let ok = !text.is_empty()
        && text.len() <= MAX_CLIENT_ID
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(text.to_string())
    } else {
        Err(invalid(
            "invalid_id",
            format!("`{field}` must be 1 to {MAX_CLIENT_ID} characters of A-Z, a-z, 0-9, _ and -"),
        ))
    }
}

/// A message body: not blank, at most `MAX_MESSAGE_CHARS` characters.
pub fn message_body(text: &str) -> Result<String, ChatError> {
    if text.trim().is_empty() {
        return Err(invalid("empty_message", "a message cannot be empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(invalid(
            "message_too_long",
            format!("a message is at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// The ticket's subject: the first line of the first message, shortened.
pub(crate) fn subject_of(message: &str) -> String {
    titled("Chat", message)
}

/// `prefix: ` and the first line of `message`, shortened (just `prefix` for no text).
pub(super) fn titled(prefix: &str, message: &str) -> String {
    let line: String = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut subject: String = line.chars().take(SUBJECT_CHARS).collect();
    if line.chars().count() > SUBJECT_CHARS {
        subject.push('…');
    }
    if subject.trim().is_empty() {
        prefix.into()
    } else {
        format!("{prefix}: {}", subject.trim())
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The pre-chat form, checked: ids, the message, the name, the widget's language and the
/// consent given (text locale and version).
pub(super) struct CheckedForm {
    pub visitor_id: String,
    pub client_id: String,
    pub message: String,
    pub name: String,
    pub locale: String,
    pub consent: Option<(String, i64)>,
}

pub(super) fn check_form(
    settings: &ChatSettings,
    visitor: &Visitor,
    form: &StartForm,
) -> Result<CheckedForm, ChatError> {
    let visitor_id = client_id("visitor", &visitor.id)?;
    let client_id = client_id("client_id", &form.client_id)?;
    let message = message_body(&form.message)?;
    let name = form.name.trim().to_string();
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(invalid(
            "invalid_name",
            format!("`name` must be at most {MAX_NAME} characters on one line"),
        ));
    }
    let locale = settings::locale(&form.locale);
    let consent = match (form.consent, settings.consent_for(locale)) {
        (true, Some((text_locale, current))) => Some((
            text_locale.to_string(),
            form.consent_version.unwrap_or(current.version),
        )),
        _ => None,
    };
    if settings.consent_required && consent.is_none() {
        return Err(ChatError::ConsentRequired);
    }
    Ok(CheckedForm {
        visitor_id,
        client_id,
        message,
        name,
        locale: locale.to_string(),
        consent,
    })
}

/// Stores that `contact` agreed to the consent text (locale, version) shown to them.
pub(super) fn record_consent(
    conn: &Connection,
    contact: i64,
    chat: Option<i64>,
    (text_locale, version): &(String, i64),
    now: i64,
    ip: &str,
) -> Result<(), ChatError> {
    if !settings::consent_exists(conn, text_locale, *version)? {
        return Err(invalid(
            "unknown_consent_version",
            format!("there is no consent text version {version} for `{text_locale}`"),
        ));
    }
    conn.prepare_cached(
        "INSERT INTO chat_consents (contact_id, chat_id, locale, version, given_at, ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![contact, chat, text_locale, version, now, ip])?;
    Ok(())
}

/// A ticket a contact opens through the widget, made once per idempotency key: a retry
/// finds the ticket made the first time. The tuple: account slug, contact, route, key.
pub(super) async fn open_ticket(
    db: &Database,
    now: i64,
    (account_slug, contact, route, key): (&str, i64, &'static str, String),
    new: tickets::NewTicket,
    spam_check: Option<SpamCheck>,
) -> Result<tickets::Ticket, ChatError> {
    let idempotency = Idempotency {
        user_id: 0,
        route,
        key: key.clone(),
        request: key.into_bytes(),
    };
    let actor = Actor::Contact(contact);
    let judged = tickets::create_judged(
        db,
        now,
        account_slug,
        new,
        actor,
        Some(idempotency),
        spam_check,
    );
    Ok(judged.await?.0)
}

/// Starts a chat from the pre-chat form, in three commits that a retried start (same
/// visitor, same first client id) resumes wherever a crash left them:
/// 1. the contact, the visitor's address and id as sightings, the consent record and the
///    chat row — consent is on disk before the first message is;
/// 2. the ticket with the first message (`tickets::create`, made idempotent by the chat id);
/// 3. the chat linked to its ticket and the first message as event 1.
///
/// `spam_check` is the filter's verdict on the first message (`spam::judge_first_message`):
/// a `spam` one stores the ticket in the quarantine, closes the chat and refuses it.
///
/// The first message is acknowledged (the chat `started`) only after the third commit.
pub async fn start(
    db: &Database,
    now: i64,
    account_slug: &str,
    settings: &ChatSettings,
    visitor: &Visitor,
    form: StartForm,
    spam_check: Option<SpamCheck>,
) -> Result<Started, ChatError> {
    let CheckedForm {
        visitor_id,
        client_id: first_client_id,
        message,
        name,
        locale,
        consent,
    } = check_form(settings, visitor, &form)?;
    let token = new_token();
    let hash = token_hash(&token);
    let (email, ip, department) = (form.email.clone(), visitor.ip.clone(), form.department_id);
    let (contact_name, chat_locale) = (name.clone(), locale.clone());
    let (chat, contact, ticket) = db
        .write(move |conn| -> Result<(i64, i64, Option<i64>), ChatError> {
            let existing: Option<(i64, i64, Option<i64>)> = conn
                .prepare_cached(
                    "SELECT id, contact_id, ticket_id FROM chats
                     WHERE visitor_id = ?1 AND start_client_id = ?2",
                )?
                .query_row(params![visitor_id, first_client_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            if let Some((chat, contact, ticket)) = existing {
                // The same visitor retrying the same start: a new token replaces the old.
                conn.prepare_cached("UPDATE chats SET resume_hash = ?2 WHERE id = ?1")?
                    .execute(params![chat, hash])?;
                return Ok((chat, contact, ticket));
            }
            if let Some(department) = department {
                let exists = conn
                    .prepare_cached("SELECT 1 FROM departments WHERE id = ?1")?
                    .exists([department])?;
                if !exists {
                    return Err(invalid(
                        "invalid_department",
                        format!("no department with id {department}"),
                    ));
                }
            }
            let contact = contacts::find_or_create_by_email(conn, &email, &contact_name, now)?;
            contacts::note_sighting(conn, contact, "ip", &ip, now)?;
            contacts::note_sighting(conn, contact, "visitor", &visitor_id, now)?;
            conn.prepare_cached(
                "INSERT INTO chats (contact_id, visitor_id, start_client_id, resume_hash, status,
                                    department_id, locale, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7)",
            )?
            .execute(params![
                contact,
                visitor_id,
                first_client_id,
                hash,
                department,
                chat_locale,
                now
            ])?;
            let chat = conn.last_insert_rowid();
            if let Some(consent) = &consent {
                record_consent(conn, contact, Some(chat), consent, now, &ip)?;
            }
            Ok((chat, contact, None))
        })
        .await?;
    let ticket = match ticket {
        Some(ticket) => ticket,
        None => {
            let new = tickets::NewTicket {
                subject: subject_of(&message),
                message,
                contact: NewContactRef {
                    email: form.email,
                    name,
                },
                channel: tickets::Channel::Chat,
                priority: None,
                tags: Vec::new(),
                department_id: form.department_id,
                assignee_id: None,
                custom: Default::default(),
            };
            // Keyed by the chat: a start retried after a crash between the commits finds
            // the ticket made the first time instead of making a second one.
            let key = format!("chat-{chat}");
            let open = (account_slug, contact, "chat.start", key);
            open_ticket(db, now, open, new, spam_check).await?.id
        }
    };
    let first_id = form.client_id;
    let (first, code, quarantined) = db
        .write(
            move |conn| -> Result<(ChatEvent, String, bool), ChatError> {
                conn.prepare_cached(
                    "UPDATE chats SET ticket_id = ?2 WHERE id = ?1 AND ticket_id IS NULL",
                )?
                .execute(params![chat, ticket])?;
                // A first message judged spam put the ticket in the quarantine: the chat ends
                // before any agent is offered it (a retried start finds it so again).
                let quarantined = conn
                    .prepare_cached("SELECT 1 FROM tickets WHERE id = ?1 AND status = 'spam'")?
                    .exists([ticket])?;
                if quarantined {
                    conn.prepare_cached(
                        "UPDATE chats SET status = 'closed', closed_at = coalesce(closed_at, ?2)
                     WHERE id = ?1",
                    )?
                    .execute(params![chat, now])?;
                }
                let seq = match event_by_client(conn, chat, Side::Visitor, &first_id)? {
                    Some(seq) => seq,
                    None => {
                        let message: i64 = conn
                            .prepare_cached("SELECT min(id) FROM messages WHERE ticket_id = ?1")?
                            .query_row([ticket], |r| r.get(0))?;
                        append(
                            conn,
                            chat,
                            "message",
                            Side::Visitor,
                            None,
                            Some(message),
                            Some(&first_id),
                            now,
                        )?
                    }
                };
                let code: String = conn
                    .prepare_cached("SELECT code FROM tickets WHERE id = ?1")?
                    .query_row([ticket], |r| r.get(0))?;
                Ok((one_event(conn, chat, seq)?, code, quarantined))
            },
        )
        .await?;
    if quarantined {
        return Err(ChatError::Refused(
            "this message was not accepted; please write to us another way".into(),
        ));
    }
    Ok(Started {
        chat,
        resume_token: token,
        ticket_code: code,
        first,
    })
}

/// The chat a resume token belongs to.
pub async fn by_token(db: &Database, token: &str) -> Result<ChatRef, ChatError> {
    let hash = token_hash(token);
    db.read_now(move |conn| {
        let id: Option<i64> = conn
            .prepare_cached("SELECT id FROM chats WHERE resume_hash = ?1")?
            .query_row([hash], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => chat_ref(conn, id),
            None => Err(ChatError::NotFound),
        }
    })
    .await
}

pub async fn get(db: &Database, chat: i64) -> Result<ChatRef, ChatError> {
    db.read_now(move |conn| chat_ref(conn, chat)).await
}

pub(super) fn chat_ref(conn: &Connection, chat: i64) -> Result<ChatRef, ChatError> {
    conn.prepare_cached(
        "SELECT id, status, ticket_id, contact_id, agent_id, last_seq, visitor_id
         FROM chats WHERE id = ?1",
    )?
    .query_row([chat], |r| {
        Ok(ChatRef {
            id: r.get(0)?,
            status: ChatStatus::parse(&r.get::<_, String>(1)?).unwrap_or(ChatStatus::Closed),
            ticket_id: r.get(2)?,
            contact_id: r.get(3)?,
            agent_id: r.get(4)?,
            last_seq: r.get(5)?,
            visitor_id: r.get(6)?,
        })
    })
    .optional()?
    .ok_or(ChatError::NotFound)
}

fn event_by_client(
    conn: &Connection,
    chat: i64,
    side: Side,
    client_id: &str,
) -> Result<Option<i64>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT seq FROM chat_events WHERE chat_id = ?1 AND side = ?2 AND client_id = ?3",
    )?
    .query_row(params![chat, side.as_str(), client_id], |r| r.get(0))
    .optional()
}

/// Stores the chat's next event; returns its sequence number.
#[allow(clippy::too_many_arguments)]
pub(super) fn append(
    conn: &Connection,
    chat: i64,
    kind: &str,
    side: Side,
    user: Option<i64>,
    message: Option<i64>,
    client_id: Option<&str>,
    now: i64,
) -> Result<i64, rusqlite::Error> {
    let seq: i64 = conn
        .prepare_cached(
            "UPDATE chats SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row([chat], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO chat_events (chat_id, seq, kind, side, user_id, message_id, client_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        chat,
        seq,
        kind,
        side.as_str(),
        user,
        message,
        client_id,
        now
    ])?;
    Ok(seq)
}

/// An agent's event in a chat (`agent_joined`, `agent_left`, `transferred` with `detail`
/// naming where to), stored as the chat's next one and read back as both sides receive it.
pub(super) fn agent_event(
    conn: &Connection,
    chat: i64,
    kind: &str,
    user: i64,
    detail: Option<&str>,
    now: i64,
) -> Result<ChatEvent, ChatError> {
    let seq = append(conn, chat, kind, Side::Agent, Some(user), None, None, now)?;
    if let Some(detail) = detail {
        conn.prepare_cached("UPDATE chat_events SET detail = ?3 WHERE chat_id = ?1 AND seq = ?2")?
            .execute(params![chat, seq, detail])?;
    }
    one_event(conn, chat, seq)
}

fn events(
    conn: &Connection,
    chat: i64,
    after: i64,
    limit: u32,
) -> Result<Vec<ChatEvent>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.seq, e.kind, e.side, e.client_id, e.at, m.body, u.name, c.name, e.detail
         FROM chat_events e
         JOIN chats ch ON ch.id = e.chat_id
         LEFT JOIN messages m ON m.id = e.message_id
         LEFT JOIN users u ON u.id = e.user_id
         LEFT JOIN contacts c ON c.id = ch.contact_id
         WHERE e.chat_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![chat, after, limit], |r| {
        let side = Side::parse(&r.get::<_, String>(2)?);
        let name = match side {
            Side::Agent => Some(
                r.get::<_, Option<String>>(6)?
                    .unwrap_or_else(|| "Agent".into()),
            ),
            Side::Visitor => r.get(7)?,
            Side::System => None,
        };
        Ok(ChatEvent {
            chat,
            seq: r.get(0)?,
            kind: r.get(1)?,
            from: side,
            name,
            body: r.get(5)?,
            client_id: r.get(3)?,
            detail: r.get(8)?,
            at: rfc3339(r.get(4)?),
        })
    })?;
    rows.collect()
}

pub(super) fn one_event(conn: &Connection, chat: i64, seq: i64) -> Result<ChatEvent, ChatError> {
    events(conn, chat, seq - 1, 1)?
        .into_iter()
        .next()
        .ok_or(ChatError::NotFound)
}

/// Events of `chat` after sequence number `after`, at most `limit`, oldest first.
pub async fn events_after(
    db: &Database,
    chat: i64,
    after: i64,
    limit: u32,
) -> Result<Vec<ChatEvent>, ChatError> {
    db.read(move |conn| Ok(events(conn, chat, after, limit)?))
        .await
}

/// A visitor's message: the ticket's next customer message and the chat's next event.
pub async fn visitor_message(
    db: &Database,
    now: i64,
    chat: i64,
    client: &str,
    body: &str,
) -> Result<Posted, ChatError> {
    let client = client_id("client_id", client)?;
    let body = message_body(body)?;
    db.write(move |conn| -> Result<Posted, ChatError> {
        let current = chat_ref(conn, chat)?;
        if let Some(seq) = event_by_client(conn, chat, Side::Visitor, &client)? {
            return Ok(Posted {
                event: one_event(conn, chat, seq)?,
                duplicate: true,
            });
        }
        if current.status == ChatStatus::Closed {
            return Err(ChatError::Closed);
        }
        let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
        let new = NewMessage {
            kind: MessageKind::Customer,
            body,
        };
        let checked = tickets::checked_message(new, Actor::Contact(current.contact_id))?;
        let message =
            tickets::insert_message(conn, now, None, ticket, &checked, None, Reindex::Soon)
                .map_err(|e| match e {
                    // The ticket went to spam or trash: the chat is over for the visitor.
                    tickets::TicketError::NotFound(_) => ChatError::Closed,
                    other => other.into(),
                })?;
        let seq = append(
            conn,
            chat,
            "message",
            Side::Visitor,
            None,
            Some(message.id),
            Some(&client),
            now,
        )?;
        Ok(Posted {
            event: one_event(conn, chat, seq)?,
            duplicate: false,
        })
    })
    .await
}

/// The SQL rule of `tickets` for whether `viewer` may see ticket `ticket`.
pub(super) fn ticket_visible(
    conn: &Connection,
    viewer: Viewer,
    ticket: i64,
) -> Result<bool, ChatError> {
    let sql = format!(
        "SELECT 1 FROM tickets t WHERE t.id = ?1 AND {}",
        tickets::VISIBLE.replace("?R", "?2").replace("?U", "?3")
    );
    let restricted = tickets::restricted(conn, viewer)?;
    Ok(conn
        .prepare_cached(&sql)?
        .exists(params![ticket, restricted, viewer.user_id])?)
}

/// May `viewer` see `chat` (by its ticket and the department rule)?
pub async fn visible_to(db: &Database, viewer: Viewer, chat: i64) -> Result<ChatRef, ChatError> {
    db.read_now(move |conn| {
        let found = chat_ref(conn, chat)?;
        let ticket = found.ticket_id.ok_or(ChatError::NotFound)?;
        if ticket_visible(conn, viewer, ticket)? {
            Ok(found)
        } else {
            Err(ChatError::NotFound)
        }
    })
    .await
}

/// An agent's reply in a chat they accepted: the ticket's next reply and the chat's next event.
pub async fn agent_message(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
    client: &str,
    body: &str,
) -> Result<Posted, ChatError> {
    let client = client_id("client_id", client)?;
    let body = message_body(body)?;
    db.write(move |conn| -> Result<Posted, ChatError> {
        let current = chat_ref(conn, chat)?;
        if let Some(seq) = event_by_client(conn, chat, Side::Agent, &client)? {
            return Ok(Posted {
                event: one_event(conn, chat, seq)?,
                duplicate: true,
            });
        }
        match current.status {
            ChatStatus::Closed => return Err(ChatError::Closed),
            ChatStatus::Waiting => {
                return Err(invalid(
                    "not_accepted",
                    "accept the chat before writing in it",
                ));
            }
            ChatStatus::Active
                if current.agent_id != Some(viewer.user_id)
                    && !super::handover::joined(conn, chat, viewer.user_id)? =>
            {
                return Err(invalid("not_your_chat", "another agent answers this chat"));
            }
            ChatStatus::Active => {}
        }
        let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
        let new = NewMessage {
            kind: MessageKind::Reply,
            body,
        };
        let checked = tickets::checked_message(new, Actor::Agent(viewer.user_id))?;
        let message = tickets::insert_message(
            conn,
            now,
            Some(viewer),
            ticket,
            &checked,
            None,
            Reindex::Soon,
        )?;
        let seq = append(
            conn,
            chat,
            "message",
            Side::Agent,
            Some(viewer.user_id),
            Some(message.id),
            Some(&client),
            now,
        )?;
        Ok(Posted {
            event: one_event(conn, chat, seq)?,
            duplicate: false,
        })
    })
    .await
}

/// An agent takes a waiting chat: it becomes active, theirs, its ticket is assigned to them
/// (an event in the ticket's history), and the visitor is told who joined — one commit.
/// Returns the `agent_joined` event and the chat's ticket.
pub async fn accept(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
) -> Result<(ChatEvent, i64), ChatError> {
    db.write(move |conn| -> Result<(ChatEvent, i64), ChatError> {
        let current = chat_ref(conn, chat)?;
        let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
        if !ticket_visible(conn, viewer, ticket)? {
            return Err(ChatError::NotFound);
        }
        match current.status {
            ChatStatus::Closed => return Err(ChatError::Closed),
            ChatStatus::Active => {
                return Err(invalid(
                    "already_accepted",
                    "an agent answers this chat already",
                ));
            }
            ChatStatus::Waiting => {}
        }
        super::handover::check_limit(conn, viewer.user_id)?;
        conn.prepare_cached(
            "UPDATE chats SET status = 'active', agent_id = ?2, accepted_at = ?3 WHERE id = ?1",
        )?
        .execute(params![chat, viewer.user_id, now])?;
        super::handover::note_assignment(conn, viewer.user_id, now)?;
        let assign = tickets::TicketPatch {
            assignee_id: Some(Some(viewer.user_id)),
            ..Default::default()
        };
        tickets::update_in(
            conn,
            now,
            viewer,
            ticket,
            tickets::CheckedPatch::of(assign)?,
        )?;
        let joined = agent_event(conn, chat, "agent_joined", viewer.user_id, None, now)?;
        Ok((joined, ticket))
    })
    .await
}

/// Who ends a chat.
#[derive(Debug, Clone, Copy)]
pub enum Closer {
    Visitor,
    Agent(Viewer),
}

/// Ends a chat. `None` when it was closed already (closing twice is not an error).
pub async fn close(
    db: &Database,
    now: i64,
    chat: i64,
    by: Closer,
) -> Result<Option<ChatEvent>, ChatError> {
    db.write(move |conn| -> Result<Option<ChatEvent>, ChatError> {
        let current = chat_ref(conn, chat)?;
        let (side, user) = match by {
            Closer::Visitor => (Side::Visitor, None),
            Closer::Agent(viewer) => {
                let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
                if !ticket_visible(conn, viewer, ticket)? {
                    return Err(ChatError::NotFound);
                }
                (Side::Agent, Some(viewer.user_id))
            }
        };
        if current.status == ChatStatus::Closed {
            return Ok(None);
        }
        conn.prepare_cached("UPDATE chats SET status = 'closed', closed_at = ?2 WHERE id = ?1")?
            .execute(params![chat, now])?;
        // The chat's words were left to the backlog's sweep while it ran; at its end they
        // are searchable with this commit.
        if let Some(ticket) = current.ticket_id {
            crate::search::queue_ticket(conn, ticket)?;
        }
        let seq = append(conn, chat, "closed", side, user, None, None, now)?;
        Ok(Some(one_event(conn, chat, seq)?))
    })
    .await
}

/// Remembers how far a side has read (never moving back).
pub async fn mark_read(db: &Database, chat: i64, side: Side, seq: i64) -> Result<(), ChatError> {
    let column = match side {
        Side::Visitor => "visitor_read_seq",
        Side::Agent => "agent_read_seq",
        Side::System => return Ok(()),
    };
    let sql = format!("UPDATE chats SET {column} = max({column}, min(?2, last_seq)) WHERE id = ?1");
    db.write(move |conn| -> Result<(), ChatError> {
        conn.prepare_cached(&sql)?.execute(params![chat, seq])?;
        Ok(())
    })
    .await
}

/// A waiting chat's place in its department's queue (1: next); `None` once it is not
/// waiting any more.
pub async fn queue_position(db: &Database, chat: i64) -> Result<Option<i64>, ChatError> {
    db.read_now(move |conn| -> Result<Option<i64>, ChatError> {
        let position: Option<i64> = conn
            .prepare_cached(
                "SELECT 1 + (SELECT count(*) FROM chats o
                             WHERE o.status = 'waiting' AND o.ticket_id IS NOT NULL
                               AND o.department_id IS c.department_id
                               AND (o.created_at < c.created_at
                                    OR (o.created_at = c.created_at AND o.id < c.id)))
                 FROM chats c WHERE c.id = ?1 AND c.status = 'waiting'",
            )?
            .query_row([chat], |r| r.get(0))
            .optional()?;
        Ok(position)
    })
    .await
}

/// The chats an agent's console lists: every waiting one they may see, and their own
/// active ones, oldest first.
pub async fn console_list(db: &Database, viewer: Viewer) -> Result<Vec<ChatSummary>, ChatError> {
    db.read(move |conn| -> Result<Vec<ChatSummary>, ChatError> {
        let restricted = tickets::restricted(conn, viewer)?;
        let sql = format!(
            "SELECT ch.id, ch.status, ch.ticket_id, t.code, c.name,
                    (SELECT min(email) FROM contact_emails WHERE contact_id = c.id),
                    ch.department_id, ch.agent_id, ch.last_seq, ch.created_at,
                    CASE WHEN ch.agent_id = ?3 THEN 'answering'
                         WHEN p.joined_at IS NOT NULL THEN 'joined'
                         WHEN p.user_id IS NOT NULL THEN 'invited' END
             FROM chats ch JOIN tickets t ON t.id = ch.ticket_id
                           JOIN contacts c ON c.id = ch.contact_id
                           LEFT JOIN chat_participants p
                                  ON p.chat_id = ch.id AND p.user_id = ?3 AND p.left_at IS NULL
             WHERE (ch.status = 'waiting'
                    OR (ch.status = 'active' AND (ch.agent_id = ?3 OR p.user_id IS NOT NULL)))
               AND {}
             ORDER BY ch.created_at, ch.id LIMIT 500",
            tickets::VISIBLE.replace("?R", "?2").replace("?U", "?3")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![0, restricted, viewer.user_id], |r| {
            Ok(ChatSummary {
                id: r.get(0)?,
                status: ChatStatus::parse(&r.get::<_, String>(1)?).unwrap_or(ChatStatus::Closed),
                ticket_id: r.get(2)?,
                ticket_code: r.get(3)?,
                visitor_name: r.get(4)?,
                visitor_email: r.get(5)?,
                department_id: r.get(6)?,
                agent_id: r.get(7)?,
                involvement: r.get(10)?,
                last_seq: r.get(8)?,
                created_at: rfc3339(r.get(9)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
    .await
}

/// A contact's consent records with the words they agreed to, newest first.
pub async fn consents_of(db: &Database, contact: i64) -> Result<Vec<ConsentRecord>, ChatError> {
    db.read(move |conn| -> Result<Vec<ConsentRecord>, ChatError> {
        let mut stmt = conn.prepare_cached(
            "SELECT k.contact_id, k.chat_id, k.locale, k.version, t.text, k.given_at, k.ip
             FROM chat_consents k
             JOIN chat_consent_texts t ON t.locale = k.locale AND t.version = k.version
             WHERE k.contact_id = ?1 ORDER BY k.given_at DESC, k.id DESC",
        )?;
        let rows = stmt.query_map([contact], |r| {
            Ok(ConsentRecord {
                contact_id: r.get(0)?,
                chat_id: r.get(1)?,
                locale: r.get(2)?,
                version: r.get(3)?,
                text: r.get(4)?,
                given_at: rfc3339(r.get(5)?),
                ip: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
    .await
}
