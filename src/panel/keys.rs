//! Security keys and passkeys in the panel, as JSON endpoints for `/static/webauthn.js`:
//! registering one from `/agent/2fa`, removing one, and signing in with one, either after
//! the password (the second step) or instead of it (the key verifies its user itself).
//! Every call carries a CSRF token in `X-CSRF-Token`.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use webauthn_rs::prelude::{
    PasskeyAuthentication, PublicKeyCredential, RegisterPublicKeyCredential,
};

use super::login::{append_cookies, complete, login_cookie};
use super::login_2fa::pending_token;
use super::{CsrfForm, SignedIn, client_address};
use crate::app::AppState;
use crate::audit;
use crate::auth::pending::{self, Pending};
use crate::auth::two_factor::{TwoFactorError, keys};
use crate::auth::users;
use crate::http::{ApiError, ApiJson, Authority, ClientAddr, CurrentAccount};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/2fa/keys/start", post(start_registration))
        .route("/agent/2fa/keys/finish", post(finish_registration))
        .route("/agent/2fa/keys/{id}/remove", post(remove))
        .route("/agent/login/key/start", post(start_login))
        .route("/agent/login/key/finish", post(finish_login))
}

fn csrf_header(headers: &HeaderMap) -> &str {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

async fn start_registration(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Authority(authority): Authority,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    signed_in.check_csrf(csrf_header(&headers))?;
    let relying_party = keys::relying_party(&authority, &signed_in.account.name)?;
    let user = &signed_in.session.user;
    let (challenge, registration) =
        keys::start_registration(&relying_party, &signed_in.db, &signed_in.account.id, user)
            .await?;
    state.key_registrations.put(
        &signed_in.account.id,
        signed_in.session.id,
        registration,
        Instant::now(),
    );
    Ok(Json(json!(challenge)))
}

#[derive(Deserialize)]
struct NewKey {
    name: String,
    credential: RegisterPublicKeyCredential,
}

async fn finish_registration(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Authority(authority): Authority,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    signed_in.check_csrf(csrf_header(&headers))?;
    let registration = state
        .key_registrations
        .take(&signed_in.account.id, signed_in.session.id, Instant::now())
        .ok_or_else(|| ApiError::conflict("no_challenge", "start adding the key again"))?;
    let relying_party = keys::relying_party(&authority, &signed_in.account.name)?;
    let key = keys::finish_registration(
        &relying_party,
        &signed_in.db,
        state.clock.now_unix(),
        signed_in.session.user.id,
        keys::Answered {
            name: &body.name,
            state: &registration,
            answer: &body.credential,
        },
        &signed_in.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!(key))))
}

async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let removed = keys::remove(
        &signed_in.db,
        state.clock.now_unix(),
        signed_in.session.user.id,
        id,
        &signed_in.actor(),
    )
    .await;
    match removed {
        Ok(()) | Err(TwoFactorError::NoSuchKey) => Ok(Redirect::to("/agent/2fa").into_response()),
        Err(e @ TwoFactorError::Required) => {
            Err(ApiError::conflict("two_factor_required", e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginStart {
    email: String,
}

/// A challenge for the user of the pending login (second step), or for the user with this
/// email (signing in with a key instead of the password).
async fn start_login(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    Authority(authority): Authority,
    peer: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginStart>,
) -> Result<Response, ApiError> {
    let now = Instant::now();
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let relying_party = keys::relying_party(&authority, &account.name)?;
    let existing = pending_token(&headers)
        .and_then(|token| Some((state.pending_logins.get(&token, &account.id, now)?, token)))
        .filter(|(pending, _)| same(csrf_header(&headers), &pending.csrf));
    let (token, pending, new_cookie, challenge) = match existing {
        Some((pending, token)) => {
            let (challenge, authentication) =
                keys::start_authentication(&relying_party, &db, pending.user.id)
                    .await?
                    .ok_or_else(no_key)?;
            state
                .pending_logins
                .set_challenge(&token, serialized(&authentication)?);
            (token, pending, false, challenge)
        }
        None => {
            // Signing in with a key alone: the login form's CSRF token, then the email.
            let expected = login_cookie(&headers).unwrap_or_default();
            if !same(csrf_header(&headers), &expected) {
                return Err(ApiError::forbidden("missing or wrong CSRF token"));
            }
            let from = client_address(&headers, Some(peer), &state);
            state
                .login_throttle
                .check(&account.id, &body.email, from, now)
                .map_err(ApiError::rate_limited)?;
            let (user, _) = users::find_for_login(&db, &body.email)
                .await?
                .ok_or_else(no_key)?;
            let (challenge, authentication) =
                keys::start_authentication(&relying_party, &db, user.id)
                    .await?
                    .ok_or_else(no_key)?;
            let token = state
                .pending_logins
                .begin(&account.id, user, from, false, now);
            state
                .pending_logins
                .set_challenge(&token, serialized(&authentication)?);
            let pending = state
                .pending_logins
                .get(&token, &account.id, now)
                .ok_or_else(expired)?;
            (token, pending, true, challenge)
        }
    };
    let mut response =
        Json(json!({ "csrf": pending.csrf, "challenge": challenge })).into_response();
    if new_cookie {
        let cookie = format!(
            "{}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
            pending::COOKIE,
            token.as_str(),
            pending::TTL.as_secs()
        );
        append_cookies(&mut response, &[cookie]);
    }
    Ok(response)
}

fn serialized(authentication: &PasskeyAuthentication) -> Result<String, ApiError> {
    serde_json::to_string(authentication).map_err(ApiError::internal)
}

fn no_key() -> ApiError {
    ApiError::unprocessable(
        "no_security_key",
        "no security key is registered for this email; sign in with your password",
    )
}

async fn finish_login(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    Authority(authority): Authority,
    headers: HeaderMap,
    ApiJson(answer): ApiJson<PublicKeyCredential>,
) -> Result<Response, ApiError> {
    let now = Instant::now();
    let token = pending_token(&headers).ok_or_else(expired)?;
    let pending: Pending = state
        .pending_logins
        .get(&token, &account.id, now)
        .ok_or_else(expired)?;
    if !same(csrf_header(&headers), &pending.csrf) {
        return Err(ApiError::forbidden("missing or wrong CSRF token"));
    }
    let authentication: PasskeyAuthentication = pending
        .challenge
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| ApiError::conflict("no_challenge", "ask the security key again"))?;
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let relying_party = keys::relying_party(&authority, &account.name)?;
    let email = pending.user.email.clone();
    state
        .login_throttle
        .check(&account.id, &email, pending.ip, now)
        .map_err(ApiError::rate_limited)?;
    let wall = state.clock.now_unix();
    let verified = keys::finish_authentication(
        &relying_party,
        &db,
        wall,
        pending.user.id,
        &authentication,
        &answer,
    )
    .await?;
    if !verified {
        state
            .login_throttle
            .failed(&account.id, &email, pending.ip, now);
        state.pending_logins.failed(&token);
        let entry = audit::OwnedEntry {
            at: wall,
            actor_id: Some(pending.user.id),
            actor: email,
            action: "login.second_factor_failed".into(),
            target: format!("user:{}", pending.user.id),
            ip: pending.ip.to_string(),
            detail: "panel, security key".into(),
        };
        audit::record_now(&db, entry).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "key_refused",
            "the security key's answer was not accepted",
        ));
    }
    state.pending_logins.finish(&token);
    state.login_throttle.succeeded(&account.id, &email);
    complete(
        &state,
        &db,
        &pending.user,
        pending.ip,
        &headers,
        "panel, security key",
    )
    .await
}

fn expired() -> ApiError {
    ApiError::conflict("login_expired", "this sign-in expired; start again")
}
