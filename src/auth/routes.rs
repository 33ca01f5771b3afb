//! `/api/v1/me`, `/api/v1/users` and `/api/v1/tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::invitations;
use super::tokens::{self, NewToken, Scope, Scopes, TokenError};
use super::users::{self, NewUser, Role, UserError};
use super::{AdminAuth, Authenticated};
use crate::app::AppState;
use crate::http::{ApiError, ApiJson, Authority};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list_users).post(add_user))
        .route("/api/v1/users/{id}", delete(delete_user).patch(change_user))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/lockouts", get(list_lockouts))
        .route(
            "/api/v1/invitations",
            get(list_invitations).post(create_invitation),
        )
        .route("/api/v1/invitations/{id}", delete(revoke_invitation))
        .merge(super::security_routes::routes())
        .merge(super::two_factor::routes::routes())
}

/// Emails of this account locked by the brute-force throttle right now (owner and admins).
async fn list_lockouts(
    State(state): State<AppState>,
    auth: AdminAuth,
) -> Result<Json<Value>, ApiError> {
    let now = std::time::Instant::now();
    let wall = state.clock.now_unix();
    let lockouts: Vec<Value> = state
        .login_throttle
        .lockouts(&auth.account.id, now)
        .into_iter()
        .map(|l| {
            let left = i64::try_from(l.until.saturating_duration_since(now).as_secs()).unwrap_or(0);
            json!({
                "email": l.email,
                "failures": l.failures,
                "until": crate::clock::rfc3339(wall + left + 1),
            })
        })
        .collect();
    Ok(Json(json!({ "lockouts": lockouts })))
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
    auth.require(Scope::Admin)?;
    if !auth.user.role.may_manage(body.role) {
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
    let user = users::create(&auth.db, state.clock.as_ref(), new, &auth.actor()).await?;
    Ok((StatusCode::CREATED, Json(json!(user))))
}

async fn delete_user(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    users::delete(
        &auth.db,
        state.clock.as_ref(),
        &auth.user,
        id,
        &auth.actor(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeUser {
    role: Role,
}

async fn change_user(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ChangeUser>,
) -> Result<Json<Value>, ApiError> {
    let user = users::set_role(
        &auth.db,
        state.clock.as_ref(),
        &auth.user,
        id,
        body.role,
        &auth.actor(),
    )
    .await?;
    Ok(Json(json!(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    /// Defaults to read and write.
    scopes: Option<Vec<String>>,
    expires_in_days: Option<u32>,
    /// `false` lets the token's tickets skip the spam filter.
    #[serde(default = "judged")]
    spam_check: bool,
}

fn judged() -> bool {
    true
}

async fn create_token(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let scopes = match &body.scopes {
        Some(names) => Scopes::parse(names.iter().map(String::as_str))
            .map_err(|name| ApiError::from(TokenError::UnknownScope(name)))?,
        None => Scopes::parse(["read", "write"]).unwrap_or_default(),
    };
    let new = NewToken {
        name: body.name,
        scopes,
        expires_in_days: body.expires_in_days,
        spam_check: body.spam_check,
    };
    let (info, token) = tokens::create(
        &auth.db,
        state.clock.as_ref(),
        &auth.user,
        auth.scopes,
        new,
        &auth.actor(),
    )
    .await?;
    let mut shown = json!(info);
    shown["token"] = json!(token.as_str());
    Ok((StatusCode::CREATED, Json(shown)))
}

async fn list_tokens(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let all = tokens::list(&auth.db, auth.user.id).await?;
    Ok(Json(json!({ "tokens": all })))
}

async fn revoke_token(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(
        &auth.db,
        state.clock.as_ref(),
        auth.user.id,
        id,
        &auth.actor(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::InvalidName | TokenError::InvalidExpiry | TokenError::NoScope => {
                ApiError::unprocessable("invalid_field", e.to_string())
            }
            TokenError::UnknownScope(_) => ApiError::unprocessable("invalid_scope", e.to_string()),
            TokenError::ScopeNotHeld(_) | TokenError::AdminScopeNeedsAdmin => {
                ApiError::forbidden(e.to_string())
            }
            TokenError::NotFound => ApiError::not_found(e.to_string()),
            TokenError::Store(_) => ApiError::internal(e),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::InvalidEmail => ApiError::unprocessable("invalid_email", e.to_string()),
            UserError::InvalidName(_) => ApiError::unprocessable("invalid_name", e.to_string()),
            UserError::WeakPassword(_) => ApiError::unprocessable("weak_password", e.to_string()),
            UserError::EmailTaken => ApiError::conflict("email_taken", e.to_string()),
            UserError::OwnerExists => ApiError::conflict("owner_exists", e.to_string()),
            UserError::NotFound => ApiError::not_found(e.to_string()),
            UserError::WrongPassword => ApiError::unprocessable("wrong_password", e.to_string()),
            UserError::NotAllowed(_) => ApiError::forbidden(e.to_string()),
            UserError::Hashing | UserError::Store(_) => ApiError::internal(e),
        }
    }
}

/// The link an invitee opens, on the host name the inviter used.
pub fn invitation_link(authority: &str, token: &str) -> String {
    format!("https://{authority}/agent/invite?token={token}")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invite {
    email: String,
    name: String,
    role: Role,
}

async fn create_invitation(
    State(state): State<AppState>,
    auth: AdminAuth,
    Authority(authority): Authority,
    ApiJson(body): ApiJson<Invite>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (invitation, token) = invitations::create(
        &auth.db,
        state.clock.as_ref(),
        &auth.user,
        &body.email,
        &body.name,
        body.role,
        &auth.actor(),
    )
    .await?;
    let mut shown = json!(invitation);
    shown["link"] = json!(invitation_link(&authority, &token));
    Ok((StatusCode::CREATED, Json(shown)))
}

async fn list_invitations(
    State(state): State<AppState>,
    auth: AdminAuth,
) -> Result<Json<Value>, ApiError> {
    let all = invitations::pending(&auth.db, state.clock.as_ref()).await?;
    Ok(Json(json!({ "invitations": all })))
}

async fn revoke_invitation(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    invitations::revoke(&auth.db, state.clock.as_ref(), id, &auth.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
