//! `/agent/audit`: the account's audit log for the owner and admins, newest first, filtered
//! by action (or family), actor and dates, a page at a time with an "older" link; and
//! `/agent/audit.csv`, the same entries as a CSV download.

use axum::Router;
use axum::extract::Query as QueryString;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;
use serde::Deserialize;

use super::Staff;
use super::tokens::when;
use crate::app::AppState;
use crate::audit::{self, Query, Row};
use crate::auth::gate::Admins;
use crate::clock::rfc3339;
use crate::http::ApiError;
use crate::http::page::Page;

/// Entries per page.
const PAGE: u32 = 50;
/// Entries read at a time for the CSV export, which holds every matching entry.
const CSV_CHUNK: u32 = 5_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/audit", get(show))
        .route("/agent/audit.csv", get(download))
}

/// The query string of both routes. Unknown parameters are ignored, as browsers send what
/// a form holds.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Filter {
    /// An action or a family of them (`login`); empty means every action.
    action: String,
    /// Who did it, as the log names them.
    actor: String,
    /// Dates (`2026-12-01`) or RFC 3339 times; `to` includes its whole day.
    from: String,
    to: String,
    /// Only entries older than this id (the "older" link).
    before: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

impl Filter {
    fn is_active(&self) -> bool {
        [&self.action, &self.actor, &self.from, &self.to]
            .iter()
            .any(|f| !f.trim().is_empty())
    }

    fn before(&self) -> Result<Option<i64>, ApiError> {
        match self.before.trim() {
            "" => Ok(None),
            id => id.parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_request("invalid_before", "`before` must be an entry id")
            }),
        }
    }

    fn query(&self, before: Option<i64>, limit: u32) -> Result<Query, ApiError> {
        let bound = |text: &str, end| match given(text) {
            None => Ok(None),
            Some(text) => audit::parse_time_bound(&text, end)
                .map(Some)
                .ok_or_else(|| ApiError::bad_request("invalid_time", "dates look like 2026-12-01")),
        };
        Ok(Query {
            before,
            action: given(&self.action),
            actor: given(&self.actor),
            since: bound(&self.from, false)?,
            until: bound(&self.to, true)?,
            limit,
        })
    }

    /// This filter (and a page) as a query string, or an empty string.
    fn link(&self, before: Option<i64>) -> String {
        let mut pairs: Vec<String> = [
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| given(value).map(|v| format!("{name}={}", percent_encode(&v))))
        .collect();
        if let Some(before) = before {
            pairs.push(format!("before={before}"));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn show(
    staff: Staff<Admins>,
    QueryString(filter): QueryString<Filter>,
) -> Result<Page, ApiError> {
    let before = filter.before()?;
    let mut rows = audit::list(&staff.db, filter.query(before, PAGE + 1)?).await?;
    let older = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let older_href = rows
        .last()
        .filter(|_| older)
        .map(|last| format!("/agent/audit{}", filter.link(Some(last.id))));
    let newest_href = before
        .is_some()
        .then(|| format!("/agent/audit{}", filter.link(None)));
    let csv_href = format!("/agent/audit.csv{}", filter.link(None));
    let action = given(&filter.action);
    let locale = staff.locale;
    let t = |id: &str| locale.t(id);
    let body = html! {
        h1 { (t("audit-title")) }
        p { (t("audit-intro")) }
        form method="get" action="/agent/audit" class="audit-filter" role="search" aria-label=(t("audit-filter")) {
            label {
                (t("audit-field-action"))
                input type="text" name="action" value=(filter.action) maxlength="100" spellcheck="false" autocomplete="off";
                span class="hint" { (t("audit-action-hint")) }
            }
            label {
                (t("audit-field-actor"))
                input type="text" name="actor" value=(filter.actor) maxlength="254" spellcheck="false" autocomplete="off";
            }
            div class="dates" {
                label { (t("audit-field-from")) input type="date" name="from" value=(filter.from); }
                label { (t("audit-field-to")) input type="date" name="to" value=(filter.to); }
            }
            div class="actions" {
                button type="submit" { (t("audit-filter-submit")) }
                @if filter.is_active() {
                    a href="/agent/audit" { (t("audit-filter-clear")) }
                }
                a href=(csv_href) class="download" download { (t("audit-download-csv")) }
            }
        }
        @if let Some(action) = &action {
            p { (locale.t_with("audit-showing-action", &[("action", action)])) }
        }
        @if rows.is_empty() {
            p { (t(if filter.is_active() { "audit-none-filtered" } else { "audit-none" })) }
        } @else {
            div class="table-scroll" {
                table class="audit" {
                    thead {
                        tr {
                            th scope="col" { (t("audit-col-time")) }
                            th scope="col" { (t("audit-col-actor")) }
                            th scope="col" { (t("audit-col-action")) }
                            th scope="col" { (t("audit-col-target")) }
                            th scope="col" { (t("audit-col-ip")) }
                            th scope="col" { (t("audit-col-detail")) }
                        }
                    }
                    tbody {
                        @for row in &rows {
                            tr {
                                td class="nowrap" { (when(&rfc3339(row.at))) }
                                td { (row.actor) }
                                td { code { (row.action) } }
                                td { (row.target) }
                                td { (row.ip) }
                                td class="detail" { (row.detail) }
                            }
                        }
                    }
                }
            }
        }
        @if older_href.is_some() || newest_href.is_some() {
            nav class="pager" aria-label=(t("audit-title")) {
                @if let Some(href) = &newest_href { a href=(href) { (t("audit-newest")) } }
                @if let Some(href) = &older_href { a href=(href) rel="next" { (t("audit-older")) } }
            }
        }
    };
    Ok(staff.page(StatusCode::OK, &t("audit-title"), body))
}

async fn download(
    staff: Staff<Admins>,
    QueryString(filter): QueryString<Filter>,
) -> Result<Response, ApiError> {
    let mut before = filter.before()?;
    let mut rows: Vec<Row> = Vec::new();
    loop {
        let chunk = audit::list(&staff.db, filter.query(before, CSV_CHUNK)?).await?;
        let done = chunk.len() < CSV_CHUNK as usize;
        before = chunk.last().map(|row| row.id);
        rows.extend(chunk);
        if done || before.is_none() {
            break;
        }
    }
    let slug: String = staff
        .account
        .slug
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let disposition = format!("attachment; filename=\"audit-{slug}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        audit::to_csv(&rows),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filter() {
        let filter = |action: &str, actor: &str| Filter {
            action: action.into(),
            actor: actor.into(),
            ..Filter::default()
        };
        assert_eq!(filter("", "").link(None), "");
        assert_eq!(
            filter("token.created", "").link(Some(42)),
            "?action=token.created&before=42"
        );
        assert_eq!(filter("a b&c=d", "").link(None), "?action=a%20b%26c%3Dd");
        assert_eq!(filter("", "o@x.example").link(None), "?actor=o%40x.example");
        let dated = Filter {
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            ..Filter::default()
        };
        let query = dated.query(None, 10).unwrap();
        assert_eq!(
            query.until.unwrap() - query.since.unwrap(),
            86_400,
            "the whole day"
        );
        let bad = Filter {
            from: "soon".into(),
            ..Filter::default()
        };
        assert!(bad.query(None, 10).is_err());
    }
}
