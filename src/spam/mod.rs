//! The built-in spam filter (issue 6): a statistical filter that learns from the agents.
//!
//! How a message is judged:
//! 1. `tokenizer` turns a raw RFC 822 message (or a chat / web-form text) into a sorted set of
//!    distinct keyed 64-bit token hashes: selected headers with per-header prefixes, the body
//!    after MIME decoding and HTML stripping (`html`), words (`words`), URLs and their
//!    domains, a few structural features. Bounded: bytes scanned, text decoded, tokens per
//!    message and token length all have caps, so no input can make it slow or large.
//! 2. `classifier` looks each hash up in the in-memory `Model` (counts in a hash map keyed by
//!    the hash, and a table of each token's Robinson spamminess computed from them once per
//!    change) and combines the evidence with Fisher's chi-square method (as bogofilter and
//!    SpamBayes do) into a score in [0, 1], then the account's cut-offs make it `ham`,
//!    `unsure` or `spam`.
//!
//! How it learns: a message learned as spam or ham adds one to the count of each of its
//! distinct tokens for that class (`Model::learn`); unlearning subtracts the same, so the
//! counts — and hence every score — are exactly what they were (`storage::unlearn` keeps the
//! hashes an agent's mark added, so undoing it needs neither the message nor the same
//! tokenizer version).
//!
//! Where it lives: `storage` holds the SQL on the tables of `store::schema::SPAM_MODEL`
//! (migration 12 of an account database); `model_file` opens the same tables in a plain
//! standalone file for the CLI (`helpdeskd spam … --model PATH`). Tokens are stored only as
//! keyed hashes under a per-model secret, never as text.

pub mod classifier;
mod headers;
pub mod html;
pub mod live;
pub mod marks;
pub mod model_file;
pub mod routes;
pub mod settings;
pub mod sink;
pub mod storage;
pub mod tokenizer;
pub mod words;

pub use classifier::{Class, Counts, Delta, Model, Params, Score, Thresholds, Verdict};
pub use model_file::ModelFile;
pub use sink::HashKey;
pub use storage::{LoadedModel, SpamStats};
pub use tokenizer::Tokenizer;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SpamError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("spam model: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot open the spam model {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{0}: not a helpdeskd spam model")]
    NotAModel(String),
    #[error("the spam model is damaged: {0}")]
    Damaged(String),
    #[error("cannot unlearn: the model never learned those tokens as {0}")]
    NotLearned(&'static str),
    #[error("invalid cut-offs: need 0 <= ham cut-off <= spam cut-off <= 1")]
    InvalidThresholds,
}

/// A model ready to judge messages: its tokenizer (with the model's hash key), its counts and
/// its cut-offs. One per account in the daemon; one per run in the CLI.
pub struct Filter {
    tokenizer: Tokenizer,
    model: Model,
    thresholds: Thresholds,
    params: Params,
}

impl Filter {
    pub fn new(loaded: LoadedModel) -> Filter {
        Filter {
            tokenizer: Tokenizer::new(&loaded.key),
            model: loaded.model,
            thresholds: loaded.thresholds,
            params: Params::default(),
        }
    }

    /// Judges a raw RFC 822 message.
    pub fn judge_message(&mut self, raw: &[u8]) -> Score {
        let tokens = self.tokenizer.message(raw);
        self.model.judge(tokens, &self.params, &self.thresholds)
    }

    /// Judges a text without mail headers (a chat's first message, a web form).
    pub fn judge_text(&mut self, subject: &str, body: &str) -> Score {
        let tokens = self.tokenizer.text(subject, body);
        self.model.judge(tokens, &self.params, &self.thresholds)
    }

    /// The tokens of a raw message, to learn or to keep for unlearning.
    pub fn message_tokens(&mut self, raw: &[u8]) -> Vec<u64> {
        self.tokenizer.message(raw).to_vec()
    }

    /// The tokens of a text without headers.
    pub fn text_tokens(&mut self, subject: &str, body: &str) -> Vec<u64> {
        self.tokenizer.text(subject, body).to_vec()
    }

    /// Keeps the in-memory counts in step with a learning that was committed to storage.
    pub fn apply(&mut self, delta: &Delta) -> Result<(), SpamError> {
        self.model.apply(delta)
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod daemon_tests;
