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
use crate::http::page::Page;
use crate::i18n::Locale;

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
    let t = |id: &str| signed_in.locale.t(id);
    let chosen = super::language::chosen(&signed_in.db, user.id).await?;
    let body = html! {
        h1 { (user.name) }
        p { (user.email) " · " (user.role.as_str()) " · " (signed_in.account.name) }
        @if let Some((text, ok)) = notice {
            div class=(if ok { "success" } else { "error" }) role="status" { (text) }
        }
        h2 { (t("profile-two-step")) }
        p { a href="/agent/2fa" { (t("profile-two-step-link")) } }
        h2 { (t("profile-language")) }
        form method="post" action="/agent/profile/language" class="inline-search" {
            input type="hidden" name="csrf" value=(csrf);
            select name="language" aria-label=(t("profile-language")) {
                option value="" { (t("profile-language-browser")) }
                @for (language, name) in Locale::available() {
                    option value=(language.tag()) selected[Some(language) == chosen] { (name) }
                }
            }
            button type="submit" class="secondary" { (t("profile-language-save")) }
        }
        h2 { (t("profile-sessions")) }
        ul class="sessions" {
            @for s in &all {
                li {
                    (signed_in.locale.t_with("profile-session-line", &[("ip", &s.ip), ("agent", &s.user_agent), ("seen", &s.last_seen_at)]))
                    @if s.id == signed_in.session.id { " · " strong { (t("profile-this-session")) } }
                }
            }
        }
        form method="post" action="/agent/sessions/end-others" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { (t("profile-end-others")) }
        }
        h2 { (t("profile-change-password")) }
        form method="post" action="/agent/profile/password" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t("field-current-password")) input type="password" name="current" required autocomplete="current-password"; }
            label { (t("field-new-password")) input type="password" name="new" required minlength="12" autocomplete="new-password"; }
            button type="submit" { (t("profile-change-password-submit")) }
        }
        form method="post" action="/agent/logout" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" class="secondary" { (t("profile-sign-out")) }
        }
    };
    Ok(signed_in.page(status, &user.name, body))
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
                Some((&signed_in.locale.t("profile-password-changed"), true)),
            )
            .await
        }
        Err(UserError::WrongPassword) => {
            render(
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&signed_in.locale.t("profile-current-wrong"), false)),
            )
            .await
        }
        Err(UserError::WeakPassword(why)) => {
            let text = signed_in
                .locale
                .t_with("profile-new-weak", &[("why", &why)]);
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
