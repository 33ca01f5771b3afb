//! An account's chat settings: which web origins may embed the widget, whether consent is
//! required before a chat starts, the consent texts (per locale, versioned), and the look.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::ChatError;
use crate::audit::Actor;
use crate::store::Database;

/// The widget's languages; a visitor's other languages get English.
pub const LOCALES: &[&str] = &["en", "de", "cs", "pt", "lv"];
const MAX_ORIGINS: usize = 100;
const MAX_CONSENT_TEXT: usize = 2000;
const MAX_GREETING: usize = 300;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConsentText {
    pub version: i64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatSettings {
    /// `scheme://host[:port]`, lower case, no path: the pages allowed to embed the widget.
    pub allowed_origins: Vec<String>,
    pub consent_required: bool,
    pub theme_color: String,
    /// `left` or `right`: the corner the chat button sits in.
    pub position: String,
    /// A greeting per locale (may be empty).
    pub greeting: BTreeMap<String, String>,
    /// The current (newest) consent text per locale.
    pub consent: BTreeMap<String, ConsentText>,
    /// How waiting chats are offered: `least_busy` or `round_robin`.
    pub routing: String,
    /// The most chats an agent answers at once (an agent's own limit may differ).
    pub agent_limit: i64,
    /// How long an offer waits for the agent before it moves on.
    pub offer_seconds: i64,
}

/// A change of the settings; absent fields stay. A consent text that differs from the
/// current one becomes that locale's next version.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettingsPatch {
    pub allowed_origins: Option<Vec<String>>,
    pub consent_required: Option<bool>,
    pub theme_color: Option<String>,
    pub position: Option<String>,
    pub greeting: Option<BTreeMap<String, String>>,
    pub consent_texts: Option<BTreeMap<String, String>>,
    pub routing: Option<String>,
    pub agent_limit: Option<i64>,
    pub offer_seconds: Option<i64>,
}

pub const ROUTINGS: &[&str] = &["least_busy", "round_robin"];
pub const AGENT_LIMITS: std::ops::RangeInclusive<i64> = 1..=100;
pub const OFFER_SECONDS: std::ops::RangeInclusive<i64> = 5..=600;

/// The language of `requested` the widget speaks (`de-AT` → `de`), English otherwise.
pub fn locale(requested: &str) -> &'static str {
    let primary = requested
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LOCALES
        .iter()
        .find(|l| **l == primary)
        .copied()
        .unwrap_or("en")
}

/// `Origin` as browsers send it, normalized: lower case, no trailing slash, no default port.
pub fn normalize_origin(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = text.split_once("://")?;
    if !(scheme == "https" || scheme == "http") || rest.is_empty() {
        return None;
    }
    if rest
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
    {
        return None;
    }
    let rest = match (scheme, rest.strip_suffix(":443"), rest.strip_suffix(":80")) {
        ("https", Some(host), _) | ("http", _, Some(host)) => host,
        _ => rest,
    };
    Some(format!("{scheme}://{rest}"))
}

impl ChatSettings {
    /// May a page of `origin` use the chat? Those listed may, and so may the helpdesk's own
    /// pages (`own_host`, the host the request addressed).
    pub fn allows_origin(&self, origin: &str, own_host: &str) -> bool {
        let Some(origin) = normalize_origin(origin) else {
            return false;
        };
        let own = normalize_origin(&format!("https://{own_host}"));
        own.as_deref() == Some(origin.as_str()) || self.allowed_origins.contains(&origin)
    }

    /// The current consent text for a locale (English when the locale has none).
    pub fn consent_for(&self, locale: &str) -> Option<(&str, &ConsentText)> {
        self.consent
            .get_key_value(locale)
            .or_else(|| self.consent.get_key_value("en"))
            .map(|(l, t)| (l.as_str(), t))
    }
}

pub async fn load(db: &Database) -> Result<ChatSettings, ChatError> {
    db.read_now(read).await
}

pub(crate) fn read(conn: &Connection) -> Result<ChatSettings, ChatError> {
    let (origins, required, color, position, greeting): (String, i64, String, String, String) =
        conn.prepare_cached(
            "SELECT allowed_origins, consent_required, theme_color, position, greeting
             FROM chat_settings WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let (routing, agent_limit, offer_seconds) = routing_of(conn)?;
    let mut consent = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT locale, version, text FROM chat_consent_texts t
         WHERE version = (SELECT max(version) FROM chat_consent_texts WHERE locale = t.locale)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            ConsentText {
                version: r.get(1)?,
                text: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (locale, text) = row?;
        consent.insert(locale, text);
    }
    Ok(ChatSettings {
        allowed_origins: serde_json::from_str(&origins).unwrap_or_default(),
        consent_required: required != 0,
        theme_color: color,
        position,
        greeting: serde_json::from_str(&greeting).unwrap_or_default(),
        consent,
        routing,
        agent_limit,
        offer_seconds,
    })
}

/// The routing settings alone (the router reads them on every pass).
pub(crate) fn routing_of(conn: &Connection) -> Result<(String, i64, i64), rusqlite::Error> {
    conn.prepare_cached(
        "SELECT routing, agent_limit, offer_seconds FROM chat_settings WHERE id = 1",
    )?
    .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

fn in_range(
    field: &str,
    value: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, ChatError> {
    match value {
        Some(v) if !range.contains(&v) => Err(invalid(format!(
            "`{field}` must be between {} and {}",
            range.start(),
            range.end()
        ))),
        other => Ok(other),
    }
}

/// Is (locale, version) a consent text this account has shown?
pub(crate) fn consent_exists(
    conn: &Connection,
    locale: &str,
    version: i64,
) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("SELECT 1 FROM chat_consent_texts WHERE locale = ?1 AND version = ?2")?
        .query_row(params![locale, version], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

fn invalid(message: impl Into<String>) -> ChatError {
    ChatError::Invalid("invalid_settings", message.into())
}

fn color(text: &str) -> Result<String, ChatError> {
    let ok = text.len() == 7
        && text.starts_with('#')
        && text[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(invalid("`theme_color` must be a colour like #2457c5"))
    }
}

fn per_locale(
    field: &str,
    map: &BTreeMap<String, String>,
    max: usize,
) -> Result<BTreeMap<String, String>, ChatError> {
    let mut out = BTreeMap::new();
    for (locale, text) in map {
        if !LOCALES.contains(&locale.as_str()) {
            return Err(invalid(format!(
                "`{field}` has unknown locale `{locale}`; known: {}",
                LOCALES.join(", ")
            )));
        }
        let text = text.trim();
        if text.chars().count() > max {
            return Err(invalid(format!(
                "`{field}.{locale}` must be at most {max} characters"
            )));
        }
        out.insert(locale.clone(), text.to_string());
    }
    Ok(out)
}

/// What a patch changes, for the audit log: the field names (and the routing values;
/// origins and texts are in the settings themselves).
fn changed_fields(patch: &SettingsPatch) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut name = |present: bool, field: &str| {
        if present {
            said.push(field.to_string());
        }
    };
    name(patch.allowed_origins.is_some(), "allowed_origins");
    name(patch.consent_required.is_some(), "consent_required");
    name(patch.theme_color.is_some(), "theme_color");
    name(patch.position.is_some(), "position");
    name(patch.greeting.is_some(), "greeting");
    name(patch.consent_texts.is_some(), "consent_texts");
    if let Some(routing) = &patch.routing {
        said.push(format!("routing={routing}"));
    }
    if let Some(limit) = patch.agent_limit {
        said.push(format!("agent_limit={limit}"));
    }
    if let Some(seconds) = patch.offer_seconds {
        said.push(format!("offer_seconds={seconds}"));
    }
    said.join(" ")
}

/// Applies a patch, with an audit entry, and returns the settings as they are now.
pub async fn update(
    db: &Database,
    now: i64,
    actor: &Actor,
    patch: SettingsPatch,
) -> Result<ChatSettings, ChatError> {
    let detail = changed_fields(&patch);
    let actor = actor.clone();
    let origins = match &patch.allowed_origins {
        None => None,
        Some(list) if list.len() > MAX_ORIGINS => {
            return Err(invalid(format!("at most {MAX_ORIGINS} allowed origins")));
        }
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for origin in list {
                let normal = normalize_origin(origin).ok_or_else(|| {
                    invalid(format!(
                        "`{origin}` is not an origin like https://www.example.com (no path)"
                    ))
                })?;
                if !out.contains(&normal) {
                    out.push(normal);
                }
            }
            Some(serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()))
        }
    };
    let theme = patch.theme_color.as_deref().map(color).transpose()?;
    let position = match patch.position.as_deref() {
        None => None,
        Some(p @ ("left" | "right")) => Some(p.to_string()),
        Some(_) => return Err(invalid("`position` is `left` or `right`")),
    };
    let greeting = patch
        .greeting
        .as_ref()
        .map(|g| per_locale("greeting", g, MAX_GREETING))
        .transpose()?
        .map(|g| serde_json::to_string(&g).unwrap_or_else(|_| "{}".into()));
    let consent_texts = patch
        .consent_texts
        .as_ref()
        .map(|c| per_locale("consent_texts", c, MAX_CONSENT_TEXT))
        .transpose()?;
    if consent_texts
        .as_ref()
        .is_some_and(|c| c.values().any(String::is_empty))
    {
        return Err(invalid("a consent text cannot be empty"));
    }
    let required = patch.consent_required.map(i64::from);
    if let Some(routing) = patch.routing.as_deref() {
        if !ROUTINGS.contains(&routing) {
            return Err(invalid(format!(
                "`routing` is one of {}",
                ROUTINGS.join(", ")
            )));
        }
    }
    let routing = patch.routing;
    let agent_limit = in_range("agent_limit", patch.agent_limit, AGENT_LIMITS)?;
    let offer_seconds = in_range("offer_seconds", patch.offer_seconds, OFFER_SECONDS)?;
    db.write(move |conn| -> Result<ChatSettings, ChatError> {
        conn.prepare_cached(
            "UPDATE chat_settings SET allowed_origins = coalesce(?1, allowed_origins),
                    consent_required = coalesce(?2, consent_required),
                    theme_color = coalesce(?3, theme_color), position = coalesce(?4, position),
                    greeting = coalesce(?5, greeting), updated_at = ?6,
                    routing = coalesce(?7, routing), agent_limit = coalesce(?8, agent_limit),
                    offer_seconds = coalesce(?9, offer_seconds)
             WHERE id = 1",
        )?
        .execute(params![
            origins,
            required,
            theme,
            position,
            greeting,
            now,
            routing,
            agent_limit,
            offer_seconds
        ])?;
        if !detail.is_empty() {
            let entry = actor.entry(now, "settings.chat", "account", &detail);
            crate::audit::record(conn, &entry)?;
        }
        let current = read(conn)?;
        for (locale, text) in consent_texts.iter().flatten() {
            let unchanged = current.consent.get(locale).is_some_and(|c| c.text == *text);
            if !unchanged {
                conn.prepare_cached(
                    "INSERT INTO chat_consent_texts (locale, version, text, created_at)
                     VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM chat_consent_texts
                                  WHERE locale = ?1), ?2, ?3)",
                )?
                .execute(params![locale, text, now])?;
            }
        }
        read(conn)
    })
    .await
}
