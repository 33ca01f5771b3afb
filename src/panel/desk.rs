//! `/agent/tickets`: the agents' ticket list: built-in views with counts, the agent's saved
//! views (the `search::views` domain) under them, filters, and a live region that refreshes
//! when tickets change (`live.rs`, `/static/panel.js`).
//!
//! The counts of the built-in views (and of saved views made only of statuses and an
//! assignee) come from one grouped query (`search::views::tally`); a saved view with a tag or
//! a department is counted on its own; one with search text is not counted (ranking it is
//! a search, not a count). `POST /agent/views` saves the current list or search as a named
//! view; `POST /agent/views/{id}/delete` deletes one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::{CsrfForm, SignedIn};
use crate::app::AppState;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::i18n::Locale;
use crate::search::views::{self as saved_views, Tally};
use crate::search::{self, Assignee, Cursor, Search, SearchError, ViewQuery};
use crate::tickets::{self, ListQuery, Status, Ticket, Viewer};

const PAGE: u32 = 50;

/// The longest view name (as the views domain allows).
const MAX_VIEW_NAME: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/tickets", get(list))
        .route("/agent/views", post(save))
        .route("/agent/views/{id}/delete", post(delete))
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

    /// What the view is as a saved view's query (`assignee` "me" or "none").
    fn view_query(self) -> ViewQuery {
        let query = self.query(0);
        ViewQuery {
            status: query.statuses,
            assignee: query.assignee.map(|who| match who {
                Some(_) => Assignee::Me,
                None => Assignee::Nobody,
            }),
            ..ViewQuery::default()
        }
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

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct Params {
    view: String,
    tag: String,
    after: String,
    cursor: String,
}

/// A refused "save as view": the notice, and the name typed (the form opens again with it).
pub(super) struct Refused {
    pub notice: String,
    pub name: String,
}

/// The query the "save as view" form carries in hidden fields, and where it came from.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct SaveForm {
    pub csrf: String,
    pub name: String,
    /// `search` when posted from the search page, else the list's `view` parameter.
    pub from: String,
    pub q: String,
    pub status: String,
    pub assignee: String,
    pub tag: String,
    pub department: String,
}

impl SaveForm {
    /// The hidden fields for `query`, posted from `from`.
    pub(super) fn of(query: &ViewQuery, from: &str) -> SaveForm {
        SaveForm {
            from: from.to_string(),
            q: query.q.clone().unwrap_or_default(),
            status: query
                .status
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
            assignee: match query.assignee {
                None => String::new(),
                Some(Assignee::Me) => "me".into(),
                Some(Assignee::Nobody) => "none".into(),
                Some(Assignee::User(id)) => id.to_string(),
            },
            tag: query.tag.clone().unwrap_or_default(),
            department: query.department.map(|d| d.to_string()).unwrap_or_default(),
            ..SaveForm::default()
        }
    }

    /// The query the hidden fields describe; `None` if one was tampered with.
    fn query(&self) -> Option<ViewQuery> {
        let status = self
            .status
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Status::parse)
            .collect::<Option<Vec<_>>>()?;
        let assignee = match self.assignee.trim() {
            "" => None,
            text => Some(Assignee::parse(text)?),
        };
        let department = match self.department.trim() {
            "" => None,
            text => Some(text.parse().ok()?),
        };
        let text = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        Some(ViewQuery {
            q: text(&self.q),
            status,
            assignee,
            tag: text(&self.tag),
            department,
        })
    }
}

/// "Save as view": a name for the current list or search, sent with its query.
pub(super) fn save_view_form(
    signed_in: &SignedIn,
    fields: &SaveForm,
    refused: Option<&Refused>,
) -> Markup {
    let t = |id: &str| signed_in.locale.t(id);
    html! {
        details class="save-view" open[refused.is_some()] {
            summary { (t("views-save-as")) }
            form method="post" action="/agent/views" {
                input type="hidden" name="csrf" value=(signed_in.session.csrf_token());
                input type="hidden" name="from" value=(fields.from);
                input type="hidden" name="q" value=(fields.q);
                input type="hidden" name="status" value=(fields.status);
                input type="hidden" name="assignee" value=(fields.assignee);
                input type="hidden" name="tag" value=(fields.tag);
                input type="hidden" name="department" value=(fields.department);
                label for="view-name" { (t("views-name")) }
                div class="save-view-row" {
                    input type="text" id="view-name" name="name" required maxlength=(MAX_VIEW_NAME)
                        value=(refused.map(|r| r.name.as_str()).unwrap_or_default())
                        placeholder=(t("views-name-placeholder"));
                    button type="submit" { (t("views-save")) }
                }
            }
        }
    }
}

pub(super) fn status_badge(locale: Locale, status: Status) -> Markup {
    html! { span class={"badge status-" (status.as_str())} { (locale.t(&format!("status-{}", status.as_str()))) } }
}

/// The ticket table of lists and search results (rows open on click, see panel.js).
/// With `selectable`, each row has a checkbox named `ids` (the quarantine's bulk action).
pub(super) fn ticket_table(signed_in: &SignedIn, rows: &[Ticket], selectable: bool) -> Markup {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    html! {
        table class="tickets" {
            thead { tr {
                @if selectable {
                    th class="select" { input type="checkbox" id="select-all" aria-label=(t("spam-select-all")); }
                }
                th { (t("desk-col-subject")) } th { (t("desk-col-contact")) } th { (t("desk-col-status")) }
                th { (t("desk-col-priority")) } th { (t("desk-col-assignee")) } th { (t("desk-col-updated")) }
            } }
            tbody {
                @for ticket in rows {
                    tr data-href={"/agent/tickets/" (ticket.id)} class={"priority-" (ticket.priority.as_str())} {
                        @if selectable {
                            td class="select" {
                                input type="checkbox" form="bulk-not-spam" name="ids" value=(ticket.id)
                                    aria-label=(locale.t_with("spam-select", &[("subject", &ticket.subject)]));
                            }
                        }
                        td class="subject" {
                            a href={"/agent/tickets/" (ticket.id)} { (ticket.subject) }
                            span class="code" { (ticket.code) }
                            @for tag in &ticket.tags { a class="tag" href={"/agent/tickets?view=all&tag=" (tag)} { (tag) } }
                        }
                        td { (ticket.contact.name) @if let Some(email) = &ticket.contact.email { br; span class="muted" { (email) } } }
                        td {
                            (status_badge(locale, ticket.status))
                            @if ticket.spam_check.is_some_and(|c| c.is_unsure()) {
                                " " span class="badge maybe-spam" { (t("spam-maybe")) }
                            }
                        }
                        td { (t(&format!("priority-{}", ticket.priority.as_str()))) }
                        td { (ticket.assignee.as_ref().map(|a| a.name.as_str()).unwrap_or("—")) }
                        td class="nowrap" { (signed_in.locale.datetime(&ticket.updated_at)) }
                    }
                }
            }
        }
    }
}

async fn list(signed_in: SignedIn, Query(params): Query<Params>) -> Result<Page, ApiError> {
    render_list(&signed_in, &params, StatusCode::OK, None).await
}

/// What the list shows: a built-in view, or one of the agent's saved views.
enum Shown {
    Builtin(View),
    Saved(search::View),
}

pub(super) async fn render_list(
    signed_in: &SignedIn,
    params: &Params,
    status: StatusCode,
    refused: Option<Refused>,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let me = signed_in.session.user.id;
    let viewer = Viewer::of(&signed_in.session.user);
    let shown = match View::parse(&params.view) {
        Some(view) => Shown::Builtin(view),
        None if params.view.is_empty() => Shown::Builtin(View::Mine),
        None => match saved_views::get(&signed_in.db, me, &params.view).await {
            Ok(view) if !view.builtin => Shown::Saved(view),
            Ok(_) => Shown::Builtin(View::Mine),
            Err(SearchError::NotFound(_)) => return Err(ApiError::not_found(t("views-not-found"))),
            Err(e) => return Err(e.into()),
        },
    };
    let tag = Some(params.tag.trim().to_string()).filter(|t| !t.is_empty());
    let (rows, pager, title, query) = match &shown {
        Shown::Builtin(view) => {
            let mut query = view.query(me);
            query.tag = tag.clone();
            query.after = params
                .after
                .split_once('.')
                .and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)));
            let rows: Vec<Ticket> = tickets::list(&signed_in.db, viewer, query).await?;
            let pager = (rows.len() == PAGE as usize)
                .then(|| rows.last().map(|t| (t.updated_at.clone(), t.id)))
                .flatten()
                .map(|(at, id)| {
                    let unix = time::OffsetDateTime::parse(
                        &at,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map(|t| t.unix_timestamp())
                    .unwrap_or(0);
                    format!(
                        "/agent/tickets?view={}&tag={}&after={unix}.{id}",
                        view.id(),
                        super::search_page::urlencode(&params.tag)
                    )
                });
            let mut saved = view.view_query();
            saved.tag = tag.clone();
            (rows, pager, t(&format!("view-{}", view.id())), saved)
        }
        Shown::Saved(view) => {
            let (q, filters) = view.query.search_parts();
            let search = Search {
                q,
                filters,
                limit: PAGE,
                cursor: Cursor::parse(&params.cursor),
            };
            let found = match search::find(&signed_in.db, viewer, search).await {
                Ok(page) => page,
                Err(SearchError::BadCursor) => {
                    return Err(ApiError::bad_request(
                        "invalid_cursor",
                        t("views-bad-cursor"),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            let pager = found
                .next
                .map(|next| format!("/agent/tickets?view={}&cursor={next}", view.id));
            (found.tickets, pager, view.name.clone(), view.query.clone())
        }
    };
    let tally = saved_views::tally(&signed_in.db, viewer).await?;
    let counts: Vec<(View, u64)> = View::ALL
        .into_iter()
        .map(|v| {
            let q = v.query(me);
            (v, tally.count(&q.statuses, q.assignee))
        })
        .collect();
    let mine = saved_views::list(&signed_in.db, me).await?;
    let mut saved = Vec::new();
    for view in mine.into_iter().filter(|v| !v.builtin) {
        let n = saved_count(signed_in, &tally, &view).await?;
        saved.push((view, n));
    }
    let current = match &shown {
        Shown::Builtin(view) => view.id().to_string(),
        Shown::Saved(view) => view.id.clone(),
    };
    let form = SaveForm::of(&query, &current);
    let quarantine = matches!(shown, Shown::Builtin(View::Spam));
    let body = html! {
        div class="desk" {
            aside class="views" aria-label=(t("desk-views")) {
                form method="get" action="/agent/search" role="search" {
                    input type="search" id="search" name="q" placeholder=(t("desk-search-placeholder")) aria-label=(t("desk-search"));
                }
                ul {
                    @for (v, n) in &counts {
                        li {
                            a href={"/agent/tickets?view=" (v.id())} aria-current=[(v.id() == current).then_some("page")] {
                                span { (t(&format!("view-{}", v.id()))) }
                                span class="count" { (locale.number(i64::try_from(*n).unwrap_or(i64::MAX))) }
                            }
                        }
                    }
                }
                h2 class="views-heading" id="saved-views-heading" { (t("views-saved")) }
                @if saved.is_empty() {
                    p class="views-none" { (t("views-none")) }
                } @else {
                    ul class="saved-views" aria-labelledby="saved-views-heading" {
                        @for (v, n) in &saved {
                            li {
                                a href={"/agent/tickets?view=" (v.id)} aria-current=[(v.id == current).then_some("page")] {
                                    span class="view-name" { (v.name) }
                                    @if let Some(n) = n {
                                        span class="count" { (locale.number(i64::try_from(*n).unwrap_or(i64::MAX))) }
                                    }
                                }
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
                div class="list-head" {
                    h1 { (title) }
                    @if let Some(tag) = &tag {
                        span class="filter" { (locale.t_with("views-tag-filter", &[("tag", tag)])) }
                    }
                    div class="list-actions" {
                        (save_view_form(signed_in, &form, refused.as_ref()))
                        @if let Shown::Saved(view) = &shown {
                            form method="post" action={"/agent/views/" (view.id) "/delete"} class="delete-view" {
                                input type="hidden" name="csrf" value=(signed_in.session.csrf_token());
                                button type="submit" class="secondary" { (t("views-delete")) }
                            }
                        }
                    }
                }
                @if let Some(refused) = &refused {
                    div class="error" role="alert" { (refused.notice) }
                }
                @if quarantine && !rows.is_empty() {
                    form method="post" action="/agent/spam/not-spam" id="bulk-not-spam" class="bulk" {
                        input type="hidden" name="csrf" value=(signed_in.session.csrf_token());
                        button type="submit" { (t("spam-bulk-not-spam")) }
                    }
                }
                div id="ticket-list" aria-live="polite" {
                    @if rows.is_empty() {
                        p class="empty" { (t("desk-empty")) }
                    } @else {
                        (ticket_table(signed_in, &rows, quarantine))
                    }
                    @if let Some(href) = &pager {
                        nav class="pager" { a href=(href) rel="next" { (t("desk-older")) } }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(status, &title, body))
}

/// A saved view's count: from the tally when it is statuses and an assignee; one count
/// query when it also has a tag or a department; none when it searches text.
async fn saved_count(
    signed_in: &SignedIn,
    tally: &Tally,
    view: &search::View,
) -> Result<Option<u64>, ApiError> {
    let me = signed_in.session.user.id;
    if let Some(n) = tally.of_query(&view.query, me) {
        return Ok(Some(n));
    }
    if view
        .query
        .q
        .as_deref()
        .is_some_and(|q| !q.trim().is_empty())
    {
        return Ok(None);
    }
    let query = ListQuery {
        statuses: view.query.status.clone(),
        assignee: view.query.assignee.map(|a| match a {
            Assignee::Me => Some(me),
            Assignee::Nobody => None,
            Assignee::User(id) => Some(id),
        }),
        department_id: view.query.department,
        tag: view.query.tag.clone(),
        ..ListQuery::default()
    };
    Ok(Some(
        tickets::count(&signed_in.db, Viewer::of(&signed_in.session.user), query).await?,
    ))
}

/// `POST /agent/views`: saves the posted query under the posted name, then shows it.
async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<SaveForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let t = |id: &str| signed_in.locale.t(id);
    let Some(query) = form.query() else {
        return Err(ApiError::bad_request(
            "invalid_view",
            "the view's query fields are not valid",
        ));
    };
    let name = form.name.trim().to_string();
    let refusal = if name.is_empty()
        || name.chars().count() > MAX_VIEW_NAME
        || name.chars().any(char::is_control)
    {
        Some(t("views-name-invalid"))
    } else {
        let new = search::NewView {
            name: name.clone(),
            query,
        };
        match saved_views::create(
            &signed_in.db,
            state.clock.now_unix(),
            signed_in.session.user.id,
            new,
        )
        .await
        {
            Ok(view) => {
                return Ok(
                    Redirect::to(&format!("/agent/tickets?view={}", view.id)).into_response()
                );
            }
            Err(SearchError::NameTaken(_)) => Some(
                signed_in
                    .locale
                    .t_with("views-name-taken", &[("name", &name)]),
            ),
            Err(SearchError::Invalid(_)) => Some(t("views-cannot-save")),
            Err(e) => return Err(e.into()),
        }
    };
    let refused = refusal.map(|notice| Refused {
        notice,
        name: form.name.clone(),
    });
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let page = if form.from == "search" {
        super::search_page::render(&signed_in, &form.q, "", status, refused).await?
    } else {
        let params = Params {
            view: form.from.clone(),
            tag: form.tag.clone(),
            ..Params::default()
        };
        render_list(&signed_in, &params, status, refused).await?
    };
    Ok(page.into_response())
}

/// `POST /agent/views/{id}/delete`: deletes one of the agent's own views.
async fn delete(
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    match saved_views::delete(&signed_in.db, signed_in.session.user.id, &id).await {
        Ok(()) => Ok(Redirect::to("/agent/tickets").into_response()),
        Err(SearchError::NotFound(_) | SearchError::BuiltIn) => {
            Err(ApiError::not_found(signed_in.locale.t("views-not-found")))
        }
        Err(e) => Err(e.into()),
    }
}
