//! Accepting connections and serving HTTP/1.1 and HTTP/2 on them, with the limits that keep
//! slow or numerous clients from exhausting the daemon, and a bounded graceful drain.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::idle::IdleTimeout;
use crate::http::{ClientAddr, ConnectionSlot};
use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub handshake_timeout: Duration,
    pub idle_timeout: Duration,
    pub shutdown_grace: Duration,
}

/// Serves `app` on `listener` until `stop` turns true, then lets open requests finish within
/// the grace period.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let builder = Arc::new(http_builder(&limits));
    loop {
        // At the connection limit, stop accepting: new clients wait in the kernel's backlog.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = until_stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = until_stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let (builder, tls, app, metrics) =
            (builder.clone(), tls.clone(), app.clone(), metrics.clone());
        let handshake_timeout = limits.handshake_timeout;
        let (first_byte, idle) = (limits.header_read_timeout, limits.idle_timeout);
        tokio::spawn(async move {
            let slot = ConnectionSlot::new((permit, metrics.connection_opened()));
            let service = TowerToHyperService::new(app.map_request(
                move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ClientAddr(peer));
                    request.extensions_mut().insert(slot.clone());
                    request
                },
            ));
            let result = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => {
                            // Timed above TLS: the deadlines are about HTTP bytes.
                            let io = IdleTimeout::new(tls_stream, first_byte, idle);
                            let conn =
                                builder.serve_connection_with_upgrades(TokioIo::new(io), service);
                            watcher.watch(conn.into_owned()).await
                        }
                        Ok(Err(e)) => {
                            metrics.tls_handshake_failed();
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            metrics.tls_handshake_failed();
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    }
                }
                None => {
                    let io = IdleTimeout::new(stream, first_byte, idle);
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = limits.shutdown_grace.as_secs(),
            "connections still open after the grace period were cut"
        );
    }
}

fn http_builder(limits: &Limits) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // Slowloris: the request head must arrive within this time.
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(128)
        .max_header_list_size(64 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    builder
}

async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    // The borrowed value is dropped here, so the caller's future stays `Send`.
    let _ = stop.wait_for(|stopped| *stopped).await;
}
