//! Host name → account routing, kept exact while the CLI changes accounts underneath.
//!
//! The routing table is cached in memory and reloaded only when `system.db` changed, which a
//! `PRAGMA data_version` probe tells in microseconds. So an account created by
//! `helpdeskd account create` answers on its host name at the next request, without a
//! restart and without reading the tables on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use serde::Serialize;

use super::AccountState;
use crate::store::{ChangeProbe, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct RoutedAccount {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub state: AccountState,
}

#[derive(Default)]
struct Snapshot {
    by_host: HashMap<String, RoutedAccount>,
    routable: Vec<RoutedAccount>,
}

struct State {
    probe: ChangeProbe,
    snapshot: Arc<Snapshot>,
}

#[derive(Clone)]
pub struct AccountDirectory {
    state: Arc<Mutex<State>>,
}

impl AccountDirectory {
    /// Blocking: opens the probe connection.
    pub fn new(store: &Store) -> Result<AccountDirectory, StoreError> {
        Ok(AccountDirectory {
            state: Arc::new(Mutex::new(State {
                probe: store.system_change_probe()?,
                snapshot: Arc::new(Snapshot::default()),
            })),
        })
    }

    /// The account a request for `host` (as sent in `Host`/`:authority`, port allowed) reaches.
    pub async fn resolve(&self, host: Option<&str>) -> Result<Option<RoutedAccount>, StoreError> {
        let snapshot = self.snapshot()?;
        if let [only] = snapshot.routable.as_slice() {
            return Ok(Some(only.clone()));
        }
        let Some(host) = host.map(strip_port) else {
            return Ok(None);
        };
        Ok(snapshot.by_host.get(&host.to_ascii_lowercase()).cloned())
    }

    /// The account inbound mail for `slug` reaches: the only account when there is one (as
    /// for host names: a single-tenant appliance takes whatever its MTA hands it), else the
    /// routable account with that slug.
    pub fn for_mail(&self, slug: &str) -> Result<Option<RoutedAccount>, StoreError> {
        let snapshot = self.snapshot()?;
        if let [only] = snapshot.routable.as_slice() {
            return Ok(Some(only.clone()));
        }
        Ok(snapshot
            .routable
            .iter()
            .find(|a| a.slug.eq_ignore_ascii_case(slug))
            .cloned())
    }

    fn snapshot(&self) -> Result<Arc<Snapshot>, StoreError> {
        // Inline, not on a blocking thread: `data_version` reads the WAL index in shared
        // memory (no file I/O), and a reload happens only after the CLI changed accounts.
        let mut state = self
            .state
            .lock()
            .map_err(|_| StoreError::Invariant("account directory lock poisoned".into()))?;
        if state.probe.changed()? {
            state.snapshot = Arc::new(load(state.probe.connection())?);
        }
        Ok(state.snapshot.clone())
    }
}

fn load(conn: &Connection) -> Result<Snapshot, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.slug, a.name, a.state, h.host
         FROM accounts a LEFT JOIN account_hosts h ON h.account_id = a.id
         ORDER BY a.created_at, a.rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            RoutedAccount {
                id: r.get(0)?,
                slug: r.get(1)?,
                name: r.get(2)?,
                state: AccountState::parse(&r.get::<_, String>(3)?)
                    .unwrap_or(AccountState::Suspended),
            },
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut snapshot = Snapshot::default();
    for row in rows {
        let (account, host) = row?;
        if !account.state.is_routable() {
            continue;
        }
        if !snapshot.routable.iter().any(|a| a.id == account.id) {
            snapshot.routable.push(account.clone());
        }
        if let Some(host) = host {
            snapshot.by_host.insert(host, account);
        }
    }
    Ok(snapshot)
}

/// `example.com:8443` → `example.com`; `[::1]:8443` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map(|i| &host[..=i]).unwrap_or(host);
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("a.example:8443"), "a.example");
        assert_eq!(strip_port("a.example"), "a.example");
        assert_eq!(strip_port("[::1]:8443"), "[::1]");
        assert_eq!(strip_port("127.0.0.1:1"), "127.0.0.1");
    }
}
