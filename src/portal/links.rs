//! One-time sign-in links of the customer portal: 256 random bits, only their SHA-256
//! stored, valid 30 minutes, spent by the first sign-in (the row is deleted). A link is
//! made only for an email that belongs to a contact of the account; the caller answers
//! the same whether or not one was made.

use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::sessions::{self, PortalSession, digest, random_hex};
use crate::audit;
use crate::contacts;
use crate::store::{Database, StoreError};

pub const VALID_SECS: i64 = 30 * 60;

/// The actor the audit log names for what the portal does before anyone is signed in.
const ACTOR: &str = "portal";

/// A link made for a contact: who, and the token (shown nowhere but the link).
pub struct Issued {
    pub contact_id: i64,
    pub token: Zeroizing<String>,
}

/// Makes a sign-in link for the contact with `email`, if there is one, and records
/// `portal.link_issued` (without the token) in the audit log, in one commit.
pub async fn issue(
    db: &Database,
    now: i64,
    email: &str,
    ip: &str,
) -> Result<Option<Issued>, StoreError> {
    let (email, ip) = (email.trim().to_string(), ip.to_string());
    db.write(move |conn| -> Result<Option<Issued>, StoreError> {
        conn.prepare_cached("DELETE FROM portal_login_links WHERE expires_at <= ?1")?
            .execute([now])?;
        let Some(contact_id) = contacts::find_by_email(conn, &email)? else {
            return Ok(None);
        };
        let token = random_hex(32);
        conn.prepare_cached(
            "INSERT INTO portal_login_links (token_hash, contact_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![digest(&token), contact_id, now, now + VALID_SECS])?;
        let target = format!("contact:{contact_id}");
        let entry = audit::Entry {
            at: now,
            actor_id: None,
            actor: ACTOR,
            action: "portal.link_issued",
            target: &target,
            ip: &ip,
            detail: "",
        };
        audit::record(conn, &entry)?;
        Ok(Some(Issued { contact_id, token }))
    })
    .await
}

/// Whether `token` opens a live link (reading only: showing the confirmation page must not
/// spend it, since mail scanners fetch links).
pub async fn is_live(db: &Database, now: i64, token: &str) -> Result<bool, StoreError> {
    let hash = digest(token);
    db.read(move |conn| -> Result<bool, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM portal_login_links WHERE token_hash = ?1 AND expires_at > ?2",
            )?
            .exists(params![hash, now])?)
    })
    .await
}

/// Spends the link and starts a session for its contact, recording `portal.signed_in`, in
/// one commit: `None` when the link is unknown, used or expired.
pub async fn spend(
    db: &Database,
    now: i64,
    token: &str,
    ip: &str,
) -> Result<Option<(Zeroizing<String>, PortalSession)>, StoreError> {
    let (hash, ip) = (digest(token), ip.to_string());
    db.write(move |conn| -> Result<_, StoreError> {
        let contact_id: Option<i64> = conn
            .prepare_cached(
                "DELETE FROM portal_login_links WHERE token_hash = ?1 AND expires_at > ?2
                 RETURNING contact_id",
            )?
            .query_row(params![hash, now], |r| r.get(0))
            .optional()?;
        let Some(contact_id) = contact_id else {
            return Ok(None);
        };
        let (token, session) = sessions::start(conn, now, contact_id)?;
        let (target, detail) = (
            format!("contact:{contact_id}"),
            format!("session:{}", session.id),
        );
        let entry = audit::Entry {
            at: now,
            actor_id: None,
            actor: ACTOR,
            action: "portal.signed_in",
            target: &target,
            ip: &ip,
            detail: &detail,
        };
        audit::record(conn, &entry)?;
        Ok(Some((token, session)))
    })
    .await
}
