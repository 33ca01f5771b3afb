//! Ten single-use recovery codes, for a user who lost their authenticator.
//!
//! Each code carries 50 random bits, so a keyed hash (HMAC-SHA-256 with a per-account key)
//! is enough to store it: guessing one online is hopeless and the throttle limits tries.

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use rusqlite::{Connection, params};
use sha2::Sha256;
use zeroize::Zeroizing;

pub const COUNT: usize = 10;
/// Lowercase letters and digits without the look-alikes 0/o, 1/l/i.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const HALF: usize = 5;

fn generate() -> Zeroizing<String> {
    let mut rng = rand::rngs::OsRng;
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    Zeroizing::new(format!("{}-{}", pick(HALF), pick(HALF)))
}

/// Whether `text` has the shape of a recovery code (as opposed to a TOTP code).
pub fn looks_like_code(text: &str) -> bool {
    normalize(text).len() == 2 * HALF && !text.trim().bytes().all(|b| b.is_ascii_digit())
}

fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn hash_key(conn: &Connection) -> Result<Zeroizing<Vec<u8>>, rusqlite::Error> {
    conn.prepare_cached("SELECT value FROM account_secrets WHERE name = 'recovery_code_hash_key'")?
        .query_row([], |r| r.get::<_, Vec<u8>>(0))
        .map(Zeroizing::new)
}

fn keyed_hash(key: &[u8], code: &str) -> Vec<u8> {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(normalize(code).as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// In a write transaction: replaces the user's codes with ten new ones, returned once.
pub(super) fn replace(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<Zeroizing<String>>, rusqlite::Error> {
    let key = hash_key(conn)?;
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    let codes: Vec<_> = (0..COUNT).map(|_| generate()).collect();
    let mut insert =
        conn.prepare_cached("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for code in &codes {
        insert.execute(params![user_id, keyed_hash(&key, code)])?;
    }
    Ok(codes)
}

/// In a write transaction: uses up `code` if it is one of the user's unused codes.
pub(super) fn consume(
    conn: &Connection,
    user_id: i64,
    code: &str,
    now: i64,
) -> Result<bool, rusqlite::Error> {
    let hash = keyed_hash(&hash_key(conn)?, code);
    let used = conn.execute(
        "UPDATE recovery_codes SET used_at = ?3
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![user_id, hash, now],
    )?;
    Ok(used == 1)
}

pub(super) fn remaining(conn: &Connection, user_id: i64) -> Result<i64, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
    )?
    .query_row([user_id], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape() {
        let code = generate();
        assert_eq!(code.len(), 11);
        assert!(looks_like_code(&code));
        assert!(looks_like_code(&code.to_uppercase().replace('-', " ")));
        assert!(!looks_like_code("123456"));
        assert!(!looks_like_code("1234567890"));
        assert_eq!(normalize("AbCdE-fGhJk"), "abcdefghjk");
    }
}
