//! `/api/v1/chat/bans`: list, ban, lift. Any signed-in user may read the list; banning and
//! lifting need the `write` scope (what `Authenticated` asks of a POST or DELETE), and agents
//! may do both: abuse is handled by whoever is on duty. The audit log records each change.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};

use super::bans::{self, BanError, NewBan};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::http::{ApiError, ApiJson};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/chat/bans", get(list).post(create))
        .route("/api/v1/chat/bans/{id}", delete(remove))
}

impl From<BanError> for ApiError {
    fn from(e: BanError) -> Self {
        match e {
            BanError::Invalid(message) => ApiError::unprocessable("invalid_ban", message),
            BanError::Exists { .. } => ApiError::conflict("already_banned", e.to_string()),
            BanError::NotFound | BanError::ChatNotFound => ApiError::not_found(e.to_string()),
            BanError::Store(e) => ApiError::internal(e),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let bans = bans::list(&auth.db, state.clock.now_unix()).await?;
    Ok(axum::Json(serde_json::json!({ "bans": bans })))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(new): ApiJson<NewBan>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now_unix();
    let ban = bans::create(&auth.db, now, &auth.actor(), new).await?;
    Ok((StatusCode::CREATED, axum::Json(ban)))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    bans::delete(&auth.db, state.clock.now_unix(), &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
