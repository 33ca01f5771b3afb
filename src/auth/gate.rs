//! Who may call a route, declared once in its signature rather than checked inside it:
//! `AdminAuth` (owner or admin) and `OwnerAuth` (the owner only), on top of
//! `Authenticated`. Both also require the `admin` scope of the credential, so a token made
//! for reading tickets never manages people or security, whoever owns it. The panel has
//! the same gates over `SignedIn` (see `panel::Staff`).

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::Authenticated;
use super::tokens::Scope;
use super::users::Role;
use crate::app::AppState;
use crate::http::ApiError;

/// The least role a gate lets through, and what a refused caller is told.
pub trait Gate: Send + Sync {
    const LEAST: Role;
    const REFUSAL: &'static str;

    fn check(role: Role) -> Result<(), ApiError> {
        if role >= Self::LEAST {
            Ok(())
        } else {
            Err(ApiError::forbidden(Self::REFUSAL))
        }
    }
}

pub struct Admins;
impl Gate for Admins {
    const LEAST: Role = Role::Admin;
    const REFUSAL: &'static str = "this is for the account's owner and admins";
}

pub struct OwnerOnly;
impl Gate for OwnerOnly {
    const LEAST: Role = Role::Owner;
    const REFUSAL: &'static str = "this is for the account owner only";
}

/// An API request whose user passes gate `G` with a credential holding `admin`.
pub struct Managing<G: Gate>(Authenticated, PhantomData<G>);

pub type AdminAuth = Managing<Admins>;
pub type OwnerAuth = Managing<OwnerOnly>;

impl<G: Gate> Deref for Managing<G> {
    type Target = Authenticated;
    fn deref(&self) -> &Authenticated {
        &self.0
    }
}

impl<G: Gate> FromRequestParts<AppState> for Managing<G> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        G::check(auth.user.role)?;
        auth.require(Scope::Admin)?;
        Ok(Managing(auth, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_follow_the_hierarchy() {
        assert!(Admins::check(Role::Owner).is_ok());
        assert!(Admins::check(Role::Admin).is_ok());
        assert!(Admins::check(Role::Agent).is_err());
        assert!(OwnerOnly::check(Role::Owner).is_ok());
        assert!(OwnerOnly::check(Role::Admin).is_err());
    }
}
