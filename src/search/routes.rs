//! `/api/v1/search` and `/api/v1/views…`. Thin: parse, call the search, shape JSON.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Assignee, Cursor, Filters, NewView, Search, SearchError, ViewPatch, views};
use crate::app::AppState;
use crate::audit::parse_time_bound;
use crate::auth::Authenticated;
use crate::http::{ApiError, ApiJson};
use crate::tickets::Viewer;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/search", get(search))
        .route("/api/v1/views", get(list_views).post(create_view))
        .route(
            "/api/v1/views/{id}",
            get(show_view).patch(change_view).delete(delete_view),
        )
        .route("/api/v1/views/{id}/tickets", get(run_view))
}

/// The parameters of `GET /api/v1/search`: `q` and the ticket list's filters.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SearchParams {
    q: Option<String>,
    status: Option<String>,
    assignee: Option<String>,
    department: Option<i64>,
    tag: Option<String>,
    contact: Option<i64>,
    updated_since: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PageParams {
    cursor: Option<String>,
    limit: Option<u32>,
}

fn cursor(text: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    text.filter(|c| !c.is_empty())
        .map(|c| {
            Cursor::parse(c).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "`cursor` must be the `next` value of a previous page",
                )
            })
        })
        .transpose()
}

fn limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(25).clamp(1, 100)
}

async fn search(
    auth: Authenticated,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let q = params.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(SearchError::EmptyQuery.into());
    }
    let assignee = match params.assignee.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Assignee::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_assignee",
                "`assignee` is a user id, `me` or `none`",
            )
        })?),
    };
    let updated_since = params
        .updated_since
        .as_deref()
        .map(|t| {
            parse_time_bound(t, false).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_time",
                    "`updated_since` must be an RFC 3339 time or a date",
                )
            })
        })
        .transpose()?;
    let search = Search {
        q: Some(q),
        filters: Filters {
            statuses: crate::tickets::routes::statuses(params.status.as_deref())?,
            assignee,
            department_id: params.department,
            tag: params.tag.filter(|t| !t.trim().is_empty()),
            contact_id: params.contact,
            updated_since,
        },
        limit: limit(params.limit),
        cursor: cursor(params.cursor.as_deref())?,
    };
    let page = super::find(&auth.db, Viewer::of(&auth.user), search).await?;
    Ok(Json(json!(page)))
}

async fn list_views(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let views = views::list(&auth.db, auth.user.id).await?;
    Ok(Json(json!({ "views": views })))
}

async fn create_view(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewView>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let view = views::create(&auth.db, state.clock.now_unix(), auth.user.id, body).await?;
    Ok((StatusCode::CREATED, Json(json!(view))))
}

async fn show_view(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(views::get(&auth.db, auth.user.id, &id).await?)))
}

async fn change_view(
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ViewPatch>,
) -> Result<Json<Value>, ApiError> {
    let view = views::update(&auth.db, auth.user.id, &id, body).await?;
    Ok(Json(json!(view)))
}

async fn delete_view(auth: Authenticated, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    views::delete(&auth.db, auth.user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a view: its query as a search (with `q`) or as a filtered list (without).
async fn run_view(
    auth: Authenticated,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<Value>, ApiError> {
    let view = views::get(&auth.db, auth.user.id, &id).await?;
    let (q, filters) = view.query.search_parts();
    let search = Search {
        q,
        filters,
        limit: limit(params.limit),
        cursor: cursor(params.cursor.as_deref())?,
    };
    let page = super::find(&auth.db, Viewer::of(&auth.user), search).await?;
    Ok(Json(json!(page)))
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::EmptyQuery => ApiError::bad_request(
                "empty_query",
                "`q` is required and must contain something to search for",
            ),
            SearchError::Invalid(_) => ApiError::unprocessable("invalid_field", e.to_string()),
            SearchError::BadCursor => ApiError::bad_request("invalid_cursor", e.to_string()),
            SearchError::NotFound(_) => ApiError::not_found(e.to_string()),
            SearchError::BuiltIn => ApiError::conflict("builtin_view", e.to_string()),
            SearchError::NameTaken(_) => ApiError::conflict("name_taken", e.to_string()),
            SearchError::Store(e) => e.into(),
        }
    }
}
