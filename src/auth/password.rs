//! Argon2id password hashing in PHC string format.
//!
//! Hashing is deliberately slow (about 70 ms and 46 MiB here), so it runs on blocking
//! threads, at most one per core at a time: a flood of logins queues instead of taking
//! unbounded memory or every thread. Unknown users are verified against a dummy hash so a
//! wrong email and a wrong password take the same time.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

/// Stronger than OWASP's first Argon2id recommendation (46 MiB, 1 iteration): 2 iterations,
/// so one hash takes about 70 ms on the reference machine (BENCHMARKS.md).
const MEMORY_KIB: u32 = 47_104;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

/// Hashes made with other parameters are replaced at the next successful login.
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(&format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}$"
    ))
}

fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// `hash` on a blocking thread, waiting for a free hashing slot.
pub async fn hash_bounded(password: zeroize::Zeroizing<String>) -> Option<String> {
    let _slot = hashing_slots().acquire().await.ok()?;
    tokio::task::spawn_blocking(move || hash(&password).ok())
        .await
        .ok()
        .flatten()
}

/// `verify` on a blocking thread, waiting for a free hashing slot.
pub async fn verify_bounded(password: zeroize::Zeroizing<String>, stored: Option<String>) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a new password is refused, in words for the person choosing it.
pub fn check_strength(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if password.len() > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} bytes"));
    }
    if is_common(password) {
        return Err("is too common: it is on lists that attackers try first".into());
    }
    Ok(())
}

/// The 20,000 most common passwords of Royce Williams' list as Django ships it (BSD-3),
/// lowercased, printable ASCII, 4 characters or more.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().collect())
}

/// A listed password, a listed one with digits or symbols around it ("Password2024!",
/// "qwertyuiop12"), or one character repeated.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let core =
        lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    let listed = common_passwords();
    let mut chars = lower.chars();
    let first = chars.next();
    let repeated = chars.all(|c| Some(c) == first);
    repeated || listed.contains(lower.as_str()) || (!core.is_empty() && listed.contains(core))
}

/// Blocking. Returns the PHC string (`$argon2id$v=19$m=…`).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    Ok(hasher()
        .hash_password_with_salt(password.as_bytes(), &salt)?
        .to_string())
}

/// Blocking. `None` as the stored hash still spends the time of one verification.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let candidate = stored.unwrap_or_else(|| dummy_hash());
    let ok = hasher()
        .verify_password(password.as_bytes(), candidate)
        .is_ok();
    ok && stored.is_some()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("helpdeskd timing equalizer").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=47104,t=2,p=1$"));
        assert!(!needs_rehash(&stored));
        assert!(needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse batterY", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert_ne!(stored, hash("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn strength() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("twelve chars").is_ok());
        assert!(check_strength(&"x".repeat(2000)).is_err());
        assert!(check_strength("correct horse battery").is_ok());
        for common in [
            "password1234",
            "Password2024!",
            "qwertyuiop12",
            "1qaz2wsx3edc",
            "zzzzzzzzzzzz",
            "  iloveyou!!  ",
        ] {
            assert!(
                check_strength(common).unwrap_err().contains("too common"),
                "{common}"
            );
        }
    }
}

#[cfg(test)]
mod timing {
    /// `cargo test --release --lib password::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, not a check"]
    fn print_hash_time() {
        let started = std::time::Instant::now();
        for _ in 0..10 {
            super::hash("measure this password").unwrap();
        }
        println!("argon2id hash: {:?} each", started.elapsed() / 10);
    }
}
