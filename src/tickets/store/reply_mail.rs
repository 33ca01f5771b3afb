//! An agent's reply goes to the customer by mail, queued in the commit that stores the
//! reply: the reply is never saved without its mail, nor mailed without being saved.

use rusqlite::{Connection, OptionalExtension};

use crate::mail::Identity;
use crate::mail::outbox::{self, OutboxError, Outgoing};
use crate::tickets::TicketError;

/// Under every mailed reply: how the customer answers so that it lands on the ticket.
const FOOTER: &str = "Reply to this email to answer; please keep the ticket code in the subject.";

/// In the reply's write transaction: queues the mail of `text` to ticket `ticket`'s contact,
/// unless the ticket is a chat (the visitor read the reply there) or the contact has no
/// usable address. Returns whether a mail was queued.
pub(super) fn queue(
    conn: &Connection,
    now: i64,
    identity: &Identity,
    ticket: i64,
    text: &str,
) -> Result<bool, TicketError> {
    let row: Option<(String, String, String, i64)> = conn
        .prepare_cached("SELECT code, subject, channel, contact_id FROM tickets WHERE id = ?1")?
        .query_row([ticket], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((code, subject, channel, contact)) = row else {
        return Ok(false);
    };
    if channel == "chat" {
        return Ok(false);
    }
    let Some(to) = crate::contacts::mailbox(conn, contact)? else {
        return Ok(false);
    };
    let mail = Outgoing {
        ticket: Some((ticket, code.clone())),
        to,
        subject: reply_subject(&code, &subject),
        text: format!("{}\n\n-- \n[{code}] {FOOTER}\n", text.trim_end()),
        // The customer's mail client threads our answer under their last mail; the code in
        // our own Message-ID and subject is what brings their answer back to the ticket.
        references: last_received(conn, ticket)?.into_iter().collect(),
        automatic: false,
    };
    outbox::enqueue(conn, now, identity, &mail).map_err(|e| match e {
        OutboxError::Store(e) => TicketError::from(e),
        OutboxError::Build(e) => TicketError::Invalid(format!("the reply's mail: {e}")),
    })?;
    Ok(true)
}

/// The Message-ID (with angle brackets) of the newest mail that reached this ticket, as
/// `mail::inbound` remembers them (30 days). One that would not make a clean header is
/// left out: it came from outside.
fn last_received(conn: &Connection, ticket: i64) -> Result<Option<String>, rusqlite::Error> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT message_id FROM mail_received WHERE ticket_id = ?1
             ORDER BY received_at DESC, rowid DESC LIMIT 1",
        )?
        .query_row([ticket], |r| r.get(0))
        .optional()?;
    Ok(id
        .filter(|id| {
            id.len() <= 250
                && id.contains('@')
                && id
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
        })
        .map(|id| format!("<{id}>")))
}

/// `Re: [CODE] subject`, with any `Re:`/`Aw:`/`Fwd:` and `[CODE]` the subject already
/// starts with taken off first, so a long thread does not stack them.
pub fn reply_subject(code: &str, subject: &str) -> String {
    let tag = format!("[{code}]");
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let prefix = ["re:", "aw:", "fwd:", "fw:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(**p))
            .map(|p| p.len())
            .or_else(|| {
                lower
                    .starts_with(&tag.to_ascii_lowercase())
                    .then_some(tag.len())
            });
        match prefix {
            Some(len) => rest = rest[len..].trim_start(),
            None => break,
        }
    }
    if rest.is_empty() {
        format!("Re: {tag}")
    } else {
        format!("Re: {tag} {rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::reply_subject;
    use crate::auth::users::account_with_agent;
    use crate::store::{Database, StoreError};
    use crate::tickets::{
        Actor, Channel, Idempotency, MessageKind, NewContactRef, NewMessage, NewTicket, Viewer,
        add_message_mailed, create,
    };

    fn identity() -> crate::mail::Identity {
        crate::mail::Identity {
            from: "Acme Support <support@acme.example>".parse().unwrap(),
            domain: "desk.acme.example".into(),
        }
    }

    async fn outbox(db: &Database) -> Vec<(i64, String)> {
        db.read(|conn| -> Result<_, StoreError> {
            let mut rows =
                conn.prepare("SELECT ticket_id, recipient FROM mail_outbox ORDER BY id")?;
            let rows = rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_reply_is_queued_once_with_its_message_and_a_note_or_chat_reply_not_at_all() {
        let (_dir, db, agent) = account_with_agent().await;
        let actor = Actor::Agent(agent.id);
        let viewer = Some(Viewer::of(&agent));
        let ticket = |channel| NewTicket {
            subject: "Printer".into(),
            message: "It jams.".into(),
            contact: NewContactRef {
                email: "cara@x.example".into(),
                name: "Cara".into(),
            },
            channel,
            priority: None,
            tags: Vec::new(),
            department_id: None,
            assignee_id: None,
            custom: Default::default(),
        };
        let (mail, _) = create(&db, 1, "acme", ticket(Channel::Email), actor, None)
            .await
            .unwrap();
        let (chat, _) = create(&db, 1, "acme", ticket(Channel::Chat), actor, None)
            .await
            .unwrap();
        let say = |kind, body: &str| NewMessage {
            kind,
            body: body.into(),
        };
        let key = || {
            Some(Idempotency {
                user_id: agent.id,
                route: "tickets.message",
                key: "k1".into(),
                request: b"same".to_vec(),
            })
        };
        let add = |id, message, idempotency| {
            add_message_mailed(&db, 2, viewer, id, message, actor, idempotency, identity())
        };
        add(mail.id, say(MessageKind::Note, "internal"), None)
            .await
            .unwrap();
        add(chat.id, say(MessageKind::Reply, "in the chat"), None)
            .await
            .unwrap();
        assert!(outbox(&db).await.is_empty());
        // A retried request with the same key is the same reply: one mail.
        for _ in 0..2 {
            add(mail.id, say(MessageKind::Reply, "On it."), key())
                .await
                .unwrap();
        }
        assert_eq!(outbox(&db).await, [(mail.id, "cara@x.example".to_string())]);

        // A reply after the customer's mail answers it (In-Reply-To, References); an id
        // that would break the header is left out.
        remember(&db, mail.id, "first@mail.example", 3)
            .await
            .unwrap();
        remember(&db, mail.id, "second@mail.example", 4)
            .await
            .unwrap();
        add(mail.id, say(MessageKind::Reply, "Answered."), None)
            .await
            .unwrap();
        let answered = last_message(&db).await;
        assert_eq!(
            answered.in_reply_to().as_text(),
            Some("second@mail.example")
        );
        remember(&db, mail.id, "bad id>@x", 5).await.unwrap();
        add(mail.id, say(MessageKind::Reply, "Again."), None)
            .await
            .unwrap();
        assert!(last_message(&db).await.in_reply_to().is_empty());
    }

    async fn remember(
        db: &Database,
        ticket: i64,
        id: &'static str,
        at: i64,
    ) -> Result<(), StoreError> {
        db.write(move |conn| -> Result<(), StoreError> {
            conn.execute(
                "INSERT INTO mail_received (message_id, ticket_id, received_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![id, ticket, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn last_message(db: &Database) -> mail_parser::Message<'static> {
        let raw: Vec<u8> = db
            .read(|conn| -> Result<_, StoreError> {
                Ok(conn.query_row(
                    "SELECT message FROM mail_outbox ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        mail_parser::MessageParser::default()
            .parse(&raw)
            .unwrap()
            .into_owned()
    }

    #[test]
    fn reply_subjects_do_not_stack() {
        let code = "ACME-4F7K2";
        assert_eq!(
            reply_subject(code, "Printer on fire"),
            "Re: [ACME-4F7K2] Printer on fire"
        );
        assert_eq!(
            reply_subject(code, "RE: [acme-4f7k2] Re: AW: Printer on fire"),
            "Re: [ACME-4F7K2] Printer on fire"
        );
        assert_eq!(
            reply_subject(code, "Re: [ACME-4F7K2]  Größe "),
            "Re: [ACME-4F7K2] Größe"
        );
        assert_eq!(reply_subject(code, "Re:"), "Re: [ACME-4F7K2]");
        // Another ticket's code is part of the subject, not ours to remove.
        assert_eq!(
            reply_subject(code, "[ACME-9ZZZZ] old"),
            "Re: [ACME-4F7K2] [ACME-9ZZZZ] old"
        );
    }
}
