//! API tokens verified recently, remembered so that an API request is authenticated
//! without reading the database.
//!
//! Why: every commit of the writer empties a reader's page cache, so under write load each
//! verification read and decrypted the token's pages afresh, about 6 % of the daemon's CPU
//! per `POST /api/v1/tickets` (BENCHMARKS.md, "Eighth pass").
//!
//! A memo holds while the account database's count of transactions that changed
//! `WATCHED_TABLES` (`store::watch`) is the one read before the memo's own read, in the same
//! open database, and until the token's expiry. Revoking a token, deleting a user or
//! changing their role all write those tables, so the next request reads the database
//! again. Only valid tokens are remembered, so guesses cannot fill the cache, and memos are
//! keyed by a SHA-256 digest of the token, never the token itself.
//!
//! The count sees the daemon's own writes only. Another process writing the account
//! database (a CLI command run beside the daemon) is seen once a memo is `MAX_AGE_SECS`
//! old: no memo is older than that.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::tokens::VerifiedToken;
use crate::store::Database;

/// The rows a verification reads: the token, its user, and the key tokens are hashed with.
pub const WATCHED_TABLES: &[&str] = &["users", "api_tokens", "account_secrets"];

/// Memos kept at most; the cache starts over when full (a few hundred bytes each).
const CAPACITY: usize = 4096;

/// A memo is read again after this long whatever the count says, for writes made by
/// another process, which the count cannot see.
const MAX_AGE_SECS: i64 = 5;

#[derive(Default)]
pub struct TokenCache {
    memos: Mutex<HashMap<[u8; 32], Memo>>,
}

struct Memo {
    database: u64,
    changes: u64,
    read_at: i64,
    expires_at: Option<i64>,
    token: VerifiedToken,
}

/// The state a verification's read was made in.
pub(super) struct Reading {
    database: u64,
    changes: u64,
    at: i64,
}

impl Reading {
    /// Call before the read transaction starts; `now` in Unix seconds.
    pub(super) fn begin(db: &Database, now: i64) -> Reading {
        Reading {
            database: db.instance(),
            changes: db.watched_changes(),
            at: now,
        }
    }
}

pub(super) fn digest(presented: &str) -> [u8; 32] {
    Sha256::digest(presented.as_bytes()).into()
}

impl TokenCache {
    /// The token verified earlier, if nothing it depends on changed since, it has not
    /// expired, and the memo is younger than `MAX_AGE_SECS`.
    pub(super) fn get(&self, db: &Database, digest: &[u8; 32], now: i64) -> Option<VerifiedToken> {
        let memos = self.memos.lock().unwrap_or_else(|e| e.into_inner());
        let memo = memos.get(digest)?;
        let current = memo.database == db.instance()
            && memo.changes == db.watched_changes()
            && (0..MAX_AGE_SECS).contains(&(now - memo.read_at))
            && memo.expires_at.is_none_or(|at| now < at);
        current.then(|| memo.token.clone())
    }

    pub(super) fn remember(
        &self,
        reading: Reading,
        digest: [u8; 32],
        expires_at: Option<i64>,
        token: &VerifiedToken,
    ) {
        let mut memos = self.memos.lock().unwrap_or_else(|e| e.into_inner());
        if memos.len() >= CAPACITY && !memos.contains_key(&digest) {
            memos.clear();
        }
        memos.insert(
            digest,
            Memo {
                database: reading.database,
                changes: reading.changes,
                read_at: reading.at,
                expires_at,
                token: token.clone(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Actor;
    use crate::auth::tokens::{self, NewToken, Scopes};
    use crate::auth::users::{self, Role, User};
    use crate::clock::{Clock, ManualClock};
    use crate::store::StoreError;

    async fn agent_with_token() -> (
        tempfile::TempDir,
        std::sync::Arc<Database>,
        User,
        zeroize::Zeroizing<String>,
        ManualClock,
    ) {
        let (dir, db, agent) = users::account_with_agent().await;
        let clock = ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_000_000).unwrap());
        let new = NewToken {
            name: "ci".into(),
            scopes: Scopes::parse(["read", "write"]).unwrap(),
            expires_in_days: None,
            spam_check: true,
        };
        let (_, token) = tokens::create(
            &db,
            &clock,
            &agent,
            Scopes::all(),
            new,
            &Actor::system("test"),
        )
        .await
        .unwrap();
        (dir, db, agent, token, clock)
    }

    fn owner(db_user: &User) -> User {
        User {
            id: db_user.id + 1000,
            email: "owner@x.example".into(),
            name: "Owner".into(),
            role: Role::Owner,
        }
    }

    #[tokio::test]
    async fn a_remembered_token_is_served_until_a_watched_table_changes() {
        let (_dir, db, agent, token, clock) = agent_with_token().await;
        let cache = TokenCache::default();
        let digest = digest(&token);
        let now = clock.now_unix();
        assert!(cache.get(&db, &digest, now).is_none());
        tokens::verify(&db, &clock, &cache, &token)
            .await
            .unwrap()
            .unwrap();
        assert!(
            cache.get(&db, &digest, now).is_some(),
            "verified once, remembered"
        );

        db.write(|c| -> Result<_, StoreError> {
            Ok(c.execute(
                "INSERT INTO settings (key, value, changed_at) VALUES ('x', '1', 0)",
                [],
            )?)
        })
        .await
        .unwrap();
        assert!(
            cache.get(&db, &digest, now).is_some(),
            "a write to another table keeps the memo"
        );

        db.write(move |c| -> Result<_, StoreError> {
            Ok(c.execute("UPDATE users SET name = 'B' WHERE id = ?1", [agent.id])?)
        })
        .await
        .unwrap();
        assert!(cache.get(&db, &digest, now).is_none(), "the user changed");
        let reread = tokens::verify(&db, &clock, &cache, &token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reread.user.name, "B");
    }

    #[tokio::test]
    async fn a_role_change_and_a_deletion_reach_the_next_request() {
        let (_dir, db, agent, token, clock) = agent_with_token().await;
        let cache = TokenCache::default();
        let verify = || tokens::verify(&db, &clock, &cache, &token);
        assert_eq!(verify().await.unwrap().unwrap().user.role, Role::Agent);
        let by = owner(&agent);
        let actor = Actor::system("test");
        users::set_role(&db, &clock, &by, agent.id, Role::Admin, &actor)
            .await
            .unwrap();
        assert_eq!(verify().await.unwrap().unwrap().user.role, Role::Admin);
        users::delete(&db, &clock, &by, agent.id, &actor)
            .await
            .unwrap();
        assert!(verify().await.unwrap().is_none(), "deleted with its user");
    }

    #[tokio::test]
    async fn a_memo_is_bound_to_its_open_database_and_to_the_token_expiry() {
        let (_dir, db, _agent, token, clock) = agent_with_token().await;
        let (_other_dir, other, _) = users::account_with_agent().await;
        let cache = TokenCache::default();
        let digest = digest(&token);
        let token_row = tokens::verify(&db, &clock, &cache, &token)
            .await
            .unwrap()
            .unwrap();
        assert!(cache.get(&other, &digest, clock.now_unix()).is_none());

        let now = clock.now_unix();
        let expires = now + 3;
        cache.remember(Reading::begin(&db, now), digest, Some(expires), &token_row);
        assert!(cache.get(&db, &digest, expires - 1).is_some());
        assert!(cache.get(&db, &digest, expires).is_none(), "expired");
    }

    /// Writes by another process (the CLI) do not move the daemon's count: the memo's age
    /// bounds how long they go unseen.
    #[tokio::test]
    async fn a_memo_is_read_again_after_max_age() {
        let (_dir, db, _agent, token, clock) = agent_with_token().await;
        let cache = TokenCache::default();
        let digest = digest(&token);
        tokens::verify(&db, &clock, &cache, &token)
            .await
            .unwrap()
            .unwrap();
        let now = clock.now_unix();
        assert!(cache.get(&db, &digest, now + MAX_AGE_SECS - 1).is_some());
        assert!(cache.get(&db, &digest, now + MAX_AGE_SECS).is_none());
        assert!(
            cache.get(&db, &digest, now - 1).is_none(),
            "a clock set back"
        );
    }
}
