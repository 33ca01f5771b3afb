//! Per-account IP allowlists, one for the agent panel and one for the API, checked before
//! any credential is looked at. An empty list allows every address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ipnet::IpNet;
use rusqlite::{OptionalExtension, params};

use crate::audit::{self, Actor};
use crate::clock::Clock;
use crate::http::client_ip::parse_network;
use crate::store::{Database, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Surface {
    Panel,
    Api,
}

impl Surface {
    fn key(self) -> &'static str {
        match self {
            Surface::Panel => "allowed_networks.panel",
            Surface::Api => "allowed_networks.api",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Surface::Panel => "panel",
            Surface::Api => "api",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist(Vec<IpNet>);

impl Allowlist {
    pub fn parse(entries: &[String]) -> Result<Allowlist, NetworkError> {
        entries
            .iter()
            .map(|e| parse_network(e).ok_or_else(|| NetworkError::Invalid(e.clone())))
            .collect::<Result<Vec<_>, _>>()
            .map(Allowlist)
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(IpNet::to_string).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("`{0}` is not an address or CIDR network (e.g. 192.0.2.0/24, 2001:db8::/32)")]
    Invalid(String),
    #[error(
        "refused: your current address {0} is not in the new {1} list, so this change would lock you out; add it (or a network that contains it) first"
    )]
    WouldLockOut(IpAddr, &'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for NetworkError {
    fn from(e: rusqlite::Error) -> Self {
        NetworkError::Store(StoreError::Sql(e))
    }
}

pub async fn load(db: &Database, surface: Surface) -> Result<Allowlist, NetworkError> {
    let stored: Option<String> = db
        .read(move |conn| -> Result<_, StoreError> {
            Ok(conn
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [surface.key()],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await?;
    let entries: Vec<String> = stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    Allowlist::parse(&entries)
}

/// Replaces a list, refusing a change that would shut out the address making it.
pub async fn save(
    db: &Database,
    clock: &dyn Clock,
    surface: Surface,
    list: Allowlist,
    from: IpAddr,
    actor: &Actor,
) -> Result<(), NetworkError> {
    if !list.allows(from) {
        return Err(NetworkError::WouldLockOut(from, surface.name()));
    }
    let (now, actor, entries) = (clock.now_unix(), actor.clone(), list.entries());
    db.write(move |conn| -> Result<(), NetworkError> {
        let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
        conn.execute(
            "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
            params![surface.key(), json, now],
        )?;
        let detail = if entries.is_empty() { "any address".to_string() } else { entries.join(" ") };
        audit::record(
            conn,
            &actor.entry(now, "security.allowlist_changed", surface.name(), &detail),
        )?;
        Ok(())
    })
    .await
}

/// The lists in memory, so a request does not read them from disk; `save` goes through
/// `forget` so the next request reloads.
#[derive(Default)]
pub struct AllowlistCache {
    lists: Mutex<HashMap<(String, Surface), Arc<Allowlist>>>,
    denials_logged: Mutex<HashMap<(String, IpAddr), std::time::Instant>>,
}

impl AllowlistCache {
    pub async fn get(
        &self,
        account_id: &str,
        db: &Database,
        surface: Surface,
    ) -> Result<Arc<Allowlist>, NetworkError> {
        let key = (account_id.to_string(), surface);
        if let Some(list) = self.lists.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(list);
        }
        let list = Arc::new(load(db, surface).await?);
        if let Ok(mut lists) = self.lists.lock() {
            lists.insert(key, list.clone());
        }
        Ok(list)
    }

    /// Whether a denial of `ip` should be audited now: once a minute per account and
    /// address, so a refused client cannot flood the audit log.
    pub fn should_log_denial(&self, account_id: &str, ip: IpAddr, now: std::time::Instant) -> bool {
        let Ok(mut logged) = self.denials_logged.lock() else {
            return false;
        };
        let minute = std::time::Duration::from_secs(60);
        if logged.len() > 10_000 {
            logged.retain(|_, at| now.saturating_duration_since(*at) < minute);
        }
        match logged.get(&(account_id.to_string(), ip)) {
            Some(at) if now.saturating_duration_since(*at) < minute => false,
            _ => {
                logged.insert((account_id.to_string(), ip), now);
                true
            }
        }
    }

    pub fn forget(&self, account_id: &str) {
        if let Ok(mut lists) = self.lists.lock() {
            lists.retain(|(account, _), _| account != account_id);
        }
    }
}

/// Lets `from` reach `surface` of the account, or refuses it (403, audited at most once a
/// minute per address). Runs before any credential is looked at.
pub async fn admit(
    state: &crate::app::AppState,
    account_id: &str,
    db: &Database,
    surface: Surface,
    from: IpAddr,
) -> Result<(), crate::http::ApiError> {
    use crate::http::ApiError;
    let allowed = state
        .allowlists
        .get(account_id, db, surface)
        .await
        .map_err(ApiError::internal)?;
    if allowed.allows(from) {
        return Ok(());
    }
    if state
        .allowlists
        .should_log_denial(account_id, from, std::time::Instant::now())
    {
        let entry = audit::OwnedEntry {
            at: state.clock.now_unix(),
            actor_id: None,
            actor: "system".into(),
            action: "security.ip_denied".into(),
            target: surface.name().into(),
            ip: from.to_string(),
            detail: String::new(),
        };
        audit::record_now(db, entry).await?;
    }
    Err(ApiError::forbidden(format!(
        "the {} of this account is not available from {from}",
        match surface {
            Surface::Panel => "agent panel",
            Surface::Api => "API",
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Allowlist {
        Allowlist::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn empty_allows_all_and_networks_match_both_families() {
        let any: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(Allowlist::default().allows(any));
        let nets = list(&["10.0.0.0/8", "::1"]);
        assert!(nets.allows("10.2.3.4".parse().unwrap()));
        assert!(nets.allows("::1".parse().unwrap()));
        assert!(!nets.allows("127.0.0.1".parse().unwrap()));
        assert!(Allowlist::parse(&["10.0.0.0/99".to_string()]).is_err());
        assert_eq!(nets.entries(), ["10.0.0.0/8", "::1/128"]);
    }

    #[tokio::test]
    async fn a_change_that_would_lock_out_its_author_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path());
        let db = store.create_account_database("acc", 0).await.unwrap();
        let clock = crate::clock::ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
        let me: IpAddr = "192.0.2.10".parse().unwrap();
        let actor = Actor::system("test");
        let refused = save(&db, &clock, Surface::Api, list(&["10.0.0.0/8"]), me, &actor).await;
        assert!(matches!(refused, Err(NetworkError::WouldLockOut(..))));
        assert_eq!(load(&db, Surface::Api).await.unwrap(), Allowlist::default());
        save(
            &db,
            &clock,
            Surface::Api,
            list(&["192.0.2.0/24"]),
            me,
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(
            load(&db, Surface::Api).await.unwrap().entries(),
            ["192.0.2.0/24"]
        );
        assert_eq!(
            load(&db, Surface::Panel).await.unwrap(),
            Allowlist::default()
        );
    }
}
