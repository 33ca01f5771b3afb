//! `/agent/contacts` and `/agent/contacts/{id}`: the people who write in, and one person
//! with their details and tickets.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use super::SignedIn;
use super::desk::status_badge;
use crate::app::AppState;
use crate::contacts::{self, ContactError};
use crate::http::ApiError;
use crate::http::page::Page;
use crate::tickets::{self, ListQuery, Viewer};

const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/contacts", get(list))
        .route("/agent/contacts/{id}", get(show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params {
    email: String,
    before: String,
}

async fn list(signed_in: SignedIn, Query(params): Query<Params>) -> Result<Page, ApiError> {
    let t = |id: &str| signed_in.locale.t(id);
    let email = Some(params.email.trim().to_string()).filter(|e| !e.is_empty());
    let before = params.before.parse::<i64>().ok();
    let people = contacts::list(&signed_in.db, email.clone(), before, PAGE).await?;
    let older = (people.len() == PAGE as usize)
        .then(|| people.last().map(|c| c.id))
        .flatten();
    let body = html! {
        h1 { (t("contacts-title")) }
        form method="get" action="/agent/contacts" class="inline-search" role="search" {
            input type="search" name="email" value=(email.clone().unwrap_or_default()) placeholder=(t("contacts-find-email")) aria-label=(t("contacts-find-email"));
            button type="submit" class="secondary" { (t("contacts-find")) }
        }
        @if people.is_empty() {
            p class="empty" { (t("contacts-none")) }
        } @else {
            table class="tickets" {
                thead { tr { th { (t("agents-name")) } th { (t("agents-email")) } th { (t("contacts-company")) } th { (t("contacts-since")) } } }
                tbody {
                    @for person in &people {
                        tr data-href={"/agent/contacts/" (person.id)} {
                            td { a href={"/agent/contacts/" (person.id)} { (if person.name.is_empty() { "—" } else { person.name.as_str() }) } }
                            td { (person.emails.join(", ")) }
                            td { (person.company) }
                            td class="nowrap" { (signed_in.locale.datetime(&person.created_at)) }
                        }
                    }
                }
            }
            @if let Some(id) = older {
                nav class="pager" { a href={"/agent/contacts?before=" (id)} rel="next" { (t("desk-older")) } }
            }
        }
    };
    Ok(signed_in.workspace(StatusCode::OK, &t("contacts-title"), body))
}

async fn show(signed_in: SignedIn, Path(id): Path<i64>) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let person = match contacts::get(&signed_in.db, id).await {
        Ok(person) => person,
        Err(ContactError::NotFound(_)) => return Err(ApiError::not_found(t("contacts-not-found"))),
        Err(e) => return Err(e.into()),
    };
    let viewer = Viewer {
        user_id: signed_in.session.user.id,
        role: signed_in.session.user.role,
    };
    let their = tickets::list(
        &signed_in.db,
        viewer,
        ListQuery {
            contact_id: Some(id),
            limit: 100,
            ..ListQuery::default()
        },
    )
    .await?;
    let title = if person.name.is_empty() {
        person.emails.first().cloned().unwrap_or_default()
    } else {
        person.name.clone()
    };
    let body = html! {
        p { a href="/agent/contacts" { "← " (t("contacts-title")) } }
        h1 { (title) }
        dl class="facts" {
            dt { (t("agents-email")) } dd { (person.emails.join(", ")) }
            @if !person.phones.is_empty() { dt { (t("contacts-phones")) } dd { (person.phones.join(", ")) } }
            @if !person.company.is_empty() { dt { (t("contacts-company")) } dd { (person.company) } }
            @if !person.address.is_empty() { dt { (t("contacts-address")) } dd { (person.address) } }
            @for (key, value) in &person.custom { dt { (key) } dd { (value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string())) } }
            dt { (t("contacts-since")) } dd { (signed_in.locale.datetime(&person.created_at)) }
        }
        h2 { (t("contacts-tickets")) }
        @if their.is_empty() {
            p class="empty" { (t("desk-empty")) }
        } @else {
            ul class="other-tickets" {
                @for ticket in &their {
                    li { a href={"/agent/tickets/" (ticket.id)} { (ticket.subject) } " " span class="code" { (ticket.code) } " " (status_badge(locale, ticket.status)) }
                }
            }
        }
    };
    Ok(signed_in.workspace(StatusCode::OK, &title, body))
}
