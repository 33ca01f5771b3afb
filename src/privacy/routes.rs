//! `GET /api/v1/contacts/{id}/export`: a contact's data export for owners and admins (the
//! gate is in the signature), audited as `contact.exported`, served as a JSON download.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::Audience;
use crate::app::AppState;
use crate::auth::gate::AdminAuth;
use crate::http::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/contacts/{id}/export", get(export))
}

async fn export(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_unix();
    let export = super::export_recorded(&auth.db, now, id, Audience::Staff, auth.actor()).await?;
    Ok(super::download(&export))
}
