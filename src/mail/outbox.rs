//! The outbox: mail queued inside the commit that caused it.

use lettre::message::{Mailbox, header};
use rand::Rng;
use rusqlite::{Connection, params};

use super::Identity;

/// One mail to send, in our terms; `enqueue` makes it an RFC 5322 message.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The ticket it is about (id and code): the code goes in the Message-ID so a reply
    /// finds the ticket, and deleting the ticket deletes its queued mail.
    pub ticket: Option<(i64, String)>,
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    /// Message-IDs (with angle brackets) this answers, oldest first.
    pub references: Vec<String>,
    /// `Auto-Submitted: auto-generated` (RFC 3834) for mail no person wrote, such as login
    /// links, so that vacation responders do not answer it.
    pub automatic: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("the mail could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error(transparent)]
    Store(#[from] rusqlite::Error),
}

/// A new Message-ID in our domain, carrying the ticket's code when there is one.
pub fn message_id(identity: &Identity, ticket_code: Option<&str>) -> String {
    let nonce: u64 = rand::thread_rng().r#gen();
    match ticket_code {
        Some(code) => format!("<{code}.{nonce:016x}@{}>", identity.domain),
        None => format!("<{nonce:016x}@{}>", identity.domain),
    }
}

/// Builds the message and queues it, due now, in the caller's transaction. Returns the
/// outbox row id.
pub fn enqueue(
    conn: &Connection,
    now: i64,
    identity: &Identity,
    mail: &Outgoing,
) -> Result<i64, OutboxError> {
    let code = mail.ticket.as_ref().map(|(_, code)| code.as_str());
    let mut builder = lettre::Message::builder()
        .from(identity.from.clone())
        .to(mail.to.clone())
        .subject(mail.subject.clone())
        .message_id(Some(message_id(identity, code)))
        .header(header::ContentType::TEXT_PLAIN);
    if let Some(last) = mail.references.last() {
        builder = builder
            .in_reply_to(last.clone())
            .references(mail.references.join(" "));
    }
    if mail.automatic {
        builder = builder.header(AutoSubmitted);
    }
    let message = builder.body(mail.text.clone())?;
    conn.prepare_cached(
        "INSERT INTO mail_outbox (ticket_id, recipient, message, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![
        mail.ticket.as_ref().map(|(id, _)| *id),
        mail.to.email.to_string(),
        message.formatted(),
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// `Auto-Submitted: auto-generated`.
#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            from: "Acme Support <support@acme.example>".parse().unwrap(),
            domain: "desk.acme.example".into(),
        }
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE tickets (id INTEGER PRIMARY KEY);
             INSERT INTO tickets (id) VALUES (7);",
        )
        .unwrap();
        conn.execute_batch(crate::store::schema::MAIL).unwrap();
        conn
    }

    #[test]
    fn a_queued_mail_is_a_whole_message_naming_its_ticket() {
        let conn = table();
        let mail = Outgoing {
            ticket: Some((7, "ACME-4F7K2".into())),
            to: "Jana Nováková <jana@example.cz>".parse().unwrap(),
            subject: "Re: [ACME-4F7K2] Größe der Datei".into(),
            text: "Dobrý den,\nhotovo.\n".into(),
            references: vec!["<first@example.cz>".into(), "<second@example.cz>".into()],
            automatic: false,
        };
        let id = enqueue(&conn, 1_000, &identity(), &mail).unwrap();
        let (recipient, raw, due): (String, Vec<u8>, i64) = conn
            .query_row(
                "SELECT recipient, message, next_attempt_at FROM mail_outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((recipient.as_str(), due), ("jana@example.cz", 1_000));
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Re: [ACME-4F7K2] Größe der Datei"));
        let body = parsed.body_text(0).unwrap().replace("\r\n", "\n");
        assert_eq!(body.trim_end(), "Dobrý den,\nhotovo.");
        let message_id = parsed.message_id().unwrap();
        assert!(message_id.starts_with("ACME-4F7K2."), "{message_id}");
        assert!(message_id.ends_with("@desk.acme.example"), "{message_id}");
        assert_eq!(parsed.in_reply_to().as_text(), Some("second@example.cz"));
        assert!(parsed.header("Auto-Submitted").is_none());
    }

    #[test]
    fn automatic_mail_says_so_and_deleting_the_ticket_drops_its_mail() {
        let conn = table();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let mail = Outgoing {
            ticket: Some((7, "ACME-4F7K2".into())),
            to: "jana@example.cz".parse().unwrap(),
            subject: "Your login link".into(),
            text: "https://desk.acme.example/portal/login/x".into(),
            references: Vec::new(),
            automatic: true,
        };
        let id = enqueue(&conn, 1, &identity(), &mail).unwrap();
        let raw: Vec<u8> = conn
            .query_row("SELECT message FROM mail_outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        let text = String::from_utf8(raw).unwrap();
        assert!(
            text.contains("Auto-Submitted: auto-generated\r\n"),
            "{text}"
        );
        conn.execute("DELETE FROM tickets WHERE id = 7", [])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM mail_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
