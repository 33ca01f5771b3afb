//! Web sessions of the agent panel.
//!
//! The session id is 256 random bits, sent only in a `__Host-` cookie (Secure, HttpOnly,
//! SameSite=Strict, Path=/) and stored only as its SHA-256. A session ends when unused for
//! the idle time or at the absolute time after login, on logout, when its user changes
//! password (all but the current one) or is deleted. Each session has its own CSRF token.

use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::users::{Role, User};
use crate::clock::{Clock, rfc3339};
use crate::store::{Database, StoreError};

pub const COOKIE: &str = "__Host-hd_session";
/// Refresh `last_seen_at` at most this often: reading a page should not be a write.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user: User,
    csrf: String,
    last_seen_at: i64,
}

impl Session {
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Constant-time comparison of a submitted CSRF token with this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        !submitted.is_empty() && bool::from(submitted.as_bytes().ct_eq(self.csrf.as_bytes()))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: String,
    pub user_agent: String,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(&*buf)
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session; returns the cookie value (never stored) and the session.
pub async fn start(
    db: &Database,
    clock: &dyn Clock,
    user: &User,
    ip: &str,
    user_agent: &str,
) -> Result<(Zeroizing<String>, Session), StoreError> {
    let token = Zeroizing::new(random_hex(32));
    let csrf = random_hex(16);
    let (hash, user_id, now) = (digest(&token), user.id, clock.now_unix());
    let (stored_csrf, ip, agent) = (csrf.clone(), ip.to_string(), truncate(user_agent, 200));
    let id = db
        .write(move |conn| -> Result<i64, StoreError> {
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                params![hash, user_id, stored_csrf, now, ip, agent],
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    let session = Session {
        id,
        user: user.clone(),
        csrf,
        last_seen_at: now,
    };
    Ok((token, session))
}

/// The live session for a cookie value; an expired one is deleted and not returned.
pub async fn find(
    db: &Database,
    clock: &dyn Clock,
    lifetimes: Lifetimes,
    token: &str,
) -> Result<Option<Session>, StoreError> {
    let (hash, now) = (digest(token), clock.now_unix());
    let found = db
        .read_now(move |conn| -> Result<_, StoreError> {
            Ok(conn
                .prepare_cached(
                    "SELECT s.id, s.csrf_token, s.created_at, s.last_seen_at,
                            u.id, u.email, u.name, u.role
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
                )?
                .query_row([hash], |r| {
                    let role: String = r.get(7)?;
                    Ok((
                        r.get::<_, i64>(2)?,
                        Session {
                            id: r.get(0)?,
                            csrf: r.get(1)?,
                            last_seen_at: r.get(3)?,
                            user: User {
                                id: r.get(4)?,
                                email: r.get(5)?,
                                name: r.get(6)?,
                                role: Role::parse(&role).unwrap_or(Role::Agent),
                            },
                        },
                    ))
                })
                .optional()?)
        })
        .await?;
    let Some((created_at, session)) = found else {
        return Ok(None);
    };
    let expired = now - session.last_seen_at >= lifetimes.idle_secs
        || now - created_at >= lifetimes.absolute_secs;
    if expired {
        end(db, session.user.id, session.id).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_SECS {
        let id = session.id;
        db.write(move |conn| -> Result<(), StoreError> {
            conn.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
        .await?;
    }
    Ok(Some(session))
}

/// Ends one of the user's sessions.
pub async fn end(db: &Database, user_id: i64, session_id: i64) -> Result<bool, StoreError> {
    db.write(move |conn| -> Result<bool, StoreError> {
        Ok(conn.execute(
            "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
            params![session_id, user_id],
        )? == 1)
    })
    .await
}

/// Ends every session of the user except `keep` ("log out other sessions", password change).
pub async fn end_others(
    db: &Database,
    user_id: i64,
    keep: Option<i64>,
) -> Result<usize, StoreError> {
    db.write(move |conn| -> Result<usize, StoreError> {
        Ok(conn.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2",
            params![user_id, keep],
        )?)
    })
    .await
}

pub async fn list(db: &Database, user_id: i64) -> Result<Vec<SessionInfo>, StoreError> {
    db.read(move |conn| -> Result<Vec<SessionInfo>, StoreError> {
        let mut stmt = conn.prepare(
            "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
             WHERE user_id = ?1 ORDER BY last_seen_at DESC",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(SessionInfo {
                id: r.get(0)?,
                created_at: rfc3339(r.get(1)?),
                last_seen_at: rfc3339(r.get(2)?),
                ip: r.get(3)?,
                user_agent: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// The `Set-Cookie` value that carries a new session.
pub fn cookie(token: &str, lifetimes: Lifetimes) -> String {
    format!(
        "{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
        lifetimes.absolute_secs
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The value of cookie `name` in a `Cookie` header.
/// The value of cookie `name`. Over HTTP/2 browsers send each cookie in its own `cookie`
/// field (RFC 9113 §8.2.3), so every field is searched, not just the first.
pub fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|field| field.to_str().ok())
        .flat_map(|field| field.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    const LIFE: Lifetimes = Lifetimes {
        idle_secs: 3600,
        absolute_secs: 86_400,
    };

    use crate::auth::users::account_with_agent as with_user;

    #[tokio::test]
    async fn idle_and_absolute_expiry() {
        let (_dir, db, user) = with_user().await;
        let clock = ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_000_000).unwrap());
        let (token, started) = start(&db, &clock, &user, "127.0.0.1", "test")
            .await
            .unwrap();
        assert_eq!(token.len(), 64);
        let found = find(&db, &clock, LIFE, &token).await.unwrap().unwrap();
        assert_eq!(found.id, started.id);
        assert!(found.csrf_matches(started.csrf_token()) && !found.csrf_matches("nope"));
        // Used every 30 minutes, it lives until the absolute limit.
        for _ in 0..47 {
            clock.advance(time::Duration::minutes(30));
            assert!(find(&db, &clock, LIFE, &token).await.unwrap().is_some());
        }
        clock.advance(time::Duration::minutes(30));
        assert!(
            find(&db, &clock, LIFE, &token).await.unwrap().is_none(),
            "absolute"
        );
        // Unused for an hour, a fresh one ends.
        let (idle, _) = start(&db, &clock, &user, "", "").await.unwrap();
        clock.advance(time::Duration::minutes(60));
        assert!(
            find(&db, &clock, LIFE, &idle).await.unwrap().is_none(),
            "idle"
        );
        assert!(
            list(&db, user.id).await.unwrap().is_empty(),
            "expired sessions are deleted"
        );
    }

    #[tokio::test]
    async fn ending_others_keeps_the_current_one() {
        let (_dir, db, user) = with_user().await;
        let clock = ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
        let (a, current) = start(&db, &clock, &user, "", "").await.unwrap();
        let (b, _) = start(&db, &clock, &user, "", "").await.unwrap();
        assert_eq!(end_others(&db, user.id, Some(current.id)).await.unwrap(), 1);
        assert!(find(&db, &clock, LIFE, &a).await.unwrap().is_some());
        assert!(find(&db, &clock, LIFE, &b).await.unwrap().is_none());
        assert!(
            find(&db, &clock, LIFE, "0".repeat(64).as_str())
                .await
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn cookie_attributes_and_parsing() {
        let set = cookie("abc", LIFE);
        for attribute in [
            "__Host-hd_session=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
        ] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(!set.contains("Domain"), "__Host- cookies carry no Domain");
        let mut one_field = axum::http::HeaderMap::new();
        one_field.insert("cookie", "a=1; __Host-hd_session=xyz; b=2".parse().unwrap());
        assert_eq!(cookie_value(&one_field, COOKIE), Some("xyz"));
        // HTTP/2: one field per cookie.
        let mut split = axum::http::HeaderMap::new();
        split.append("cookie", "a=1".parse().unwrap());
        split.append("cookie", "__Host-hd_session=xyz".parse().unwrap());
        assert_eq!(cookie_value(&split, COOKIE), Some("xyz"));
        split.remove("cookie");
        split.append("cookie", "a=1".parse().unwrap());
        assert_eq!(cookie_value(&split, COOKIE), None);
    }
}
