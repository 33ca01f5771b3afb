//! Chat bans: client addresses, networks (CIDR) and widget visitor ids that may not start
//! or resume a chat, each permanent or until a time. Whoever is on duty may ban (abuse does
//! not wait for an admin); every ban made or lifted is in the account's audit log.
//!
//! A ban is checked on every chat start and resume, so `is_banned` is one index-bounded
//! read: the client's address is turned into every network that could contain it (its own
//! text, then `net/p` for each shorter prefix — 33 candidates for IPv4, 129 for IPv6) and
//! those are probed in the `(kind, value)` unique index, with the visitor id beside them.
//! That works because stored networks are canonical: host bits zero, single addresses
//! without `/32` or `/128`, IPv4-mapped IPv6 as IPv4 (as `http::client_ip` gives them).

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::connection::{CLOSE_POLICY, Outbox};
use super::protocol::error_text;
use crate::audit::{self, Actor};
use crate::clock::rfc3339;
use crate::http::client_ip::canonical;
use crate::store::{Database, StoreError};
use crate::tickets::{self, Viewer};

const MAX_REASON: usize = 500;
const MAX_VISITOR_ID: usize = 64;
const MAX_DAYS: i64 = 3650;
/// Networks wider than these would shut the chat for a large part of the internet; that is
/// a mistake far more often than an intent.
const WIDEST_V4: u8 = 8;
const WIDEST_V6: u8 = 16;
/// The close reason a banned client sees (the `error` frame before it says more).
pub const CLOSE_REASON: &str = "banned";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanKind {
    Ip,
    Visitor,
}

impl BanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BanKind::Ip => "ip",
            BanKind::Visitor => "visitor",
        }
    }

    fn parse(text: &str) -> Option<BanKind> {
        match text {
            "ip" => Some(BanKind::Ip),
            "visitor" => Some(BanKind::Visitor),
            _ => None,
        }
    }
}

/// A stored ban.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ban {
    pub id: i64,
    pub kind: BanKind,
    /// For `ip` an address or a CIDR network (canonical text); for `visitor` the id.
    pub value: String,
    pub reason: String,
    /// The user who made it (`None` once that user is deleted).
    pub created_by: Option<i64>,
    pub created_at: String,
    /// `None`: permanent.
    pub expires_at: Option<String>,
}

/// A ban as the API receives it. `expires_at` (RFC 3339) or `days` make it temporary.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBan {
    pub kind: String,
    pub value: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub days: Option<i64>,
}

/// What `ban_chat` banned: the chat's visitor id, and its address when one is known.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatBans {
    pub visitor: Ban,
    pub ip: Option<Ban>,
}

#[derive(Debug, thiserror::Error)]
pub enum BanError {
    /// Bad input; the message names the field and what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("{kind} `{value}` is already banned (ban {id}); delete that ban to change it")]
    Exists {
        id: i64,
        kind: &'static str,
        value: String,
    },
    #[error("no such ban")]
    NotFound,
    #[error("no chat with this id")]
    ChatNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BanError {
    fn from(e: rusqlite::Error) -> Self {
        BanError::Store(StoreError::Sql(e))
    }
}

fn invalid(message: impl Into<String>) -> BanError {
    BanError::Invalid(message.into())
}

/// An address or network as stored: canonical text, or why it is not one.
pub fn normalize_ip(text: &str) -> Result<String, BanError> {
    let text = text.trim();
    let net = if text.contains('/') {
        text.parse::<IpNet>().map_err(|_| {
            invalid(format!(
                "`{text}` is not an IP network in CIDR form (e.g. 203.0.113.0/24, 2001:db8::/48)"
            ))
        })?
    } else {
        let ip = text.parse::<IpAddr>().map_err(|_| {
            invalid(format!(
                "`{text}` is not an IP address (e.g. 203.0.113.9, 2001:db8::1)"
            ))
        })?;
        IpNet::from(ip)
    };
    let net = unmap(net);
    if net.trunc() != net {
        return Err(invalid(format!(
            "`{text}` has bits set after the prefix; the network is {}",
            net.trunc()
        )));
    }
    let widest = match net {
        IpNet::V4(_) => WIDEST_V4,
        IpNet::V6(_) => WIDEST_V6,
    };
    if net.prefix_len() < widest {
        return Err(invalid(format!(
            "`{text}` is wider than /{widest}; ban smaller networks"
        )));
    }
    Ok(text_of(net))
}

/// `::ffff:a.b.c.d` (and such networks of /96 or longer) as IPv4, the form clients arrive in.
fn unmap(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

/// A network's stored text: a single address without its prefix.
fn text_of(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// Every stored value that would ban `ip`: the address itself and each network around it.
pub fn candidates(ip: IpAddr) -> Vec<String> {
    let ip = canonical(ip);
    let max = match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let mut out = Vec::with_capacity(usize::from(max) + 1);
    out.push(ip.to_string());
    for prefix in (0..max).rev() {
        if let Ok(net) = IpNet::new(ip, prefix) {
            out.push(net.trunc().to_string());
        }
    }
    out
}

/// Does a stored ban value match this address? (What the index probe finds, said directly;
/// the tests hold the two together.)
pub fn matches(value: &str, ip: IpAddr) -> bool {
    let ip = canonical(ip);
    let net = if value.contains('/') {
        value.parse::<IpNet>().ok()
    } else {
        value.parse::<IpAddr>().ok().map(IpNet::from)
    };
    net.is_some_and(|net| net.contains(&ip))
}

fn visitor_id(text: &str) -> Result<String, BanError> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.len() <= MAX_VISITOR_ID
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(text.to_string())
    } else {
        Err(invalid(format!(
            "a visitor id is 1 to {MAX_VISITOR_ID} characters of A-Z, a-z, 0-9, _ and -"
        )))
    }
}

fn reason(text: Option<String>) -> Result<String, BanError> {
    let text = text.unwrap_or_default().trim().to_string();
    if text.chars().count() > MAX_REASON {
        return Err(invalid(format!(
            "`reason` must be at most {MAX_REASON} characters"
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("`reason` may not hold control characters"));
    }
    Ok(text)
}

fn expiry(now: i64, at: Option<&str>, days: Option<i64>) -> Result<Option<i64>, BanError> {
    let until = match (at, days) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "give `expires_at` or `days`, not both (neither: permanent)",
            ));
        }
        (None, None) => return Ok(None),
        (None, Some(days)) if (1..=MAX_DAYS).contains(&days) => now + days * 86_400,
        (None, Some(_)) => {
            return Err(invalid(format!(
                "`days` must be 1 to {MAX_DAYS} (leave it out for a permanent ban)"
            )));
        }
        (Some(text), None) => OffsetDateTime::parse(text.trim(), &Rfc3339)
            .map_err(|_| {
                invalid(format!(
                    "`expires_at` must be an RFC 3339 time like 2030-01-31T12:00:00Z, not `{text}`"
                ))
            })?
            .unix_timestamp(),
    };
    future(now, until).map(Some)
}

fn future(now: i64, until: i64) -> Result<i64, BanError> {
    if until > now {
        Ok(until)
    } else {
        Err(invalid("`expires_at` must be in the future"))
    }
}

/// A validated ban, ready to store.
#[derive(Debug, Clone, PartialEq)]
struct Checked {
    kind: BanKind,
    value: String,
    reason: String,
    expires_at: Option<i64>,
}

fn check(now: i64, new: NewBan) -> Result<Checked, BanError> {
    let kind = BanKind::parse(new.kind.trim())
        .ok_or_else(|| invalid("`kind` is `ip` (an address or CIDR network) or `visitor`"))?;
    let value = match kind {
        BanKind::Ip => normalize_ip(&new.value)?,
        BanKind::Visitor => visitor_id(&new.value)?,
    };
    Ok(Checked {
        kind,
        value,
        reason: reason(new.reason)?,
        expires_at: expiry(now, new.expires_at.as_deref(), new.days)?,
    })
}

const COLUMNS: &str = "id, kind, value, reason, created_by, created_at, expires_at";

fn ban_of(row: &Row<'_>) -> rusqlite::Result<Ban> {
    let kind: String = row.get(1)?;
    Ok(Ban {
        id: row.get(0)?,
        kind: BanKind::parse(&kind).unwrap_or(BanKind::Ip),
        value: row.get(2)?,
        reason: row.get(3)?,
        created_by: row.get(4)?,
        created_at: rfc3339(row.get(5)?),
        expires_at: row.get::<_, Option<i64>>(6)?.map(rfc3339),
    })
}

fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Ban>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM chat_bans WHERE id = ?1"))?
        .query_row([id], ban_of)
        .optional()
}

/// Expired bans hold client addresses nobody needs any more: each new ban sweeps them.
fn sweep_expired(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM chat_bans WHERE expires_at IS NOT NULL AND expires_at <= ?1")?
        .execute([now])?;
    Ok(())
}

fn audit_detail(ban: &Ban, chat: Option<i64>) -> String {
    let mut detail = format!("{} {}", ban.kind.as_str(), ban.value);
    if let Some(until) = &ban.expires_at {
        detail.push_str(&format!(" until {until}"));
    }
    if let Some(chat) = chat {
        detail.push_str(&format!(" chat:{chat}"));
    }
    if !ban.reason.is_empty() {
        detail.push_str(&format!(" reason: {}", ban.reason));
    }
    detail
}

/// Bans an address, network or visitor id. An active ban of the same value is a conflict
/// (delete it to change it); an expired one is replaced.
pub async fn create(db: &Database, now: i64, actor: &Actor, new: NewBan) -> Result<Ban, BanError> {
    let checked = check(now, new)?;
    let actor = actor.clone();
    db.write(move |conn| -> Result<Ban, BanError> {
        sweep_expired(conn, now)?;
        let existing: Option<i64> = conn
            .prepare_cached("SELECT id FROM chat_bans WHERE kind = ?1 AND value = ?2")?
            .query_row(params![checked.kind.as_str(), checked.value], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Err(BanError::Exists {
                id,
                kind: checked.kind.as_str(),
                value: checked.value,
            });
        }
        let ban = insert(conn, now, &actor, &checked)?;
        let detail = audit_detail(&ban, None);
        let target = format!("chat_ban:{}", ban.id);
        audit::record(
            conn,
            &actor.entry(now, "chat.ban_created", &target, &detail),
        )?;
        Ok(ban)
    })
    .await
}

/// Inserts, or gives an existing ban of the same value the new terms (`ban_chat`: the
/// agent's latest decision about this visitor is the one that holds).
fn insert(conn: &Connection, now: i64, actor: &Actor, ban: &Checked) -> rusqlite::Result<Ban> {
    conn.prepare_cached(&format!(
        "INSERT INTO chat_bans (kind, value, reason, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason,
             created_by = excluded.created_by, created_at = excluded.created_at,
             expires_at = excluded.expires_at
         RETURNING {COLUMNS}"
    ))?
    .query_row(
        params![
            ban.kind.as_str(),
            ban.value,
            ban.reason,
            actor.id,
            now,
            ban.expires_at
        ],
        ban_of,
    )
}

/// Bans in force, newest first.
pub async fn list(db: &Database, now: i64) -> Result<Vec<Ban>, BanError> {
    db.read(move |conn| -> Result<Vec<Ban>, BanError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM chat_bans WHERE expires_at IS NULL OR expires_at > ?1
             ORDER BY created_at DESC, id DESC"
        ))?;
        let bans = stmt.query_map([now], ban_of)?.collect::<Result<_, _>>()?;
        Ok(bans)
    })
    .await
}

/// Lifts a ban (an expired one too, while it is still stored).
pub async fn delete(db: &Database, now: i64, actor: &Actor, id: i64) -> Result<(), BanError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<(), BanError> {
        let ban = by_id(conn, id)?.ok_or(BanError::NotFound)?;
        conn.prepare_cached("DELETE FROM chat_bans WHERE id = ?1")?
            .execute([id])?;
        let detail = audit_detail(&ban, None);
        let target = format!("chat_ban:{id}");
        audit::record(
            conn,
            &actor.entry(now, "chat.ban_deleted", &target, &detail),
        )?;
        Ok(())
    })
    .await
}

/// The ban in force against this client, if any: its address (`ip`, as the socket saw it)
/// or its visitor id. One read on the calling thread, bounded by the unique index.
pub async fn is_banned(
    db: &Database,
    now: i64,
    ip: &str,
    visitor: Option<&str>,
) -> Result<Option<Ban>, BanError> {
    let addresses = match ip.parse::<IpAddr>() {
        Ok(ip) => candidates(ip),
        Err(_) => vec![ip.to_string()],
    };
    let addresses = serde_json::to_string(&addresses).unwrap_or_else(|_| "[]".into());
    db.read_now(|conn| -> Result<Option<Ban>, BanError> {
        let ban = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM chat_bans
                 WHERE kind = 'visitor' AND value = ?2 AND (expires_at IS NULL OR expires_at > ?3)
                 UNION ALL
                 SELECT {COLUMNS} FROM chat_bans
                 WHERE kind = 'ip' AND value IN (SELECT value FROM json_each(?1))
                   AND (expires_at IS NULL OR expires_at > ?3)
                 LIMIT 1"
            ))?
            .query_row(params![addresses, visitor, now], ban_of)
            .optional()?;
        Ok(ban)
    })
    .await
}

/// What a banned client is told (the reason is the agents' note and stays with them).
pub fn refusal(ban: &Ban) -> String {
    match &ban.expires_at {
        Some(until) => format!("you may not use this chat until {until}"),
        None => "you may not use this chat".to_string(),
    }
}

/// Tells a banned client why, and closes the connection as a policy violation.
pub(super) async fn turn_away(out: &mut Outbox, ban: &Ban) {
    let _ = out.say(error_text("banned", &refusal(ban))).await;
    out.close(CLOSE_POLICY, CLOSE_REASON).await;
}

/// For the visitor socket's `start` and `resume`: `true` when a ban matches, after the
/// client was told and the connection closed. A ban list that cannot be read does not stop
/// chats (logged): the start or resume meets the same database next and answers for it.
pub(super) async fn turned_away(
    out: &mut Outbox,
    db: &Database,
    now: i64,
    ip: &str,
    visitor: Option<&str>,
) -> bool {
    match is_banned(db, now, ip, visitor).await {
        Ok(None) => false,
        Ok(Some(ban)) => {
            tracing::info!(ban = ban.id, "banned chat client turned away");
            turn_away(out, &ban).await;
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "chat bans could not be read");
            false
        }
    }
}

/// `note_start_ip` off the visitor's path: a failure loses only what `ban_chat` could ban
/// by address for this chat (it falls back to the consent record), so it is logged, no more.
pub(super) fn remember_start_ip(db: Arc<Database>, chat: i64, ip: String) {
    tokio::spawn(async move {
        if let Err(e) = note_start_ip(&db, chat, ip).await {
            tracing::warn!(error = %e, chat, "the chat's start address was not recorded");
        }
    });
}

/// Records the address a chat started from, for `ban_chat` (a retried start overwrites).
pub async fn note_start_ip(db: &Database, chat: i64, ip: String) -> Result<(), BanError> {
    db.write(move |conn| -> Result<(), BanError> {
        conn.prepare_cached(
            "INSERT INTO chat_start_ips (chat_id, ip) VALUES (?1, ?2)
             ON CONFLICT (chat_id) DO UPDATE SET ip = excluded.ip",
        )?
        .execute(params![chat, ip])?;
        Ok(())
    })
    .await
}

/// "Ban this visitor" from the console: bans chat `chat_id`'s visitor id and the address it
/// started from (from `chat_start_ips`, else its consent record; none known: the visitor id
/// only). `viewer` must be allowed to see the chat's ticket. Existing bans of the same
/// values take the new terms. `expires_at` is unix seconds (`None`: permanent).
pub async fn ban_chat(
    db: &Database,
    now: i64,
    viewer: Viewer,
    actor: &Actor,
    chat_id: i64,
    reason: Option<String>,
    expires_at: Option<i64>,
) -> Result<ChatBans, BanError> {
    let reason = self::reason(reason)?;
    let expires_at = expires_at.map(|t| future(now, t)).transpose()?;
    let actor = actor.clone();
    db.write(move |conn| -> Result<ChatBans, BanError> {
        let chat: Option<(String, Option<i64>)> = conn
            .prepare_cached("SELECT visitor_id, ticket_id FROM chats WHERE id = ?1")?
            .query_row([chat_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((visitor, ticket)) = chat else {
            return Err(BanError::ChatNotFound);
        };
        // An agent limited to their departments bans only in chats they could open.
        let visible = match ticket {
            Some(ticket) => tickets::visible(conn, viewer, ticket)?,
            None => !tickets::restricted(conn, viewer)?,
        };
        if !visible {
            return Err(BanError::ChatNotFound);
        }
        let ip: Option<String> = conn
            .prepare_cached(
                "SELECT ip FROM chat_start_ips WHERE chat_id = ?1
                 UNION ALL
                 SELECT ip FROM (SELECT ip FROM chat_consents WHERE chat_id = ?1
                                 ORDER BY id DESC LIMIT 1)
                 LIMIT 1",
            )?
            .query_row([chat_id], |r| r.get(0))
            .optional()?;
        let ip = ip.and_then(|ip| normalize_ip(&ip).ok());
        let terms = |kind, value| Checked {
            kind,
            value,
            reason: reason.clone(),
            expires_at,
        };
        let mut banned = Vec::new();
        for checked in std::iter::once(terms(BanKind::Visitor, visitor))
            .chain(ip.map(|ip| terms(BanKind::Ip, ip)))
        {
            let ban = insert(conn, now, &actor, &checked)?;
            let detail = audit_detail(&ban, Some(chat_id));
            let target = format!("chat_ban:{}", ban.id);
            audit::record(
                conn,
                &actor.entry(now, "chat.ban_created", &target, &detail),
            )?;
            banned.push(ban);
        }
        let mut banned = banned.into_iter();
        let visitor = banned.next().ok_or(BanError::ChatNotFound)?;
        Ok(ChatBans {
            visitor,
            ip: banned.next(),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::{Role, account_with_agent};
    use crate::chat::settings;
    use crate::chat::store::{self, StartForm, Visitor};

    const NOW: i64 = 1_700_000_000;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn actor(id: i64) -> Actor {
        Actor {
            id: Some(id),
            name: "a@x.example".into(),
            ip: "192.0.2.1".into(),
        }
    }

    fn new(kind: &str, value: &str) -> NewBan {
        NewBan {
            kind: kind.into(),
            value: value.into(),
            ..NewBan::default()
        }
    }

    fn message(e: BanError) -> String {
        match e {
            BanError::Invalid(m) => m,
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn addresses_and_networks_are_stored_in_one_canonical_form() {
        for (input, stored) in [
            ("203.0.113.9", "203.0.113.9"),
            (" 203.0.113.9/32 ", "203.0.113.9"),
            ("203.0.113.0/24", "203.0.113.0/24"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("2001:db8:0::/48", "2001:db8::/48"),
            ("2001:db8::1/128", "2001:db8::1"),
            ("::ffff:198.51.100.7", "198.51.100.7"),
            ("::ffff:198.51.100.0/120", "198.51.100.0/24"),
        ] {
            assert_eq!(normalize_ip(input).unwrap(), stored, "{input}");
        }
    }

    #[test]
    fn bad_addresses_are_refused_with_what_to_fix() {
        assert!(message(normalize_ip("203.0.113.77/24").unwrap_err()).contains("203.0.113.0/24"));
        assert!(message(normalize_ip("2001:db8::1/48").unwrap_err()).contains("2001:db8::/48"));
        assert!(message(normalize_ip("203.0.113").unwrap_err()).contains("not an IP address"));
        assert!(message(normalize_ip("203.0.113.0/33").unwrap_err()).contains("CIDR"));
        assert!(message(normalize_ip("example.com").unwrap_err()).contains("not an IP address"));
        assert!(message(normalize_ip("").unwrap_err()).contains("not an IP address"));
        assert!(message(normalize_ip("0.0.0.0/0").unwrap_err()).contains("wider than /8"));
        assert!(message(normalize_ip("2000::/3").unwrap_err()).contains("wider than /16"));
        assert!(normalize_ip("10.0.0.0/8").is_ok() && normalize_ip("2001::/16").is_ok());
    }

    #[test]
    fn the_index_probe_finds_exactly_the_networks_that_contain_the_address() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.200", true),
            ("203.0.113.0/24", "203.0.114.1", false),
            ("203.0.113.128/25", "203.0.113.127", false),
            ("203.0.113.128/25", "203.0.113.128", true),
            ("203.0.113.9", "203.0.113.9", true),
            ("203.0.113.9", "203.0.113.10", false),
            ("10.0.0.0/8", "10.255.255.255", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("198.51.100.0/24", "::ffff:198.51.100.5", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            (
                "2001:db8:1:2::/64",
                "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
                true,
            ),
            ("2001:db8:1:2::/64", "2001:db8:1:3::1", false),
            ("2001:db8::1", "2001:db8::1", true),
            ("2001:db8::1", "2001:db8::2", false),
            ("203.0.113.0/24", "2001:db8::1", false),
            ("2001:db8::/32", "203.0.113.1", false),
        ];
        for (value, address, banned) in cases {
            let value = normalize_ip(value).unwrap();
            let address = ip(address);
            assert_eq!(matches(&value, address), banned, "{value} ∋ {address}");
            assert_eq!(
                candidates(address).contains(&value),
                banned,
                "{value} among the probes of {address}"
            );
        }
        assert_eq!(candidates(ip("203.0.113.9")).len(), 33);
        assert_eq!(candidates(ip("2001:db8::1")).len(), 129);
    }

    #[test]
    fn expiry_is_permanent_a_time_or_days_and_always_in_the_future() {
        assert_eq!(expiry(NOW, None, None).unwrap(), None);
        assert_eq!(expiry(NOW, None, Some(2)).unwrap(), Some(NOW + 2 * 86_400));
        let at = rfc3339(NOW + 3600);
        assert_eq!(expiry(NOW, Some(&at), None).unwrap(), Some(NOW + 3600));
        assert!(message(expiry(NOW, Some(&at), Some(1)).unwrap_err()).contains("not both"));
        assert!(message(expiry(NOW, None, Some(0)).unwrap_err()).contains("`days`"));
        assert!(message(expiry(NOW, None, Some(100_000)).unwrap_err()).contains("`days`"));
        let past = rfc3339(NOW - 1);
        assert!(message(expiry(NOW, Some(&past), None).unwrap_err()).contains("future"));
        assert!(message(expiry(NOW, Some("tomorrow"), None).unwrap_err()).contains("RFC 3339"));
    }

    #[test]
    fn kinds_visitor_ids_and_reasons_are_checked() {
        assert!(message(check(NOW, new("email", "x")).unwrap_err()).contains("`kind`"));
        assert!(message(check(NOW, new("visitor", "a b")).unwrap_err()).contains("visitor id"));
        assert!(message(check(NOW, new("visitor", &"v".repeat(65))).unwrap_err()).contains("64"));
        let mut long = new("visitor", "v1");
        long.reason = Some("x".repeat(MAX_REASON + 1));
        assert!(message(check(NOW, long).unwrap_err()).contains("`reason`"));
        let ok = check(NOW, new("visitor", " v-1_a ")).unwrap();
        assert_eq!((ok.kind, ok.value.as_str()), (BanKind::Visitor, "v-1_a"));
    }

    async fn audited(db: &Database, action: &'static str) -> i64 {
        db.read(move |c| -> Result<i64, StoreError> {
            Ok(c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = ?1",
                [action],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn bans_match_until_they_expire_or_are_deleted_and_each_change_is_audited() {
        let (_dir, db, agent) = account_with_agent().await;
        let by = actor(agent.id);
        assert_eq!(
            is_banned(&db, NOW, "203.0.113.9", Some("v1"))
                .await
                .unwrap(),
            None
        );

        let mut net = new("ip", "203.0.113.0/24");
        net.reason = Some("spam links".into());
        net.days = Some(1);
        let net = create(&db, NOW, &by, net).await.unwrap();
        assert_eq!(net.expires_at, Some(rfc3339(NOW + 86_400)));
        assert_eq!(net.created_by, Some(agent.id));
        let visitor = create(&db, NOW, &by, new("visitor", "v1")).await.unwrap();
        let v6 = create(&db, NOW, &by, new("ip", "2001:db8::/32"))
            .await
            .unwrap();

        let found = is_banned(&db, NOW, "203.0.113.77", None).await.unwrap();
        assert_eq!(found.map(|b| b.id), Some(net.id));
        let found = is_banned(&db, NOW, "198.51.100.1", Some("v1"))
            .await
            .unwrap();
        assert_eq!(found.map(|b| b.id), Some(visitor.id));
        let found = is_banned(&db, NOW, "2001:db8:5::9", Some("v2"))
            .await
            .unwrap();
        assert_eq!(found.map(|b| b.id), Some(v6.id));
        assert_eq!(
            is_banned(&db, NOW, "198.51.100.1", Some("v2"))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            is_banned(&db, NOW, "not an address", None).await.unwrap(),
            None
        );

        // The same value twice is a conflict naming the ban in force.
        let again = create(&db, NOW, &by, new("ip", "203.0.113.0/24")).await;
        assert!(
            matches!(again, Err(BanError::Exists { id, .. }) if id == net.id),
            "{again:?}"
        );

        // A day later the network ban no longer counts, is not listed, and may be made again.
        let later = NOW + 86_400;
        assert_eq!(
            is_banned(&db, later, "203.0.113.77", None).await.unwrap(),
            None
        );
        let listed: Vec<i64> = list(&db, later)
            .await
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(listed, vec![v6.id, visitor.id]);
        let renewed = create(&db, later, &by, new("ip", "203.0.113.0/24"))
            .await
            .unwrap();
        assert_ne!(renewed.id, net.id);
        assert_eq!(renewed.expires_at, None);

        delete(&db, later, &by, visitor.id).await.unwrap();
        assert_eq!(
            is_banned(&db, later, "198.51.100.1", Some("v1"))
                .await
                .unwrap(),
            None
        );
        assert!(matches!(
            delete(&db, later, &by, visitor.id).await,
            Err(BanError::NotFound)
        ));
        assert_eq!(audited(&db, "chat.ban_created").await, 4);
        assert_eq!(audited(&db, "chat.ban_deleted").await, 1);
        assert!(matches!(
            crate::audit::verify(&db).await.unwrap(),
            crate::audit::Verdict::Intact { .. }
        ));
    }

    fn form(client_id: &str, department_id: Option<i64>) -> StartForm {
        StartForm {
            name: "Vera".into(),
            email: "vera@visitor.example".into(),
            message: "Buy cheap watches".into(),
            client_id: client_id.into(),
            consent: true,
            consent_version: None,
            locale: "en".into(),
            department_id,
        }
    }

    async fn start(db: &Database, visitor: &str, ip: &str, department: Option<i64>) -> i64 {
        let settings = settings::load(db).await.unwrap();
        let who = Visitor {
            id: visitor.into(),
            ip: ip.into(),
        };
        let started = store::start(
            db,
            NOW,
            "acme",
            &settings,
            &who,
            form("m1", department),
            None,
        )
        .await
        .unwrap();
        started.chat
    }

    #[tokio::test]
    async fn ban_chat_bans_the_visitor_and_the_address_the_chat_started_from() {
        let (_dir, db, agent) = account_with_agent().await;
        let viewer = Viewer::of(&agent);
        let by = actor(agent.id);
        // The address noted at the start wins over the consent record's.
        let chat = start(&db, "visitor-a", "203.0.113.9", None).await;
        note_start_ip(&db, chat, "198.51.100.20".into())
            .await
            .unwrap();
        let until = NOW + 3600;
        let banned = ban_chat(
            &db,
            NOW,
            viewer,
            &by,
            chat,
            Some("abuse".into()),
            Some(until),
        )
        .await
        .unwrap();
        assert_eq!(
            (banned.visitor.kind, banned.visitor.value.as_str()),
            (BanKind::Visitor, "visitor-a")
        );
        let ip = banned.ip.unwrap();
        assert_eq!((ip.kind, ip.value.as_str()), (BanKind::Ip, "198.51.100.20"));
        assert_eq!(ip.expires_at, Some(rfc3339(until)));
        assert!(
            is_banned(&db, NOW, "192.0.2.50", Some("visitor-a"))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            is_banned(&db, NOW, "198.51.100.20", Some("other"))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            is_banned(&db, until, "198.51.100.20", Some("visitor-a"))
                .await
                .unwrap()
                .is_none()
        );

        // Without a noted address, the consent record's; banning again takes the new terms.
        let chat = start(&db, "visitor-b", "192.0.2.77", None).await;
        let banned = ban_chat(&db, NOW, viewer, &by, chat, None, None)
            .await
            .unwrap();
        assert_eq!(banned.ip.map(|b| b.value), Some("192.0.2.77".to_string()));
        let again = ban_chat(&db, NOW + 5, viewer, &by, chat, Some("still".into()), None)
            .await
            .unwrap();
        assert_eq!(
            (again.visitor.id, again.visitor.reason.as_str()),
            (banned.visitor.id, "still")
        );
        assert_eq!(audited(&db, "chat.ban_created").await, 6);

        assert!(matches!(
            ban_chat(&db, NOW, viewer, &by, 999, None, None).await,
            Err(BanError::ChatNotFound)
        ));
        assert!(matches!(
            ban_chat(&db, NOW, viewer, &by, chat, None, Some(NOW)).await,
            Err(BanError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn an_agent_restricted_to_departments_bans_only_in_chats_they_see() {
        let (_dir, db, agent) = account_with_agent().await;
        let member = agent.id;
        db.write(move |c| -> Result<(), StoreError> {
            c.execute_batch(
                "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');
                 INSERT INTO settings (key, value, changed_at)
                 VALUES ('tickets.departments_restricted', 'true', 0);",
            )?;
            c.execute(
                "INSERT INTO department_members (department_id, user_id) VALUES (1, ?1)",
                [member],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let by = actor(agent.id);
        let theirs = start(&db, "visitor-s", "192.0.2.1", Some(1)).await;
        let other = start(&db, "visitor-t", "192.0.2.2", Some(2)).await;
        let viewer = Viewer::of(&agent);
        assert!(
            ban_chat(&db, NOW, viewer, &by, theirs, None, None)
                .await
                .is_ok()
        );
        assert!(matches!(
            ban_chat(&db, NOW, viewer, &by, other, None, None).await,
            Err(BanError::ChatNotFound)
        ));
        let admin = Viewer {
            user_id: agent.id,
            role: Role::Admin,
        };
        assert!(
            ban_chat(&db, NOW, admin, &by, other, None, None)
                .await
                .is_ok()
        );
    }
}
