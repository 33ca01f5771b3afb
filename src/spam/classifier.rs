//! The statistics: Robinson's per-token spamminess combined with Fisher's chi-square method.
//!
//! For each distinct token of a message with counts `b` (spam messages that had it) and `g`
//! (ham messages that had it), out of `NS` spam and `NH` ham messages learned:
//!
//! ```text
//! p(w) = (b/NS) / (b/NS + g/NH)              how spammy the token looks
//! f(w) = (s·x + n·p(w)) / (s + n), n = b + g   shrunk towards x while evidence is thin
//! ```
//!
//! Tokens with `|f − ½| < min_dev` say little and are left out. The rest are combined twice
//! with Fisher's method: `S = 1 − Q(−2 Σ ln(1−f), 2k)` (spam evidence) and
//! `H = 1 − Q(−2 Σ ln f, 2k)` (ham evidence), where Q is the chi-square upper tail; the
//! score is `(1 + S − H) / 2`. Near 1 both ways means spam, near 0 ham, and conflicting or
//! absent evidence lands near ½, which is what `unsure` is for.
//!
//! Every input is an integer count, so a score depends only on the counts: training order
//! does not matter, and unlearning what was learned restores every score bit for bit.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::SpamError;

/// What a message was learned as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Spam,
    Ham,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Spam => "spam",
            Class::Ham => "ham",
        }
    }

    pub fn parse(text: &str) -> Option<Class> {
        match text {
            "spam" => Some(Class::Spam),
            "ham" => Some(Class::Ham),
            _ => None,
        }
    }
}

/// The three-way answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ham,
    Unsure,
    Spam,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ham => "ham",
            Verdict::Unsure => "unsure",
            Verdict::Spam => "spam",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "ham" => Some(Verdict::Ham),
            "unsure" => Some(Verdict::Unsure),
            "spam" => Some(Verdict::Spam),
            _ => None,
        }
    }
}

/// A score in [0, 1] and the verdict the cut-offs give it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    pub score: f64,
    pub verdict: Verdict,
}

/// The shape of the statistics. The defaults were chosen by cross-validation on the
/// development corpus (bench/spam_eval.py; figures in BENCHMARKS.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Robinson's s: how many messages' worth of weight the prior `robx` has.
    pub robs: f64,
    /// Robinson's x: the spamminess assumed for a token never seen.
    pub robx: f64,
    /// Tokens whose spamminess is closer than this to ½ are left out.
    pub min_dev: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            robs: 0.05,
            robx: 0.5,
            min_dev: 0.2,
        }
    }
}

/// Scores below `ham_cutoff` are ham, scores at or above `spam_cutoff` spam, the rest unsure.
///
/// The defaults come from cross-validation on the development corpus (BENCHMARKS.md): the
/// chi-square score puts most messages near 0 or 1, and messages with weak or conflicting
/// evidence near ½ — on that corpus mostly spam. A spam cut-off of 0.4 catches them at the
/// price of a few ham (about 0.2 %, going to quarantine, never deleted); an account that
/// wants none can move it to 0.6 and get more `unsure` instead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub ham_cutoff: f64,
    pub spam_cutoff: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ham_cutoff: 0.25,
            spam_cutoff: 0.4,
        }
    }
}

impl Thresholds {
    pub fn new(ham_cutoff: f64, spam_cutoff: f64) -> Result<Thresholds, SpamError> {
        if (0.0..=1.0).contains(&ham_cutoff)
            && (0.0..=1.0).contains(&spam_cutoff)
            && ham_cutoff <= spam_cutoff
        {
            Ok(Thresholds {
                ham_cutoff,
                spam_cutoff,
            })
        } else {
            Err(SpamError::InvalidThresholds)
        }
    }

    pub fn verdict(&self, score: f64) -> Verdict {
        if score >= self.spam_cutoff {
            Verdict::Spam
        } else if score < self.ham_cutoff {
            Verdict::Ham
        } else {
            Verdict::Unsure
        }
    }
}

/// In how many learned messages of each class a token occurred.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub spam: u32,
    pub ham: u32,
}

/// The token hashes are keyed SipHash outputs, uniformly spread and unknown to senders, so
/// the map uses them as they are instead of hashing them again.
#[derive(Default)]
pub struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type TokenMap<V> = HashMap<u64, V, BuildHasherDefault<TokenHasher>>;

/// A change to the counts: what learning (positive) or unlearning (negative) some messages
/// does. Built in memory, then written in one transaction and applied to the loaded model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    pub spam_messages: i64,
    pub ham_messages: i64,
    /// hash → (spam change, ham change)
    pub tokens: TokenMap<(i64, i64)>,
}

impl Delta {
    /// Adds one message of `class` with these distinct tokens, `sign` +1 to learn, −1 to unlearn.
    pub fn add(&mut self, class: Class, tokens: &[u64], sign: i64) {
        match class {
            Class::Spam => self.spam_messages += sign,
            Class::Ham => self.ham_messages += sign,
        }
        for &hash in tokens {
            let entry = self.tokens.entry(hash).or_default();
            match class {
                Class::Spam => entry.0 += sign,
                Class::Ham => entry.1 += sign,
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.spam_messages == 0 && self.ham_messages == 0 && self.tokens.is_empty()
    }

    /// The token changes sorted by hash (the order they are written in: B-tree friendly and
    /// the same whatever order the messages came in).
    pub fn sorted_tokens(&self) -> Vec<(u64, i64, i64)> {
        let mut rows: Vec<(u64, i64, i64)> = self
            .tokens
            .iter()
            .filter(|(_, (s, h))| *s != 0 || *h != 0)
            .map(|(&hash, &(s, h))| (hash, s, h))
            .collect();
        rows.sort_unstable_by_key(|row| row.0);
        rows
    }
}

/// The counts of one model, in memory.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub spam_messages: u64,
    pub ham_messages: u64,
    pub tokens: TokenMap<Counts>,
}

impl Model {
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Applies a change; refuses (and changes nothing) if a count would fall below zero.
    pub fn apply(&mut self, delta: &Delta) -> Result<(), SpamError> {
        let spam_messages = shifted(self.spam_messages, delta.spam_messages)
            .ok_or(SpamError::NotLearned("spam"))?;
        let ham_messages =
            shifted(self.ham_messages, delta.ham_messages).ok_or(SpamError::NotLearned("ham"))?;
        for (hash, &(ds, dh)) in &delta.tokens {
            let now = self.tokens.get(hash).copied().unwrap_or_default();
            if shifted_u32(now.spam, ds).is_none() {
                return Err(SpamError::NotLearned("spam"));
            }
            if shifted_u32(now.ham, dh).is_none() {
                return Err(SpamError::NotLearned("ham"));
            }
        }
        self.spam_messages = spam_messages;
        self.ham_messages = ham_messages;
        for (&hash, &(ds, dh)) in &delta.tokens {
            let now = self.tokens.get(&hash).copied().unwrap_or_default();
            let next = Counts {
                spam: shifted_u32(now.spam, ds).unwrap_or(0),
                ham: shifted_u32(now.ham, dh).unwrap_or(0),
            };
            if next == Counts::default() {
                self.tokens.remove(&hash);
            } else {
                self.tokens.insert(hash, next);
            }
        }
        Ok(())
    }

    /// Learns one message (its distinct tokens).
    pub fn learn(&mut self, class: Class, tokens: &[u64]) {
        let mut delta = Delta::default();
        delta.add(class, tokens, 1);
        // Adding can only fail past u32::MAX messages per token; keep the model unchanged then.
        let _ = self.apply(&delta);
    }

    /// Unlearns one message learned before with the same class and tokens.
    pub fn unlearn(&mut self, class: Class, tokens: &[u64]) -> Result<(), SpamError> {
        let mut delta = Delta::default();
        delta.add(class, tokens, -1);
        self.apply(&delta)
    }

    /// The score of a message given as its distinct token hashes. The order of `tokens`
    /// matters for the last bits of the float sums, so callers pass them sorted (the
    /// tokenizer does), which makes a score a pure function of the message and the counts.
    pub fn score(&self, tokens: &[u64], params: &Params) -> f64 {
        self.evidence(tokens, params).unwrap_or(0.5)
    }

    /// The score, or `None` when there is no evidence at all: the model has not learned
    /// both classes yet, or none of the message's tokens says anything.
    fn evidence(&self, tokens: &[u64], params: &Params) -> Option<f64> {
        if self.spam_messages == 0 || self.ham_messages == 0 {
            return None;
        }
        let spam_total = self.spam_messages as f64;
        let ham_total = self.ham_messages as f64;
        let prior = params.robs * params.robx;
        let unseen = params.robx;
        let unseen_counts = (unseen - 0.5).abs() >= params.min_dev;
        // Products instead of sums of logarithms: one multiplication per token, rescaled
        // before they underflow, and a single ln at the end.
        let mut spam_side = Product::default(); // Π (1 − f): small when the tokens are spammy
        let mut ham_side = Product::default(); // Π f: small when the tokens are hammy
        let mut used = 0usize;
        for hash in tokens {
            let f = match self.tokens.get(hash) {
                Some(c) => {
                    let b = f64::from(c.spam) / spam_total;
                    let g = f64::from(c.ham) / ham_total;
                    let n = f64::from(c.spam) + f64::from(c.ham);
                    let p = b / (b + g);
                    (prior + n * p) / (params.robs + n)
                }
                None if unseen_counts => unseen,
                None => continue,
            };
            if (f - 0.5).abs() < params.min_dev {
                continue;
            }
            let f = f.clamp(1e-9, 1.0 - 1e-9);
            spam_side.times(1.0 - f);
            ham_side.times(f);
            used += 1;
        }
        if used == 0 {
            return None;
        }
        let spam = 1.0 - chi2_q(-2.0 * spam_side.ln(), used);
        let ham = 1.0 - chi2_q(-2.0 * ham_side.ln(), used);
        Some(((1.0 + spam - ham) / 2.0).clamp(0.0, 1.0))
    }

    /// The score and its verdict. Without any evidence the answer is `unsure` (score ½)
    /// whatever the cut-offs: an untrained model must not call everything spam.
    pub fn judge(&self, tokens: &[u64], params: &Params, thresholds: &Thresholds) -> Score {
        match self.evidence(tokens, params) {
            Some(score) => Score {
                score,
                verdict: thresholds.verdict(score),
            },
            None => Score {
                score: 0.5,
                verdict: Verdict::Unsure,
            },
        }
    }
}

fn shifted(value: u64, by: i64) -> Option<u64> {
    value.checked_add_signed(by)
}

fn shifted_u32(value: u32, by: i64) -> Option<u32> {
    u32::try_from(i64::from(value).checked_add(by)?).ok()
}

/// A product of factors in (0, 1] that may need far more range than an f64 has.
struct Product {
    value: f64,
    /// ln of the scale taken out so far.
    ln_scale: f64,
}

impl Default for Product {
    fn default() -> Self {
        Product {
            value: 1.0,
            ln_scale: 0.0,
        }
    }
}

const RESCALE: f64 = 1e200;
const LN_RESCALE: f64 = 460.517_018_598_809_1; // ln(1e200)

impl Product {
    fn times(&mut self, factor: f64) {
        self.value *= factor;
        if self.value < 1.0 / RESCALE {
            self.value *= RESCALE;
            self.ln_scale -= LN_RESCALE;
        }
    }

    fn ln(&self) -> f64 {
        self.value.ln() + self.ln_scale
    }
}

/// Q(χ² | 2k): the probability that a chi-square variable with 2k degrees of freedom is at
/// least `chi2`. For even degrees of freedom it is the Poisson sum e^(−m) Σ_{i<k} m^i / i!
/// with m = χ²/2, summed here in a rescaled domain so that neither e^(−m) underflows nor the
/// terms overflow, with one exp at the end.
pub fn chi2_q(chi2: f64, k: usize) -> f64 {
    let m = chi2 / 2.0;
    if m.is_nan() || m <= 0.0 {
        return 1.0;
    }
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    let mut ln_scale = 0.0f64;
    for i in 1..k {
        term *= m / i as f64;
        sum += term;
        if sum > RESCALE {
            term /= RESCALE;
            sum /= RESCALE;
            ln_scale += LN_RESCALE;
        }
    }
    (ln_scale + sum.ln() - m).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_q_matches_known_values() {
        // Q(χ² = 2 | 2 dof) = e^-1; Q(χ² = 4 | 4 dof) = e^-2 (1 + 2) = 3 e^-2.
        assert!((chi2_q(2.0, 1) - (-1.0f64).exp()).abs() < 1e-12);
        assert!((chi2_q(4.0, 2) - 3.0 * (-2.0f64).exp()).abs() < 1e-12);
        assert_eq!(chi2_q(0.0, 10), 1.0);
        // Far in the tail: a tiny positive number, not NaN or an overflow.
        let q = chi2_q(20_000.0, 3000);
        assert!((0.0..1e-100).contains(&q), "{q}");
        // Huge degrees of freedom and a small statistic: essentially 1.
        assert!((chi2_q(10.0, 5000) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn empty_model_is_unsure_and_evidence_moves_the_score() {
        let params = Params::default();
        let mut model = Model::default();
        assert_eq!(model.score(&[1, 2, 3], &params), 0.5);
        for _ in 0..10 {
            model.learn(Class::Spam, &[1, 2, 3]);
            model.learn(Class::Ham, &[4, 5, 6]);
        }
        assert!(model.score(&[1, 2, 3], &params) > 0.99);
        assert!(model.score(&[4, 5, 6], &params) < 0.01);
        assert_eq!(model.score(&[7, 8], &params), 0.5);
        // No evidence is unsure even with cut-offs that would call ½ spam.
        let eager = Thresholds::new(0.1, 0.2).unwrap();
        assert_eq!(
            model.judge(&[7, 8], &params, &eager).verdict,
            Verdict::Unsure
        );
        assert_eq!(
            Model::default().judge(&[1], &params, &eager).verdict,
            Verdict::Unsure
        );
    }

    #[test]
    fn unlearning_restores_the_counts_exactly() {
        let params = Params::default();
        let mut model = Model::default();
        model.learn(Class::Spam, &[1, 2, 3]);
        model.learn(Class::Ham, &[3, 4]);
        let before = model.score(&[1, 3, 4, 9], &params);
        let tokens_before = model.token_count();
        model.learn(Class::Spam, &[3, 4, 9]);
        assert_ne!(model.score(&[1, 3, 4, 9], &params), before);
        model.unlearn(Class::Spam, &[3, 4, 9]).unwrap();
        assert_eq!(
            model.score(&[1, 3, 4, 9], &params).to_bits(),
            before.to_bits()
        );
        assert_eq!(model.token_count(), tokens_before);
        // Unlearning what was never learned is refused and changes nothing.
        assert!(model.unlearn(Class::Ham, &[1]).is_err());
        assert_eq!(
            model.score(&[1, 3, 4, 9], &params).to_bits(),
            before.to_bits()
        );
    }

    #[test]
    fn thresholds_are_three_way() {
        let t = Thresholds::new(0.2, 0.9).unwrap();
        assert_eq!(t.verdict(0.1), Verdict::Ham);
        assert_eq!(t.verdict(0.5), Verdict::Unsure);
        assert_eq!(t.verdict(0.9), Verdict::Spam);
        assert!(Thresholds::new(0.9, 0.2).is_err());
        assert!(Thresholds::new(-0.1, 0.2).is_err());
    }
}
