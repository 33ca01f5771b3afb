//! `/api/v1/contacts`: list, create, read, change, merge. Deleting a person's profile is the
//! privacy tools' job (a GDPR erasure with its audit trail); until they exist, DELETE says
//! so with 501 and deletes nothing. With departments restricted, an agent reaches only the
//! contacts the panel shows them (`contacts::visible_to`); others answer 404 like a missing
//! one. Changes and merges are audited like the panel's.

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
use crate::tickets::Viewer;

/// 404 (as if absent) when departments are restricted and the contact is not one of the
/// agent's.
async fn reachable(auth: &Authenticated, id: i64) -> Result<(), ApiError> {
    let shown = super::visible_to(&auth.db, Viewer::of(&auth.user), vec![id]).await?;
    if shown.is_empty() {
        return Err(ContactError::NotFound(id).into());
    }
    Ok(())
}

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
    let mut contacts = super::list(&auth.db, params.email, before, limit).await?;
    // The cursor follows the unfiltered page, so a page thinned by the department rule
    // still leads on to the next one.
    let next = (contacts.len() == limit as usize)
        .then(|| contacts.last().map(|c| c.id.to_string()))
        .flatten();
    let ids = contacts.iter().map(|c| c.id).collect();
    let shown = super::visible_to(&auth.db, Viewer::of(&auth.user), ids).await?;
    contacts.retain(|c| shown.contains(&c.id));
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
    reachable(&auth, id).await?;
    Ok(Json(json!(super::get(&auth.db, id).await?)))
}

async fn change(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContactPatch>,
) -> Result<Json<Value>, ApiError> {
    reachable(&auth, id).await?;
    let now = state.clock.now_unix();
    let contact = super::update_recorded(&auth.db, now, id, body, auth.actor()).await?;
    Ok(Json(json!(contact)))
}

async fn delete(auth: Authenticated, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    reachable(&auth, id).await?;
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
    reachable(&auth, id).await?;
    reachable(&auth, body.into).await?;
    let now = state.clock.now_unix();
    let contact = super::merge_recorded(&auth.db, now, id, body.into, auth.actor()).await?;
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
