//! `/agent/search?q=…`: full-text search from the workspace (the `search` domain ranks and
//! applies the department rule), shown with the same ticket table as the lists; a search
//! can be saved as a view (`desk::save_view_form`).

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use super::SignedIn;
use super::desk::{Refused, SaveForm, save_view_form, ticket_table};
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::search::{self, Cursor, Search, SearchError, ViewQuery};
use crate::tickets::Viewer;

const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/search", get(show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params {
    q: String,
    cursor: String,
}

async fn show(signed_in: SignedIn, Query(params): Query<Params>) -> Result<Page, ApiError> {
    render(&signed_in, &params.q, &params.cursor, StatusCode::OK, None).await
}

/// The search page for `q` (from `cursor`), with a refused "save as view" if there was one.
pub(super) async fn render(
    signed_in: &SignedIn,
    q: &str,
    cursor: &str,
    status: StatusCode,
    refused: Option<Refused>,
) -> Result<Page, ApiError> {
    let t = |id: &str| signed_in.locale.t(id);
    let viewer = Viewer::of(&signed_in.session.user);
    let search = Search {
        q: Some(q.to_string()),
        limit: PAGE,
        cursor: Cursor::parse(cursor),
        ..Search::default()
    };
    let found = match search::find(&signed_in.db, viewer, search).await {
        Ok(page) => Some(page),
        Err(SearchError::EmptyQuery) => None,
        Err(e) => return Err(e.into()),
    };
    let form = SaveForm::of(
        &ViewQuery {
            q: Some(q.trim().to_string()),
            ..ViewQuery::default()
        },
        "search",
    );
    let body = html! {
        p { a id="back-to-list" href="/agent/tickets" { "← " (t("ticket-back")) } }
        div class="search-head" {
            form method="get" action="/agent/search" class="inline-search" role="search" {
                input type="search" id="search" name="q" value=(q) placeholder=(t("desk-search-placeholder")) aria-label=(t("desk-search")) autofocus[refused.is_none()];
                button type="submit" class="secondary" { (t("desk-search")) }
            }
            @if found.is_some() {
                div class="list-actions" { (save_view_form(signed_in, &form, refused.as_ref())) }
            }
        }
        @if let Some(refused) = &refused {
            div class="error" role="alert" { (refused.notice) }
        }
        div id="ticket-list" {
            @match &found {
                None => p class="empty" { (t("desk-search")) },
                Some(page) if page.tickets.is_empty() => p class="empty" { (t("desk-empty")) },
                Some(page) => {
                    (ticket_table(signed_in, &page.tickets, false))
                    @if let Some(next) = &page.next {
                        nav class="pager" { a rel="next" href={"/agent/search?q=" (urlencode(q)) "&cursor=" (next)} { (t("desk-older")) } }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(status, &t("desk-search"), body))
}

pub(super) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
