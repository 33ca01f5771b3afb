//! `/api/v1/security/networks`: the account's IP allowlists, managed by the owner only.

use std::net::IpAddr;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::OwnerAuth;
use super::networks::{self, Allowlist, NetworkError, Surface};
use crate::app::AppState;
use crate::http::{ApiError, ApiJson};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/security/networks", get(show).put(replace))
}

async fn show(auth: OwnerAuth) -> Result<Json<Value>, ApiError> {
    let panel = networks::load(&auth.db, Surface::Panel).await?;
    let api = networks::load(&auth.db, Surface::Api).await?;
    Ok(Json(
        json!({ "panel": panel.entries(), "api": api.entries() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Replace {
    panel: Option<Vec<String>>,
    api: Option<Vec<String>>,
}

/// Replaces the given lists (an empty list allows every address). A list that would exclude
/// the address making the change is refused, with the reason.
async fn replace(
    State(state): State<AppState>,
    auth: OwnerAuth,
    ApiJson(body): ApiJson<Replace>,
) -> Result<Json<Value>, ApiError> {
    let from: IpAddr = auth
        .ip
        .parse()
        .map_err(|_| ApiError::internal("client address unknown"))?;
    let changes = [(Surface::Panel, body.panel), (Surface::Api, body.api)];
    // Check every list before saving any, so a refusal changes nothing.
    let mut parsed = Vec::new();
    for (surface, entries) in changes {
        if let Some(entries) = entries {
            let list = Allowlist::parse(&entries)?;
            if !list.allows(from) {
                return Err(NetworkError::WouldLockOut(from, surface.name()).into());
            }
            parsed.push((surface, list));
        }
    }
    for (surface, list) in parsed {
        networks::save(
            &auth.db,
            state.clock.as_ref(),
            surface,
            list,
            from,
            &auth.actor(),
        )
        .await?;
    }
    state.allowlists.forget(&auth.account.id);
    show(auth).await
}

impl From<NetworkError> for ApiError {
    fn from(e: NetworkError) -> Self {
        match e {
            NetworkError::Invalid(_) => ApiError::unprocessable("invalid_network", e.to_string()),
            NetworkError::WouldLockOut(..) => ApiError::conflict("would_lock_out", e.to_string()),
            NetworkError::Store(_) => ApiError::internal(e),
        }
    }
}
