use super::*;
use crate::auth::users::{Role, account_with_agent};
use crate::store::Database;

fn new_ticket(email: &str, subject: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        message: "Hello, it is broken.".into(),
        contact: NewContactRef {
            email: email.into(),
            name: "Cara".into(),
        },
        channel: Channel::Api,
        priority: None,
        tags: vec!["Billing".into(), "billing".into()],
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    }
}

fn idem(key: &str, body: &str) -> Option<Idempotency> {
    Some(Idempotency {
        user_id: 1,
        route: "tickets.create",
        key: key.into(),
        request: body.as_bytes().to_vec(),
    })
}

async fn sql(db: &Database, statement: &'static str) {
    db.write(move |conn| -> Result<(), crate::store::StoreError> {
        conn.execute_batch(statement)?;
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn create_is_idempotent_and_threads_are_attributed() {
    let (_dir, db, agent) = account_with_agent().await;
    let actor = Actor::Agent(agent.id);
    let (first, replay) = create(
        &db,
        100,
        "acme",
        new_ticket("cara@x.example", "Broken"),
        actor,
        idem("k1", "a"),
    )
    .await
    .unwrap();
    assert!(!replay);
    assert!(first.code.starts_with("ACME-"));
    assert_eq!(
        (first.status, first.tags.clone()),
        (Status::New, vec!["billing".to_string()])
    );
    let (again, replay) = create(
        &db,
        101,
        "acme",
        new_ticket("cara@x.example", "Broken"),
        actor,
        idem("k1", "a"),
    )
    .await
    .unwrap();
    assert!(replay);
    assert_eq!(again.id, first.id, "a retry returns the first ticket");
    let reused = create(
        &db,
        102,
        "acme",
        new_ticket("cara@x.example", "Other"),
        actor,
        idem("k1", "b"),
    )
    .await;
    assert!(matches!(reused, Err(TicketError::KeyReused)));

    let viewer = Viewer {
        user_id: agent.id,
        role: agent.role,
    };
    let reply = NewMessage {
        kind: MessageKind::Reply,
        body: "On it.".into(),
    };
    let message = add_message(&db, 110, Some(viewer), first.id, reply, actor, None)
        .await
        .unwrap();
    assert_eq!(
        (message.author.kind, message.author.id),
        ("agent", Some(agent.id))
    );
    let ticket = get(&db, viewer, first.id).await.unwrap();
    assert_eq!(
        ticket.status,
        Status::Open,
        "the first reply opens a new ticket"
    );
    let history = ticket.history.unwrap();
    assert_eq!(
        history.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["created", "status"]
    );

    let wrong = NewMessage {
        kind: MessageKind::Customer,
        body: "x".into(),
    };
    assert!(matches!(
        add_message(&db, 111, Some(viewer), first.id, wrong, actor, None).await,
        Err(TicketError::Invalid(_))
    ));

    // A deleted agent's reply stays, attributed to "Deleted agent".
    sql(&db, "PRAGMA foreign_keys = ON; DELETE FROM users;").await;
    let admin = Viewer {
        user_id: 0,
        role: Role::Owner,
    };
    let thread = get(&db, admin, first.id).await.unwrap().messages.unwrap();
    assert_eq!(thread[1].author.kind, "deleted_agent");
    assert_eq!(thread[1].author.name, "Deleted agent");
    assert_eq!(thread[1].body, "On it.");
}

#[tokio::test]
async fn updates_are_events_and_lists_filter_and_page() {
    let (_dir, db, agent) = account_with_agent().await;
    let actor = Actor::Agent(agent.id);
    let viewer = Viewer {
        user_id: agent.id,
        role: agent.role,
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let (t, _) = create(
            &db,
            100 + i,
            "acme",
            new_ticket(&format!("c{i}@x.example"), &format!("T{i}")),
            actor,
            None,
        )
        .await
        .unwrap();
        ids.push(t.id);
    }
    let patch = TicketPatch {
        status: Some(Status::Pending),
        assignee_id: Some(Some(agent.id)),
        tags: Some(vec!["vip".into()]),
        priority: Some(Priority::High),
        ..TicketPatch::default()
    };
    let changed = update(&db, 200, viewer, ids[1], patch).await.unwrap();
    assert_eq!(
        (changed.status, changed.priority),
        (Status::Pending, Priority::High)
    );
    assert_eq!(changed.assignee.as_ref().map(|a| a.id), Some(agent.id));
    let fields: Vec<String> = changed
        .history
        .unwrap()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        ["created", "status", "priority", "assignee", "tags"]
    );
    let bad = TicketPatch {
        assignee_id: Some(Some(999)),
        ..TicketPatch::default()
    };
    assert!(matches!(
        update(&db, 201, viewer, ids[1], bad).await,
        Err(TicketError::Invalid(_))
    ));

    let query = |q: ListQuery| list(&db, viewer, ListQuery { limit: 2, ..q });
    let first = query(ListQuery::default()).await.unwrap();
    assert_eq!(
        first.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ids[1], ids[4]],
        "last changed first"
    );
    let page2 = query(ListQuery {
        after: Some((104, ids[4])),
        ..ListQuery::default()
    })
    .await
    .unwrap();
    assert_eq!(
        page2.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ids[3], ids[2]]
    );
    let mine = query(ListQuery {
        assignee: Some(Some(agent.id)),
        ..ListQuery::default()
    })
    .await
    .unwrap();
    assert_eq!(mine.len(), 1);
    let pending = query(ListQuery {
        statuses: vec![Status::Pending],
        ..ListQuery::default()
    })
    .await
    .unwrap();
    assert_eq!(pending.len(), 1);
    let tagged = query(ListQuery {
        tag: Some("VIP".into()),
        ..ListQuery::default()
    })
    .await
    .unwrap();
    assert_eq!(tagged.len(), 1);
    let unassigned = list(
        &db,
        viewer,
        ListQuery {
            assignee: Some(None),
            limit: 10,
            ..ListQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(unassigned.len(), 4);
}

#[tokio::test]
async fn restricted_departments_hide_other_departments_tickets_from_agents() {
    let (_dir, db, agent) = account_with_agent().await;
    sql(&db, "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');
              INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', 'true', 0);").await;
    let actor = Actor::System;
    let mut sales = new_ticket("s@x.example", "Sales question");
    sales.department_id = Some(1);
    let (sales, _) = create(&db, 1, "acme", sales, actor, None).await.unwrap();
    let agent_view = Viewer {
        user_id: agent.id,
        role: Role::Agent,
    };
    assert!(matches!(
        get(&db, agent_view, sales.id).await,
        Err(TicketError::NotFound(_))
    ));
    assert!(
        list(
            &db,
            agent_view,
            ListQuery {
                limit: 10,
                ..ListQuery::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    let patch = TicketPatch {
        status: Some(Status::Open),
        ..TicketPatch::default()
    };
    assert!(matches!(
        update(&db, 2, agent_view, sales.id, patch).await,
        Err(TicketError::NotFound(_))
    ));
    let admin_view = Viewer {
        user_id: agent.id,
        role: Role::Admin,
    };
    assert!(
        get(&db, admin_view, sales.id).await.is_ok(),
        "admins see every department"
    );

    let statement = format!(
        "INSERT INTO department_members (department_id, user_id) VALUES (1, {})",
        agent.id
    );
    db.write(move |conn| -> Result<(), crate::store::StoreError> {
        conn.execute_batch(&statement)?;
        Ok(())
    })
    .await
    .unwrap();
    assert!(
        get(&db, agent_view, sales.id).await.is_ok(),
        "members see their department"
    );
}

#[tokio::test]
async fn the_trash_and_the_quarantine_empty_after_their_window() {
    let (_dir, db, agent) = account_with_agent().await;
    let viewer = Viewer::of(&agent);
    let day = 86_400;
    let mut ids = Vec::new();
    for (i, status) in [Status::Trash, Status::Spam, Status::Resolved, Status::Trash]
        .into_iter()
        .enumerate()
    {
        let (t, _) = create(
            &db,
            0,
            "acme",
            new_ticket("cara@x.example", &format!("Old {i}")),
            Actor::Agent(agent.id),
            None,
        )
        .await
        .unwrap();
        // The last one went to the trash only yesterday.
        let when = if i == 3 { 40 * day } else { day };
        let patch = TicketPatch {
            status: Some(status),
            ..TicketPatch::default()
        };
        update(&db, when, viewer, t.id, patch).await.unwrap();
        ids.push(t.id);
    }
    let mark = ids[1];
    db.write(move |conn| -> Result<(), crate::store::StoreError> {
        conn.execute(
            "INSERT INTO spam_learned (source, class, tokens, learned_at) VALUES (?1, 'spam', x'', 0)",
            [format!("ticket:{mark}")],
        )?;
        Ok(())
    })
    .await
    .unwrap();

    let deleted = purge::expired(&db, 41 * day, 30).await.unwrap();
    assert_eq!(
        deleted, 2,
        "the trashed and the quarantined ticket of day 1"
    );
    let viewer = Viewer::of(&agent);
    for (id, kept) in ids.iter().zip([false, false, true, true]) {
        let found = get(&db, viewer, *id).await;
        assert_eq!(found.is_ok(), kept, "ticket {id}");
    }
    let (messages, searchable, marks): (i64, i64, i64) = db
        .read(move |conn| -> Result<_, crate::store::StoreError> {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM messages WHERE ticket_id IN (?1, ?2)),
                        (SELECT count(*) FROM ticket_search WHERE rowid IN (?1, ?2)),
                        (SELECT count(*) FROM spam_learned)",
                [ids[0], ids[1]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!((messages, searchable, marks), (0, 0, 0));
    assert_eq!(purge::expired(&db, 41 * day, 30).await.unwrap(), 0);
}

#[tokio::test]
async fn a_merge_of_contacts_is_in_the_history_of_their_tickets() {
    let (_dir, db, agent) = account_with_agent().await;
    let (moved, _) = create(
        &db,
        1,
        "acme",
        new_ticket("old@x.example", "Old"),
        Actor::Agent(agent.id),
        None,
    )
    .await
    .unwrap();
    let (kept, _) = create(
        &db,
        1,
        "acme",
        new_ticket("new@x.example", "New"),
        Actor::Agent(agent.id),
        None,
    )
    .await
    .unwrap();
    let actor = crate::audit::Actor {
        id: Some(agent.id),
        name: agent.email.clone(),
        ip: "::1".into(),
    };
    crate::contacts::merge_recorded(&db, 5, moved.contact.id, kept.contact.id, actor)
        .await
        .unwrap();
    let ticket = get(&db, Viewer::of(&agent), moved.id).await.unwrap();
    let event = ticket
        .history
        .unwrap()
        .into_iter()
        .find(|e| e.field == "contact")
        .expect("a contact event");
    assert_eq!(
        (event.from, event.to, event.actor.kind),
        (
            Some(moved.contact.id.to_string()),
            Some(kept.contact.id.to_string()),
            "agent"
        )
    );
    assert_eq!(ticket.contact.id, kept.contact.id);
}
