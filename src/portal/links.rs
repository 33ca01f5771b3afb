//! One-time sign-in links of the customer portal: 256 random bits, only their SHA-256
//! stored, valid 30 minutes, spent by the first sign-in (the row is deleted). A link is
//! made only for an email that belongs to a contact of the account; the caller answers
//! the same whether or not one was made. The mail that carries the link is queued in the
//! commit that makes it.

use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::sessions::{self, PortalSession, digest, random_hex};
use crate::audit;
use crate::contacts;
use crate::mail::Identity;
use crate::mail::outbox::{self, OutboxError, Outgoing};
use crate::store::{Database, StoreError};

pub const VALID_SECS: i64 = 30 * 60;

/// The actor the audit log names for what the portal does before anyone is signed in.
const ACTOR: &str = "portal";

/// A link made for a contact: who, and the token (shown nowhere but the link).
pub struct Issued {
    pub contact_id: i64,
    pub token: Zeroizing<String>,
}

/// The mail that carries a link, in the customer's language: the link goes between
/// `intro` and `outro`.
pub struct LinkMail {
    pub identity: Identity,
    /// `https://host` the customer asked on; the link is `{base}/portal/login?token=…`.
    pub base: String,
    pub subject: String,
    pub intro: String,
    pub outro: String,
}

impl LinkMail {
    fn outgoing(&self, to: lettre::Address, token: &str) -> Outgoing {
        Outgoing {
            ticket: None,
            to: lettre::message::Mailbox::new(None, to),
            subject: self.subject.clone(),
            text: format!(
                "{}\n\n{}/portal/login?token={token}\n\n{}\n",
                self.intro, self.base, self.outro
            ),
            references: Vec::new(),
            // No person wrote it: vacation responders must not answer it (RFC 3834).
            automatic: true,
        }
    }
}

/// Makes a sign-in link for the contact with `email`, if there is one, and records
/// `portal.link_issued` (without the token) in the audit log, in one commit; with `mail`,
/// the mail carrying the link to `email` is queued in that commit too.
pub async fn issue(
    db: &Database,
    now: i64,
    email: &str,
    ip: &str,
    mail: Option<LinkMail>,
) -> Result<Option<Issued>, StoreError> {
    let (email, ip) = (email.trim().to_string(), ip.to_string());
    // An address a contact has but lettre refuses could never receive the link.
    let to = match &mail {
        Some(_) => match email.parse::<lettre::Address>() {
            Ok(to) => Some(to),
            Err(_) => return Ok(None),
        },
        None => None,
    };
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
        if let (Some(mail), Some(to)) = (&mail, to) {
            outbox::enqueue(conn, now, &mail.identity, &mail.outgoing(to, &token)).map_err(
                |e| match e {
                    OutboxError::Store(e) => StoreError::from(e),
                    OutboxError::Build(e) => {
                        StoreError::Invariant(format!("the sign-in link's mail: {e}"))
                    }
                },
            )?;
        }
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
