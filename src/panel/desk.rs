//! `/agent/tickets`: the agents' ticket list: built-in views with counts, filters, and a
//! live region that refreshes when tickets change (`live.rs`, `/static/panel.js`).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::SignedIn;
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::i18n::Locale;
use crate::tickets::{self, ListQuery, Status, Ticket, Viewer};

const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/tickets", get(list))
}

/// The built-in views: a name, and the query they stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Mine,
    Unassigned,
    Open,
    Pending,
    Resolved,
    Spam,
    Trash,
    All,
}

impl View {
    const ALL: [View; 8] = [
        View::Mine,
        View::Unassigned,
        View::Open,
        View::Pending,
        View::Resolved,
        View::Spam,
        View::Trash,
        View::All,
    ];

    fn id(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::Open => "open",
            View::Pending => "pending",
            View::Resolved => "resolved",
            View::Spam => "spam",
            View::Trash => "trash",
            View::All => "all",
        }
    }

    fn parse(text: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.id() == text)
    }

    fn query(self, me: i64) -> ListQuery {
        let active = vec![Status::New, Status::Open, Status::Pending];
        let (statuses, assignee) = match self {
            View::Mine => (active, Some(Some(me))),
            View::Unassigned => (vec![Status::New, Status::Open], Some(None)),
            View::Open => (vec![Status::New, Status::Open], None),
            View::Pending => (vec![Status::Pending], None),
            View::Resolved => (vec![Status::Resolved], None),
            View::Spam => (vec![Status::Spam], None),
            View::Trash => (vec![Status::Trash], None),
            View::All => (Vec::new(), None),
        };
        ListQuery {
            statuses,
            assignee,
            limit: PAGE,
            ..ListQuery::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params {
    view: String,
    tag: String,
    after: String,
}

pub(super) fn status_badge(locale: Locale, status: Status) -> Markup {
    html! { span class={"badge status-" (status.as_str())} { (locale.t(&format!("status-{}", status.as_str()))) } }
}

/// The ticket table of lists and search results (rows open on click, see panel.js).
pub(super) fn ticket_table(signed_in: &SignedIn, rows: &[Ticket]) -> Markup {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    html! {
        table class="tickets" {
            thead { tr {
                th { (t("desk-col-subject")) } th { (t("desk-col-contact")) } th { (t("desk-col-status")) }
                th { (t("desk-col-priority")) } th { (t("desk-col-assignee")) } th { (t("desk-col-updated")) }
            } }
            tbody {
                @for ticket in rows {
                    tr data-href={"/agent/tickets/" (ticket.id)} class={"priority-" (ticket.priority.as_str())} {
                        td class="subject" {
                            a href={"/agent/tickets/" (ticket.id)} { (ticket.subject) }
                            span class="code" { (ticket.code) }
                            @for tag in &ticket.tags { a class="tag" href={"/agent/tickets?view=all&tag=" (tag)} { (tag) } }
                        }
                        td { (ticket.contact.name) @if let Some(email) = &ticket.contact.email { br; span class="muted" { (email) } } }
                        td { (status_badge(locale, ticket.status)) }
                        td { (t(&format!("priority-{}", ticket.priority.as_str()))) }
                        td { (ticket.assignee.as_ref().map(|a| a.name.as_str()).unwrap_or("—")) }
                        td class="nowrap" { (signed_in.locale.datetime(&ticket.updated_at)) }
                    }
                }
            }
        }
    }
}

async fn list(
    State(_state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<Params>,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let me = signed_in.session.user.id;
    let viewer = Viewer {
        user_id: me,
        role: signed_in.session.user.role,
    };
    let view = View::parse(&params.view).unwrap_or(View::Mine);
    let mut query = view.query(me);
    if !params.tag.trim().is_empty() {
        query.tag = Some(params.tag.trim().to_string());
    }
    query.after = params
        .after
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)));
    let mut counts = Vec::new();
    for v in View::ALL {
        let n = tickets::count(&signed_in.db, viewer, v.query(me)).await?;
        counts.push((v, n));
    }
    let rows: Vec<Ticket> = tickets::list(&signed_in.db, viewer, query).await?;
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last().map(|t| (t.updated_at.clone(), t.id)))
        .flatten();
    let body = html! {
        div class="desk" {
            aside class="views" aria-label=(t("desk-views")) {
                form method="get" action="/agent/search" role="search" {
                    input type="search" id="search" name="q" placeholder=(t("desk-search-placeholder")) aria-label=(t("desk-search"));
                }
                ul {
                    @for (v, n) in &counts {
                        li {
                            a href={"/agent/tickets?view=" (v.id())} aria-current=[(*v == view).then_some("page")] {
                                span { (t(&format!("view-{}", v.id()))) }
                                span class="count" { (locale.number(i64::try_from(*n).unwrap_or(i64::MAX))) }
                            }
                        }
                    }
                }
                details id="shortcuts" {
                    summary { (t("desk-shortcuts")) }
                    dl {
                        dt { kbd { "/" } } dd { (t("shortcut-search")) }
                        dt { kbd { "j" } " " kbd { "k" } } dd { (t("shortcut-move")) }
                        dt { kbd { "o" } } dd { (t("shortcut-open")) }
                        dt { kbd { "r" } } dd { (t("shortcut-reply")) }
                        dt { kbd { "u" } } dd { (t("shortcut-back")) }
                    }
                }
            }
            section class="list" {
                h1 { (t(&format!("view-{}", view.id()))) }
                div id="ticket-list" aria-live="polite" {
                    @if rows.is_empty() {
                        p class="empty" { (t("desk-empty")) }
                    } @else {
                        (ticket_table(&signed_in, &rows))
                    }
                    @if let Some((at, id)) = &next {
                        @let unix = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).map(|t| t.unix_timestamp()).unwrap_or(0);
                        nav class="pager" { a href={"/agent/tickets?view=" (view.id()) "&tag=" (params.tag) "&after=" (unix) "." (id)} rel="next" { (t("desk-older")) } }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(StatusCode::OK, &t(&format!("view-{}", view.id())), body))
}
