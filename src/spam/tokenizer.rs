//! From a message to its set of keyed token hashes.
//!
//! What is looked at, each with its own prefix so that "free" in a subject and "free" in a
//! body are different tokens:
//! - headers: `From` and `Reply-To` (address, domain, display-name words, whether they
//!   differ), `Subject` words, the first `MAX_HOPS` `Received` hops (hosts, parent domains,
//!   networks, protocol), `Content-Type` / charset / transfer encoding of every part,
//!   `X-Mailer` / `User-Agent`, the *shape* of the `Message-ID` (digits and letters replaced
//!   by classes, so its unique part is not stored but the habit of the software that made it
//!   is) and the names of the headers present;
//! - bodies after MIME decoding (base64, quoted-printable, charsets — mail-parser) and, for
//!   HTML, after stripping the markup (`html`): words, URLs and their domains;
//! - a few structural features, kept because the evaluation showed they help (BENCHMARKS.md).
//!
//! Limits, so that no message can make this slow or large: at most `MAX_SCAN_BYTES` of the
//! raw message are parsed, at most `MAX_TEXT_BYTES` of decoded text are read, at most
//! `MAX_TOKENS` tokens are produced, and over-long words become one coarse token.
//!
//! Every token is hashed with SipHash-2-4 under the model's 128-bit secret (each distinct token
//! of a message once); no token text outlives the call: the buffer the tokens are laid out in
//! is zeroed before `message` or `text` returns.

use std::borrow::Cow;
use std::hash::Hasher;

use mail_parser::{
    Address, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders, PartType,
};
use siphasher::sip::SipHasher24;

use super::html::{self, HtmlText};
use super::words::{self, MAX_WORD_BYTES};

/// Raw bytes of one message that are parsed; the rest is ignored.
pub const MAX_SCAN_BYTES: usize = 512 * 1024;
/// Decoded body text (all parts together) that is tokenized.
pub const MAX_TEXT_BYTES: usize = 192 * 1024;
/// Tokens produced for one message (before duplicates are removed).
pub const MAX_TOKENS: usize = 4000;
/// `Received` headers looked at, from the top (the hops nearest to us come first).
const MAX_HOPS: usize = 4;
/// Headers looked at.
const MAX_HEADERS: usize = 200;
/// Nested messages (forwarded as attachments) followed.
const MAX_DEPTH: usize = 3;

/// The model's secret for the token hashes (16 random bytes kept with the model).
#[derive(Clone, PartialEq, Eq)]
pub struct HashKey {
    k0: u64,
    k1: u64,
}

impl HashKey {
    pub fn from_bytes(bytes: [u8; 16]) -> HashKey {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&bytes[..8]);
        k1.copy_from_slice(&bytes[8..]);
        HashKey {
            k0: u64::from_le_bytes(k0),
            k1: u64::from_le_bytes(k1),
        }
    }
}

impl HashKey {
    /// The hash of one token as the tokenizer makes it (`prefix` then the token text), e.g.
    /// `token("shape:", "html-only")`: for tests and measurements that look for a token.
    pub fn token(&self, prefix: &str, text: &str) -> u64 {
        let mut hasher = SipHasher24::new_with_keys(self.k0, self.k1);
        hasher.write(prefix.as_bytes());
        // 0xFF never occurs in UTF-8: prefix and token cannot run into each other.
        hasher.write_u8(0xFF);
        hasher.write(text.as_bytes());
        hasher.finish()
    }
}

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(…)")
    }
}

/// Where tokens go: hashed at once, up to a limit. Reused from message to message, so the
/// buffers are allocated once.
///
/// Each token's bytes (`prefix`, 0xFF, text) are laid out in `arena` and looked up in a
/// small per-message table (`Seen`) under a cheap hash first: a token the message already
/// produced is not hashed with SipHash again (a word occurs about twice per message on
/// average, and SipHash is the dearer of the two). The table only saves work: the output is
/// sorted and deduplicated at the end as it always was, so it is the same set of hashes
/// whatever the table does.
pub struct Sink {
    sip: SipHasher24,
    out: Vec<u64>,
    /// Tokens produced so far in this message, duplicates included (what `limit` bounds).
    produced: usize,
    limit: usize,
    seen: Seen,
    /// Tests only: the token texts, to check what the tokenizer sees.
    record: Option<Vec<String>>,
}

impl Sink {
    fn new(key: HashKey, limit: usize) -> Sink {
        Sink {
            sip: SipHasher24::new_with_keys(key.k0, key.k1),
            out: Vec::with_capacity(1024),
            produced: 0,
            limit,
            seen: Seen::new(limit),
            record: None,
        }
    }

    /// A sink that also keeps the token texts (for tests of the tokenizer).
    pub fn recording(key: HashKey, limit: usize) -> Sink {
        let mut sink = Sink::new(key, limit);
        sink.record = Some(Vec::new());
        sink
    }

    pub fn recorded(&self) -> Vec<String> {
        self.record.clone().unwrap_or_default()
    }

    pub fn is_full(&self) -> bool {
        self.produced >= self.limit
    }

    /// A token as it is.
    pub fn push(&mut self, prefix: &str, token: &str) {
        if self.is_full() {
            return;
        }
        let at = self.seen.begin(prefix);
        self.seen.arena.extend_from_slice(token.as_bytes());
        self.end(at);
    }

    /// A token case-folded (Unicode lower case).
    pub fn push_lower(&mut self, prefix: &str, token: &str) {
        if self.is_full() {
            return;
        }
        if token.is_ascii() {
            self.push_ascii_lower(prefix, token);
            return;
        }
        let at = self.seen.begin(prefix);
        let arena = &mut self.seen.arena;
        let mut buffer = [0u8; 4];
        for c in token.chars() {
            if c.is_ascii() {
                arena.push(c.to_ascii_lowercase() as u8);
            } else {
                for lower in c.to_lowercase() {
                    arena.extend_from_slice(lower.encode_utf8(&mut buffer).as_bytes());
                }
            }
        }
        self.end(at);
    }

    /// An ASCII token case-folded: copied, then lower-cased in place (a loop over the bytes
    /// that vectorizes, where mapping them one by one into the arena did not).
    pub fn push_ascii_lower(&mut self, prefix: &str, token: &str) {
        debug_assert!(token.is_ascii());
        if self.is_full() {
            return;
        }
        let at = self.seen.begin(prefix);
        let text = self.seen.arena.len();
        self.seen.arena.extend_from_slice(token.as_bytes());
        self.seen.arena[text..].make_ascii_lowercase();
        self.end(at);
    }

    /// A token made of several pieces (saves building a string).
    pub fn push_parts(&mut self, prefix: &str, parts: &[&str]) {
        if self.is_full() {
            return;
        }
        let at = self.seen.begin(prefix);
        for part in parts {
            self.seen.arena.extend_from_slice(part.as_bytes());
        }
        self.end(at);
    }

    /// The token laid out in the arena from `at` is complete: hash it unless the message
    /// had it already.
    fn end(&mut self, at: usize) {
        self.produced += 1;
        if let Some(record) = &mut self.record {
            let bytes = &self.seen.arena[at..];
            let split = bytes.iter().position(|&b| b == 0xFF).unwrap_or(0);
            record.push(format!(
                "{}{}",
                String::from_utf8_lossy(&bytes[..split]),
                String::from_utf8_lossy(&bytes[split + 1..])
            ));
        }
        if self.seen.is_new(at) {
            // SipHash-2-4 over prefix, 0xFF, text: the same value as hashing the three in
            // turn (`HashKey::token`), so models keep their meaning.
            self.out.push(self.sip.hash(&self.seen.arena[at..]));
        }
    }

    fn start(&mut self) {
        self.out.clear();
        self.produced = 0;
        self.seen.clear();
        if let Some(record) = &mut self.record {
            record.clear();
        }
    }

    /// Sorted and distinct: a message counts each token once, and the order is fixed.
    fn finish(&mut self) -> &[u64] {
        // The token texts are not kept past the call, not even in a reused buffer.
        self.seen.arena.fill(0);
        self.seen.arena.clear();
        self.out.sort_unstable();
        self.out.dedup();
        &self.out
    }
}

/// The tokens one message has produced so far: their bytes one after another in `arena`,
/// and an open-addressing table of (cheap hash, place in the arena). The table starts small
/// (most messages have a few hundred distinct tokens, and a small table stays in the cache)
/// and doubles when half full. Cleared per message by bumping a generation, not by
/// rewriting the table.
struct Seen {
    arena: Vec<u8>,
    slots: Vec<Slot>,
    /// Distinct tokens in the table.
    len: usize,
    /// The table never grows past this many slots.
    max_slots: usize,
    generation: u32,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    generation: u32,
    tag: u32,
    start: u32,
    len: u32,
}

/// Slots probed before giving up on a token (it is then hashed as if new; the final
/// deduplication still removes it): bounds the work of crafted collisions.
const MAX_PROBES: usize = 16;
/// Slots of the table at the start of each message.
const FIRST_SLOTS: usize = 512;

impl Seen {
    fn new(limit: usize) -> Seen {
        Seen {
            arena: Vec::with_capacity(16 * 1024),
            slots: vec![Slot::default(); FIRST_SLOTS],
            len: 0,
            // At most `limit` tokens per message: the table stays at most half full.
            max_slots: (2 * limit).next_power_of_two().max(FIRST_SLOTS),
            generation: 1,
        }
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.len = 0;
        // Back to the small table (its slots are stale by the new generation).
        self.slots.truncate(FIRST_SLOTS);
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.fill(Slot::default());
            self.generation = 1;
        }
    }

    /// Starts a token: writes its prefix and the separator, returns where it starts.
    fn begin(&mut self, prefix: &str) -> usize {
        let at = self.arena.len();
        self.arena.extend_from_slice(prefix.as_bytes());
        // 0xFF never occurs in UTF-8: prefix and token cannot run into each other.
        self.arena.push(0xFF);
        at
    }

    /// Whether the token from `at` to the end of the arena is new in this message. A token
    /// seen before is taken off the arena again.
    fn is_new(&mut self, at: usize) -> bool {
        let (Ok(start), Ok(len)) = (u32::try_from(at), u32::try_from(self.arena.len() - at)) else {
            return true;
        };
        if 2 * self.len >= self.slots.len() && !self.grow() {
            return true;
        }
        let hash = quick_hash(&self.arena[at..]);
        let tag = (hash >> 32) as u32;
        let mask = self.slots.len() - 1;
        let mut index = hash as usize & mask;
        for _ in 0..MAX_PROBES {
            let slot = self.slots[index];
            if slot.generation != self.generation {
                self.slots[index] = Slot {
                    generation: self.generation,
                    tag,
                    start,
                    len,
                };
                self.len += 1;
                return true;
            }
            if slot.tag == tag && slot.len == len {
                let old = slot.start as usize;
                if self.arena[old..old + len as usize] == self.arena[at..] {
                    self.arena.truncate(at);
                    return false;
                }
            }
            index = (index + 1) & mask;
        }
        true
    }

    /// Doubles the table; false if it is as large as it may be.
    fn grow(&mut self) -> bool {
        let size = self.slots.len() * 2;
        if size > self.max_slots {
            return false;
        }
        let old: Vec<Slot> = self
            .slots
            .iter()
            .copied()
            .filter(|slot| slot.generation == self.generation)
            .collect();
        self.slots.clear();
        self.slots.resize(size, Slot::default());
        let mask = size - 1;
        for slot in old {
            let start = slot.start as usize;
            let hash = quick_hash(&self.arena[start..start + slot.len as usize]);
            let mut index = hash as usize & mask;
            while self.slots[index].generation == self.generation {
                index = (index + 1) & mask;
            }
            self.slots[index] = slot;
        }
        true
    }
}

/// A fast non-cryptographic hash for the per-message table (never stored, never the
/// token's identity: only a shortcut to find a repeat). Whole 8-byte words, the last one
/// overlapping the one before, and short tokens from overlapping pieces: no byte-by-byte
/// tail.
fn quick_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    fn word(bytes: &[u8], at: usize) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    }
    fn half(bytes: &[u8], at: usize) -> u64 {
        let mut half = [0u8; 4];
        half.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(half))
    }
    let mix = |h: u64, v: u64| (h ^ v).wrapping_mul(K).rotate_left(31);
    let n = bytes.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            h = mix(h, word(bytes, at));
            at += 8;
        }
        h = mix(h, word(bytes, n - 8));
    } else if n >= 4 {
        h = mix(h, half(bytes, 0) | (half(bytes, n - 4) << 32));
    } else if n > 0 {
        h = mix(
            h,
            u64::from(bytes[0]) | (u64::from(bytes[n / 2]) << 8) | (u64::from(bytes[n - 1]) << 16),
        );
    }
    h ^= h >> 29;
    h = h.wrapping_mul(K);
    h ^ (h >> 32)
}

/// Turns messages into token hashes. Keeps its buffers between messages.
pub struct Tokenizer {
    sink: Sink,
    parser: MessageParser,
    html: HtmlText,
}

/// What the parts of one message looked like, for the structural features.
#[derive(Default)]
struct Shape {
    text_parts: usize,
    html_parts: usize,
    images: usize,
    text_bytes: usize,
    letters: usize,
    capitals: usize,
    link_mismatch: bool,
}

impl Tokenizer {
    pub fn new(key: &HashKey) -> Tokenizer {
        Tokenizer::with_sink(Sink::new(key.clone(), MAX_TOKENS))
    }

    fn with_sink(sink: Sink) -> Tokenizer {
        // Only the MIME headers and the ones looked at are parsed into structures; the rest
        // stay raw text (cheap), which is all `headers` needs.
        // Every other header is only skipped over: its name is kept (for the `header:`
        // tokens), its value not read.
        let parser = MessageParser::new()
            .with_mime_headers()
            .header_text(HeaderName::Subject)
            .header_address(HeaderName::From)
            .header_address(HeaderName::ReplyTo)
            .header_raw(HeaderName::Received)
            .header_raw(HeaderName::MessageId)
            .header_raw(HeaderName::Other(Cow::Borrowed("X-Mailer")))
            .header_raw(HeaderName::Other(Cow::Borrowed("User-Agent")))
            .default_header_ignore();
        Tokenizer {
            sink,
            parser,
            html: HtmlText::default(),
        }
    }

    /// A tokenizer that also records the token texts (tests only).
    pub fn recording(key: &HashKey) -> Tokenizer {
        Tokenizer::with_sink(Sink::recording(key.clone(), MAX_TOKENS))
    }

    /// The token texts of the last call, if recording.
    pub fn recorded(&self) -> Vec<String> {
        self.sink.recorded()
    }

    /// The sorted, distinct token hashes of a raw RFC 822 message.
    pub fn message(&mut self, raw: &[u8]) -> &[u64] {
        self.sink.start();
        let raw = &raw[..raw.len().min(MAX_SCAN_BYTES)];
        let raw = skip_mbox_line(raw);
        match self.parser.parse(raw) {
            Some(message) => {
                let mut budget = MAX_TEXT_BYTES;
                let mut shape = Shape::default();
                headers(&message, &mut self.sink);
                parts(
                    &message,
                    0,
                    &mut self.sink,
                    &mut self.html,
                    &mut budget,
                    &mut shape,
                );
                structure(&shape, &mut self.sink);
            }
            None => {
                let text = String::from_utf8_lossy(&raw[..raw.len().min(MAX_TEXT_BYTES)]);
                words::words(&text, "", &mut self.sink);
            }
        }
        self.sink.finish()
    }

    /// The sorted, distinct token hashes of a text without mail headers: a chat's first
    /// message, a web form. Same word rules as mail bodies, the subject with its prefix.
    pub fn text(&mut self, subject: &str, body: &str) -> &[u64] {
        self.sink.start();
        words::words(
            prefix_of(subject, MAX_TEXT_BYTES),
            "subject:",
            &mut self.sink,
        );
        let body = prefix_of(body, MAX_TEXT_BYTES);
        words::words(body, "", &mut self.sink);
        let mut shape = Shape::default();
        count_case(body, &mut shape);
        shape.text_parts = 1;
        structure(&shape, &mut self.sink);
        self.sink.finish()
    }
}

/// mbox files start each message with a `From sender date` line that is no header.
fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match raw.iter().position(|&b| b == b'\n') {
            Some(end) => &raw[end + 1..],
            None => raw,
        }
    } else {
        raw
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix_of(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn headers(message: &Message<'_>, sink: &mut Sink) {
    let mut hops = 0;
    for header in message.headers().iter().take(MAX_HEADERS) {
        let name = header.name();
        if name.len() <= MAX_WORD_BYTES {
            sink.push_lower("header:", name);
        }
        match &header.name {
            HeaderName::From => address(header.value(), "from:", sink),
            HeaderName::ReplyTo => address(header.value(), "reply-to:", sink),
            HeaderName::Subject => {
                if let Some(subject) = header.value().as_text() {
                    words::words(prefix_of(subject, 1024), "subject:", sink);
                }
            }
            HeaderName::Received if hops < MAX_HOPS => {
                hops += 1;
                if let Some(text) = header.value().as_text() {
                    received(prefix_of(text, 1024), sink);
                }
            }
            HeaderName::MessageId => {
                if let Some(text) = header.value().as_text() {
                    message_id_shape(prefix_of(text, 256), sink);
                }
            }
            _ if name.eq_ignore_ascii_case("X-Mailer")
                || name.eq_ignore_ascii_case("User-Agent") =>
            {
                if let Some(text) = header.value().as_text() {
                    let text = prefix_of(text.trim(), 80);
                    sink.push_lower("x-mailer:", text);
                    words::words(text, "x-mailer:", sink);
                }
            }
            _ => {}
        }
    }
    // Reply-To pointing elsewhere than From is a classic of spam (and of mailing lists).
    let from = first_address(message.header(HeaderName::From));
    let reply_to = first_address(message.header(HeaderName::ReplyTo));
    if let (Some(from), Some(reply_to)) = (from, reply_to) {
        let same = from.eq_ignore_ascii_case(reply_to);
        sink.push("reply-to:", if same { "same" } else { "differs" });
    }
}

fn first_address<'a>(value: Option<&'a HeaderValue<'_>>) -> Option<&'a str> {
    value?.as_address()?.first()?.address.as_deref()
}

/// An address header: the address, its domain and parent domains, the display name's words.
fn address(value: &HeaderValue<'_>, prefix: &str, sink: &mut Sink) {
    let Some(list) = value.as_address() else {
        if let Some(text) = value.as_text() {
            words::words(prefix_of(text, 256), prefix, sink);
        }
        return;
    };
    let addrs: Vec<_> = match list {
        Address::List(list) => list.iter().take(3).collect(),
        Address::Group(groups) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .take(3)
            .collect(),
    };
    for addr in addrs {
        if let Some(email) = addr.address.as_deref() {
            let email = prefix_of(email, 128);
            sink.push_lower(prefix, email);
            match email.rsplit_once('@') {
                Some((_, domain)) => sink.push_lower(prefix, &format!("@{domain}")),
                None => sink.push(prefix, "no-domain"),
            }
        } else {
            sink.push(prefix, "no-address");
        }
        match addr.name.as_deref() {
            Some(name) => words::words(prefix_of(name, 256), prefix, sink),
            None => sink.push(prefix, "no-name"),
        }
    }
}

/// One `Received` hop: the host names (and their parent domains), the /24 networks of the
/// addresses, and the protocol after `with`.
fn received(text: &str, sink: &mut Sink) {
    let mut after_with = false;
    for piece in ReceivedPieces::new(text) {
        let piece = piece.trim_matches(|c: char| c == '.' || c == ',');
        if piece.is_empty() || piece.len() > 80 {
            continue;
        }
        if after_with {
            sink.push_lower("received:with ", piece);
            after_with = false;
            continue;
        }
        if piece.eq_ignore_ascii_case("with") {
            after_with = true;
            continue;
        }
        if !piece.contains('.') || piece.contains('@') {
            continue;
        }
        if piece.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            // 193.120.211.219 → 193.120.211: the sender's network, not the one machine.
            let network = piece.rsplit_once('.').map_or(piece, |(net, _)| net);
            sink.push("received:ip ", network);
        } else if piece.bytes().any(|b| b.is_ascii_alphabetic()) {
            let mut domain = piece;
            loop {
                sink.push_lower("received:", domain);
                match domain.split_once('.') {
                    Some((_, parent)) if parent.contains('.') => domain = parent,
                    _ => break,
                }
            }
        }
    }
}

/// Whether a character separates the pieces of a `Received` header.
fn is_received_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ';' | '<' | '>')
}

/// `is_received_separator` for the ASCII characters, as a table (a test checks it).
static RECEIVED_SEPARATOR: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = matches!(
            b as u8,
            b'\t'
                | b'\n'
                | 0x0B
                | 0x0C
                | b'\r'
                | b' '
                | b'('
                | b')'
                | b'['
                | b']'
                | b';'
                | b'<'
                | b'>'
        );
        b += 1;
    }
    table
};

/// The pieces of `text.split(is_received_separator)`, found a byte at a time for ASCII and a
/// character at a time only for the rest: `Received` headers are long, and splitting them
/// by characters was a few per cent of a message's time.
struct ReceivedPieces<'a> {
    text: &'a str,
    at: usize,
    done: bool,
}

impl<'a> ReceivedPieces<'a> {
    fn new(text: &'a str) -> Self {
        ReceivedPieces {
            text,
            at: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for ReceivedPieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            let width = if b < 0x80 {
                if RECEIVED_SEPARATOR[usize::from(b)] {
                    self.at = i + 1;
                    return Some(&self.text[start..i]);
                }
                1
            } else {
                // A lead byte (i only ever stops on character boundaries).
                let c = self.text[i..].chars().next()?;
                if is_received_separator(c) {
                    self.at = i + c.len_utf8();
                    return Some(&self.text[start..i]);
                }
                c.len_utf8()
            };
            i += width;
        }
        // As `split`: the last piece, empty or not.
        self.done = true;
        Some(&self.text[start..])
    }
}

/// `<20020822131721.A1234@mail.example.com>` → shape `9.a9@` plus the domain: how the
/// sending software builds its ids, without the id itself.
fn message_id_shape(text: &str, sink: &mut Sink) {
    let id = text.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = id.rsplit_once('@').unwrap_or((id, ""));
    let mut shape = String::with_capacity(16);
    let mut last = None;
    for c in local.chars() {
        let class = if c.is_ascii_digit() {
            '9'
        } else if c.is_ascii_lowercase() {
            'a'
        } else if c.is_ascii_uppercase() {
            'A'
        } else if c.is_alphanumeric() {
            'u'
        } else {
            c
        };
        if last != Some(class) {
            shape.push(class);
            last = Some(class);
        }
        if shape.len() >= 24 {
            break;
        }
    }
    sink.push("message-id:shape ", &shape);
    if domain.is_empty() {
        sink.push("message-id:", "no-domain");
    } else {
        sink.push_lower("message-id:@", prefix_of(domain, 80));
    }
}

fn parts(
    message: &Message<'_>,
    depth: usize,
    sink: &mut Sink,
    html_text: &mut HtmlText,
    budget: &mut usize,
    shape: &mut Shape,
) {
    for part in &message.parts {
        if sink.is_full() {
            return;
        }
        if let Some(ct) = part.content_type() {
            let subtype = ct.subtype().unwrap_or("");
            sink.push_parts(
                "content-type:",
                &[
                    &ct.ctype().to_ascii_lowercase(),
                    "/",
                    &subtype.to_ascii_lowercase(),
                ],
            );
            if let Some(charset) = ct.attribute("charset") {
                sink.push_lower("charset:", prefix_of(charset, 40));
            }
        }
        if let Some(encoding) = part.content_transfer_encoding() {
            sink.push_lower("encoding:", prefix_of(encoding, 40));
        }
        if let Some(name) = part.attachment_name()
            && let Some((_, ext)) = name.rsplit_once('.')
        {
            sink.push_lower("filename:.", prefix_of(ext, 10));
        }
        match &part.body {
            PartType::Text(text) => {
                let text = take_budget(text, budget);
                shape.text_parts += 1;
                shape.text_bytes += text.len();
                count_case(text, shape);
                words::words(text, "", sink);
            }
            PartType::Html(markup) => {
                let markup = take_budget(markup, budget);
                shape.html_parts += 1;
                html::strip(markup, html_text);
                shape.text_bytes += html_text.text.len();
                shape.images += html_text.images;
                shape.link_mismatch |= html_text.link_mismatch;
                count_case(&html_text.text, shape);
                words::words(&html_text.text, "", sink);
                for link in &html_text.links {
                    words::link(link, sink);
                }
            }
            PartType::Binary(_) | PartType::InlineBinary(_) => {
                if part
                    .content_type()
                    .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("image"))
                {
                    shape.images += 1;
                }
            }
            PartType::Message(inner) if depth < MAX_DEPTH => {
                parts(inner, depth + 1, sink, html_text, budget, shape);
            }
            PartType::Message(_) | PartType::Multipart(_) => {}
        }
    }
}

/// What is left of the text budget, cut at a character boundary.
fn take_budget<'a>(text: &'a str, budget: &mut usize) -> &'a str {
    let text = prefix_of(text, *budget);
    *budget -= text.len();
    text
}

/// Counts letters and capitals: ASCII 32 bytes at a time, other characters decoded.
fn count_case(text: &str, shape: &mut Shape) {
    const CHUNK: usize = 32;
    let bytes = text.as_bytes();
    let (mut letters, mut capitals) = (0usize, 0usize);
    let mut i = 0;
    'chunks: while i < bytes.len() {
        let end = (i + CHUNK).min(bytes.len());
        // A whole chunk of ASCII: branch-free counts (they vectorize). Mail text decoded
        // from Latin-1 is mostly ASCII with a few other characters, so the chunks after one
        // of them are fast again.
        if end - i == CHUNK && bytes[i..end].is_ascii() {
            let (mut l, mut c) = (0u8, 0u8);
            for &b in &bytes[i..end] {
                l += u8::from((b | 0x20).wrapping_sub(b'a') < 26);
                c += u8::from(b.wrapping_sub(b'A') < 26);
            }
            letters += usize::from(l);
            capitals += usize::from(c);
            i = end;
            continue;
        }
        // Otherwise this chunk (or the short tail) a character at a time; the last character
        // may end past the chunk, and the next chunk starts after it.
        while i < end {
            let b = bytes[i];
            if b < 0x80 {
                letters += usize::from(b.is_ascii_alphabetic());
                capitals += usize::from(b.is_ascii_uppercase());
                i += 1;
                continue;
            }
            // A lead byte: i only ever stops on character boundaries.
            let Some(c) = text[i..].chars().next() else {
                break 'chunks;
            };
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    capitals += 1;
                }
            }
            i += c.len_utf8();
        }
    }
    shape.letters += letters;
    shape.capitals += capitals;
}

/// Cheap structural features of the whole message.
fn structure(shape: &Shape, sink: &mut Sink) {
    if shape.html_parts > 0 && shape.text_parts == 0 {
        sink.push("shape:", "html-only");
    }
    if shape.images > 0 && shape.text_bytes < 200 {
        sink.push("shape:", "image-only");
    }
    if shape.link_mismatch {
        sink.push("shape:", "link-text-mismatch");
    }
    if shape.letters >= 40 && shape.capitals * 2 > shape.letters {
        sink.push("shape:", "mostly-capitals");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashKey {
        HashKey::from_bytes(*b"0123456789abcdef")
    }

    fn texts(raw: &str) -> Vec<String> {
        let mut t = Tokenizer::recording(&key());
        t.message(raw.as_bytes());
        t.recorded()
    }

    #[test]
    fn headers_get_their_prefixes() {
        let t = texts(
            "From nobody Thu Aug 22 13:17:22 2002\r\n\
             From: \"Cheap Deals\" <deals@Spam.Example>\r\n\
             Reply-To: other@elsewhere.example\r\n\
             Subject: Free money now\r\n\
             Received: from mx1.relay.example (mx1.relay.example [193.120.211.219]) by us with ESMTP\r\n\
             Message-ID: <20020822131721.A1234@mail.example.com>\r\n\
             X-Mailer: Mass Mailer 3.1\r\n\
             \r\n\
             Hello there\r\n",
        );
        for want in [
            "from:deals@spam.example",
            "from:@spam.example",
            "from:cheap",
            "reply-to:other@elsewhere.example",
            "reply-to:differs",
            "subject:free",
            "subject:money",
            "received:relay.example",
            "received:ip 193.120.211",
            "received:with esmtp",
            "message-id:shape <9.A9@",
            "message-id:@mail.example.com",
            "x-mailer:mass mailer 3.1",
            "header:x-mailer",
            "hello",
            "there",
        ] {
            if want.starts_with("message-id:shape") {
                assert!(
                    t.iter().any(|x| x.starts_with("message-id:shape 9.A9")),
                    "shape in {t:?}"
                );
                continue;
            }
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
        // The unique part of the Message-ID is not a token.
        assert!(!t.iter().any(|x| x.contains("A1234")), "{t:?}");
    }

    #[test]
    fn count_case_counts_as_char_by_char() {
        let ascii =
            "Hello WORLD, this is [mostly] ASCII text @ 100% `quoted` {braces} ~z~Z".repeat(3);
        let texts = [
            String::new(),
            ascii.clone(),
            format!("{ascii}Ünïcode ΣΊΣΥΦΟΣ straße 東京 {ascii}"),
            format!("é{}", &ascii[..40]),
            "Привет мир, ПРИВЕТ! 東京都 ".repeat(9),
        ];
        for text in texts {
            let mut shape = Shape::default();
            count_case(&text, &mut shape);
            let letters = text.chars().filter(|c| c.is_alphabetic()).count();
            let capitals = text
                .chars()
                .filter(|c| c.is_alphabetic() && c.is_uppercase())
                .count();
            assert_eq!(
                (shape.letters, shape.capitals),
                (letters, capitals),
                "{text:?}"
            );
        }
    }

    #[test]
    fn received_pieces_are_those_of_split() {
        for b in 0u8..128 {
            assert_eq!(
                RECEIVED_SEPARATOR[usize::from(b)],
                is_received_separator(char::from(b)),
                "{b:#x}"
            );
        }
        for text in [
            "",
            ";",
            "from mx1.relay.example (mx1.relay.example [193.120.211.219]) by us with ESMTP",
            "  a\tb\r\n c;d<e>f  ",
            "from h\u{a0}ost\u{3000}x (é\u{2028}ü) [日本];",
            "trailing ",
        ] {
            let want: Vec<&str> = text.split(is_received_separator).collect();
            let got: Vec<&str> = ReceivedPieces::new(text).collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn the_sink_hashes_as_hash_key_token_does() {
        // The hashes are what models store: the per-message table of repeats and the
        // one-shot SipHash over the laid-out bytes must not change them.
        let key = key();
        let mut sink = Sink::new(key.clone(), 100);
        sink.start();
        sink.push_lower("subject:", "FREE Ünïcode ΣΊΣΥΦΟΣ");
        sink.push("", "word");
        sink.push("", "word");
        sink.push_parts("url:", &["a", "", "bc"]);
        sink.push("", "");
        sink.push("a very long prefix, longer than eight bytes:", "x");
        let mut want = [
            key.token("subject:", "free ünïcode σίσυφοσ"),
            key.token("", "word"),
            key.token("url:", "abc"),
            key.token("", ""),
            key.token("a very long prefix, longer than eight bytes:", "x"),
        ];
        want.sort_unstable();
        assert_eq!(sink.finish(), &want[..]);
    }

    #[test]
    fn repeats_count_against_the_limit_and_the_table_grows() {
        let key = key();
        let mut sink = Sink::new(key.clone(), 3000);
        sink.start();
        for _ in 0..3 {
            sink.push("", "again");
        }
        assert!(!sink.is_full());
        for i in 0..3000 {
            sink.push("", &format!("w{i}"));
        }
        assert!(sink.is_full());
        // 3 repeats of one token, then 2,997 distinct others before the limit.
        let got = sink.finish().to_vec();
        assert_eq!(got.len(), 1 + 2997);
        assert!(got.contains(&key.token("", "w2996")));
        assert!(!got.contains(&key.token("", "w2997")));
        // The next message starts afresh.
        sink.start();
        sink.push("", "again");
        assert_eq!(sink.finish(), &[key.token("", "again")]);
    }

    #[test]
    fn tokens_are_sorted_distinct_and_keyed() {
        let raw = b"Subject: a\r\n\r\nword word other word\r\n";
        let mut a = Tokenizer::new(&key());
        let first = a.message(raw).to_vec();
        assert!(first.windows(2).all(|w| w[0] < w[1]));
        let mut b = Tokenizer::new(&HashKey::from_bytes([9; 16]));
        let second = b.message(raw).to_vec();
        assert_eq!(first.len(), second.len());
        assert_ne!(first, second, "another key, other hashes");
    }
}
