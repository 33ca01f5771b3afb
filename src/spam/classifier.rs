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
use std::sync::OnceLock;

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
    spam_messages: u64,
    ham_messages: u64,
    tokens: TokenMap<Counts>,
    /// f(w) of every token under the parameters of the first score since the last change
    /// (`Spamminess`); emptied by every change.
    spamminess: OnceLock<Spamminess>,
}

impl Model {
    pub fn new(spam_messages: u64, ham_messages: u64, tokens: TokenMap<Counts>) -> Model {
        Model {
            spam_messages,
            ham_messages,
            tokens,
            spamminess: OnceLock::new(),
        }
    }

    pub fn spam_messages(&self) -> u64 {
        self.spam_messages
    }

    pub fn ham_messages(&self) -> u64 {
        self.ham_messages
    }

    /// Every token's counts, by hash.
    pub fn counts(&self) -> &TokenMap<Counts> {
        &self.tokens
    }

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
        self.spamminess = OnceLock::new();
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
        let table = self.spamminess.get_or_init(|| Spamminess::of(self, params));
        if table.params == *params {
            table.evidence(tokens)
        } else {
            // Other parameters than the table's (the tuning sweep): from the counts.
            self.evidence_from_counts(tokens, params)
        }
    }

    /// `evidence` without the table: each token's f(w) computed from its counts.
    fn evidence_from_counts(&self, tokens: &[u64], params: &Params) -> Option<f64> {
        let totals = Totals::of(self)?;
        let unseen = weight_unseen(params);
        let mut evidence = Evidence::default();
        for hash in tokens {
            let weight = match self.tokens.get(hash) {
                Some(&counts) => weight(counts, totals, params),
                None => unseen,
            };
            if let Some(f) = weight {
                evidence.add(f);
            }
        }
        evidence.score()
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

/// The number of messages learned of each class, as the formulas use them.
#[derive(Clone, Copy)]
struct Totals {
    spam: f64,
    ham: f64,
}

impl Totals {
    /// `None` until the model has learned both classes: there is no evidence then.
    fn of(model: &Model) -> Option<Totals> {
        (model.spam_messages > 0 && model.ham_messages > 0).then_some(Totals {
            spam: model.spam_messages as f64,
            ham: model.ham_messages as f64,
        })
    }
}

/// What a token with these counts adds to the evidence: its f(w), clamped away from 0 and
/// 1, or `None` when it is too close to ½ to count.
fn weight(counts: Counts, totals: Totals, params: &Params) -> Option<f64> {
    let b = f64::from(counts.spam) / totals.spam;
    let g = f64::from(counts.ham) / totals.ham;
    let n = f64::from(counts.spam) + f64::from(counts.ham);
    let p = b / (b + g);
    significant(
        (params.robs * params.robx + n * p) / (params.robs + n),
        params,
    )
}

/// What a token the model never saw adds: Robinson's x, if that is far enough from ½.
fn weight_unseen(params: &Params) -> Option<f64> {
    significant(params.robx, params)
}

fn significant(f: f64, params: &Params) -> Option<f64> {
    ((f - 0.5).abs() >= params.min_dev).then(|| f.clamp(1e-9, 1.0 - 1e-9))
}

/// Fisher's combination of the tokens' f(w), in the order they come.
#[derive(Default)]
struct Evidence {
    // Products instead of sums of logarithms: one multiplication per token, rescaled
    // before they underflow, and a single ln at the end.
    spam_side: Product, // Π (1 − f): small when the tokens are spammy
    ham_side: Product,  // Π f: small when the tokens are hammy
    used: usize,
}

impl Evidence {
    fn add(&mut self, f: f64) {
        self.spam_side.times(1.0 - f);
        self.ham_side.times(f);
        self.used += 1;
    }

    fn score(&self) -> Option<f64> {
        if self.used == 0 {
            return None;
        }
        let spam = 1.0 - chi2_q(-2.0 * self.spam_side.ln(), self.used);
        let ham = 1.0 - chi2_q(-2.0 * self.ham_side.ln(), self.used);
        Some(((1.0 + spam - ham) / 2.0).clamp(0.0, 1.0))
    }
}

/// Lookups gathered before any is used (see `Spamminess::evidence`).
const GATHER: usize = 16;

/// Every token's weight under one set of parameters, computed once: scoring then costs one
/// memory access per token and no arithmetic but the products, where the map of counts
/// costs a control byte, a bucket and two divisions. Open addressing with linear probing,
/// keyed by the token hash itself (a keyed SipHash, already uniform); a slot holds key and
/// weight side by side, so a lookup reads one cache line. Kept at most half full.
#[derive(Clone, Debug)]
struct Spamminess {
    params: Params,
    /// Whether the model has learned both classes (without, nothing is evidence).
    learned_both: bool,
    /// (hash, weight); hash 0 marks an empty slot, weight NaN a token that does not count.
    slots: Vec<(u64, f64)>,
    mask: usize,
    /// The weight of the token whose hash is 0 (it cannot have a slot), if the model has it.
    zero: Option<f64>,
    /// The weight of a token the model does not have.
    unseen: Option<f64>,
}

impl Spamminess {
    fn of(model: &Model, params: &Params) -> Spamminess {
        let totals = Totals::of(model);
        let unseen = weight_unseen(params);
        let size = (2 * model.tokens.len()).next_power_of_two().max(GATHER);
        let mut table = Spamminess {
            params: *params,
            learned_both: totals.is_some(),
            slots: vec![(0, f64::NAN); size],
            mask: size - 1,
            zero: None,
            unseen,
        };
        let Some(totals) = totals else {
            return table;
        };
        for (&hash, &counts) in &model.tokens {
            let weight = weight(counts, totals, params);
            if weight.is_none() && unseen.is_none() {
                // Says nothing, and neither would its absence: no need to keep it.
                continue;
            }
            if hash == 0 {
                table.zero = weight.or(Some(f64::NAN));
                continue;
            }
            let mut at = hash as usize & table.mask;
            while table.slots[at].0 != 0 {
                at = (at + 1) & table.mask;
            }
            table.slots[at] = (hash, weight.unwrap_or(f64::NAN));
        }
        table
    }

    /// The weight of `hash`, the slot at its home place already read (`home`).
    fn weight(&self, hash: u64, home: (u64, f64)) -> Option<f64> {
        let found = if hash == 0 {
            self.zero
        } else if home.0 == hash {
            Some(home.1)
        } else if home.0 == 0 {
            None
        } else {
            let mut at = hash as usize & self.mask;
            loop {
                at = (at + 1) & self.mask;
                match self.slots[at] {
                    (0, _) => break None,
                    (key, weight) if key == hash => break Some(weight),
                    _ => {}
                }
            }
        };
        match found {
            Some(weight) if weight.is_nan() => None,
            Some(weight) => Some(weight),
            None => self.unseen,
        }
    }

    /// `Model::evidence_from_counts`, bit for bit: the same weights in the same order.
    fn evidence(&self, tokens: &[u64]) -> Option<f64> {
        if !self.learned_both {
            return None;
        }
        let mut evidence = Evidence::default();
        for chunk in tokens.chunks(GATHER) {
            // The home slots of a whole chunk are read first: independent loads, so their
            // cache misses (the table is larger than the L2 cache) overlap instead of
            // waiting one after the other.
            let mut home = [(0u64, 0f64); GATHER];
            for (slot, &hash) in home.iter_mut().zip(chunk) {
                *slot = self.slots[hash as usize & self.mask];
            }
            for (&hash, &home) in chunk.iter().zip(&home) {
                if let Some(f) = self.weight(hash, home) {
                    evidence.add(f);
                }
            }
        }
        evidence.score()
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

    proptest::proptest! {
        /// The table (`Spamminess`) and the counts give every score bit for bit, whatever
        /// the counts: hash 0, hashes that share their home slot, tokens the model lacks,
        /// and parameters under which an unseen token counts.
        #[test]
        fn the_table_scores_as_the_counts_do(
            learned in proptest::collection::vec(
                (proptest::collection::vec(0u64..64, 1..24), proptest::bool::ANY), 1..40),
            message in proptest::collection::vec(0u64..80, 0..60),
            robx in proptest::sample::select(vec![0.5, 0.85, 0.1]),
        ) {
            // Small numbers spread over few home slots: many collisions, and hash 0.
            let hash = |n: u64| n.wrapping_mul(1 << 20);
            let mut model = Model::default();
            for (tokens, spam) in &learned {
                let mut tokens: Vec<u64> = tokens.iter().map(|&n| hash(n)).collect();
                tokens.sort_unstable();
                tokens.dedup();
                model.learn(if *spam { Class::Spam } else { Class::Ham }, &tokens);
            }
            let mut message: Vec<u64> = message.iter().map(|&n| hash(n)).collect();
            message.sort_unstable();
            message.dedup();
            let params = Params { robx, ..Params::default() };
            let direct = model.evidence_from_counts(&message, &params).map(f64::to_bits);
            let table = Spamminess::of(&model, &params).evidence(&message).map(f64::to_bits);
            proptest::prop_assert_eq!(direct, table);
            proptest::prop_assert_eq!(model.evidence(&message, &params).map(f64::to_bits), direct);
        }
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
