//! TLS with rustls only: TLS 1.3 and 1.2, ALPN h2 and http/1.1, and a certificate that can
//! be swapped at run time (SIGHUP) without touching open connections.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::config::TlsConfig;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no usable PEM private key: {reason}")]
    BadKey { path: PathBuf, reason: String },
    #[error("cannot generate the self-signed certificate: {0}")]
    Generate(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the certificate comes from; reloading reads the same place again.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub self_signed: bool,
}

impl CertificateFiles {
    /// The configured files, or the self-signed pair in `<data_dir>/tls/`.
    pub fn from_config(tls: &TlsConfig, tls_dir: &Path) -> CertificateFiles {
        if tls.cert_file.as_os_str().is_empty() {
            CertificateFiles {
                cert: tls_dir.join("cert.pem"),
                key: tls_dir.join("key.pem"),
                self_signed: true,
            }
        } else {
            CertificateFiles {
                cert: tls.cert_file.clone(),
                key: tls.key_file.clone(),
                self_signed: false,
            }
        }
    }

    /// Generates the self-signed pair if this is the self-signed location and it is empty,
    /// or its certificate expires within 30 days.
    pub fn ensure_self_signed(&self) -> Result<(), TlsError> {
        if !self.self_signed {
            return Ok(());
        }
        if let Some(not_after) = not_after(&self.cert) {
            if not_after - time::OffsetDateTime::now_utc() > time::Duration::days(30) {
                return Ok(());
            }
        }
        let now = time::OffsetDateTime::now_utc();
        let names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
        let generate = || -> Result<(String, String), rcgen::Error> {
            let mut params = rcgen::CertificateParams::new(names)?;
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, "helpdeskd self-signed");
            params.not_before = now - time::Duration::days(1);
            params.not_after = now + time::Duration::days(SELF_SIGNED_DAYS);
            let key = rcgen::KeyPair::generate()?;
            let cert = params.self_signed(&key)?;
            Ok((cert.pem(), key.serialize_pem()))
        };
        let (cert_pem, key_pem) = generate().map_err(|e| TlsError::Generate(e.to_string()))?;
        if let Some(dir) = self.key.parent() {
            fs::create_dir_all(dir).map_err(|source| TlsError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        write_private(&self.key, key_pem.as_bytes())?;
        write_private(&self.cert, cert_pem.as_bytes())?;
        Ok(())
    }
}

/// How long a generated self-signed certificate is valid; it is renewed at start 30 days
/// before it ends.
const SELF_SIGNED_DAYS: i64 = 5 * 365;

/// The end of validity of the first certificate in a PEM file.
pub fn not_after(cert_file: &Path) -> Option<time::OffsetDateTime> {
    let pem = fs::read(cert_file).ok()?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).ok()?;
    let cert = pem.parse_x509().ok()?;
    time::OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp()).ok()
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let fail = |source| TlsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads and checks a certificate chain and its key.
pub fn load_certified_key(files: &CertificateFiles) -> Result<CertifiedKey, TlsError> {
    let read = |path: &Path| {
        fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let cert_pem = read(&files.cert)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: files.cert.clone(),
        });
    }
    let key_pem = zeroize::Zeroizing::new(read(&files.key)?);
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::BadKey {
        path: files.key.clone(),
        reason: e.to_string(),
    })?;
    let certified =
        CertifiedKey::from_der(chain, key, &provider()).map_err(|e| TlsError::BadKey {
            path: files.key.clone(),
            reason: e.to_string(),
        })?;
    Ok(certified)
}

/// Hands every new handshake the current certificate; `reload` swaps it atomically.
#[derive(Debug)]
pub struct ReloadableCertificate {
    files: CertificateFiles,
    current: ArcSwap<CertifiedKey>,
}

impl ReloadableCertificate {
    pub fn load(files: CertificateFiles) -> Result<Arc<Self>, TlsError> {
        files.ensure_self_signed()?;
        let key = load_certified_key(&files)?;
        Ok(Arc::new(ReloadableCertificate {
            files,
            current: ArcSwap::from_pointee(key),
        }))
    }

    /// Re-reads the files; on any error the current certificate stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let key = load_certified_key(&self.files)?;
        self.current.store(Arc::new(key));
        Ok(())
    }

    pub fn files(&self) -> &CertificateFiles {
        &self.files
    }
}

impl ResolvesServerCert for ReloadableCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

pub fn server_config(cert: Arc<ReloadableCertificate>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_is_generated_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = CertificateFiles::from_config(&TlsConfig::default(), dir.path());
        let cert = ReloadableCertificate::load(files.clone()).unwrap();
        let first = fs::read(&files.cert).unwrap();
        let again = ReloadableCertificate::load(files.clone()).unwrap();
        assert_eq!(first, fs::read(&files.cert).unwrap(), "not regenerated");
        let mode = fs::metadata(&files.key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(server_config(cert).is_ok());
        assert!(again.reload().is_ok());
    }

    #[test]
    fn reload_keeps_the_old_certificate_when_the_new_files_are_bad() {
        let dir = tempfile::tempdir().unwrap();
        let files = CertificateFiles::from_config(&TlsConfig::default(), dir.path());
        let cert = ReloadableCertificate::load(files.clone()).unwrap();
        let before = cert.current.load_full().cert[0].clone();
        fs::write(&files.cert, b"garbage").unwrap();
        assert!(cert.reload().is_err());
        assert_eq!(cert.current.load_full().cert[0], before);
    }
}
