//! `/agent/tokens`: the signed-in user's API tokens: the list (never the tokens themselves),
//! a form to create one (shown once, on the page that answers the form) and a "Revoke"
//! button for each. Any role; the admin scope is offered to owners and admins only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::{CsrfForm, SignedIn};
use crate::app::AppState;
use crate::auth::tokens::{self, NewToken, Scope, Scopes, TokenError, TokenInfo};
use crate::auth::users::Role;
use crate::clock::rfc3339;
use crate::http::ApiError;
use crate::http::page::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/tokens", get(show).post(create))
        .route("/agent/tokens/{id}/revoke", post(revoke))
}

/// What the page says above the list.
enum Notice<'a> {
    None,
    /// Just created: the only time the token text is shown.
    Created {
        info: &'a TokenInfo,
        token: &'a str,
    },
    Success(String),
    Error(String),
}

/// The creation form's fields as last submitted (or the defaults: read and write).
struct Draft {
    name: String,
    scopes: Scopes,
    expires_in_days: String,
    skip_spam_check: bool,
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            name: String::new(),
            scopes: Scopes::parse(["read", "write"]).unwrap_or_default(),
            expires_in_days: String::new(),
            skip_spam_check: false,
        }
    }
}

/// `2026-05-01T12:00:00Z` as `2026-05-01 12:00:00 UTC`, in a `<time>` element.
pub(super) fn when(rfc3339: &str) -> Markup {
    let shown = rfc3339.replacen('T', " ", 1).replace('Z', " UTC");
    html! { time datetime=(rfc3339) { (shown) } }
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    notice: Notice<'_>,
    draft: &Draft,
) -> Result<Page, ApiError> {
    let user = &signed_in.session.user;
    let all = tokens::list(&signed_in.db, user.id).await?;
    let now = rfc3339(state.clock.now_unix());
    let csrf = signed_in.session.csrf_token();
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let offered: &[Scope] = if user.role >= Role::Admin {
        &[Scope::Read, Scope::Write, Scope::Admin]
    } else {
        &[Scope::Read, Scope::Write]
    };
    let body = html! {
        h1 { (t("tokens-title")) }
        p { (t("tokens-intro")) }
        @match &notice {
            Notice::None => {}
            Notice::Created { info, token } => {
                div class="success token-once" role="status" {
                    p { strong { (locale.t_with("tokens-created", &[("name", &info.name)])) } " " (t("tokens-copy-now")) }
                    code id="new-token" aria-label=(t("tokens-new-token-label")) { (token) }
                }
            }
            Notice::Success(text) => { div class="success" role="status" { (text) } }
            Notice::Error(text) => { div class="error" role="alert" { (text) } }
        }
        h2 { (t("tokens-yours")) }
        @if all.is_empty() {
            p { (t("tokens-none")) }
        } @else {
            div class="table-scroll" {
                table class="tokens" {
                    thead {
                        tr {
                            th scope="col" { (t("tokens-col-name")) }
                            th scope="col" { (t("tokens-col-scopes")) }
                            th scope="col" { (t("tokens-col-created")) }
                            th scope="col" { (t("tokens-col-expires")) }
                            th scope="col" { (t("tokens-col-last-used")) }
                            th scope="col" { span class="visually-hidden" { (t("tokens-col-actions")) } }
                        }
                    }
                    tbody {
                        @for token in &all {
                            tr {
                                td { (token.name) }
                                td {
                                    (token.scopes.join(", "))
                                    @if !token.spam_check { " " span class="badge" { (t("tokens-spam-check-off")) } }
                                }
                                td { (when(&token.created_at)) }
                                td {
                                    @match &token.expires_at {
                                        Some(at) => {
                                            (when(at))
                                            @if at.as_str() <= now.as_str() { " " span class="badge" { (t("tokens-expired")) } }
                                        }
                                        None => { (t("tokens-never-expires")) }
                                    }
                                }
                                td {
                                    @match &token.last_used_at {
                                        Some(at) => { (when(at)) }
                                        None => { (t("tokens-never-used")) }
                                    }
                                }
                                td {
                                    form method="post" action=(format!("/agent/tokens/{}/revoke", token.id)) class="inline" {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" class="secondary" aria-label=(locale.t_with("tokens-revoke-label", &[("name", &token.name)])) { (t("tokens-revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t("tokens-create")) }
        form method="post" action="/agent/tokens" class="token-form" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t("tokens-field-name")) input type="text" name="name" value=(draft.name) required maxlength="100" placeholder=(t("tokens-name-placeholder")); }
            fieldset class="scopes" {
                legend { (t("tokens-field-scopes")) }
                @for scope in offered {
                    label class="check" {
                        input type="checkbox" name=(format!("scope_{}", scope.as_str())) value="on" checked[draft.scopes.contains(*scope)];
                        (t(&format!("tokens-scope-{}", scope.as_str())))
                    }
                }
            }
            label {
                (t("tokens-field-expiry"))
                input type="number" name="expires_in_days" value=(draft.expires_in_days) min="1" max="3650" step="1" inputmode="numeric";
                span class="hint" { (t("tokens-expiry-hint")) }
            }
            label class="check" {
                input type="checkbox" name="skip_spam_check" value="on" checked[draft.skip_spam_check];
                (t("tokens-field-skip-spam-check"))
            }
            button type="submit" { (t("tokens-create-submit")) }
        }
    };
    Ok(signed_in.page(status, &t("tokens-title"), body))
}

async fn show(State(state): State<AppState>, signed_in: SignedIn) -> Result<Page, ApiError> {
    render(
        &state,
        &signed_in,
        StatusCode::OK,
        Notice::None,
        &Draft::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateForm {
    csrf: String,
    name: String,
    /// Checkboxes: present ("on") when ticked.
    scope_read: Option<String>,
    scope_write: Option<String>,
    scope_admin: Option<String>,
    expires_in_days: String,
    skip_spam_check: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<CreateForm>,
) -> Result<Page, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let ticked = [
        (form.scope_read.is_some(), "read"),
        (form.scope_write.is_some(), "write"),
        (form.scope_admin.is_some(), "admin"),
    ];
    let scopes = Scopes::parse(ticked.iter().filter(|(on, _)| *on).map(|(_, name)| *name))
        .map_err(TokenError::UnknownScope);
    let draft = Draft {
        name: form.name.clone(),
        scopes: scopes.as_ref().copied().unwrap_or_default(),
        expires_in_days: form.expires_in_days.trim().to_string(),
        skip_spam_check: form.skip_spam_check.is_some(),
    };
    let expires_in_days = match draft.expires_in_days.as_str() {
        "" => Ok(None),
        days => days
            .parse::<u32>()
            .map(Some)
            .map_err(|_| TokenError::InvalidExpiry),
    };
    let result = match (scopes, expires_in_days) {
        (Ok(scopes), Ok(expires_in_days)) => {
            // A panel session holds every scope; the role still bounds what it may grant.
            tokens::create(
                &signed_in.db,
                state.clock.as_ref(),
                &signed_in.session.user,
                Scopes::all(),
                NewToken {
                    name: form.name,
                    scopes,
                    expires_in_days,
                    spam_check: !draft.skip_spam_check,
                },
                &signed_in.actor(),
            )
            .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok((info, token)) => {
            render(
                &state,
                &signed_in,
                StatusCode::OK,
                Notice::Created {
                    info: &info,
                    token: token.as_str(),
                },
                &Draft::default(),
            )
            .await
        }
        Err(TokenError::Store(e)) => Err(e.into()),
        Err(e) => {
            let text = signed_in.locale.t(error_id(&e));
            render(
                &state,
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Notice::Error(text),
                &draft,
            )
            .await
        }
    }
}

async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Page, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user_id = signed_in.session.user.id;
    let name = tokens::list(&signed_in.db, user_id)
        .await?
        .into_iter()
        .find(|token| token.id == id)
        .map(|token| token.name);
    let result = match name {
        Some(name) => tokens::revoke(
            &signed_in.db,
            state.clock.as_ref(),
            user_id,
            id,
            &signed_in.actor(),
        )
        .await
        .map(|()| name),
        None => Err(TokenError::NotFound),
    };
    let (status, notice) = match result {
        Ok(name) => (
            StatusCode::OK,
            Notice::Success(
                signed_in
                    .locale
                    .t_with("tokens-revoked", &[("name", &name)]),
            ),
        ),
        Err(TokenError::NotFound) => (
            StatusCode::NOT_FOUND,
            Notice::Error(signed_in.locale.t("tokens-not-found")),
        ),
        Err(e) => return Err(e.into()),
    };
    render(&state, &signed_in, status, notice, &Draft::default()).await
}

/// The message for a refused creation.
fn error_id(e: &TokenError) -> &'static str {
    match e {
        TokenError::InvalidName => "tokens-error-name",
        TokenError::InvalidExpiry => "tokens-error-expiry",
        TokenError::NoScope => "tokens-error-no-scope",
        TokenError::AdminScopeNeedsAdmin => "tokens-error-admin",
        TokenError::UnknownScope(_) | TokenError::ScopeNotHeld(_) => "tokens-error-scope",
        TokenError::NotFound | TokenError::Store(_) => "tokens-not-found",
    }
}
