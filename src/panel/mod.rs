//! The agent panel's shell: signing in and out, and the signed-in user's own sessions and
//! password. Pages are server-rendered; every state-changing form carries the session's
//! CSRF token (the login form, before a session exists, a token bound to a cookie).

mod agents;
mod audit_log;
mod canned_pages;
mod contact_pages;
mod desk;
mod invite;
mod keys;
mod language;
pub mod live;
mod login;
mod login_2fa;
mod profile;
mod search_page;
mod security;
mod spam_pages;
mod ticket_page;
mod tokens;
mod two_step;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::auth::gate::Gate;
use crate::auth::networks::{self, Surface};
use crate::auth::sessions::{self, Lifetimes, Session};
use crate::auth::two_factor;
use crate::auth::users::Role;
use crate::http::client_ip::client_ip;
use crate::http::page::{Page, layout, layout_with_nav};
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::i18n::Locale;
use crate::store::Database;

/// Where a user who must set up 2FA is sent, and the only pages they can reach until then.
const ENROLMENT: &str = "/agent/2fa";

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(login::routes())
        .merge(live::routes())
        .merge(language::routes())
        .merge(desk::routes())
        .merge(search_page::routes())
        .merge(contact_pages::routes())
        .merge(ticket_page::routes())
        .merge(agents::routes())
        .merge(invite::routes())
        .merge(security::routes())
        .merge(keys::routes())
        .merge(profile::routes())
        .merge(login_2fa::routes())
        .merge(two_step::routes())
        .merge(tokens::routes())
        .merge(audit_log::routes())
        .merge(spam_pages::routes())
        .merge(canned_pages::routes())
}

/// Before any page of the panel runs: is the client's address on the account's panel
/// allowlist? Refused addresses get a plain page saying so (and the audit log an entry).
pub async fn allowlist_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    // An unknown host falls through to the handler, which answers it.
    let Ok(CurrentAccount(account)) = CurrentAccount::from_request_parts(&mut parts, &state).await
    else {
        return next
            .run(axum::extract::Request::from_parts(parts, body))
            .await;
    };
    let peer = parts.extensions.get::<ClientAddr>().copied();
    let from = client_address(&parts.headers, peer, &state);
    let admitted = match state
        .store
        .account(&account.id, state.clock.now_unix())
        .await
    {
        Ok(db) => networks::admit(&state, &account.id, &db, Surface::Panel, from).await,
        Err(e) => Err(ApiError::from(e)),
    };
    match admitted {
        Ok(()) => {
            next.run(axum::extract::Request::from_parts(parts, body))
                .await
        }
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => {
            let locale = Locale::negotiate(
                parts
                    .headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            );
            let ip = from.to_string();
            let body = maud::html! {
                h1 { (locale.t("blocked-title")) }
                p { (locale.t_with("blocked-text", &[("account", &account.name), ("ip", &ip)])) }
                p { (locale.t("blocked-hint")) }
            };
            Page(
                axum::http::StatusCode::FORBIDDEN,
                layout(locale, &locale.t("blocked-title"), body),
            )
            .into_response()
        }
        Err(e) => e.into_response(),
    }
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
    pub locale: Locale,
}

impl SignedIn {
    /// This user, from this address, as the audit log names them.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            id: Some(self.session.user.id),
            name: self.session.user.email.clone(),
            ip: self.ip.to_string(),
        }
    }

    /// A panel page: the navigation (what this user's role may see) above `body`.
    pub fn page(&self, status: axum::http::StatusCode, title: &str, body: maud::Markup) -> Page {
        Page(
            status,
            layout_with_nav(self.locale, title, self.nav(), body),
        )
    }

    /// The navigation: what this user's role may see.
    fn nav(&self) -> maud::Markup {
        let t = |id: &str| self.locale.t(id);
        let role = self.session.user.role;
        maud::html! {
            nav class="panel-nav" aria-label="Panel" {
                a href="/agent/tickets" { (t("nav-tickets")) }
                a href="/agent/contacts" { (t("nav-contacts")) }
                a href="/agent/chat" { (t("nav-chat")) }
                a href="/agent" { (t("nav-profile")) }
                a href="/agent/tokens" { (t("nav-tokens")) }
                a href="/agent/spam" { (t("nav-spam")) }
                @if role >= Role::Admin {
                    a href="/agent/canned" { (t("nav-canned")) }
                    a href="/agent/agents" { (t("nav-agents")) }
                    a href="/agent/security" { (t("nav-security")) }
                    a href="/agent/audit" { (t("nav-audit")) }
                }
            }
        }
    }

    /// A workspace page (ticket lists, threads): the full width under the navigation.
    pub fn workspace(
        &self,
        status: axum::http::StatusCode,
        title: &str,
        body: maud::Markup,
    ) -> Page {
        Page(
            status,
            crate::http::page::workspace(self.locale, title, self.nav(), body),
        )
    }

    /// Every state-changing form posts the session's CSRF token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), ApiError> {
        if self.session.csrf_matches(submitted) {
            Ok(())
        } else {
            Err(ApiError::forbidden("missing or wrong CSRF token"))
        }
    }
}

/// A signed-in user who passes gate `G` (`Staff<Admins>`, `Staff<OwnerOnly>`): the panel's
/// counterpart of `auth::gate`, declared in the handler's signature. Others get a 403 page;
/// agents never see settings.
pub struct Staff<G: Gate>(pub SignedIn, std::marker::PhantomData<G>);

impl<G: Gate> std::ops::Deref for Staff<G> {
    type Target = SignedIn;
    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl<G: Gate> FromRequestParts<AppState> for Staff<G> {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        G::check(signed_in.session.user.role)?;
        Ok(Staff(signed_in, std::marker::PhantomData))
    }
}

/// A form that posts nothing but its CSRF token.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfForm {
    pub csrf: String,
}

pub enum NotSignedIn {
    Login,
    /// The account requires 2FA and this user has none yet.
    MustEnrol,
    Error(ApiError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Login => Redirect::to("/agent/login").into_response(),
            NotSignedIn::MustEnrol => Redirect::to(ENROLMENT).into_response(),
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
        let token = sessions::cookie_value(&parts.headers, sessions::COOKIE)
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
        let reachable_unenrolled =
            parts.uri.path().starts_with(ENROLMENT) || parts.uri.path() == "/agent/logout";
        if !reachable_unenrolled {
            let status = two_factor::status(&db, session.user.id)
                .await
                .map_err(ApiError::from)?;
            if status.must_enrol() {
                return Err(NotSignedIn::MustEnrol);
            }
        }
        let ip = client_address(
            &parts.headers,
            parts.extensions.get::<ClientAddr>().copied(),
            state,
        );
        let chosen = language::chosen(&db, session.user.id)
            .await
            .map_err(ApiError::from)?;
        let locale = chosen.unwrap_or_else(|| {
            Locale::negotiate(
                parts
                    .headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
        Ok(SignedIn {
            account,
            db,
            session,
            ip,
            locale,
        })
    }
}
