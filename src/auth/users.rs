//! The people of an account who log in, and the rules for adding them.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::password;
use crate::audit::{self, Actor};
use crate::clock::Clock;
use crate::store::{Database, StoreError};

/// Hierarchical: a higher role can do everything a lower one can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// Owners and admins manage agents; only the owner manages admins; nobody adds, removes
    /// or demotes an owner (there is exactly one, made at setup).
    pub fn may_manage(self, role: Role) -> bool {
        match role {
            Role::Agent => self >= Role::Admin,
            Role::Admin => self == Role::Owner,
            Role::Owner => false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: zeroize::Zeroizing<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("invalid email address")]
    InvalidEmail,
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    #[error("password {0}")]
    WeakPassword(String),
    #[error("a user with this email address already exists")]
    EmailTaken,
    #[error("this account already has an owner")]
    OwnerExists,
    #[error("password hashing failed")]
    Hashing,
    #[error("no such user")]
    NotFound,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("{0}")]
    NotAllowed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for UserError {
    fn from(e: rusqlite::Error) -> Self {
        UserError::Store(StoreError::Sql(e))
    }
}

impl NewUser {
    /// Trims and checks everything except uniqueness, which the database decides.
    pub fn validated(mut self) -> Result<NewUser, UserError> {
        self.email = self.email.trim().to_string();
        self.name = self.name.trim().to_string();
        if !is_plausible_email(&self.email) {
            return Err(UserError::InvalidEmail);
        }
        if self.name.is_empty() {
            return Err(UserError::InvalidName("must not be empty"));
        }
        if self.name.chars().count() > 200 {
            return Err(UserError::InvalidName("must be at most 200 characters"));
        }
        password::check_strength(&self.password).map_err(UserError::WeakPassword)?;
        Ok(self)
    }
}

pub(crate) fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Validates, hashes the password on a blocking thread, inserts, and audits who did it.
pub async fn create(
    db: &Database,
    clock: &dyn Clock,
    new: NewUser,
    actor: &Actor,
) -> Result<User, UserError> {
    let new = new.validated()?;
    let hash = password::hash_bounded(new.password.clone())
        .await
        .ok_or(UserError::Hashing)?;
    let (now, actor) = (clock.now_unix(), actor.clone());
    db.write(move |conn| {
        let user = insert(conn, &new, &hash, now)?;
        let (target, detail) = (
            format!("user:{}", user.id),
            format!("role={}", user.role.as_str()),
        );
        audit::record(conn, &actor.entry(now, "user.created", &target, &detail))?;
        Ok(user)
    })
    .await
}

pub(crate) fn insert(
    conn: &Connection,
    new: &NewUser,
    hash: &str,
    now: i64,
) -> Result<User, UserError> {
    if new.role == Role::Owner && has_owner_in(conn)? {
        return Err(UserError::OwnerExists);
    }
    conn.execute(
        "INSERT INTO users (email, name, role, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new.email, new.name, new.role.as_str(), hash, now],
    )
    .map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) if new.role == Role::Owner => {
            UserError::OwnerExists
        }
        Some(rusqlite::ErrorCode::ConstraintViolation) => UserError::EmailTaken,
        _ => e.into(),
    })?;
    Ok(User {
        id: conn.last_insert_rowid(),
        email: new.email.clone(),
        name: new.name.clone(),
        role: new.role,
    })
}

/// Deletes a user (GDPR: agent profile deletion): the profile and password go, their API
/// tokens go with them (foreign key cascade), so every credential stops working at once.
/// Their past work stays, attributed to "Deleted agent" by the domains that show it.
pub async fn delete(
    db: &Database,
    clock: &dyn Clock,
    by: &User,
    user_id: i64,
    actor: &Actor,
) -> Result<User, UserError> {
    let (by, now, actor) = (by.clone(), clock.now_unix(), actor.clone());
    db.write(move |conn| {
        let target = find_by_id(conn, user_id)?.ok_or(UserError::NotFound)?;
        if target.id == by.id {
            return Err(UserError::NotAllowed(
                "you cannot delete yourself; ask someone who manages your role".into(),
            ));
        }
        if !by.role.may_manage(target.role) {
            return Err(UserError::NotAllowed(format!(
                "a user with role {} cannot delete a user with role {}",
                by.role.as_str(),
                target.role.as_str()
            )));
        }
        conn.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
        let (target_ref, detail) = (
            format!("user:{user_id}"),
            format!("role={}", target.role.as_str()),
        );
        audit::record(
            conn,
            &actor.entry(now, "user.deleted", &target_ref, &detail),
        )?;
        Ok(target)
    })
    .await
}

/// Changes the user's own password after checking the current one. The caller ends the
/// user's other sessions.
pub async fn change_password(
    db: &Database,
    clock: &dyn Clock,
    user: &User,
    current: zeroize::Zeroizing<String>,
    new: zeroize::Zeroizing<String>,
    actor: &Actor,
) -> Result<(), UserError> {
    password::check_strength(&new).map_err(UserError::WeakPassword)?;
    let stored = find_for_login(db, &user.email).await?.map(|(_, hash)| hash);
    if !password::verify_bounded(current, stored).await {
        return Err(UserError::WrongPassword);
    }
    let hash = password::hash_bounded(new)
        .await
        .ok_or(UserError::Hashing)?;
    let (id, now, actor) = (user.id, clock.now_unix(), actor.clone());
    db.write(move |conn| -> Result<(), UserError> {
        conn.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
        audit::record(
            conn,
            &actor.entry(now, "user.password_changed", &format!("user:{id}"), ""),
        )?;
        Ok(())
    })
    .await
}

/// Changes a user's role, within what `by` may manage on both ends.
pub async fn set_role(
    db: &Database,
    clock: &dyn Clock,
    by: &User,
    user_id: i64,
    role: Role,
    actor: &Actor,
) -> Result<User, UserError> {
    let (by, now, actor) = (by.clone(), clock.now_unix(), actor.clone());
    db.write(move |conn| {
        let target = find_by_id(conn, user_id)?.ok_or(UserError::NotFound)?;
        if !by.role.may_manage(target.role) || !by.role.may_manage(role) {
            return Err(UserError::NotAllowed(format!(
                "a user with role {} cannot change role {} to {}",
                by.role.as_str(),
                target.role.as_str(),
                role.as_str()
            )));
        }
        conn.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![user_id, role.as_str()],
        )?;
        // A privilege change ends the user's sessions: they sign in again under the new role.
        conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        let target_ref = format!("user:{user_id}");
        let detail = format!("{} -> {}", target.role.as_str(), role.as_str());
        audit::record(
            conn,
            &actor.entry(now, "user.role_changed", &target_ref, &detail),
        )?;
        Ok(User { role, ..target })
    })
    .await
}

fn find_by_id(conn: &Connection, id: i64) -> Result<Option<User>, UserError> {
    Ok(conn
        .query_row(
            "SELECT id, email, name, role FROM users WHERE id = ?1",
            [id],
            row_to_user,
        )
        .optional()?)
}

pub async fn list(db: &Database) -> Result<Vec<User>, UserError> {
    db.read(|conn| {
        let mut stmt = conn.prepare("SELECT id, email, name, role FROM users ORDER BY id")?;
        let users = stmt.query_map([], row_to_user)?;
        Ok(users.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

pub async fn has_owner(db: &Database) -> Result<bool, UserError> {
    db.read(has_owner_in).await
}

fn has_owner_in(conn: &Connection) -> Result<bool, UserError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'owner')",
        [],
        |r| r.get(0),
    )?)
}

/// The user, if `email` and `secret` match. A hash made with older parameters is replaced.
/// An unknown email costs one Argon2 verification too, so timing does not tell it apart.
pub async fn authenticate(
    db: &Database,
    clock: &dyn Clock,
    email: &str,
    secret: zeroize::Zeroizing<String>,
    ip: &str,
) -> Result<Option<User>, UserError> {
    let found = find_for_login(db, email).await?;
    let (user, stored) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let stale = stored.as_deref().is_some_and(password::needs_rehash);
    if !password::verify_bounded(secret.clone(), stored).await {
        if let Some(user) = user {
            // Failures for existing users are audited; guesses at unknown emails are not
            // anyone's data.
            let entry = audit::OwnedEntry {
                at: clock.now_unix(),
                actor_id: Some(user.id),
                actor: user.email.clone(),
                action: "login.failed".into(),
                target: format!("user:{}", user.id),
                ip: ip.to_string(),
                detail: "wrong password".into(),
            };
            audit::record_now(db, entry).await?;
        }
        return Ok(None);
    }
    let Some(user) = user else {
        return Ok(None);
    };
    if stale {
        if let Some(fresh) = password::hash_bounded(secret).await {
            let id = user.id;
            db.write(move |conn| -> Result<(), UserError> {
                conn.execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![id, fresh],
                )?;
                Ok(())
            })
            .await?;
        }
    }
    Ok(Some(user))
}

/// The user with this email and their password hash, for logging in.
pub async fn find_for_login(
    db: &Database,
    email: &str,
) -> Result<Option<(User, String)>, UserError> {
    let email = email.trim().to_string();
    db.read(move |conn| {
        Ok(conn
            .query_row(
                "SELECT id, email, name, role, password_hash FROM users WHERE email = ?1",
                [&email],
                |r| Ok((row_to_user(r)?, r.get::<_, String>(4)?)),
            )
            .optional()?)
    })
    .await
}

fn row_to_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(3)?;
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        // The CHECK constraint keeps other values out; fail closed to the lowest role.
        role: Role::parse(&role).unwrap_or(Role::Agent),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_hierarchy() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Agent);
        assert!(Role::Owner.may_manage(Role::Admin));
        assert!(Role::Admin.may_manage(Role::Agent));
        assert!(!Role::Admin.may_manage(Role::Admin));
        assert!(!Role::Agent.may_manage(Role::Agent));
        assert!(!Role::Owner.may_manage(Role::Owner));
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("ann@acme.example"));
        for bad in [
            "ann",
            "ann@",
            "@acme.example",
            "ann@acme",
            "a nn@acme.example",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}

/// A fresh account database holding one agent, for the auth domain's tests.
#[cfg(test)]
pub(crate) async fn account_with_agent() -> (tempfile::TempDir, std::sync::Arc<Database>, User) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::store::open_for_test(dir.path());
    let db = store
        .create_account_database("acc", 0)
        .await
        .expect("account database");
    let id = db
        .write(|c| -> Result<i64, StoreError> {
            c.execute(
                "INSERT INTO users (email, name, role, password_hash, created_at)
                 VALUES ('a@x.example', 'A', 'agent', 'x', 0)",
                [],
            )?;
            Ok(c.last_insert_rowid())
        })
        .await
        .expect("test user");
    let user = User {
        id,
        email: "a@x.example".into(),
        name: "A".into(),
        role: Role::Agent,
    };
    (dir, db, user)
}

#[cfg(test)]
mod login_tests {
    use argon2::password_hash::PasswordHasher;
    use zeroize::Zeroizing;

    use super::*;

    fn old_parameters_hash(secret: &str) -> String {
        let params = argon2::Params::new(19_456, 2, 1, None).unwrap();
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password_with_salt(secret.as_bytes(), b"sixteen byte salt")
            .unwrap()
            .to_string()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn login_checks_the_password_and_upgrades_old_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let db = store.create_account_database("acc", 0).await.unwrap();
        let clock = crate::clock::ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
        let old = old_parameters_hash("correct horse battery");
        assert!(password::needs_rehash(&old));
        db.write(move |c| -> Result<(), StoreError> {
            c.execute(
                "INSERT INTO users (email, name, role, password_hash, created_at)
                 VALUES ('ann@x.example', 'Ann', 'owner', ?1, 0)",
                [old],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let login = |secret: &str| {
            let secret = Zeroizing::new(secret.to_string());
            authenticate(&db, &clock, "ANN@x.example", secret, "127.0.0.1")
        };
        assert!(login("wrong password!").await.unwrap().is_none());
        let stored = || async {
            find_for_login(&db, "ann@x.example")
                .await
                .unwrap()
                .unwrap()
                .1
        };
        assert!(
            password::needs_rehash(&stored().await),
            "a failed login changes nothing"
        );
        let user = login("correct horse battery")
            .await
            .unwrap()
            .expect("right password");
        assert_eq!(user.email, "ann@x.example");
        let upgraded = stored().await;
        assert!(!password::needs_rehash(&upgraded), "{upgraded}");
        assert!(login("correct horse battery").await.unwrap().is_some());
        assert!(
            authenticate(
                &db,
                &clock,
                "nobody@x.example",
                Zeroizing::new("x".repeat(12)),
                ""
            )
            .await
            .unwrap()
            .is_none()
        );
        let failures = crate::audit::list(
            &db,
            crate::audit::Query {
                before: None,
                action: Some("login.failed".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            failures.len(),
            1,
            "a real user's failure; guesses at unknown emails are not logged"
        );
        assert_eq!(failures[0].ip, "127.0.0.1");
    }
}
