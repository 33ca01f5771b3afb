//! `/api/v1/me` and `/api/v1/users`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::Authenticated;
use super::users::{self, NewUser, Role, UserError};
use crate::app::AppState;
use crate::http::{ApiError, ApiJson};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list_users).post(add_user))
}

async fn me(auth: Authenticated) -> Json<Value> {
    Json(json!(auth.user))
}

async fn list_users(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let all = users::list(&auth.db).await?;
    Ok(Json(json!({ "users": all })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddUser {
    email: String,
    name: String,
    role: Role,
    password: Zeroizing<String>,
}

async fn add_user(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<AddUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !auth.user.role.may_add(body.role) {
        return Err(ApiError::forbidden(format!(
            "a user with role {} cannot add a user with role {}",
            auth.user.role.as_str(),
            body.role.as_str()
        )));
    }
    let new = NewUser {
        email: body.email,
        name: body.name,
        role: body.role,
        password: body.password,
    };
    let user = users::create(&auth.db, state.clock.as_ref(), new).await?;
    Ok((StatusCode::CREATED, Json(json!(user))))
}

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::InvalidEmail => ApiError::unprocessable("invalid_email", e.to_string()),
            UserError::InvalidName(_) => ApiError::unprocessable("invalid_name", e.to_string()),
            UserError::WeakPassword(_) => ApiError::unprocessable("weak_password", e.to_string()),
            UserError::EmailTaken => ApiError::conflict("email_taken", e.to_string()),
            UserError::OwnerExists => ApiError::conflict("owner_exists", e.to_string()),
            UserError::Hashing | UserError::Store(_) => ApiError::internal(e),
        }
    }
}
