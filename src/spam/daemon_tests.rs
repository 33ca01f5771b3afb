//! The filter in the daemon: the copy in memory follows the database, resolved tickets
//! are learned as ham once, and marks move tickets in and out of the quarantine.

use super::classifier::Class;
use super::live::{Filters, Input, Learned, MIN_LEARNED};
use super::{marks, storage};
use crate::auth::users::account_with_agent;
use crate::store::{Database, StoreError};
use crate::tickets::{
    self, Actor, Channel, MessageKind, NewContactRef, NewMessage, NewTicket, Status, TicketPatch,
    Viewer,
};

fn new_ticket(subject: &str, body: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        message: body.into(),
        contact: NewContactRef {
            email: "cara@x.example".into(),
            name: "Cara".into(),
        },
        channel: Channel::Api,
        priority: None,
        tags: Vec::new(),
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    }
}

async fn ticket(db: &Database, agent: i64, subject: &str, body: &str) -> i64 {
    let (t, _) = tickets::create(
        db,
        10,
        "acme",
        new_ticket(subject, body),
        Actor::Agent(agent),
        None,
    )
    .await
    .unwrap();
    t.id
}

fn spammy(i: usize) -> String {
    format!("cheap pills casino winner lottery jackpot offer{i}")
}

fn hammy(i: usize) -> String {
    format!("the printer on floor two is broken again ticket{i}")
}

async fn generation(db: &Database) -> i64 {
    db.read(|conn| -> Result<i64, StoreError> { Ok(storage::generation(conn).unwrap()) })
        .await
        .unwrap()
}

/// An account whose model learned `MIN_LEARNED` tickets of each class through marks.
async fn trained() -> (tempfile::TempDir, std::sync::Arc<Database>, Viewer, Filters) {
    let (dir, db, agent) = account_with_agent().await;
    let viewer = Viewer::of(&agent);
    let filters = Filters::default();
    let mut ids = Vec::new();
    for i in 0..MIN_LEARNED as usize {
        ids.push(ticket(&db, agent.id, "Winner", &spammy(i)).await);
    }
    let (_, learned) = marks::mark(&db, 20, viewer, ids, Class::Spam)
        .await
        .unwrap();
    filters.committed("acc", &learned);
    let mut ids = Vec::new();
    for i in 0..MIN_LEARNED as usize {
        ids.push(ticket(&db, agent.id, "Printer", &hammy(i)).await);
    }
    let (_, learned) = marks::mark(&db, 20, viewer, ids, Class::Ham).await.unwrap();
    filters.committed("acc", &learned);
    (dir, db, viewer, filters)
}

fn text(subject: &str, body: &str) -> Input {
    Input::Text {
        subject: subject.into(),
        body: body.into(),
    }
}

#[tokio::test]
async fn the_copy_in_memory_follows_the_database() {
    let (_dir, db, agent) = account_with_agent().await;
    let viewer = Viewer::of(&agent);
    let filters = Filters::default();
    // Too young to judge.
    let judged = filters
        .judge("acc", &db, text("Winner", &spammy(99)))
        .await
        .unwrap();
    assert_eq!(judged, None);

    let mut spam = Vec::new();
    for i in 0..MIN_LEARNED as usize {
        spam.push(ticket(&db, agent.id, "Winner", &spammy(i)).await);
    }
    let mut ham = Vec::new();
    for i in 0..MIN_LEARNED as usize {
        ham.push(ticket(&db, agent.id, "Printer", &hammy(i)).await);
    }
    let before = generation(&db).await;
    let (_, spam_learned) = marks::mark(&db, 20, viewer, spam, Class::Spam)
        .await
        .unwrap();
    let (_, ham_learned) = marks::mark(&db, 20, viewer, ham, Class::Ham).await.unwrap();
    assert_eq!(spam_learned.from_generation, before);
    assert_eq!(ham_learned.generation, before + 2 * MIN_LEARNED as i64);
    // Applied out of order: the second cannot follow, so the copy reloads instead.
    filters.committed("acc", &ham_learned);
    filters.committed("acc", &spam_learned);
    let score = filters
        .judge("acc", &db, text("Winner", &spammy(99)))
        .await
        .unwrap()
        .expect("trained");
    assert_eq!(score.verdict.as_str(), "spam");
    let score = filters
        .judge("acc", &db, text("Printer", &hammy(99)))
        .await
        .unwrap()
        .expect("trained");
    assert_eq!(score.verdict.as_str(), "ham");

    // In order, the copy is changed in place and equals a fresh load.
    let one = ticket(&db, agent.id, "Printer", &hammy(100)).await;
    let (_, learned) = marks::mark(&db, 30, viewer, vec![one], Class::Spam)
        .await
        .unwrap();
    filters.committed("acc", &learned);
    let fresh = Filters::default();
    for input in [
        ("Winner", spammy(7)),
        ("Printer", hammy(100)),
        ("Hello", "x".into()),
    ] {
        let a = filters
            .judge("acc", &db, text(input.0, &input.1))
            .await
            .unwrap();
        let b = fresh
            .judge("acc", &db, text(input.0, &input.1))
            .await
            .unwrap();
        assert_eq!(a, b, "{input:?}");
    }
    // A change that says nothing (marking the same way again) is in step already.
    filters.committed(
        "acc",
        &Learned {
            from_generation: learned.generation,
            generation: learned.generation,
            ..Learned::default()
        },
    );
}

#[tokio::test]
async fn marks_move_tickets_and_undo_exactly() {
    let (_dir, db, viewer, _filters) = trained().await;
    let id = ticket(&db, viewer.user_id, "Printer", &hammy(50)).await;
    let counts = |db: std::sync::Arc<Database>| async move {
        db.read(|conn| -> Result<_, StoreError> {
            let model = storage::load(conn).unwrap().model;
            let mut tokens: Vec<_> = model.counts().iter().map(|(&h, &c)| (h, c)).collect();
            tokens.sort_unstable_by_key(|t| t.0);
            Ok((model.spam_messages(), model.ham_messages(), tokens))
        })
        .await
        .unwrap()
    };
    let before = counts(db.clone()).await;
    let (marked, _) = marks::mark(&db, 40, viewer, vec![id], Class::Spam)
        .await
        .unwrap();
    assert_eq!(marked[0].status, Status::Spam);
    let (marked, _) = marks::mark(&db, 41, viewer, vec![id], Class::Ham)
        .await
        .unwrap();
    assert_eq!(marked[0].status, Status::Open);
    let history = marked[0].history.as_ref().unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.field == "status" && e.to.as_deref() == Some("spam")),
        "{history:?}"
    );
    // Learned as ham now; unlearning that too gives back the model before any mark.
    let after = counts(db.clone()).await;
    assert_eq!(after.1, before.1 + 1);
    db.write(move |conn| -> Result<(), StoreError> {
        storage::unlearn_mark(conn, &format!("ticket:{id}")).unwrap();
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(counts(db.clone()).await, before);

    // Another department's agent cannot mark what they cannot see.
    let missing = marks::mark(&db, 42, viewer, vec![999_999], Class::Spam).await;
    assert!(matches!(
        missing,
        Err(tickets::TicketError::NotFound(999_999))
    ));
}

#[tokio::test]
async fn resolved_tickets_an_agent_answered_are_learned_as_ham_once() {
    let (_dir, db, agent) = account_with_agent().await;
    let viewer = Viewer::of(&agent);
    let answered = ticket(&db, agent.id, "Printer", &hammy(1)).await;
    let unanswered = ticket(&db, agent.id, "Printer", &hammy(2)).await;
    let open = ticket(&db, agent.id, "Printer", &hammy(3)).await;
    for id in [answered, open] {
        let reply = NewMessage {
            kind: MessageKind::Reply,
            body: "Fixed.".into(),
        };
        tickets::add_message(
            &db,
            20,
            Some(viewer),
            id,
            reply,
            Actor::Agent(agent.id),
            None,
        )
        .await
        .unwrap();
    }
    for id in [answered, unanswered] {
        let patch = TicketPatch {
            status: Some(Status::Resolved),
            ..TicketPatch::default()
        };
        tickets::update(&db, 30, viewer, id, patch).await.unwrap();
    }
    let learned = marks::learn_resolved(&db, 40).await.unwrap();
    assert_eq!(
        (learned.delta.ham_messages, learned.delta.spam_messages),
        (1, 0)
    );
    assert_eq!(learned.generation, learned.from_generation + 1);
    let again = marks::learn_resolved(&db, 50).await.unwrap();
    assert_eq!(again.delta.ham_messages, 0, "the watermark moved on");

    // Reopened and resolved again: still learned once.
    for status in [Status::Open, Status::Resolved] {
        let patch = TicketPatch {
            status: Some(status),
            ..TicketPatch::default()
        };
        tickets::update(&db, 60, viewer, answered, patch)
            .await
            .unwrap();
    }
    assert_eq!(
        marks::learn_resolved(&db, 70)
            .await
            .unwrap()
            .delta
            .ham_messages,
        0
    );

    // An account that turned it off learns nothing.
    db.write(|conn| -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO settings (key, value, changed_at) VALUES (?1, 'false', 0)",
            [marks::LEARN_RESOLVED_SETTING],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let other = ticket(&db, agent.id, "Printer", &hammy(4)).await;
    let reply = NewMessage {
        kind: MessageKind::Reply,
        body: "Done.".into(),
    };
    tickets::add_message(
        &db,
        80,
        Some(viewer),
        other,
        reply,
        Actor::Agent(agent.id),
        None,
    )
    .await
    .unwrap();
    let patch = TicketPatch {
        status: Some(Status::Resolved),
        ..TicketPatch::default()
    };
    tickets::update(&db, 90, viewer, other, patch)
        .await
        .unwrap();
    assert_eq!(
        marks::learn_resolved(&db, 100)
            .await
            .unwrap()
            .delta
            .ham_messages,
        0
    );
}
