//! SIGHUP reloads the certificate and key from the configured files: new connections get the
//! new certificate, connections already open keep working.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::harness::{Daemon, Options};
use crate::tls_client::{any_certificate, connect, http1_get, presented_certificate};

/// Writes a fresh self-signed certificate and key for `name` to `dir`; returns its DER.
fn write_certificate(dir: &Path, name: &str) -> Vec<u8> {
    let generated = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
    std::fs::write(dir.join("cert.pem"), generated.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem()).unwrap();
    generated.cert.der().to_vec()
}

fn configured_files(dir: &Path) -> Options {
    Options::default().config(format!(
        "[tls]\ncert_file = \"{0}/cert.pem\"\nkey_file = \"{0}/key.pem\"\n",
        dir.display()
    ))
}

/// Polls new connections until the daemon presents `wanted` (bounded).
async fn wait_for_certificate(daemon: &Daemon, wanted: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while presented_certificate(daemon).await != wanted {
        assert!(
            Instant::now() < deadline,
            "new connections never got the reloaded certificate"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn sighup_swaps_the_certificate_and_keeps_open_connections() {
    let certs = tempfile::tempdir().unwrap();
    let first = write_certificate(certs.path(), "first.example");
    let daemon = Daemon::start(configured_files(certs.path()));
    assert_eq!(presented_certificate(&daemon).await, first);

    // A keep-alive connection made before the reload.
    let mut kept_open = connect(&daemon, any_certificate()).await;
    assert_eq!(
        kept_open.get_ref().1.peer_certificates().unwrap()[0].as_ref(),
        &first[..]
    );
    let response = http1_get(&mut kept_open, "/healthz", true).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let second = write_certificate(certs.path(), "second.example");
    assert_ne!(first, second);
    daemon.signal(Signal::SIGHUP);
    wait_for_certificate(&daemon, &second).await;

    // The old connection is still there and still answers.
    let response = http1_get(&mut kept_open, "/healthz", false).await;
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the connection from before the reload no longer answers: {response}"
    );
}

#[tokio::test]
async fn a_broken_certificate_on_sighup_keeps_the_current_one() {
    let certs = tempfile::tempdir().unwrap();
    let first = write_certificate(certs.path(), "first.example");
    let daemon = Daemon::start(configured_files(certs.path()));
    assert_eq!(presented_certificate(&daemon).await, first);

    std::fs::write(certs.path().join("cert.pem"), "not a certificate").unwrap();
    daemon.signal(Signal::SIGHUP);
    // The daemon says the reload failed (the only sign that it has handled the signal).
    assert!(
        daemon.stderr.wait_for("reload failed"),
        "a failed reload is not logged"
    );
    assert_eq!(presented_certificate(&daemon).await, first);
    let response = daemon
        .client_for_hosts(&["localhost"])
        .get(daemon.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
