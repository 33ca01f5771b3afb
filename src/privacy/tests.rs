use super::*;
use crate::attachments::{self, Upload, Uploader};
use crate::auth::users::account_with_agent;
use crate::contacts::{self, NewContact};
use crate::tickets::{self, Actor, MessageKind, NewContactRef, NewMessage, NewTicket, Viewer};

/// A contact with a ticket (their message, an agent's reply with a file, an internal note
/// with a file, a file of the agent's and one of theirs outside the thread), a sighting and
/// a chat consent; returns the contact and ticket ids.
async fn person(db: &Database, agent: Viewer, name: &str, emails: &[&str], ip: &str) -> (i64, i64) {
    let contact = contacts::create(
        db,
        10,
        NewContact {
            name: name.into(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            address: format!("{name} Street 1"),
            ..NewContact::default()
        },
    )
    .await
    .unwrap();
    let (ticket, _) = tickets::create(
        db,
        20,
        "acc",
        NewTicket {
            subject: format!("{name}'s printer"),
            message: format!("{name} says it jams"),
            contact: NewContactRef {
                email: emails[0].into(),
                name: String::new(),
            },
            channel: tickets::Channel::Chat,
            priority: None,
            tags: Vec::new(),
            department_id: None,
            assignee_id: None,
            custom: Default::default(),
        },
        Actor::Contact(contact.id),
        None,
    )
    .await
    .unwrap();
    let message = |kind, body: String| {
        tickets::add_message(
            db,
            30,
            Some(agent),
            ticket.id,
            NewMessage { kind, body },
            Actor::Agent(agent.user_id),
            None,
        )
    };
    let reply = message(MessageKind::Reply, format!("Hello {name}, try this"))
        .await
        .unwrap();
    let note = message(MessageKind::Note, format!("internal: {name} is a VIP"))
        .await
        .unwrap();
    let files = [
        (Some(reply.id), "manual.txt", Uploader::Agent(agent.user_id)),
        (
            Some(note.id),
            "internal.txt",
            Uploader::Agent(agent.user_id),
        ),
        // On the ticket, outside any message: the agent's is internal, the person's is theirs.
        (None, "loose.txt", Uploader::Agent(agent.user_id)),
        (None, "photo.txt", Uploader::Contact(contact.id)),
    ];
    for (message_id, file, uploader) in files {
        let upload = Upload {
            ticket_id: ticket.id,
            message_id,
            filename: Some(format!("{name}-{file}")),
            declared_type: String::new(),
            bytes: format!("{name} {file}").into_bytes(),
            uploader,
        };
        attachments::store(db, 40, upload).await.unwrap();
    }
    let (id, ip) = (contact.id, ip.to_string());
    db.write(move |conn| -> Result<(), StoreError> {
        contacts::note_sighting(conn, id, "ip", &ip, 50)?;
        conn.execute(
            "INSERT INTO chat_consents (contact_id, chat_id, locale, version, given_at, ip)
             VALUES (?1, NULL, 'en', 1, 60, ?2)",
            rusqlite::params![id, ip],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    (contact.id, ticket.id)
}

#[tokio::test]
async fn staff_see_everything_the_subject_no_internal_notes_and_nobody_else() {
    let (_dir, db, user) = account_with_agent().await;
    let agent = Viewer::of(&user);
    let (ann, ticket) = person(
        &db,
        agent,
        "Ann",
        &["ann@x.example", "ann@work.example"],
        "198.51.100.7",
    )
    .await;
    person(&db, agent, "Bob", &["bob@y.example"], "203.0.113.99").await;

    let staff = export::contact(&db, ann, Audience::Staff, 100)
        .await
        .unwrap();
    assert_eq!(staff.format, "helpdeskd-contact-export/1");
    assert_eq!(staff.exported_at, crate::clock::rfc3339(100));
    assert_eq!(staff.contact.emails, ["ann@x.example", "ann@work.example"]);
    assert_eq!(staff.contact.address, "Ann Street 1");
    assert_eq!(staff.sightings.len(), 1);
    assert_eq!(
        (
            staff.sightings[0].kind.as_str(),
            staff.sightings[0].value.as_str()
        ),
        ("ip", "198.51.100.7")
    );
    assert_eq!(staff.consents.len(), 1);
    let consent = &staff.consents[0];
    assert_eq!((consent.locale.as_str(), consent.version), ("en", 1));
    assert_eq!(consent.ip, "198.51.100.7");
    assert!(
        consent.text.as_deref().is_some_and(|t| !t.is_empty()),
        "the words agreed to"
    );

    assert_eq!(staff.tickets.len(), 1);
    let t = &staff.tickets[0];
    assert_eq!((t.id, t.channel.as_str()), (ticket, "chat"));
    let kinds: Vec<&str> = t.messages.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["customer", "reply", "note"]);
    assert_eq!(t.messages[0].author.kind, "contact");
    assert_eq!(
        (
            t.messages[1].author.kind.as_str(),
            t.messages[1].author.name.as_str()
        ),
        ("agent", "A")
    );
    let reply_file = &t.messages[1].attachments[0];
    assert_eq!(reply_file.filename, "Ann-manual.txt");
    assert_eq!(reply_file.size, "Ann manual.txt".len() as i64);
    assert_eq!(reply_file.sha256.len(), 64);
    assert_eq!(t.messages[2].attachments[0].filename, "Ann-internal.txt");
    assert!(t.history.as_ref().is_some_and(|h| !h.is_empty()));
    let loose: Vec<&str> = t.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(loose, ["Ann-loose.txt", "Ann-photo.txt"]);

    let subject = export::contact(&db, ann, Audience::Subject, 100)
        .await
        .unwrap();
    let t = &subject.tickets[0];
    let kinds: Vec<&str> = t.messages.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["customer", "reply"], "no internal note");
    assert_eq!(
        t.messages[1].attachments.len(),
        1,
        "the reply's file is theirs"
    );
    assert!(t.history.is_none());
    let loose: Vec<&str> = t.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(
        loose,
        ["Ann-photo.txt"],
        "the agent's loose file is internal"
    );
    assert_eq!(subject.consents, staff.consents);
    assert_eq!(subject.sightings, staff.sightings);

    let staff_json = serde_json::to_string(&staff).unwrap();
    let subject_json = serde_json::to_string(&subject).unwrap();
    assert!(staff_json.contains("internal: Ann is a VIP"));
    assert!(!subject_json.contains("VIP") && !subject_json.contains("internal.txt"));
    assert!(!subject_json.contains("loose.txt"));
    assert!(!subject_json.contains("\"history\""));
    for json in [&staff_json, &subject_json] {
        for bob in ["Bob", "bob@y.example", "203.0.113.99"] {
            assert!(!json.contains(bob), "another contact's {bob} leaked");
        }
    }
}

#[tokio::test]
async fn an_unknown_contact_is_not_found_and_nothing_is_audited() {
    let (_dir, db, user) = account_with_agent().await;
    let actor = crate::audit::Actor {
        id: Some(user.id),
        name: user.email.clone(),
        ip: "192.0.2.1".into(),
    };
    let missing = export_recorded(&db, 10, 4242, Audience::Staff, actor.clone()).await;
    assert!(matches!(missing, Err(PrivacyError::NotFound(4242))));

    let ann = contacts::create(
        &db,
        10,
        NewContact {
            name: "Ann".into(),
            emails: vec!["ann@x.example".into()],
            ..NewContact::default()
        },
    )
    .await
    .unwrap();
    let export = export_recorded(&db, 20, ann.id, Audience::Staff, actor)
        .await
        .unwrap();
    assert!(export.tickets.is_empty() && export.consents.is_empty());
    let entries: Vec<(String, String, String)> = db
        .read(|conn| -> Result<_, StoreError> {
            let mut stmt =
                conn.prepare("SELECT action, target, detail FROM audit_log ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap();
    let target = format!("contact:{}", ann.id);
    assert_eq!(
        entries,
        [(
            "contact.exported".to_string(),
            target,
            "audience: staff".to_string()
        )]
    );
}

#[tokio::test]
async fn the_download_is_an_attachment_named_after_the_contact() {
    let (_dir, db, _) = account_with_agent().await;
    let ann = contacts::create(&db, 10, NewContact::default())
        .await
        .unwrap();
    let export = export::contact(&db, ann.id, Audience::Subject, 0)
        .await
        .unwrap();
    let response = download(&export);
    let header = |name| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(
        header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"contact-{}-export.json\"", ann.id)
    );
    assert_eq!(header(header::CONTENT_TYPE), "application/json");
    assert_eq!(header(header::CACHE_CONTROL), "no-store");
}
