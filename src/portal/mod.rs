//! The customer side: the public web form (`/portal/new`) and the customer portal
//! (`/portal`), where a contact signs in with a one-time link and reads and answers their
//! own tickets and edits their name and phone numbers.
//!
//! Pages are server-rendered like the panel's (no inline script or style, strings from
//! `locales/<language>/portal.ftl`), but none of the panel's machinery applies: the panel's
//! IP allowlist does not guard these routes, and a portal session (`__Host-hd_portal`,
//! table `portal_sessions`) is a contact's, never a user's. Forms before a session (the web
//! form, the sign-in forms) carry a token bound to the `__Host-hd_portal_form` cookie;
//! forms of a signed-in customer carry their session's CSRF token.
//!
//! What a customer sees of a ticket is decided by the tickets domain
//! (`tickets::list_for_contact`, `tickets::get_for_contact`): their own tickets only, and no
//! internal notes.

mod limit;
mod links;
mod login;
mod profile;
mod requests;
mod sessions;
mod web_form;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Router};
use maud::{Markup, html};
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::auth::sessions::cookie_value;
use crate::contacts::{self, Contact};
use crate::http::client_ip::client_ip;
use crate::http::page::{Page, layout};
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::i18n::Locale;
use crate::store::Database;

use self::limit::Limiter;
use self::sessions::PortalSession;

/// Binds the forms shown before a session (web form, sign-in) to the browser that loaded
/// them.
const FORM_COOKIE: &str = "__Host-hd_portal_form";

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(web_form::routes())
        .merge(login::routes())
        .merge(requests::routes())
        .merge(profile::routes())
        .layer(Extension(Arc::new(Limits::default())))
}

/// The portal's rate limits, in memory (a restart forgets them), per account.
pub(crate) struct Limits {
    /// Web-form tickets per source address.
    form_per_ip: Limiter,
    /// Web-form tickets per email address.
    form_per_email: Limiter,
    /// Sign-in link requests per source address.
    link_per_ip: Limiter,
    /// Sign-in link requests per email address.
    link_per_email: Limiter,
}

impl Default for Limits {
    fn default() -> Limits {
        let ten_minutes = Duration::from_secs(600);
        Limits {
            form_per_ip: Limiter::new(5, ten_minutes),
            form_per_email: Limiter::new(5, ten_minutes),
            link_per_ip: Limiter::new(10, ten_minutes),
            link_per_email: Limiter::new(3, ten_minutes),
        }
    }
}

/// The client's address (the TCP peer, or `X-Forwarded-For` behind a trusted proxy).
fn client_address(headers: &HeaderMap, peer: Option<ClientAddr>, state: &AppState) -> IpAddr {
    let peer = peer
        .map(|ClientAddr(addr)| addr.ip())
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
    client_ip(peer, headers, &state.trusted_proxies)
}

/// The token of the pre-session forms: the browser's `__Host-hd_portal_form` cookie, or a
/// new one with the `Set-Cookie` that gives it to the browser.
fn form_token(headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(token) = cookie_value(headers, FORM_COOKIE).filter(|v| v.len() == 32) {
        return (token.to_string(), None);
    }
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let set =
        format!("{FORM_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=86400");
    (token, Some(set))
}

/// Whether a pre-session form came from a page this browser loaded (login CSRF, and the
/// web form posted from another site).
fn form_token_matches(headers: &HeaderMap, submitted: &str) -> bool {
    let expected = cookie_value(headers, FORM_COOKIE).unwrap_or("");
    !expected.is_empty() && bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
}

/// `response` with the cookies appended.
fn with_cookies(mut response: Response, cookies: impl IntoIterator<Item = String>) -> Response {
    for cookie in cookies {
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A portal page: the account's name, the customer's navigation when signed in, `body`.
fn page(
    locale: Locale,
    status: StatusCode,
    account: &RoutedAccount,
    customer: Option<&Customer>,
    title: &str,
    body: Markup,
) -> Page {
    let t = |id: &str| locale.t(id);
    let full = html! {
        header class="portal-head" {
            p class="portal-account" { (account.name) }
            @if let Some(customer) = customer {
                nav class="portal-nav" aria-label=(t("portal-nav-label")) {
                    a href="/portal" { (t("portal-nav-requests")) }
                    a href="/portal/new" { (t("portal-nav-new")) }
                    a href="/portal/profile" { (t("portal-nav-profile")) }
                    form method="post" action="/portal/logout" class="inline" {
                        input type="hidden" name="csrf" value=(customer.session.csrf_token());
                        button type="submit" class="link" { (t("portal-sign-out")) }
                    }
                }
            } @else {
                nav class="portal-nav" aria-label=(t("portal-nav-label")) {
                    a href="/portal/new" { (t("portal-nav-new")) }
                    a href="/portal/login" { (t("portal-sign-in")) }
                }
            }
        }
        (body)
    };
    let title = format!("{title} · {}", account.name);
    Page(status, layout(locale, &title, full))
}

/// A page that says why nothing happened: an expired form (403), too many requests (429),
/// an unknown ticket (404).
fn refusal(
    locale: Locale,
    status: StatusCode,
    account: &RoutedAccount,
    customer: Option<&Customer>,
    title: &str,
    text: &str,
) -> Page {
    let body = html! {
        h1 { (title) }
        div class="error" role="alert" { (text) }
    };
    page(locale, status, account, customer, title, body)
}

/// 429 with a page that says when to try again (and `Retry-After`).
fn too_many(
    locale: Locale,
    account: &RoutedAccount,
    customer: Option<&Customer>,
    wait: Duration,
) -> Response {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let text = locale.t_count("portal-too-many", "minutes", minutes as i64, &[]);
    let title = locale.t("portal-too-many-title");
    let mut response = refusal(
        locale,
        StatusCode::TOO_MANY_REQUESTS,
        account,
        customer,
        &title,
        &text,
    )
    .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// 403: the form's token is missing or not this browser's.
fn form_expired(locale: Locale, account: &RoutedAccount, customer: Option<&Customer>) -> Response {
    refusal(
        locale,
        StatusCode::FORBIDDEN,
        account,
        customer,
        &locale.t("portal-forbidden-title"),
        &locale.t("portal-form-expired"),
    )
    .into_response()
}

/// A signed-in customer: a live portal session and its contact. Without one, a redirect
/// to `/portal/login`.
pub(crate) struct Customer {
    pub account: RoutedAccount,
    pub db: Arc<Database>,
    pub session: PortalSession,
    pub contact: Contact,
    pub locale: Locale,
}

impl Customer {
    /// The customer a request comes from, if it has a live session. An unknown host is an
    /// error (404) like everywhere else.
    async fn find(parts: &mut Parts, state: &AppState) -> Result<Option<Customer>, ApiError> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let Some(token) = cookie_value(&parts.headers, sessions::COOKIE).map(str::to_string) else {
            return Ok(None);
        };
        let now = state.clock.now_unix();
        let db = state.store.account(&account.id, now).await?;
        let Some(session) = sessions::find(&db, now, &token).await? else {
            return Ok(None);
        };
        let contact = match contacts::get(&db, session.contact_id).await {
            Ok(contact) => contact,
            Err(contacts::ContactError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let locale = Locale::negotiate(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        Ok(Some(Customer {
            account,
            db,
            session,
            contact,
            locale,
        }))
    }

    /// A page of the signed-in portal.
    fn page(&self, status: StatusCode, title: &str, body: Markup) -> Page {
        page(self.locale, status, &self.account, Some(self), title, body)
    }

    /// Every state-changing form of a signed-in customer posts the session's CSRF token.
    fn csrf_ok(&self, submitted: &str) -> bool {
        self.session.csrf_matches(submitted)
    }

    /// 403: a form without this session's CSRF token.
    fn forbidden(&self) -> Response {
        form_expired(self.locale, &self.account, Some(self))
    }
}

/// `Option<Customer>`: the customer if signed in, else nobody (pages open to both).
pub(crate) struct MaybeCustomer(pub Option<Customer>);

impl FromRequestParts<AppState> for MaybeCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCustomer(Customer::find(parts, state).await?))
    }
}

pub(crate) enum NotSignedIn {
    Login,
    Error(ApiError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Login => Redirect::to("/portal/login").into_response(),
            NotSignedIn::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        Customer::find(parts, state)
            .await
            .map_err(NotSignedIn::Error)?
            .ok_or(NotSignedIn::Login)
    }
}

/// A form that posts nothing but its CSRF token.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

#[cfg(test)]
mod tests;
