//! A small in-memory rate limiter: at most `max` events per key within a sliding window
//! (the web form's tickets per address and per email, sign-in links likewise).
//!
//! Each key keeps the times of its last `max` events. The number of keys is bounded: above
//! `MAX_KEYS`, keys without an event in the window are forgotten, and if that is not enough
//! (a flood of distinct keys), the key whose newest event is the oldest gives way. Time is
//! passed in, so tests move it instead of sleeping.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_KEYS: usize = 20_000;

pub struct Limiter {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    pub fn new(max: usize, window: Duration) -> Limiter {
        Limiter {
            max: max.max(1),
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event under `key`, unless `max` were counted within the window: then
    /// nothing is counted and the answer is how long until the next one is allowed.
    pub fn hit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut events) = self.events.lock() else {
            return Ok(());
        };
        let window = self.window;
        let recent = |at: &Instant| now.saturating_duration_since(*at) < window;
        if !events.contains_key(key) && events.len() >= MAX_KEYS {
            events.retain(|_, times| times.back().is_some_and(recent));
            if events.len() >= MAX_KEYS {
                let oldest = events
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    events.remove(&oldest);
                }
            }
        }
        let times = events.entry(key.to_string()).or_default();
        while times.front().is_some_and(|at| !recent(at)) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let first = times.front().copied().unwrap_or(now);
            return Err(window.saturating_sub(now.saturating_duration_since(first)));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_per_window_per_key() {
        let limiter = Limiter::new(3, Duration::from_secs(600));
        let start = Instant::now();
        for i in 0..3 {
            assert!(limiter.hit("a", start + Duration::from_secs(i)).is_ok());
        }
        let wait = limiter
            .hit("a", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(590));
        assert!(
            limiter.hit("b", start).is_ok(),
            "another key has its own count"
        );
        // The first event leaves the window after ten minutes: one more is allowed.
        assert!(limiter.hit("a", start + Duration::from_secs(600)).is_ok());
        assert!(limiter.hit("a", start + Duration::from_secs(600)).is_err());
        // Refusals are not counted: after the window everything is allowed again.
        assert!(limiter.hit("a", start + Duration::from_secs(1300)).is_ok());
    }

    #[test]
    fn keys_are_bounded() {
        let limiter = Limiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..MAX_KEYS + 10 {
            assert!(limiter.hit(&format!("k{i}"), start).is_ok());
        }
        assert!(limiter.events.lock().unwrap().len() <= MAX_KEYS);
        // Old keys are forgotten first once their window has passed.
        let later = start + Duration::from_secs(61);
        assert!(limiter.hit("new", later).is_ok());
        assert_eq!(limiter.events.lock().unwrap().len(), 1);
    }
}
