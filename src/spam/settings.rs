//! An account's filter settings and figures, as the API and the panel show and change them.

use rusqlite::params;
use serde::Serialize;

use super::SpamError;
use super::classifier::Thresholds;
use super::live::MIN_LEARNED;
use super::marks::{LEARN_RESOLVED_SETTING, learns_resolved};
use super::storage;
use crate::audit::Actor;
use crate::store::Database;

/// The agents' recent corrections are counted over this many days.
pub const RECENT_DAYS: i64 = 30;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overview {
    pub ham_cutoff: f64,
    pub spam_cutoff: f64,
    /// The cut-offs are the account's own (else the built-in defaults).
    pub custom_thresholds: bool,
    pub learn_resolved: bool,
    pub spam_learned: u64,
    pub ham_learned: u64,
    pub tokens: u64,
    /// The filter gives verdicts once it learned `min_learned` messages of each class.
    pub judging: bool,
    pub min_learned: u64,
    pub recent: Recent,
}

/// The agents' marks of the last `RECENT_DAYS` on messages the filter had judged, and how
/// many of them agreed with its verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recent {
    pub days: i64,
    pub judged: u64,
    pub agreed: u64,
    /// `agreed / judged`, `null` with nothing judged.
    pub accuracy: Option<f64>,
}

pub async fn overview(db: &Database, now: i64) -> Result<Overview, SpamError> {
    db.read(move |conn| -> Result<Overview, SpamError> {
        let stats = storage::stats(conn, now - RECENT_DAYS * 86_400)?;
        Ok(Overview {
            ham_cutoff: stats.thresholds.ham_cutoff,
            spam_cutoff: stats.thresholds.spam_cutoff,
            custom_thresholds: stats.custom_thresholds,
            learn_resolved: learns_resolved(conn)?,
            spam_learned: stats.spam_messages,
            ham_learned: stats.ham_messages,
            tokens: stats.tokens,
            judging: stats.spam_messages >= MIN_LEARNED && stats.ham_messages >= MIN_LEARNED,
            min_learned: MIN_LEARNED,
            recent: Recent {
                days: RECENT_DAYS,
                judged: stats.recent_judged,
                agreed: stats.recent_agreed,
                accuracy: (stats.recent_judged > 0)
                    .then(|| stats.recent_agreed as f64 / stats.recent_judged as f64),
            },
        })
    })
    .await
}

/// A change of settings; `None` fields stay.
#[derive(Debug, Default)]
pub struct Change {
    /// `Some(None)` goes back to the built-in cut-offs.
    pub thresholds: Option<Option<Thresholds>>,
    pub learn_resolved: Option<bool>,
}

/// Applies `change` in one transaction, with an audit entry.
pub async fn change(
    db: &Database,
    now: i64,
    actor: &Actor,
    change: Change,
) -> Result<(), SpamError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<(), SpamError> {
        let mut said = Vec::new();
        if let Some(thresholds) = change.thresholds {
            storage::set_thresholds(conn, thresholds)?;
            said.push(match thresholds {
                Some(t) => format!("ham_cutoff={} spam_cutoff={}", t.ham_cutoff, t.spam_cutoff),
                None => "cut-offs=default".to_string(),
            });
        }
        if let Some(learn) = change.learn_resolved {
            conn.execute(
                "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
                params![LEARN_RESOLVED_SETTING, learn.to_string(), now],
            )?;
            said.push(format!("learn_resolved={learn}"));
        }
        if !said.is_empty() {
            let detail = said.join(" ");
            let entry = actor.entry(now, "settings.spam", "account", &detail);
            crate::audit::record(conn, &entry)?;
        }
        Ok(())
    })
    .await
}
