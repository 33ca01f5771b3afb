//! Inviting people into an account: an owner or admin names the email, name and role; the
//! invitee opens a one-time link (valid seven days), chooses a password and is in. Until
//! mail exists the link is shown to the inviter; later the mail domain sends it.
//!
//! Only a SHA-256 of the link's token is stored. The row goes when the invitation is
//! accepted, revoked or found expired, so nobody's email waits in the database for long.

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::password;
use super::users::{self, NewUser, Role, User, UserError};
use crate::audit::{self, Actor};
use crate::clock::{Clock, rfc3339};
use crate::store::Database;

pub const VALID_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn forget_expired(conn: &Connection, now: i64) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM invitations WHERE expires_at <= ?1", [now])?;
    Ok(())
}

fn row_to_invitation(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    let role: String = r.get(3)?;
    Ok(Invitation {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Agent),
        invited_by: r.get(4)?,
        created_at: rfc3339(r.get(5)?),
        expires_at: rfc3339(r.get(6)?),
    })
}

const COLUMNS: &str = "id, email, name, role, invited_by, created_at, expires_at";

/// Invites `email` as `role`; returns the invitation and the link's token (shown once). A
/// new invitation for the same email replaces the old one.
pub async fn create(
    db: &Database,
    clock: &dyn Clock,
    by: &User,
    email: &str,
    name: &str,
    role: Role,
    actor: &Actor,
) -> Result<(Invitation, Zeroizing<String>), UserError> {
    let (email, name) = (email.trim().to_string(), name.trim().to_string());
    if !users::is_plausible_email(&email) {
        return Err(UserError::InvalidEmail);
    }
    if name.is_empty() || name.chars().count() > 200 {
        return Err(UserError::InvalidName("must be 1 to 200 characters"));
    }
    if !by.role.may_manage(role) {
        return Err(UserError::NotAllowed(format!(
            "a user with role {} cannot invite a user with role {}",
            by.role.as_str(),
            role.as_str()
        )));
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    let token = Zeroizing::new(hex::encode(bytes.as_ref()));
    let (hash, now, actor, by_name) = (
        digest(&token),
        clock.now_unix(),
        actor.clone(),
        by.email.clone(),
    );
    let invitation = db
        .write(move |conn| -> Result<Invitation, UserError> {
            forget_expired(conn, now)?;
            let taken = conn
                .prepare_cached("SELECT 1 FROM users WHERE email = ?1")?
                .exists([&email])?;
            if taken {
                return Err(UserError::EmailTaken);
            }
            conn.execute("DELETE FROM invitations WHERE email = ?1", [&email])?;
            conn.execute(
                "INSERT INTO invitations (token_hash, email, name, role, invited_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![hash, email, name, role.as_str(), by_name, now, now + VALID_SECS],
            )?;
            let id = conn.last_insert_rowid();
            let detail = format!("role={}", role.as_str());
            audit::record(conn, &actor.entry(now, "user.invited", &format!("invitation:{id}"), &detail))?;
            Ok(conn.query_row(
                &format!("SELECT {COLUMNS} FROM invitations WHERE id = ?1"),
                [id],
                row_to_invitation,
            )?)
        })
        .await?;
    Ok((invitation, token))
}

/// Invitations not yet accepted and not expired, newest first.
pub async fn pending(db: &Database, clock: &dyn Clock) -> Result<Vec<Invitation>, UserError> {
    let now = clock.now_unix();
    db.read(move |conn| -> Result<_, UserError> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM invitations WHERE expires_at > ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([now], row_to_invitation)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// The live invitation a link's token opens, if any.
pub async fn find(
    db: &Database,
    clock: &dyn Clock,
    token: &str,
) -> Result<Option<Invitation>, UserError> {
    let (hash, now) = (digest(token), clock.now_unix());
    db.read(move |conn| -> Result<_, UserError> {
        Ok(conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM invitations WHERE token_hash = ?1 AND expires_at > ?2"
                ),
                params![hash, now],
                row_to_invitation,
            )
            .optional()?)
    })
    .await
}

/// Withdraws an invitation; its link stops working.
pub async fn revoke(
    db: &Database,
    clock: &dyn Clock,
    id: i64,
    actor: &Actor,
) -> Result<(), UserError> {
    let (now, actor) = (clock.now_unix(), actor.clone());
    db.write(move |conn| -> Result<(), UserError> {
        if conn.execute("DELETE FROM invitations WHERE id = ?1", [id])? == 0 {
            return Err(UserError::NotFound);
        }
        audit::record(
            conn,
            &actor.entry(
                now,
                "user.invitation_revoked",
                &format!("invitation:{id}"),
                "",
            ),
        )?;
        Ok(())
    })
    .await
}

/// Accepts the invitation behind `token` with the invitee's chosen password: the user is
/// created with the invited email and role, and the invitation is gone.
pub async fn accept(
    db: &Database,
    clock: &dyn Clock,
    token: &str,
    name: &str,
    new_password: Zeroizing<String>,
    ip: &str,
) -> Result<User, UserError> {
    let invitation = find(db, clock, token).await?.ok_or(UserError::NotFound)?;
    let chosen_name = if name.trim().is_empty() {
        invitation.name.clone()
    } else {
        name.to_string()
    };
    let new = NewUser {
        email: invitation.email.clone(),
        name: chosen_name,
        role: invitation.role,
        password: new_password,
    }
    .validated()?;
    let hash = password::hash_bounded(new.password.clone())
        .await
        .ok_or(UserError::Hashing)?;
    let (token_hash, now, ip) = (digest(token), clock.now_unix(), ip.to_string());
    db.write(move |conn| -> Result<User, UserError> {
        // Checked again inside the transaction: the link works once.
        let removed = conn.execute(
            "DELETE FROM invitations WHERE token_hash = ?1 AND expires_at > ?2",
            params![token_hash, now],
        )?;
        if removed == 0 {
            return Err(UserError::NotFound);
        }
        let user = users::insert(conn, &new, &hash, now)?;
        let actor = Actor {
            id: Some(user.id),
            name: user.email.clone(),
            ip,
        };
        let detail = format!(
            "role={} invited_by={}",
            user.role.as_str(),
            invitation.invited_by
        );
        audit::record(
            conn,
            &actor.entry(now, "user.joined", &format!("user:{}", user.id), &detail),
        )?;
        Ok(user)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::account_with_agent;
    use crate::clock::ManualClock;

    fn owner() -> User {
        User {
            id: 0,
            email: "owner@x.example".into(),
            name: "O".into(),
            role: Role::Owner,
        }
    }

    #[tokio::test]
    async fn invite_accept_once_and_expiry() {
        let (_dir, db, agent) = account_with_agent().await;
        let clock =
            ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
        let actor = Actor::system("test");
        let refused = create(
            &db,
            &clock,
            &agent,
            "new@x.example",
            "New",
            Role::Agent,
            &actor,
        )
        .await;
        assert!(
            matches!(refused, Err(UserError::NotAllowed(_))),
            "agents invite nobody"
        );
        let taken = create(
            &db,
            &clock,
            &owner(),
            &agent.email,
            "Again",
            Role::Agent,
            &actor,
        )
        .await;
        assert!(matches!(taken, Err(UserError::EmailTaken)));

        let (invitation, token) = create(
            &db,
            &clock,
            &owner(),
            "new@x.example",
            "New",
            Role::Admin,
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(pending(&db, &clock).await.unwrap().len(), 1);
        assert_eq!(
            find(&db, &clock, &token).await.unwrap().unwrap().id,
            invitation.id
        );
        let weak = accept(
            &db,
            &clock,
            &token,
            "",
            Zeroizing::new("short".into()),
            "::1",
        )
        .await;
        assert!(
            matches!(weak, Err(UserError::WeakPassword(_))),
            "a weak password keeps the link"
        );
        let user = accept(
            &db,
            &clock,
            &token,
            "",
            Zeroizing::new("a long enough password".into()),
            "::1",
        )
        .await
        .unwrap();
        assert_eq!(
            (user.email.as_str(), user.role, user.name.as_str()),
            ("new@x.example", Role::Admin, "New")
        );
        let again = accept(
            &db,
            &clock,
            &token,
            "",
            Zeroizing::new("a long enough password".into()),
            "::1",
        )
        .await;
        assert!(matches!(again, Err(UserError::NotFound)), "once only");
        assert!(pending(&db, &clock).await.unwrap().is_empty());

        let (_, token) = create(
            &db,
            &clock,
            &owner(),
            "late@x.example",
            "Late",
            Role::Agent,
            &actor,
        )
        .await
        .unwrap();
        clock.advance(time::Duration::seconds(VALID_SECS));
        assert!(
            find(&db, &clock, &token).await.unwrap().is_none(),
            "expired"
        );
    }
}
