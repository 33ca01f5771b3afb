//! Extractors shared by the domains' routes.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use super::ApiError;
use crate::accounts::RoutedAccount;
use crate::app::AppState;

/// The account a request reaches, by its host name. Unknown host: 404.
pub struct CurrentAccount(pub RoutedAccount);

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // HTTP/2 carries the host in `:authority`, HTTP/1.1 in `Host`.
        let host = parts
            .uri
            .authority()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
            });
        match state.directory.resolve(host.as_deref()).await? {
            Some(account) => Ok(CurrentAccount(account)),
            None => Err(ApiError::not_found(
                "no helpdesk is served on this host name",
            )),
        }
    }
}

/// The `host[:port]` the client addressed (HTTP/2 `:authority` or HTTP/1.1 `Host`).
pub struct Authority(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Authority {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .uri
            .authority()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
            })
            .map(Authority)
            .ok_or_else(|| ApiError::bad_request("missing_host", "the request names no host"))
    }
}

/// A client connection's place under `http.max_connections` (and in the open-connections
/// gauge), inserted by the listener. The connection holds it while hyper serves it; an
/// upgraded WebSocket outlives that, so its handler keeps a clone for the socket's life —
/// otherwise every open chat socket would hand its slot back at the upgrade.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl ConnectionSlot {
    pub fn new(held: impl std::any::Any + Send + Sync) -> ConnectionSlot {
        ConnectionSlot(std::sync::Arc::new(held))
    }
}

/// The TCP peer of the connection, inserted by the listener.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| ApiError::internal("listener did not record the client address"))
    }
}

/// `Json` whose rejections are our JSON errors (400/413/415/422) instead of plain text.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let message = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected `Content-Type: application/json`",
        ),
        JsonRejection::JsonDataError(_) => ApiError::unprocessable("invalid_field", message),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("invalid_json", message),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the request body is too large",
        ),
        _ => ApiError::bad_request("invalid_body", message),
    }
}
