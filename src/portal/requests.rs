//! `/portal` (the customer's own tickets) and `/portal/tickets/{id}` (one of them: the
//! thread without internal notes, and a reply box). Which tickets and which messages a
//! customer may see is the tickets domain's rule (`list_for_contact`, `get_for_contact`);
//! anyone else's ticket is a 404, like one that does not exist.
//!
//! Bodies are text, escaped by maud; a body marked HTML (from mail) is put through
//! `http::sanitize` first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::Customer;
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::sanitize::sanitize_html;
use crate::i18n::Locale;
use crate::tickets::{self, Actor, MessageKind, NewMessage, Status, TicketError};

/// How many tickets the list shows (newest-changed first).
const LIST_LIMIT: u32 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(list))
        .route("/portal/tickets/{id}", get(show))
        .route("/portal/tickets/{id}/reply", post(reply))
}

/// `2026-03-01 14:05` (UTC) from RFC 3339.
fn when(rfc3339: &str) -> String {
    rfc3339
        .replace('T', " ")
        .trim_end_matches('Z')
        .chars()
        .take(16)
        .collect()
}

fn status_badge(locale: Locale, status: Status) -> Markup {
    html! {
        span class={"badge status-" (status.as_str())} {
            (locale.t(&format!("portal-status-{}", status.as_str())))
        }
    }
}

async fn list(customer: Customer) -> Result<Response, ApiError> {
    let locale = customer.locale;
    let t = |id: &str| locale.t(id);
    let mine = tickets::list_for_contact(&customer.db, customer.contact.id, LIST_LIMIT).await?;
    let title = t("portal-requests-title");
    let body = html! {
        h1 { (title) }
        @if mine.is_empty() {
            p class="empty" { (t("portal-requests-empty")) " " a href="/portal/new" { (t("portal-nav-new")) } }
        } @else {
            table class="portal-tickets" {
                thead { tr {
                    th { (t("portal-col-subject")) }
                    th { (t("portal-col-status")) }
                    th { (t("portal-col-updated")) }
                } }
                tbody {
                    @for ticket in &mine {
                        tr {
                            td {
                                a href={"/portal/tickets/" (ticket.id)} { (ticket.subject) }
                                span class="code" { (ticket.code) }
                            }
                            td { (status_badge(locale, ticket.status)) }
                            td class="nowrap muted" { (when(&ticket.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(customer.page(StatusCode::OK, &title, body).into_response())
}

/// The ticket page; `error` above the reply box when a reply was refused.
async fn render(
    customer: &Customer,
    id: i64,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let locale = customer.locale;
    let t = |id: &str| locale.t(id);
    let ticket = match tickets::get_for_contact(&customer.db, customer.contact.id, id).await {
        Ok(ticket) => ticket,
        Err(TicketError::NotFound(_)) => return Ok(not_found(customer)),
        Err(e) => return Err(e.into()),
    };
    let messages = ticket.messages.clone().unwrap_or_default();
    let body = html! {
        div class="portal-thread" {
            p { a href="/portal" { "← " (t("portal-back")) } }
            h1 { (ticket.subject) }
            p class="meta" {
                span class="code" { (ticket.code) } " "
                (status_badge(locale, ticket.status)) " · "
                (locale.t_with("portal-opened", &[("when", &when(&ticket.created_at))]))
            }
            ol class="messages" {
                @for message in &messages {
                    li class={"message " (message.kind.as_str())} {
                        div class="message-head" {
                            strong {
                                @if message.kind == MessageKind::Customer { (t("portal-you")) }
                                @else { (message.author.name) }
                            }
                            span class="muted" { (when(&message.created_at)) }
                        }
                        @if message.html {
                            div class="message-body html" { (PreEscaped(sanitize_html(&message.body))) }
                        } @else {
                            div class="message-body" { (message.body) }
                        }
                    }
                }
            }
            @if let Some(error) = error {
                div class="error" role="alert" { (error) }
            }
            form method="post" action={"/portal/tickets/" (ticket.id) "/reply"} class="reply" {
                input type="hidden" name="csrf" value=(customer.session.csrf_token());
                label for="reply-body" { (t("portal-reply-label")) }
                textarea id="reply-body" name="body" rows="6" required {}
                div class="reply-actions" {
                    button type="submit" { (t("portal-reply-submit")) }
                }
            }
        }
    };
    Ok(customer.page(status, &ticket.subject, body).into_response())
}

fn not_found(customer: &Customer) -> Response {
    let locale = customer.locale;
    let title = locale.t("portal-not-found-title");
    let body = html! {
        h1 { (title) }
        p { (locale.t("portal-not-found")) }
        p { a href="/portal" { (locale.t("portal-back")) } }
    };
    customer
        .page(StatusCode::NOT_FOUND, &title, body)
        .into_response()
}

async fn show(customer: Customer, Path(id): Path<i64>) -> Result<Response, ApiError> {
    render(&customer, id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    csrf: String,
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    customer: Customer,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, ApiError> {
    if !customer.csrf_ok(&form.csrf) {
        return Ok(customer.forbidden());
    }
    if form.body.trim().is_empty() {
        let error = customer.locale.t("portal-reply-empty");
        return render(
            &customer,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&error),
        )
        .await;
    }
    let new = NewMessage {
        kind: MessageKind::Customer,
        body: form.body,
    };
    let written = tickets::add_message(
        &customer.db,
        state.clock.now_unix(),
        None,
        id,
        new,
        Actor::Contact(customer.contact.id),
        None,
    )
    .await;
    match written {
        Ok(_) => Ok(Redirect::to(&format!("/portal/tickets/{id}")).into_response()),
        Err(TicketError::NotFound(_)) => Ok(not_found(&customer)),
        Err(TicketError::Invalid(_)) => {
            let error = customer.locale.t("portal-reply-invalid");
            render(
                &customer,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&error),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
