//! `/setup?token=…`: the page where the first person creates the account's owner.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{SetupError, TokenStatus};
use crate::app::AppState;
use crate::auth::{NewUser, Role, UserError, users};
use crate::http::page::{Page, layout};
use crate::http::{ApiError, CurrentAccount};
use crate::i18n::Locale;

pub fn routes() -> Router<AppState> {
    Router::new().route("/setup", get(show).post(submit))
}

async fn show(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Page, ApiError> {
    let Some(token) = query.get("token").filter(|t| !t.is_empty()) else {
        return Ok(dead_link(
            StatusCode::BAD_REQUEST,
            "This page needs the setup link's token.",
        ));
    };
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    if users::has_owner(&db).await? {
        return Ok(already_done());
    }
    let status = super::token_status(&state.store, state.clock.as_ref(), &account.id, token)
        .await
        .map_err(ApiError::internal)?;
    Ok(match status {
        TokenStatus::Valid => form_page(StatusCode::OK, &account.name, token, "", "", None),
        other => token_problem(other),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    token: String,
    name: String,
    email: String,
    password: Zeroizing<String>,
}

async fn submit(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    Form(form): Form<SetupForm>,
) -> Result<Page, ApiError> {
    let owner = NewUser {
        email: form.email.clone(),
        name: form.name.clone(),
        role: Role::Owner,
        password: form.password,
    };
    let result = super::complete(
        &state.store,
        state.clock.as_ref(),
        &account.id,
        &form.token,
        owner,
    )
    .await;
    let retry = |message: String| {
        form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &account.name,
            &form.token,
            &form.name,
            &form.email,
            Some(message),
        )
    };
    Ok(match result {
        Ok(user) => done_page(&user.name, &user.email),
        Err(SetupError::OwnerExists | SetupError::User(UserError::OwnerExists)) => already_done(),
        Err(SetupError::Token(status)) => token_problem(status),
        Err(SetupError::User(
            e @ (UserError::InvalidEmail
            | UserError::InvalidName(_)
            | UserError::WeakPassword(_)
            | UserError::EmailTaken),
        )) => retry(capitalize(&e.to_string())),
        Err(e) => return Err(ApiError::internal(e)),
    })
}

fn form_page(
    status: StatusCode,
    account_name: &str,
    token: &str,
    name: &str,
    email: &str,
    error: Option<String>,
) -> Page {
    let body = html! {
        h1 { "Set up " (account_name) }
        p { "Create the owner of this helpdesk. The owner manages admins, agents and security settings. This link works once." }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/setup" {
            input type="hidden" name="token" value=(token);
            label { "Your name" input name="name" required autocomplete="name" value=(name); }
            label { "Email" input type="email" name="email" required autocomplete="email" value=(email); }
            label {
                "Password"
                input type="password" name="password" required minlength="12" autocomplete="new-password";
                span class="hint" { "At least 12 characters." }
            }
            button type="submit" { "Create owner" }
        }
    };
    Page(status, layout(Locale::ENGLISH, "Setup", body))
}

fn done_page(name: &str, email: &str) -> Page {
    let body = html! {
        h1 class="success" { "Setup complete" }
        p { "The owner " strong { (name) } " <" (email) "> is created. This setup link no longer works." }
    };
    Page(
        StatusCode::OK,
        layout(Locale::ENGLISH, "Setup complete", body),
    )
}

fn already_done() -> Page {
    dead_link(
        StatusCode::GONE,
        "This helpdesk already has an owner, so setup is complete and setup links no longer work.",
    )
}

fn token_problem(status: TokenStatus) -> Page {
    match status {
        TokenStatus::Used => dead_link(StatusCode::GONE, "This setup link has already been used."),
        TokenStatus::Expired => dead_link(
            StatusCode::GONE,
            "This setup link has expired. On the server, run `helpdeskd setup-link` as root for a new one.",
        ),
        TokenStatus::Unknown | TokenStatus::Valid => dead_link(
            StatusCode::NOT_FOUND,
            "This setup link is not valid (a newer link may have replaced it). On the server, run `helpdeskd setup-link` as root for a new one.",
        ),
    }
}

fn dead_link(status: StatusCode, message: &str) -> Page {
    let body: Markup = html! {
        h1 { "Setup link not usable" }
        p { (message) }
    };
    Page(status, layout(Locale::ENGLISH, "Setup", body))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
