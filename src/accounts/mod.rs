//! Accounts: the companies, brands or departments an appliance hosts, each reached by its
//! own host names and isolated in its own database under its own key.

pub mod audit;
mod directory;
mod queries;
pub mod routes;

use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;

use crate::clock::Clock;
use crate::store::{Store, StoreError};

pub use directory::{AccountDirectory, RoutedAccount};

/// The slug of the account `init` creates on a fresh appliance.
pub const FIRST_ACCOUNT_SLUG: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Trial,
    Active,
    BillingFailed,
    Suspended,
    Terminated,
    Deleted,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Trial => "trial",
            AccountState::Active => "active",
            AccountState::BillingFailed => "billing_failed",
            AccountState::Suspended => "suspended",
            AccountState::Terminated => "terminated",
            AccountState::Deleted => "deleted",
        }
    }

    pub fn parse(text: &str) -> Option<AccountState> {
        [
            AccountState::Trial,
            AccountState::Active,
            AccountState::BillingFailed,
            AccountState::Suspended,
            AccountState::Terminated,
            AccountState::Deleted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Terminated and deleted accounts no longer answer on their host names.
    pub fn is_routable(self) -> bool {
        !matches!(self, AccountState::Terminated | AccountState::Deleted)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub state: AccountState,
    pub hosts: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(
        "invalid slug `{0}`: use 2 to 40 lowercase letters, digits or dashes, starting with a letter or digit"
    )]
    InvalidSlug(String),
    #[error("invalid account name: {0}")]
    InvalidName(&'static str),
    #[error(
        "invalid host name `{0}`: expected a DNS name such as support.example.com, without scheme or port"
    )]
    InvalidHost(String),
    #[error("an account with slug `{0}` already exists")]
    SlugTaken(String),
    #[error("host name `{0}` already belongs to an account")]
    HostTaken(String),
    #[error("no account with slug `{0}`")]
    NotFound(String),
    #[error("the account has no host name `{0}`")]
    NoSuchHost(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        AccountError::Store(StoreError::Sql(e))
    }
}

pub struct NewAccount {
    pub slug: String,
    pub name: String,
    pub hosts: Vec<String>,
    pub trial: bool,
}

/// Creates the account's database (with its own key) and then its row and host names.
pub async fn create(
    store: &Arc<Store>,
    clock: &dyn Clock,
    new: NewAccount,
    actor: &str,
) -> Result<Account, AccountError> {
    let slug = new.slug.trim().to_ascii_lowercase();
    validate_slug(&slug)?;
    let name = new.name.trim().to_string();
    if name.is_empty() {
        return Err(AccountError::InvalidName("must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(AccountError::InvalidName("must be at most 200 characters"));
    }
    let hosts = normalize_hosts(&new.hosts)?;
    // Check first so a taken slug or host fails before any database file is made.
    let (check_slug, check_hosts) = (slug.clone(), hosts.clone());
    store
        .system()
        .read(move |conn| queries::ensure_free(conn, &check_slug, &check_hosts))
        .await?;

    let now = clock.now_unix();
    let account = Account {
        id: new_account_id(),
        slug,
        name,
        state: if new.trial {
            AccountState::Trial
        } else {
            AccountState::Active
        },
        hosts,
        created_at: now,
    };
    store.create_account_database(&account.id, now).await?;
    let row = account.clone();
    let actor = actor.to_string();
    store
        .system()
        .write(move |conn| {
            queries::insert(conn, &row)?;
            audit::record(
                conn,
                now,
                &actor,
                "account.created",
                Some(&row.id),
                &format!("slug={} state={}", row.slug, row.state.as_str()),
            )?;
            Ok::<_, AccountError>(())
        })
        .await?;
    Ok(account)
}

/// Adds host names to an existing account.
pub async fn add_hosts(
    store: &Store,
    clock: &dyn Clock,
    slug: &str,
    hosts: &[String],
    actor: &str,
) -> Result<Account, AccountError> {
    let account = find_by_slug(store, slug).await?;
    let hosts = normalize_hosts(hosts)?;
    let (id, now, actor) = (account.id.clone(), clock.now_unix(), actor.to_string());
    store
        .system()
        .write(move |conn| {
            for host in &hosts {
                queries::insert_host(conn, &id, host)?;
            }
            audit::record(
                conn,
                now,
                &actor,
                "account.hosts_added",
                Some(&id),
                &hosts.join(","),
            )?;
            Ok::<_, AccountError>(())
        })
        .await?;
    find_by_slug(store, slug).await
}

/// Removes a host name from an account; the account then no longer answers on it.
pub async fn remove_host(
    store: &Store,
    clock: &dyn Clock,
    slug: &str,
    host: &str,
    actor: &str,
) -> Result<Account, AccountError> {
    let account = find_by_slug(store, slug).await?;
    let host = normalize_host(host).ok_or_else(|| AccountError::InvalidHost(host.to_string()))?;
    let (id, now, actor) = (account.id.clone(), clock.now_unix(), actor.to_string());
    store
        .system()
        .write(move |conn| {
            if !queries::delete_host(conn, &id, &host)? {
                return Err(AccountError::NoSuchHost(host));
            }
            audit::record(conn, now, &actor, "account.host_removed", Some(&id), &host)?;
            Ok(())
        })
        .await?;
    find_by_slug(store, slug).await
}

/// Accounts that have no host name: unreachable while more than one account exists.
pub fn hostless(accounts: &[Account]) -> Vec<&Account> {
    if accounts.iter().filter(|a| a.state.is_routable()).count() < 2 {
        return Vec::new();
    }
    accounts
        .iter()
        .filter(|a| a.state.is_routable() && a.hosts.is_empty())
        .collect()
}

pub async fn list(store: &Store) -> Result<Vec<Account>, AccountError> {
    store.system().read(queries::list).await
}

pub async fn find_by_slug(store: &Store, slug: &str) -> Result<Account, AccountError> {
    let wanted = slug.to_ascii_lowercase();
    store
        .system()
        .read(move |conn| queries::find_by_slug(conn, &wanted))
        .await?
        .ok_or_else(|| AccountError::NotFound(slug.to_string()))
}

/// Makes sure a fresh appliance has its first account (reached on `hosts`); returns it.
pub async fn ensure_first(
    store: &Arc<Store>,
    clock: &dyn Clock,
    hosts: Vec<String>,
    actor: &str,
) -> Result<Account, AccountError> {
    let existing = list(store).await?;
    if let Some(first) = existing.into_iter().next() {
        return Ok(first);
    }
    create(
        store,
        clock,
        NewAccount {
            slug: FIRST_ACCOUNT_SLUG.into(),
            name: "Helpdesk".into(),
            hosts,
            trial: false,
        },
        actor,
    )
    .await
}

fn normalize_hosts(hosts: &[String]) -> Result<Vec<String>, AccountError> {
    hosts
        .iter()
        .map(|h| normalize_host(h).ok_or_else(|| AccountError::InvalidHost(h.clone())))
        .collect()
}

fn validate_slug(slug: &str) -> Result<(), AccountError> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(AccountError::InvalidSlug(slug.to_string()))
    }
}

/// Lowercases a DNS name and checks its shape; `None` when it is not one.
pub fn normalize_host(raw: &str) -> Option<String> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    (host.len() <= 253 && host.split('.').all(valid_label)).then_some(host)
}

fn new_account_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(validate_slug("acme").is_ok());
        assert!(validate_slug("acme-2").is_ok());
        for bad in [
            "a",
            "-acme",
            "acme-",
            "Acme",
            "ac me",
            "ac_me",
            &"x".repeat(41),
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            normalize_host("Support.ACME.example.").as_deref(),
            Some("support.acme.example")
        );
        for bad in [
            "https://a.example",
            "a.example:443",
            "",
            "a..b",
            "-a.example",
            "a b",
        ] {
            assert_eq!(normalize_host(bad), None, "{bad}");
        }
    }
}
