//! Speaking SMTP to the relay: the lettre transport `mail.relay*` describes, its password,
//! and what a failure means for the mail (try again later, or give up).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::{Code, Severity};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use zeroize::Zeroizing;

use crate::config::MailConfig;

/// How long one SMTP command may wait for the relay's answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the relay cannot be used as configured: mail then waits in the outboxes.
#[derive(Debug, thiserror::Error)]
pub enum RelayConfigError {
    #[error("mail.relay `{0}` is not HOST:PORT")]
    Address(String),
    #[error("the relay password {path}: {source}")]
    Password {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "mail.relay_username is set but there is no password (credential smtp.password or mail.relay_password_file)"
    )]
    NoPassword,
    #[error("TLS towards the relay: {0}")]
    Tls(#[from] lettre::transport::smtp::Error),
}

/// The configured relay, ready to take messages.
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `HOST:PORT`, for the log.
    pub address: String,
}

impl Relay {
    /// `None` when `mail.relay` is empty (mail waits until one is set).
    pub fn from_config(
        config: &MailConfig,
        hello: &str,
        credentials_dir: Option<&Path>,
    ) -> Result<Option<Relay>, RelayConfigError> {
        if config.relay.is_empty() {
            return Ok(None);
        }
        let (host, port) = host_port(&config.relay, &config.relay_security)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .timeout(Some(COMMAND_TIMEOUT))
            .hello_name(ClientId::Domain(hello.to_string()));
        builder = match config.relay_security.as_str() {
            // `none` is validated at load as the only other choice: a relay on this host.
            "none" => builder.tls(Tls::None),
            "tls" => builder.tls(Tls::Wrapper(TlsParameters::new(host)?)),
            // STARTTLS required: without it no credentials and no mail leave.
            _ => builder.tls(Tls::Required(TlsParameters::new(host)?)),
        };
        if !config.relay_username.is_empty() {
            let password = password(credentials_dir, &config.relay_password_file)?
                .ok_or(RelayConfigError::NoPassword)?;
            builder = builder.credentials(Credentials::new(
                config.relay_username.clone(),
                password.to_string(),
            ));
        }
        Ok(Some(Relay {
            transport: builder.build(),
            address: config.relay.clone(),
        }))
    }

    /// Hands one whole message to the relay. `Ok` means the relay answered 250 to DATA.
    pub async fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), lettre::transport::smtp::Error> {
        self.transport.send_raw(envelope, message).await.map(|_| ())
    }
}

/// `HOST:PORT` (`[v6]:PORT` too); without a port, the usual one for the security mode.
pub(super) fn host_port(relay: &str, security: &str) -> Result<(String, u16), RelayConfigError> {
    let bad = || RelayConfigError::Address(relay.to_string());
    let default_port = match security {
        "tls" => 465,
        "none" => 25,
        _ => 587,
    };
    let (host, port) = match relay.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => (host, port.parse().map_err(|_| bad())?),
        _ => (relay, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// The relay password: the systemd credential `smtp.password` when present (so
/// `LoadCredentialEncrypted=` can seal it), else `mail.relay_password_file`. Never logged.
fn password(
    credentials_dir: Option<&Path>,
    file: &Path,
) -> Result<Option<Zeroizing<String>>, RelayConfigError> {
    let credential = credentials_dir.map(|dir| dir.join("smtp.password"));
    let path = match credential.filter(|path| path.exists()) {
        Some(path) => path,
        None if file.as_os_str().is_empty() => return Ok(None),
        None => file.to_path_buf(),
    };
    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|source| {
        RelayConfigError::Password {
            path: path.clone(),
            source,
        }
    })?);
    // Files written by `echo` end with a newline that is not part of the password.
    Ok(Some(Zeroizing::new(
        text.trim_end_matches(['\r', '\n']).to_string(),
    )))
}

/// What a failed attempt means for the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The relay refused it for good (5xx): retrying cannot help.
    Permanent,
    /// A 4xx reply: the relay may take it later.
    Transient,
    /// No reply at all (connection refused, timeout, TLS): like `Transient` for the mail,
    /// and the other mails would fare no better now.
    Unreachable,
}

/// A reply code of 5xx is permanent; everything else, with or without a code, is worth
/// another try (RFC 5321 4.2.1). A misconfigured relay thus delays mail but never drops it;
/// the five-day limit ends what never gets through.
pub fn classify(status: Option<Code>) -> Failure {
    match status {
        Some(code) if code.severity == Severity::PermanentNegativeCompletion => Failure::Permanent,
        Some(_) => Failure::Transient,
        None => Failure::Unreachable,
    }
}

/// What the log may say about a failure: the reply code when there is one (the relay's
/// text often repeats the recipient's address), else the error, which then is about the
/// connection (refused, timed out, TLS) and names no person.
pub fn describe(error: &lettre::transport::smtp::Error) -> String {
    match error.status() {
        Some(code) => format!("the relay answered {code}"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use lettre::transport::smtp::response::{Category, Detail};

    use super::*;

    fn code(severity: Severity) -> Code {
        Code::new(severity, Category::MailSystem, Detail::Zero)
    }

    #[test]
    fn only_a_5xx_reply_gives_up() {
        assert_eq!(
            classify(Some(code(Severity::PermanentNegativeCompletion))),
            Failure::Permanent
        );
        assert_eq!(
            classify(Some(code(Severity::TransientNegativeCompletion))),
            Failure::Transient
        );
        // No reply at all: connection refused, timeout, TLS failure.
        assert_eq!(classify(None), Failure::Unreachable);
    }

    #[test]
    fn relay_addresses() {
        let parse = |relay, security| host_port(relay, security).ok();
        assert_eq!(
            parse("smtp.example.com:2525", "starttls"),
            Some(("smtp.example.com".into(), 2525))
        );
        assert_eq!(
            parse("smtp.example.com", "tls"),
            Some(("smtp.example.com".into(), 465))
        );
        assert_eq!(
            parse("smtp.example.com", "starttls"),
            Some(("smtp.example.com".into(), 587))
        );
        assert_eq!(parse("[::1]:25", "none"), Some(("::1".into(), 25)));
        assert_eq!(
            parse("127.0.0.1:25", "none"),
            Some(("127.0.0.1".into(), 25))
        );
        assert_eq!(parse("smtp.example.com:smtp", "none"), None);
        assert_eq!(parse(":25", "none"), None);
    }

    #[test]
    fn the_credential_wins_over_the_file_and_loses_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("relay.pw");
        std::fs::write(&file, "from the file\n").unwrap();
        let got = password(Some(dir.path()), &file).unwrap().unwrap();
        assert_eq!(got.as_str(), "from the file");
        std::fs::write(dir.path().join("smtp.password"), "from systemd\r\n").unwrap();
        let got = password(Some(dir.path()), &file).unwrap().unwrap();
        assert_eq!(got.as_str(), "from systemd");
        assert!(password(None, Path::new("")).unwrap().is_none());
        let missing = password(None, &dir.path().join("nope")).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }
}
