//! Logins waiting for their second factor: the password was right, the session not yet
//! started. Held in memory for five minutes under a random id that only the browser has
//! (in a `__Host-` cookie); a restart merely asks for the password again. Each pending
//! login allows a few wrong codes, and every wrong code also counts in the login throttle.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::users::User;

pub const COOKIE: &str = "__Host-hd_2fa";
pub const TTL: Duration = Duration::from_secs(300);
const MAX_ATTEMPTS: u32 = 5;
const MAX_PENDING: usize = 10_000;

#[derive(Clone)]
pub struct Pending {
    pub account_id: String,
    pub user: User,
    pub csrf: String,
    pub ip: IpAddr,
    /// The password was checked. Without it (signing in with a security key alone), only
    /// the key, which verifies its user itself, can complete the login: never a TOTP code.
    pub after_password: bool,
    /// The WebAuthn challenge issued for this login, as webauthn-rs serializes it.
    pub challenge: Option<String>,
    created: Instant,
    attempts: u32,
}

#[derive(Default)]
pub struct PendingLogins {
    entries: Mutex<HashMap<[u8; 32], Pending>>,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(&*buf)
}

impl PendingLogins {
    /// Holds `user`'s login until the second factor; returns the cookie value.
    pub fn begin(
        &self,
        account_id: &str,
        user: User,
        ip: IpAddr,
        after_password: bool,
        now: Instant,
    ) -> Zeroizing<String> {
        let token = Zeroizing::new(random_hex(32));
        let pending = Pending {
            account_id: account_id.to_string(),
            user,
            csrf: random_hex(16),
            ip,
            after_password,
            challenge: None,
            created: now,
            attempts: 0,
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_PENDING {
                entries.retain(|_, p| now.duration_since(p.created) < TTL);
            }
            // Still full of live ones (a flood): the oldest gives way, memory stays bounded.
            if entries.len() >= MAX_PENDING {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, p)| p.created)
                    .map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
            entries.insert(key(&token), pending);
        }
        token
    }

    /// The live pending login for this cookie value in this account.
    pub fn get(&self, token: &str, account_id: &str, now: Instant) -> Option<Pending> {
        let mut entries = self.entries.lock().ok()?;
        let k = key(token);
        let pending = entries.get(&k)?;
        if now.duration_since(pending.created) >= TTL {
            entries.remove(&k);
            return None;
        }
        (pending.account_id == account_id).then(|| pending.clone())
    }

    pub fn set_challenge(&self, token: &str, challenge: String) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(pending) = entries.get_mut(&key(token)) {
                pending.challenge = Some(challenge);
            }
        }
    }

    /// Counts a wrong code; returns false once the pending login is used up (and gone).
    pub fn failed(&self, token: &str) -> bool {
        let Ok(mut entries) = self.entries.lock() else {
            return false;
        };
        let k = key(token);
        let Some(pending) = entries.get_mut(&k) else {
            return false;
        };
        pending.attempts += 1;
        if pending.attempts >= MAX_ATTEMPTS {
            entries.remove(&k);
            return false;
        }
        true
    }

    /// Ends the pending login (it succeeded, or was abandoned).
    pub fn finish(&self, token: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&key(token));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::Role;

    fn user() -> User {
        User {
            id: 7,
            email: "a@x.example".into(),
            name: "A".into(),
            role: Role::Agent,
        }
    }

    #[test]
    fn lifecycle() {
        let logins = PendingLogins::default();
        let t0 = Instant::now();
        let ip = IpAddr::from([127, 0, 0, 1]);
        let token = logins.begin("acc", user(), ip, true, t0);
        assert_eq!(logins.get(&token, "acc", t0).unwrap().user.id, 7);
        assert!(
            logins.get(&token, "other", t0).is_none(),
            "bound to its account"
        );
        assert!(logins.get("nope", "acc", t0).is_none());
        for _ in 1..MAX_ATTEMPTS {
            assert!(logins.failed(&token));
        }
        assert!(!logins.failed(&token), "used up");
        assert!(logins.get(&token, "acc", t0).is_none());

        let token = logins.begin("acc", user(), ip, true, t0);
        assert!(logins.get(&token, "acc", t0 + TTL).is_none(), "expired");

        let first = logins.begin("acc", user(), ip, true, t0);
        for _ in 0..MAX_PENDING {
            logins.begin("acc", user(), ip, true, t0 + Duration::from_secs(1));
        }
        assert!(
            logins.entries.lock().unwrap().len() <= MAX_PENDING,
            "bounded"
        );
        assert!(
            logins.get(&first, "acc", t0).is_none(),
            "the oldest gave way"
        );
    }
}
