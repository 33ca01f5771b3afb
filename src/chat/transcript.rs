//! The transcript by email: at the end of a chat (or during it) the visitor asks for the
//! conversation, and it is mailed to the chat's contact.
//!
//! One write job checks the chat, reads its messages, queues the mail in the outbox
//! (`mail::outbox::enqueue`) and notes it in the ticket's history — one commit, so a
//! transcript acknowledged to the visitor is never lost, and the note it leaves is what
//! limits the next one to one per `TRANSCRIPT_EVERY` per chat, across sockets, long polls
//! and restarts alike.

use lettre::message::Mailbox;
use rusqlite::{Connection, OptionalExtension, params};

use super::store::chat_ref;
use super::{ChatError, Side};
use crate::clock::rfc3339;
use crate::i18n::Locale;
use crate::mail::Identity;
use crate::mail::outbox::{self, Outgoing};
use crate::store::Database;

/// At most one transcript per chat in this many seconds: a visitor pressing the button
/// again and again gets one mail, not a mail per press.
pub const TRANSCRIPT_EVERY: i64 = 600;

/// The ticket history's field for a transcript sent.
const HISTORY_FIELD: &str = "transcript";

/// Who the transcript is from and what it is about: fixed per account and request.
#[derive(Debug, Clone)]
pub struct Sender {
    pub identity: Identity,
    /// The account's name, as the subject and the first line say it.
    pub account_name: String,
}

/// One message of the transcript.
struct Line {
    from: Side,
    name: Option<String>,
    body: String,
    at: i64,
}

/// Queues the transcript of `chat` for its contact; returns the outbox row. Refused when
/// the contact has no usable email (`no_email`) or a transcript went out less than
/// `TRANSCRIPT_EVERY` ago (`transcript_too_soon`, with the wait).
pub async fn request(db: &Database, now: i64, sender: Sender, chat: i64) -> Result<i64, ChatError> {
    db.write(move |conn| queue(conn, now, &sender, chat)).await
}

fn queue(conn: &Connection, now: i64, sender: &Sender, chat: i64) -> Result<i64, ChatError> {
    let current = chat_ref(conn, chat)?;
    let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
    let (code, status, locale): (String, String, String) = conn
        .prepare_cached(
            "SELECT t.code, t.status, c.locale FROM tickets t JOIN chats c ON c.ticket_id = t.id
             WHERE t.id = ?1",
        )?
        .query_row([ticket], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or(ChatError::NotFound)?;
    // A quarantined chat was refused to its visitor; its words are not mailed anywhere.
    if status == "spam" {
        return Err(ChatError::NotFound);
    }
    let last: Option<i64> = conn
        .prepare_cached("SELECT max(at) FROM ticket_events WHERE ticket_id = ?1 AND field = ?2")?
        .query_row(params![ticket, HISTORY_FIELD], |r| r.get(0))?;
    if let Some(last) = last {
        let wait = last + TRANSCRIPT_EVERY - now;
        if wait > 0 {
            return Err(ChatError::TranscriptTooSoon { wait_secs: wait });
        }
    }
    let to = recipient(conn, current.contact_id)?;
    let language = Locale::from_tag(&locale).unwrap_or(Locale::ENGLISH);
    let lines = lines(conn, chat)?;
    let account = sender.account_name.as_str();
    let mail = Outgoing {
        ticket: Some((ticket, code.clone())),
        to,
        subject: language.t_with(
            "chat-transcript-subject",
            &[("account", account), ("code", &code)],
        ),
        text: body(language, account, &code, &lines),
        references: Vec::new(),
        // A person asked for it, and it is their conversation: an answer to it (say, a
        // vacation notice) is worth reading, unlike the replies to a login link.
        automatic: false,
    };
    let queued = outbox::enqueue(conn, now, &sender.identity, &mail)?;
    // The history shows agents that the visitor has the conversation by mail, and its
    // time is what the next request is measured against. It names no address: the
    // history outlives an address that is later changed or erased.
    conn.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, at, actor_user_id, actor_kind, field)
         VALUES (?1, ?2, NULL, 'contact', ?3)",
    )?
    .execute(params![ticket, now, HISTORY_FIELD])?;
    Ok(queued)
}

/// The contact's mailbox (`contacts::mailbox`), or the refusal the visitor is told.
fn recipient(conn: &Connection, contact: i64) -> Result<Mailbox, ChatError> {
    crate::contacts::mailbox(conn, contact)?.ok_or_else(|| {
        ChatError::Invalid(
            "no_email",
            "this chat has no email address to send the transcript to".into(),
        )
    })
}

/// The chat's messages, both sides, in their order. Only `message` events count (joins,
/// transfers and the end are not conversation), and only customer and reply messages,
/// so an internal note can never reach the visitor even if one were linked.
fn lines(conn: &Connection, chat: i64) -> Result<Vec<Line>, ChatError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.side, u.name, c.name, m.body, e.at
         FROM chat_events e
         JOIN messages m ON m.id = e.message_id AND m.kind IN ('customer', 'reply')
         JOIN chats ch ON ch.id = e.chat_id
         LEFT JOIN users u ON u.id = e.user_id
         LEFT JOIN contacts c ON c.id = ch.contact_id
         WHERE e.chat_id = ?1 AND e.kind = 'message' ORDER BY e.seq",
    )?;
    let rows = stmt.query_map([chat], |r| {
        let from = Side::parse(&r.get::<_, String>(0)?);
        let name = match from {
            Side::Agent => r.get::<_, Option<String>>(1)?,
            _ => r.get::<_, Option<String>>(2)?,
        };
        Ok(Line {
            from,
            name: name.filter(|n| !n.trim().is_empty()),
            body: r.get(3)?,
            at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The mail's text: a line saying what it is, then each message as "name — time" over
/// its text, then how to go on.
fn body(language: Locale, account: &str, code: &str, lines: &[Line]) -> String {
    let mut text = language.t_with(
        "chat-transcript-intro",
        &[("account", account), ("code", code)],
    );
    text.push_str("\n\n");
    for line in lines {
        let who = match (line.from, &line.name) {
            (_, Some(name)) => name.clone(),
            (Side::Agent, None) => "Agent".to_string(),
            (_, None) => language.t("chat-transcript-you"),
        };
        let at = language.datetime(&rfc3339(line.at));
        text.push_str(&format!("{who} — {at}\n{}\n\n", line.body.trim_end()));
    }
    text.push_str(&language.t("chat-transcript-outro"));
    text.push('\n');
    text
}
