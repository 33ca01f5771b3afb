//! The spam filter in the panel: "Spam" / "Not spam" on a ticket, "Not spam" on a
//! selection of the quarantine (the Spam view), and `/agent/spam` with the filter's figures
//! and, for admins, its settings. The learning itself is `spam::marks`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::{CsrfForm, SignedIn, Staff};
use crate::app::AppState;
use crate::auth::gate::Admins;
use crate::auth::users::Role;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::spam::settings::{self, Change};
use crate::spam::{Class, SpamError, Thresholds, marks};
use crate::tickets::{self, Status, Viewer};

/// The most tickets one bulk "Not spam" takes (a page of the list is 50).
const MAX_SELECTED: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/tickets/{id}/spam", post(mark_spam))
        .route("/agent/tickets/{id}/not-spam", post(mark_not_spam))
        .route("/agent/spam/not-spam", post(bulk_not_spam))
        .route("/agent/spam", get(show).post(save))
}

async fn mark(
    state: &AppState,
    signed_in: &SignedIn,
    ids: Vec<i64>,
    class: Class,
) -> Result<(), ApiError> {
    let viewer = Viewer::of(&signed_in.session.user);
    let now = state.clock.now_unix();
    let (_, learned) = marks::mark(&signed_in.db, now, viewer, ids, class).await?;
    state.spam.committed(&signed_in.account.id, &learned);
    Ok(())
}

/// The ticket page's status drop-down teaches the filter as the buttons do: choosing
/// `spam` is a spam mark, moving a ticket out of `spam` a not-spam mark (the API's PATCH
/// stays a plain status change).
pub(super) async fn follow_status(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    chosen: Option<Status>,
) -> Result<(), ApiError> {
    let Some(chosen) = chosen else {
        return Ok(());
    };
    let viewer = Viewer::of(&signed_in.session.user);
    let current = tickets::get(&signed_in.db, viewer, id).await?.status;
    let class = match (current == Status::Spam, chosen == Status::Spam) {
        (false, true) => Class::Spam,
        (true, false) => Class::Ham,
        _ => return Ok(()),
    };
    mark(state, signed_in, vec![id], class).await
}

async fn mark_spam(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Redirect, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    mark(&state, &signed_in, vec![id], Class::Spam).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{id}")))
}

async fn mark_not_spam(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Redirect, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    mark(&state, &signed_in, vec![id], Class::Ham).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{id}")))
}

/// The quarantine's "Not spam" on the ticked rows: `csrf` and any number of `ids` fields.
async fn bulk_not_spam(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut csrf = String::new();
    let mut ids = Vec::new();
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "ids" => ids.push(value.parse::<i64>().map_err(|_| {
                ApiError::bad_request("invalid_ticket", "a selected ticket is not a ticket id")
            })?),
            _ => {}
        }
    }
    signed_in.check_csrf(&csrf)?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        let text = signed_in.locale.t("spam-none-selected");
        return Err(ApiError::unprocessable("nothing_selected", text));
    }
    if ids.len() > MAX_SELECTED {
        return Err(ApiError::unprocessable(
            "too_many",
            format!("at most {MAX_SELECTED} tickets at once"),
        ));
    }
    mark(&state, &signed_in, ids, Class::Ham).await?;
    Ok(Redirect::to("/agent/tickets?view=spam").into_response())
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    notice: Option<(String, bool)>,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let overview = settings::overview(&signed_in.db, state.clock.now_unix()).await?;
    let is_admin = signed_in.session.user.role >= Role::Admin;
    let count = |n: u64| locale.number(i64::try_from(n).unwrap_or(i64::MAX));
    let days = state.config.lifecycle.trash_days.to_string();
    let min = overview.min_learned.to_string();
    let recent = match overview.recent.accuracy {
        Some(accuracy) => locale.t_with(
            "spam-recent-value",
            &[
                ("agreed", &count(overview.recent.agreed)),
                ("judged", &count(overview.recent.judged)),
                ("percent", &format!("{:.1}", accuracy * 100.0)),
            ],
        ),
        None => t("spam-recent-none"),
    };
    let csrf = signed_in.session.csrf_token();
    let body = html! {
        h1 { (t("spam-title")) }
        p { (locale.t_with("spam-intro", &[("days", &days)])) }
        @if let Some((text, ok)) = &notice {
            div class=(if *ok { "success" } else { "error" }) role=(if *ok { "status" } else { "alert" }) { (text) }
        }
        @if overview.judging {
            p class="success" { (t("spam-judging")) }
        } @else {
            p class="notice" { (locale.t_with("spam-learning", &[("min", &min), ("spam", &count(overview.spam_learned)), ("ham", &count(overview.ham_learned))])) }
        }
        h2 { (t("spam-figures")) }
        dl class="figures" {
            dt { (t("spam-learned-spam")) } dd { (count(overview.spam_learned)) }
            dt { (t("spam-learned-ham")) } dd { (count(overview.ham_learned)) }
            dt { (t("spam-tokens")) } dd { (count(overview.tokens)) }
            dt { (locale.t_with("spam-recent", &[("days", &overview.recent.days.to_string())])) } dd { (recent) }
        }
        h2 { (t("spam-settings")) }
        @if is_admin {
            form method="post" action="/agent/spam" class="spam-settings" {
                input type="hidden" name="csrf" value=(csrf);
                div class="cutoffs" {
                    label { (t("spam-ham-cutoff"))
                        input type="number" name="ham_cutoff" min="0" max="1" step="0.01" required value=(format!("{:.2}", overview.ham_cutoff)); }
                    label { (t("spam-spam-cutoff"))
                        input type="number" name="spam_cutoff" min="0" max="1" step="0.01" required value=(format!("{:.2}", overview.spam_cutoff)); }
                }
                p class="hint" { (t("spam-cutoffs-hint")) }
                label class="check" {
                    input type="checkbox" name="defaults" value="on" checked[!overview.custom_thresholds];
                    (t("spam-defaults"))
                }
                label class="check" {
                    input type="checkbox" name="learn_resolved" value="on" checked[overview.learn_resolved];
                    (t("spam-learn-resolved"))
                }
                button type="submit" { (t("spam-save")) }
            }
        } @else {
            p { (t("spam-ham-cutoff")) " " (format!("{:.2}", overview.ham_cutoff)) " · " (t("spam-spam-cutoff")) " " (format!("{:.2}", overview.spam_cutoff)) }
            p class="hint" { (t("spam-admins-only")) }
        }
    };
    Ok(signed_in.page(status, &t("spam-title"), body))
}

async fn show(State(state): State<AppState>, signed_in: SignedIn) -> Result<Page, ApiError> {
    render(&state, &signed_in, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    csrf: String,
    ham_cutoff: String,
    spam_cutoff: String,
    defaults: Option<String>,
    learn_resolved: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    admin: Staff<Admins>,
    Form(form): Form<SettingsForm>,
) -> Result<Page, ApiError> {
    admin.check_csrf(&form.csrf)?;
    let thresholds = if form.defaults.is_some() {
        Ok(None)
    } else {
        match (
            form.ham_cutoff.trim().parse(),
            form.spam_cutoff.trim().parse(),
        ) {
            (Ok(ham), Ok(spam)) => Thresholds::new(ham, spam).map(Some),
            _ => Err(SpamError::InvalidThresholds),
        }
    };
    let thresholds = match thresholds {
        Ok(thresholds) => thresholds,
        Err(_) => {
            let text = admin.locale.t("spam-invalid-cutoffs");
            return render(
                &state,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((text, false)),
            )
            .await;
        }
    };
    let change = Change {
        thresholds: Some(thresholds),
        learn_resolved: Some(form.learn_resolved.is_some()),
    };
    let now = state.clock.now_unix();
    settings::change(&admin.db, now, &admin.actor(), change).await?;
    state.spam.changed(&admin.account.id);
    let text = admin.locale.t("spam-saved");
    render(&state, &admin, StatusCode::OK, Some((text, true))).await
}
