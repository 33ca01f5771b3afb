//! Where a message's tokens go: each laid out once in an arena, repeats found with a cheap
//! per-message table, every distinct one hashed with SipHash-2-4 under the model's secret.

use std::hash::Hasher;

use siphasher::sip::SipHasher24;

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
    pub(super) fn new(key: HashKey, limit: usize) -> Sink {
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

    pub(super) fn start(&mut self) {
        self.out.clear();
        self.produced = 0;
        self.seen.clear();
        if let Some(record) = &mut self.record {
            record.clear();
        }
    }

    /// Sorted and distinct: a message counts each token once, and the order is fixed.
    pub(super) fn finish(&mut self) -> &[u64] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashKey {
        HashKey::from_bytes(*b"0123456789abcdef")
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
}
