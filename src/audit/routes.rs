//! `GET /api/v1/audit`: the owner and admins read the account's audit log, as JSON or CSV.

use crate::auth::AdminAuth;
use axum::Json;
use axum::Router;
use axum::extract::Query as QueryString;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{Query, list, parse_time_bound, to_csv};
use crate::app::AppState;
use crate::http::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(read_log))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    before: Option<i64>,
    action: Option<String>,
    actor: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    format: Option<String>,
}

async fn read_log(
    auth: AdminAuth,
    QueryString(params): QueryString<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wants_csv = params.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    if let Some(format) = params
        .format
        .as_deref()
        .filter(|f| *f != "csv" && *f != "json")
    {
        return Err(ApiError::bad_request(
            "invalid_format",
            format!("unknown format `{format}` (use json or csv)"),
        ));
    }
    let bound = |name: &str, value: Option<&str>, end| match value {
        None => Ok(None),
        Some(text) => parse_time_bound(text, end).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_time",
                format!("`{name}` must be an RFC 3339 time or a date like 2026-12-01"),
            )
        }),
    };
    let query = Query {
        before: params.before,
        action: params.action,
        actor: params.actor,
        since: bound("since", params.since.as_deref(), false)?,
        until: bound("until", params.until.as_deref(), true)?,
        limit: params.limit.unwrap_or(100).clamp(1, 10_000),
    };
    let rows = list(&auth.db, query).await?;
    if wants_csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit.csv\"",
                ),
            ],
            to_csv(&rows),
        )
            .into_response());
    }
    Ok(Json(json!({ "entries": rows })).into_response())
}
