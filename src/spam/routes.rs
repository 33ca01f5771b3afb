//! `/api/v1/tickets/{id}/spam`, `/api/v1/tickets/{id}/not-spam` and `/api/v1/spam`. Thin:
//! the learning is in `marks`, the settings in `settings`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::classifier::{Class, Thresholds};
use super::settings::{self, Change, Overview};
use super::{SpamError, marks};
use crate::app::AppState;
use crate::auth::{AdminAuth, Authenticated};
use crate::http::{ApiError, ApiJson};
use crate::tickets::{Ticket, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets/{id}/spam", post(mark_spam))
        .route("/api/v1/tickets/{id}/not-spam", post(mark_not_spam))
        .route("/api/v1/spam", get(show).patch(change))
}

async fn mark_spam(
    state: State<AppState>,
    auth: Authenticated,
    id: Path<i64>,
) -> Result<Json<Ticket>, ApiError> {
    mark(state, auth, id, Class::Spam).await
}

async fn mark_not_spam(
    state: State<AppState>,
    auth: Authenticated,
    id: Path<i64>,
) -> Result<Json<Ticket>, ApiError> {
    mark(state, auth, id, Class::Ham).await
}

async fn mark(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    class: Class,
) -> Result<Json<Ticket>, ApiError> {
    let viewer = Viewer::of(&auth.user);
    let now = state.clock.now_unix();
    let (mut marked, learned) = marks::mark(&auth.db, now, viewer, vec![id], class).await?;
    state.spam.committed(&auth.account.id, &learned);
    let ticket = marked
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no ticket with id {id}")))?;
    Ok(Json(ticket))
}

async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Overview>, ApiError> {
    let overview = settings::overview(&auth.db, state.clock.now_unix()).await?;
    Ok(Json(overview))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    /// `null` goes back to the built-in cut-offs; absent leaves them.
    #[serde(default, deserialize_with = "present")]
    thresholds: Option<Option<Cutoffs>>,
    learn_resolved: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cutoffs {
    ham_cutoff: f64,
    spam_cutoff: f64,
}

/// A field that is present (maybe `null`) is `Some(..)`; an absent one stays `None`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

async fn change(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<Json<Overview>, ApiError> {
    let thresholds = match body.thresholds {
        Some(Some(c)) => Some(Some(Thresholds::new(c.ham_cutoff, c.spam_cutoff)?)),
        Some(None) => Some(None),
        None => None,
    };
    let change = Change {
        thresholds,
        learn_resolved: body.learn_resolved,
    };
    let now = state.clock.now_unix();
    settings::change(&auth.db, now, &auth.actor(), change).await?;
    state.spam.changed(&auth.account.id);
    Ok(Json(settings::overview(&auth.db, now).await?))
}

impl From<SpamError> for ApiError {
    fn from(e: SpamError) -> Self {
        match e {
            SpamError::InvalidThresholds => ApiError::unprocessable("invalid_field", e.to_string()),
            SpamError::Store(e) => e.into(),
            e => ApiError::internal(e),
        }
    }
}
