//! Configuration: one TOML file, every key defaulted, `HELPDESKD_*` environment overrides.
//!
//! Any problem is reported as one line naming where the value came from (file or variable),
//! the key, and the reason, so `journalctl` shows the whole story in one line.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The packaged location of the configuration file.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/helpdeskd/helpdeskd.toml";
const ENV_PREFIX: &str = "HELPDESKD_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Databases, certificates and migration backups.
    pub data_dir: PathBuf,
    /// Empty means `<data_dir>/master.key`. `$CREDENTIALS_DIRECTORY/master.key` wins if present.
    pub master_key_file: PathBuf,
    /// Base URL used in links (setup links, later mail). Empty: derived from `http.listen`.
    pub public_url: String,
    pub http: HttpConfig,
    pub api: ApiConfig,
    pub auth: AuthConfig,
    pub tls: TlsConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    pub storage: StorageConfig,
    pub audit: AuditConfig,
    pub attachments: AttachmentsConfig,
    pub lifecycle: LifecycleConfig,
    pub mail: MailConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Optional plain-HTTP listener that only redirects to HTTPS. Empty disables it.
    pub redirect_listen: String,
    pub max_body_bytes: u64,
    pub header_read_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub max_connections: u32,
    pub shutdown_grace_secs: u64,
    /// Reverse proxies (addresses or CIDRs) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Sustained requests per second one API token may make.
    pub token_requests_per_second: u32,
    /// Requests one API token may make at once before the sustained rate applies.
    pub token_burst: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            token_requests_per_second: 20,
            token_burst: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Failed logins for one email of one account before it is locked for the window.
    pub max_failures_per_email: u32,
    /// Failed logins from one address (any email, any account) before it is locked.
    pub max_failures_per_address: u32,
    /// The window failures are counted in, and the longest a lockout lasts.
    pub failure_window_secs: u64,
    /// A panel session unused this long ends.
    pub session_idle_secs: u64,
    /// A panel session ends this long after login, however much it is used.
    pub session_absolute_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            max_failures_per_email: 10,
            max_failures_per_address: 30,
            failure_window_secs: 900,
            session_idle_secs: 8 * 3600,
            session_absolute_secs: 7 * 86_400,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain. Both empty: a self-signed certificate kept in `<data_dir>/tls/`.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter: `info`, `debug`, `helpdeskd=debug,info`, …
    pub level: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// File holding a bearer token that lets non-loopback clients read `/metrics`.
    pub token_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub readers_per_database: u32,
    /// Page cache of each read-only connection, in MiB.
    pub reader_cache_mib: u32,
    pub busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Audit entries older than this many days are removed (daily, and by
    /// `helpdeskd audit prune`). 0 keeps them forever.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: 730,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentsConfig {
    /// The largest file accepted as one attachment, in bytes. `http.max_body_bytes` stays
    /// the outer bound of every request: the limit applied is the smaller of the two
    /// (`Config::attachment_max_bytes`).
    pub max_bytes: u64,
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        AttachmentsConfig {
            max_bytes: 25 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleConfig {
    /// Tickets in the trash or the spam quarantine are deleted for good this many days
    /// after they were last changed (SPEC.md, "trash" window).
    pub trash_days: u32,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig { trash_days: 30 }
    }
}

/// Mail in (LMTP from the local MTA) and out (SMTP to a relay). See src/mail/.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// LMTP listener (ADDRESS:PORT) the local MTA delivers inbound mail to. Empty disables.
    pub lmtp_listen: String,
    /// The largest inbound message accepted, in bytes (headers and encoding included).
    pub max_message_bytes: u64,
    /// The mail domain of the helpdesk: Message-IDs and the default sender use it. Empty:
    /// the host of `public_url`.
    pub domain: String,
    /// SMTP relay (HOST:PORT) for outgoing mail. Empty: mail is queued and kept until one
    /// is configured.
    pub relay: String,
    /// How to speak to the relay: "starttls" (required), "tls" (implicit, port 465) or
    /// "none" (only for a relay on this machine).
    pub relay_security: String,
    /// User name for the relay; empty sends without authentication. The password is read
    /// from the systemd credential `smtp.password` or `relay_password_file`, never from here.
    pub relay_username: String,
    pub relay_password_file: PathBuf,
    /// The sender of outgoing mail, e.g. "Support <support@example.com>". Empty:
    /// `helpdesk@<domain>`.
    pub from_address: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            lmtp_listen: String::new(),
            max_message_bytes: 40 * 1024 * 1024,
            domain: String::new(),
            relay: String::new(),
            relay_security: "starttls".into(),
            relay_username: String::new(),
            relay_password_file: PathBuf::new(),
            from_address: String::new(),
        }
    }
}

/// The longest `audit.retention_days` accepted (100 years); anything longer is a typo.
pub const MAX_AUDIT_RETENTION_DAYS: u32 = 36_500;

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("/var/lib/helpdeskd"),
            master_key_file: PathBuf::new(),
            public_url: String::new(),
            http: HttpConfig::default(),
            api: ApiConfig::default(),
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            storage: StorageConfig::default(),
            audit: AuditConfig::default(),
            attachments: AttachmentsConfig::default(),
            lifecycle: LifecycleConfig::default(),
            mail: MailConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            redirect_listen: String::new(),
            max_body_bytes: 32 * 1024 * 1024,
            header_read_timeout_secs: 10,
            request_timeout_secs: 60,
            idle_timeout_secs: 120,
            max_connections: 16384,
            shutdown_grace_secs: 20,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            readers_per_database: 4,
            reader_cache_mib: 64,
            busy_timeout_ms: 5000,
        }
    }
}

/// A configuration problem: where it came from, which key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    pub key: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: key `{}`: {}", self.origin, key, self.reason),
            None => write!(f, "{}: {}", self.origin, self.reason),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads `file` (if any), applies `HELPDESKD_*` variables from `env`, and validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file_origin = file
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults".into());
        let mut table = match file {
            Some(path) => read_table(path)?,
            None => toml::Table::new(),
        };
        let env_origins = apply_env(&mut table, env)?;
        let origin_of = |key: &str| {
            env_origins
                .get(key)
                .map(|var| format!("environment variable {var}"))
                .unwrap_or_else(|| file_origin.clone())
        };
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                let reason = e.inner().to_string();
                let key = unknown_field_key(&key, &reason).unwrap_or(key);
                let reason = one_line(&reason);
                let reason = reason
                    .strip_suffix(&format!(" in `{key}`"))
                    .unwrap_or(&reason)
                    .to_string();
                ConfigError {
                    origin: origin_of(&key),
                    key: Some(key),
                    reason: one_line(&reason),
                }
            })?;
        config.validate().map_err(|(key, reason)| ConfigError {
            origin: origin_of(key),
            key: Some(key.to_string()),
            reason,
        })?;
        Ok(config)
    }

    /// The master key file, with the empty default resolved against `data_dir`.
    pub fn master_key_path(&self) -> PathBuf {
        if self.master_key_file.as_os_str().is_empty() {
            self.data_dir.join("master.key")
        } else {
            self.master_key_file.clone()
        }
    }

    /// `http.trusted_proxies`, parsed (validated at load).
    pub fn trusted_proxies(&self) -> Vec<ipnet::IpNet> {
        self.http
            .trusted_proxies
            .iter()
            .filter_map(|p| crate::http::client_ip::parse_network(p))
            .collect()
    }

    /// The largest attachment accepted: `attachments.max_bytes`, within the outer bound of
    /// every request, `http.max_body_bytes`.
    pub fn attachment_max_bytes(&self) -> u64 {
        self.attachments.max_bytes.min(self.http.max_body_bytes)
    }

    /// `mail.lmtp_listen`, parsed (validated at load); `None` when inbound mail is off.
    pub fn lmtp_listen(&self) -> Option<SocketAddr> {
        self.mail.lmtp_listen.parse().ok()
    }

    /// `mail.domain`, or the host of `public_url`, or "localhost".
    pub fn mail_domain(&self) -> String {
        if !self.mail.domain.is_empty() {
            return self.mail.domain.clone();
        }
        self.public_url
            .strip_prefix("https://")
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or("localhost")
            .to_string()
    }

    pub fn redirect_listen(&self) -> Option<SocketAddr> {
        self.http.redirect_listen.parse().ok()
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        let positive = |key, value: u64| {
            if value == 0 {
                Err((key, "must be greater than 0".to_string()))
            } else {
                Ok(())
            }
        };
        if !self.data_dir.is_absolute() && self.data_dir.as_os_str().is_empty() {
            return Err(("data_dir", "must not be empty".into()));
        }
        if !self.http.redirect_listen.is_empty()
            && self.http.redirect_listen.parse::<SocketAddr>().is_err()
        {
            return Err((
                "http.redirect_listen",
                format!(
                    "`{}` is not an ADDRESS:PORT (or empty to disable)",
                    self.http.redirect_listen
                ),
            ));
        }
        positive("http.max_body_bytes", self.http.max_body_bytes)?;
        if let Some(bad) = self
            .http
            .trusted_proxies
            .iter()
            .find(|p| crate::http::client_ip::parse_network(p).is_none())
        {
            return Err((
                "http.trusted_proxies",
                format!("`{bad}` is not an address or CIDR network"),
            ));
        }
        positive(
            "http.header_read_timeout_secs",
            self.http.header_read_timeout_secs,
        )?;
        positive("http.request_timeout_secs", self.http.request_timeout_secs)?;
        positive("http.idle_timeout_secs", self.http.idle_timeout_secs)?;
        positive("http.max_connections", self.http.max_connections.into())?;
        positive("http.shutdown_grace_secs", self.http.shutdown_grace_secs)?;
        positive(
            "api.token_requests_per_second",
            self.api.token_requests_per_second.into(),
        )?;
        positive("api.token_burst", self.api.token_burst.into())?;
        positive(
            "auth.max_failures_per_email",
            self.auth.max_failures_per_email.into(),
        )?;
        positive(
            "auth.max_failures_per_address",
            self.auth.max_failures_per_address.into(),
        )?;
        positive("auth.failure_window_secs", self.auth.failure_window_secs)?;
        positive("auth.session_idle_secs", self.auth.session_idle_secs)?;
        positive(
            "auth.session_absolute_secs",
            self.auth.session_absolute_secs,
        )?;
        if self.tls.cert_file.as_os_str().is_empty() != self.tls.key_file.as_os_str().is_empty() {
            return Err((
                "tls.cert_file",
                "tls.cert_file and tls.key_file must be set together (or both left empty for a self-signed certificate)".into(),
            ));
        }
        if !(1..=64).contains(&self.storage.readers_per_database) {
            return Err((
                "storage.readers_per_database",
                "must be between 1 and 64".into(),
            ));
        }
        if !(1..=4096).contains(&self.storage.reader_cache_mib) {
            return Err((
                "storage.reader_cache_mib",
                "must be between 1 and 4096".into(),
            ));
        }
        if !self.public_url.is_empty() && !self.public_url.starts_with("https://") {
            return Err(("public_url", "must start with https://".into()));
        }
        if self.audit.retention_days > MAX_AUDIT_RETENTION_DAYS {
            return Err((
                "audit.retention_days",
                format!(
                    "{} days is more than {MAX_AUDIT_RETENTION_DAYS} (100 years); use 0 to keep entries forever",
                    self.audit.retention_days
                ),
            ));
        }
        positive("attachments.max_bytes", self.attachments.max_bytes)?;
        if !(1..=MAX_AUDIT_RETENTION_DAYS).contains(&self.lifecycle.trash_days) {
            return Err((
                "lifecycle.trash_days",
                format!(
                    "{} days: give 1 to {MAX_AUDIT_RETENTION_DAYS} (the trash and the spam quarantine must empty)",
                    self.lifecycle.trash_days
                ),
            ));
        }
        if !self.mail.lmtp_listen.is_empty() && self.mail.lmtp_listen.parse::<SocketAddr>().is_err()
        {
            return Err((
                "mail.lmtp_listen",
                format!(
                    "`{}` is not an ADDRESS:PORT (or empty to disable)",
                    self.mail.lmtp_listen
                ),
            ));
        }
        positive("mail.max_message_bytes", self.mail.max_message_bytes)?;
        if !self.mail.from_address.is_empty()
            && self
                .mail
                .from_address
                .parse::<lettre::message::Mailbox>()
                .is_err()
        {
            return Err((
                "mail.from_address",
                format!(
                    "`{}` is not a mail address (e.g. \"Support <support@example.com>\")",
                    self.mail.from_address
                ),
            ));
        }
        if !["starttls", "tls", "none"].contains(&self.mail.relay_security.as_str()) {
            return Err((
                "mail.relay_security",
                format!("`{}`: give starttls, tls or none", self.mail.relay_security),
            ));
        }
        if !self.mail.relay.is_empty()
            && crate::mail::relay::relay_address(&self.mail.relay, &self.mail.relay_security)
                .is_none()
        {
            return Err((
                "mail.relay",
                format!(
                    "`{}` is not HOST:PORT (or empty to keep mail queued)",
                    self.mail.relay
                ),
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            return Err(("log.level", format!("not a valid log filter: {e}")));
        }
        Ok(())
    }
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: None,
        reason: format!("cannot read the configuration file: {e}"),
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let position = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                format!("line {line}, column {column}: ")
            })
            .unwrap_or_default();
        ConfigError {
            origin,
            key: None,
            reason: format!("invalid TOML at {position}{}", one_line(e.message())),
        }
    })
}

/// Applies `HELPDESKD_<SECTION>_<KEY>` (or `HELPDESKD_<KEY>` for top-level keys) over the
/// file's values. Returns which variable set which key.
fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<HashMap<String, String>, ConfigError> {
    let defaults = match toml::Value::try_from(Config::default()) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    };
    let mut origins = HashMap::new();
    for (var, raw) in env {
        let Some(name) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let Some((section, key, default)) = env_target(&defaults, &name) else {
            return Err(ConfigError {
                origin: format!("environment variable {var}"),
                key: None,
                reason: "does not name a configuration key (expected HELPDESKD_<SECTION>_<KEY>, e.g. HELPDESKD_HTTP_LISTEN)".into(),
            });
        };
        let value = match default {
            toml::Value::String(_) => toml::Value::String(raw),
            _ => parse_scalar(&raw).unwrap_or(toml::Value::String(raw)),
        };
        let dotted = match &section {
            Some(s) => format!("{s}.{key}"),
            None => key.clone(),
        };
        let target = match section {
            Some(section) => {
                let entry = table
                    .entry(section)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                match entry {
                    toml::Value::Table(t) => t,
                    _ => continue,
                }
            }
            None => &mut *table,
        };
        target.insert(key, value);
        origins.insert(dotted, var);
    }
    Ok(origins)
}

/// Finds which (section, key) an environment variable name means, by the defaults' shape.
fn env_target<'a>(
    defaults: &'a toml::Table,
    name: &str,
) -> Option<(Option<String>, String, &'a toml::Value)> {
    if let Some(value) = defaults.get(name).filter(|v| !v.is_table()) {
        return Some((None, name.to_string(), value));
    }
    defaults.iter().find_map(|(section, inner)| {
        let rest = name.strip_prefix(section.as_str())?.strip_prefix('_')?;
        let value = inner.as_table()?.get(rest)?;
        Some((Some(section.clone()), rest.to_string(), value))
    })
}

fn parse_scalar(raw: &str) -> Option<toml::Value> {
    let table: toml::Table = format!("v = {raw}").parse().ok()?;
    table.get("v").cloned()
}

/// serde reports an unknown field at its parent's path; name the field itself.
fn unknown_field_key(path: &str, reason: &str) -> Option<String> {
    let rest = reason.strip_prefix("unknown field `")?;
    let field = &rest[..rest.find('`')?];
    Some(if path.is_empty() || path == "." {
        field.to_string()
    } else if path == field || path.ends_with(&format!(".{field}")) {
        path.to_string()
    } else {
        format!("{path}.{field}")
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("helpdeskd.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(
            Some(&path),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = load_text("", &[]).unwrap();
        assert_eq!(config.http.listen.port(), 8443);
        assert_eq!(
            config.master_key_path(),
            Path::new("/var/lib/helpdeskd/master.key")
        );
    }

    #[test]
    fn unknown_key_is_named_with_its_section() {
        let err = load_text("[http]\nlisten_port = 1\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("http.listen_port"));
        assert!(err.origin.ends_with("helpdeskd.toml"));
        assert!(!err.to_string().contains('\n'));
        let top = load_text("colour = \"red\"\n", &[]).unwrap_err();
        assert_eq!(top.key.as_deref(), Some("colour"));
    }

    #[test]
    fn bad_value_names_key_and_reason() {
        let err = load_text("[http]\nlisten = \"nonsense\"\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("http.listen"));
        let err = load_text("[http]\nmax_connections = -3\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("http.max_connections"));
        let err = load_text("[http]\nrequest_timeout_secs = 0\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("http.request_timeout_secs"));
        let err = load_text("[tls]\ncert_file = \"/a.pem\"\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("tls.cert_file"));
    }

    #[test]
    fn audit_retention_has_a_default_is_validated_and_overridable() {
        assert_eq!(load_text("", &[]).unwrap().audit.retention_days, 730);
        let config = load_text("[audit]\nretention_days = 0\n", &[]).unwrap();
        assert_eq!(config.audit.retention_days, 0, "0 keeps forever");
        let config = load_text(
            "[audit]\nretention_days = 30\n",
            &[("HELPDESKD_AUDIT_RETENTION_DAYS", "90")],
        )
        .unwrap();
        assert_eq!(config.audit.retention_days, 90);

        let err = load_text("[audit]\nretention_days = 100000\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("audit.retention_days"));
        assert!(err.reason.contains("100 years"), "{err}");
        let err = load_text("[audit]\nretention_days = -1\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("audit.retention_days"));
        let err = load_text("[audit]\nretention = 5\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("audit.retention"));
        let err = load_text("", &[("HELPDESKD_AUDIT_RETENTION_DAYS", "forever")]).unwrap_err();
        assert_eq!(
            err.origin,
            "environment variable HELPDESKD_AUDIT_RETENTION_DAYS"
        );
        assert_eq!(err.key.as_deref(), Some("audit.retention_days"));
    }

    #[test]
    fn trash_days_has_a_default_and_is_bounded() {
        assert_eq!(load_text("", &[]).unwrap().lifecycle.trash_days, 30);
        let config = load_text("[lifecycle]\ntrash_days = 7\n", &[]).unwrap();
        assert_eq!(config.lifecycle.trash_days, 7);
        for bad in ["0", "100000", "-3"] {
            let err = load_text(&format!("[lifecycle]\ntrash_days = {bad}\n"), &[]).unwrap_err();
            assert_eq!(err.key.as_deref(), Some("lifecycle.trash_days"), "{bad}");
        }
    }

    #[test]
    fn attachments_max_bytes_has_a_default_is_validated_and_overridable() {
        assert_eq!(
            load_text("", &[]).unwrap().attachments.max_bytes,
            26_214_400
        );
        let config = load_text(
            "[attachments]\nmax_bytes = 1000\n",
            &[("HELPDESKD_ATTACHMENTS_MAX_BYTES", "2048")],
        )
        .unwrap();
        assert_eq!(config.attachments.max_bytes, 2048);

        let err = load_text("[attachments]\nmax_bytes = 0\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("attachments.max_bytes"));
        // http.max_body_bytes stays the outer bound: a lower one (a configuration that was
        // valid before attachments existed) still loads, and bounds attachments too.
        let config = load_text("[http]\nmax_body_bytes = 1048576\n", &[]).unwrap();
        assert_eq!(config.attachment_max_bytes(), 1_048_576);
        let config = load_text(
            "[http]\nmax_body_bytes = 50000000\n[attachments]\nmax_bytes = 40000000\n",
            &[],
        )
        .unwrap();
        assert_eq!(config.attachment_max_bytes(), 40_000_000);
        assert_eq!(
            load_text("", &[]).unwrap().attachment_max_bytes(),
            26_214_400
        );
        let err = load_text("[attachments]\nmax_size = 5\n", &[]).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("attachments.max_size"));
        let err = load_text("", &[("HELPDESKD_ATTACHMENTS_MAX_BYTES", "big")]).unwrap_err();
        assert_eq!(
            err.origin,
            "environment variable HELPDESKD_ATTACHMENTS_MAX_BYTES"
        );
        assert_eq!(err.key.as_deref(), Some("attachments.max_bytes"));
    }

    #[test]
    fn the_mail_relay_is_host_and_port_or_empty() {
        assert_eq!(load_text("", &[]).unwrap().mail.relay, "");
        let config = load_text("[mail]\nrelay = \"smtp.example.com:2525\"\n", &[]).unwrap();
        assert_eq!(config.mail.relay, "smtp.example.com:2525");
        for bad in ["smtp.example.com:smtp", ":25", "smtp example.com"] {
            let err = load_text("", &[("HELPDESKD_MAIL_RELAY", bad)]).unwrap_err();
            assert_eq!(err.key.as_deref(), Some("mail.relay"), "{bad}");
        }
    }

    #[test]
    fn syntax_error_gives_position() {
        let err = load_text("[http\n", &[]).unwrap_err();
        assert!(err.reason.contains("line 1"), "{err}");
    }

    #[test]
    fn environment_overrides_file_and_is_named_in_errors() {
        let config = load_text(
            "[http]\nlisten = \"127.0.0.1:9000\"\n",
            &[
                ("HELPDESKD_HTTP_LISTEN", "127.0.0.1:9100"),
                ("HELPDESKD_STORAGE_READERS_PER_DATABASE", "2"),
                ("HELPDESKD_PUBLIC_URL", "https://help.example"),
                ("PATH", "/bin"),
            ],
        )
        .unwrap();
        assert_eq!(config.http.listen.port(), 9100);
        assert_eq!(config.storage.readers_per_database, 2);
        assert_eq!(config.public_url, "https://help.example");
        let err = load_text("", &[("HELPDESKD_HTTP_LISTEN", "bogus")]).unwrap_err();
        assert_eq!(err.origin, "environment variable HELPDESKD_HTTP_LISTEN");
        assert_eq!(err.key.as_deref(), Some("http.listen"));
        let err = load_text("", &[("HELPDESKD_HTTP_LISTN", "x")]).unwrap_err();
        assert!(err.origin.contains("HELPDESKD_HTTP_LISTN"));
    }

    #[test]
    fn the_reader_cache_is_bounded() {
        let config = load_text("[storage]\nreader_cache_mib = 8\n", &[]).unwrap();
        assert_eq!(config.storage.reader_cache_mib, 8);
        for bad in ["0", "5000"] {
            let err =
                load_text(&format!("[storage]\nreader_cache_mib = {bad}\n"), &[]).unwrap_err();
            assert_eq!(
                err.key.as_deref(),
                Some("storage.reader_cache_mib"),
                "{bad}"
            );
        }
    }

    #[test]
    fn shipped_config_file_is_valid_and_complete() {
        let shipped = include_str!("../etc/helpdeskd.toml");
        let config = load_text(shipped, &[]).unwrap();
        assert_eq!(config.data_dir, Path::new("/var/lib/helpdeskd"));
        // Every key of the defaults is documented in the shipped file (commented or not).
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        for (section, value) in defaults.as_table().unwrap() {
            match value.as_table() {
                Some(keys) => {
                    assert!(shipped.contains(&format!("[{section}]")), "[{section}]");
                    for key in keys.keys() {
                        assert!(shipped.contains(&format!("{key} =")), "{section}.{key}");
                    }
                }
                None => assert!(shipped.contains(&format!("{section} =")), "{section}"),
            }
        }
    }
}
