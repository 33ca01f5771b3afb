//! The transcript by email, against a real account database: what is queued in the outbox
//! (parsed back as a mail client would), and when a request is refused.

use super::store::{self, Closer, StartForm, Visitor};
use super::transcript::{self, Sender, TRANSCRIPT_EVERY};
use super::*;
use crate::auth::users::account_with_agent;
use crate::mail::Identity;
use crate::store::Database;
use crate::tickets::{self, Actor, MessageKind, NewMessage, Viewer};

fn sender() -> Sender {
    Sender {
        identity: Identity {
            from: "Acme Support <support@acme.example>".parse().unwrap(),
            domain: "desk.acme.example".into(),
        },
        account_name: "Acme".into(),
    }
}

fn form(locale: &str) -> StartForm {
    StartForm {
        name: "Vera Visitor".into(),
        email: "vera@visitor.example".into(),
        message: "My order did not arrive.".into(),
        client_id: "m1".into(),
        consent: true,
        consent_version: None,
        locale: locale.into(),
        department_id: None,
    }
}

/// A chat in `locale` with a message from each side, an internal note on its ticket in
/// between, and its end. Returns the chat, its ticket's id and code.
async fn finished_chat(
    db: &Database,
    agent: &crate::auth::users::User,
    locale: &str,
) -> (i64, i64, String) {
    let settings = settings::load(db).await.unwrap();
    let visitor = Visitor {
        id: "visitor-1".into(),
        ip: "203.0.113.9".into(),
    };
    let started = store::start(db, 1_000, "acme", &settings, &visitor, form(locale), None)
        .await
        .unwrap();
    let viewer = Viewer::of(agent);
    let (_, ticket) = store::accept(db, 1_010, viewer, started.chat)
        .await
        .unwrap();
    store::agent_message(
        db,
        1_020,
        viewer,
        started.chat,
        "a1",
        "It left our warehouse.",
    )
    .await
    .unwrap();
    let note = NewMessage {
        kind: MessageKind::Note,
        body: "Internal: customer is a reseller".into(),
    };
    tickets::add_message(
        db,
        1_025,
        Some(viewer),
        ticket,
        note,
        Actor::Agent(agent.id),
        None,
    )
    .await
    .unwrap();
    store::visitor_message(db, 1_030, started.chat, "m2", "Thank you!")
        .await
        .unwrap();
    store::close(db, 1_040, started.chat, Closer::Visitor)
        .await
        .unwrap();
    (started.chat, ticket, started.ticket_code)
}

/// The outbox's rows: recipient and the parsed subject and text of each.
async fn outbox(db: &Database) -> Vec<(String, String, String)> {
    let rows: Vec<(String, Vec<u8>)> = db
        .read_now(|conn| -> Result<_, crate::store::StoreError> {
            let mut stmt =
                conn.prepare("SELECT recipient, message FROM mail_outbox ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    rows.into_iter()
        .map(|(to, raw)| {
            let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let subject = parsed.subject().unwrap_or_default().to_string();
            let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
            assert!(
                parsed.header("Auto-Submitted").is_none(),
                "a transcript is asked for by a person"
            );
            (to, subject, text)
        })
        .collect()
}

#[tokio::test]
async fn the_transcript_is_both_sides_in_order_without_notes_and_once_per_window() {
    let (_dir, db, agent) = account_with_agent().await;
    let (chat, ticket, code) = finished_chat(&db, &agent, "en").await;

    transcript::request(&db, 2_000, sender(), chat)
        .await
        .unwrap();
    let mails = outbox(&db).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, subject, text) = &mails[0];
    assert_eq!(to, "vera@visitor.example");
    assert_eq!(
        subject,
        &format!("Transcript of your chat with Acme [{code}]")
    );
    let order: Vec<usize> = [
        "My order did not arrive.",
        "It left our warehouse.",
        "Thank you!",
    ]
    .iter()
    .map(|m| {
        text.find(m)
            .unwrap_or_else(|| panic!("{m:?} missing from\n{text}"))
    })
    .collect();
    assert!(order.is_sorted(), "messages out of order:\n{text}");
    assert!(
        !text.contains("Internal"),
        "a note reached the visitor:\n{text}"
    );
    assert!(text.contains("Vera Visitor — "), "{text}");
    assert!(text.contains("A — "), "the agent's name:\n{text}");
    assert!(
        text.contains("1 Jan 1970, 00:17 UTC"),
        "message times:\n{text}"
    );

    // Asked again at once: refused with the wait, and nothing more is queued.
    let again = transcript::request(&db, 2_060, sender(), chat).await;
    match again {
        Err(e @ ChatError::TranscriptTooSoon { wait_secs }) => {
            assert_eq!(wait_secs, TRANSCRIPT_EVERY - 60);
            assert_eq!(e.code(), "transcript_too_soon");
            assert_eq!(e.retry_after_ms(), Some(540_000));
        }
        other => panic!("expected transcript_too_soon, got {other:?}"),
    }
    assert_eq!(outbox(&db).await.len(), 1);

    // After the window, one more; the ticket's history shows both, for the agents.
    transcript::request(&db, 2_000 + TRANSCRIPT_EVERY, sender(), chat)
        .await
        .unwrap();
    assert_eq!(outbox(&db).await.len(), 2);
    let shown = tickets::get(&db, Viewer::of(&agent), ticket).await.unwrap();
    let sent: Vec<_> = shown
        .history
        .unwrap()
        .into_iter()
        .filter(|e| e.field == "transcript")
        .map(|e| (e.actor.kind, e.to))
        .collect();
    assert_eq!(sent, vec![("contact", None); 2], "no address kept");
}

#[tokio::test]
async fn the_transcript_speaks_the_chat_language_and_needs_an_address() {
    let (_dir, db, agent) = account_with_agent().await;
    let (chat, _, code) = finished_chat(&db, &agent, "de-AT").await;
    transcript::request(&db, 2_000, sender(), chat)
        .await
        .unwrap();
    let mails = outbox(&db).await;
    assert_eq!(
        mails[0].1,
        format!("Protokoll Ihres Chats mit Acme [{code}]")
    );
    assert!(
        mails[0].2.contains("01.01.1970, 00:17 UTC"),
        "{}",
        mails[0].2
    );

    // The contact's address was removed (edited away, or erased): refused, saying why.
    let contact = store::get(&db, chat).await.unwrap().contact_id;
    db.write(move |conn| -> Result<(), crate::store::StoreError> {
        conn.execute(
            "DELETE FROM contact_emails WHERE contact_id = ?1",
            [contact],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let refused = transcript::request(&db, 9_000, sender(), chat).await;
    match refused {
        Err(e @ ChatError::Invalid("no_email", _)) => {
            assert!(e.to_string().contains("no email address"), "{e}");
        }
        other => panic!("expected no_email, got {other:?}"),
    }
    assert_eq!(outbox(&db).await.len(), 1);
}

#[tokio::test]
async fn an_unknown_chat_has_no_transcript() {
    let (_dir, db, _agent) = account_with_agent().await;
    let missing = transcript::request(&db, 1, sender(), 404).await;
    assert!(matches!(missing, Err(ChatError::NotFound)), "{missing:?}");
}
