//! Sessions of the customer portal, the panel's approach (`auth::sessions`) for contacts:
//! a 256-bit id sent only in the `__Host-hd_portal` cookie and stored only as its SHA-256,
//! idle and absolute expiry, a CSRF token each. A session belongs to a contact; merging or
//! deleting the contact ends it (the rows go with the contact).

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::store::{Database, StoreError};

pub const COOKIE: &str = "__Host-hd_portal";
/// A session unused this long ends.
pub const IDLE_SECS: i64 = 8 * 3600;
/// A session ends this long after sign-in, however much it is used.
pub const ABSOLUTE_SECS: i64 = 7 * 86_400;
/// Refresh `last_seen_at` at most this often: reading a page should not be a write.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct PortalSession {
    pub id: i64,
    pub contact_id: i64,
    csrf: String,
}

impl PortalSession {
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Constant-time comparison of a submitted CSRF token with this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        !submitted.is_empty() && bool::from(submitted.as_bytes().ct_eq(self.csrf.as_bytes()))
    }
}

pub(super) fn random_hex(bytes: usize) -> Zeroizing<String> {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    rand::rngs::OsRng.fill_bytes(&mut buf);
    Zeroizing::new(hex::encode(&*buf))
}

pub(super) fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// In a transaction: starts a session for `contact` (and forgets expired ones); returns the
/// cookie value (never stored) and the session.
pub(super) fn start(
    conn: &Connection,
    now: i64,
    contact: i64,
) -> Result<(Zeroizing<String>, PortalSession), rusqlite::Error> {
    conn.prepare_cached(
        "DELETE FROM portal_sessions WHERE last_seen_at <= ?1 OR created_at <= ?2",
    )?
    .execute(params![now - IDLE_SECS, now - ABSOLUTE_SECS])?;
    let token = random_hex(32);
    let csrf = random_hex(16).to_string();
    conn.prepare_cached(
        "INSERT INTO portal_sessions (token_hash, contact_id, csrf_token, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![digest(&token), contact, csrf, now])?;
    let session = PortalSession {
        id: conn.last_insert_rowid(),
        contact_id: contact,
        csrf,
    };
    Ok((token, session))
}

/// The live session for a cookie value; an expired one is deleted and not returned.
pub async fn find(
    db: &Database,
    now: i64,
    token: &str,
) -> Result<Option<PortalSession>, StoreError> {
    let hash = digest(token);
    let found = db
        .read(move |conn| -> Result<_, StoreError> {
            Ok(conn
                .prepare_cached(
                    "SELECT id, contact_id, csrf_token, created_at, last_seen_at
                     FROM portal_sessions WHERE token_hash = ?1",
                )?
                .query_row([hash], |r| {
                    Ok((
                        PortalSession {
                            id: r.get(0)?,
                            contact_id: r.get(1)?,
                            csrf: r.get(2)?,
                        },
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .optional()?)
        })
        .await?;
    let Some((session, created_at, last_seen_at)) = found else {
        return Ok(None);
    };
    if now - last_seen_at >= IDLE_SECS || now - created_at >= ABSOLUTE_SECS {
        end(db, session.id).await?;
        return Ok(None);
    }
    if now - last_seen_at >= TOUCH_EVERY_SECS {
        let id = session.id;
        db.write(move |conn| -> Result<(), StoreError> {
            conn.execute(
                "UPDATE portal_sessions SET last_seen_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
        .await?;
    }
    Ok(Some(session))
}

/// Ends a session (sign-out).
pub async fn end(db: &Database, id: i64) -> Result<(), StoreError> {
    db.write(move |conn| -> Result<(), StoreError> {
        conn.execute("DELETE FROM portal_sessions WHERE id = ?1", [id])?;
        Ok(())
    })
    .await
}

/// The `Set-Cookie` value that carries a new session. `SameSite=Lax`, unlike the panel's
/// Strict: a customer opens links to their tickets from mail, and those top-level GETs
/// only read; every POST carries the session's CSRF token.
pub fn cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_SECS}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}
