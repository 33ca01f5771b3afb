use totp_rs::{Algorithm, Secret, TOTP};

use super::*;
use crate::auth::users::account_with_agent;

fn actor() -> Actor {
    Actor::system("test")
}

fn code_at(secret_base32: &str, at: i64) -> String {
    let secret = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, secret, None, String::new()).generate(at as u64)
}

#[tokio::test]
async fn enrol_confirm_login_and_no_replay() {
    let (_dir, db, user) = account_with_agent().await;
    let t0 = 1_800_000_000;
    let enrolment = totp::begin(&db, t0, user.id, "Acme", &user.email)
        .await
        .unwrap();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(
        !status(&db, user.id).await.unwrap().enabled(),
        "not before confirmation"
    );

    let wrong = confirm_totp(&db, t0, user.id, "000000", &actor()).await;
    assert!(matches!(wrong, Err(TwoFactorError::WrongCode)));
    let code = code_at(&enrolment.secret, t0);
    let codes = confirm_totp(&db, t0, user.id, &code, &actor())
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    let now = status(&db, user.id).await.unwrap();
    assert!(now.totp && now.enabled());
    assert_eq!(now.recovery_codes_left, 10);

    // The confirming code is spent; so is any code of the same step.
    assert_eq!(
        check_login_code(&db, t0, user.id, &code).await.unwrap(),
        None
    );
    let next = code_at(&enrolment.secret, t0 + 30);
    assert_eq!(
        check_login_code(&db, t0 + 30, user.id, &next)
            .await
            .unwrap(),
        Some(Used::Totp)
    );
    assert_eq!(
        check_login_code(&db, t0 + 31, user.id, &next)
            .await
            .unwrap(),
        None,
        "replay"
    );

    // A recovery code works once.
    let recovery = codes[3].to_uppercase();
    assert_eq!(
        check_login_code(&db, t0, user.id, &recovery).await.unwrap(),
        Some(Used::RecoveryCode)
    );
    assert_eq!(
        check_login_code(&db, t0, user.id, &recovery).await.unwrap(),
        None
    );
    assert_eq!(status(&db, user.id).await.unwrap().recovery_codes_left, 9);

    // A second enrolment is refused while one is active.
    let again = totp::begin(&db, t0, user.id, "Acme", &user.email).await;
    assert!(matches!(again, Err(TwoFactorError::AlreadyEnabled)));
}

#[tokio::test]
async fn disable_needs_a_code_and_respects_the_requirement() {
    let (_dir, db, user) = account_with_agent().await;
    let t0 = 1_800_000_000;
    let enrolment = totp::begin(&db, t0, user.id, "Acme", &user.email)
        .await
        .unwrap();
    confirm_totp(&db, t0, user.id, &code_at(&enrolment.secret, t0), &actor())
        .await
        .unwrap();

    set_required(&db, t0, true, &actor()).await.unwrap();
    let refused = disable_totp(
        &db,
        t0 + 30,
        user.id,
        &code_at(&enrolment.secret, t0 + 30),
        &actor(),
    )
    .await;
    assert!(matches!(refused, Err(TwoFactorError::Required)));

    set_required(&db, t0, false, &actor()).await.unwrap();
    let wrong = disable_totp(&db, t0 + 60, user.id, "123456", &actor()).await;
    assert!(matches!(wrong, Err(TwoFactorError::WrongCode)));
    disable_totp(
        &db,
        t0 + 60,
        user.id,
        &code_at(&enrolment.secret, t0 + 60),
        &actor(),
    )
    .await
    .unwrap();
    let after = status(&db, user.id).await.unwrap();
    assert!(!after.enabled());
    assert_eq!(after.recovery_codes_left, 0);
}

#[tokio::test]
async fn reset_removes_every_factor() {
    let (_dir, db, user) = account_with_agent().await;
    let t0 = 1_800_000_000;
    let enrolment = totp::begin(&db, t0, user.id, "Acme", &user.email)
        .await
        .unwrap();
    confirm_totp(&db, t0, user.id, &code_at(&enrolment.secret, t0), &actor())
        .await
        .unwrap();
    reset(&db, t0, user.id, &actor()).await.unwrap();
    let after = status(&db, user.id).await.unwrap();
    assert!(!after.enabled());
    assert_eq!(after.recovery_codes_left, 0);
    let actions: Vec<String> = db
        .read(|conn| -> Result<_, StoreError> {
            let mut stmt = conn.prepare("SELECT action FROM audit_log ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
        .unwrap();
    assert!(
        actions.contains(&"2fa.totp_enabled".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"2fa.reset".to_string()), "{actions:?}");
}
