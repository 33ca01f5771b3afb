//! `/agent/login` and `/agent/logout`.

use std::net::IpAddr;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use rand::RngCore;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{CsrfForm, SignedIn, client_address, lifetimes};
use crate::app::AppState;
use crate::audit;
use crate::auth::login::{self, LoginError};
use crate::auth::sessions::{self, cookie_value};
use crate::auth::{User, pending, two_factor};
use crate::http::page::{Page, layout};
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::i18n::Locale;
use crate::store::Database;

/// Binds the login form to the browser that loaded it (login CSRF), before any session.
const LOGIN_COOKIE: &str = "__Host-hd_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/login", get(show).post(submit))
        .route("/agent/logout", post(logout))
}

fn login_page(
    locale: Locale,
    status: StatusCode,
    account_name: &str,
    csrf: &str,
    email: &str,
    error: Option<&str>,
) -> Page {
    let body = html! {
        h1 { (locale.t_with("login-title", &[("account", account_name)])) }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/agent/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { (locale.t("field-email")) input type="email" name="email" required autocomplete="username" value=(email); }
            label { (locale.t("field-password")) input type="password" name="password" required autocomplete="current-password"; }
            button type="submit" { (locale.t("login-submit")) }
        }
        div id="passkey-login" data-csrf=(csrf) {
            button type="button" class="secondary" id="sign-in-with-key" hidden { (locale.t("login-with-key")) }
            p id="webauthn-message" class="error" role="alert" hidden {}
        }
        script src="/static/webauthn.js" {}
    };
    Page(status, layout(locale, &locale.t("login-page-title"), body))
}

pub(super) fn login_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, LOGIN_COOKIE)
        .filter(|v| v.len() == 32)
        .map(str::to_string)
}

async fn show(
    CurrentAccount(account): CurrentAccount,
    locale: Locale,
    headers: HeaderMap,
) -> Response {
    let csrf = login_cookie(&headers).unwrap_or_else(|| {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    });
    let set =
        format!("{LOGIN_COOKIE}={csrf}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600");
    let page = login_page(locale, StatusCode::OK, &account.name, &csrf, "", None);
    ([(header::SET_COOKIE, set)], page).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    csrf: String,
    email: String,
    password: Zeroizing<String>,
}

async fn submit(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    peer: ClientAddr,
    locale: Locale,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let expected = login_cookie(&headers).unwrap_or_default();
    if expected.is_empty() || !bool::from(form.csrf.as_bytes().ct_eq(expected.as_bytes())) {
        let page = login_page(
            locale,
            StatusCode::FORBIDDEN,
            &account.name,
            &expected,
            &form.email,
            Some(&locale.t("form-expired")),
        );
        return Ok(page.into_response());
    }
    let from = client_address(&headers, Some(peer), &state);
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let user =
        match login::with_password(&state, &db, &account, &form.email, form.password, from).await {
            Ok(user) => user,
            Err(LoginError::Wrong) => {
                let page = login_page(
                    locale,
                    StatusCode::UNAUTHORIZED,
                    &account.name,
                    &expected,
                    &form.email,
                    Some(&locale.t("login-wrong")),
                );
                return Ok(page.into_response());
            }
            Err(LoginError::Throttled(wait)) => {
                let message = throttled(locale, wait);
                let page = login_page(
                    locale,
                    StatusCode::TOO_MANY_REQUESTS,
                    &account.name,
                    &expected,
                    &form.email,
                    Some(&message),
                );
                return Ok(page.into_response());
            }
            Err(LoginError::User(e)) => return Err(e.into()),
        };
    let status = two_factor::status(&db, user.id).await?;
    if status.enabled() {
        let token = state
            .pending_logins
            .begin(&account.id, user, from, true, Instant::now());
        let mut response = Redirect::to("/agent/login/2fa").into_response();
        let cookies = [
            format!(
                "{}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
                pending::COOKIE,
                token.as_str(),
                pending::TTL.as_secs()
            ),
            clear_cookie(LOGIN_COOKIE),
        ];
        append_cookies(&mut response, &cookies);
        return Ok(response);
    }
    complete(&state, &db, &user, from, &headers, "panel").await
}

/// Starts the session of a user who proved who they are; `how` goes to the audit log.
pub(super) async fn complete(
    state: &AppState,
    db: &Database,
    user: &User,
    from: IpAddr,
    headers: &HeaderMap,
    how: &str,
) -> Result<Response, ApiError> {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (token, session) =
        sessions::start(db, state.clock.as_ref(), user, &from.to_string(), agent).await?;
    let entry = audit::OwnedEntry {
        at: state.clock.now_unix(),
        actor_id: Some(user.id),
        actor: user.email.clone(),
        action: "login.succeeded".into(),
        target: format!("session:{}", session.id),
        ip: from.to_string(),
        detail: how.into(),
    };
    audit::record_now(db, entry).await?;
    let mut response = Redirect::to("/agent").into_response();
    let cookies = [
        sessions::cookie(&token, lifetimes(state)),
        clear_cookie(LOGIN_COOKIE),
        clear_cookie(pending::COOKIE),
    ];
    append_cookies(&mut response, &cookies);
    Ok(response)
}

pub(super) fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

pub(super) fn append_cookies(response: &mut Response, cookies: &[String]) {
    for cookie in cookies {
        if let Ok(value) = header::HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

async fn logout(signed_in: SignedIn, Form(form): Form<CsrfForm>) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    sessions::end(
        &signed_in.db,
        signed_in.session.user.id,
        signed_in.session.id,
    )
    .await?;
    let mut response = Redirect::to("/agent/login").into_response();
    if let Ok(value) = header::HeaderValue::from_str(&sessions::cleared_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// "Too many failed attempts. Try again in N s." in the reader's language.
pub(super) fn throttled(locale: Locale, wait: std::time::Duration) -> String {
    let seconds = wait.as_secs().max(1).to_string();
    locale.t_with("login-throttled", &[("seconds", &seconds)])
}
