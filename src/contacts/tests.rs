use super::*;
use crate::auth::users::account_with_agent;

fn new(name: &str, emails: &[&str]) -> NewContact {
    NewContact {
        name: name.into(),
        emails: emails.iter().map(|e| e.to_string()).collect(),
        ..NewContact::default()
    }
}

#[tokio::test]
async fn create_update_and_unique_emails() {
    let (_dir, db, _) = account_with_agent().await;
    let ann = create(
        &db,
        10,
        new(
            "Ann",
            &["ann@x.example", "ANN@x.example", "ann@work.example"],
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        ann.emails,
        ["ann@x.example", "ann@work.example"],
        "duplicates folded"
    );
    let taken = create(&db, 10, new("Other", &["Ann@X.example"])).await;
    assert!(matches!(taken, Err(ContactError::EmailTaken(_, id)) if id == ann.id));
    let bad = create(&db, 10, new("Bad", &["not an email"])).await;
    assert!(matches!(bad, Err(ContactError::InvalidEmail(_))));

    let patch = ContactPatch {
        phones: Some(vec!["+420 123 456 789".into()]),
        company: Some("Acme".into()),
        ..ContactPatch::default()
    };
    let changed = update(&db, 20, ann.id, patch).await.unwrap();
    assert_eq!(
        (
            changed.company.as_str(),
            changed.phones.len(),
            changed.name.as_str()
        ),
        ("Acme", 1, "Ann")
    );
    let found = list(&db, Some("ann@work.example".into()), None, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(matches!(
        get(&db, 999).await,
        Err(ContactError::NotFound(999))
    ));
}

#[tokio::test]
async fn find_or_create_and_merge() {
    let (_dir, db, _) = account_with_agent().await;
    let (a, again, b) = db
        .write(|conn| -> Result<_, ContactError> {
            let a = find_or_create_by_email(conn, "bo@x.example", "Bo", 1)?;
            let again = find_or_create_by_email(conn, "BO@x.example", "Someone else", 2)?;
            let b = find_or_create_by_email(conn, "bo@home.example", "", 3)?;
            Ok((a, again, b))
        })
        .await
        .unwrap();
    assert_eq!(a, again, "the same address is the same contact");
    let merged = merge(&db, 5, b, a).await.unwrap();
    assert_eq!(merged.emails.len(), 2);
    assert_eq!(merged.name, "Bo");
    assert!(matches!(get(&db, b).await, Err(ContactError::NotFound(_))));
    assert!(matches!(
        merge(&db, 5, a, a).await,
        Err(ContactError::Invalid(_))
    ));
}
