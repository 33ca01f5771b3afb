//! `/chat/widget.js`: the embeddable widget, with the account's settings (theme, greeting,
//! consent texts) written in front of the script, so a page needs one request to show the
//! button. The script is ours, plain JavaScript in a shadow DOM (no frame).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::routes::in_service;
use super::settings;
use crate::app::AppState;
use crate::http::{ApiError, CurrentAccount};

const SCRIPT: &str = include_str!("assets/widget.js");

pub async fn script(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    in_service(&account)?;
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let settings = settings::load(&db).await?;
    let config = json!({
        "account": account.slug,
        "consentRequired": settings.consent_required,
        "color": settings.theme_color,
        "position": settings.position,
        "greeting": settings.greeting,
        "consent": settings.consent,
    });
    let body = format!("(function(){{var HDK_CONFIG={config};\n{SCRIPT}\n}})();\n");
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response();
    let out = response.headers_mut();
    // Loaded by other sites' pages: allowed across origins, and CORS for the listed ones
    // (a page that loads it with `crossorigin`).
    out.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !origin.is_empty() && settings.allows_origin(origin, host) {
        if let Ok(value) = HeaderValue::from_str(origin) {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
    }
    Ok(response)
}
