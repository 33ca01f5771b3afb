//! Assembles the domains' routes and the middleware every request passes through.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use super::{health, middleware};
use crate::app::AppState;
use crate::config::Config;
use crate::http::{error, openapi, page};
use crate::search;
use crate::{accounts, attachments, audit, auth, contacts, panel, portal, setup, tickets};

pub fn build(state: AppState, config: &Config) -> Router {
    let request_timeout = Duration::from_secs(config.http.request_timeout_secs);
    let body_limit = usize::try_from(config.http.max_body_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/static/app.css", get(page::app_css))
        .route("/static/webauthn.js", get(page::webauthn_js))
        .route("/static/panel.js", get(page::panel_js))
        .merge(accounts::routes::routes())
        .merge(contacts::routes::routes())
        .merge(crate::privacy::routes::routes())
        .merge(tickets::routes::routes())
        .merge(tickets::departments::routes())
        .merge(crate::spam::routes::routes())
        .merge(search::routes::routes())
        .merge(attachments::routes::routes(state.clone()))
        .merge(crate::chat::routes(state.clone()))
        .merge(audit::routes::routes())
        .merge(auth::routes::routes())
        .merge(setup::routes::routes())
        .merge(portal::routes())
        .merge(
            panel::routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                panel::allowlist_guard,
            )),
        )
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state.clone())
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    state.metrics.clone(),
                    middleware::observe,
                ))
                .layer(axum::middleware::from_fn(middleware::security_headers))
                .layer(axum::middleware::from_fn(middleware::pages_for_browsers))
                .layer(axum::middleware::from_fn(middleware::json_errors))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    request_timeout,
                ))
                .layer(RequestBodyTimeoutLayer::new(request_timeout))
                .layer(DefaultBodyLimit::max(body_limit))
                .layer(RequestBodyLimitLayer::new(body_limit)),
        )
}
