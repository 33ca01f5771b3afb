//! How an API request proves who it is: `Authorization: Bearer <token>`, or Basic with email
//! and password or email and API token. One extractor for every route, which also enforces
//! the credential's scopes by method: reading needs `read`, changing anything needs `write`.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use base64::Engine;
use zeroize::Zeroizing;

use super::login::{self, LoginError};
use super::networks::Surface;
use super::tokens::{self, Scope, Scopes};
use super::two_factor;
use super::users::User;
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::audit::Actor;
use crate::http::client_ip::client_ip;
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::store::Database;

/// A request whose credentials were verified against the account its host name reaches.
pub struct Authenticated {
    pub account: RoutedAccount,
    pub db: Arc<Database>,
    pub user: User,
    /// What this credential may do; a password holds every scope.
    pub scopes: Scopes,
    /// The client's address, for the audit log.
    pub ip: String,
    /// Tickets this request creates are judged by the spam filter: false only for a token
    /// made to skip it.
    pub spam_check: bool,
}

impl Authenticated {
    /// This user, from this address, as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user.id),
            name: self.user.email.clone(),
            ip: self.ip.clone(),
        }
    }

    /// For routes that manage people or security: the credential must hold `admin`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this token lacks the `{}` scope",
                scope.as_str()
            )))
        }
    }
}

enum Presented {
    Bearer(Zeroizing<String>),
    Basic {
        email: String,
        secret: Zeroizing<String>,
    },
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let peer = parts
            .extensions
            .get::<ClientAddr>()
            .map(|ClientAddr(addr)| addr.ip())
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        let from = client_ip(peer, &parts.headers, &state.trusted_proxies);
        let ip = from.to_string();
        let db = state
            .store
            .account(&account.id, state.clock.now_unix())
            .await?;
        // Before any credential is looked at: is this address allowed to use the API?
        super::networks::admit(state, &account.id, &db, Surface::Api, from).await?;
        let presented = presented(parts).ok_or_else(ApiError::unauthorized)?;
        let (user, scopes, spam_check) = match presented {
            Presented::Bearer(token) => by_token(&db, state, &account, &token, None).await?,
            Presented::Basic { email, secret } if tokens::looks_like_token(&secret) => {
                by_token(&db, state, &account, &secret, Some(&email)).await?
            }
            Presented::Basic { email, secret } => {
                let user = login::with_password(state, &db, &account, &email, secret, from)
                    .await
                    .map_err(|e| match e {
                        LoginError::Throttled(wait) => ApiError::rate_limited(wait),
                        LoginError::Wrong => ApiError::unauthorized(),
                        LoginError::User(e) => e.into(),
                    })?;
                refuse_password_past_two_factor(&db, &user).await?;
                (user, Scopes::all(), true)
            }
        };
        let needed = match parts.method {
            Method::GET | Method::HEAD | Method::OPTIONS => Scope::Read,
            _ => Scope::Write,
        };
        let auth = Authenticated {
            account,
            db,
            user,
            scopes,
            ip,
            spam_check,
        };
        auth.require(needed)?;
        Ok(auth)
    }
}

/// A password alone is one factor: a user with 2FA (or in an account that requires it)
/// calls the API with a token, never Basic with their password.
async fn refuse_password_past_two_factor(db: &Database, user: &User) -> Result<(), ApiError> {
    let status = two_factor::status(db, user.id).await?;
    if status.enabled() || status.required {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "token_required",
            "this user signs in with two factors: call the API with an API token, not the password",
        ));
    }
    Ok(())
}

async fn by_token(
    db: &Arc<Database>,
    state: &AppState,
    account: &RoutedAccount,
    token: &str,
    email: Option<&str>,
) -> Result<(User, Scopes, bool), ApiError> {
    let verified = tokens::verify(db, state.clock.as_ref(), &state.tokens, token)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if email.is_some_and(|email| !email.trim().eq_ignore_ascii_case(&verified.user.email)) {
        return Err(ApiError::unauthorized());
    }
    state
        .token_limiter
        .check(&account.id, verified.token_id, std::time::Instant::now())
        .map_err(ApiError::rate_limited)?;
    tokens::touch(db, state.clock.as_ref(), &verified).await;
    Ok((verified.user, verified.scopes, verified.spam_check))
}

fn presented(parts: &Parts) -> Option<Presented> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Presented::Bearer(Zeroizing::new(rest.trim().to_string())));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?,
    );
    let text = std::str::from_utf8(&decoded).ok()?;
    let (email, secret) = text.split_once(':')?;
    Some(Presented::Basic {
        email: email.to_string(),
        secret: Zeroizing::new(secret.to_string()),
    })
}
