//! The agent panel's shell: signing in and out, and the signed-in user's own sessions and
//! password. Pages are server-rendered; every state-changing form carries the session's
//! CSRF token (the login form, before a session exists, a token bound to a cookie).

mod login;
mod profile;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::auth::sessions::{self, Lifetimes, Session};
use crate::http::client_ip::client_ip;
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::store::Database;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(login::routes())
        .merge(profile::routes())
}

pub(crate) fn lifetimes(state: &AppState) -> Lifetimes {
    Lifetimes {
        idle_secs: i64::try_from(state.config.auth.session_idle_secs).unwrap_or(i64::MAX),
        absolute_secs: i64::try_from(state.config.auth.session_absolute_secs).unwrap_or(i64::MAX),
    }
}

/// The client's address as the audit log and the throttle see it.
pub(crate) fn client_address(
    parts_headers: &HeaderMap,
    peer: Option<ClientAddr>,
    state: &AppState,
) -> std::net::IpAddr {
    let peer = peer
        .map(|ClientAddr(addr)| addr.ip())
        .unwrap_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
    client_ip(peer, parts_headers, &state.trusted_proxies)
}

/// A request from a signed-in panel user; without a live session, a redirect to the login.
pub struct SignedIn {
    pub account: RoutedAccount,
    pub db: std::sync::Arc<Database>,
    pub session: Session,
    pub ip: std::net::IpAddr,
}

pub enum NotSignedIn {
    Login,
    Error(ApiError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Login => Redirect::to("/agent/login").into_response(),
            NotSignedIn::Error(e) => e.into_response(),
        }
    }
}

impl From<ApiError> for NotSignedIn {
    fn from(e: ApiError) -> Self {
        NotSignedIn::Error(e)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let token = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| sessions::cookie_value(c, sessions::COOKIE))
            .map(str::to_string)
            .ok_or(NotSignedIn::Login)?;
        let db = state
            .store
            .account(&account.id, state.clock.now_unix())
            .await
            .map_err(ApiError::from)?;
        let session = sessions::find(&db, state.clock.as_ref(), lifetimes(state), &token)
            .await
            .map_err(ApiError::from)?
            .ok_or(NotSignedIn::Login)?;
        let ip = client_address(
            &parts.headers,
            parts.extensions.get::<ClientAddr>().copied(),
            state,
        );
        Ok(SignedIn {
            account,
            db,
            session,
            ip,
        })
    }
}
