//! Logging in with email and password, shared by the API (Basic) and the panel's form:
//! the brute-force throttle first, then Argon2, then the throttle's bookkeeping and audit.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::users::{self, User, UserError};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::audit;
use crate::store::Database;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("too many failed attempts; try again in {} s", .0.as_secs().max(1))]
    Throttled(Duration),
    #[error("wrong email or password")]
    Wrong,
    #[error(transparent)]
    User(#[from] UserError),
}

pub async fn with_password(
    state: &AppState,
    db: &Database,
    account: &RoutedAccount,
    email: &str,
    secret: Zeroizing<String>,
    from: IpAddr,
) -> Result<User, LoginError> {
    let throttle = &state.login_throttle;
    throttle
        .check(&account.id, email, from, Instant::now())
        .map_err(LoginError::Throttled)?;
    let ip = from.to_string();
    if let Some(user) = users::authenticate(db, state.clock.as_ref(), email, secret, &ip).await? {
        throttle.succeeded(&account.id, email);
        return Ok(user);
    }
    if throttle.failed(&account.id, email, from, Instant::now()) {
        let entry = audit::OwnedEntry {
            at: state.clock.now_unix(),
            actor_id: None,
            actor: "system".into(),
            action: "login.locked".into(),
            target: email.trim().to_lowercase(),
            ip,
            detail: format!(
                "locked for {} s after repeated failures",
                state.config.auth.failure_window_secs
            ),
        };
        audit::record_now(db, entry)
            .await
            .map_err(UserError::from)?;
    }
    Err(LoginError::Wrong)
}
