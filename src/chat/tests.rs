use super::settings::{self, SettingsPatch};
use super::store::{self, Closer, StartForm, Visitor};
use super::*;
use crate::auth::users::account_with_agent;
use crate::tickets::{self, Channel, MessageKind, Viewer};

fn form(client_id: &str, consent: bool) -> StartForm {
    StartForm {
        name: "Vera Visitor".into(),
        email: "vera@visitor.example".into(),
        message: "Hello, my order did not arrive.\nCan you check?".into(),
        client_id: client_id.into(),
        consent,
        consent_version: None,
        locale: "de-AT".into(),
        department_id: None,
    }
}

fn visitor() -> Visitor {
    Visitor {
        id: "visitor-1".into(),
        ip: "203.0.113.9".into(),
    }
}

#[tokio::test]
async fn a_chat_is_a_ticket_with_consent_recorded_and_messages_numbered() {
    let (_dir, db, agent) = account_with_agent().await;
    let settings = settings::load(&db).await.unwrap();
    assert!(settings.consent_required, "consent is required by default");

    let refused = store::start(
        &db,
        100,
        "acme",
        &settings,
        &visitor(),
        form("m1", false),
        None,
    )
    .await;
    assert!(
        matches!(refused, Err(ChatError::ConsentRequired)),
        "{refused:?}"
    );

    let started = store::start(
        &db,
        100,
        "acme",
        &settings,
        &visitor(),
        form("m1", true),
        None,
    )
    .await
    .unwrap();
    assert_eq!(started.first.seq, 1);
    assert_eq!(started.first.from, Side::Visitor);
    assert!(started.ticket_code.starts_with("ACME-"));

    // A retried start (same visitor, same first message id) is the same chat and ticket.
    let again = store::start(
        &db,
        101,
        "acme",
        &settings,
        &visitor(),
        form("m1", true),
        None,
    )
    .await
    .unwrap();
    assert_eq!((again.chat, again.first.seq), (started.chat, 1));
    assert_ne!(
        again.resume_token, started.resume_token,
        "a new token replaces the old"
    );
    assert!(store::by_token(&db, &started.resume_token).await.is_err());
    assert_eq!(
        store::by_token(&db, &again.resume_token).await.unwrap().id,
        started.chat
    );

    let chat = store::get(&db, started.chat).await.unwrap();
    let consents = store::consents_of(&db, chat.contact_id).await.unwrap();
    assert_eq!(consents.len(), 1, "{consents:?}");
    assert_eq!(
        (
            consents[0].locale.as_str(),
            consents[0].version,
            consents[0].ip.as_str()
        ),
        ("de", 1, "203.0.113.9")
    );
    assert!(consents[0].text.starts_with("Ich bin einverstanden"));

    let viewer = Viewer::of(&agent);
    // The new chat's ticket is indexed with its first message, like any new ticket; its
    // later words wait for the backlog's sweep, and its end indexes them at once.
    let search = |q: &'static str| {
        let db = db.clone();
        async move {
            let query = crate::search::Search {
                q: Some(q.into()),
                filters: Default::default(),
                limit: 10,
                cursor: None,
            };
            let found = crate::search::find(&db, viewer, query).await.unwrap();
            found.tickets.len()
        }
    };
    assert_eq!(search("order").await, 1, "the first message is searchable");
    let early = store::agent_message(&db, 102, viewer, started.chat, "a1", "Hi").await;
    assert!(
        matches!(early, Err(ChatError::Invalid("not_accepted", _))),
        "{early:?}"
    );
    let (joined, ticket_id) = store::accept(&db, 102, viewer, started.chat).await.unwrap();
    assert_eq!((joined.seq, joined.kind.as_str()), (2, "agent_joined"));
    let reply = store::agent_message(&db, 103, viewer, started.chat, "a1", "Let me look.")
        .await
        .unwrap();
    assert_eq!((reply.event.seq, reply.duplicate), (3, false));
    let second = store::visitor_message(&db, 104, started.chat, "m2", "Thanks!")
        .await
        .unwrap();
    let retried = store::visitor_message(&db, 105, started.chat, "m2", "Thanks!")
        .await
        .unwrap();
    assert_eq!((second.event.seq, retried.event.seq), (4, 4));
    assert!(retried.duplicate, "a retried client id is not stored twice");

    assert_eq!(search("thanks").await, 0, "not reindexed at each message");
    let closed = store::close(&db, 106, started.chat, Closer::Visitor)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(search("thanks").await, 1, "indexed with the chat's end");
    assert_eq!((closed.seq, closed.kind.as_str()), (5, "closed"));
    assert!(
        store::close(&db, 107, started.chat, Closer::Visitor)
            .await
            .unwrap()
            .is_none()
    );
    let late = store::visitor_message(&db, 108, started.chat, "m3", "Hello?").await;
    assert!(matches!(late, Err(ChatError::Closed)), "{late:?}");

    let events = store::events_after(&db, started.chat, 0, 100)
        .await
        .unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        store::events_after(&db, started.chat, 3, 100)
            .await
            .unwrap()
            .len(),
        2
    );

    let ticket = tickets::get(&db, viewer, ticket_id).await.unwrap();
    assert_eq!(ticket.channel, Channel::Chat);
    let thread: Vec<(MessageKind, &str)> = ticket
        .messages
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| (m.kind, m.body.as_str()))
        .collect();
    assert_eq!(
        thread,
        vec![
            (
                MessageKind::Customer,
                "Hello, my order did not arrive.\nCan you check?"
            ),
            (MessageKind::Reply, "Let me look."),
            (MessageKind::Customer, "Thanks!"),
        ]
    );
    assert_eq!(ticket.subject, "Chat: Hello, my order did not arrive.");
    assert_eq!(
        ticket.assignee.as_ref().map(|a| a.id),
        Some(agent.id),
        "accepting assigns the ticket in the same commit"
    );
    let history = ticket.history.as_ref().unwrap();
    assert!(history.iter().any(|e| e.field == "assignee"), "{history:?}");
}

#[tokio::test]
async fn settings_validate_origins_and_version_consent_texts() {
    let (_dir, db, _agent) = account_with_agent().await;
    let bad = SettingsPatch {
        allowed_origins: Some(vec!["https://shop.example/path".into()]),
        ..Default::default()
    };
    let admin = crate::audit::Actor {
        id: None,
        name: "admin@shop.example".into(),
        ip: "127.0.0.1".into(),
    };
    assert!(settings::update(&db, 1, &admin, bad).await.is_err());
    let patch = SettingsPatch {
        allowed_origins: Some(vec![
            "HTTPS://Shop.Example:443/".into(),
            "http://localhost:8080".into(),
        ]),
        consent_texts: Some([("en".to_string(), "New words.".to_string())].into()),
        consent_required: Some(false),
        ..Default::default()
    };
    let now = settings::update(&db, 2, &admin, patch).await.unwrap();
    assert_eq!(
        now.allowed_origins,
        vec!["https://shop.example", "http://localhost:8080"]
    );
    assert!(now.allows_origin("https://shop.example", "help.example"));
    assert!(now.allows_origin("https://help.example:8443", "help.example:8443"));
    assert!(!now.allows_origin("https://evil.example", "help.example"));
    assert!(!now.allows_origin("null", "help.example"));
    assert_eq!(now.consent["en"].version, 2);
    assert_eq!(now.consent["de"].version, 1);
    assert!(!now.consent_required);
    let audited: String = db
        .read(|c| -> Result<String, crate::store::StoreError> {
            Ok(c.query_row(
                "SELECT detail FROM audit_log WHERE action = 'settings.chat'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        audited, "allowed_origins consent_required consent_texts",
        "one audit entry naming what changed; the refused patch left none"
    );

    // Without consent required, a chat starts without consent and records none.
    let started = store::start(&db, 3, "acme", &now, &visitor(), form("x1", false), None)
        .await
        .unwrap();
    let chat = store::get(&db, started.chat).await.unwrap();
    assert!(
        store::consents_of(&db, chat.contact_id)
            .await
            .unwrap()
            .is_empty()
    );
    // A consent version that was never shown is refused.
    let mut unknown = form("x2", true);
    unknown.consent_version = Some(9);
    let refused = store::start(&db, 4, "acme", &now, &visitor(), unknown, None).await;
    assert!(
        matches!(
            refused,
            Err(ChatError::Invalid("unknown_consent_version", _))
        ),
        "{refused:?}"
    );
}

#[test]
fn ids_and_bodies_are_checked() {
    assert!(store::client_id("c", "abc-_09").is_ok());
    assert!(store::client_id("c", "").is_err());
    assert!(store::client_id("c", "a b").is_err());
    assert!(store::client_id("c", &"x".repeat(65)).is_err());
    assert!(store::message_body("  ").is_err());
    assert!(store::message_body(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
    assert!(store::message_body(&"é".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    assert_eq!(settings::locale("pt-BR"), "pt");
    assert_eq!(settings::locale("fr"), "en");
}

#[tokio::test]
async fn a_first_message_judged_spam_is_quarantined_and_the_chat_refused() {
    let (_dir, db, agent) = account_with_agent().await;
    let settings = settings::load(&db).await.unwrap();
    let spam = tickets::SpamCheck {
        verdict: "spam",
        score: 0.99,
    };
    let refused = store::start(
        &db,
        1,
        "acme",
        &settings,
        &visitor(),
        form("s1", true),
        Some(spam),
    )
    .await;
    assert!(matches!(refused, Err(ChatError::Refused(_))), "{refused:?}");
    // Retried, it is refused again, not started.
    let again = store::start(
        &db,
        2,
        "acme",
        &settings,
        &visitor(),
        form("s1", true),
        None,
    )
    .await;
    assert!(matches!(again, Err(ChatError::Refused(_))), "{again:?}");
    let viewer = Viewer::of(&agent);
    assert!(
        store::console_list(&db, viewer).await.unwrap().is_empty(),
        "no agent is offered it"
    );
    let query = tickets::ListQuery {
        statuses: vec![tickets::Status::Spam],
        limit: 10,
        ..Default::default()
    };
    let quarantined = tickets::list(&db, viewer, query).await.unwrap();
    assert_eq!(quarantined.len(), 1, "the ticket waits in the quarantine");
    assert_eq!(quarantined[0].channel, Channel::Chat);
}
