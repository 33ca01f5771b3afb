//! Full-text search over tickets: subjects, the thread's text, and the contact's name and
//! emails, with SQLite FTS5 inside the account's encrypted database (`ticket_search`, one
//! row per ticket; see the migration in `store/schema.rs` for why it is contentless), and
//! saved searches ("views") per agent in `views`.
//!
//! The index is kept current inside the transactions that change what it holds:
//! `tickets::update` (subject), `tickets::add_message`, `contacts::update` (name, emails) and
//! `contacts::merge` queue the tickets concerned (`queue_ticket`, `queue_contact`), and the
//! account database's writer reindexes the queued tickets once, just before the batch
//! commits (`INDEX_AT_COMMIT`). A committed change is searchable at once; a failed one is
//! rolled back with its queue entry and leaves the index as it was.
//!
//! Two kinds of change wait instead, each with a durable row in `search_backlog`:
//! - A new ticket (`queue_new_ticket`, then `index_soon` after its commit) is indexed by the
//!   daemon's next round (`run_indexer`, every `INDEX_NEW_EVERY`, 20 ms), with the others of
//!   that moment. FTS5 writes a segment, and now and then merges segments, at every commit
//!   that touches the index: indexing each batch of new tickets as it commits cost a fifth of
//!   the writer's time and most of `POST /api/v1/tickets`'s p99. A text search first waits
//!   for the round that holds what was created before it (`catch_up`), so a ticket is found
//!   by any search that starts after it was acknowledged.
//! - A live chat's messages (`queue_ticket_soon`): the daemon indexes the backlog every
//!   `BACKLOG_EVERY` (10 s), and at the chat's end at once, so a chat's words are searchable
//!   within seconds without its thread being reindexed at every message. That sweep also
//!   indexes new tickets whose round was lost to a crash or a failure.
//!
//! Folding: unicode61 with `remove_diacritics 2` folds case and accents ("Žluťoučký" →
//! "zlutoucky", "ö" → "o") but leaves letters that have no decomposition ("ß", "æ", "ø",
//! "ł", …). `fold` maps those, and every text goes through it before FTS5 sees it: what is
//! indexed and what is searched for, so "große" and "grosse" both find "Größe".
//!
//! Queries: user input never reaches FTS5 as syntax. Each whitespace-separated term becomes
//! a quoted phrase (`"…"`, inner quotes doubled); terms without a letter or digit are dropped
//! (an empty phrase would match nothing); the last term, and any term typed with a trailing
//! `*`, match as a prefix. Results are ranked by bm25 (subject 10, people 4, body 1) and
//! then by recency; without `q` (a view without text) they are newest-changed first.

pub mod routes;
pub mod views;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use tokio::sync::watch;

use crate::store::CommitHook;
use crate::store::{Database, Store, StoreError};
use crate::tickets::{Status, Ticket, Viewer};

pub use views::{NewView, View, ViewPatch, ViewQuery};

/// The letters unicode61 does not decompose, and what they fold to. `store/schema.rs` has
/// the same mapping as a `replace()` chain (for tickets indexed by the migration); a test
/// keeps the two equal.
pub const FOLDS: &[(char, &str)] = &[
    ('ß', "ss"),
    ('ẞ', "ss"),
    ('æ', "ae"),
    ('Æ', "ae"),
    ('œ', "oe"),
    ('Œ', "oe"),
    ('ø', "o"),
    ('Ø', "o"),
    ('đ', "d"),
    ('Đ', "d"),
    ('ł', "l"),
    ('Ł', "l"),
    ('ı', "i"),
];

/// At most this much of one message's text is indexed (the rest of a pasted log or a long
/// signature adds little); bytes, cut at a character boundary.
pub const MESSAGE_BUDGET: usize = 32 * 1024;
/// At most this much of a ticket's thread is indexed: the first message and then the newest
/// ones, so reindexing a ticket costs the same however long its thread grows.
pub const TICKET_BUDGET: usize = 512 * 1024;
/// Terms of a query beyond this many are ignored.
pub const MAX_TERMS: usize = 32;
/// `q` longer than this (in characters) is cut.
pub const MAX_QUERY: usize = 1_000;
/// A prefix must have at least this many characters (a shorter one would expand to a large
/// part of the vocabulary); a shorter term matches as a whole word.
pub const MIN_PREFIX: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("`q` must contain something to search for")]
    EmptyQuery,
    #[error("{0}")]
    Invalid(String),
    #[error("`cursor` must be the `next` value of a previous page of the same query")]
    BadCursor,
    #[error("no view with id {0}")]
    NotFound(String),
    #[error("built-in views cannot be changed or deleted")]
    BuiltIn,
    #[error("you already have a view named `{0}`")]
    NameTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SearchError {
    fn from(e: rusqlite::Error) -> Self {
        SearchError::Store(e.into())
    }
}

/// Maps the letters unicode61 leaves alone (`FOLDS`) to the ASCII they are searched by.
/// Case and other accents are left to the tokenizer.
pub fn fold(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| FOLDS.iter().any(|(from, _)| *from == c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match FOLDS.iter().find(|(from, _)| *from == c) {
            Some((_, to)) => out.push_str(to),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The account database's commit hook: reindexes what the batch's jobs queued.
pub const INDEX_AT_COMMIT: CommitHook = CommitHook {
    setup: "CREATE TEMP TABLE IF NOT EXISTS search_queue (ticket_id INTEGER PRIMARY KEY)",
    before_commit: index_queued,
};

/// How often the daemon indexes the tickets of `search_backlog`: each live chat's thread is
/// reindexed at most this often.
pub const BACKLOG_EVERY: Duration = Duration::from_secs(10);
/// Tickets indexed by one write job of the sweep: a few milliseconds of the writer, so the
/// chat messages committed with it are not held back (200 per job put 100 ms pauses into
/// the delivery of 1,000 live chats).
const BACKLOG_BATCH: i64 = 16;

/// In a write job: ticket `ticket_id` is to be reindexed by the next sweep of the backlog
/// (within `BACKLOG_EVERY`) rather than before this commit. For a live chat's messages.
pub fn queue_ticket_soon(conn: &Connection, ticket_id: i64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("INSERT OR IGNORE INTO search_backlog (ticket_id) VALUES (?1)")?
        .execute([ticket_id])?;
    Ok(())
}

/// Indexes what waits in `search_backlog`, `BACKLOG_BATCH` tickets per commit; returns how
/// many tickets were indexed.
pub async fn index_backlog(db: &Database) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let moved = db
            .write(|conn| -> Result<u64, StoreError> {
                // The commit hook indexes the queue and clears these rows from the backlog.
                let moved = conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO temp.search_queue (ticket_id)
                         SELECT ticket_id FROM search_backlog ORDER BY ticket_id LIMIT ?1",
                    )?
                    .execute([BACKLOG_BATCH])?;
                Ok(moved as u64)
            })
            .await?;
        total += moved;
        if moved < BACKLOG_BATCH as u64 {
            return Ok(total);
        }
    }
}

/// The daemon's job: every `BACKLOG_EVERY`, the backlog of each open account database (the
/// daemon opens every account at start, for the trash job, so none is left behind).
pub async fn run_backlog(store: Arc<Store>, mut stop: watch::Receiver<bool>) {
    loop {
        for db in store.open_databases() {
            if !db.name().starts_with("account-") || *stop.borrow() {
                continue;
            }
            let waiting = db
                .read_now(|conn| -> Result<bool, StoreError> {
                    Ok(
                        conn.query_row("SELECT EXISTS (SELECT 1 FROM search_backlog)", [], |r| {
                            r.get(0)
                        })?,
                    )
                })
                .await;
            let indexed = match waiting {
                Ok(true) => index_backlog(&db).await,
                Ok(false) => Ok(0),
                Err(e) => Err(e),
            };
            if let Err(e) = indexed {
                tracing::warn!(database = db.name(), error = %e, "search: indexing the backlog failed; retried at the next sweep");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(BACKLOG_EVERY) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// How long a new ticket may wait to be indexed with the others of that moment.
pub const INDEX_NEW_EVERY: Duration = Duration::from_millis(20);

/// In a write job that creates ticket `ticket_id`: it is to be indexed by the next round of
/// `run_indexer`, once the caller has called `index_soon` after the commit. Until then
/// `search_backlog` holds it, so a crash before the round leaves it to the sweep.
pub fn queue_new_ticket(conn: &Connection, ticket_id: i64) -> Result<(), rusqlite::Error> {
    queue_ticket_soon(conn, ticket_id)
}

/// After the commit of a job that called `queue_new_ticket(ticket_id)`.
pub fn index_soon(db: &Database, ticket_id: i64) {
    db.deferred().push(ticket_id);
}

/// One round: indexes the new tickets that wait (`index_soon`) in one write job; the commit
/// hook indexes them and clears their rows from `search_backlog`.
async fn index_new(db: &Database) -> Result<(), StoreError> {
    db.deferred()
        .drain(|ids| {
            db.write(move |conn| -> Result<(), StoreError> {
                for id in ids {
                    queue_ticket(conn, id)?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(())
}

/// Brings the index up to every new ticket acknowledged before now (a text search calls it
/// first; the daemon's rounds too). A failed round is logged: the backlog sweep retries it.
async fn catch_up(db: &Database) {
    if db.deferred().is_idle() {
        return;
    }
    if let Err(e) = index_new(db).await {
        tracing::warn!(database = db.name(), error = %e, "search: indexing new tickets failed; the backlog sweep retries them");
    }
}

/// The daemon's job: every `INDEX_NEW_EVERY`, a round for each open account database that
/// has new tickets waiting.
pub async fn run_indexer(store: Arc<Store>, mut stop: watch::Receiver<bool>) {
    loop {
        for db in store.open_databases() {
            if *stop.borrow() {
                break;
            }
            catch_up(&db).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(INDEX_NEW_EVERY) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// In a write job: ticket `ticket_id` is to be reindexed before this transaction commits.
pub fn queue_ticket(conn: &Connection, ticket_id: i64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("INSERT OR IGNORE INTO temp.search_queue (ticket_id) VALUES (?1)")?
        .execute([ticket_id])?;
    Ok(())
}

/// In a write job: every ticket of contact `contact_id` is to be reindexed (after its name
/// or emails changed, or another contact was merged into it).
pub fn queue_contact(conn: &Connection, contact_id: i64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO temp.search_queue (ticket_id)
         SELECT id FROM tickets WHERE contact_id = ?1",
    )?
    .execute([contact_id])?;
    Ok(())
}

fn index_queued(conn: &Connection) -> Result<(), rusqlite::Error> {
    let queued: Vec<i64> = conn
        .prepare_cached("SELECT ticket_id FROM temp.search_queue")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if queued.is_empty() {
        return Ok(());
    }
    for id in queued {
        index_ticket(conn, id)?;
    }
    conn.prepare_cached(
        "DELETE FROM search_backlog WHERE ticket_id IN (SELECT ticket_id FROM temp.search_queue)",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM temp.search_queue")?
        .execute([])?;
    Ok(())
}

/// In a transaction: rebuilds ticket `ticket_id`'s row of the index from the tables (or
/// removes it if the ticket is gone). Its cost is bounded by `TICKET_BUDGET`, not by the
/// length of the thread.
pub fn index_ticket(conn: &Connection, ticket_id: i64) -> Result<(), rusqlite::Error> {
    let head: Option<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT t.subject, c.name,
                    (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id)
             FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?1",
        )?
        .query_row([ticket_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((subject, name, emails)) = head else {
        conn.prepare_cached("DELETE FROM ticket_search WHERE rowid = ?1")?
            .execute([ticket_id])?;
        return Ok(());
    };
    let body = thread_text(conn, ticket_id)?;
    let people = format!("{name} {}", emails.unwrap_or_default());
    conn.prepare_cached(
        "INSERT OR REPLACE INTO ticket_search (rowid, subject, body, people) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        ticket_id,
        fold(&subject),
        fold(&body),
        fold(&people)
    ])?;
    Ok(())
}

/// The thread's text as indexed: the first message, then the newest ones back in time
/// until `TICKET_BUDGET` is spent; each message cleaned (`message_text`).
fn thread_text(conn: &Connection, ticket_id: i64) -> Result<String, rusqlite::Error> {
    // substr counts characters; MESSAGE_BUDGET characters hold at least MESSAGE_BUDGET bytes.
    let mut newest = conn.prepare_cached(
        "SELECT id, substr(body, 1, ?2), is_html FROM messages WHERE ticket_id = ?1 ORDER BY id DESC",
    )?;
    let mut rows = newest.query(params![ticket_id, MESSAGE_BUDGET as i64])?;
    let mut parts: Vec<String> = Vec::new();
    let mut spent = 0;
    let mut oldest = None;
    while let Some(row) = rows.next()? {
        let text = message_text(&row.get::<_, String>(1)?, row.get::<_, i64>(2)? != 0);
        spent += text.len() + 1;
        parts.push(text);
        oldest = Some(row.get::<_, i64>(0)?);
        if spent >= TICKET_BUDGET {
            break;
        }
    }
    drop(rows);
    // The first message states what the ticket is about: it is indexed even when the
    // budget ran out before reaching it.
    if let Some(oldest) = oldest {
        let first: Option<(String, i64)> = conn
            .prepare_cached(
                "SELECT substr(body, 1, ?3), is_html FROM messages
                 WHERE ticket_id = ?1 AND id < ?2 ORDER BY id LIMIT 1",
            )?
            .query_row(params![ticket_id, oldest, MESSAGE_BUDGET as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((body, html)) = first {
            parts.push(message_text(&body, html != 0));
        }
    }
    parts.reverse();
    Ok(parts.join("\n"))
}

/// What of one message is worth indexing: tags of an HTML body become spaces (and the
/// commonest entities their characters); lines quoted from earlier mail (`>`) are left out,
/// as the thread holds them already; at most `MESSAGE_BUDGET` bytes.
fn message_text(body: &str, html: bool) -> String {
    let plain: Cow<'_, str> = if html {
        Cow::Owned(strip_tags(body))
    } else {
        Cow::Borrowed(body)
    };
    let mut out = String::with_capacity(plain.len().min(MESSAGE_BUDGET));
    for line in plain.lines() {
        if line.trim_start().starts_with('>') {
            continue;
        }
        if out.len() + line.len() + 1 > MESSAGE_BUDGET {
            let room = MESSAGE_BUDGET.saturating_sub(out.len());
            let mut cut = room.min(line.len());
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&line[..cut]);
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    for (entity, c) in [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ] {
        if out.contains(entity) {
            out = out.replace(entity, c);
        }
    }
    out
}

/// The FTS5 query for what a user typed, or `None` if it holds nothing to search for.
/// Never an FTS5 syntax error: every term is a quoted string.
pub fn match_expression(q: &str) -> Option<String> {
    let q: String = q.chars().take(MAX_QUERY).collect();
    let open_end = !q.ends_with(char::is_whitespace);
    let terms: Vec<(String, bool)> = q
        .split_whitespace()
        .filter_map(|raw| {
            let starred = raw.ends_with('*');
            let term = fold(raw.trim_end_matches('*')).into_owned();
            term.chars()
                .any(char::is_alphanumeric)
                .then_some((term, starred))
        })
        .take(MAX_TERMS)
        .collect();
    let count = terms.len();
    let phrases: Vec<String> = terms
        .into_iter()
        .enumerate()
        .map(|(i, (term, starred))| {
            let prefix = (starred || (open_end && i + 1 == count))
                && term.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX;
            format!(
                "\"{}\"{}",
                term.replace('"', "\"\""),
                if prefix { "*" } else { "" }
            )
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" "))
}

/// The assignee filter; `Me` is the caller (resolved when the search runs, so a saved view
/// "assigned to me" works for its owner whoever they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Me,
    Nobody,
    User(i64),
}

impl Assignee {
    pub fn parse(text: &str) -> Option<Assignee> {
        match text.trim() {
            "me" => Some(Assignee::Me),
            "none" => Some(Assignee::Nobody),
            id => id.parse().ok().map(Assignee::User),
        }
    }
}

/// The filters search shares with the ticket list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub statuses: Vec<Status>,
    pub assignee: Option<Assignee>,
    pub department_id: Option<i64>,
    pub tag: Option<String>,
    pub contact_id: Option<i64>,
    pub updated_since: Option<i64>,
}

/// Where the next page starts: ranked results page by offset (bm25 scores move as the index
/// changes, so they make no stable key); lists without text by `(updated_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Offset(u32),
    After(i64, i64),
}

impl Cursor {
    pub fn encode(self) -> String {
        use base64::Engine;
        let text = match self {
            Cursor::Offset(n) => format!("o{n}"),
            Cursor::After(at, id) => format!("k{at}.{id}"),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    pub fn parse(text: &str) -> Option<Cursor> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        if let Some(n) = text.strip_prefix('o') {
            return n.parse().ok().map(Cursor::Offset);
        }
        let (at, id) = text.strip_prefix('k')?.split_once('.')?;
        Some(Cursor::After(at.parse().ok()?, id.parse().ok()?))
    }
}

/// One search (or, without `q`, one filtered list).
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub q: Option<String>,
    pub filters: Filters,
    pub limit: u32,
    pub cursor: Option<Cursor>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Page {
    pub tickets: Vec<Ticket>,
    pub next: Option<String>,
}

/// Tickets the viewer may see that match `search`, best first. `q` that is blank is
/// `EmptyQuery`; `q` of punctuation alone matches nothing.
pub async fn find(db: &Database, viewer: Viewer, search: Search) -> Result<Page, SearchError> {
    let expression = match search.q.as_deref() {
        None => None,
        Some(q) if q.trim().is_empty() => return Err(SearchError::EmptyQuery),
        Some(q) => match match_expression(q) {
            Some(e) => Some(e),
            None => {
                return Ok(Page {
                    tickets: Vec::new(),
                    next: None,
                });
            }
        },
    };
    if expression.is_some() {
        catch_up(db).await;
    }
    let limit = search.limit.clamp(1, 100);
    match (&expression, search.cursor) {
        (Some(_), Some(Cursor::After(..))) | (None, Some(Cursor::Offset(_))) => {
            return Err(SearchError::BadCursor);
        }
        _ => {}
    }
    db.read(move |conn| -> Result<Page, SearchError> {
        let ids = select(
            conn,
            viewer,
            expression.as_deref(),
            &search.filters,
            limit,
            search.cursor,
        )?;
        let tickets = summaries(conn, &ids)?;
        let next = (ids.len() == limit as usize)
            .then(|| match (&expression, search.cursor) {
                (Some(_), cursor) => {
                    let offset = match cursor {
                        Some(Cursor::Offset(n)) => n,
                        _ => 0,
                    };
                    Some(Cursor::Offset(offset.saturating_add(limit)))
                }
                (None, _) => tickets.last().map(|t| Cursor::After(updated_unix(t), t.id)),
            })
            .flatten()
            .map(Cursor::encode);
        Ok(Page { tickets, next })
    })
    .await
}

fn updated_unix(ticket: &Ticket) -> i64 {
    time::OffsetDateTime::parse(
        &ticket.updated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .unwrap_or(0)
}

/// Numbered SQL parameters, bound in the order they are added.
#[derive(Default)]
struct Bound(Vec<SqlValue>);

impl Bound {
    fn add(&mut self, value: impl Into<SqlValue>) -> String {
        self.0.push(value.into());
        format!("?{}", self.0.len())
    }
}

/// The ids of one page. Only the filters that are set become conditions, so the planner
/// can use the tickets' indexes for them.
fn select(
    conn: &Connection,
    viewer: Viewer,
    expression: Option<&str>,
    filters: &Filters,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<Vec<i64>, rusqlite::Error> {
    let mut bound = Bound::default();
    let mut conditions: Vec<String> = Vec::new();
    if let Some(expression) = expression {
        conditions.push(format!(
            "ticket_search MATCH {}",
            bound.add(expression.to_string())
        ));
    }
    if !filters.statuses.is_empty() {
        let list: Vec<String> = filters
            .statuses
            .iter()
            .map(|s| bound.add(s.as_str().to_string()))
            .collect();
        conditions.push(format!("t.status IN ({})", list.join(", ")));
    }
    match filters.assignee {
        None => {}
        Some(Assignee::Nobody) => conditions.push("t.assignee_id IS NULL".into()),
        Some(Assignee::Me) => {
            conditions.push(format!("t.assignee_id = {}", bound.add(viewer.user_id)))
        }
        Some(Assignee::User(id)) => conditions.push(format!("t.assignee_id = {}", bound.add(id))),
    }
    if let Some(department) = filters.department_id {
        conditions.push(format!("t.department_id = {}", bound.add(department)));
    }
    if let Some(tag) = &filters.tag {
        let tag = tag.trim().to_lowercase();
        conditions.push(if expression.is_none() && common_tag(conn, &tag, limit)? {
            format!(
                "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = {})",
                bound.add(tag)
            )
        } else {
            format!(
                "t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = {})",
                bound.add(tag)
            )
        });
    }
    if let Some(contact) = filters.contact_id {
        conditions.push(format!("t.contact_id = {}", bound.add(contact)));
    }
    if let Some(since) = filters.updated_since {
        conditions.push(format!("t.updated_at >= {}", bound.add(since)));
    }
    if crate::tickets::restricted(conn, viewer)? {
        let rule = crate::tickets::VISIBLE.replace("?R", &bound.add(1));
        conditions.push(rule.replace("?U", &bound.add(viewer.user_id)));
    }
    let offset = match cursor {
        Some(Cursor::Offset(n)) => n,
        _ => 0,
    };
    if let (Some(expression), 1) = (expression, conditions.len()) {
        if let Some(ids) = best_unfiltered(conn, expression, offset, limit)? {
            return Ok(ids);
        }
    }
    let sql = match expression {
        Some(_) => {
            // CROSS JOIN keeps the full-text index the outer loop: it yields the matches,
            // each then one lookup in the narrow tickets_for_search (see the migration).
            format!(
                "SELECT t.id FROM ticket_search
                 CROSS JOIN tickets t INDEXED BY tickets_for_search ON t.id = ticket_search.rowid
                 WHERE {}
                 ORDER BY {BM25}, t.updated_at DESC, t.id DESC
                 LIMIT {} OFFSET {}",
                conditions.join(" AND "),
                bound.add(i64::from(limit)),
                bound.add(i64::from(offset))
            )
        }
        None => {
            if let Some(Cursor::After(at, id)) = cursor {
                conditions.push(format!(
                    "(t.updated_at, t.id) < ({}, {})",
                    bound.add(at),
                    bound.add(id)
                ));
            }
            let filter = if conditions.is_empty() {
                "1".to_string()
            } else {
                conditions.join(" AND ")
            };
            format!(
                "SELECT t.id FROM tickets t WHERE {filter}
                 ORDER BY t.updated_at DESC, t.id DESC LIMIT {}",
                bound.add(i64::from(limit))
            )
        }
    };
    let ids = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(bound.0), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

const BM25: &str = "bm25(ticket_search, 10.0, 1.0, 4.0)";

/// A page of a search without filters, ranked on the full-text index alone: the best
/// `offset + limit` matches by score, and past them up to `TIE_ROOM` more so that a run of
/// equal scores crossing the page edge is seen whole; then only those looked up in tickets
/// to order equal scores by recency. Without this, every match (tens of thousands for a
/// common word) is looked up in tickets just for that tie-break. `None` when even the extra
/// rows all tie with the edge: only the full query can order such a run by recency.
fn best_unfiltered(
    conn: &Connection,
    expression: &str,
    offset: u32,
    limit: u32,
) -> Result<Option<Vec<i64>>, rusqlite::Error> {
    let wanted = offset as usize + limit as usize;
    let fetch = wanted + 1 + TIE_ROOM;
    let mut ranked: Vec<(f64, i64, i64)> = conn
        .prepare_cached(&format!(
            "SELECT {BM25}, rowid FROM ticket_search WHERE ticket_search MATCH ?1
             ORDER BY 1 LIMIT ?2"
        ))?
        .query_map(params![expression, fetch as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, 0))
        })?
        .collect::<Result<_, _>>()?;
    if ranked.len() > wanted {
        let edge = ranked[wanted - 1].0;
        match ranked[wanted..].iter().position(|row| row.0 != edge) {
            // Everything from here on scores worse than the page's last row.
            Some(after_ties) => ranked.truncate(wanted + after_ties),
            None if ranked.len() == fetch => return Ok(None),
            None => {}
        }
    }
    let mut updated = conn.prepare_cached("SELECT updated_at FROM tickets WHERE id = ?1")?;
    for row in &mut ranked {
        row.2 = updated
            .query_row([row.1], |r| r.get(0))
            .optional()?
            .unwrap_or(i64::MIN);
    }
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.2.cmp(&a.2)).then(b.1.cmp(&a.1)));
    Ok(Some(
        ranked
            .into_iter()
            .take(wanted)
            .skip(offset as usize)
            .map(|(_, id, _)| id)
            .collect(),
    ))
}

/// Rows fetched past a page's edge to see the whole run of scores equal to its last one.
const TIE_ROOM: usize = 200;

/// Whether a list filtered by `tag` is better walked newest-first, checking each ticket's
/// tags, than started from the tag's tickets and sorted: when the tag is on enough tickets
/// that a page is found after about `limit × tickets / tagged` steps, fewer than `tagged`.
fn common_tag(conn: &Connection, tag: &str, limit: u32) -> Result<bool, rusqlite::Error> {
    let (tagged, tickets): (i64, i64) = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM ticket_tags WHERE tag = ?1),
                    (SELECT coalesce(max(id), 0) FROM tickets)",
        )?
        .query_row([tag], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(tagged.saturating_mul(tagged) > i64::from(limit).saturating_mul(tickets))
}

/// The tickets as the ticket list shows them (without messages and history).
fn summaries(conn: &Connection, ids: &[i64]) -> Result<Vec<Ticket>, rusqlite::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(ticket) = crate::tickets::load(conn, id, false)? {
            out.push(ticket);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
