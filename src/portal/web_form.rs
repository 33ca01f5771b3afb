//! `/portal/new`: the public web form. Anyone may write (a signed-in customer finds their
//! name and email filled in); the ticket is made with channel `web`, its contact found or
//! made by the email and named as the actor, and the sender's address noted as a sighting
//! of the contact, in one commit. The thank-you page shows the ticket's code.
//!
//! In order, a submission must: carry this browser's form token (403), have valid fields
//! (422), stay within the rate limits per address and per email (429), and leave the
//! honeypot empty (a filled one gets the thank-you page and nothing is stored). What passes
//! is a `Submission`, which `store` turns into a ticket.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use maud::html;
use serde::Deserialize;

use super::{
    Customer, Limits, MaybeCustomer, client_address, form_expired, form_token, form_token_matches,
    page, too_many, with_cookies,
};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::auth::users::is_plausible_email;
use crate::contacts::ContactError;
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::i18n::Locale;
use crate::spam::live::Input;
use crate::store::Database;
use crate::tickets::{self, Channel, NewContactRef, NewTicket, SpamCheck, TicketError};

const MAX_SUBJECT: usize = 500;
const MAX_NAME: usize = 200;
const MAX_MESSAGE: usize = 50_000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/portal/new", get(show).post(submit))
}

/// What the form posts. `website` is the honeypot: hidden from people, filled by bots.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TicketForm {
    csrf: String,
    name: String,
    email: String,
    subject: String,
    message: String,
    website: String,
}

/// A submission that passed every check before storing: valid fields from a browser that
/// loaded the form, within the rate limits, honeypot empty.
struct Submission {
    name: String,
    email: String,
    subject: String,
    message: String,
    ip: std::net::IpAddr,
}

fn form_page(
    locale: Locale,
    status: StatusCode,
    account: &RoutedAccount,
    customer: Option<&Customer>,
    csrf: &str,
    values: &TicketForm,
    error: Option<&str>,
) -> Response {
    let t = |id: &str| locale.t(id);
    let title = locale.t_with("portal-new-title", &[("account", &account.name)]);
    let body = html! {
        h1 { (title) }
        p { (t("portal-new-intro")) }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/portal/new" class="web-form" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t("portal-field-name")) input type="text" name="name" maxlength=(MAX_NAME) autocomplete="name" value=(values.name); }
            @if customer.is_some() {
                label { (t("portal-field-email")) input type="email" name="email" required readonly autocomplete="email" value=(values.email); }
            } @else {
                label { (t("portal-field-email")) input type="email" name="email" required autocomplete="email" value=(values.email); }
            }
            label { (t("portal-field-subject")) input type="text" name="subject" required maxlength=(MAX_SUBJECT) value=(values.subject); }
            label { (t("portal-field-message")) textarea name="message" rows="8" required maxlength=(MAX_MESSAGE) { (values.message) } }
            // The honeypot: off-screen for people, announced to screen readers as a field
            // to leave empty, skipped by the keyboard and by autofill.
            div class="trap" {
                label { (t("portal-field-trap")) input type="text" name="website" tabindex="-1" autocomplete="off" value=""; }
            }
            button type="submit" { (t("portal-new-submit")) }
        }
    };
    page(locale, status, account, customer, &title, body).into_response()
}

async fn show(
    CurrentAccount(account): CurrentAccount,
    MaybeCustomer(customer): MaybeCustomer,
    locale: Locale,
    headers: HeaderMap,
) -> Response {
    let (csrf, set_cookie) = form_token(&headers);
    let values = match &customer {
        Some(customer) => TicketForm {
            name: customer.contact.name.clone(),
            email: customer.contact.emails.first().cloned().unwrap_or_default(),
            ..TicketForm::default()
        },
        None => TicketForm::default(),
    };
    let page = form_page(
        locale,
        StatusCode::OK,
        &account,
        customer.as_ref(),
        &csrf,
        &values,
        None,
    );
    with_cookies(page, set_cookie)
}

/// The first thing wrong with the fields, in the reader's language.
fn invalid(locale: Locale, form: &TicketForm) -> Option<String> {
    if !is_plausible_email(form.email.trim()) {
        return Some(locale.t("portal-invalid-email"));
    }
    if form.name.trim().chars().count() > MAX_NAME || form.name.chars().any(char::is_control) {
        return Some(locale.t("portal-invalid-name"));
    }
    let subject = form.subject.trim();
    if subject.is_empty()
        || subject.chars().count() > MAX_SUBJECT
        || subject.chars().any(char::is_control)
    {
        return Some(locale.t("portal-invalid-subject"));
    }
    if form.message.trim().is_empty() || form.message.chars().count() > MAX_MESSAGE {
        return Some(locale.t("portal-invalid-message"));
    }
    None
}

#[allow(clippy::too_many_arguments)]
async fn submit(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    CurrentAccount(account): CurrentAccount,
    MaybeCustomer(customer): MaybeCustomer,
    peer: ClientAddr,
    locale: Locale,
    headers: HeaderMap,
    Form(mut form): Form<TicketForm>,
) -> Result<Response, ApiError> {
    if !form_token_matches(&headers, &form.csrf) {
        return Ok(form_expired(locale, &account, customer.as_ref()));
    }
    if let Some(customer) = &customer {
        // A signed-in customer writes as themselves.
        form.email = customer.contact.emails.first().cloned().unwrap_or_default();
    }
    let refuse = |status: StatusCode, error: &str| {
        let mut values = form.clone();
        values.website.clear();
        form_page(
            locale,
            status,
            &account,
            customer.as_ref(),
            &form.csrf,
            &values,
            Some(error),
        )
    };
    if let Some(error) = invalid(locale, &form) {
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &error));
    }
    let ip = client_address(&headers, Some(peer), &state);
    let at = Instant::now();
    let allowed = limits
        .form_per_ip
        .hit(&format!("{}|{ip}", account.id), at)
        .and_then(|()| {
            let key = format!("{}|{}", account.id, form.email.trim().to_lowercase());
            limits.form_per_email.hit(&key, at)
        });
    if let Err(wait) = allowed {
        return Ok(too_many(locale, &account, customer.as_ref(), wait));
    }
    if !form.website.is_empty() {
        // A bot: it is told what a person would be told, and nothing is stored.
        tracing::info!(account = %account.slug, "web form honeypot filled; nothing stored");
        let code = tickets::decoy_code(&account.slug);
        return Ok(thanks(locale, &account, customer.as_ref(), &code));
    }
    let submission = Submission {
        name: form.name.trim().to_string(),
        email: form.email.trim().to_string(),
        subject: form.subject.trim().to_string(),
        message: form.message.clone(),
        ip,
    };

    let now = state.clock.now_unix();
    let db = state.store.account(&account.id, now).await?;
    // Every check above is about the request (its origin, its rate, its shape); the spam
    // filter judges its content. Spam is stored too, in the quarantine, and thanked alike.
    let text = Input::Text {
        subject: submission.subject.clone(),
        body: submission.message.clone(),
    };
    let spam_check = state.spam.check(&account.id, &db, text).await;
    match store(
        &db,
        now,
        &account,
        submission,
        spam_check.map(SpamCheck::new),
    )
    .await
    {
        Ok(ticket) => Ok(thanks(locale, &account, customer.as_ref(), &ticket.code)),
        Err(TicketError::Invalid(_) | TicketError::Contact(ContactError::InvalidEmail(_))) => {
            // `invalid` above mirrors the domain's rules; this is its safety net.
            Ok(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                &locale.t("portal-invalid-fields"),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores a submission as a ticket (channel `web`, from its contact).
async fn store(
    db: &Database,
    now: i64,
    account: &RoutedAccount,
    submission: Submission,
    spam_check: Option<SpamCheck>,
) -> Result<tickets::Ticket, TicketError> {
    let new = NewTicket {
        subject: submission.subject,
        message: submission.message,
        contact: NewContactRef {
            email: submission.email,
            name: submission.name,
        },
        channel: Channel::Web,
        priority: None,
        tags: Vec::new(),
        department_id: None,
        assignee_id: None,
        custom: Default::default(),
    };
    let ip = submission.ip.to_string();
    tickets::create_by_contact(db, now, &account.slug, new, &ip, spam_check).await
}

fn thanks(
    locale: Locale,
    account: &RoutedAccount,
    customer: Option<&Customer>,
    code: &str,
) -> Response {
    let title = locale.t("portal-thanks-title");
    let body = html! {
        h1 { (title) }
        div class="success" role="status" {
            (locale.t("portal-thanks-text")) " "
            strong id="ticket-code" { (code) }
        }
        p { (locale.t("portal-thanks-quote")) }
        @if customer.is_some() {
            p { a href="/portal" { (locale.t("portal-thanks-follow")) } }
        } @else {
            p { a href="/portal/login" { (locale.t("portal-thanks-sign-in")) } }
        }
    };
    page(locale, StatusCode::OK, account, customer, &title, body).into_response()
}
