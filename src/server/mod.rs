//! `helpdeskd serve`: wires the store, the domains' routes, TLS and the listeners together,
//! tells systemd when it is ready, and stops gracefully.

mod health;
mod idle;
mod listener;
mod middleware;
mod redirect;
mod router;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::accounts::{self, AccountDirectory, AccountError};
use crate::app::{self, App, AppState};
use crate::auth::users;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::setup::{self, SetupError};
use crate::store::{OpenMode, Store, StoreError};
use crate::systemd;

pub use middleware::CONTENT_SECURITY_POLICY;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("metrics token file {path}: {reason}")]
    MetricsToken { path: String, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub async fn run(config: Config) -> Result<(), ServeError> {
    // Installed first, so a SIGTERM that arrives during startup stops us gracefully too.
    let signals = Signals::install()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    systemd::status("opening databases");
    let store = {
        let (config, now) = (config.clone(), clock.now_unix());
        Arc::new(blocking(move || app::open_store(&config, OpenMode::CreateIfMissing, now)).await??)
    };
    let hosts = app::first_account_hosts(&config);
    let first = accounts::ensure_first(&store, clock.as_ref(), hosts, "system").await?;
    open_account_databases(&store, clock.as_ref()).await?;
    let directory = {
        let store = store.clone();
        blocking(move || AccountDirectory::new(&store)).await??
    };
    let cert = tls::ReloadableCertificate::load(tls::CertificateFiles::from_config(
        &config.tls,
        &store.layout().tls_dir(),
    ))?;
    let acceptor = TlsAcceptor::from(tls::server_config(cert.clone())?);
    let (https, http) = listeners(&config).await?;
    let https_addr = https.local_addr()?;
    let metrics = Arc::new(Metrics::new());
    let state = AppState(Arc::new(App {
        store: store.clone(),
        directory,
        clock: clock.clone(),
        config: Arc::new(config.clone()),
        metrics: metrics.clone(),
        metrics_token: read_metrics_token(&config)?,
        token_limiter: crate::auth::rate::RateLimiter::new(
            config.api.token_requests_per_second,
            config.api.token_burst,
        ),
        tokens: Default::default(),
        login_throttle: crate::auth::throttle::LoginThrottle::new(crate::auth::throttle::Policy {
            max_failures_per_email: config.auth.max_failures_per_email,
            max_failures_per_address: config.auth.max_failures_per_address,
            window: Duration::from_secs(config.auth.failure_window_secs),
        }),
        pending_logins: Default::default(),
        key_registrations: Default::default(),
        live: Default::default(),
        chat: Default::default(),
        allowlists: Default::default(),
        spam: Default::default(),
        trusted_proxies: config.trusted_proxies(),
        mail: crate::mail::MailHub::new(&config),
    }));

    let limits = listener::Limits {
        max_connections: config.http.max_connections as usize,
        header_read_timeout: Duration::from_secs(config.http.header_read_timeout_secs),
        handshake_timeout: Duration::from_secs(config.http.header_read_timeout_secs),
        idle_timeout: Duration::from_secs(config.http.idle_timeout_secs),
        shutdown_grace: Duration::from_secs(config.http.shutdown_grace_secs),
    };
    let (stop, stopped) = watch::channel(false);
    let mut servers = tokio::task::JoinSet::new();
    servers.spawn(listener::serve(
        https,
        Some(acceptor),
        router::build(state.clone(), &config),
        limits.clone(),
        stopped.clone(),
        metrics.clone(),
    ));
    let redirect_addr = match http {
        Some(http) => {
            let addr = http.local_addr()?;
            servers.spawn(listener::serve(
                http,
                None,
                redirect::router(https_addr.port()),
                limits.clone(),
                stopped.clone(),
                metrics.clone(),
            ));
            Some(addr)
        }
        None => None,
    };

    // Inbound mail, bound before READY=1 like the web ports: a taken port stops the start.
    if let Some(addr) = config.lmtp_listen() {
        let lmtp = crate::mail::lmtp::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        println!("lmtp listening on {}", lmtp.local_addr()?);
        servers.spawn(crate::mail::lmtp::serve(
            state.clone(),
            lmtp,
            stopped.clone(),
        ));
    }

    let base = app::public_base(&config, https_addr);
    announce_setup_link(&store, clock.as_ref(), &first, &base).await?;
    systemd::ready(&format!("serving https on {https_addr}"));
    println!("listening on https://{https_addr}");
    if let Some(addr) = redirect_addr {
        println!("redirecting http://{addr} to https");
    }
    tracing::info!(%https_addr, redirect = ?redirect_addr, "ready");
    // Audit retention: at once, then daily; joined with the listeners when `stop` turns true.
    servers.spawn(crate::audit::retention::run(state.clone(), stopped.clone()));
    // The trash and the spam quarantine empty themselves; the spam filter learns resolved
    // tickets as ham. Both at once, then periodically.
    servers.spawn(crate::tickets::purge::run(state.clone(), stopped.clone()));
    servers.spawn(crate::spam::marks::run(state.clone(), stopped.clone()));
    // A live chat's words reach the search index every few seconds, not at each message.
    servers.spawn(crate::search::run_backlog(store.clone(), stopped.clone()));
    // New tickets reach the search index in rounds, a few milliseconds after their commit.
    servers.spawn(crate::search::run_indexer(store.clone(), stopped.clone()));
    // Outgoing mail: whatever the outboxes hold goes to the relay, now and whenever a
    // commit queues more.
    servers.spawn(crate::mail::relay::run(state.clone(), stopped.clone()));
    if let Some(interval) = systemd::watchdog_interval() {
        tokio::spawn(watchdog(store.clone(), interval));
    }

    signals.wait_for_stop(&cert).await;
    systemd::stopping();
    tracing::info!("stopping: no new connections; letting requests finish");
    let _ = stop.send(true);
    while servers.join_next().await.is_some() {}
    drop(state);
    store.close_accounts();
    drop(store);
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Opens every account database before READY=1, so their migrations run at start (each
/// with its backup) and never on a request's path.
async fn open_account_databases(store: &Arc<Store>, clock: &dyn Clock) -> Result<(), ServeError> {
    let ids = store.account_ids().await?;
    for (n, id) in ids.iter().enumerate() {
        systemd::status(&format!(
            "opening account databases ({}/{})",
            n + 1,
            ids.len()
        ));
        systemd::extend_timeout(Duration::from_secs(60));
        store.account(id, clock.now_unix()).await?;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))
}

/// Sockets from systemd when socket-activated; otherwise bound from the configuration.
async fn listeners(config: &Config) -> Result<(TcpListener, Option<TcpListener>), ServeError> {
    let activated = systemd::activated_sockets()?;
    if let Some(https) = activated.https {
        let http = activated.http.map(TcpListener::from_std).transpose()?;
        return Ok((TcpListener::from_std(https)?, http));
    }
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })
    };
    let https = bind(config.http.listen).await?;
    let http = match config.redirect_listen() {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    Ok((https, http))
}

/// Prints the one-time setup link when a person runs the daemon by hand; under systemd the
/// link would land in the journal, so the log says how to get one instead.
async fn announce_setup_link(
    store: &Arc<Store>,
    clock: &dyn Clock,
    account: &accounts::Account,
    base: &str,
) -> Result<(), ServeError> {
    let db = store.account(&account.id, clock.now_unix()).await?;
    if users::has_owner(&db).await.map_err(SetupError::from)? {
        return Ok(());
    }
    if systemd::is_journal_stream(&std::io::stdout()) {
        tracing::info!(
            account = %account.slug,
            "the account has no owner yet; run `sudo helpdeskd setup-link` for the one-time setup link"
        );
        return Ok(());
    }
    let token = setup::issue_token(store, clock, &account.id, "serve").await?;
    println!("setup link: {base}/setup?token={token}");
    Ok(())
}

struct Signals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Reloads the certificate on SIGHUP; returns on SIGTERM or SIGINT.
    async fn wait_for_stop(mut self, cert: &tls::ReloadableCertificate) {
        loop {
            tokio::select! {
                _ = self.hangup.recv() => {
                    match cert.reload() {
                        Ok(()) => tracing::info!(cert = %cert.files().cert.display(), "certificate reloaded"),
                        Err(e) => tracing::error!(error = %e, "certificate reload failed; keeping the current one"),
                    }
                    systemd::reloading_done("certificate reloaded");
                }
                _ = self.terminate.recv() => return,
                _ = self.interrupt.recv() => return,
            }
        }
    }
}

/// Pings the systemd watchdog only while the system database still answers a write.
async fn watchdog(store: Arc<Store>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        let probe = store.system().write(|conn| -> Result<i64, StoreError> {
            Ok(conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?)
        });
        match tokio::time::timeout(interval, probe).await {
            Ok(Ok(_)) => systemd::watchdog(),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "health check failed; not pinging the watchdog")
            }
            Err(_) => tracing::error!("health check timed out; not pinging the watchdog"),
        }
    }
}

fn read_metrics_token(config: &Config) -> Result<Option<zeroize::Zeroizing<String>>, ServeError> {
    use std::os::unix::fs::PermissionsExt;
    let path = &config.metrics.token_file;
    if path.as_os_str().is_empty() {
        return Ok(None);
    }
    let fail = |reason: String| ServeError::MetricsToken {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(fail("readable by group or others; run chmod 600".into()));
    }
    let text =
        zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?);
    let token = text.trim();
    if token.len() < 16 {
        return Err(fail("the token must be at least 16 characters".into()));
    }
    Ok(Some(zeroize::Zeroizing::new(token.to_string())))
}
