//! An inbound message becomes a ticket, or a customer's reply on the ticket it answers.
//!
//! A message answers a ticket when its subject or its References/In-Reply-To name the
//! ticket's code (our Message-IDs carry it) *and* it comes from an address of the ticket's
//! contact: anyone else writing with a code in the subject opens a ticket of their own, so
//! a guessed code does not let a stranger write into someone's thread.
//!
//! Everything one message causes (the contact, the ticket or reply, its attachments, and
//! the Message-ID that makes a redelivery harmless) is one commit, and the MTA hears "250"
//! only after it is durable.

use std::sync::Arc;

use mail_parser::{MessageParser, MimeHeaders};
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::attachments::{self, Prepared, Upload, Uploader};
use crate::spam::live::Input;
use crate::store::StoreError;
use crate::tickets::{
    self, Actor, Arrival, Channel, CheckedTicket, MessageKind, NewContactRef, NewMessage,
    NewTicket, SpamCheck, TicketError,
};

/// Inbound Message-IDs are remembered this long: MTAs retry for up to five days.
const REMEMBER_SECS: i64 = 30 * 86_400;
/// Ticket subjects and bodies have limits; mail is cut to fit, with a note, not refused.
const MAX_SUBJECT_CHARS: usize = 500;
const MAX_BODY_BYTES: usize = 1_000_000;

/// What a delivered message became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        ticket_id: i64,
    },
    Replied {
        ticket_id: i64,
    },
    /// The same Message-ID was taken before (the MTA did not hear our answer).
    Duplicate {
        ticket_id: Option<i64>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The message itself is unusable; the MTA bounces it (5xx).
    #[error("{0}")]
    Rejected(String),
    /// Our side failed; the MTA keeps the message and retries (4xx).
    #[error("{0}")]
    Temporary(String),
}

impl From<StoreError> for InboundError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storing an inbound message failed");
        InboundError::Temporary("the message could not be stored; try again later".into())
    }
}

impl From<rusqlite::Error> for InboundError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<TicketError> for InboundError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::Store(e) => e.into(),
            other => InboundError::Rejected(other.to_string()),
        }
    }
}

impl From<attachments::AttachmentError> for InboundError {
    fn from(e: attachments::AttachmentError) -> Self {
        match e {
            attachments::AttachmentError::Store(e) => e.into(),
            other => InboundError::Rejected(other.to_string()),
        }
    }
}

/// The parts of a message a ticket needs.
pub(crate) struct Parsed {
    pub message_id: Option<String>,
    pub from_email: String,
    pub from_name: String,
    pub subject: String,
    pub text: String,
    /// Ticket codes of this account named in the subject, then in the references.
    pub codes: Vec<String>,
    pub files: Vec<Prepared>,
}

/// Parses `raw` (CPU work: call on a blocking thread). `envelope_from` is the sender when
/// the message has no usable From. Attachments over `max_file_bytes` are left out with a
/// note in the text.
pub(crate) fn parse(
    raw: &[u8],
    envelope_from: &str,
    account_slug: &str,
    max_file_bytes: u64,
) -> Result<Parsed, InboundError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| InboundError::Rejected("the message has no headers".into()))?;
    let from = message.from().and_then(|a| a.first());
    let header_email = from.and_then(|a| a.address()).filter(|a| valid_email(a));
    let from_email = header_email
        .or(Some(envelope_from).filter(|a| valid_email(a)))
        .ok_or_else(|| InboundError::Rejected("the message has no sender address".into()))?
        .to_lowercase();
    let from_name = from
        .and_then(|a| a.name())
        .map(one_line)
        .unwrap_or_default();
    let subject = message.subject().map(one_line).unwrap_or_default();
    let prefix = tickets::code::prefix(account_slug);
    let mut codes = tickets::code::find_all(&subject, &prefix);
    let ids = message
        .in_reply_to()
        .as_text_list()
        .into_iter()
        .chain(message.references().as_text_list())
        .flatten();
    for id in ids {
        for code in tickets::code::find_all(id, &prefix) {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    let mut text = message
        .body_text(0)
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let mut files = Vec::new();
    for part in message.attachments() {
        let bytes = part.contents();
        let name = part.attachment_name().map(str::to_string);
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() as u64 > max_file_bytes {
            let shown = name.as_deref().unwrap_or("(unnamed)");
            text.push_str(&format!(
                "\n\n[The attachment \"{shown}\" ({} bytes) is larger than the {max_file_bytes} bytes allowed and was not kept.]",
                bytes.len()
            ));
            continue;
        }
        let declared_type = part
            .content_type()
            .map(|t| match t.subtype() {
                Some(sub) => format!("{}/{}", t.ctype(), sub),
                None => t.ctype().to_string(),
            })
            .unwrap_or_else(|| attachments::OCTET_STREAM.into())
            .to_ascii_lowercase();
        files.push(Prepared::new(Upload {
            ticket_id: 0,
            message_id: None,
            filename: name,
            declared_type,
            bytes: bytes.to_vec(),
            uploader: Uploader::Contact(0),
        }));
    }
    Ok(Parsed {
        message_id: message
            .message_id()
            .map(|id| id.chars().take(500).collect()),
        from_email,
        from_name,
        subject: fit_subject(&subject),
        text: fit_body(text, !files.is_empty()),
        codes,
        files,
    })
}

fn valid_email(address: &str) -> bool {
    let address = address.trim();
    address.len() <= 254
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') || domain == "localhost"
        })
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Header text on one line: folded or control characters become spaces.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|s| !s.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fit_subject(subject: &str) -> String {
    if subject.is_empty() {
        return "(no subject)".into();
    }
    subject.chars().take(MAX_SUBJECT_CHARS).collect()
}

fn fit_body(mut text: String, has_files: bool) -> String {
    if text.trim().is_empty() {
        return if has_files {
            "(attachments only)".into()
        } else {
            "(empty message)".into()
        };
    }
    if text.len() > MAX_BODY_BYTES {
        let note = "\n\n[The message was longer and was cut here.]";
        let mut end = MAX_BODY_BYTES - note.len();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(note);
    }
    text
}

/// Takes `raw`, addressed to `account`: judged by the spam filter, then stored as one commit.
pub async fn deliver(
    state: &AppState,
    account: &RoutedAccount,
    raw: Arc<Vec<u8>>,
    envelope_from: &str,
) -> Result<Outcome, InboundError> {
    let now = state.clock.now_unix();
    let db = state.store.account(&account.id, now).await?;
    let (slug, sender) = (account.slug.clone(), envelope_from.to_string());
    let max_file = state.config.attachment_max_bytes();
    let bytes = raw.clone();
    let parsed = tokio::task::spawn_blocking(move || parse(&bytes, &sender, &slug, max_file))
        .await
        .map_err(|_| InboundError::Temporary("parsing the message failed".into()))??;
    // Judged before the write so the writer never waits for the filter. A reply on a
    // ticket ignores the verdict: its sender is that ticket's customer.
    let spam_check = state
        .spam
        .check(&account.id, &db, Input::Mail(raw.to_vec()))
        .await
        .map(SpamCheck::new);
    let slug = account.slug.clone();
    let outcome = db
        .write(move |conn| store(conn, now, &slug, parsed, spam_check))
        .await?;
    if let Outcome::Created { ticket_id } = outcome {
        crate::search::index_soon(&db, ticket_id);
    }
    Ok(outcome)
}

/// In the write transaction: everything `parsed` causes.
fn store(
    conn: &Connection,
    now: i64,
    account_slug: &str,
    parsed: Parsed,
    spam_check: Option<SpamCheck>,
) -> Result<Outcome, InboundError> {
    if let Some(message_id) = &parsed.message_id {
        let seen: Option<Option<i64>> = conn
            .prepare_cached("SELECT ticket_id FROM mail_received WHERE message_id = ?1")?
            .query_row([message_id], |r| r.get(0))
            .optional()?;
        if let Some(ticket_id) = seen {
            return Ok(Outcome::Duplicate { ticket_id });
        }
    }
    let (ticket_id, message_id, contact, outcome) = match answered(conn, &parsed)? {
        Some((ticket_id, contact)) => {
            let new = NewMessage {
                kind: MessageKind::Customer,
                body: parsed.text.clone(),
            };
            let actor = Actor::Contact(contact);
            let message = tickets::checked_message(new, actor)?;
            let written = tickets::insert_message(
                conn,
                now,
                None,
                ticket_id,
                &message,
                None,
                tickets::Reindex::AtCommit,
            )?;
            (
                ticket_id,
                written.id,
                contact,
                Outcome::Replied { ticket_id },
            )
        }
        None => {
            let new = NewTicket {
                subject: parsed.subject.clone(),
                message: parsed.text.clone(),
                contact: NewContactRef {
                    email: parsed.from_email.clone(),
                    name: parsed.from_name.clone(),
                },
                channel: Channel::Email,
                priority: None,
                tags: Vec::new(),
                department_id: None,
                assignee_id: None,
                custom: Default::default(),
            };
            let checked = CheckedTicket::new(account_slug, new)?;
            let arrival = Arrival {
                ip: None,
                spam_check,
            };
            let (ticket_id, _) = tickets::insert_in(conn, now, &checked, None, None, &arrival)?;
            let (message_id, contact): (i64, i64) = conn
                .prepare_cached(
                    "SELECT m.id, t.contact_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
                     WHERE m.ticket_id = ?1 ORDER BY m.id LIMIT 1",
                )?
                .query_row([ticket_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            (
                ticket_id,
                message_id,
                contact,
                Outcome::Created { ticket_id },
            )
        }
    };
    for mut file in parsed.files {
        file.upload.ticket_id = ticket_id;
        file.upload.message_id = Some(message_id);
        file.upload.uploader = Uploader::Contact(contact);
        attachments::insert(conn, now, &file)?;
    }
    if let Some(id) = &parsed.message_id {
        conn.prepare_cached("DELETE FROM mail_received WHERE received_at < ?1")?
            .execute([now - REMEMBER_SECS])?;
        conn.prepare_cached(
            "INSERT INTO mail_received (message_id, ticket_id, received_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, ticket_id, now])?;
    }
    Ok(outcome)
}

/// The ticket `parsed` answers: one its codes name whose contact has the sender's address.
fn answered(conn: &Connection, parsed: &Parsed) -> Result<Option<(i64, i64)>, rusqlite::Error> {
    let mut find = conn.prepare_cached(
        "SELECT t.id, t.contact_id FROM tickets t
         JOIN contact_emails e ON e.contact_id = t.contact_id
         WHERE t.code = ?1 AND e.email = ?2 COLLATE NOCASE",
    )?;
    for code in &parsed.codes {
        if let Some(found) = find
            .query_row(params![code, parsed.from_email], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Parsed {
        parse(raw.as_bytes(), "envelope@example.org", "acme", 1_000_000).unwrap()
    }

    #[test]
    fn encoded_headers_and_bodies_are_decoded() {
        let p = parsed(
            "From: =?UTF-8?B?xb1sdcWlb3XEjWvDvSBrxa/FiA==?= <Kun@Example.CZ>\r\n\
             Subject: =?ISO-8859-1?Q?Gr=F6=DFe?=\r\n\
             Message-ID: <m1@example.cz>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n\
             P=C5=99=C3=ADli=C5=A1 =C5=BElu=C5=A5ou=C4=8Dk=C3=BD k=C5=AF=C5=88\r\n",
        );
        assert_eq!(p.from_email, "kun@example.cz");
        assert_eq!(p.from_name, "Žluťoučký kůň");
        assert_eq!(p.subject, "Größe");
        assert_eq!(p.text, "Příliš žluťoučký kůň");
        assert_eq!(p.message_id.as_deref(), Some("m1@example.cz"));
        assert!(p.codes.is_empty() && p.files.is_empty());
    }

    #[test]
    fn html_only_mail_becomes_text_and_non_latin_scripts_survive() {
        let p = parsed(
            "From: a@example.jp\r\nSubject: 注文について\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <html><body><p>こんにちは <b>世界</b></p><script>alert(1)</script></body></html>\r\n",
        );
        assert_eq!(p.subject, "注文について");
        assert!(
            p.text.contains("こんにちは") && p.text.contains("世界"),
            "{}",
            p.text
        );
        assert!(!p.text.contains("<b>"), "{}", p.text);
    }

    #[test]
    fn codes_come_from_the_subject_and_our_message_ids() {
        let p = parsed(
            "From: a@example.com\r\nSubject: Re: [ACME-4F7K2] help\r\n\
             In-Reply-To: <ACME-9ZZZZ.00ff@desk.example>\r\n\
             References: <other@x.example> <ACME-4F7K2.01@desk.example>\r\n\r\nhi\r\n",
        );
        assert_eq!(p.codes, vec!["ACME-4F7K2", "ACME-9ZZZZ"]);
    }

    #[test]
    fn the_sender_falls_back_to_the_envelope_and_a_missing_one_is_refused() {
        let p = parsed("Subject: no from\r\n\r\nbody\r\n");
        assert_eq!(p.from_email, "envelope@example.org");
        let refused = parse(b"Subject: x\r\n\r\nbody\r\n", "", "acme", 10);
        assert!(matches!(refused, Err(InboundError::Rejected(_))));
        let refused = parse(b"From: not an address\r\n\r\nbody\r\n", "", "acme", 10);
        assert!(matches!(refused, Err(InboundError::Rejected(_))));
    }

    #[test]
    fn attachments_are_kept_within_the_limit_and_named_when_left_out() {
        let raw = "From: a@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
             --b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"small.png\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
             --b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"big.zip\"\r\n\r\n\
             0123456789012345678901234567890123456789\r\n\
             --b--\r\n";
        let p = parse(raw.as_bytes(), "", "acme", 20).unwrap();
        assert_eq!(p.files.len(), 1);
        assert_eq!(p.files[0].upload.filename.as_deref(), Some("small.png"));
        assert_eq!(p.files[0].upload.declared_type, "image/png");
        assert_eq!(p.files[0].upload.bytes, b"\x89PNG\r\n\x1a\n");
        assert!(p.text.starts_with("see attached"), "{}", p.text);
        assert!(p.text.contains("\"big.zip\""), "{}", p.text);
    }

    #[test]
    fn empty_long_and_odd_mail_fits_a_ticket() {
        let p = parsed("From: a@example.com\r\nSubject: \t\r\n\r\n\r\n");
        assert_eq!(
            (p.subject.as_str(), p.text.as_str()),
            ("(no subject)", "(empty message)")
        );
        let long = format!(
            "From: a@example.com\r\nSubject: {}\r\n\r\n{}\r\n",
            "s".repeat(900),
            "ž".repeat(600_000)
        );
        let p = parsed(&long);
        assert_eq!(p.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert!(p.text.len() <= MAX_BODY_BYTES, "{}", p.text.len());
        assert!(
            p.text
                .ends_with("[The message was longer and was cut here.]")
        );
        // Not a message at all: no panic, a clear refusal or a best effort.
        for junk in [&b""[..], b"\xff\xfe\x00", b"\r\n\r\n", b"From:\r\n"] {
            let _ = parse(junk, "", "acme", 10);
        }
    }
}
