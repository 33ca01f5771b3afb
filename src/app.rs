//! The state every request handler shares.

use std::ops::Deref;
use std::sync::Arc;

use crate::accounts::AccountDirectory;
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;

pub struct App {
    pub store: Arc<Store>,
    pub directory: AccountDirectory,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Bearer token that lets non-loopback clients read `/metrics`.
    pub metrics_token: Option<zeroize::Zeroizing<String>>,
    pub token_limiter: crate::auth::rate::RateLimiter,
    /// API tokens verified recently (see `auth::token_cache`).
    pub tokens: crate::auth::token_cache::TokenCache,
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    pub pending_logins: crate::auth::pending::PendingLogins,
    pub key_registrations: crate::auth::two_factor::keys::Registrations,
    pub live: Arc<crate::panel::live::LiveHub>,
    /// Live chat: real-time delivery and the chat's rate limits.
    pub chat: Arc<crate::chat::ChatHub>,
    pub allowlists: crate::auth::networks::AllowlistCache,
    /// Each account's spam model in memory.
    pub spam: crate::spam::live::Filters,
    /// `http.trusted_proxies`, parsed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Outgoing mail's identity and the relay task's doorbell.
    pub mail: crate::mail::MailHub,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Blocking: opens the store the configuration describes. Shared by `serve` and the CLI.
pub fn open_store(
    config: &Config,
    mode: crate::store::OpenMode,
    now_unix: i64,
) -> Result<Store, crate::store::StoreError> {
    use crate::store::{DataLayout, KeySource, StoreOptions};
    Store::open(
        DataLayout::new(&config.data_dir),
        &KeySource::locate(&config.master_key_path()),
        StoreOptions {
            readers_per_database: config.storage.readers_per_database as usize,
            reader_cache_mib: config.storage.reader_cache_mib,
            busy_timeout: std::time::Duration::from_millis(config.storage.busy_timeout_ms),
        },
        mode,
        now_unix,
    )
}

/// The base of links the daemon hands out: `public_url`, else the address it serves on.
pub fn public_base(config: &Config, serving_on: std::net::SocketAddr) -> String {
    if !config.public_url.is_empty() {
        return config.public_url.trim_end_matches('/').to_string();
    }
    let host = match serving_on.ip() {
        ip if ip.is_unspecified() => "localhost".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    match serving_on.port() {
        443 => format!("https://{host}"),
        port => format!("https://{host}:{port}"),
    }
}

/// The host name of `public_url`, which the first account answers on: with it, the first
/// account stays reachable when more accounts are added.
pub fn first_account_hosts(config: &Config) -> Vec<String> {
    let rest = config.public_url.trim_start_matches("https://");
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(authority);
    crate::accounts::normalize_host(host).into_iter().collect()
}
