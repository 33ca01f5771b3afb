//! `/api/v1/canned-responses`: every signed-in user reads the responses they may use (the
//! department rule of `canned::list_for`); the owner and admins, with the `admin` scope,
//! add, change and delete them (audited).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch};

use super::canned::{self, CannedError, CannedPatch, NewCanned};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::auth::gate::AdminAuth;
use crate::http::{ApiError, ApiJson};
use crate::tickets::Viewer;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/canned-responses", get(list).post(create))
        .route(
            "/api/v1/canned-responses/{id}",
            patch(change).delete(remove),
        )
}

impl From<CannedError> for ApiError {
    fn from(e: CannedError) -> Self {
        match e {
            CannedError::Invalid(message) => ApiError::unprocessable("invalid_canned", message),
            CannedError::ShortcutTaken(_) => ApiError::conflict("shortcut_taken", e.to_string()),
            CannedError::NotFound => ApiError::not_found(e.to_string()),
            CannedError::Store(e) => ApiError::internal(e),
        }
    }
}

async fn list(auth: Authenticated) -> Result<impl IntoResponse, ApiError> {
    let list = canned::list_for(&auth.db, Viewer::of(&auth.user)).await?;
    Ok(axum::Json(serde_json::json!({ "canned_responses": list })))
}

async fn create(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(new): ApiJson<NewCanned>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now_unix();
    let canned = canned::create(&auth.db, now, &auth.actor(), new).await?;
    Ok((StatusCode::CREATED, axum::Json(canned)))
}

async fn change(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<CannedPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now_unix();
    let canned = canned::update(&auth.db, now, &auth.actor(), id, patch).await?;
    Ok(axum::Json(canned))
}

async fn remove(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    canned::delete(&auth.db, state.clock.now_unix(), &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
