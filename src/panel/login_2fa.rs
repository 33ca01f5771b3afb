//! `/agent/login/2fa`: the second step of signing in, for users with a second factor. The
//! password step left a pending login (see `auth::pending`); a TOTP code, a recovery code
//! or a security key turns it into a session.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::login::{complete, throttled};
use crate::app::AppState;
use crate::audit;
use crate::auth::pending::{self, Pending};
use crate::auth::sessions::cookie_value;
use crate::auth::two_factor::{self, Used};
use crate::http::page::{Page, layout};
use crate::http::{ApiError, CurrentAccount};
use crate::i18n::Locale;

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/login/2fa", get(show).post(submit))
}

pub(super) fn pending_token(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    cookie_value(headers, pending::COOKIE).map(|v| Zeroizing::new(v.to_string()))
}

fn page(
    locale: Locale,
    status: StatusCode,
    pending: &Pending,
    keys: bool,
    error: Option<&str>,
) -> Page {
    let body = html! {
        h1 { (locale.t("second-step-title")) }
        p { (locale.t_with("second-step-signing-in-as", &[("email", &pending.user.email)])) }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/agent/login/2fa" {
            input type="hidden" name="csrf" value=(pending.csrf);
            label {
                (locale.t("second-step-code-label"))
                input type="text" name="code" required autofocus autocomplete="one-time-code"
                    inputmode="text" maxlength="20" spellcheck="false";
            }
            button type="submit" { (locale.t("second-step-verify")) }
        }
        @if keys {
            div id="security-key" data-csrf=(pending.csrf) {
                button type="button" class="secondary" id="use-security-key" { (locale.t("second-step-use-key")) }
                p id="webauthn-message" class="error" role="alert" hidden {}
            }
            script src="/static/webauthn.js" {}
        }
        p { a href="/agent/login" { (locale.t("second-step-start-over")) } }
    };
    Page(status, layout(locale, &locale.t("second-step-title"), body))
}

async fn show(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    locale: Locale,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let found = pending_token(&headers)
        .and_then(|token| {
            state
                .pending_logins
                .get(&token, &account.id, Instant::now())
        })
        .filter(|pending| pending.after_password);
    let Some(pending) = found else {
        return Ok(Redirect::to("/agent/login").into_response());
    };
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let status = two_factor::status(&db, pending.user.id).await?;
    Ok(page(
        locale,
        StatusCode::OK,
        &pending,
        status.security_keys > 0,
        None,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    csrf: String,
    code: Zeroizing<String>,
}

async fn submit(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    locale: Locale,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    let Some(token) = pending_token(&headers) else {
        return Ok(Redirect::to("/agent/login").into_response());
    };
    let found = state
        .pending_logins
        .get(&token, &account.id, Instant::now());
    let Some(pending) = found.filter(|pending| pending.after_password) else {
        return Ok(Redirect::to("/agent/login").into_response());
    };
    if form.csrf.is_empty() || !bool::from(form.csrf.as_bytes().ct_eq(pending.csrf.as_bytes())) {
        return Err(ApiError::forbidden("missing or wrong CSRF token"));
    }
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let keys = two_factor::status(&db, pending.user.id)
        .await?
        .security_keys
        > 0;
    let email = pending.user.email.clone();
    if let Err(wait) = state
        .login_throttle
        .check(&account.id, &email, pending.ip, Instant::now())
    {
        let message = throttled(locale, wait);
        return Ok(page(
            locale,
            StatusCode::TOO_MANY_REQUESTS,
            &pending,
            keys,
            Some(&message),
        )
        .into_response());
    }
    let now = state.clock.now_unix();
    match two_factor::check_login_code(&db, now, pending.user.id, &form.code).await? {
        Some(used) => {
            state.pending_logins.finish(&token);
            state.login_throttle.succeeded(&account.id, &email);
            let how = match used {
                Used::Totp => "panel, authenticator code",
                Used::RecoveryCode => "panel, recovery code",
            };
            complete(&state, &db, &pending.user, pending.ip, &headers, how).await
        }
        None => {
            state
                .login_throttle
                .failed(&account.id, &email, pending.ip, Instant::now());
            let entry = audit::OwnedEntry {
                at: now,
                actor_id: Some(pending.user.id),
                actor: email,
                action: "login.second_factor_failed".into(),
                target: format!("user:{}", pending.user.id),
                ip: pending.ip.to_string(),
                detail: "panel".into(),
            };
            audit::record_now(&db, entry).await?;
            if !state.pending_logins.failed(&token) {
                return Ok(Redirect::to("/agent/login").into_response());
            }
            let error = locale.t("second-step-wrong-code");
            Ok(page(
                locale,
                StatusCode::UNAUTHORIZED,
                &pending,
                keys,
                Some(&error),
            )
            .into_response())
        }
    }
}
