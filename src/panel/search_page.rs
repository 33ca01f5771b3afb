//! `/agent/search?q=…`: full-text search from the workspace (the `search` domain ranks and
//! applies the department rule), shown with the same ticket table as the lists.

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use super::SignedIn;
use super::desk::ticket_table;
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::search::{self, Cursor, Search, SearchError};
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
    let t = |id: &str| signed_in.locale.t(id);
    let viewer = Viewer {
        user_id: signed_in.session.user.id,
        role: signed_in.session.user.role,
    };
    let search = Search {
        q: Some(params.q.clone()),
        limit: PAGE,
        cursor: Cursor::parse(&params.cursor),
        ..Search::default()
    };
    let found = match search::find(&signed_in.db, viewer, search).await {
        Ok(page) => Some(page),
        Err(SearchError::EmptyQuery) => None,
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        p { a id="back-to-list" href="/agent/tickets" { "← " (t("ticket-back")) } }
        form method="get" action="/agent/search" class="inline-search" role="search" {
            input type="search" id="search" name="q" value=(params.q) placeholder=(t("desk-search-placeholder")) aria-label=(t("desk-search")) autofocus;
            button type="submit" class="secondary" { (t("desk-search")) }
        }
        div id="ticket-list" {
            @match &found {
                None => p class="empty" { (t("desk-search")) },
                Some(page) if page.tickets.is_empty() => p class="empty" { (t("desk-empty")) },
                Some(page) => {
                    (ticket_table(&signed_in, &page.tickets))
                    @if let Some(next) = &page.next {
                        nav class="pager" { a rel="next" href={"/agent/search?q=" (urlencode(&params.q)) "&cursor=" (next)} { (t("desk-older")) } }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(StatusCode::OK, &t("desk-search"), body))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
