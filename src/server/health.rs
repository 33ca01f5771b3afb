//! Appliance-level endpoints: liveness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::http::{ApiError, ClientAddr};

/// Liveness: the process answers HTTPS. Deeper checks feed the systemd watchdog.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Prometheus text, for loopback clients or holders of the metrics token.
pub async fn metrics(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !peer.ip().is_loopback() && !bearer_matches(&headers, state.metrics_token.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "metrics are served to loopback clients or with the metrics token",
        ));
    }
    let body = state.metrics.render(&state.store);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

fn bearer_matches(headers: &HeaderMap, expected: Option<&String>) -> bool {
    let (Some(expected), Some(given)) = (
        expected,
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ")),
    ) else {
        return false;
    };
    given.trim().as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_the_exact_bearer_token_opens_metrics() {
        let token = "a-metrics-token-of-some-length".to_string();
        assert!(bearer_matches(
            &headers("Bearer a-metrics-token-of-some-length"),
            Some(&token)
        ));
        assert!(!bearer_matches(
            &headers("Bearer a-metrics-token-of-some-lengtX"),
            Some(&token)
        ));
        assert!(!bearer_matches(
            &headers("Bearer a-metrics-token"),
            Some(&token)
        ));
        assert!(!bearer_matches(
            &headers("Basic a-metrics-token-of-some-length"),
            Some(&token)
        ));
        assert!(!bearer_matches(&HeaderMap::new(), Some(&token)));
        // Without a configured token, nothing but loopback gets in.
        assert!(!bearer_matches(&headers("Bearer "), None));
    }
}
