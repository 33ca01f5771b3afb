//! Prometheus metrics of the daemon.

use std::sync::atomic::Ordering;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::store::Store;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    class: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DatabaseLabels {
    database: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<StatusLabels, Counter>,
    connections_open: Gauge,
    tls_handshake_failures: Counter,
    db_commits: Family<DatabaseLabels, Gauge>,
    db_writes: Family<DatabaseLabels, Gauge>,
    db_syncs: Family<DatabaseLabels, Gauge>,
    mail_sent: Counter,
    mail_failed: Counter,
    mail_queued: Gauge,
}

/// Decrements the open-connection gauge when the connection ends.
/// Counts one open connection until dropped (owned, so an upgraded WebSocket can keep it).
pub struct OpenConnection(Gauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("helpdeskd");
        let requests = Family::<StatusLabels, Counter>::default();
        let connections_open = Gauge::default();
        let tls_handshake_failures = Counter::default();
        let db_commits = Family::<DatabaseLabels, Gauge>::default();
        let db_writes = Family::<DatabaseLabels, Gauge>::default();
        let db_syncs = Family::<DatabaseLabels, Gauge>::default();
        let mail_sent = Counter::default();
        let mail_failed = Counter::default();
        let mail_queued = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by status class",
            requests.clone(),
        );
        registry.register(
            "connections_open",
            "Client connections open now",
            connections_open.clone(),
        );
        registry.register(
            "tls_handshake_failures",
            "TLS handshakes that failed or timed out",
            tls_handshake_failures.clone(),
        );
        registry.register(
            "db_commits",
            "Write transactions committed since start",
            db_commits.clone(),
        );
        registry.register(
            "db_writes",
            "Write jobs committed since start (writes per commit = db_writes / db_commits)",
            db_writes.clone(),
        );
        registry.register(
            "db_syncs",
            "fsyncs that made commits durable since start (commits that end during one fsync share the next)",
            db_syncs.clone(),
        );
        registry.register(
            "mail_sent",
            "Mails the SMTP relay took since start",
            mail_sent.clone(),
        );
        registry.register(
            "mail_failed",
            "Mails dropped undelivered since start (refused with 5xx, or not taken within five days)",
            mail_failed.clone(),
        );
        registry.register(
            "mail_queued",
            "Mails waiting in the outboxes of all accounts, as of the relay task's last pass",
            mail_queued.clone(),
        );
        Metrics {
            registry,
            requests,
            connections_open,
            tls_handshake_failures,
            db_commits,
            db_writes,
            db_syncs,
            mail_sent,
            mail_failed,
            mail_queued,
        }
    }

    pub fn request_finished(&self, status: u16) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.requests.get_or_create(&StatusLabels { class }).inc();
    }

    pub fn connection_opened(&self) -> OpenConnection {
        self.connections_open.inc();
        OpenConnection(self.connections_open.clone())
    }

    pub fn tls_handshake_failed(&self) {
        self.tls_handshake_failures.inc();
    }

    pub fn mail_sent(&self) {
        self.mail_sent.inc();
    }

    pub fn mail_failed(&self) {
        self.mail_failed.inc();
    }

    pub fn mail_queued(&self, queued: i64) {
        self.mail_queued.set(queued);
    }

    pub fn render(&self, store: &Store) -> String {
        for db in store.open_databases() {
            if let Some(stats) = db.writer_stats() {
                let labels = DatabaseLabels {
                    database: db.name().to_string(),
                };
                let commits = stats.commits.load(Ordering::Relaxed);
                let writes = stats.writes.load(Ordering::Relaxed);
                let syncs = stats.syncs.load(Ordering::Relaxed);
                self.db_commits
                    .get_or_create(&labels)
                    .set(i64::try_from(commits).unwrap_or(i64::MAX));
                self.db_writes
                    .get_or_create(&labels)
                    .set(i64::try_from(writes).unwrap_or(i64::MAX));
                self.db_syncs
                    .get_or_create(&labels)
                    .set(i64::try_from(syncs).unwrap_or(i64::MAX));
            }
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
