//! HTTPS as clients meet it: TLS 1.3 and 1.2 with both ALPN protocols, no TLS 1.1, and the
//! security headers on every response.

use std::time::Duration;

use rustls::ProtocolVersion;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::Daemon;
use crate::tls_client::{connect, http1_get, trusting_daemon};

#[tokio::test]
async fn healthz_over_tls13_and_tls12_with_h2_and_http11() {
    let daemon = Daemon::fresh();
    let versions = [
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
    ];
    for (version, expected_version) in versions {
        for (alpn, expected_http) in [
            (&b"h2"[..], reqwest::Version::HTTP_2),
            (&b"http/1.1"[..], reqwest::Version::HTTP_11),
        ] {
            let case = format!("{expected_version:?} + {}", String::from_utf8_lossy(alpn));
            let config = trusting_daemon(&daemon, version, &[alpn]);

            // The handshake itself: the version and the protocol the server picked.
            let stream = connect(&daemon, config.clone()).await;
            let (_, session) = stream.get_ref();
            assert_eq!(session.protocol_version(), Some(expected_version), "{case}");
            assert_eq!(session.alpn_protocol(), Some(alpn), "{case}");
            drop(stream);

            // A real request over a client that can speak nothing but this version and
            // protocol, checked against only the daemon's certificate.
            let client = reqwest::Client::builder()
                .use_preconfigured_tls(config)
                .resolve("localhost", daemon.addr())
                .build()
                .unwrap();
            let response = client.get(daemon.url("/healthz")).send().await.unwrap();
            assert_eq!(response.version(), expected_http, "{case}");
            assert_eq!(response.status(), 200, "{case}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body, serde_json::json!({"status": "ok"}), "{case}");
        }
    }

    // And a raw HTTP/1.1 exchange over TLS 1.2, byte for byte.
    let mut stream = connect(
        &daemon,
        trusting_daemon(&daemon, &rustls::version::TLS12, &[b"http/1.1"]),
    )
    .await;
    let response = http1_get(&mut stream, "/healthz", false).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
}

/// A ClientHello as a TLS 1.1-only client sends it: `client_version` 0x0302 and no
/// `supported_versions` extension. Its suites include modern ECDHE ones and its extensions
/// name groups and signature schemes a TLS 1.2 server accepts, so the protocol version is the
/// only thing the server can object to.
fn tls11_client_hello(record_version: [u8; 2]) -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version: TLS 1.1
    body.extend_from_slice(&[0x5a; 32]); // random
    body.push(0); // no session id
    let suites: &[u16] = &[
        0xc02f, // ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.2 only)
        0xc02b, // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (TLS 1.2 only)
        0xc013, // ECDHE_RSA_WITH_AES_128_CBC_SHA
        0xc014, // ECDHE_RSA_WITH_AES_256_CBC_SHA
        0xc009, // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        0xc00a, // ECDHE_ECDSA_WITH_AES_256_CBC_SHA
        0x002f, // RSA_WITH_AES_128_CBC_SHA
        0x0035, // RSA_WITH_AES_256_CBC_SHA
    ];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for suite in suites {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression methods: null
    let mut extensions = Vec::new();
    let mut extension = |kind: u16, data: &[u8]| {
        extensions.extend_from_slice(&kind.to_be_bytes());
        extensions.extend_from_slice(&(data.len() as u16).to_be_bytes());
        extensions.extend_from_slice(data);
    };
    extension(0x000a, &[0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]); // groups: x25519, secp256r1
    extension(0x000b, &[0x01, 0x00]); // ec_point_formats: uncompressed
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
    extension(0x000d, &[0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]);
    let mut server_name = vec![0x00, 0x0c, 0x00, 0x00, 0x09];
    server_name.extend_from_slice(b"localhost");
    extension(0x0000, &server_name);
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend_from_slice(&extensions);

    let mut handshake = vec![0x01]; // ClientHello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, record_version[0], record_version[1]];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// Everything the server sends until it closes (or resets) the connection.
async fn read_until_closed(tcp: &mut TcpStream) -> Vec<u8> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_all)
        .await
        .expect("the server neither answered nor closed the connection");
    reply
}

#[tokio::test]
async fn a_tls11_only_client_is_refused() {
    let daemon = Daemon::fresh();
    for record_version in [[0x03, 0x01], [0x03, 0x02]] {
        let mut tcp = TcpStream::connect(daemon.addr()).await.unwrap();
        tcp.write_all(&tls11_client_hello(record_version))
            .await
            .unwrap();
        let reply = read_until_closed(&mut tcp).await;
        // Walk the records: none may be a handshake record carrying a ServerHello.
        let mut rest = &reply[..];
        while rest.len() >= 6 {
            let length = u16::from_be_bytes([rest[3], rest[4]]) as usize;
            assert!(
                !(rest[0] == 0x16 && rest[5] == 0x02),
                "the server sent a ServerHello to a TLS 1.1 client: {reply:02x?}"
            );
            rest = &rest[(5 + length).min(rest.len())..];
        }
        // A clean refusal is a fatal protocol_version alert (a bare close also refuses).
        if !reply.is_empty() {
            assert_eq!(reply[0], 0x15, "expected a TLS alert record: {reply:02x?}");
            assert_eq!(
                reply.get(5..7),
                Some(&[2u8, 70][..]),
                "expected a fatal protocol_version (70) alert: {reply:02x?}"
            );
        }
    }
    // The daemon is unharmed by the refusal.
    let response = daemon
        .client()
        .get(daemon.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let daemon = Daemon::fresh();
    let setup_page = format!("/setup?token={}", daemon.setup_token());
    let client = daemon.client();
    let cases = [
        ("/healthz", 200),
        ("/no-such-page", 404),
        ("/api/v1/me", 401),
        ("/api/v1/openapi.json", 200),
        (setup_page.as_str(), 200),
    ];
    for (path, status) in cases {
        let response = client.get(daemon.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .unwrap_or_else(|| panic!("{path}: no {name} header in {headers:?}"))
                .to_str()
                .unwrap()
                .to_string()
        };
        assert!(
            header("strict-transport-security").contains("max-age="),
            "{path}"
        );
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert!(!header("referrer-policy").is_empty(), "{path}");
    }
}
