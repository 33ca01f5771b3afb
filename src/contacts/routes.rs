//! `/api/v1/contacts`: list, create, read, change, merge. Deleting a person's profile is the
//! privacy tools' job (a GDPR erasure with its audit trail); until they exist, DELETE says
//! so with 501 and deletes nothing.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ContactError, ContactPatch, NewContact};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::http::{ApiError, ApiJson};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(list).post(create))
        .route(
            "/api/v1/contacts/{id}",
            get(show).patch(change).delete(delete),
        )
        .route("/api/v1/contacts/{id}/merge", post(merge))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ListParams {
    email: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn list(
    auth: Authenticated,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let before = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            ApiError::bad_request(
                "invalid_cursor",
                "`cursor` must be the `next` value of a previous page",
            )
        })?),
    };
    let limit = params.limit.unwrap_or(50).clamp(1, 200);
    let contacts = super::list(&auth.db, params.email, before, limit).await?;
    let next = (contacts.len() == limit as usize)
        .then(|| contacts.last().map(|c| c.id.to_string()))
        .flatten();
    Ok(Json(json!({ "contacts": contacts, "next": next })))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let contact = super::create(&auth.db, state.clock.now_unix(), body).await?;
    Ok((StatusCode::CREATED, Json(json!(contact))))
}

async fn show(auth: Authenticated, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(super::get(&auth.db, id).await?)))
}

async fn change(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContactPatch>,
) -> Result<Json<Value>, ApiError> {
    let contact = super::update(&auth.db, state.clock.now_unix(), id, body).await?;
    Ok(Json(json!(contact)))
}

async fn delete(auth: Authenticated, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    super::get(&auth.db, id).await?;
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "deleting a person's profile is done with the privacy tools (erasure with an audit trail), which are not built yet; nothing was deleted",
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Merge {
    into: i64,
}

async fn merge(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Merge>,
) -> Result<Json<Value>, ApiError> {
    let contact = super::merge(&auth.db, state.clock.now_unix(), id, body.into).await?;
    Ok(Json(json!(contact)))
}

impl From<ContactError> for ApiError {
    fn from(e: ContactError) -> Self {
        match e {
            ContactError::InvalidEmail(_) => {
                ApiError::unprocessable("invalid_email", e.to_string())
            }
            ContactError::Invalid(_) => ApiError::unprocessable("invalid_field", e.to_string()),
            ContactError::EmailTaken(..) => ApiError::conflict("email_taken", e.to_string()),
            ContactError::NotFound(_) => ApiError::not_found(e.to_string()),
            ContactError::Store(e) => e.into(),
        }
    }
}
