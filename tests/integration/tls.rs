//! TLS: versions, ALPN, the refusal of TLS 1.1, certificate reload on SIGHUP, and the
//! security headers on every response.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, DigitallySignedStruct, ProtocolVersion, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::harness::{Daemon, Options};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn trusting_daemon(
    daemon: &Daemon,
    version: &'static rustls::SupportedProtocolVersion,
    alpn: &[&[u8]],
) -> Arc<ClientConfig> {
    let pem = std::fs::read(daemon.data_dir.join("tls/cert.pem")).unwrap();
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

async fn connect(daemon: &Daemon, config: Arc<ClientConfig>) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(daemon.addr).await.unwrap();
    TlsConnector::from(config)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// One HTTP/1.1 request on an open stream; returns the whole response head and body.
async fn http1_get(stream: &mut TlsStream<TcpStream>, path: &str, close: bool) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: {connection}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|len| body.len() >= len) {
                break;
            }
        }
    }
    String::from_utf8(response).unwrap()
}

#[tokio::test]
async fn healthz_over_tls13_and_tls12_with_both_alpn_protocols() {
    let daemon = Daemon::start();
    for (version, expected) in [
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
    ] {
        let mut stream = connect(&daemon, trusting_daemon(&daemon, version, &[b"http/1.1"])).await;
        assert_eq!(stream.get_ref().1.protocol_version(), Some(expected));
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let response = http1_get(&mut stream, "/healthz", true).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
    }
    let h2 = connect(
        &daemon,
        trusting_daemon(&daemon, &rustls::version::TLS13, &[b"h2", b"http/1.1"]),
    )
    .await;
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    // And a real HTTP/2 request through reqwest.
    let response = daemon
        .client()
        .get(daemon.localhost_url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 200);
}

/// A ClientHello that offers only TLS 1.1 (no supported_versions extension).
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version TLS 1.1
    body.extend_from_slice(&[0x5a; 32]); // random
    body.push(0); // session id
    // Modern suites too, so that the version is the only thing the server can object to.
    let suites: [u8; 16] = [
        0xc0, 0x2f, 0xc0, 0x2b, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x2f, 0x00, 0x35, 0xc0, 0x09, 0xc0,
        0x0a,
    ];
    body.extend_from_slice(&(suites.len() as u16).to_be_bytes());
    body.extend_from_slice(&suites);
    body.extend_from_slice(&[1, 0]); // compression: null
    // Signature algorithms and groups a modern server accepts, so that the version is the
    // only thing to object to.
    let extensions: &[u8] = &[
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x01, 0x04, 0x03, 0x08,
        0x04, // signature_algorithms
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, // supported_groups
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats
    ];
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend_from_slice(extensions);
    let mut handshake = vec![0x01];
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

#[tokio::test]
async fn a_tls11_only_client_is_refused() {
    let daemon = Daemon::start();
    let mut tcp = TcpStream::connect(daemon.addr).await.unwrap();
    tcp.write_all(&tls11_client_hello()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    assert!(
        !(reply.first() == Some(&0x16) && reply.get(5) == Some(&0x02)),
        "the server sent a ServerHello to a TLS 1.1 client: {reply:02x?}"
    );
    assert_eq!(
        reply.first(),
        Some(&0x15),
        "expected a TLS alert, got {reply:02x?}"
    );
    assert_eq!(
        reply.get(6),
        Some(&70),
        "expected alert protocol_version (70): {reply:02x?}"
    );
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let daemon = Daemon::start();
    let client = daemon.client();
    for path in ["/healthz", "/no-such-page", "/api/v1/openapi.json"] {
        let response = client.get(daemon.localhost_url(path)).send().await.unwrap();
        let headers = response.headers();
        assert!(
            headers["strict-transport-security"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
}

/// Accepts any certificate, so the test can see which one the server presents.
#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn any_cert_config() -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider())))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn write_cert(dir: &std::path::Path, name: &str) -> Vec<u8> {
    let generated = rcgen::generate_simple_self_signed(vec![format!("{name}.example")]).unwrap();
    std::fs::write(dir.join("cert.pem"), generated.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem()).unwrap();
    generated.cert.der().to_vec()
}

async fn presented_cert(daemon: &Daemon) -> Vec<u8> {
    let stream = connect(daemon, any_cert_config()).await;
    stream.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

#[tokio::test]
async fn sighup_swaps_the_certificate_without_dropping_connections() {
    let certs = tempfile::tempdir().unwrap();
    let first = write_cert(certs.path(), "first");
    let config = format!(
        "[tls]\ncert_file = \"{0}/cert.pem\"\nkey_file = \"{0}/key.pem\"\n",
        certs.path().display()
    );
    let daemon = Daemon::start_with(Options {
        config: Some(config),
        ..Options::default()
    });
    assert_eq!(presented_cert(&daemon).await, first);
    let mut kept_open = connect(&daemon, any_cert_config()).await;
    assert!(
        http1_get(&mut kept_open, "/healthz", false)
            .await
            .starts_with("HTTP/1.1 200")
    );

    let second = write_cert(certs.path(), "second");
    daemon.signal(nix::sys::signal::Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(10);
    while presented_cert(&daemon).await != second {
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The connection made before the reload still works.
    assert!(
        http1_get(&mut kept_open, "/healthz", true)
            .await
            .starts_with("HTTP/1.1 200")
    );

    // A broken certificate on the next reload keeps the current one in service.
    std::fs::write(certs.path().join("cert.pem"), "not a certificate").unwrap();
    daemon.signal(nix::sys::signal::Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !daemon.stderr().contains("certificate reload failed") {
        assert!(
            Instant::now() < deadline,
            "the failed reload was not logged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(presented_cert(&daemon).await, second);
}
