//! The schemas of the appliance database and of each account database, as migrations.
//!
//! Each domain owns its queries; the tables they run on are declared here so that one place
//! says what a database holds and in which version.

use super::migrations::Migration;

/// `system.db`: accounts and their host names, wrapped account keys, setup tokens, audit.
/// Holds no personal data of any account's people.
pub const SYSTEM: &[Migration] = &[Migration {
    version: 1,
    sql: r#"
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN
                       ('trial', 'active', 'billing_failed', 'suspended', 'terminated', 'deleted')),
    state_changed_at INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE account_hosts (
    host       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
) STRICT;

-- Destroying a row here makes every copy of that account's data unreadable.
CREATE TABLE account_keys (
    account_id  TEXT PRIMARY KEY,
    wrapped_key BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- At most one live setup token per account; a new one replaces the old.
CREATE TABLE setup_tokens (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE TABLE appliance_audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    account_id TEXT,
    detail     TEXT NOT NULL DEFAULT ''
) STRICT;
"#,
}];

/// `accounts/<id>/account.db`: everything of one account.
pub const ACCOUNT: &[Migration] = &[
    Migration {
        version: 1,
        sql: r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_one_owner ON users(role) WHERE role = 'owner';
"#,
    },
    Migration {
        version: 2,
        sql: r#"
-- Per-account secrets that never leave the account's database.
CREATE TABLE account_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
INSERT INTO account_secrets (name, value) VALUES ('api_token_hash_key', randomblob(32));

-- API tokens: only a keyed hash of the token is stored; the token is shown once.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
"#,
    },
    Migration {
        version: 3,
        sql: r#"
-- The account's audit log. Each entry's hash covers its fields and the previous entry's
-- hash, so editing or deleting an entry breaks the chain from there on.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    ip        TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;
CREATE INDEX audit_log_action ON audit_log(action, id);
"#,
    },
    Migration {
        version: 4,
        sql: r#"
-- Account settings, one JSON value per key (e.g. allowed_networks.api).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    changed_at INTEGER NOT NULL
) STRICT;
"#,
    },
    Migration {
        version: 5,
        sql: r#"
-- Web sessions of the agent panel. Only a hash of the session id is stored; the CSRF token
-- is bound to the session.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
"#,
    },
    Migration {
        version: 6,
        sql: r#"
-- Second factors. The TOTP secret must be readable to check codes (the database is
-- encrypted); `last_step` is the newest accepted time step, so no code is accepted twice.
CREATE TABLE totp_secrets (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret       BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Single-use recovery codes, stored as keyed hashes.
CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at   INTEGER
) STRICT;
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
INSERT INTO account_secrets (name, value) VALUES ('recovery_code_hash_key', randomblob(32));

-- WebAuthn credentials (security keys, passkeys): the public key and counters as
-- webauthn-rs serializes them.
CREATE TABLE security_keys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    credential_id BLOB NOT NULL UNIQUE,
    passkey       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;
CREATE INDEX security_keys_user ON security_keys(user_id);
"#,
    },
    Migration {
        version: 7,
        sql: r#"
-- Invitations to join the account: only a hash of the link's token is stored; the row is
-- deleted when accepted, revoked or found expired, so the invitee's email and name do
-- not linger.
CREATE TABLE invitations (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    invited_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
    },
    Migration {
        version: 8,
        sql: r#"
-- The people who write to the helpdesk (end users). Several emails each; phones as a JSON
-- array; custom fields as a JSON object keyed by the admin-defined field name.
CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    company    TEXT NOT NULL DEFAULT '',
    phones     TEXT NOT NULL DEFAULT '[]',
    address    TEXT NOT NULL DEFAULT '',
    custom     TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE contact_emails (
    email      TEXT PRIMARY KEY COLLATE NOCASE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX contact_emails_contact ON contact_emails(contact_id);
-- IP addresses and visitor ids a contact was seen with (personal data, SPEC.md).
CREATE TABLE contact_sightings (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('ip', 'visitor')),
    value      TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (contact_id, kind, value)
) STRICT, WITHOUT ROWID;

CREATE TABLE departments (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
) STRICT;
-- Agents of a department; with `tickets.departments_restricted`, an agent sees only
-- tickets of their departments (and those without one).
CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE tickets (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    subject       TEXT NOT NULL,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id),
    channel       TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'web', 'api', 'phone')),
    status        TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'spam', 'trash')),
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    department_id INTEGER REFERENCES departments(id) ON DELETE SET NULL,
    assignee_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    custom        TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX tickets_updated ON tickets(updated_at DESC, id DESC);
CREATE INDEX tickets_status ON tickets(status, updated_at DESC, id DESC);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status, updated_at DESC);
CREATE INDEX tickets_contact ON tickets(contact_id, updated_at DESC);
CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (ticket_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags(tag, ticket_id);

-- The thread. A reply or note whose author was deleted keeps its text and shows as
-- "Deleted agent" (author_user_id becomes NULL).
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('customer', 'reply', 'note')),
    author_user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    author_contact_id INTEGER REFERENCES contacts(id),
    body              TEXT NOT NULL,
    is_html           INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_ticket ON messages(ticket_id, id);

-- Every change of a ticket, with who and when.
CREATE TABLE ticket_events (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor_kind    TEXT NOT NULL CHECK (actor_kind IN ('agent', 'contact', 'system')),
    field         TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT
) STRICT;
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

-- Responses to POSTs with an Idempotency-Key, so a retry gets the first answer.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    route        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, route, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
"#,
    },
    Migration {
        version: 9,
        sql: r#"
-- One-time sign-in links of the customer portal: only a SHA-256 of the link's token is
-- stored; a link works once (its row is deleted when spent) and for 30 minutes.
CREATE TABLE portal_login_links (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX portal_login_links_contact ON portal_login_links(contact_id);

-- Sessions of the customer portal, like the panel's `sessions`: only a hash of the session
-- id is stored, and each has its own CSRF token. A merged or deleted contact's go with it.
CREATE TABLE portal_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX portal_sessions_contact ON portal_sessions(contact_id);
"#,
    },
    Migration {
        version: 10,
        sql: r#"
-- Files attached to tickets (and optionally to one message of the ticket). The bytes live
-- in this encrypted database, never as plain files: in `attachment_chunks`, 256 KiB each,
-- so no value is huge and a download streams chunk by chunk. `content_type` is sniffed
-- from the bytes (what is served); `declared_type` is what the uploader said (kept, never
-- trusted). They go with their ticket.
CREATE TABLE attachments (
    id                     INTEGER PRIMARY KEY,
    ticket_id              INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id             INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    filename               TEXT NOT NULL,
    content_type           TEXT NOT NULL,
    declared_type          TEXT NOT NULL DEFAULT '',
    size                   INTEGER NOT NULL CHECK (size >= 0),
    sha256                 TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at             INTEGER NOT NULL,
    uploaded_by_user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    uploaded_by_contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX attachments_ticket ON attachments(ticket_id, id);
CREATE INDEX attachments_message ON attachments(message_id) WHERE message_id IS NOT NULL;
CREATE TABLE attachment_chunks (
    attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
) STRICT;
"#,
    },
    Migration {
        version: 11,
        sql: r#"
-- Full-text search over tickets (src/search/): one row per ticket, rowid = tickets.id,
-- with the subject, the thread's text, and the contact's name and emails.
--
-- Contentless (content = '') with contentless_delete = 1:
-- * the text already lives in tickets, messages, contacts and contact_emails; a copy in
--   FTS5 would double the largest tables and be one more place an erasure has to reach;
-- * external content is impossible: what is indexed is the text after search::fold
--   (ß→ss, æ→ae, …), which no table holds;
-- * contentless_delete lets search::index_ticket replace a row by its rowid alone; a plain
--   contentless or external-content table must be handed the old text to delete it, i.e.
--   the whole thread read and tokenized once more on every change.
-- unicode61 with remove_diacritics 2 folds case and accents (Žluťoučký → zlutoucky); the
-- letters it does not decompose are mapped by search::fold before FTS5 sees any text.
CREATE VIRTUAL TABLE ticket_search USING fts5(
    subject, body, people,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Index the tickets that exist already. The replace() chain is search::fold in SQL (a unit
-- test keeps the two equal); the HTML and quote clean-up and the size budgets of
-- search::index_ticket apply from a ticket's next change on.
WITH parts (id, col, text) AS (
    SELECT id, 0, subject FROM tickets
    UNION ALL
    SELECT ticket_id, 1, group_concat(body, char(10) ORDER BY id) FROM messages GROUP BY ticket_id
    UNION ALL
    SELECT t.id, 2, c.name || ' ' || coalesce(
        (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), '')
    FROM tickets t JOIN contacts c ON c.id = t.contact_id
), folded (id, col, text) AS (
    SELECT id, col,
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(replace(text,
            'ß', 'ss'), 'ẞ', 'ss'), 'æ', 'ae'), 'Æ', 'ae'), 'œ', 'oe'), 'Œ', 'oe'),
            'ø', 'o'), 'Ø', 'o'), 'đ', 'd'), 'Đ', 'd'), 'ł', 'l'), 'Ł', 'l'), 'ı', 'i')
    FROM parts
)
INSERT INTO ticket_search (rowid, subject, body, people)
SELECT id,
       coalesce(max(CASE col WHEN 0 THEN text END), ''),
       coalesce(max(CASE col WHEN 1 THEN text END), ''),
       coalesce(max(CASE col WHEN 2 THEN text END), '')
FROM folded GROUP BY id;

-- A narrow copy of the columns a search filters and orders its matches by: a common word
-- matches tens of thousands of tickets, and each match is looked up here (search names it
-- with INDEXED BY) instead of in the wide tickets rows, a sixth of the pages to read.
CREATE INDEX tickets_for_search ON tickets(id, updated_at, status, assignee_id, department_id, contact_id);

-- A ticket deleted for good leaves the index in the same transaction.
CREATE TRIGGER ticket_search_forget AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
END;

-- Saved searches ("views") of each agent: a name and a query as JSON
-- ({"q", "status", "assignee", "tag", "department"}), listed by position.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL COLLATE NOCASE,
    query      TEXT NOT NULL CHECK (json_valid(query)),
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
) STRICT;
"#,
    },
    Migration {
        version: 12,
        sql: SPAM_MODEL,
    },
    Migration {
        version: 13,
        sql: r#"
-- What the spam filter answered when the ticket arrived and its score (NULL: not checked).
-- An `unsure` ticket goes to the inbox with a marker; a `spam` one arrives in status spam.
ALTER TABLE tickets ADD COLUMN spam_verdict TEXT CHECK (spam_verdict IN ('ham', 'unsure', 'spam'));
ALTER TABLE tickets ADD COLUMN spam_score REAL CHECK (spam_score BETWEEN 0 AND 1);

-- A token of a trusted integration whose tickets skip the spam filter.
ALTER TABLE api_tokens ADD COLUMN skip_spam_check INTEGER NOT NULL DEFAULT 0 CHECK (skip_spam_check IN (0, 1));
"#,
    },
    Migration {
        version: 14,
        sql: SPAM_MODEL_GENERATION,
    },
    Migration {
        version: 15,
        sql: CHAT,
    },
    Migration {
        version: 16,
        sql: CHAT_BANS,
    },
    Migration {
        version: 17,
        sql: CHAT_ROUTING,
    },
    Migration {
        version: 18,
        sql: CHAT_CANNED,
    },
    Migration {
        version: 19,
        sql: SEARCH_BACKLOG,
    },
    Migration {
        version: 20,
        sql: MAIL,
    },
    Migration {
        version: 21,
        sql: SEARCH_MERGES,
    },
];

/// How FTS5 merges the search index's segments. The daemon indexes new tickets every
/// 20 ms (`search::run_indexer`), one small segment per round; with FTS5's defaults
/// (merge 4 segments of a level, all of a level at once when it has 16), the merges
/// inside those rounds held the writer for up to ~10 ms and made most of the POST
/// benchmark's p99 (11-14 ms). Merging 16 at a time (64 in a crisis) rewrites each
/// posting about half as often: POST p99 6.4-7.2 ms, while search on 1,000,000 messages
/// indexed in such rounds stays at p95 19.2-19.3 ms (19.2-19.5 before; BENCHMARKS.md,
/// "Eighth pass").
pub const SEARCH_MERGES: &str = r#"
INSERT INTO ticket_search (ticket_search, rank) VALUES ('automerge', 16);
INSERT INTO ticket_search (ticket_search, rank) VALUES ('crisismerge', 64);
"#;

/// Mail (src/mail/): the outbox of messages to send, and the inbound messages already
/// taken, so that a message the MTA delivers twice (it lost our answer) is taken once.
pub const MAIL: &str = r#"
-- Outgoing mail, queued in the same commit as what caused it (an agent's reply, a login
-- link, a transcript), so that nothing acknowledged is lost; deleted once the relay took it.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    message         BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at);

-- Inbound messages taken, by Message-ID, kept a while (see mail::inbound).
CREATE TABLE mail_received (
    message_id  TEXT PRIMARY KEY,
    ticket_id   INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_received_at ON mail_received(received_at);
"#;

/// Tickets whose search entry the next sweep rebuilds (`search::index_backlog`), instead of
/// the commit that changed them: a live chat adds a message to its ticket every few
/// seconds, and rebuilding the thread's entry at each one was a fifth of the writer's work
/// under chat load.
pub const SEARCH_BACKLOG: &str = r#"
CREATE TABLE search_backlog (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE
) STRICT;
"#;

/// The spam filter's model (src/spam/), migration 12 of an account database and, as it
/// stands, the whole schema of a standalone model file (`helpdeskd spam … --model PATH`):
/// one format in both places.
///
/// Tokens are stored only as keyed 64-bit hashes (SipHash-2-4 under `hash_key`, a secret of
/// this model alone), never as text: the model holds no readable personal data, and an
/// erasure elsewhere needs no untraining here.
pub const SPAM_MODEL: &str = r#"
-- One row: the hash key, how many messages were learned per class, and the account's
-- cut-offs (NULL = the built-in defaults of src/spam/classifier.rs).
CREATE TABLE spam_model (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    hash_key      BLOB NOT NULL CHECK (length(hash_key) = 16),
    spam_messages INTEGER NOT NULL DEFAULT 0 CHECK (spam_messages >= 0),
    ham_messages  INTEGER NOT NULL DEFAULT 0 CHECK (ham_messages >= 0),
    ham_cutoff    REAL CHECK (ham_cutoff BETWEEN 0 AND 1),
    spam_cutoff   REAL CHECK (spam_cutoff BETWEEN 0 AND 1),
    CHECK (ham_cutoff IS NULL OR spam_cutoff IS NULL OR ham_cutoff <= spam_cutoff)
) STRICT;
INSERT INTO spam_model (id, hash_key) VALUES (1, randomblob(16));

-- In how many learned messages of each class a token occurred (once per message). The hash
-- is the token's keyed u64 reinterpreted as i64, so it is the rowid itself. A token whose
-- counts both fall to 0 by unlearning is deleted.
CREATE TABLE spam_tokens (
    hash INTEGER PRIMARY KEY,
    spam INTEGER NOT NULL CHECK (spam >= 0),
    ham  INTEGER NOT NULL CHECK (ham >= 0)
) STRICT;

-- What an agent's mark taught the filter, by the caller's name for the thing marked (e.g.
-- 'message:42'): undoing the mark subtracts exactly these hashes, whatever the message or
-- the tokenizer became since. `tokens` holds the distinct hashes, 8 bytes little-endian
-- each, sorted; `verdict` is what the filter had answered before the agent corrected it
-- (NULL when unknown), for the "recent accuracy" figure.
CREATE TABLE spam_learned (
    source     TEXT PRIMARY KEY,
    class      TEXT NOT NULL CHECK (class IN ('spam', 'ham')),
    tokens     BLOB NOT NULL,
    verdict    TEXT CHECK (verdict IN ('spam', 'unsure', 'ham')),
    learned_at INTEGER NOT NULL
) STRICT;
CREATE INDEX spam_learned_recent ON spam_learned(learned_at);
"#;

/// Format 2 of the spam model: a counter every change to the counts or cut-offs bumps, so
/// the daemon's in-memory copy knows whether it is the model on disk (src/spam/live.rs).
pub const SPAM_MODEL_GENERATION: &str = r#"
ALTER TABLE spam_model ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
"#;

/// Canned responses (src/chat/canned.rs), migration 18 of an account database: texts
/// agents insert instead of typing them again.
pub const CHAT_CANNED: &str = r#"
-- `shortcut` is `/name` in lower case (unique; NULL: none). `department_id` NULL: for
-- everyone; else for that department's agents (and admins), and gone with the department.
CREATE TABLE canned_responses (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body          TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    shortcut      TEXT UNIQUE,
    department_id INTEGER REFERENCES departments(id) ON DELETE CASCADE,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX canned_responses_department ON canned_responses(department_id);
"#;

/// Chat bans (src/chat/bans.rs), migration 16 of an account database: addresses, networks
/// and visitor ids refused a chat, and the address each chat started from (so the console
/// can ban "this visitor" even when no consent record holds the address).
pub const CHAT_BANS: &str = r#"
-- `value` is, for `ip`, an address or a CIDR network in canonical text (`203.0.113.9`,
-- `203.0.113.0/24`, `2001:db8::/32`; a single address never carries /32 or /128), and for
-- `visitor` a widget's visitor id. A start or resume is refused while a ban matches and has
-- not expired (`expires_at` NULL: permanent). The unique index is the lookup `is_banned`
-- probes, once per candidate network of the client's address.
CREATE TABLE chat_bans (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('ip', 'visitor')),
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    UNIQUE (kind, value)
) STRICT;
CREATE INDEX chat_bans_expiry ON chat_bans(expires_at) WHERE expires_at IS NOT NULL;

-- The client address a chat started from; goes with the chat.
CREATE TABLE chat_start_ips (
    chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
    ip      TEXT NOT NULL
) STRICT;
"#;

/// Live chat (src/chat/), migration 15 of an account database. A chat is a ticket (channel
/// `chat`) from its first message: the text lives in `messages`, and `chat_events` only
/// numbers what happened in the chat (the per-chat server sequence a visitor resumes from).
pub const CHAT: &str = r#"
-- One row: who may embed the widget (origins as a JSON array of "https://host[:port]"),
-- whether consent is required before a chat starts, and the widget's look.
CREATE TABLE chat_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    allowed_origins  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_origins)),
    consent_required INTEGER NOT NULL DEFAULT 1 CHECK (consent_required IN (0, 1)),
    theme_color      TEXT NOT NULL DEFAULT '#2457c5',
    position         TEXT NOT NULL DEFAULT 'right' CHECK (position IN ('left', 'right')),
    greeting         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(greeting)),
    updated_at       INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO chat_settings (id) VALUES (1);

-- The consent texts a visitor agrees to, per locale; a changed text is a new version and
-- the old ones stay, so every consent record names the exact words that were shown.
CREATE TABLE chat_consent_texts (
    locale     TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (locale, version)
) STRICT;
INSERT INTO chat_consent_texts (locale, version, text, created_at) VALUES
 ('en', 1, 'I agree that my name, email address, IP address and this conversation are stored to answer my request.', 0),
 ('de', 1, 'Ich bin einverstanden, dass mein Name, meine E-Mail-Adresse, meine IP-Adresse und dieses Gespräch gespeichert werden, um meine Anfrage zu beantworten.', 0),
 ('cs', 1, 'Souhlasím s uložením svého jména, e-mailové adresy, IP adresy a této konverzace za účelem vyřízení mého dotazu.', 0),
 ('pt', 1, 'Concordo que o meu nome, endereço de e-mail, endereço IP e esta conversa sejam guardados para responder ao meu pedido.', 0),
 ('lv', 1, 'Piekrītu, ka mans vārds, e-pasta adrese, IP adrese un šī saruna tiek saglabāta, lai atbildētu uz manu jautājumu.', 0);

-- A chat. `ticket_id` is NULL only between the commit that records the consent and the one
-- that makes the ticket (a start retried after a crash there finds the chat and goes on).
-- Only a SHA-256 of the visitor's resume token is stored.
CREATE TABLE chats (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER UNIQUE REFERENCES tickets(id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    visitor_id       TEXT NOT NULL,
    start_client_id  TEXT NOT NULL,
    resume_hash      BLOB NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'closed')),
    department_id    INTEGER REFERENCES departments(id) ON DELETE SET NULL,
    agent_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    locale           TEXT NOT NULL,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    visitor_read_seq INTEGER NOT NULL DEFAULT 0,
    agent_read_seq   INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    closed_at        INTEGER,
    UNIQUE (visitor_id, start_client_id)
) STRICT;
CREATE INDEX chats_status ON chats(status, created_at);
CREATE INDEX chats_contact ON chats(contact_id);

-- Everything that happened in a chat, numbered 1, 2, 3… per chat. A message's text is the
-- ticket's message (`message_id`); `client_id` makes a retried message a duplicate that is
-- acknowledged again instead of stored twice.
CREATE TABLE chat_events (
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    kind       TEXT NOT NULL CHECK (kind IN ('message', 'agent_joined', 'agent_left', 'closed')),
    side       TEXT NOT NULL CHECK (side IN ('visitor', 'agent', 'system')),
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    client_id  TEXT,
    at         INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX chat_events_client ON chat_events(chat_id, side, client_id)
    WHERE client_id IS NOT NULL;

-- Who agreed to which consent text, when, from which address (shown on the contact and in
-- their data export). Kept when the chat goes; goes with the contact.
CREATE TABLE chat_consents (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    chat_id    INTEGER REFERENCES chats(id) ON DELETE SET NULL,
    locale     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    given_at   INTEGER NOT NULL,
    ip         TEXT NOT NULL,
    FOREIGN KEY (locale, version) REFERENCES chat_consent_texts(locale, version)
) STRICT;
CREATE INDEX chat_consents_contact ON chat_consents(contact_id);

-- A merge of contacts moves their tickets; chats and consent records follow, so deleting
-- the merged contact does not take them along.
CREATE TRIGGER chats_follow_ticket_contact AFTER UPDATE OF contact_id ON tickets
WHEN new.contact_id IS NOT old.contact_id BEGIN
    UPDATE chats SET contact_id = new.contact_id WHERE ticket_id = new.id;
    UPDATE chat_consents SET contact_id = new.contact_id WHERE contact_id = old.contact_id;
END;
"#;

/// Chat routing (src/chat/routing/), migration 17 of an account database: how waiting
/// chats are offered to agents, the agents' presence and limits, invited agents, and
/// transfers as chat events.
pub const CHAT_ROUTING: &str = r#"
-- `least_busy` offers a waiting chat to the available agent with the fewest active chats,
-- `round_robin` to the one who was given a chat longest ago. Each agent answers at most
-- `agent_limit` chats at once (unless `chat_agents.max_chats` says otherwise for them); an
-- offer nobody takes within `offer_seconds` moves on to the next agent.
ALTER TABLE chat_settings ADD COLUMN routing TEXT NOT NULL DEFAULT 'least_busy'
    CHECK (routing IN ('least_busy', 'round_robin'));
ALTER TABLE chat_settings ADD COLUMN agent_limit INTEGER NOT NULL DEFAULT 3
    CHECK (agent_limit BETWEEN 1 AND 100);
ALTER TABLE chat_settings ADD COLUMN offer_seconds INTEGER NOT NULL DEFAULT 30
    CHECK (offer_seconds BETWEEN 5 AND 600);

-- An agent as the router knows them: the presence they chose (it counts only while one of
-- their consoles is connected), their own limit if any, and when they last took a chat.
CREATE TABLE chat_agents (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    presence         TEXT NOT NULL DEFAULT 'offline'
                     CHECK (presence IN ('online', 'away', 'offline')),
    max_chats        INTEGER CHECK (max_chats BETWEEN 0 AND 100),
    last_assigned_at INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Agents invited into a chat besides the one who answers it (`chats.agent_id`).
CREATE TABLE chat_participants (
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    invited_at INTEGER NOT NULL,
    joined_at  INTEGER,
    left_at    INTEGER,
    PRIMARY KEY (chat_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX chat_participants_user ON chat_participants(user_id) WHERE left_at IS NULL;

-- An agent's load is counted on every offer.
CREATE INDEX chats_agent_active ON chats(agent_id) WHERE status = 'active';

-- A transfer is an event of the chat too, and such events name where the chat went
-- (`detail`); SQLite changes a CHECK only by copying the table.
CREATE TABLE chat_events_next (
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    kind       TEXT NOT NULL CHECK (kind IN
                   ('message', 'agent_joined', 'agent_left', 'transferred', 'closed')),
    side       TEXT NOT NULL CHECK (side IN ('visitor', 'agent', 'system')),
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    client_id  TEXT,
    detail     TEXT,
    at         INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO chat_events_next (chat_id, seq, kind, side, user_id, message_id, client_id, at)
    SELECT chat_id, seq, kind, side, user_id, message_id, client_id, at FROM chat_events;
DROP TABLE chat_events;
ALTER TABLE chat_events_next RENAME TO chat_events;
CREATE UNIQUE INDEX chat_events_client ON chat_events(chat_id, side, client_id)
    WHERE client_id IS NOT NULL;
"#;
