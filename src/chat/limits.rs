//! Abuse limits of the chat, in memory: token buckets per client address and per visitor
//! for starting chats and for messages.
//!
//! `auth::rate::RateLimiter` refills in whole requests per second; starting chats needs
//! rates like "one a minute", hence these buckets with a fractional refill. Time is passed
//! in, so tests move it instead of sleeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets idle this long are full again and can be forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(900);
const SWEEP_ABOVE: usize = 20_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// One kind of limit: `burst` at once, refilled at `per_second`.
pub struct Buckets {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    pub fn new(burst: u32, per_second: f64) -> Buckets {
        Buckets {
            per_second: per_second.max(0.000_1),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one from `key`'s bucket; when empty, says how long until one is back.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

/// The chat's limits, per account: keys are prefixed with the account id.
pub struct ChatLimits {
    pub starts_per_address: Buckets,
    pub starts_per_visitor: Buckets,
    pub messages_per_address: Buckets,
    pub messages_per_visitor: Buckets,
}

impl Default for ChatLimits {
    fn default() -> Self {
        ChatLimits {
            // An office behind one address may start a few chats at once, then one every 20 s.
            starts_per_address: Buckets::new(10, 1.0 / 20.0),
            starts_per_visitor: Buckets::new(3, 1.0 / 60.0),
            // People type slower than this; a script pasting a flood does not.
            messages_per_address: Buckets::new(60, 10.0),
            messages_per_visitor: Buckets::new(10, 1.0),
        }
    }
}

impl ChatLimits {
    /// Both buckets must have room; the visitor's is asked first, so one flooding visitor
    /// does not use up their address's share for others behind it.
    fn both(
        by_visitor: &Buckets,
        by_address: &Buckets,
        account: &str,
        visitor: &str,
        ip: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        by_visitor.take(&format!("{account}/{visitor}"), now)?;
        by_address.take(&format!("{account}/{ip}"), now)
    }

    pub fn start(
        &self,
        account: &str,
        visitor: &str,
        ip: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        Self::both(
            &self.starts_per_visitor,
            &self.starts_per_address,
            account,
            visitor,
            ip,
            now,
        )
    }

    pub fn message(
        &self,
        account: &str,
        visitor: &str,
        ip: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        Self::both(
            &self.messages_per_visitor,
            &self.messages_per_address,
            account,
            visitor,
            ip,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_refill_and_separate_keys() {
        let buckets = Buckets::new(2, 1.0 / 60.0);
        let start = Instant::now();
        assert!(buckets.take("a", start).is_ok());
        assert!(buckets.take("a", start).is_ok());
        let wait = buckets.take("a", start).unwrap_err();
        assert!(
            wait > Duration::from_secs(59) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(buckets.take("b", start).is_ok());
        assert!(buckets.take("a", start + Duration::from_secs(30)).is_err());
        assert!(buckets.take("a", start + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn a_flooding_visitor_leaves_their_address_to_others() {
        let limits = ChatLimits::default();
        let now = Instant::now();
        let refused = (0..100)
            .filter(|_| limits.message("acc", "flooder", "10.0.0.1", now).is_err())
            .count();
        assert_eq!(refused, 90);
        assert!(limits.message("acc", "neighbour", "10.0.0.1", now).is_ok());
    }
}
