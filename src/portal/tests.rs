//! The portal's storage rules without HTTP: links work once and only for known emails,
//! sessions expire, the web form's ticket names its contact and notes the address, and a
//! customer reads and writes only their own tickets, without internal notes.

use super::{links, sessions};
use crate::auth::users::account_with_agent;
use crate::store::{Database, StoreError};
use crate::tickets::{
    self, Actor, Channel, MessageKind, NewContactRef, NewMessage, NewTicket, TicketError,
};

fn web_ticket(email: &str, subject: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        message: "It is broken.".into(),
        contact: NewContactRef {
            email: email.into(),
            name: "Cara".into(),
        },
        channel: Channel::Web,
        priority: None,
        tags: vec!["internal-tag".into()],
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    }
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    db.read(move |conn| -> Result<i64, StoreError> { Ok(conn.query_row(sql, [], |r| r.get(0))?) })
        .await
        .unwrap()
}

#[tokio::test]
async fn links_are_made_only_for_contacts_and_work_once() {
    let (_dir, db, _) = account_with_agent().await;
    assert!(
        links::issue(&db, 100, "nobody@x.example", "192.0.2.1", None)
            .await
            .unwrap()
            .is_none()
    );
    let ticket = tickets::create_by_contact(
        &db,
        100,
        "acme",
        web_ticket("cara@x.example", "Hi"),
        "192.0.2.1",
        None,
    )
    .await
    .unwrap();
    let issued = links::issue(&db, 100, " CARA@x.example ", "192.0.2.1", None)
        .await
        .unwrap()
        .expect("a contact has this email");
    assert_eq!(issued.contact_id, ticket.contact.id);
    assert_eq!(issued.token.len(), 64);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM portal_login_links WHERE length(token_hash) = 32"
        )
        .await,
        1,
        "only a SHA-256 is stored"
    );
    // The audit entry names the contact, never the token.
    let entry: (String, String, String) = db
        .read(|conn| -> Result<_, StoreError> {
            Ok(conn.query_row(
                "SELECT action, target, detail FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        (entry.0.as_str(), entry.1.as_str(), entry.2.as_str()),
        (
            "portal.link_issued",
            format!("contact:{}", ticket.contact.id).as_str(),
            ""
        )
    );

    assert!(links::is_live(&db, 200, &issued.token).await.unwrap());
    assert!(
        links::is_live(&db, 200, &issued.token).await.unwrap(),
        "looking does not spend"
    );
    let (cookie, session) = links::spend(&db, 200, &issued.token, "192.0.2.1")
        .await
        .unwrap()
        .expect("a live link");
    assert_eq!(session.contact_id, ticket.contact.id);
    assert!(
        links::spend(&db, 201, &issued.token, "192.0.2.1")
            .await
            .unwrap()
            .is_none(),
        "once"
    );
    let found = sessions::find(&db, 300, &cookie).await.unwrap().unwrap();
    assert!(found.csrf_matches(session.csrf_token()) && !found.csrf_matches(""));

    // Thirty minutes, then the link is dead.
    let late = links::issue(&db, 1_000, "cara@x.example", "", None)
        .await
        .unwrap()
        .unwrap();
    let after = 1_000 + links::VALID_SECS;
    assert!(!links::is_live(&db, after, &late.token).await.unwrap());
    assert!(
        links::spend(&db, after, &late.token, "")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn sessions_expire_idle_and_absolute_and_go_with_a_merged_contact() {
    let (_dir, db, _) = account_with_agent().await;
    let a = tickets::create_by_contact(&db, 0, "acme", web_ticket("a@x.example", "A"), "::1", None)
        .await
        .unwrap();
    let start = |at: i64, contact: i64| {
        let db = db.clone();
        async move {
            db.write(move |conn| -> Result<_, StoreError> {
                Ok(sessions::start(conn, at, contact)?)
            })
            .await
            .unwrap()
        }
    };
    let contact = a.contact.id;
    // Used every seven hours, a session lives until the absolute limit.
    let (token, _) = start(0, contact).await;
    let mut now = 0;
    while now + 7 * 3600 < sessions::ABSOLUTE_SECS {
        now += 7 * 3600;
        assert!(
            sessions::find(&db, now, &token).await.unwrap().is_some(),
            "at {now}"
        );
    }
    assert!(
        sessions::find(&db, sessions::ABSOLUTE_SECS, &token)
            .await
            .unwrap()
            .is_none()
    );
    // Unused for the idle time, it ends.
    let (idle, _) = start(0, contact).await;
    assert!(
        sessions::find(&db, sessions::IDLE_SECS, &idle)
            .await
            .unwrap()
            .is_none()
    );
    // Merged into another contact: the session is gone with its contact.
    let b = tickets::create_by_contact(&db, 0, "acme", web_ticket("b@x.example", "B"), "::1", None)
        .await
        .unwrap();
    let (merged, _) = start(10, contact).await;
    crate::contacts::merge(&db, 20, contact, b.contact.id)
        .await
        .unwrap();
    assert!(sessions::find(&db, 30, &merged).await.unwrap().is_none());
    assert_eq!(count(&db, "SELECT count(*) FROM portal_sessions").await, 0);
}

#[tokio::test]
async fn a_web_ticket_names_its_contact_and_notes_the_address() {
    let (_dir, db, _) = account_with_agent().await;
    let ticket = tickets::create_by_contact(
        &db,
        50,
        "acme",
        web_ticket("dan@x.example", "Hello"),
        "203.0.113.9",
        None,
    )
    .await
    .unwrap();
    assert_eq!(ticket.channel, Channel::Web);
    let history = ticket.history.clone().unwrap();
    assert_eq!(
        (history[0].field.as_str(), history[0].actor.kind),
        ("created", "contact"),
        "{history:?}"
    );
    // A second ticket from the same address moves `last_seen`, adds no row.
    tickets::create_by_contact(
        &db,
        90,
        "acme",
        web_ticket("dan@x.example", "Again"),
        "203.0.113.9",
        None,
    )
    .await
    .unwrap();
    let sighting: (i64, String, String, i64, i64) = db
        .read(|conn| -> Result<_, StoreError> {
            Ok(conn.query_row(
                "SELECT contact_id, kind, value, first_seen, last_seen FROM contact_sightings",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        sighting,
        (ticket.contact.id, "ip".into(), "203.0.113.9".into(), 50, 90)
    );
}

#[tokio::test]
async fn customers_see_and_answer_only_their_own_tickets_without_notes() {
    let (_dir, db, agent) = account_with_agent().await;
    let mine = tickets::create_by_contact(
        &db,
        1,
        "acme",
        web_ticket("me@x.example", "Mine"),
        "::1",
        None,
    )
    .await
    .unwrap();
    let theirs = tickets::create_by_contact(
        &db,
        2,
        "acme",
        web_ticket("them@x.example", "Theirs"),
        "::1",
        None,
    )
    .await
    .unwrap();
    let me = mine.contact.id;
    for (kind, body) in [
        (MessageKind::Reply, "We are on it."),
        (MessageKind::Note, "internal: VIP, be nice"),
    ] {
        tickets::add_message(
            &db,
            3,
            None,
            mine.id,
            NewMessage {
                kind,
                body: body.into(),
            },
            Actor::Agent(agent.id),
            None,
        )
        .await
        .unwrap();
    }

    let listed = tickets::list_for_contact(&db, me, 50).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), [mine.id]);
    assert!(listed[0].tags.is_empty(), "tags are the agents'");
    let seen = tickets::get_for_contact(&db, me, mine.id).await.unwrap();
    let bodies: Vec<&str> = seen
        .messages
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, ["It is broken.", "We are on it."]);
    assert!(seen.history.is_none());
    assert!(matches!(
        tickets::get_for_contact(&db, me, theirs.id).await,
        Err(TicketError::NotFound(_))
    ));

    let reply = |id: i64| {
        tickets::add_message(
            &db,
            4,
            None,
            id,
            NewMessage {
                kind: MessageKind::Customer,
                body: "Thanks!".into(),
            },
            Actor::Contact(me),
            None,
        )
    };
    assert!(matches!(
        reply(theirs.id).await,
        Err(TicketError::NotFound(_))
    ));
    let written = reply(mine.id).await.unwrap();
    assert_eq!(
        (written.kind, written.author.id),
        (MessageKind::Customer, Some(me))
    );

    // Trash and spam are not the customer's to see.
    tickets::update(
        &db,
        5,
        tickets::Viewer {
            user_id: agent.id,
            role: agent.role,
        },
        mine.id,
        tickets::TicketPatch {
            status: Some(tickets::Status::Trash),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        tickets::list_for_contact(&db, me, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(tickets::get_for_contact(&db, me, mine.id).await.is_err());
}

#[tokio::test]
async fn a_link_is_mailed_in_its_commit_and_no_mail_goes_to_an_unknown_email() {
    let (_dir, db, _) = account_with_agent().await;
    let mail = || links::LinkMail {
        identity: crate::mail::Identity {
            from: "Acme Support <support@acme.example>".parse().unwrap(),
            domain: "desk.acme.example".into(),
        },
        base: "https://desk.acme.example".into(),
        subject: "Your sign-in link".into(),
        intro: "Open this link:".into(),
        outro: "Or ignore this mail.".into(),
    };
    let none = links::issue(&db, 100, "nobody@x.example", "", Some(mail()));
    assert!(none.await.unwrap().is_none());
    assert_eq!(count(&db, "SELECT count(*) FROM mail_outbox").await, 0);

    tickets::create_by_contact(
        &db,
        100,
        "acme",
        web_ticket("cara@x.example", "Hi"),
        "",
        None,
    )
    .await
    .unwrap();
    let issued = links::issue(&db, 100, "cara@x.example", "", Some(mail()))
        .await
        .unwrap()
        .unwrap();
    let (recipient, raw): (String, Vec<u8>) = db
        .read(|conn| -> Result<_, StoreError> {
            Ok(conn.query_row(
                "SELECT recipient, message FROM mail_outbox WHERE ticket_id IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(recipient, "cara@x.example");
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("Your sign-in link"));
    assert!(message.header("Auto-Submitted").is_some());
    let text = message.body_text(0).unwrap().replace("\r\n", "\n");
    let link = format!(
        "\nhttps://desk.acme.example/portal/login?token={}\n",
        issued.token.as_str()
    );
    assert!(text.contains(&link), "{text}");
}
