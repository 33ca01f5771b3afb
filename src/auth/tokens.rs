//! API tokens: `hdk_` followed by 256 random bits in hex, shown once at creation.
//!
//! Only an HMAC-SHA256 of the token is stored, keyed by a per-account secret that lives in
//! the account's own database: verifying a token costs one hash and one indexed lookup, never
//! Argon2 (tokens are random, not guessable like passwords), and a copy of the table alone
//! cannot be used to test candidate tokens.

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::token_cache::{self, Reading, TokenCache};
use super::users::{Role, User};
use crate::audit::{self, Actor};
use crate::clock::{Clock, rfc3339};
use crate::store::{Database, StoreError};

pub const PREFIX: &str = "hdk_";
const TOKEN_HEX_LEN: usize = 64;
/// `last_used_at` is refreshed at most this often, so reads do not turn into writes.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

/// What a credential may do. A password grants every scope (the role still limits it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    read: bool,
    write: bool,
    admin: bool,
}

impl Scopes {
    pub fn all() -> Scopes {
        Scopes {
            read: true,
            write: true,
            admin: true,
        }
    }

    pub fn contains(self, scope: Scope) -> bool {
        match scope {
            Scope::Read => self.read,
            Scope::Write => self.write,
            Scope::Admin => self.admin,
        }
    }

    fn with(mut self, scope: Scope) -> Scopes {
        match scope {
            Scope::Read => self.read = true,
            Scope::Write => self.write = true,
            Scope::Admin => self.admin = true,
        }
        self
    }

    pub fn list(self) -> Vec<&'static str> {
        [Scope::Read, Scope::Write, Scope::Admin]
            .into_iter()
            .filter(|s| self.contains(*s))
            .map(Scope::as_str)
            .collect()
    }

    /// Parses scope names; `None` names the first unknown one.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        names
            .into_iter()
            .try_fold(Scopes::default(), |scopes, name| {
                let scope = match name {
                    "read" => Scope::Read,
                    "write" => Scope::Write,
                    "admin" => Scope::Admin,
                    other => return Err(other.to_string()),
                };
                Ok(scopes.with(scope))
            })
    }

    fn stored(self) -> String {
        self.list().join(" ")
    }

    pub fn is_empty(self) -> bool {
        self == Scopes::default()
    }

    /// The scopes this one has that `other` lacks.
    pub fn beyond(self, other: Scopes) -> Vec<&'static str> {
        [Scope::Read, Scope::Write, Scope::Admin]
            .into_iter()
            .filter(|s| self.contains(*s) && !other.contains(*s))
            .map(Scope::as_str)
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token name must be 1 to 100 characters")]
    InvalidName,
    #[error("unknown scope `{0}` (use read, write, admin)")]
    UnknownScope(String),
    #[error("a token needs at least one scope")]
    NoScope,
    #[error("cannot grant scopes this credential does not hold: {0}")]
    ScopeNotHeld(String),
    #[error("only owners and admins may hold the admin scope")]
    AdminScopeNeedsAdmin,
    #[error("expires_in_days must be between 1 and 3650")]
    InvalidExpiry,
    #[error("no such token")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TokenError {
    fn from(e: rusqlite::Error) -> Self {
        TokenError::Store(StoreError::Sql(e))
    }
}

/// A token as listed: never the token itself.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<&'static str>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    /// Tickets created with the token are judged by the spam filter (a trusted
    /// integration's token may skip it).
    pub spam_check: bool,
}

pub struct NewToken {
    pub name: String,
    pub scopes: Scopes,
    pub expires_in_days: Option<u32>,
    pub spam_check: bool,
}

/// A presented token that is valid now.
#[derive(Clone)]
pub struct VerifiedToken {
    pub token_id: i64,
    pub user: User,
    pub scopes: Scopes,
    /// See `TokenInfo::spam_check`.
    pub spam_check: bool,
    last_used_at: Option<i64>,
}

/// Creates a token for `owner`, whose current credential holds `held`. Returns its listing
/// and the token text, which is never shown again.
pub async fn create(
    db: &Database,
    clock: &dyn Clock,
    owner: &User,
    held: Scopes,
    new: NewToken,
    actor: &Actor,
) -> Result<(TokenInfo, Zeroizing<String>), TokenError> {
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(TokenError::InvalidName);
    }
    if new.scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let beyond = new.scopes.beyond(held);
    if !beyond.is_empty() {
        return Err(TokenError::ScopeNotHeld(beyond.join(", ")));
    }
    if new.scopes.contains(Scope::Admin) && owner.role < Role::Admin {
        return Err(TokenError::AdminScopeNeedsAdmin);
    }
    let now = clock.now_unix();
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(now + i64::from(days) * 86_400),
        Some(_) => return Err(TokenError::InvalidExpiry),
    };
    let token = Zeroizing::new(generate());
    let (secret, user_id, scopes, actor) = (token.clone(), owner.id, new.scopes, actor.clone());
    let skip_spam_check = !new.spam_check;
    let id = db
        .write(move |conn| -> Result<i64, TokenError> {
            let hash = keyed_hash(&hash_key(conn)?, &secret);
            conn.execute(
                "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at, skip_spam_check)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![user_id, name, hash, scopes.stored(), now, expires_at, skip_spam_check],
            )?;
            let id = conn.last_insert_rowid();
            let skips = if skip_spam_check { " spam_check=off" } else { "" };
            let (target, detail) = (
                format!("token:{id}"),
                format!("name={name} scopes={}{skips}", scopes.stored()),
            );
            audit::record(conn, &actor.entry(now, "token.created", &target, &detail))?;
            Ok(id)
        })
        .await?;
    let info = TokenInfo {
        id,
        name: new.name.trim().to_string(),
        scopes: new.scopes.list(),
        created_at: rfc3339(now),
        expires_at: expires_at.map(rfc3339),
        last_used_at: None,
        spam_check: new.spam_check,
    };
    Ok((info, token))
}

/// The user's tokens that are not revoked (expired ones included, marked by `expires_at`).
pub async fn list(db: &Database, user_id: i64) -> Result<Vec<TokenInfo>, TokenError> {
    db.read(move |conn| {
        let mut stmt = conn.prepare(
            "SELECT id, name, scopes, created_at, expires_at, last_used_at, skip_spam_check FROM api_tokens
             WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            let scopes: String = r.get(2)?;
            Ok(TokenInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                scopes: Scopes::parse(scopes.split_whitespace())
                    .unwrap_or_default()
                    .list(),
                created_at: rfc3339(r.get(3)?),
                expires_at: r.get::<_, Option<i64>>(4)?.map(rfc3339),
                last_used_at: r.get::<_, Option<i64>>(5)?.map(rfc3339),
                spam_check: !r.get::<_, bool>(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// Revokes one of the user's tokens; it stops working at once.
pub async fn revoke(
    db: &Database,
    clock: &dyn Clock,
    user_id: i64,
    token_id: i64,
    actor: &Actor,
) -> Result<(), TokenError> {
    let (now, actor) = (clock.now_unix(), actor.clone());
    let changed = db
        .write(move |conn| -> Result<usize, TokenError> {
            let changed = conn.execute(
                "UPDATE api_tokens SET revoked_at = ?3
                 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![token_id, user_id, now],
            )?;
            if changed == 1 {
                let target = format!("token:{token_id}");
                audit::record(conn, &actor.entry(now, "token.revoked", &target, ""))?;
            }
            Ok(changed)
        })
        .await?;
    if changed == 1 {
        Ok(())
    } else {
        Err(TokenError::NotFound)
    }
}

/// The token's owner and scopes, if `presented` is a live token of this account; from
/// `cache` when nothing it depends on changed since it was last read.
pub async fn verify(
    db: &Database,
    clock: &dyn Clock,
    cache: &TokenCache,
    presented: &str,
) -> Result<Option<VerifiedToken>, StoreError> {
    if !looks_like_token(presented) {
        return Ok(None);
    }
    let now = clock.now_unix();
    let digest = token_cache::digest(presented);
    if let Some(token) = cache.get(db, &digest, now) {
        return Ok(Some(token));
    }
    let reading = Reading::begin(db, now);
    let found = db
        .read_now(move |conn| -> Result<_, StoreError> {
            let hash = keyed_hash(&hash_key(conn)?, presented);
            let found = conn
            .prepare_cached(
                "SELECT t.id, t.scopes, t.expires_at, t.last_used_at, u.id, u.email, u.name, u.role,
                        t.skip_spam_check
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL",
            )?
            .query_row([hash], |r| {
                let scopes: String = r.get(1)?;
                let role: String = r.get(7)?;
                Ok((
                    r.get::<_, Option<i64>>(2)?,
                    VerifiedToken {
                        token_id: r.get(0)?,
                        scopes: Scopes::parse(scopes.split_whitespace()).unwrap_or_default(),
                        last_used_at: r.get(3)?,
                        spam_check: !r.get::<_, bool>(8)?,
                        user: User {
                            id: r.get(4)?,
                            email: r.get(5)?,
                            name: r.get(6)?,
                            role: Role::parse(&role).unwrap_or(Role::Agent),
                        },
                    },
                ))
            })
            .optional()?;
            Ok(found.filter(|(expires_at, _)| expires_at.is_none_or(|at| now < at)))
        })
        .await?;
    Ok(found.map(|(expires_at, token)| {
        cache.remember(reading, digest, expires_at, &token);
        token
    }))
}

/// Records the use of a token, at most once a minute per token.
pub async fn touch(db: &Database, clock: &dyn Clock, token: &VerifiedToken) {
    let now = clock.now_unix();
    if token
        .last_used_at
        .is_some_and(|last| now - last < TOUCH_EVERY_SECS)
    {
        return;
    }
    let id = token.token_id;
    let result = db
        .write(move |conn| -> Result<usize, StoreError> {
            Ok(conn.execute(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                params![id, now],
            )?)
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not record a token's last use");
    }
}

pub fn looks_like_token(text: &str) -> bool {
    text.strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == TOKEN_HEX_LEN && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn generate() -> String {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    format!("{PREFIX}{}", hex::encode(bytes.as_ref()))
}

fn hash_key(conn: &Connection) -> Result<Zeroizing<Vec<u8>>, rusqlite::Error> {
    conn.prepare_cached("SELECT value FROM account_secrets WHERE name = 'api_token_hash_key'")?
        .query_row([], |r| r.get::<_, Vec<u8>>(0))
        .map(Zeroizing::new)
}

fn keyed_hash(key: &[u8], token: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(token.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        let token = generate();
        assert!(looks_like_token(&token), "{token}");
        assert_ne!(token, generate());
        for bad in ["hdk_", "hdk_xyz", "abc", &format!("hdk_{}", "g".repeat(64))] {
            assert!(!looks_like_token(bad), "{bad}");
        }
    }

    #[test]
    fn scopes_parse_and_compare() {
        let rw = Scopes::parse(["read", "write"]).unwrap();
        assert_eq!(rw.list(), ["read", "write"]);
        assert_eq!(Scopes::parse(["read", "root"]).unwrap_err(), "root");
        assert_eq!(Scopes::all().beyond(rw), ["admin"]);
        assert!(rw.beyond(Scopes::all()).is_empty());
        assert_eq!(Scopes::parse(rw.stored().split_whitespace()).unwrap(), rw);
    }

    #[test]
    fn keyed_hash_depends_on_key() {
        assert_ne!(keyed_hash(b"k1", "t"), keyed_hash(b"k2", "t"));
        assert_eq!(keyed_hash(b"k1", "t").len(), 32);
    }
}

#[cfg(test)]
mod lifecycle_tests {

    use super::*;
    use crate::clock::ManualClock;

    fn test_actor() -> Actor {
        Actor::system("test")
    }

    #[tokio::test]
    async fn expiry_revocation_and_last_use() {
        let (_dir, db, user) = crate::auth::users::account_with_agent().await;
        let clock = ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_000_000).unwrap());
        let new = |days| NewToken {
            name: "ci".into(),
            scopes: Scopes::parse(["read"]).unwrap(),
            expires_in_days: days,
            spam_check: true,
        };
        // One cache throughout: expiry and revocation must show through remembered tokens.
        let cache = TokenCache::default();
        let (info, token) = create(
            &db,
            &clock,
            &user,
            Scopes::all(),
            new(Some(1)),
            &test_actor(),
        )
        .await
        .unwrap();
        let verified = verify(&db, &clock, &cache, &token)
            .await
            .unwrap()
            .expect("valid");
        assert_eq!(verified.user.id, user.id);
        assert!(verified.scopes.contains(Scope::Read) && !verified.scopes.contains(Scope::Write));
        touch(&db, &clock, &verified).await;
        assert!(list(&db, user.id).await.unwrap()[0].last_used_at.is_some());

        clock.advance(time::Duration::days(2));
        assert!(
            verify(&db, &clock, &cache, &token).await.unwrap().is_none(),
            "expired"
        );

        let (other, other_token) =
            create(&db, &clock, &user, Scopes::all(), new(None), &test_actor())
                .await
                .unwrap();
        assert!(
            verify(&db, &clock, &cache, &other_token)
                .await
                .unwrap()
                .is_some()
        );
        revoke(&db, &clock, user.id, other.id, &test_actor())
            .await
            .unwrap();
        assert!(
            verify(&db, &clock, &cache, &other_token)
                .await
                .unwrap()
                .is_none(),
            "revoked"
        );
        assert!(matches!(
            revoke(&db, &clock, user.id, other.id, &test_actor()).await,
            Err(TokenError::NotFound)
        ));
        assert_eq!(list(&db, user.id).await.unwrap().len(), 1);
        assert_eq!(list(&db, user.id).await.unwrap()[0].id, info.id);
    }

    #[tokio::test]
    async fn scopes_are_bounded_by_the_creating_credential_and_the_role() {
        let (_dir, db, agent) = crate::auth::users::account_with_agent().await;
        let clock = ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
        let ask = |names: &[&str]| NewToken {
            name: "t".into(),
            scopes: Scopes::parse(names.iter().copied()).unwrap(),
            expires_in_days: None,
            spam_check: true,
        };
        let read_only = Scopes::parse(["read"]).unwrap();
        assert!(matches!(
            create(
                &db,
                &clock,
                &agent,
                read_only,
                ask(&["read", "write"]),
                &test_actor()
            )
            .await,
            Err(TokenError::ScopeNotHeld(_))
        ));
        assert!(matches!(
            create(
                &db,
                &clock,
                &agent,
                Scopes::all(),
                ask(&["admin"]),
                &test_actor()
            )
            .await,
            Err(TokenError::AdminScopeNeedsAdmin)
        ));
        assert!(matches!(
            create(&db, &clock, &agent, Scopes::all(), ask(&[]), &test_actor()).await,
            Err(TokenError::NoScope)
        ));
        // The token text is never stored: only its keyed hash is.
        let (_, token) = create(
            &db,
            &clock,
            &agent,
            Scopes::all(),
            ask(&["read"]),
            &test_actor(),
        )
        .await
        .unwrap();
        let stored: Vec<u8> = db
            .read(|c| -> Result<_, StoreError> {
                Ok(c.query_row("SELECT token_hash FROM api_tokens", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 32);
        assert!(
            !stored
                .windows(8)
                .any(|w| token.as_bytes().windows(8).any(|t| t == w))
        );
    }
}
