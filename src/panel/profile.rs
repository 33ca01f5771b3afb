//! `/agent`: the signed-in user's page for now: who they are, their sessions ("log out other
//! sessions"), and changing their password (which ends their other sessions).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{CsrfForm, SignedIn};
use crate::app::AppState;
use crate::auth::sessions;
use crate::auth::users::{self, UserError};
use crate::http::ApiError;
use crate::http::page::{Page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent", get(home))
        .route("/agent/sessions/end-others", post(end_others))
        .route("/agent/profile/password", post(change_password))
}

async fn home(signed_in: SignedIn) -> Result<Page, ApiError> {
    render(&signed_in, StatusCode::OK, None).await
}

async fn render(
    signed_in: &SignedIn,
    status: StatusCode,
    notice: Option<(&str, bool)>,
) -> Result<Page, ApiError> {
    let user = &signed_in.session.user;
    let all = sessions::list(&signed_in.db, user.id).await?;
    let csrf = signed_in.session.csrf_token();
    let body = html! {
        h1 { (user.name) }
        p { (user.email) " · " (user.role.as_str()) " · " (signed_in.account.name) }
        @if let Some((text, ok)) = notice {
            div class=(if ok { "success" } else { "error" }) role="status" { (text) }
        }
        h2 { "Two-step verification" }
        p { a href="/agent/2fa" { "Authenticator app, recovery codes and security keys" } }
        h2 { "Sessions" }
        ul class="sessions" {
            @for s in &all {
                li {
                    (s.ip) " · " (s.user_agent) " · last seen " (s.last_seen_at)
                    @if s.id == signed_in.session.id { " · " strong { "this session" } }
                }
            }
        }
        form method="post" action="/agent/sessions/end-others" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { "Log out other sessions" }
        }
        h2 { "Change password" }
        form method="post" action="/agent/profile/password" {
            input type="hidden" name="csrf" value=(csrf);
            label { "Current password" input type="password" name="current" required autocomplete="current-password"; }
            label { "New password" input type="password" name="new" required minlength="12" autocomplete="new-password"; }
            button type="submit" { "Change password" }
        }
        form method="post" action="/agent/logout" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" class="secondary" { "Sign out" }
        }
    };
    Ok(Page(status, layout(&user.name, body)))
}

async fn end_others(signed_in: SignedIn, Form(form): Form<CsrfForm>) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user = &signed_in.session.user;
    sessions::end_others(&signed_in.db, user.id, Some(signed_in.session.id)).await?;
    Ok(Redirect::to("/agent").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    csrf: String,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
}

async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Page, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user = signed_in.session.user.clone();
    let result = users::change_password(
        &signed_in.db,
        state.clock.as_ref(),
        &user,
        form.current,
        form.new,
        &signed_in.actor(),
    )
    .await;
    match result {
        Ok(()) => {
            sessions::end_others(&signed_in.db, user.id, Some(signed_in.session.id)).await?;
            render(
                &signed_in,
                StatusCode::OK,
                Some((
                    "Password changed. Your other sessions were logged out.",
                    true,
                )),
            )
            .await
        }
        Err(UserError::WrongPassword) => {
            render(
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("The current password is wrong.", false)),
            )
            .await
        }
        Err(UserError::WeakPassword(why)) => {
            let text = format!("The new password {why}.");
            render(
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&text, false)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
