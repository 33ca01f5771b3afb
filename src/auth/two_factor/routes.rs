//! `/api/v1/me/2fa…` (the user's own factors), `/api/v1/users/{id}/2fa` (the owner's
//! reset) and `/api/v1/security/two-factor` (requiring 2FA of everyone).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::{TwoFactorError, totp};
use crate::app::AppState;
use crate::auth::users;
use crate::auth::{AdminAuth, Authenticated, OwnerAuth};
use crate::http::{ApiError, ApiJson};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/2fa", get(show))
        .route("/api/v1/me/2fa/totp", post(begin_totp))
        .route("/api/v1/me/2fa/totp/confirm", post(confirm_totp))
        .route("/api/v1/me/2fa/totp/disable", post(disable_totp))
        .route("/api/v1/me/2fa/recovery-codes", post(renew_codes))
        .route("/api/v1/users/{id}/2fa", delete(reset))
        .route(
            "/api/v1/security/two-factor",
            get(show_required).put(set_required),
        )
}

async fn show(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let status = super::status(&auth.db, auth.user.id).await?;
    Ok(Json(json!(status)))
}

async fn begin_totp(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let enrolment = totp::begin(
        &auth.db,
        state.clock.now_unix(),
        auth.user.id,
        &auth.account.name,
        &auth.user.email,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "secret": enrolment.secret.as_str(),
            "otpauth_uri": enrolment.otpauth_uri.as_str(),
            "qr_svg": enrolment.qr_svg,
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    code: Zeroizing<String>,
}

fn codes_json(codes: Vec<Zeroizing<String>>) -> Json<Value> {
    let shown: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    Json(json!({ "recovery_codes": shown }))
}

async fn confirm_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<Code>,
) -> Result<Json<Value>, ApiError> {
    let codes = super::confirm_totp(
        &auth.db,
        state.clock.now_unix(),
        auth.user.id,
        &body.code,
        &auth.actor(),
    )
    .await?;
    Ok(codes_json(codes))
}

async fn disable_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<Code>,
) -> Result<StatusCode, ApiError> {
    super::disable_totp(
        &auth.db,
        state.clock.now_unix(),
        auth.user.id,
        &body.code,
        &auth.actor(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn renew_codes(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<Code>,
) -> Result<Json<Value>, ApiError> {
    let codes = super::renew_recovery_codes(
        &auth.db,
        state.clock.now_unix(),
        auth.user.id,
        &body.code,
        &auth.actor(),
    )
    .await?;
    Ok(codes_json(codes))
}

/// Only the owner resets someone's second factors (a user who lost them all).
async fn reset(
    State(state): State<AppState>,
    auth: OwnerAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let exists = users::list(&auth.db).await?.iter().any(|u| u.id == id);
    if !exists {
        return Err(ApiError::not_found(format!("no user with id {id}")));
    }
    super::reset(&auth.db, state.clock.now_unix(), id, &auth.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn show_required(auth: AdminAuth) -> Result<Json<Value>, ApiError> {
    let required = super::required(&auth.db).await?;
    Ok(Json(json!({ "required": required })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Required {
    required: bool,
}

async fn set_required(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(body): ApiJson<Required>,
) -> Result<Json<Value>, ApiError> {
    super::set_required(
        &auth.db,
        state.clock.now_unix(),
        body.required,
        &auth.actor(),
    )
    .await?;
    Ok(Json(json!({ "required": body.required })))
}

impl From<TwoFactorError> for ApiError {
    fn from(e: TwoFactorError) -> Self {
        match e {
            TwoFactorError::AlreadyEnabled => ApiError::conflict("already_enabled", e.to_string()),
            TwoFactorError::NotEnrolling | TwoFactorError::NotEnabled => {
                ApiError::conflict("not_enabled", e.to_string())
            }
            TwoFactorError::WrongCode => ApiError::unprocessable("wrong_code", e.to_string()),
            TwoFactorError::Required => ApiError::conflict("two_factor_required", e.to_string()),
            TwoFactorError::InvalidName => ApiError::unprocessable("invalid_field", e.to_string()),
            TwoFactorError::KeyRefused(_) => ApiError::unprocessable("key_refused", e.to_string()),
            TwoFactorError::NoSuchKey => ApiError::not_found(e.to_string()),
            TwoFactorError::Internal(_) | TwoFactorError::Store(_) => ApiError::internal(e),
        }
    }
}
