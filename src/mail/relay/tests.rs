//! The relay task's decisions (backoff, what a failure means for a mail) and what it
//! writes for each outcome.

use rusqlite::OptionalExtension;

use super::*;
use crate::auth::users::account_with_agent;
use crate::mail::outbox::{self, Outgoing};
use crate::tickets::{Channel, NewContactRef, NewTicket, Viewer};

#[test]
fn backoff_doubles_from_half_a_minute_to_an_hour() {
    let waits: Vec<i64> = (1..=9).map(backoff).collect();
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    assert_eq!(backoff(0), 30);
    assert_eq!(backoff(i64::MAX), 3600);
}

fn queued(created_at: i64, attempts: i64) -> Queued {
    Queued {
        id: 1,
        ticket_id: Some(7),
        recipient: "jana@example.cz".into(),
        message: Vec::new(),
        created_at,
        attempts,
    }
}

#[test]
fn a_transient_failure_defers_a_permanent_one_or_old_age_drops() {
    let transient = || Err((Failure::Transient, "the relay answered 451".to_string()));
    assert_eq!(
        fate(transient(), &queued(1_000, 2), 1_100),
        Fate::Retry {
            at: 1_100 + 120,
            error: "the relay answered 451".into()
        }
    );
    let old = fate(transient(), &queued(1_000, 40), 1_000 + GIVE_UP_SECS);
    assert!(matches!(old, Fate::Dropped { .. }), "{old:?}");
    let refused = fate(
        Err((Failure::Permanent, "the relay answered 550".into())),
        &queued(1_000, 0),
        1_001,
    );
    assert_eq!(
        refused,
        Fate::Dropped {
            error: "the relay answered 550".into()
        }
    );
    assert_eq!(fate(Ok(()), &queued(0, 9), 1), Fate::Sent);
}

/// A ticket with one queued mail; returns (ticket id, the mail as the task reads it).
async fn queued_mail(db: &Database, actor: Actor) -> (i64, Queued) {
    let new = NewTicket {
        subject: "Printer".into(),
        message: "It jams.".into(),
        contact: NewContactRef {
            email: "cara@x.example".into(),
            name: "Cara".into(),
        },
        channel: Channel::Email,
        priority: None,
        tags: Vec::new(),
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    };
    let (ticket, _) = tickets::create(db, 1, "acme", new, actor, None)
        .await
        .unwrap();
    let (id, code) = (ticket.id, ticket.code.clone());
    db.write(move |conn| -> Result<(), StoreError> {
        let identity = crate::mail::Identity {
            from: "support@acme.example".parse().unwrap(),
            domain: "acme.example".into(),
        };
        let mail = Outgoing {
            ticket: Some((id, code)),
            to: "cara@x.example".parse().unwrap(),
            subject: "Re: Printer".into(),
            text: "Done.".into(),
            references: Vec::new(),
            automatic: false,
        };
        outbox::enqueue(conn, 10, &identity, &mail).unwrap();
        Ok(())
    })
    .await
    .unwrap();
    let mut due = db.read(|conn| due(conn, 10)).await.unwrap();
    (id, due.pop().unwrap())
}

async fn apply(db: &Database, mail: Queued, fate: Fate) {
    db.write(move |conn| settle(conn, 20, &mail, &fate))
        .await
        .unwrap();
}

async fn row(db: &Database) -> Option<(i64, i64, String)> {
    db.read(|conn| -> Result<_, StoreError> {
        Ok(conn
            .query_row(
                "SELECT attempts, next_attempt_at, last_error FROM mail_outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_deferral_is_counted_a_drop_is_in_the_history_a_send_leaves_nothing() {
    let (_dir, db, agent) = account_with_agent().await;
    let actor = Actor::Agent(agent.id);
    let (ticket, mail) = queued_mail(&db, actor).await;
    let copy = |mail: &Queued| Queued {
        message: mail.message.clone(),
        recipient: mail.recipient.clone(),
        ..*mail
    };

    let error = "the relay answered 451".to_string();
    apply(
        &db,
        copy(&mail),
        Fate::Retry {
            at: 50,
            error: error.clone(),
        },
    )
    .await;
    assert_eq!(row(&db).await, Some((1, 50, error)));

    let error = "the relay answered 550".to_string();
    apply(&db, copy(&mail), Fate::Dropped { error }).await;
    assert_eq!(row(&db).await, None);
    let history = tickets::get(&db, Viewer::of(&agent), ticket)
        .await
        .unwrap()
        .history
        .unwrap();
    let failed = history.last().unwrap();
    assert_eq!(
        (failed.field.as_str(), failed.to.as_deref()),
        (
            "mail_failed",
            Some("cara@x.example: the relay answered 550")
        )
    );

    // A second outcome for a row already gone (e.g. its ticket was deleted) changes
    // nothing and records nothing.
    apply(
        &db,
        copy(&mail),
        Fate::Dropped {
            error: "again".into(),
        },
    )
    .await;
    let after = tickets::get(&db, Viewer::of(&agent), ticket).await.unwrap();
    assert_eq!(after.history.unwrap().len(), history.len());

    let (_, sent) = queued_mail(&db, actor).await;
    apply(&db, sent, Fate::Sent).await;
    assert_eq!(row(&db).await, None);
}
