//! Slow or silent clients cannot hold connections: the server closes them (slowloris).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Daemon, Options};
use crate::tls_client::{any_certificate, connect};

/// Far above the configured 1 s: only a connection that is never closed fails the test.
const BOUND: Duration = Duration::from_secs(20);

fn daemon_with_short_timeouts() -> Daemon {
    Daemon::start(
        Options::default()
            .env("HELPDESKD_HTTP_HEADER_READ_TIMEOUT_SECS", "1")
            .env("HELPDESKD_HTTP_IDLE_TIMEOUT_SECS", "1"),
    )
}

/// Reads until the server closes; fails if it never does within the bound.
async fn closed_by_server(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
    received
}

#[tokio::test]
async fn partial_request_headers_are_cut_off() {
    let daemon = daemon_with_short_timeouts();
    let mut stream = connect(&daemon, any_certificate()).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let received = closed_by_server(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&received).contains("200 OK"),
        "an unfinished request must not be served"
    );
}

#[tokio::test]
async fn a_client_silent_after_the_handshake_is_cut_off() {
    let daemon = daemon_with_short_timeouts();
    let mut stream = connect(&daemon, any_certificate()).await;
    assert!(closed_by_server(&mut stream).await.is_empty());
}

#[tokio::test]
async fn a_client_that_never_starts_the_handshake_is_cut_off() {
    let daemon = daemon_with_short_timeouts();
    let mut tcp = TcpStream::connect(daemon.addr()).await.unwrap();
    assert!(closed_by_server(&mut tcp).await.is_empty());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_request() {
    let daemon = daemon_with_short_timeouts();
    let mut stream = connect(&daemon, any_certificate()).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let received = closed_by_server(&mut stream).await;
    assert!(
        String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"),
        "the complete request is answered before the connection closes"
    );
}
