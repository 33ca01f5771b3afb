//! The daemon's side of the filter: each account's model held in memory, judging what
//! arrives and staying in step with what the agents teach it.
//!
//! The database is the truth; the copy in memory is known to equal it by the model's
//! `generation`, which every change on disk bumps. A change made through the daemon comes
//! back as a `Learned` (its delta and the generation it produced) and is applied in place
//! when it is the very next generation; anything else — two changes applied out of order,
//! a change made by the CLI against a live account, a new cut-off — only marks the copy
//! stale, and the next judgement reloads it (`REVALIDATE` bounds how long a change made
//! outside the daemon goes unseen).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::SpamError;
use super::classifier::{Delta, Model, Params, Score, Thresholds};
use super::sink::HashKey;
use super::storage;
use super::tokenizer::Tokenizer;
use crate::store::{Database, StoreError};

/// How long the copy in memory is trusted without asking the database for its generation.
const REVALIDATE: Duration = Duration::from_secs(30);
/// The filter gives no verdict until it has learned this many messages of each class: a
/// handful of marks is not evidence, and a new account's tickets must not land in the
/// quarantine because of them.
pub const MIN_LEARNED: u64 = 10;
/// Inputs larger than this are tokenized on a blocking thread, not on the async worker.
const INLINE_BYTES: usize = 64 * 1024;

/// A change the daemon committed to an account's model.
#[derive(Debug, Default)]
pub struct Learned {
    pub delta: Delta,
    /// The model's generation before the change and after it.
    pub from_generation: i64,
    pub generation: i64,
}

/// Every account's filter, loaded on first use.
#[derive(Default)]
pub struct Filters {
    accounts: Mutex<HashMap<String, Arc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    current: RwLock<Option<Current>>,
    /// When the copy was last known to equal the database; `None` forces a check.
    checked: Mutex<Option<Instant>>,
    /// One load at a time per account.
    loading: tokio::sync::Mutex<()>,
    /// Tokenizers keep their buffers between messages; a few are kept for reuse.
    tokenizers: Mutex<Vec<Tokenizer>>,
}

struct Current {
    key: HashKey,
    model: Model,
    thresholds: Thresholds,
    generation: i64,
}

/// What is judged: a raw mail, or a text with a subject (web form, API, chat).
pub enum Input {
    Mail(Vec<u8>),
    Text { subject: String, body: String },
}

impl Input {
    fn len(&self) -> usize {
        match self {
            Input::Mail(raw) => raw.len(),
            Input::Text { subject, body } => subject.len() + body.len(),
        }
    }
}

impl Filters {
    /// The filter's answer for `input` under the account's model and cut-offs; `None` while
    /// the model is still too young to judge (`MIN_LEARNED`).
    pub async fn judge(
        &self,
        account_id: &str,
        db: &Database,
        input: Input,
    ) -> Result<Option<Score>, SpamError> {
        let slot = self.slot(account_id);
        slot.refresh(db).await?;
        if input.len() <= INLINE_BYTES {
            return slot.judge(&input);
        }
        let worker = slot.clone();
        tokio::task::spawn_blocking(move || worker.judge(&input))
            .await
            .map_err(|_| SpamError::Store(StoreError::Closed))?
    }

    /// `judge`, for a caller that must go on whatever happens: a filter that cannot judge
    /// (a damaged model, a failing disk) is logged and answers `None`, so it never keeps a
    /// message out.
    pub async fn check(&self, account_id: &str, db: &Database, input: Input) -> Option<Score> {
        match self.judge(account_id, db, input).await {
            Ok(score) => score,
            Err(e) => {
                tracing::error!(account = %account_id, error = %e, "spam filter: cannot judge; the message is let through unjudged");
                None
            }
        }
    }

    /// Brings the copy in memory up to a change the daemon just committed.
    pub fn committed(&self, account_id: &str, learned: &Learned) {
        let slot = self.slot(account_id);
        let mut current = slot.current.write().unwrap_or_else(|e| e.into_inner());
        let in_step = match current.as_mut() {
            _ if learned.generation == learned.from_generation => true,
            Some(c) if c.generation == learned.from_generation => {
                c.generation = learned.generation;
                c.model.apply(&learned.delta).is_ok()
            }
            Some(c) => c.generation >= learned.generation,
            None => true,
        };
        drop(current);
        if !in_step {
            slot.mark_stale();
        }
    }

    /// The account's model changed in a way not described by a delta (new cut-offs).
    pub fn changed(&self, account_id: &str) {
        self.slot(account_id).mark_stale();
    }

    fn slot(&self, account_id: &str) -> Arc<Slot> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = accounts.get(account_id) {
            return slot.clone();
        }
        accounts.entry(account_id.to_string()).or_default().clone()
    }
}

impl Slot {
    fn mark_stale(&self) {
        *self.checked.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn fresh(&self) -> bool {
        let checked = *self.checked.lock().unwrap_or_else(|e| e.into_inner());
        checked.is_some_and(|at| at.elapsed() < REVALIDATE)
    }

    fn generation(&self) -> Option<i64> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|c| c.generation)
    }

    /// Makes sure the copy equals the database as of at most `REVALIDATE` ago.
    async fn refresh(&self, db: &Database) -> Result<(), SpamError> {
        if self.fresh() {
            return Ok(());
        }
        let _one_at_a_time = self.loading.lock().await;
        if self.fresh() {
            return Ok(());
        }
        let checked_at = Instant::now();
        if let Some(held) = self.generation() {
            let on_disk = db.read_now(storage::generation).await?;
            if on_disk == held {
                *self.checked.lock().unwrap_or_else(|e| e.into_inner()) = Some(checked_at);
                return Ok(());
            }
        }
        let loaded = db.read(storage::load).await?;
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        // A change applied while this load ran may already be newer than what was read.
        if current
            .as_ref()
            .is_none_or(|c| c.generation <= loaded.generation)
        {
            *current = Some(Current {
                key: loaded.key,
                model: loaded.model,
                thresholds: loaded.thresholds,
                generation: loaded.generation,
            });
        }
        *self.checked.lock().unwrap_or_else(|e| e.into_inner()) = Some(checked_at);
        Ok(())
    }

    fn judge(&self, input: &Input) -> Result<Option<Score>, SpamError> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        let current = current
            .as_ref()
            .ok_or_else(|| SpamError::Damaged("the model is not loaded".into()))?;
        if current.model.spam_messages() < MIN_LEARNED || current.model.ham_messages() < MIN_LEARNED
        {
            return Ok(None);
        }
        let mut tokenizer = self
            .tokenizers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| Tokenizer::new(&current.key));
        let tokens = match input {
            Input::Mail(raw) => tokenizer.message(raw),
            Input::Text { subject, body } => tokenizer.text(subject, body),
        };
        let score = current
            .model
            .judge(tokens, &Params::default(), &current.thresholds);
        let mut pool = self.tokenizers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 8 {
            pool.push(tokenizer);
        }
        Ok(Some(score))
    }
}
