//! `/agent/agents`: the people of the account, for the owner and admins: roles, deletion,
//! the owner's reset of someone's two-step verification, and invitations (the link is shown
//! here until mail sends it). The rules (who may manage whom) live in `auth::users` and
//! `auth::invitations`; this file only renders and forwards.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::{CsrfForm, Staff};
use crate::app::AppState;
use crate::auth::gate::{Admins, OwnerOnly};
use crate::auth::routes::invitation_link;
use crate::auth::users::{self, Role, UserError};
use crate::auth::{invitations, two_factor};
use crate::http::page::Page;
use crate::http::{ApiError, Authority};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/agents", get(show))
        .route("/agent/agents/{id}/role", post(change_role))
        .route("/agent/agents/{id}/delete", post(delete))
        .route("/agent/agents/{id}/reset-2fa", post(reset_two_factor))
        .route("/agent/invitations", post(invite))
        .route("/agent/invitations/{id}/revoke", post(revoke))
}

type Admin = Staff<Admins>;

/// What to show above the lists after an action.
enum Notice {
    Done(String),
    Failed(String),
    Invited { email: String, link: String },
}

async fn render(
    staff: &Admin,
    state: &AppState,
    status: StatusCode,
    notice: Option<Notice>,
) -> Result<Page, ApiError> {
    let locale = staff.locale;
    let t = |id: &str| locale.t(id);
    let me = &staff.session.user;
    let people = users::list(&staff.db).await?;
    let mut rows = Vec::with_capacity(people.len());
    for person in people {
        let factors = two_factor::status(&staff.db, person.id).await?;
        rows.push((person, factors.enabled()));
    }
    let pending = invitations::pending(&staff.db, state.clock.as_ref()).await?;
    let csrf = staff.session.csrf_token();
    let roles_i_manage: Vec<Role> = [Role::Agent, Role::Admin]
        .into_iter()
        .filter(|r| me.role.may_manage(*r))
        .collect();
    let body = html! {
        h1 { (t("agents-title")) }
        @match &notice {
            Some(Notice::Done(text)) => div class="success" role="status" { (text) },
            Some(Notice::Failed(text)) => div class="error" role="alert" { (text) },
            Some(Notice::Invited { email, link }) => div class="success" role="status" {
                p { (locale.t_with("agents-invited", &[("email", email)])) }
                p { code id="invite-link" { (link) } }
            },
            None => {},
        }
        table class="people" {
            thead { tr {
                th { (t("agents-name")) } th { (t("agents-email")) } th { (t("agents-role")) }
                th { (t("agents-two-step")) } th { span class="visually-hidden" { (t("agents-actions")) } }
            } }
            tbody {
                @for (person, has_two_step) in &rows {
                    tr {
                        td { (person.name) }
                        td { (person.email) }
                        td { (t(&format!("role-{}", person.role.as_str()))) }
                        td { (if *has_two_step { t("agents-on") } else { t("agents-off") }) }
                        td class="actions" { div class="row-actions" {
                            @if person.id != me.id && me.role.may_manage(person.role) {
                                form method="post" action=(format!("/agent/agents/{}/role", person.id)) class="inline" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    select name="role" aria-label=(t("agents-role")) {
                                        @for role in &roles_i_manage {
                                            option value=(role.as_str()) selected[*role == person.role] { (t(&format!("role-{}", role.as_str()))) }
                                        }
                                    }
                                    button type="submit" class="secondary" { (t("agents-change-role")) }
                                }
                                form method="post" action=(format!("/agent/agents/{}/delete", person.id)) class="inline" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label class="confirm" { input type="checkbox" name="confirm" value="yes" required; (t("agents-confirm")) }
                                    button type="submit" class="danger" { (t("agents-delete")) }
                                }
                            }
                            @if me.role == Role::Owner && person.id != me.id && *has_two_step {
                                form method="post" action=(format!("/agent/agents/{}/reset-2fa", person.id)) class="inline" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" class="secondary" { (t("agents-reset-two-step")) }
                                }
                            }
                        } }
                    }
                }
            }
        }
        h2 { (t("agents-invitations")) }
        @if pending.is_empty() {
            p { (t("agents-no-invitations")) }
        } @else {
            ul class="invitations" {
                @for invitation in &pending {
                    li {
                        strong { (invitation.name) } " · " (invitation.email) " · " (t(&format!("role-{}", invitation.role.as_str())))
                        " · " (locale.t_with("agents-expires", &[("when", &invitation.expires_at)]))
                        form method="post" action=(format!("/agent/invitations/{}/revoke", invitation.id)) class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class="secondary" { (t("agents-revoke")) }
                        }
                    }
                }
            }
        }
        h2 { (t("agents-invite")) }
        form method="post" action="/agent/invitations" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t("agents-email")) input type="email" name="email" required; }
            label { (t("agents-name")) input type="text" name="name" required maxlength="200"; }
            label { (t("agents-role"))
                select name="role" {
                    @for role in &roles_i_manage {
                        option value=(role.as_str()) { (t(&format!("role-{}", role.as_str()))) }
                    }
                }
            }
            button type="submit" { (t("agents-send-invitation")) }
        }
    };
    Ok(staff.page(status, &t("agents-title"), body))
}

async fn show(State(state): State<AppState>, staff: Admin) -> Result<Page, ApiError> {
    render(&staff, &state, StatusCode::OK, None).await
}

/// Re-renders the page with the outcome: a user's mistake is a 422 with the reason.
async fn outcome(
    staff: &Admin,
    state: &AppState,
    result: Result<String, UserError>,
) -> Result<Response, ApiError> {
    match result {
        Ok(done) => Ok(
            render(staff, state, StatusCode::OK, Some(Notice::Done(done)))
                .await?
                .into_response(),
        ),
        Err(UserError::Store(e)) => Err(e.into()),
        Err(e) => {
            let status = match e {
                UserError::NotFound => StatusCode::NOT_FOUND,
                UserError::NotAllowed(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let text = capitalized(&e.to_string());
            Ok(render(staff, state, status, Some(Notice::Failed(text)))
                .await?
                .into_response())
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    csrf: String,
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    staff: Admin,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, ApiError> {
    staff.check_csrf(&form.csrf)?;
    let Some(role) = Role::parse(&form.role) else {
        return outcome(
            &staff,
            &state,
            Err(UserError::NotAllowed(format!(
                "unknown role {:?}",
                form.role
            ))),
        )
        .await;
    };
    let result = users::set_role(
        &staff.db,
        state.clock.as_ref(),
        &staff.session.user,
        id,
        role,
        &staff.actor(),
    )
    .await
    .map(|user| {
        staff
            .locale
            .t_with("agents-role-changed", &[("name", &user.name)])
    });
    outcome(&staff, &state, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeleteForm {
    csrf: String,
    confirm: String,
}

async fn delete(
    State(state): State<AppState>,
    staff: Admin,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, ApiError> {
    staff.check_csrf(&form.csrf)?;
    if form.confirm != "yes" {
        let text = staff.locale.t("agents-confirm-needed");
        return Ok(render(
            &staff,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Notice::Failed(text)),
        )
        .await?
        .into_response());
    }
    let result = users::delete(
        &staff.db,
        state.clock.as_ref(),
        &staff.session.user,
        id,
        &staff.actor(),
    )
    .await
    .map(|user| {
        staff
            .locale
            .t_with("agents-deleted", &[("name", &user.name)])
    });
    outcome(&staff, &state, result).await
}

async fn reset_two_factor(
    State(state): State<AppState>,
    owner: Staff<OwnerOnly>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    owner.check_csrf(&form.csrf)?;
    let target = users::list(&owner.db)
        .await?
        .into_iter()
        .find(|u| u.id == id);
    let Some(target) = target else {
        return Err(ApiError::not_found(format!("no user with id {id}")));
    };
    two_factor::reset(&owner.db, state.clock.now_unix(), id, &owner.actor()).await?;
    let admin = Staff::<Admins>(owner.0, std::marker::PhantomData);
    let text = admin
        .locale
        .t_with("agents-two-step-reset", &[("name", &target.name)]);
    outcome(&admin, &state, Ok(text)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    csrf: String,
    email: String,
    name: String,
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    staff: Admin,
    Authority(authority): Authority,
    Form(form): Form<InviteForm>,
) -> Result<Response, ApiError> {
    staff.check_csrf(&form.csrf)?;
    let role = Role::parse(&form.role).unwrap_or(Role::Agent);
    let created = invitations::create(
        &staff.db,
        state.clock.as_ref(),
        &staff.session.user,
        &form.email,
        &form.name,
        role,
        &staff.actor(),
    )
    .await;
    match created {
        Ok((invitation, token)) => {
            let notice = Notice::Invited {
                email: invitation.email,
                link: invitation_link(&authority, &token),
            };
            Ok(render(&staff, &state, StatusCode::CREATED, Some(notice))
                .await?
                .into_response())
        }
        Err(e) => outcome(&staff, &state, Err(e)).await,
    }
}

async fn revoke(
    State(state): State<AppState>,
    staff: Admin,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    staff.check_csrf(&form.csrf)?;
    let result = invitations::revoke(&staff.db, state.clock.as_ref(), id, &staff.actor())
        .await
        .map(|()| staff.locale.t("agents-invitation-revoked"));
    outcome(&staff, &state, result).await
}
