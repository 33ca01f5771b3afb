//! `/agent/invite?token=…`: the page an invited person opens to choose a password and join.
//! The token in the link is the only secret; it works once, and the form carries it back.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::client_address;
use super::login::complete;
use crate::app::AppState;
use crate::auth::invitations::{self, Invitation};
use crate::auth::users::UserError;
use crate::http::page::{Page, layout};
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::i18n::Locale;

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/invite", get(show).post(accept))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Link {
    token: String,
}

fn join_page(
    locale: Locale,
    status: StatusCode,
    account: &str,
    token: &str,
    invitation: &Invitation,
    error: Option<&str>,
) -> Page {
    let t = |id: &str| locale.t(id);
    let body = html! {
        h1 { (locale.t_with("invite-title", &[("account", account)])) }
        p { (locale.t_with("invite-as", &[("email", &invitation.email), ("role", &t(&format!("role-{}", invitation.role.as_str())))])) }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/agent/invite" {
            input type="hidden" name="token" value=(token);
            label { (t("agents-name")) input type="text" name="name" required maxlength="200" value=(invitation.name) autocomplete="name"; }
            input type="email" name="email" value=(invitation.email) autocomplete="username" hidden;
            label { (t("field-new-password")) input type="password" name="password" required minlength="12" autocomplete="new-password"; }
            p class="hint" { (t("invite-password-hint")) }
            button type="submit" { (t("invite-join")) }
        }
    };
    Page(
        status,
        layout(
            locale,
            &locale.t_with("invite-title", &[("account", account)]),
            body,
        ),
    )
}

fn invalid(locale: Locale) -> Page {
    let body = html! {
        h1 { (locale.t("invite-invalid-title")) }
        p { (locale.t("invite-invalid")) }
    };
    Page(
        StatusCode::NOT_FOUND,
        layout(locale, &locale.t("invite-invalid-title"), body),
    )
}

async fn show(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    locale: Locale,
    Query(link): Query<Link>,
) -> Result<Page, ApiError> {
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    match invitations::find(&db, state.clock.as_ref(), &link.token).await? {
        Some(invitation) => Ok(join_page(
            locale,
            StatusCode::OK,
            &account.name,
            &link.token,
            &invitation,
            None,
        )),
        None => Ok(invalid(locale)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JoinForm {
    token: String,
    name: String,
    password: Zeroizing<String>,
}

async fn accept(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    locale: Locale,
    peer: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<JoinForm>,
) -> Result<Response, ApiError> {
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let Some(invitation) = invitations::find(&db, state.clock.as_ref(), &form.token).await? else {
        return Ok(invalid(locale).into_response());
    };
    let from = client_address(&headers, Some(peer), &state);
    let joined = invitations::accept(
        &db,
        state.clock.as_ref(),
        &form.token,
        &form.name,
        form.password,
        &from.to_string(),
    )
    .await;
    match joined {
        Ok(user) => complete(&state, &db, &user, from, &headers, "panel, invitation").await,
        Err(UserError::NotFound) => Ok(invalid(locale).into_response()),
        Err(
            e @ (UserError::WeakPassword(_) | UserError::InvalidName(_) | UserError::EmailTaken),
        ) => {
            let text = match &e {
                UserError::WeakPassword(why) => locale.t_with("profile-new-weak", &[("why", why)]),
                other => other.to_string(),
            };
            Ok(join_page(
                locale,
                StatusCode::UNPROCESSABLE_ENTITY,
                &account.name,
                &form.token,
                &invitation,
                Some(&text),
            )
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
