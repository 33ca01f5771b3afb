//! First-run setup: a one-time link lets one person create the account's owner.
//!
//! Never "whoever registers first": the link carries 256 random bits, lives 24 hours, works
//! once, and a newer link kills the older. Only its SHA-256 is stored (in `system.db`).

pub mod routes;

use std::sync::Arc;

use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::accounts::audit;
use crate::auth::{NewUser, Role, User, UserError, users};
use crate::clock::Clock;
use crate::store::{Store, StoreError};

pub const LINK_LIFETIME_SECS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    Valid,
    Used,
    Expired,
    /// Not a token of this account (or replaced by a newer link).
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("this account already has an owner")]
    OwnerExists,
    #[error("this setup link is not valid ({0:?})")]
    Token(TokenStatus),
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SetupError {
    fn from(e: rusqlite::Error) -> Self {
        SetupError::Store(StoreError::Sql(e))
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A fresh link token for an account without owner; any older token of the account dies.
pub async fn issue_token(
    store: &Arc<Store>,
    clock: &dyn Clock,
    account_id: &str,
    actor: &str,
) -> Result<String, SetupError> {
    let db = store.account(account_id, clock.now_unix()).await?;
    if users::has_owner(&db).await? {
        return Err(SetupError::OwnerExists);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let (hash, id, actor) = (digest(&token), account_id.to_string(), actor.to_string());
    let now = clock.now_unix();
    store
        .system()
        .write(move |conn| -> Result<(), SetupError> {
            conn.execute(
                "INSERT INTO setup_tokens (account_id, token_hash, expires_at, used_at)
                 VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT (account_id) DO UPDATE
                 SET token_hash = excluded.token_hash, expires_at = excluded.expires_at, used_at = NULL",
                params![id, hash, now + LINK_LIFETIME_SECS],
            )?;
            audit::record(conn, now, &actor, "setup_link.issued", Some(&id), "")?;
            Ok(())
        })
        .await?;
    Ok(token)
}

pub async fn token_status(
    store: &Store,
    clock: &dyn Clock,
    account_id: &str,
    token: &str,
) -> Result<TokenStatus, SetupError> {
    let (hash, id, now) = (digest(token), account_id.to_string(), clock.now_unix());
    store
        .system()
        .read(move |conn| {
            let row: Option<(i64, Option<i64>)> = conn
                .query_row(
                    "SELECT expires_at, used_at FROM setup_tokens
                     WHERE account_id = ?1 AND token_hash = ?2",
                    params![id, hash],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(match row {
                None => TokenStatus::Unknown,
                Some((_, Some(_))) => TokenStatus::Used,
                Some((expires, None)) if expires <= now => TokenStatus::Expired,
                Some(_) => TokenStatus::Valid,
            })
        })
        .await
}

/// Creates the owner with a valid token. Input is checked before the token is spent, and a
/// failure after spending it gives the token back, so a typo never burns the link.
pub async fn complete(
    store: &Arc<Store>,
    clock: &dyn Clock,
    account_id: &str,
    token: &str,
    owner: NewUser,
) -> Result<User, SetupError> {
    let owner = NewUser {
        role: Role::Owner,
        ..owner
    }
    .validated()?;
    let db = store.account(account_id, clock.now_unix()).await?;
    if users::has_owner(&db).await? {
        return Err(SetupError::OwnerExists);
    }
    spend(store, clock, account_id, token, true).await?;
    match users::create(&db, clock, owner, &crate::audit::Actor::system("setup")).await {
        Ok(user) => {
            let (id, now) = (account_id.to_string(), clock.now_unix());
            store
                .system()
                .write(move |conn| -> Result<(), StoreError> {
                    Ok(audit::record(
                        conn,
                        now,
                        "setup",
                        "account.owner_created",
                        Some(&id),
                        "",
                    )?)
                })
                .await?;
            Ok(user)
        }
        Err(e) => {
            spend(store, clock, account_id, token, false).await?;
            Err(e.into())
        }
    }
}

/// Marks the token used (`spend = true`) or unused again (`false`), atomically.
async fn spend(
    store: &Store,
    clock: &dyn Clock,
    account_id: &str,
    token: &str,
    spend: bool,
) -> Result<(), SetupError> {
    let (hash, id, now) = (digest(token), account_id.to_string(), clock.now_unix());
    let changed = store
        .system()
        .write(move |conn| -> Result<usize, SetupError> {
            Ok(if spend {
                conn.execute(
                    "UPDATE setup_tokens SET used_at = ?3
                     WHERE account_id = ?1 AND token_hash = ?2 AND used_at IS NULL AND expires_at > ?3",
                    params![id, hash, now],
                )?
            } else {
                conn.execute(
                    "UPDATE setup_tokens SET used_at = NULL WHERE account_id = ?1 AND token_hash = ?2",
                    params![id, hash],
                )?
            })
        })
        .await?;
    if spend && changed != 1 {
        let status = token_status(store, clock, account_id, token).await?;
        return Err(SetupError::Token(status));
    }
    Ok(())
}
