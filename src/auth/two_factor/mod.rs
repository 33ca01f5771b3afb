//! Second factors: TOTP codes with recovery codes, and WebAuthn security keys and passkeys.
//!
//! A user "has 2FA" once a TOTP secret is confirmed or a security key is registered. Such a
//! user signs in to the panel in two steps and may not use Basic with a password on the
//! API. An account may require 2FA of everyone: until they enrol, the panel shows them only
//! the enrolment page. Every change is written to the audit log in the same transaction.

pub mod keys;
pub mod recovery;
pub mod routes;
pub mod totp;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::audit::{self, Actor};
use crate::store::{Database, StoreError};

const REQUIRED_SETTING: &str = "two_factor.required";

#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("two-factor authentication with an app is already enabled; disable it first")]
    AlreadyEnabled,
    #[error("no authenticator enrolment is in progress; start one first")]
    NotEnrolling,
    #[error("two-factor authentication with an app is not enabled")]
    NotEnabled,
    #[error("the code is wrong, expired or already used")]
    WrongCode,
    #[error("this account requires two-factor authentication; add another factor first")]
    Required,
    #[error("a security key needs a name of 1 to 60 characters")]
    InvalidName,
    #[error("the security key's answer was refused: {0}")]
    KeyRefused(String),
    #[error("no such security key")]
    NoSuchKey,
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TwoFactorError {
    fn from(e: rusqlite::Error) -> Self {
        TwoFactorError::Store(e.into())
    }
}

/// What second factors a user has.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub security_keys: i64,
    /// Whether the account requires 2FA of everyone.
    pub required: bool,
}

impl Status {
    pub fn enabled(&self) -> bool {
        self.totp || self.security_keys > 0
    }

    /// The account requires 2FA and this user has none yet.
    pub fn must_enrol(&self) -> bool {
        self.required && !self.enabled()
    }
}

fn status_in(conn: &Connection, user_id: i64) -> Result<Status, rusqlite::Error> {
    let security_keys = conn
        .prepare_cached("SELECT count(*) FROM security_keys WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?;
    Ok(Status {
        totp: totp::is_enabled(conn, user_id)?,
        recovery_codes_left: recovery::remaining(conn, user_id)?,
        security_keys,
        required: required_in(conn)?,
    })
}

pub async fn status(db: &Database, user_id: i64) -> Result<Status, StoreError> {
    db.read(move |conn| Ok(status_in(conn, user_id)?)).await
}

fn required_in(conn: &Connection) -> Result<bool, rusqlite::Error> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([REQUIRED_SETTING], |r| r.get(0))
        .optional()?;
    Ok(value.as_deref() == Some("true"))
}

pub async fn required(db: &Database) -> Result<bool, StoreError> {
    db.read(|conn| Ok(required_in(conn)?)).await
}

/// Requires (or stops requiring) 2FA of everyone in the account.
pub async fn set_required(
    db: &Database,
    now: i64,
    required: bool,
    actor: &Actor,
) -> Result<(), StoreError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<(), StoreError> {
        if required_in(conn)? == required {
            return Ok(());
        }
        conn.execute(
            "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
            params![REQUIRED_SETTING, required.to_string(), now],
        )?;
        let detail = format!("required={required}");
        audit::record(
            conn,
            &actor.entry(now, "settings.two_factor", "account", &detail),
        )?;
        Ok(())
    })
    .await
}

/// Confirms a pending TOTP enrolment with a first code; returns the ten recovery codes.
pub async fn confirm_totp(
    db: &Database,
    now: i64,
    user_id: i64,
    code: &str,
    actor: &Actor,
) -> Result<Vec<Zeroizing<String>>, TwoFactorError> {
    let (code, actor) = (Zeroizing::new(code.to_string()), actor.clone());
    db.write(move |conn| -> Result<_, TwoFactorError> {
        if totp::is_enabled(conn, user_id)? {
            return Err(TwoFactorError::AlreadyEnabled);
        }
        let pending = conn
            .prepare_cached("SELECT 1 FROM totp_secrets WHERE user_id = ?1")?
            .exists([user_id])?;
        if !pending {
            return Err(TwoFactorError::NotEnrolling);
        }
        if !totp::accept(conn, user_id, &code, now, true)? {
            return Err(TwoFactorError::WrongCode);
        }
        let codes = recovery::replace(conn, user_id)?;
        let target = format!("user:{user_id}");
        audit::record(conn, &actor.entry(now, "2fa.totp_enabled", &target, ""))?;
        Ok(codes)
    })
    .await
}

/// Which second factor a login step used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Used {
    Totp,
    RecoveryCode,
}

/// Checks a code given at login: a TOTP code, or a recovery code (used up). Never accepts
/// the same code twice.
pub async fn check_login_code(
    db: &Database,
    now: i64,
    user_id: i64,
    code: &str,
) -> Result<Option<Used>, StoreError> {
    let code = Zeroizing::new(code.to_string());
    db.write(move |conn| -> Result<_, StoreError> {
        if recovery::looks_like_code(&code) {
            let used = recovery::consume(conn, user_id, &code, now)?;
            return Ok(used.then_some(Used::RecoveryCode));
        }
        let ok =
            totp::is_enabled(conn, user_id)? && totp::accept(conn, user_id, &code, now, false)?;
        Ok(ok.then_some(Used::Totp))
    })
    .await
}

/// Turns off TOTP for the user, who proves it with a current code. Refused when the account
/// requires 2FA and no security key would remain.
pub async fn disable_totp(
    db: &Database,
    now: i64,
    user_id: i64,
    code: &str,
    actor: &Actor,
) -> Result<(), TwoFactorError> {
    let (code, actor) = (Zeroizing::new(code.to_string()), actor.clone());
    db.write(move |conn| -> Result<_, TwoFactorError> {
        let status = status_in(conn, user_id)?;
        if !status.totp {
            return Err(TwoFactorError::NotEnabled);
        }
        if status.required && status.security_keys == 0 {
            return Err(TwoFactorError::Required);
        }
        let proved = totp::accept(conn, user_id, &code, now, false)?
            || recovery::consume(conn, user_id, &code, now)?;
        if !proved {
            return Err(TwoFactorError::WrongCode);
        }
        conn.execute("DELETE FROM totp_secrets WHERE user_id = ?1", [user_id])?;
        conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
        let target = format!("user:{user_id}");
        audit::record(conn, &actor.entry(now, "2fa.totp_disabled", &target, ""))?;
        Ok(())
    })
    .await
}

/// New recovery codes for a user with TOTP, who proves it with a current code.
pub async fn renew_recovery_codes(
    db: &Database,
    now: i64,
    user_id: i64,
    code: &str,
    actor: &Actor,
) -> Result<Vec<Zeroizing<String>>, TwoFactorError> {
    let (code, actor) = (Zeroizing::new(code.to_string()), actor.clone());
    db.write(move |conn| -> Result<_, TwoFactorError> {
        if !totp::is_enabled(conn, user_id)? {
            return Err(TwoFactorError::NotEnabled);
        }
        if !totp::accept(conn, user_id, &code, now, false)? {
            return Err(TwoFactorError::WrongCode);
        }
        let codes = recovery::replace(conn, user_id)?;
        let target = format!("user:{user_id}");
        audit::record(
            conn,
            &actor.entry(now, "2fa.recovery_codes_renewed", &target, ""),
        )?;
        Ok(codes)
    })
    .await
}

/// The owner's reset for a user who lost every factor: removes TOTP, recovery codes and
/// security keys, and ends the user's sessions. The caller checks who may do it.
pub async fn reset(db: &Database, now: i64, user_id: i64, actor: &Actor) -> Result<(), StoreError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<_, StoreError> {
        for table in [
            "totp_secrets",
            "recovery_codes",
            "security_keys",
            "sessions",
        ] {
            conn.execute(
                &format!("DELETE FROM {table} WHERE user_id = ?1"),
                [user_id],
            )?;
        }
        let target = format!("user:{user_id}");
        audit::record(conn, &actor.entry(now, "2fa.reset", &target, ""))?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests;
