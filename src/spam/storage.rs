//! The SQL of the spam model, on the tables of `store::schema::SPAM_MODEL`.
//!
//! Every function takes a connection that is already inside a transaction when it writes:
//! an account's writer thread runs each job in one, and `ModelFile` opens its own. A batch
//! of learned messages is one `Delta` written in that one transaction, tokens in hash order.

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::SpamError;
use super::classifier::{Class, Counts, Delta, Model, Thresholds, TokenMap, Verdict};
use super::sink::HashKey;

/// Everything a `Filter` needs from storage.
pub struct LoadedModel {
    pub key: HashKey,
    pub model: Model,
    pub thresholds: Thresholds,
    /// The model's `generation` when it was read.
    pub generation: i64,
}

/// What `helpdeskd spam stats` and the panel show.
#[derive(Debug, Clone, PartialEq)]
pub struct SpamStats {
    pub spam_messages: u64,
    pub ham_messages: u64,
    pub tokens: u64,
    pub thresholds: Thresholds,
    /// The account set its own cut-offs (else the built-in defaults apply).
    pub custom_thresholds: bool,
    /// Agents' marks remembered for unlearning.
    pub marks: u64,
    /// Of the marks since `since`, those where the filter had given a verdict, and of
    /// those the ones where it agreed with the agent (`unsure` counts as a disagreement).
    pub recent_judged: u64,
    pub recent_agreed: u64,
}

struct Meta {
    key: HashKey,
    generation: i64,
    spam_messages: u64,
    ham_messages: u64,
    thresholds: Thresholds,
    custom_thresholds: bool,
}

fn meta(conn: &Connection) -> Result<Meta, SpamError> {
    let row = conn
        .query_row(
            "SELECT hash_key, spam_messages, ham_messages, ham_cutoff, spam_cutoff, generation
             FROM spam_model WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<f64>>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| SpamError::Damaged("the spam_model row is missing".into()))?;
    let (key, spam_messages, ham_messages, ham_cutoff, spam_cutoff, generation) = row;
    let key: [u8; 16] = key
        .try_into()
        .map_err(|_| SpamError::Damaged("the hash key is not 16 bytes".into()))?;
    let defaults = Thresholds::default();
    let thresholds = Thresholds::new(
        ham_cutoff.unwrap_or(defaults.ham_cutoff),
        spam_cutoff.unwrap_or(defaults.spam_cutoff),
    )?;
    Ok(Meta {
        key: HashKey::from_bytes(key),
        generation,
        spam_messages: non_negative(spam_messages),
        ham_messages: non_negative(ham_messages),
        thresholds,
        custom_thresholds: ham_cutoff.is_some() || spam_cutoff.is_some(),
    })
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Reads the whole model into memory: one sequential scan of `spam_tokens`.
pub fn load(conn: &Connection) -> Result<LoadedModel, SpamError> {
    let meta = meta(conn)?;
    let count: i64 = conn.query_row("SELECT count(*) FROM spam_tokens", [], |r| r.get(0))?;
    let mut tokens: TokenMap<Counts> =
        TokenMap::with_capacity_and_hasher(non_negative(count) as usize, Default::default());
    let mut statement = conn.prepare("SELECT hash, spam, ham FROM spam_tokens")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let hash = row.get::<_, i64>(0)? as u64;
        let counts = Counts {
            spam: saturate(row.get(1)?),
            ham: saturate(row.get(2)?),
        };
        tokens.insert(hash, counts);
    }
    Ok(LoadedModel {
        key: meta.key,
        model: Model::new(meta.spam_messages, meta.ham_messages, tokens),
        thresholds: meta.thresholds,
        generation: meta.generation,
    })
}

/// The counter every change to the model bumps: equal generations, equal models.
pub fn generation(conn: &Connection) -> Result<i64, SpamError> {
    Ok(meta(conn)?.generation)
}

fn saturate(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The model's hash key alone (to tokenize without loading the counts).
pub fn hash_key(conn: &Connection) -> Result<HashKey, SpamError> {
    Ok(meta(conn)?.key)
}

/// Writes a change to the counts. Refuses a change that would take any count below zero
/// (the caller's transaction is then to be rolled back).
pub fn write_delta(conn: &Connection, delta: &Delta) -> Result<(), SpamError> {
    let changed = conn
        .execute(
            "UPDATE spam_model SET spam_messages = spam_messages + ?1,
                                   ham_messages = ham_messages + ?2,
                                   generation = generation + 1
             WHERE id = 1",
            params![delta.spam_messages, delta.ham_messages],
        )
        .map_err(below_zero)?;
    if changed != 1 {
        return Err(SpamError::Damaged("the spam_model row is missing".into()));
    }
    let mut upsert = conn.prepare_cached(
        "INSERT INTO spam_tokens (hash, spam, ham) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO UPDATE SET spam = spam + excluded.spam, ham = ham + excluded.ham",
    )?;
    let mut update = conn.prepare_cached(
        "UPDATE spam_tokens SET spam = spam + ?2, ham = ham + ?3 WHERE hash = ?1",
    )?;
    let mut forget =
        conn.prepare_cached("DELETE FROM spam_tokens WHERE hash = ?1 AND spam = 0 AND ham = 0")?;
    for (hash, spam, ham) in delta.sorted_tokens() {
        let hash = hash as i64;
        if spam >= 0 && ham >= 0 {
            upsert.execute(params![hash, spam, ham])?;
        } else {
            let found = update
                .execute(params![hash, spam, ham])
                .map_err(below_zero)?;
            if found == 0 {
                return Err(SpamError::NotLearned(if spam < 0 { "spam" } else { "ham" }));
            }
            forget.execute(params![hash])?;
        }
    }
    Ok(())
}

/// A count below zero trips the tables' CHECK constraints: that is unlearning what was not
/// learned.
fn below_zero(e: rusqlite::Error) -> SpamError {
    match &e {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::ConstraintViolation =>
        {
            SpamError::NotLearned("that class")
        }
        _ => SpamError::Sql(e),
    }
}

/// An agent marked `source` (the caller's name for it, e.g. `message:42`) as `class`:
/// learns its tokens and remembers them for unlearning. Marking it again the same way
/// changes nothing; marking it the other way moves it. `verdict` is what the filter had
/// answered for it, if known. Returns the change, for the in-memory model.
pub fn learn_mark(
    conn: &Connection,
    source: &str,
    class: Class,
    tokens: &[u64],
    verdict: Option<Verdict>,
    now_unix: i64,
) -> Result<Delta, SpamError> {
    let mut delta = Delta::default();
    if let Some((old_class, old_tokens)) = mark(conn, source)? {
        if old_class == class {
            return Ok(delta);
        }
        delta.add(old_class, &old_tokens, -1);
    }
    delta.add(class, tokens, 1);
    write_delta(conn, &delta)?;
    conn.execute(
        "INSERT INTO spam_learned (source, class, tokens, verdict, learned_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (source) DO UPDATE SET class = excluded.class, tokens = excluded.tokens,
             verdict = coalesce(excluded.verdict, verdict), learned_at = excluded.learned_at",
        params![
            source,
            class.as_str(),
            encode_tokens(tokens),
            verdict.map(Verdict::as_str),
            now_unix
        ],
    )?;
    Ok(delta)
}

/// Undoes the mark on `source`: subtracts exactly what it added. Returns the change (empty
/// if `source` was never marked).
pub fn unlearn_mark(conn: &Connection, source: &str) -> Result<Delta, SpamError> {
    let mut delta = Delta::default();
    let Some((class, tokens)) = mark(conn, source)? else {
        return Ok(delta);
    };
    delta.add(class, &tokens, -1);
    write_delta(conn, &delta)?;
    conn.execute(
        "DELETE FROM spam_learned WHERE source = ?1",
        params![source],
    )?;
    Ok(delta)
}

/// The class a source was marked as, if any.
pub fn marked_as(conn: &Connection, source: &str) -> Result<Option<Class>, SpamError> {
    Ok(mark(conn, source)?.map(|(class, _)| class))
}

fn mark(conn: &Connection, source: &str) -> Result<Option<(Class, Vec<u64>)>, SpamError> {
    let row = conn
        .query_row(
            "SELECT class, tokens FROM spam_learned WHERE source = ?1",
            params![source],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    let Some((class, blob)) = row else {
        return Ok(None);
    };
    let class = Class::parse(&class)
        .ok_or_else(|| SpamError::Damaged(format!("unknown class {class:?}")))?;
    Ok(Some((class, decode_tokens(&blob)?)))
}

fn encode_tokens(tokens: &[u64]) -> Vec<u8> {
    tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
}

fn decode_tokens(blob: &[u8]) -> Result<Vec<u64>, SpamError> {
    if blob.len() % 8 != 0 {
        return Err(SpamError::Damaged(
            "a learned token list is cut short".into(),
        ));
    }
    Ok(blob
        .chunks_exact(8)
        .map(|chunk| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            u64::from_le_bytes(bytes)
        })
        .collect())
}

/// Sets the cut-offs (`None`: back to the built-in defaults).
pub fn set_thresholds(conn: &Connection, thresholds: Option<Thresholds>) -> Result<(), SpamError> {
    conn.execute(
        "UPDATE spam_model SET ham_cutoff = ?1, spam_cutoff = ?2, generation = generation + 1
         WHERE id = 1",
        params![
            thresholds.map(|t| t.ham_cutoff),
            thresholds.map(|t| t.spam_cutoff)
        ],
    )?;
    Ok(())
}

/// Counts and recent agreement with the agents, marks learned at or after `since_unix`.
pub fn stats(conn: &Connection, since_unix: i64) -> Result<SpamStats, SpamError> {
    let meta = meta(conn)?;
    let tokens: i64 = conn.query_row("SELECT count(*) FROM spam_tokens", [], |r| r.get(0))?;
    let marks: i64 = conn.query_row("SELECT count(*) FROM spam_learned", [], |r| r.get(0))?;
    let (judged, agreed): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(verdict = class), 0) FROM spam_learned
         WHERE verdict IS NOT NULL AND learned_at >= ?1",
        params![since_unix],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(SpamStats {
        spam_messages: meta.spam_messages,
        ham_messages: meta.ham_messages,
        tokens: non_negative(tokens),
        thresholds: meta.thresholds,
        custom_thresholds: meta.custom_thresholds,
        marks: non_negative(marks),
        recent_judged: non_negative(judged),
        recent_agreed: non_negative(agreed),
    })
}
