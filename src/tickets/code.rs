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

/// The codes of `prefix` written in `text` (a subject, a References header), in order:
/// `PREFIX-XXXXX` as a whole word, any case, as mail clients may fold it.
pub fn find_all(text: &str, prefix: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let wanted = format!("{prefix}-");
    let word_byte = |b: u8| b.is_ascii_alphanumeric();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = upper[from..].find(&wanted).map(|i| from + i) {
        from = at + 1;
        let tail_at = at + wanted.len();
        let Some(tail) = bytes.get(tail_at..tail_at + LENGTH) else {
            break;
        };
        let starts_word = at == 0 || !word_byte(bytes[at - 1]);
        let ends_word = bytes.get(tail_at + LENGTH).is_none_or(|&b| !word_byte(b));
        if starts_word && ends_word && tail.iter().all(|b| ALPHABET.contains(b)) {
            let code = upper[at..tail_at + LENGTH].to_string();
            if !found.contains(&code) {
                found.push(code);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_as_whole_words_in_any_case() {
        assert_eq!(
            find_all("Re: [ACME-4F7K2] Größe", "ACME"),
            vec!["ACME-4F7K2"]
        );
        assert_eq!(
            find_all("<acme-4f7k2.00ff@desk> <ACME-9ZZZZ.1@x>", "ACME"),
            vec!["ACME-4F7K2", "ACME-9ZZZZ"]
        );
        // Not a word of its own, an excluded letter, too short, another prefix.
        assert!(
            find_all(
                "XACME-4F7K2 ACME-4F7K2X ACME-4F7KU ACME-4F7 BETA-4F7K2",
                "ACME"
            )
            .is_empty()
        );
        assert!(find_all("ACME-", "ACME").is_empty());
        assert!(find_all("ŽACME-4F7K2", "ACME").len() == 1);
    }

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
