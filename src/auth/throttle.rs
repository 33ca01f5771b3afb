//! Brute-force protection for password logins, per account + email and per source address.
//!
//! After a few failures for one email, each further attempt must wait, doubling each time
//! (capped); after `max_failures_per_email` within the window the email is locked until the
//! window ends. An address (which several people may share) has no delays, only a lock at
//! `max_failures_per_address`, which stops one client from spraying many emails. Unknown emails
//! are tracked exactly like real ones, so the answers never tell which emails exist.
//! Checked before Argon2 runs, so an attack costs the server almost nothing. Time is passed
//! in: tests move it instead of sleeping.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before delays start.
const FREE_FAILURES: u32 = 3;
const MAX_DELAY: Duration = Duration::from_secs(60);
const SWEEP_ABOVE: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email { account_id: String, email: String },
    Address(IpAddr),
}

struct Record {
    failures: u32,
    window_start: Instant,
    not_before: Instant,
}

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures_per_email: u32,
    pub max_failures_per_address: u32,
    pub window: Duration,
}

/// An email of an account that may not log in until `until`.
#[derive(Debug, Clone)]
pub struct Lockout {
    pub email: String,
    pub failures: u32,
    pub until: Instant,
}

pub struct LoginThrottle {
    policy: Policy,
    records: Mutex<HashMap<Key, Record>>,
}

impl LoginThrottle {
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle {
            policy,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// Whether an attempt may go ahead now; if not, how long to wait.
    pub fn check(
        &self,
        account_id: &str,
        email: &str,
        from: IpAddr,
        now: Instant,
    ) -> Result<(), Duration> {
        let Ok(records) = self.records.lock() else {
            return Ok(());
        };
        let wait = [email_key(account_id, email), Key::Address(from)]
            .iter()
            .filter_map(|key| records.get(key))
            .filter(|r| now < r.window_start + self.policy.window || now < r.not_before)
            .map(|r| r.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed attempt against the email and the address. Returns true when this
    /// failure locked the email.
    pub fn failed(&self, account_id: &str, email: &str, from: IpAddr, now: Instant) -> bool {
        let Ok(mut records) = self.records.lock() else {
            return false;
        };
        if records.len() > SWEEP_ABOVE {
            let window = self.policy.window;
            records.retain(|_, r| now < r.window_start + window || now < r.not_before);
        }
        let policy = self.policy;
        let mut locked_email = false;
        for (key, max) in [
            (email_key(account_id, email), policy.max_failures_per_email),
            (Key::Address(from), policy.max_failures_per_address),
        ] {
            let is_email = matches!(key, Key::Email { .. });
            let record = records.entry(key).or_insert(Record {
                failures: 0,
                window_start: now,
                not_before: now,
            });
            if now >= record.window_start + policy.window {
                *record = Record {
                    failures: 0,
                    window_start: now,
                    not_before: now,
                };
            }
            record.failures += 1;
            record.not_before = if record.failures >= max {
                if is_email && record.failures == max {
                    locked_email = true;
                }
                record.window_start + policy.window
            } else if is_email && record.failures > FREE_FAILURES {
                let doublings = (record.failures - FREE_FAILURES - 1).min(16);
                now + Duration::from_secs(1 << doublings).min(MAX_DELAY)
            } else {
                now
            };
        }
        locked_email
    }

    /// A successful login clears the email's failures (not the address's).
    pub fn succeeded(&self, account_id: &str, email: &str) {
        if let Ok(mut records) = self.records.lock() {
            records.remove(&email_key(account_id, email));
        }
    }

    /// The account's emails locked right now, for its admins.
    pub fn lockouts(&self, account_id: &str, now: Instant) -> Vec<Lockout> {
        let Ok(records) = self.records.lock() else {
            return Vec::new();
        };
        let mut locked: Vec<Lockout> = records
            .iter()
            .filter_map(|(key, r)| match key {
                Key::Email {
                    account_id: a,
                    email,
                } if a == account_id
                    && r.failures >= self.policy.max_failures_per_email
                    && now < r.not_before =>
                {
                    Some(Lockout {
                        email: email.clone(),
                        failures: r.failures,
                        until: r.not_before,
                    })
                }
                _ => None,
            })
            .collect();
        locked.sort_by(|a, b| a.email.cmp(&b.email));
        locked
    }
}

fn email_key(account_id: &str, email: &str) -> Key {
    Key::Email {
        account_id: account_id.to_string(),
        email: email.trim().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9));

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(Policy {
            max_failures_per_email: 10,
            max_failures_per_address: 30,
            window: Duration::from_secs(900),
        })
    }

    #[test]
    fn delays_grow_then_the_email_locks_until_the_window_ends() {
        let t = throttle();
        let start = Instant::now();
        let mut now = start;
        for n in 1..=9 {
            assert!(
                t.check("a", "Ann@X.example", IP, now).is_ok(),
                "attempt {n}"
            );
            assert!(!t.failed("a", "ann@x.example", IP, now));
            // Wait exactly as long as asked.
            if let Err(wait) = t.check("a", "ann@x.example", IP, now) {
                assert!(n > FREE_FAILURES, "no delay for the first failures");
                now += wait;
            }
        }
        assert!(
            t.failed("a", "ann@x.example", IP, now),
            "the 10th failure locks"
        );
        let wait = t.check("a", "ann@x.example", IP, now).unwrap_err();
        assert_eq!(now + wait, start + Duration::from_secs(900));
        // Locked from anywhere, and visible to the account's admins only.
        assert!(t.check("a", "ann@x.example", OTHER_IP, now).is_err());
        assert_eq!(t.lockouts("a", now).len(), 1);
        assert!(t.lockouts("b", now).is_empty());
        // Another email from another address is unaffected; after the window all is clear.
        assert!(t.check("a", "bob@x.example", OTHER_IP, now).is_ok());
        let after = start + Duration::from_secs(901);
        assert!(t.check("a", "ann@x.example", IP, after).is_ok());
        assert!(t.lockouts("a", after).is_empty());
    }

    #[test]
    fn success_clears_the_email_and_accounts_are_separate() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..5 {
            t.failed("a", "ann@x.example", IP, now);
        }
        assert!(t.check("a", "ann@x.example", OTHER_IP, now).is_err());
        assert!(
            t.check("b", "ann@x.example", OTHER_IP, now).is_ok(),
            "another account"
        );
        t.succeeded("a", "ann@x.example");
        assert!(t.check("a", "ann@x.example", OTHER_IP, now).is_ok());
    }

    #[test]
    fn one_address_trying_many_emails_is_stopped() {
        let t = throttle();
        let now = Instant::now();
        for n in 0..30 {
            t.failed("a", &format!("user{n}@x.example"), IP, now);
        }
        assert!(t.check("a", "fresh@x.example", IP, now).is_err());
        assert!(t.check("a", "fresh@x.example", OTHER_IP, now).is_ok());
    }
}
