//! Canned responses in the panel: `/agent/chat/canned`, the JSON list the chat console
//! fetches with the session cookie (what this agent may use), and `/agent/canned`, where
//! the owner and admins list, add, edit and delete them. The rules are `chat::canned`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::{CsrfForm, SignedIn, Staff};
use crate::app::AppState;
use crate::auth::gate::Admins;
use crate::chat::canned::{self, Canned, CannedError, CannedPatch, NewCanned};
use crate::http::ApiError;
use crate::http::page::Page;
use crate::tickets::Viewer;
use crate::tickets::departments::{self, Department};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/chat/canned", get(for_console))
        .route("/agent/canned", get(show).post(add))
        .route("/agent/canned/{id}", get(edit).post(save))
        .route("/agent/canned/{id}/delete", post(remove))
}

/// The console's list: the responses this agent may use, by title.
async fn for_console(signed_in: SignedIn) -> Result<Json<Vec<Canned>>, ApiError> {
    let viewer = Viewer::of(&signed_in.session.user);
    Ok(Json(canned::list_for(&signed_in.db, viewer).await?))
}

/// The form's fields; an empty shortcut or department is none.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CannedForm {
    csrf: String,
    title: String,
    body: String,
    shortcut: String,
    department_id: String,
}

impl CannedForm {
    fn department(&self) -> Result<Option<i64>, CannedError> {
        let text = self.department_id.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| CannedError::Invalid(format!("no department `{text}`")))
    }
}

/// What the admin is told when a save is refused, in their language.
fn refusal(admin: &SignedIn, error: &CannedError) -> Option<String> {
    match error {
        CannedError::Invalid(_) => Some(admin.locale.t("canned-invalid")),
        CannedError::ShortcutTaken(shortcut) => Some(
            admin
                .locale
                .t_with("canned-shortcut-taken", &[("shortcut", shortcut)]),
        ),
        CannedError::NotFound | CannedError::Store(_) => None,
    }
}

fn fields(
    admin: &SignedIn,
    departments: &[Department],
    current: Option<&Canned>,
    action: &str,
    submit: &str,
) -> Markup {
    let t = |id: &str| admin.locale.t(id);
    let department = current.and_then(|c| c.department_id);
    html! {
        form method="post" action=(action) class="canned-form" {
            input type="hidden" name="csrf" value=(admin.session.csrf_token());
            label { (t("canned-field-title"))
                input type="text" name="title" required maxlength=(canned::MAX_TITLE)
                    value=[current.map(|c| c.title.as_str())]; }
            label { (t("canned-field-body"))
                textarea name="body" required rows="5" maxlength=(canned::MAX_BODY) {
                    @if let Some(c) = current { (c.body) }
                } }
            label { (t("canned-field-shortcut"))
                input type="text" name="shortcut" placeholder="/refund" maxlength="33"
                    value=[current.and_then(|c| c.shortcut.as_deref())]; }
            label { (t("canned-field-department"))
                select name="department_id" {
                    option value="" selected[department.is_none()] { (t("canned-everyone")) }
                    @for d in departments {
                        option value=(d.id) selected[department == Some(d.id)] { (d.name) }
                    }
                }
            }
            button type="submit" { (submit) }
        }
    }
}

async fn render(
    admin: &SignedIn,
    status: StatusCode,
    notice: Option<(String, bool)>,
) -> Result<Page, ApiError> {
    let t = |id: &str| admin.locale.t(id);
    let viewer = Viewer::of(&admin.session.user);
    let list = canned::list_for(&admin.db, viewer).await?;
    let departments = departments::all(&admin.db).await?;
    let department_name = |id: Option<i64>| match id {
        None => t("canned-everyone"),
        Some(id) => departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
    };
    let csrf = admin.session.csrf_token();
    let body = html! {
        h1 { (t("canned-title")) }
        p { (t("canned-intro")) }
        @if let Some((text, ok)) = &notice {
            div class=(if *ok { "success" } else { "error" }) role=(if *ok { "status" } else { "alert" }) { (text) }
        }
        @if list.is_empty() {
            p class="notice" { (t("canned-none")) }
        } @else {
            table class="canned" {
                thead { tr {
                    th scope="col" { (t("canned-field-title")) }
                    th scope="col" { (t("canned-field-shortcut")) }
                    th scope="col" { (t("canned-field-department")) }
                    th scope="col" { (t("canned-field-body")) }
                    th scope="col" { span class="visually-hidden" { (t("canned-actions")) } }
                } }
                tbody {
                    @for c in &list {
                        tr {
                            td { a href=(format!("/agent/canned/{}", c.id)) { (c.title) } }
                            td { @if let Some(s) = &c.shortcut { code { (s) } } }
                            td { (department_name(c.department_id)) }
                            td class="canned-body" { (preview(&c.body)) }
                            td {
                                form method="post" action=(format!("/agent/canned/{}/delete", c.id)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" class="danger"
                                        aria-label=(admin.locale.t_with("canned-delete-named", &[("title", &c.title)])) {
                                        (t("canned-delete"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t("canned-add")) }
        (fields(admin, &departments, None, "/agent/canned", &t("canned-add")))
    };
    Ok(admin.page(status, &t("canned-title"), body))
}

/// The first line of a body, shortened: the list shows which text it is, the edit page all.
fn preview(body: &str) -> String {
    const CHARS: usize = 80;
    let line = body.lines().next().unwrap_or("");
    let mut short: String = line.chars().take(CHARS).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    short
}

async fn show(admin: Staff<Admins>) -> Result<Page, ApiError> {
    render(&admin, StatusCode::OK, None).await
}

async fn add(
    State(state): State<AppState>,
    admin: Staff<Admins>,
    Form(form): Form<CannedForm>,
) -> Result<Page, ApiError> {
    admin.check_csrf(&form.csrf)?;
    let created = match form.department() {
        Ok(department_id) => {
            let new = NewCanned {
                title: form.title,
                body: form.body,
                shortcut: Some(form.shortcut),
                department_id,
            };
            canned::create(&admin.db, state.clock.now_unix(), &admin.actor(), new).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => {
            let text = admin.locale.t("canned-added");
            render(&admin, StatusCode::OK, Some((text, true))).await
        }
        Err(e) => match refusal(&admin, &e) {
            Some(text) => {
                render(
                    &admin,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some((text, false)),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

async fn edit_page(
    admin: &SignedIn,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
) -> Result<Page, ApiError> {
    let t = |id: &str| admin.locale.t(id);
    let current = canned::get(&admin.db, id).await?;
    let departments = departments::all(&admin.db).await?;
    let body = html! {
        p { a href="/agent/canned" { (t("canned-back")) } }
        h1 { (current.title) }
        @if let Some(text) = &notice {
            div class="error" role="alert" { (text) }
        }
        (fields(admin, &departments, Some(&current), &format!("/agent/canned/{id}"), &t("canned-save")))
    };
    Ok(admin.page(status, &t("canned-edit"), body))
}

async fn edit(admin: Staff<Admins>, Path(id): Path<i64>) -> Result<Page, ApiError> {
    edit_page(&admin, id, StatusCode::OK, None).await
}

async fn save(
    State(state): State<AppState>,
    admin: Staff<Admins>,
    Path(id): Path<i64>,
    Form(form): Form<CannedForm>,
) -> Result<Response, ApiError> {
    admin.check_csrf(&form.csrf)?;
    let saved = match form.department() {
        Ok(department_id) => {
            // The form sends every field: an empty shortcut or department clears it.
            let patch = CannedPatch {
                title: Some(form.title),
                body: Some(form.body),
                shortcut: Some(Some(form.shortcut)),
                department_id: Some(department_id),
            };
            canned::update(&admin.db, state.clock.now_unix(), &admin.actor(), id, patch).await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/agent/canned").into_response()),
        Err(e) => match refusal(&admin, &e) {
            Some(text) => Ok(
                edit_page(&admin, id, StatusCode::UNPROCESSABLE_ENTITY, Some(text))
                    .await?
                    .into_response(),
            ),
            None => Err(e.into()),
        },
    }
}

async fn remove(
    State(state): State<AppState>,
    admin: Staff<Admins>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Page, ApiError> {
    admin.check_csrf(&form.csrf)?;
    canned::delete(&admin.db, state.clock.now_unix(), &admin.actor(), id).await?;
    let text = admin.locale.t("canned-deleted");
    render(&admin, StatusCode::OK, Some((text, true))).await
}
