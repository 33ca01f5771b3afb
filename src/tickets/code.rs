//! Short human ticket codes for mail subjects and phone calls: `ACME-4F7K2`, the account's
//! prefix and five characters of Crockford's base32 (no I, L, O, U), random so that codes
//! do not reveal how many tickets an account has.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 5;

/// The prefix for an account slug: its letters and digits, upper case, at most six.
pub fn prefix(slug: &str) -> String {
    let prefix: String = slug
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>()
        .to_ascii_uppercase();
    if prefix.is_empty() {
        "T".into()
    } else {
        prefix
    }
}

pub fn generate(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let tail: String = (0..LENGTH)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{prefix}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape() {
        assert_eq!(prefix("acme"), "ACME");
        assert_eq!(prefix("very-long-slug"), "VERYLO");
        assert_eq!(prefix("--"), "T");
        let code = generate("ACME");
        assert!(code.starts_with("ACME-") && code.len() == 10, "{code}");
        assert!(code[5..].bytes().all(|b| ALPHABET.contains(&b)));
    }
}
