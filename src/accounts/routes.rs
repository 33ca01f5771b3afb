//! `/api/v1/account`: the account the request's host name reaches.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Authenticated;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/account", get(show))
}

async fn show(auth: Authenticated) -> Json<Value> {
    Json(json!({
        "slug": auth.account.slug,
        "name": auth.account.name,
        "state": auth.account.state,
    }))
}
