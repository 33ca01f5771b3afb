//! Turning text into word tokens: Unicode-aware, case-folded, bounded.
//!
//! Words are split on white space and on characters that never belong inside one; leading
//! and trailing punctuation is trimmed, but not `$`, `!` or `%`, which spam leans on. Scripts
//! written without spaces (Han, kana, Hangul, Thai, …) become overlapping character pairs,
//! the usual way to get word-like units without a dictionary. A URL becomes its host, every
//! parent domain and its path words; an address its domain. Words longer than
//! `MAX_WORD_BYTES` (base64 left-overs, a flood of one endless token) become one coarse
//! "skip" token naming their first character and length class.

use super::sink::Sink;

/// Words shorter than this many characters say too little (except in scripts without spaces).
const MIN_WORD_CHARS: usize = 3;
/// Longer words are not kept as such: they are nearly always encodings or floods.
pub const MAX_WORD_BYTES: usize = 40;

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '"'
                | '|'
                | '\\'
                | '`'
                | '^'
                | '*'
                | ','
                | ';'
                | '='
        )
        || c.is_control()
}

/// The characters trimmed off a word's ends (what `trim` implements, faster).
#[cfg(test)]
fn is_trimmed(c: char) -> bool {
    matches!(
        c,
        '.' | ':' | '\'' | '-' | '_' | '?' | '/' | '#' | '&' | '+' | '~' | '@' | '\u{2019}'
    ) || (c.is_ascii_punctuation() && !matches!(c, '$' | '!' | '%'))
}

/// `piece.trim_matches(is_trimmed)` without decoding characters: the only character
/// `is_trimmed` takes beyond ASCII is U+2019.
fn trim(piece: &str) -> &str {
    const QUOTE: &[u8] = "\u{2019}".as_bytes();
    let ascii_trimmed = |b: u8| b.is_ascii_punctuation() && !matches!(b, b'$' | b'!' | b'%');
    let bytes = piece.as_bytes();
    let (mut start, mut end) = (0, bytes.len());
    while start < end {
        if ascii_trimmed(bytes[start]) {
            start += 1;
        } else if bytes[start..end].starts_with(QUOTE) {
            start += QUOTE.len();
        } else {
            break;
        }
    }
    while start < end {
        if ascii_trimmed(bytes[end - 1]) {
            end -= 1;
        } else if bytes[start..end].ends_with(QUOTE) {
            end -= QUOTE.len();
        } else {
            break;
        }
    }
    &piece[start..end]
}

/// Scripts written without spaces between words.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF     // Thai, Lao
        | 0x1000..=0x109F   // Myanmar
        | 0x1780..=0x17FF   // Khmer
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // half-width Katakana
        | 0x20000..=0x2FFFF // CJK extensions B–F
    )
}

/// `is_separator` for the ASCII characters, as a table (most mail text is ASCII).
/// (A test checks it against `is_separator`.)
static ASCII_SEPARATOR: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        // White space and control characters (0x1C–0x1F are Unicode white space too).
        table[b] = b <= 0x20
            || b == 0x7F
            || matches!(
                b as u8,
                b'<' | b'>'
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'"'
                    | b'|'
                    | b'\\'
                    | b'`'
                    | b'^'
                    | b'*'
                    | b','
                    | b';'
                    | b'='
            );
        b += 1;
    }
    table
};

/// Splits `text` into tokens with `prefix`, until the sink is full.
///
/// The same pieces as `text.split(is_separator)`, found a byte at a time for ASCII (a table
/// lookup) and a character at a time only for the other characters.
pub fn words(text: &str, prefix: &str, sink: &mut Sink) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // What the scan has seen since `start`, so that `piece` need not look again.
    let mut scan = Scan::default();
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if ASCII_SEPARATOR[usize::from(b)] {
                if start < i && !piece(&text[start..i], scan, prefix, sink) {
                    return;
                }
                start = i + 1;
                scan = Scan::default();
            } else {
                scan.at |= b == b'@';
            }
            i += 1;
        } else {
            // A lead byte (i only ever stops on character boundaries).
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            let width = c.len_utf8();
            if is_separator(c) {
                if start < i && !piece(&text[start..i], scan, prefix, sink) {
                    return;
                }
                start = i + width;
                scan = Scan::default();
            } else {
                scan.non_ascii = true;
            }
            i += width;
        }
    }
    if start < bytes.len() {
        piece(&text[start..], scan, prefix, sink);
    }
}

/// What the scan of a piece found on the way: whether it has an `@` and whether it has a
/// non-ASCII character. Only ever a shortcut: `false` means certainly not, and `true` makes
/// `piece` look for itself (trimming may have taken the `@` or the character off).
#[derive(Clone, Copy, Default)]
struct Scan {
    at: bool,
    non_ascii: bool,
}

/// One piece between separators; false once the sink is full.
fn piece(piece: &str, scan: Scan, prefix: &str, sink: &mut Sink) -> bool {
    if sink.is_full() {
        return false;
    }
    let word = trim(piece);
    if word.is_empty() {
        return true;
    }
    if let Some(rest) = url_rest(word) {
        url(rest, sink);
        return true;
    }
    let bytes = word.as_bytes();
    if scan.at
        && let Some(at) = bytes.iter().position(|&b| b == b'@')
        && bytes[at + 1..].contains(&b'.')
    {
        sink.push_lower("email:", &word[at + 1..]);
        return true;
    }
    word_token(word, !scan.non_ascii, prefix, sink);
    true
}

/// One already-trimmed word, with the unspaced-script and length rules. `ascii`: the caller
/// knows the word is ASCII (if false, it may still be).
fn word_token(word: &str, ascii: bool, prefix: &str, sink: &mut Sink) {
    if word.len() > MAX_WORD_BYTES {
        skip_token(word, prefix, sink);
        return;
    }
    if ascii || word.is_ascii() {
        if word.len() >= MIN_WORD_CHARS {
            sink.push_ascii_lower(prefix, word);
        }
        return;
    }
    // Mixed or non-Latin: runs of unspaced script become character pairs, other runs words.
    let mut run_start = 0;
    let mut run_unspaced: Option<bool> = None;
    for (i, c) in word.char_indices() {
        let unspaced = is_unspaced(c);
        match run_unspaced {
            Some(kind) if kind != unspaced => {
                run(&word[run_start..i], kind, prefix, sink);
                run_start = i;
                run_unspaced = Some(unspaced);
            }
            None => run_unspaced = Some(unspaced),
            _ => {}
        }
    }
    if let Some(kind) = run_unspaced {
        run(&word[run_start..], kind, prefix, sink);
    }
}

fn run(text: &str, unspaced: bool, prefix: &str, sink: &mut Sink) {
    if !unspaced {
        if text.chars().count() >= MIN_WORD_CHARS {
            sink.push_lower(prefix, text);
        }
        return;
    }
    let mut chars = text.char_indices().peekable();
    if text.chars().nth(1).is_none() {
        sink.push(prefix, text);
        return;
    }
    while let Some((start, _)) = chars.next() {
        let Some(&(second, c2)) = chars.peek() else {
            break;
        };
        sink.push(prefix, &text[start..second + c2.len_utf8()]);
    }
}

/// A long word: one coarse token, e.g. `skip:a 60` for a 60-odd byte word starting with a
/// letter (as SpamBayes does), so floods of long tokens still count but cannot blow up the
/// model.
fn skip_token(word: &str, prefix: &str, sink: &mut Sink) {
    let first = word.chars().next().map_or('?', |c| {
        if c.is_alphabetic() {
            'a'
        } else if c.is_numeric() {
            '9'
        } else {
            c
        }
    });
    let class = (word.len() / 10 * 10).min(1000);
    let mut buffer = [0u8; 4];
    let first = first.encode_utf8(&mut buffer);
    sink.push_parts(prefix, &["skip:", first, " ", &class.to_string()]);
}

/// The part after the scheme if `word` is a URL (`http://`, `https://`, `www.`).
fn url_rest(word: &str) -> Option<&str> {
    if !matches!(word.as_bytes().first(), Some(b'h' | b'H' | b'w' | b'W')) {
        return None;
    }
    let lower_starts = |p: &str| {
        word.len() >= p.len()
            && word.is_char_boundary(p.len())
            && word[..p.len()].eq_ignore_ascii_case(p)
    };
    if lower_starts("http://") {
        Some(&word[7..])
    } else if lower_starts("https://") {
        Some(&word[8..])
    } else if lower_starts("www.") {
        Some(word)
    } else {
        None
    }
}

/// `rest` (a URL after its scheme) as host and the path that follows.
fn split_host(rest: &str) -> (&str, &str) {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    // user:password@host:port → host
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    (host.trim_matches('.'), path)
}

/// The host of `word` if it is a URL.
pub fn url_host(word: &str) -> Option<&str> {
    let (host, _) = split_host(url_rest(word.trim())?);
    (!host.is_empty()).then_some(host)
}

/// An `href` or `src`: URL tokens for web links, the domain for `mailto:`, nothing for
/// relative links.
pub fn link(href: &str, sink: &mut Sink) {
    let href = href.trim();
    if let Some(rest) = url_rest(href) {
        url(rest, sink);
    } else if href.len() > 7
        && href.is_char_boundary(7)
        && href[..7].eq_ignore_ascii_case("mailto:")
    {
        if let Some((_, domain)) = href[7..].split('?').next().and_then(|a| a.rsplit_once('@')) {
            sink.push_lower("email:", domain);
        }
    }
}

/// Tokens of a URL without its scheme: the host and its parent domains, then the words of
/// the path (a few: spam URLs carry tracking ids that never repeat).
pub fn url(rest: &str, sink: &mut Sink) {
    let (host, path) = split_host(rest);
    if host.is_empty() {
        return;
    }
    if host.len() > MAX_WORD_BYTES * 2 {
        skip_token(host, "url:", sink);
    } else if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        sink.push("url:", "ip-address");
        sink.push("url:", host);
    } else {
        // a.b.example.com → a.b.example.com, b.example.com, example.com
        let mut domain = host;
        loop {
            sink.push_lower("url:", domain);
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent,
                _ => break,
            }
        }
    }
    for piece in path
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| (MIN_WORD_CHARS..=20).contains(&p.len()))
        .take(4)
    {
        sink.push_lower("urlpath:", piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spam::sink::{HashKey, Sink};

    fn tokens_of(text: &str) -> Vec<String> {
        let mut sink = Sink::recording(HashKey::from_bytes([7; 16]), 1000);
        words(text, "", &mut sink);
        sink.recorded()
    }

    #[test]
    fn words_are_trimmed_lowercased_and_filtered() {
        let t = tokens_of("Hello, WORLD!! (free) $100 off... it's 50% — no");
        assert!(t.contains(&"hello".to_string()), "{t:?}");
        assert!(t.contains(&"world!!".to_string()), "{t:?}");
        assert!(t.contains(&"free".to_string()));
        assert!(t.contains(&"$100".to_string()));
        assert!(t.contains(&"off".to_string()));
        assert!(t.contains(&"it's".to_string()));
        assert!(t.contains(&"50%".to_string()));
        assert!(!t.contains(&"no".to_string()), "too short");
    }

    #[test]
    fn urls_give_their_domains_and_path_words() {
        let t = tokens_of("see https://Deals.Example.COM/cheap/pills?id=1 now");
        for want in [
            "url:deals.example.com",
            "url:example.com",
            "urlpath:cheap",
            "urlpath:pills",
        ] {
            assert!(t.contains(&want.to_string()), "{want} in {t:?}");
        }
        assert!(tokens_of("mail me: bob@Example.org").contains(&"email:example.org".into()));
    }

    #[test]
    fn unspaced_scripts_become_pairs_and_others_words() {
        let t = tokens_of("東京都 Привет мир ПРИВЕТ");
        assert!(t.contains(&"東京".to_string()), "{t:?}");
        assert!(t.contains(&"京都".to_string()), "{t:?}");
        assert!(t.contains(&"привет".to_string()), "{t:?}");
        assert!(t.contains(&"мир".to_string()), "{t:?}");
    }

    #[test]
    fn trim_agrees_with_trim_matches() {
        for piece in [
            "",
            "...",
            "\u{2019}",
            "\u{2019}\u{2019}x\u{2019}",
            "'hello'",
            "$100!",
            "%%x%%",
            "--é--",
            "«quoted»",
            "it\u{2019}s\u{2019}.",
            "\u{2018}x\u{2019}",
            "@@a@b@@",
            "日本.",
        ] {
            assert_eq!(trim(piece), piece.trim_matches(is_trimmed), "{piece:?}");
        }
    }

    #[test]
    fn the_ascii_table_agrees_with_is_separator() {
        for b in 0u8..128 {
            assert_eq!(
                ASCII_SEPARATOR[usize::from(b)],
                is_separator(char::from(b)),
                "{b:#x}"
            );
        }
    }

    #[test]
    fn long_words_become_one_skip_token() {
        let long = "x".repeat(5000);
        let t = tokens_of(&long);
        assert_eq!(t, vec!["skip:a 1000".to_string()]);
    }
}
