//! `/agent/tickets/{id}`: one ticket: the thread (customer messages, replies, internal
//! notes), the reply box, the controls (status, priority, assignee, tags), the contact with
//! their other tickets, and the history. Customer text is escaped by maud; HTML bodies are
//! never rendered as HTML here (shown as text) until the sanitizer renders them inert.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::SignedIn;
use super::desk::status_badge;
use crate::app::AppState;
use crate::auth::users;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::tickets::{
    self, Actor, ListQuery, MessageKind, NewMessage, Priority, Status, TicketError, TicketPatch,
    Viewer,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/tickets/{id}", get(show))
        .route("/agent/tickets/{id}/messages", post(write))
        .route("/agent/tickets/{id}/update", post(change))
}

async fn render(
    signed_in: &SignedIn,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let ticket = match tickets::get(&signed_in.db, Viewer::of(&signed_in.session.user), id).await {
        Ok(ticket) => ticket,
        Err(TicketError::NotFound(_)) => return Err(ApiError::not_found(t("ticket-not-found"))),
        Err(e) => return Err(e.into()),
    };
    let others = tickets::list(
        &signed_in.db,
        Viewer::of(&signed_in.session.user),
        ListQuery {
            contact_id: Some(ticket.contact.id),
            limit: 10,
            ..ListQuery::default()
        },
    )
    .await?;
    let agents = users::list(&signed_in.db).await?;
    let csrf = signed_in.session.csrf_token();
    let messages = ticket.messages.clone().unwrap_or_default();
    let history = ticket.history.clone().unwrap_or_default();
    let body = html! {
        div class="ticket-page" {
            section class="thread" {
                p { a id="back-to-list" href="/agent/tickets" { "← " (t("ticket-back")) } }
                h1 { (ticket.subject) }
                p class="meta" {
                    span class="code" { (ticket.code) } " "
                    (status_badge(locale, ticket.status)) " · "
                    (t(&format!("channel-{}", ticket.channel.as_str()))) " · "
                    (locale.t_with("ticket-opened", &[("when", &signed_in.locale.datetime(&ticket.created_at))]))
                }
                @if let Some(text) = &notice {
                    div class="error" role="alert" { (text) }
                }
                ol class="messages" {
                    @for message in &messages {
                        li class={"message " (message.kind.as_str())} {
                            div class="message-head" {
                                strong { (message.author.name) }
                                @if message.kind == MessageKind::Note { span class="badge note" { (t("ticket-internal-note")) } }
                                span class="muted" { (signed_in.locale.datetime(&message.created_at)) }
                            }
                            @if message.html {
                                div class="message-body html" { (maud::PreEscaped(crate::http::sanitize::sanitize_html(&message.body))) }
                            } @else {
                                div class="message-body" { (message.body) }
                            }
                        }
                    }
                }
                form method="post" action={"/agent/tickets/" (ticket.id) "/messages"} class="reply" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="reply-body" { (t("ticket-reply-label")) }
                    textarea id="reply-body" name="body" rows="6" required {}
                    div class="reply-actions" {
                        button type="submit" name="kind" value="reply" { (t("ticket-send-reply")) }
                        button type="submit" name="kind" value="note" class="secondary" { (t("ticket-add-note")) }
                    }
                }
                details class="history" {
                    summary { (t("ticket-history")) }
                    ul {
                        @for event in &history {
                            li {
                                span class="muted" { (signed_in.locale.datetime(&event.at)) } " · " (event.actor.name) " · " (event.field)
                                @if event.from.is_some() || event.to.is_some() {
                                    ": " (event.from.clone().unwrap_or_default()) " → " (event.to.clone().unwrap_or_default())
                                }
                            }
                        }
                    }
                }
            }
            aside class="sidebar" {
                form method="post" action={"/agent/tickets/" (ticket.id) "/update"} class="controls" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t("desk-col-status"))
                        select name="status" {
                            @for s in Status::ALL { option value=(s.as_str()) selected[*s == ticket.status] { (t(&format!("status-{}", s.as_str()))) } }
                        }
                    }
                    label { (t("desk-col-priority"))
                        select name="priority" {
                            @for p in Priority::ALL { option value=(p.as_str()) selected[*p == ticket.priority] { (t(&format!("priority-{}", p.as_str()))) } }
                        }
                    }
                    label { (t("desk-col-assignee"))
                        select name="assignee" {
                            option value="" { (t("ticket-unassigned")) }
                            @for agent in &agents {
                                option value=(agent.id) selected[ticket.assignee.as_ref().is_some_and(|a| a.id == agent.id)] { (agent.name) }
                            }
                        }
                    }
                    label { (t("ticket-tags")) input type="text" name="tags" value=(ticket.tags.join(", ")) placeholder="billing, vip"; }
                    button type="submit" { (t("ticket-save")) }
                }
                section class="contact-card" {
                    h2 { a href={"/agent/contacts/" (ticket.contact.id)} { (ticket.contact.name) } }
                    @if let Some(email) = &ticket.contact.email { p class="muted" { (email) } }
                    h3 { (t("ticket-other-tickets")) }
                    ul class="other-tickets" {
                        @for other in others.iter().filter(|o| o.id != ticket.id) {
                            li { a href={"/agent/tickets/" (other.id)} { (other.subject) } " " (status_badge(locale, other.status)) }
                        }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(status, &ticket.subject, body))
}

async fn show(signed_in: SignedIn, Path(id): Path<i64>) -> Result<Page, ApiError> {
    render(&signed_in, id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WriteForm {
    csrf: String,
    body: String,
    kind: String,
}

async fn write(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<WriteForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let kind = if form.kind == "note" {
        MessageKind::Note
    } else {
        MessageKind::Reply
    };
    let new = NewMessage {
        kind,
        body: form.body,
    };
    let written = tickets::add_message(
        &signed_in.db,
        state.clock.now_unix(),
        Some(Viewer::of(&signed_in.session.user)),
        id,
        new,
        Actor::Agent(signed_in.session.user.id),
        None,
    )
    .await;
    match written {
        Ok(_) => Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response()),
        Err(TicketError::Invalid(_)) => {
            let text = signed_in.locale.t("ticket-empty-message");
            Ok(
                render(&signed_in, id, StatusCode::UNPROCESSABLE_ENTITY, Some(text))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ControlsForm {
    csrf: String,
    status: String,
    priority: String,
    assignee: String,
    tags: String,
}

async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ControlsForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let assignee =
        match form.assignee.trim() {
            "" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                ApiError::bad_request("invalid_assignee", "the assignee is a user id")
            })?),
        };
    let patch = TicketPatch {
        status: Status::parse(&form.status),
        priority: Priority::parse(&form.priority),
        assignee_id: Some(assignee),
        tags: Some(
            form.tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        ..TicketPatch::default()
    };
    match tickets::update(
        &signed_in.db,
        state.clock.now_unix(),
        Viewer::of(&signed_in.session.user),
        id,
        patch,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response()),
        Err(TicketError::Invalid(text)) => {
            Ok(
                render(&signed_in, id, StatusCode::UNPROCESSABLE_ENTITY, Some(text))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}
