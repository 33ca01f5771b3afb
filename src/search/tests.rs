use std::sync::Arc;

use super::*;
use crate::auth::users::{Role, account_with_agent};
use crate::contacts::{ContactPatch, merge, update as update_contact};
use crate::store::Database;
use crate::store::schema::ACCOUNT;
use crate::tickets::{
    Actor, Channel, MessageKind, NewContactRef, NewMessage, NewTicket, TicketPatch, add_message,
    create, update,
};

fn new_ticket(subject: &str, message: &str, email: &str, name: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        message: message.into(),
        contact: NewContactRef {
            email: email.into(),
            name: name.into(),
        },
        channel: Channel::Api,
        priority: None,
        tags: Vec::new(),
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    }
}

async fn ticket(db: &Database, agent: i64, subject: &str, message: &str, email: &str) -> Ticket {
    let (ticket, _) = create(
        db,
        100,
        "acme",
        new_ticket(
            subject,
            message,
            email,
            email.split('@').next().unwrap_or(""),
        ),
        Actor::Agent(agent),
        None,
    )
    .await
    .unwrap();
    ticket
}

fn viewer(id: i64, role: Role) -> Viewer {
    Viewer { user_id: id, role }
}

async fn ids(db: &Database, viewer: Viewer, q: &str, filters: Filters) -> Vec<i64> {
    let search = Search {
        q: Some(q.into()),
        filters,
        limit: 100,
        cursor: None,
    };
    find(db, viewer, search)
        .await
        .unwrap()
        .tickets
        .iter()
        .map(|t| t.id)
        .collect()
}

async fn sql(db: &Database, statement: impl Into<String>) {
    let statement = statement.into();
    db.write(move |conn| -> Result<(), StoreError> {
        conn.execute_batch(&statement)?;
        Ok(())
    })
    .await
    .unwrap();
}

#[test]
fn fold_maps_what_unicode61_does_not_decompose() {
    let cases = [
        // German: ß (and capital ẞ) → ss; umlauts are left to the tokenizer.
        ("Größe", "Grösse"),
        ("GROẞE Straße", "GROssE Strasse"),
        ("Fußgängerübergänge", "Fussgängerübergänge"),
        // Danish, Norwegian, French, Polish, Croatian, Turkish.
        ("Smørrebrød", "Smorrebrod"),
        ("Ærø Æble", "aero aeble"),
        ("cœur Œuvre", "coeur oeuvre"),
        ("Łódź żółć", "lódź żólć"),
        ("Đakovo đak", "dakovo dak"),
        ("ılık", "ilik"),
    ];
    for (text, folded) in cases {
        assert_eq!(
            fold(text).to_lowercase(),
            folded.to_lowercase(),
            "fold({text:?})"
        );
    }
    // Czech, Latvian and Portuguese need no mapping: unicode61 decomposes all of them, so
    // fold leaves them alone (and borrows).
    for text in [
        "Žluťoučký kůň úpěl ďábelské ódy",
        "ķēniņš ģimene ļoti ā ī ū ž š č ņ ē",
        "ação informações coração pão",
        "plain ASCII",
    ] {
        assert!(
            matches!(fold(text), Cow::Borrowed(_)),
            "{text} is left to unicode61"
        );
    }
}

#[test]
fn queries_are_quoted_terms_never_fts5_syntax() {
    assert_eq!(
        match_expression("printer fire").as_deref(),
        Some("\"printer\" \"fire\"*")
    );
    assert_eq!(
        match_expression("printer fire ").as_deref(),
        Some("\"printer\" \"fire\""),
        "a space ends the last word"
    );
    assert_eq!(
        match_expression("prin* fire ").as_deref(),
        Some("\"prin\"* \"fire\"")
    );
    assert_eq!(match_expression("große").as_deref(), Some("\"grosse\"*"));
    assert_eq!(
        match_expression("say \"hi\"").as_deref(),
        Some("\"say\" \"\"\"hi\"\"\"*")
    );
    assert_eq!(
        match_expression("x").as_deref(),
        Some("\"x\""),
        "one letter is no prefix"
    );
    assert_eq!(match_expression("* ^ ( ) : -"), None);
    assert_eq!(match_expression("   "), None);
    let many = "word ".repeat(100);
    assert_eq!(
        match_expression(&many).unwrap().matches("\"word\"").count(),
        MAX_TERMS
    );
}

#[test]
fn messages_are_cleaned_and_bounded() {
    let text = message_text("Thanks!\n> old quoted text\n  >> older\nBye", false);
    assert_eq!(text, "Thanks!\nBye\n");
    let html = message_text("<p>Hello&nbsp;<b>World</b> &amp; co</p><br>", true);
    assert_eq!(
        html.split_whitespace().collect::<Vec<_>>(),
        ["Hello", "World", "&", "co"]
    );
    let long = "žluťoučký ".repeat(10_000);
    let cut = message_text(&long, false);
    assert!(cut.len() <= MESSAGE_BUDGET && cut.len() > MESSAGE_BUDGET - 8);
}

/// Reindexing happens once per commit for what the jobs queued: a job that fails takes its
/// queue entry with it; jobs committed together are all indexed.
#[tokio::test]
async fn the_index_follows_committed_jobs_only() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, Role::Agent);
    let first = ticket(&db, agent.id, "Alpha", "first", "a@x.example").await;
    let id = first.id;
    let failed = db
        .write(move |conn| -> Result<(), StoreError> {
            conn.execute("UPDATE tickets SET subject = 'Omega' WHERE id = ?1", [id])?;
            queue_ticket(conn, id)?;
            Err(StoreError::Invariant("the job fails after queueing".into()))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(ids(&db, me, "alpha", Filters::default()).await, vec![id]);
    assert!(ids(&db, me, "omega", Filters::default()).await.is_empty());

    let second = ticket(&db, agent.id, "Beta", "second", "b@x.example")
        .await
        .id;
    let rename = |id: i64, subject: &'static str| {
        let db = db.clone();
        async move {
            db.write(move |conn| -> Result<(), StoreError> {
                conn.execute(
                    "UPDATE tickets SET subject = ?2 WHERE id = ?1",
                    params![id, subject],
                )?;
                queue_ticket(conn, id).map_err(StoreError::from)
            })
            .await
        }
    };
    let (a, b) = tokio::join!(rename(id, "Gamma"), rename(second, "Delta"));
    a.unwrap();
    b.unwrap();
    assert_eq!(ids(&db, me, "gamma", Filters::default()).await, vec![id]);
    assert_eq!(
        ids(&db, me, "delta", Filters::default()).await,
        vec![second]
    );
    assert!(ids(&db, me, "alpha", Filters::default()).await.is_empty());
}

#[tokio::test]
async fn fts5_is_in_the_encrypted_database() {
    let (_dir, db, _) = account_with_agent().await;
    let (fts5, cipher): (bool, String) = db
        .read(|conn| -> Result<_, StoreError> {
            let options: Vec<String> = conn
                .prepare("PRAGMA compile_options")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let cipher = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))?;
            Ok((options.iter().any(|o| o == "ENABLE_FTS5"), cipher))
        })
        .await
        .unwrap();
    assert!(fts5, "bundled SQLCipher has FTS5");
    assert!(!cipher.is_empty(), "and it is SQLCipher");
}

/// The merge settings of migration 21 live in the index itself (FTS5's config table), so
/// every connection, and the daemon's indexing rounds, use them.
#[tokio::test]
async fn the_index_merges_sixteen_segments_at_a_time() {
    let (_dir, db, _) = account_with_agent().await;
    let settings: Vec<(String, i64)> = db
        .read(|conn| -> Result<_, StoreError> {
            Ok(conn
                .prepare("SELECT k, v FROM ticket_search_config WHERE k IN ('automerge', 'crisismerge') ORDER BY k")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(
        settings,
        [
            ("automerge".to_string(), 16),
            ("crisismerge".to_string(), 64)
        ]
    );
}

#[tokio::test]
async fn finds_words_of_every_language_however_they_are_typed() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let czech = ticket(
        &db,
        agent.id,
        "Žluťoučký kůň",
        "Úpěl ďábelské ódy.",
        "cz@x.example",
    )
    .await;
    let german = ticket(
        &db,
        agent.id,
        "Falsche Größe",
        "Die Schuhe sind zu groß.",
        "de@x.example",
    )
    .await;
    let latvian = ticket(
        &db,
        agent.id,
        "Pasūtījums",
        "ķēniņš gaida atbildi",
        "lv@x.example",
    )
    .await;
    let portuguese = ticket(
        &db,
        agent.id,
        "Pedido",
        "Preciso de uma ação urgente",
        "pt@x.example",
    )
    .await;
    let english = ticket(
        &db,
        agent.id,
        "Printer",
        "The printer is on fire",
        "en@x.example",
    )
    .await;
    for (q, want) in [
        ("zlutoucky", czech.id),
        ("Žluťoučký KŮŇ", czech.id),
        ("kun ", czech.id),
        ("grosse", german.id),
        ("große", german.id),
        ("GRÖSSE", german.id),
        ("gross ", german.id),
        ("kenins", latvian.id),
        ("ķēniņš", latvian.id),
        ("acao", portuguese.id),
        ("ação", portuguese.id),
        ("prin", english.id),
        ("fire printer", english.id),
    ] {
        assert_eq!(
            ids(&db, me, q, Filters::default()).await,
            [want],
            "q = {q:?}"
        );
    }
    assert!(
        ids(&db, me, "printer zlutoucky", Filters::default())
            .await
            .is_empty(),
        "all terms must match"
    );
}

#[tokio::test]
async fn fts5_operators_in_a_query_are_plain_text() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let plain = ticket(&db, agent.id, "Printer", "near the window", "en@x.example").await;
    for q in [
        "\"AND OR NEAR( * ^",
        "*",
        "\"",
        "\"\"",
        "NOT",
        "subject:printer",
        "{subject body}: x",
        "a AND",
        "(printer",
        "printer)",
        "-printer",
        "+printer",
        "NEAR(printer window, 2)",
        "printer\"",
        "^printer",
        "printer*",
        "p*r*",
        "\u{0}",
        "'; DROP TABLE tickets; --",
    ] {
        let search = Search {
            q: Some(q.into()),
            limit: 10,
            ..Search::default()
        };
        let found = find(&db, me, search).await;
        assert!(found.is_ok(), "q = {q:?}: {found:?}");
    }
    assert_eq!(
        ids(&db, me, "printer: the:window", Filters::default()).await,
        [plain.id],
        "a colon is a separator"
    );
    assert_eq!(
        ids(&db, me, "NEAR(printer", Filters::default()).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&db, me, "near printer", Filters::default()).await,
        [plain.id]
    );
    let blank = Search {
        q: Some(" \t".into()),
        limit: 10,
        ..Search::default()
    };
    assert!(matches!(
        find(&db, me, blank).await,
        Err(SearchError::EmptyQuery)
    ));
}

#[tokio::test]
async fn the_index_follows_subjects_messages_and_contacts() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let t = ticket(
        &db,
        agent.id,
        "Printer broken",
        "It smokes",
        "cara@x.example",
    )
    .await;
    let other = ticket(&db, agent.id, "Invoice", "Wrong amount", "olga@y.example").await;

    // A subject change.
    let patch = TicketPatch {
        subject: Some("Scanner jammed".into()),
        ..TicketPatch::default()
    };
    update(&db, 110, me, t.id, patch).await.unwrap();
    assert!(ids(&db, me, "broken ", Filters::default()).await.is_empty());
    assert_eq!(ids(&db, me, "scanner", Filters::default()).await, [t.id]);
    assert_eq!(
        ids(&db, me, "smokes", Filters::default()).await,
        [t.id],
        "the thread stays"
    );

    // A new message.
    let note = NewMessage {
        kind: MessageKind::Note,
        body: "Ordered a Flügelschraube".into(),
    };
    add_message(&db, 120, Some(me), t.id, note, Actor::Agent(agent.id), None)
        .await
        .unwrap();
    assert_eq!(
        ids(&db, me, "flugelschraube", Filters::default()).await,
        [t.id]
    );

    // A contact renamed, and given another email.
    assert_eq!(ids(&db, me, "cara", Filters::default()).await, [t.id]);
    let patch = ContactPatch {
        name: Some("Dagmar Šťastná".into()),
        emails: Some(vec!["dagmar@new.example".into()]),
        ..ContactPatch::default()
    };
    update_contact(&db, 130, t.contact.id, patch).await.unwrap();
    assert!(ids(&db, me, "cara ", Filters::default()).await.is_empty());
    assert_eq!(ids(&db, me, "stastna", Filters::default()).await, [t.id]);
    assert_eq!(
        ids(&db, me, "dagmar@new.example", Filters::default()).await,
        [t.id]
    );
    assert!(
        ids(&db, me, "cara@x.example", Filters::default())
            .await
            .is_empty()
    );

    // A merge: Olga's ticket now belongs to Dagmar and is found by her name and both emails.
    merge(&db, 140, other.contact.id, t.contact.id)
        .await
        .unwrap();
    let mut found = ids(&db, me, "dagmar", Filters::default()).await;
    found.sort();
    assert_eq!(found, [t.id, other.id]);
    let mut found = ids(&db, me, "olga@y.example", Filters::default()).await;
    found.sort();
    assert_eq!(
        found,
        [t.id, other.id],
        "the merged contact's emails reach all their tickets"
    );

    // Every rebuild replaced its row in place: the index is consistent.
    sql(
        &db,
        "INSERT INTO ticket_search (ticket_search) VALUES ('integrity-check');",
    )
    .await;

    // A ticket deleted for good leaves the index (the trigger).
    sql(&db, "DELETE FROM ticket_events; DELETE FROM messages; DELETE FROM ticket_tags; DELETE FROM tickets;").await;
    assert!(ids(&db, me, "dagmar", Filters::default()).await.is_empty());
    let rows: i64 = db
        .read(|c| -> Result<i64, StoreError> {
            Ok(c.query_row(
                "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'dagmar'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn filters_combine_with_text_and_pages_follow_the_ranking() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let in_subject = ticket(&db, agent.id, "Printer on fire", "Help", "a@x.example").await;
    let in_body = ticket(&db, agent.id, "Office", "the printer again", "b@x.example").await;
    let mine = ticket(&db, agent.id, "Printer toner", "Empty", "c@x.example").await;
    let patch = TicketPatch {
        assignee_id: Some(Some(agent.id)),
        status: Some(Status::Pending),
        tags: Some(vec!["Hardware".into()]),
        ..TicketPatch::default()
    };
    update(&db, 200, me, mine.id, patch).await.unwrap();

    let all = ids(&db, me, "printer", Filters::default()).await;
    assert_eq!(all.len(), 3);
    assert_eq!(
        *all.last().unwrap(),
        in_body.id,
        "a match in the subject ranks above one in the body"
    );
    let filters = |f: Filters| f;
    assert_eq!(
        ids(
            &db,
            me,
            "printer",
            filters(Filters {
                assignee: Some(Assignee::Me),
                ..Filters::default()
            })
        )
        .await,
        [mine.id]
    );
    assert_eq!(
        ids(
            &db,
            me,
            "printer",
            Filters {
                statuses: vec![Status::New],
                ..Filters::default()
            }
        )
        .await
        .len(),
        2
    );
    assert_eq!(
        ids(
            &db,
            me,
            "printer",
            Filters {
                tag: Some("HARDWARE".into()),
                ..Filters::default()
            }
        )
        .await,
        [mine.id]
    );
    assert_eq!(
        ids(
            &db,
            me,
            "printer",
            Filters {
                contact_id: Some(in_subject.contact.id),
                ..Filters::default()
            }
        )
        .await,
        [in_subject.id]
    );
    assert_eq!(
        ids(
            &db,
            me,
            "printer",
            Filters {
                assignee: Some(Assignee::Nobody),
                statuses: vec![Status::New],
                ..Filters::default()
            }
        )
        .await
        .len(),
        2
    );

    // Pages of one: every ticket once, in ranking order.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = find(
            &db,
            me,
            Search {
                q: Some("printer".into()),
                limit: 1,
                cursor,
                ..Search::default()
            },
        )
        .await
        .unwrap();
        seen.extend(page.tickets.iter().map(|t| t.id));
        match page.next {
            Some(next) => cursor = Cursor::parse(&next),
            None => break,
        }
    }
    assert_eq!(seen, all);
    let wrong = Search {
        q: Some("printer".into()),
        limit: 1,
        cursor: Some(Cursor::After(1, 1)),
        ..Search::default()
    };
    assert!(matches!(
        find(&db, me, wrong).await,
        Err(SearchError::BadCursor)
    ));
}

#[tokio::test]
async fn restricted_agents_find_only_their_departments_tickets() {
    let (_dir, db, agent) = account_with_agent().await;
    sql(&db, "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');
              INSERT INTO department_members (department_id, user_id) VALUES (2, 1);
              INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (2, 'o@x.example', 'O', 'owner', 'x', 0);").await;
    assert_eq!(agent.id, 1);
    let mut sales = new_ticket("Discount", "printer discount please", "s@x.example", "S");
    sales.department_id = Some(1);
    let (sales, _) = create(&db, 100, "acme", sales, Actor::Agent(2), None)
        .await
        .unwrap();
    let mut support = new_ticket("Broken", "printer broken", "t@x.example", "T");
    support.department_id = Some(2);
    let (support, _) = create(&db, 101, "acme", support, Actor::Agent(2), None)
        .await
        .unwrap();
    let loose = ticket(
        &db,
        2,
        "No department",
        "printer nobody owns",
        "u@x.example",
    )
    .await;

    let agent_view = viewer(agent.id, Role::Agent);
    let owner_view = viewer(2, Role::Owner);
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(ids(&db, agent_view, "printer", Filters::default()).await).len(),
        3,
        "not restricted yet"
    );
    sql(&db, "INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', 'true', 0);").await;
    assert_eq!(
        sorted(ids(&db, agent_view, "printer", Filters::default()).await),
        sorted(vec![support.id, loose.id])
    );
    assert!(
        ids(&db, agent_view, "discount", Filters::default())
            .await
            .is_empty()
    );
    assert!(
        ids(
            &db,
            agent_view,
            "printer",
            Filters {
                department_id: Some(1),
                ..Filters::default()
            }
        )
        .await
        .is_empty()
    );
    assert_eq!(
        ids(&db, owner_view, "discount", Filters::default()).await,
        [sales.id],
        "owners see everything"
    );
    // The same rule for views without text.
    let listed = find(
        &db,
        agent_view,
        Search {
            limit: 100,
            ..Search::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sorted(listed.tickets.iter().map(|t| t.id).collect()),
        sorted(vec![support.id, loose.id])
    );
}

#[tokio::test]
async fn saved_views_belong_to_their_user_and_mine_is_built_in() {
    let (_dir, db, agent) = account_with_agent().await;
    sql(&db, "INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (2, 'b@x.example', 'B', 'agent', 'x', 0);").await;
    let me = viewer(agent.id, agent.role);
    let printer = ticket(&db, agent.id, "Printer", "fire", "a@x.example").await;
    let assigned = TicketPatch {
        assignee_id: Some(Some(agent.id)),
        ..TicketPatch::default()
    };
    update(&db, 150, me, printer.id, assigned).await.unwrap();
    let _other = ticket(&db, agent.id, "Scanner", "jam", "b@x.example").await;

    let listed = views::list(&db, agent.id).await.unwrap();
    assert_eq!(listed[0].id, "mine");
    assert!(listed[0].builtin);
    let query: ViewQuery = serde_json::from_value(
        serde_json::json!({"q": "fire", "status": "new,open", "assignee": "me"}),
    )
    .unwrap();
    let view = views::create(
        &db,
        10,
        agent.id,
        NewView {
            name: "Fires".into(),
            query,
        },
    )
    .await
    .unwrap();
    assert_eq!(view.position, Some(1));
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(
        json["query"],
        serde_json::json!({"q": "fire", "status": ["new", "open"], "assignee": "me"})
    );
    let taken = views::create(
        &db,
        11,
        agent.id,
        NewView {
            name: "fires".into(),
            query: ViewQuery::default(),
        },
    )
    .await;
    assert!(matches!(taken, Err(SearchError::NameTaken(_))));
    let bad = serde_json::from_value::<ViewQuery>(serde_json::json!({"status": ["closed"]}));
    assert!(bad.is_err());

    // Another user neither sees nor changes it.
    assert!(matches!(
        views::get(&db, 2, &view.id).await,
        Err(SearchError::NotFound(_))
    ));
    assert!(matches!(
        views::delete(&db, 2, &view.id).await,
        Err(SearchError::NotFound(_))
    ));
    assert_eq!(views::list(&db, 2).await.unwrap().len(), 1);

    let renamed = views::update(
        &db,
        agent.id,
        &view.id,
        ViewPatch {
            name: Some("Hot".into()),
            position: Some(5),
            ..ViewPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.position,
            renamed.query.q.as_deref()
        ),
        ("Hot", Some(5), Some("fire"))
    );
    assert!(matches!(
        views::update(&db, agent.id, "mine", ViewPatch::default()).await,
        Err(SearchError::BuiltIn)
    ));
    assert!(matches!(
        views::delete(&db, agent.id, "mine").await,
        Err(SearchError::BuiltIn)
    ));
    assert!(matches!(
        views::get(&db, agent.id, "nonsense").await,
        Err(SearchError::NotFound(_))
    ));

    // Running: the saved view searches; "mine" lists what is assigned to the caller.
    let (q, filters) = renamed.query.search_parts();
    let page = find(
        &db,
        me,
        Search {
            q,
            filters,
            limit: 25,
            cursor: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
        [printer.id]
    );
    let (q, filters) = views::get(&db, agent.id, "mine")
        .await
        .unwrap()
        .query
        .search_parts();
    assert!(q.is_none());
    let page = find(
        &db,
        me,
        Search {
            q,
            filters: filters.clone(),
            limit: 25,
            cursor: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
        [printer.id]
    );
    let theirs = find(
        &db,
        viewer(2, Role::Agent),
        Search {
            q: None,
            filters,
            limit: 25,
            cursor: None,
        },
    )
    .await
    .unwrap();
    assert!(theirs.tickets.is_empty(), "`me` is whoever runs the view");

    views::delete(&db, agent.id, &view.id).await.unwrap();
    assert_eq!(views::list(&db, agent.id).await.unwrap().len(), 1);
}

/// The migration indexes tickets that exist before it, folding them as `fold` does.
#[test]
fn an_upgraded_database_is_searchable() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let ours = ACCOUNT
        .iter()
        .position(|m| m.sql.contains("CREATE VIRTUAL TABLE ticket_search"))
        .unwrap();
    for step in &ACCOUNT[..ours] {
        conn.execute_batch(step.sql).unwrap();
    }
    let every_letter: String = FOLDS.iter().map(|(c, _)| *c).collect();
    conn.execute_batch(&format!(
        "INSERT INTO contacts (id, name, created_at, updated_at) VALUES (1, 'Jürgen Weiß', 0, 0);
         INSERT INTO contact_emails (email, contact_id) VALUES ('jw@x.example', 1);
         INSERT INTO tickets (id, code, subject, contact_id, channel, status, priority, created_at, updated_at)
           VALUES (7, 'A-1', 'Größe {every_letter}', 1, 'api', 'new', 'normal', 0, 0);
         INSERT INTO messages (ticket_id, kind, author_contact_id, body, created_at) VALUES (7, 'customer', 1, 'Žluťoučký kůň', 0);
         INSERT INTO messages (ticket_id, kind, author_contact_id, body, created_at) VALUES (7, 'customer', 1, 'ação', 0);
         INSERT INTO tickets (id, code, subject, contact_id, channel, status, priority, created_at, updated_at)
           VALUES (8, 'A-2', 'No messages yet', 1, 'api', 'new', 'normal', 0, 0);"
    ))
    .unwrap();
    for step in &ACCOUNT[ours..] {
        conn.execute_batch(step.sql).unwrap();
    }
    let found = |q: &str| -> Vec<i64> {
        let expression = match_expression(q).unwrap();
        conn.prepare("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([expression], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(found("grosse "), [7]);
    assert_eq!(found("große "), [7]);
    assert_eq!(
        found(&format!("{} ", fold(&every_letter))),
        [7],
        "the SQL chain is fold"
    );
    assert_eq!(found("zlutoucky acao"), [7]);
    assert_eq!(found("weiss jw@x.example"), [7, 8]);
    assert_eq!(found("messages"), [8]);
}

/// Reindexing reads at most the budget, however long the thread.
#[tokio::test]
async fn reindexing_a_long_thread_is_bounded() {
    let (_dir, db, agent) = account_with_agent().await;
    let t = ticket(
        &db,
        agent.id,
        "Long",
        "first words: zeppelin",
        "a@x.example",
    )
    .await;
    let id = t.id;
    let db2: Arc<Database> = db.clone();
    db2.write(move |conn| -> Result<(), StoreError> {
        let line = "a fairly ordinary reply about the printer and the invoice, ".repeat(20);
        let mut insert = conn.prepare(
            "INSERT INTO messages (ticket_id, kind, author_user_id, body, created_at) VALUES (?1, 'reply', 1, ?2, 0)",
        )?;
        for i in 0..2_000 {
            insert.execute(params![id, format!("{line} number{i}")])?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let (text, took) = db
        .write(
            move |conn| -> Result<(String, std::time::Duration), StoreError> {
                let started = std::time::Instant::now();
                index_ticket(conn, id)?;
                let took = started.elapsed();
                Ok((thread_text(conn, id)?, took))
            },
        )
        .await
        .unwrap();
    assert!(
        text.len() <= TICKET_BUDGET + 2 * MESSAGE_BUDGET,
        "{}",
        text.len()
    );
    eprintln!(
        "reindexing a 2,000-message thread ({} bytes indexed): {took:?}",
        text.len()
    );
    let me = viewer(agent.id, agent.role);
    assert_eq!(
        ids(&db, me, "zeppelin", Filters::default()).await,
        [id],
        "the first message stays"
    );
    assert_eq!(
        ids(&db, me, "number1999", Filters::default()).await,
        [id],
        "the newest is in"
    );
    assert!(
        ids(&db, me, "number5 ", Filters::default())
            .await
            .is_empty(),
        "the middle gave way"
    );
}

/// Equal scores (identical alert mails) come newest first, within a page and across the
/// edge of a page.
#[tokio::test]
async fn equal_scores_are_ordered_by_recency() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let mut alerts = Vec::new();
    for n in 1..=4 {
        let email = format!("alert{n}@x.example");
        alerts.push(
            ticket(&db, agent.id, "Server down", "Disk full", &email)
                .await
                .id,
        );
    }
    let _other = ticket(
        &db,
        agent.id,
        "Server room key",
        "Where is it",
        "k@x.example",
    )
    .await;
    // Updated in the order 3, 1, 4, 2 (oldest first).
    sql(&db, "UPDATE tickets SET updated_at = CASE id WHEN 3 THEN 500 WHEN 1 THEN 600 WHEN 4 THEN 700 WHEN 2 THEN 800 ELSE updated_at END;").await;
    assert_eq!(alerts, [1, 2, 3, 4]);
    let newest_first = [2, 4, 1, 3];
    let all = ids(&db, me, "server down", Filters::default()).await;
    assert_eq!(all, newest_first);
    for limit in [1, 2, 3] {
        let seen = every_page(&db, me, "server down", limit).await;
        assert_eq!(seen, newest_first, "pages of {limit}");
    }
}

/// The ids of every page of a search, following the cursors.
async fn every_page(db: &Database, viewer: Viewer, q: &str, limit: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let search = Search {
            q: Some(q.into()),
            limit,
            cursor,
            ..Search::default()
        };
        let page = find(db, viewer, search).await.unwrap();
        seen.extend(page.tickets.iter().map(|t| t.id));
        match page.next {
            Some(next) => cursor = Cursor::parse(&next),
            None => return seen,
        }
    }
}

/// The grouped tally gives exactly what one `tickets::count` per view gives, for every
/// combination of statuses and assignee the ticket list uses, restricted or not.
#[tokio::test]
async fn the_tally_counts_every_view_like_a_count_per_view() {
    let (_dir, db, agent) = account_with_agent().await;
    sql(&db, "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');
              INSERT INTO department_members (department_id, user_id) VALUES (2, 1);
              INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (2, 'o@x.example', 'O', 'owner', 'x', 0);").await;
    let statuses = Status::ALL;
    let mut n: i64 = 0;
    for status in statuses {
        for assignee in [None, Some(agent.id), Some(2)] {
            for department in [None, Some(1), Some(2)] {
                n += 1;
                let mut new = new_ticket("Count me", "text", &format!("c{n}@x.example"), "C");
                new.department_id = department;
                new.assignee_id = assignee;
                let (made, _) = create(&db, 100 + n, "acme", new, Actor::Agent(2), None)
                    .await
                    .unwrap();
                if *status != Status::New {
                    let patch = TicketPatch {
                        status: Some(*status),
                        ..TicketPatch::default()
                    };
                    update(&db, 200 + n, viewer(2, Role::Owner), made.id, patch)
                        .await
                        .unwrap();
                }
            }
        }
    }
    let sets: Vec<Vec<Status>> = vec![
        Vec::new(),
        vec![Status::New, Status::Open, Status::Pending],
        vec![Status::New, Status::Open],
        vec![Status::Pending],
        vec![Status::Resolved],
        vec![Status::Spam],
        vec![Status::Trash],
    ];
    for restricted in [false, true] {
        if restricted {
            sql(&db, "INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', 'true', 0);").await;
        }
        for who in [viewer(agent.id, Role::Agent), viewer(2, Role::Owner)] {
            let tally = views::tally(&db, who).await.unwrap();
            for set in &sets {
                for assignee in [None, Some(None), Some(Some(who.user_id)), Some(Some(2))] {
                    let query = crate::tickets::ListQuery {
                        statuses: set.clone(),
                        assignee,
                        ..Default::default()
                    };
                    let expected = crate::tickets::count(&db, who, query).await.unwrap();
                    assert_eq!(
                        tally.count(set, assignee),
                        expected,
                        "restricted {restricted}, {who:?}, {set:?}, {assignee:?}"
                    );
                }
            }
        }
    }
    // Restricted, the agent sees the Support and department-less tickets only.
    let agent_tally = views::tally(&db, viewer(agent.id, Role::Agent))
        .await
        .unwrap();
    assert_eq!(agent_tally.count(&[], None), 6 * 3 * 2);
    // A saved view made of statuses and "me" is counted from the tally; text, tags and
    // departments are not.
    let mine = ViewQuery {
        status: vec![Status::Open],
        assignee: Some(Assignee::Me),
        ..ViewQuery::default()
    };
    assert_eq!(
        agent_tally.of_query(&mine, agent.id),
        Some(agent_tally.count(&[Status::Open], Some(Some(agent.id))))
    );
    for other in [
        ViewQuery {
            q: Some("printer".into()),
            ..ViewQuery::default()
        },
        ViewQuery {
            tag: Some("vip".into()),
            ..ViewQuery::default()
        },
        ViewQuery {
            department: Some(2),
            ..ViewQuery::default()
        },
    ] {
        assert_eq!(agent_tally.of_query(&other, agent.id), None);
    }
}

/// A live chat's messages wait in the backlog: not searchable at their commit, searchable
/// after the sweep (or any commit that reindexes the ticket), and the backlog is emptied.
#[tokio::test]
async fn the_backlog_is_indexed_by_the_sweep_and_then_emptied() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, Role::Agent);
    let chat = ticket(&db, agent.id, "Chat", "hello", "c@x.example").await;
    let id = chat.id;
    // The new ticket's own round (the search waits for it).
    assert_eq!(ids(&db, me, "hello", Filters::default()).await, vec![id]);
    for word in ["Quokka", "Wombat"] {
        db.write(move |conn| -> Result<(), crate::tickets::TicketError> {
            let message = crate::tickets::checked_message(
                NewMessage {
                    kind: MessageKind::Reply,
                    body: format!("A {word} answers"),
                },
                Actor::Agent(agent.id),
            )?;
            crate::tickets::insert_message(
                conn,
                200,
                None,
                id,
                &message,
                None,
                crate::tickets::Reindex::Soon,
            )?;
            Ok(())
        })
        .await
        .unwrap();
    }
    assert!(ids(&db, me, "quokka", Filters::default()).await.is_empty());
    let waiting: i64 = db
        .read(|conn| -> Result<i64, StoreError> {
            Ok(conn.query_row("SELECT count(*) FROM search_backlog", [], |r| r.get(0))?)
        })
        .await
        .unwrap();
    assert_eq!(waiting, 1, "one row per ticket");

    assert_eq!(index_backlog(&db).await.unwrap(), 1);
    assert_eq!(ids(&db, me, "quokka", Filters::default()).await, vec![id]);
    assert_eq!(ids(&db, me, "wombat", Filters::default()).await, vec![id]);
    assert_eq!(index_backlog(&db).await.unwrap(), 0, "nothing is left");
}

/// A run of equal scores longer than the rows fetched past the page edge still comes out
/// newest first, page after page.
#[tokio::test]
async fn a_long_run_of_equal_scores_is_ordered_by_recency() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, agent.role);
    let count = super::TIE_ROOM as i64 + 40;
    for n in 0..count {
        ticket(
            &db,
            agent.id,
            "Printer jam",
            "Paper stuck",
            &format!("p{n}@x.example"),
        )
        .await;
    }
    // Updated in an order unrelated to the ids: 7 is coprime with the count.
    sql(
        &db,
        format!("UPDATE tickets SET updated_at = 1000 + ((id * 7) % {count});"),
    )
    .await;
    let mut expected: Vec<i64> = (1..=count).collect();
    expected.sort_by_key(|id| std::cmp::Reverse((id * 7) % count));
    // Pages of 25: the first falls back to the full query, later ones do not.
    assert_eq!(every_page(&db, me, "printer jam", 25).await, expected);
}

async fn count(db: &Database, query: &'static str) -> i64 {
    db.read(move |conn| -> Result<i64, StoreError> { Ok(conn.query_row(query, [], |r| r.get(0))?) })
        .await
        .unwrap()
}

/// A new ticket is indexed by the round after its commit, not in it: until then it waits
/// in `search_backlog` (durably) and in the database's deferred ids. A search that starts
/// after the ticket was created waits for that round.
#[tokio::test]
async fn a_new_ticket_is_indexed_by_the_next_round_and_a_search_waits_for_it() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, Role::Agent);
    let first = ticket(&db, agent.id, "Printer", "paper jam", "p@x.example").await;
    let fts = "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'jam'";
    assert_eq!(count(&db, fts).await, 0, "not indexed in its own commit");
    assert_eq!(count(&db, "SELECT count(*) FROM search_backlog").await, 1);
    assert!(!db.deferred().is_idle());

    index_new(&db).await.unwrap();
    assert_eq!(count(&db, fts).await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM search_backlog").await, 0);
    assert!(db.deferred().is_idle());

    // Without the daemon's rounds, the search itself catches up.
    let second = ticket(&db, agent.id, "Scanner", "paper jam again", "s@x.example").await;
    let mut found = ids(&db, me, "jam", Filters::default()).await;
    found.sort();
    assert_eq!(found, vec![first.id, second.id]);
    assert_eq!(count(&db, "SELECT count(*) FROM search_backlog").await, 0);
}

/// A new ticket whose round never came (the daemon stopped between its commit and the
/// round: here its id is simply never handed to `index_soon`) is indexed by the sweep.
#[tokio::test]
async fn a_new_ticket_whose_round_was_lost_is_indexed_by_the_sweep() {
    let (_dir, db, agent) = account_with_agent().await;
    let me = viewer(agent.id, Role::Agent);
    let checked = crate::tickets::CheckedTicket::new(
        "acme",
        new_ticket("Lost", "a forgotten kangaroo", "k@x.example", "K"),
    )
    .unwrap();
    db.write(move |conn| -> Result<(), crate::tickets::TicketError> {
        let arrival = crate::tickets::Arrival {
            ip: None,
            spam_check: None,
        };
        crate::tickets::insert_in(
            conn,
            100,
            &checked,
            Some(Actor::Agent(agent.id)),
            None,
            &arrival,
        )?;
        Ok(())
    })
    .await
    .unwrap();
    assert!(
        ids(&db, me, "kangaroo", Filters::default())
            .await
            .is_empty()
    );
    assert_eq!(index_backlog(&db).await.unwrap(), 1);
    assert_eq!(ids(&db, me, "kangaroo", Filters::default()).await.len(), 1);
}
