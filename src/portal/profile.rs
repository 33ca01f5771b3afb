//! `/portal/profile`: the customer's name and phone numbers, changed through
//! `contacts::update`. Their email addresses are shown, not edited here: an email is how
//! they sign in, and changing it is for an agent. `/portal/profile/export` downloads
//! everything the helpdesk holds about them (`privacy::export`, without internal notes).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::Customer;
use crate::app::AppState;
use crate::contacts::{self, ContactError, ContactPatch};
use crate::http::ApiError;
use crate::privacy;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/profile", get(show).post(save))
        .route("/portal/profile/export", get(export))
}

enum Notice {
    Saved,
    Failed(String),
}

fn render(customer: &Customer, status: StatusCode, notice: Option<Notice>) -> Response {
    let locale = customer.locale;
    let t = |id: &str| locale.t(id);
    let contact = &customer.contact;
    let title = t("portal-profile-title");
    let body = html! {
        h1 { (title) }
        @match &notice {
            Some(Notice::Saved) => div class="success" role="status" { (t("portal-profile-saved")) },
            Some(Notice::Failed(text)) => div class="error" role="alert" { (text) },
            None => {},
        }
        h2 { (t("portal-profile-emails")) }
        ul class="portal-emails" {
            @for email in &contact.emails { li { (email) } }
        }
        form method="post" action="/portal/profile" {
            input type="hidden" name="csrf" value=(customer.session.csrf_token());
            label { (t("portal-field-name")) input type="text" name="name" maxlength="200" autocomplete="name" value=(contact.name); }
            label {
                (t("portal-profile-phones"))
                textarea name="phones" rows="3" autocomplete="tel" { (contact.phones.join("\n")) }
                span class="hint" { (t("portal-profile-phones-hint")) }
            }
            button type="submit" { (t("portal-profile-save")) }
        }
        h2 { (t("portal-profile-data")) }
        p class="hint" { (t("portal-profile-data-hint")) }
        p { a href="/portal/profile/export" download { (t("portal-profile-download")) } }
    };
    customer.page(status, &title, body).into_response()
}

async fn show(customer: Customer) -> Response {
    render(&customer, StatusCode::OK, None)
}

/// The customer's own data export (GDPR right of access), as the person sees it: internal
/// notes and the agents' history left out. Audited like a staff export; the entry names the
/// portal, not the person's address, so the audit log holds no more of them than their id.
async fn export(State(state): State<AppState>, customer: Customer) -> Result<Response, ApiError> {
    let actor = crate::audit::Actor::system("portal");
    let now = state.clock.now_unix();
    let id = customer.contact.id;
    let export =
        privacy::export_recorded(&customer.db, now, id, privacy::Audience::Subject, actor).await?;
    Ok(privacy::download(&export))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProfileForm {
    csrf: String,
    name: String,
    phones: String,
}

async fn save(
    State(state): State<AppState>,
    mut customer: Customer,
    Form(form): Form<ProfileForm>,
) -> Result<Response, ApiError> {
    if !customer.csrf_ok(&form.csrf) {
        return Ok(customer.forbidden());
    }
    let phones: Vec<String> = form
        .phones
        .lines()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let patch = ContactPatch {
        name: Some(form.name),
        phones: Some(phones),
        ..ContactPatch::default()
    };
    let now = state.clock.now_unix();
    match contacts::update(&customer.db, now, customer.contact.id, patch).await {
        Ok(contact) => {
            customer.contact = contact;
            Ok(render(&customer, StatusCode::OK, Some(Notice::Saved)))
        }
        Err(ContactError::Invalid(_)) => {
            let text = customer.locale.t("portal-profile-invalid");
            Ok(render(
                &customer,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Notice::Failed(text)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
