//! Security keys and passkeys (WebAuthn, through webauthn-rs): several per user, named and
//! removable, as a second factor after the password or to sign in without one.
//!
//! The relying party is the host name the account is served on, so a key registered on
//! `support.acme.example` answers only there. webauthn-rs requires user verification (PIN
//! or biometrics on the key), which is what makes a key alone enough to sign in. Challenges
//! live in memory for five minutes; the credential (public key, counter) is stored as
//! webauthn-rs serializes it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

use super::{TwoFactorError, status_in};
use crate::audit::{self, Actor};
use crate::auth::users::User;
use crate::clock::rfc3339;
use crate::store::{Database, StoreError};

const CHALLENGE_TTL: Duration = Duration::from_secs(300);
const MAX_NAME_CHARS: usize = 60;
const MAX_KEYS_PER_USER: i64 = 20;

/// The relying party for a request that reached the account on `authority` (host[:port]).
pub fn relying_party(authority: &str, account_name: &str) -> Result<Webauthn, TwoFactorError> {
    let origin = Url::parse(&format!("https://{authority}"))
        .map_err(|_| TwoFactorError::Internal(format!("no WebAuthn origin for {authority:?}")))?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| TwoFactorError::Internal(format!("no host in {authority:?}")))?
        .to_string();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name(account_name).allow_any_port(true).build())
        .map_err(|e| TwoFactorError::Internal(format!("WebAuthn for {rp_id}: {e}")))
}

/// A stable, opaque WebAuthn user handle: it reveals neither the account nor the user id.
fn user_handle(account_id: &str, user_id: i64) -> Uuid {
    let digest = Sha256::digest(format!("helpdeskd webauthn user {account_id} {user_id}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

pub async fn list(db: &Database, user_id: i64) -> Result<Vec<KeyInfo>, StoreError> {
    db.read(move |conn| -> Result<_, StoreError> {
        let mut stmt = conn.prepare(
            "SELECT id, name, created_at, last_used_at FROM security_keys WHERE user_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(KeyInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                created_at: rfc3339(r.get(2)?),
                last_used_at: r.get::<_, Option<i64>>(3)?.map(rfc3339),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

async fn passkeys(db: &Database, user_id: i64) -> Result<Vec<(i64, Passkey)>, StoreError> {
    db.read(move |conn| -> Result<_, StoreError> {
        let mut stmt = conn.prepare("SELECT id, passkey FROM security_keys WHERE user_id = ?1")?;
        let rows = stmt.query_map([user_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut keys = Vec::new();
        for row in rows {
            let (id, json) = row?;
            match serde_json::from_str::<Passkey>(&json) {
                Ok(key) => keys.push((id, key)),
                Err(e) => tracing::warn!(key = id, error = %e, "unreadable security key skipped"),
            }
        }
        Ok(keys)
    })
    .await
}

pub async fn start_registration(
    relying_party: &Webauthn,
    db: &Database,
    account_id: &str,
    user: &User,
) -> Result<(CreationChallengeResponse, PasskeyRegistration), TwoFactorError> {
    let existing = passkeys(db, user.id).await?;
    if existing.len() as i64 >= MAX_KEYS_PER_USER {
        return Err(TwoFactorError::Internal(format!(
            "at most {MAX_KEYS_PER_USER} security keys per user"
        )));
    }
    let exclude = existing.iter().map(|(_, k)| k.cred_id().clone()).collect();
    relying_party
        .start_passkey_registration(
            user_handle(account_id, user.id),
            &user.email,
            &user.name,
            Some(exclude),
        )
        .map_err(|e| TwoFactorError::Internal(e.to_string()))
}

/// A registration the browser answered: the challenge's state, the answer, and the name
/// the user gave the key.
pub struct Answered<'a> {
    pub name: &'a str,
    pub state: &'a PasskeyRegistration,
    pub answer: &'a RegisterPublicKeyCredential,
}

/// Stores the new key under its name once the browser's answer checks out.
pub async fn finish_registration(
    relying_party: &Webauthn,
    db: &Database,
    now: i64,
    user_id: i64,
    answered: Answered<'_>,
    actor: &Actor,
) -> Result<KeyInfo, TwoFactorError> {
    let Answered {
        name,
        state,
        answer,
    } = answered;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(TwoFactorError::InvalidName);
    }
    let key = relying_party
        .finish_passkey_registration(answer, state)
        .map_err(|e| TwoFactorError::KeyRefused(e.to_string()))?;
    let json = serde_json::to_string(&key).map_err(|e| TwoFactorError::Internal(e.to_string()))?;
    let credential_id = key.cred_id().to_vec();
    let (stored_name, actor) = (name.clone(), actor.clone());
    let id = db
        .write(move |conn| -> Result<i64, TwoFactorError> {
            conn.execute(
                "INSERT INTO security_keys (user_id, name, credential_id, passkey, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, stored_name, credential_id, json, now],
            )?;
            let id = conn.last_insert_rowid();
            let (target, detail) = (
                format!("user:{user_id}"),
                format!("key:{id} name={stored_name}"),
            );
            audit::record(conn, &actor.entry(now, "2fa.key_added", &target, &detail))?;
            Ok(id)
        })
        .await?;
    Ok(KeyInfo {
        id,
        name,
        created_at: rfc3339(now),
        last_used_at: None,
    })
}

/// A challenge for the user's keys; `None` when they have none.
pub async fn start_authentication(
    relying_party: &Webauthn,
    db: &Database,
    user_id: i64,
) -> Result<Option<(RequestChallengeResponse, PasskeyAuthentication)>, TwoFactorError> {
    let keys: Vec<Passkey> = passkeys(db, user_id)
        .await?
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    relying_party
        .start_passkey_authentication(&keys)
        .map(Some)
        .map_err(|e| TwoFactorError::Internal(e.to_string()))
}

/// Checks the browser's answer to a challenge; records the key's use and new counter.
pub async fn finish_authentication(
    relying_party: &Webauthn,
    db: &Database,
    now: i64,
    user_id: i64,
    state: &PasskeyAuthentication,
    answer: &PublicKeyCredential,
) -> Result<bool, TwoFactorError> {
    let Ok(result) = relying_party.finish_passkey_authentication(answer, state) else {
        return Ok(false);
    };
    let mut keys = passkeys(db, user_id).await?;
    let Some((id, key)) = keys
        .iter_mut()
        .find(|(_, k)| k.cred_id() == result.cred_id())
    else {
        return Ok(false);
    };
    key.update_credential(&result);
    let (id, json) = (
        *id,
        serde_json::to_string(key).map_err(|e| TwoFactorError::Internal(e.to_string()))?,
    );
    db.write(move |conn| -> Result<(), StoreError> {
        conn.execute(
            "UPDATE security_keys SET passkey = ?2, last_used_at = ?3 WHERE id = ?1",
            params![id, json, now],
        )?;
        Ok(())
    })
    .await?;
    Ok(true)
}

/// Removes one of the user's keys; refused when the account requires 2FA and it is the
/// user's last factor.
pub async fn remove(
    db: &Database,
    now: i64,
    user_id: i64,
    key_id: i64,
    actor: &Actor,
) -> Result<(), TwoFactorError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<(), TwoFactorError> {
        let status = status_in(conn, user_id)?;
        if status.required && !status.totp && status.security_keys <= 1 {
            return Err(TwoFactorError::Required);
        }
        let removed = conn.execute(
            "DELETE FROM security_keys WHERE id = ?1 AND user_id = ?2",
            params![key_id, user_id],
        )?;
        if removed == 0 {
            return Err(TwoFactorError::NoSuchKey);
        }
        let (target, detail) = (format!("user:{user_id}"), format!("key:{key_id}"));
        audit::record(conn, &actor.entry(now, "2fa.key_removed", &target, &detail))?;
        Ok(())
    })
    .await
}

/// Registrations in progress, per panel session.
#[derive(Default)]
pub struct Registrations {
    pending: Mutex<HashMap<(String, i64), (PasskeyRegistration, Instant)>>,
}

impl Registrations {
    pub fn put(&self, account_id: &str, session_id: i64, state: PasskeyRegistration, now: Instant) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|_, (_, at)| now.duration_since(*at) < CHALLENGE_TTL);
            pending.insert((account_id.to_string(), session_id), (state, now));
        }
    }

    pub fn take(
        &self,
        account_id: &str,
        session_id: i64,
        now: Instant,
    ) -> Option<PasskeyRegistration> {
        let mut pending = self.pending.lock().ok()?;
        let (state, at) = pending.remove(&(account_id.to_string(), session_id))?;
        (now.duration_since(at) < CHALLENGE_TTL).then_some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relying_party_from_authority() {
        assert!(relying_party("support.acme.example", "Acme").is_ok());
        assert!(relying_party("support.acme.example:8443", "Acme").is_ok());
        assert!(relying_party("localhost:8443", "Acme").is_ok());
        assert!(relying_party("bad host", "Acme").is_err());
    }

    #[test]
    fn user_handles_are_stable_and_distinct() {
        assert_eq!(user_handle("a", 1), user_handle("a", 1));
        assert_ne!(user_handle("a", 1), user_handle("a", 2));
        assert_ne!(user_handle("a", 1), user_handle("b", 1));
    }
}
