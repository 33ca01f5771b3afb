//! `Authorization: Basic` with email and password, for the API.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use zeroize::Zeroizing;

use super::password;
use super::users::{self, User};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::http::{ApiError, CurrentAccount};
use crate::store::Database;

/// A request whose credentials were verified against the account its host name reaches.
pub struct Authenticated {
    pub account: RoutedAccount,
    pub db: Arc<Database>,
    pub user: User,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let (email, secret) = basic_credentials(parts).ok_or_else(ApiError::unauthorized)?;
        let db = state
            .store
            .account(&account.id, state.clock.now_unix())
            .await?;
        let found = users::find_for_login(&db, &email)
            .await
            .map_err(ApiError::internal)?;
        let (user, stored) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let ok = tokio::task::spawn_blocking(move || password::verify(&secret, stored.as_deref()))
            .await
            .map_err(ApiError::internal)?;
        match (ok, user) {
            (true, Some(user)) => Ok(Authenticated { account, db, user }),
            _ => Err(ApiError::unauthorized()),
        }
    }
}

fn basic_credentials(parts: &Parts) -> Option<(String, Zeroizing<String>)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?,
    );
    let text = std::str::from_utf8(&decoded).ok()?;
    let (email, secret) = text.split_once(':')?;
    Some((email.to_string(), Zeroizing::new(secret.to_string())))
}
