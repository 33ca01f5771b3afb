//! Signing in to the portal with a one-time link, and out.
//!
//! `/portal/login`: the customer enters their email; a link is made only if a contact has
//! that email, but the answer is the same page either way, and it does not wait for the
//! link to be made, so neither its words nor its timing tell which emails are known.
//! `/portal/login?token=…` (the link) only shows a button: mail scanners that fetch links
//! must not spend them. The button posts the token to `/portal/login/confirm`, which spends
//! it and starts the session. The token travels in the query and the form body, never in a
//! path, since request paths are logged. The link reaches the customer by mail, in the
//! language their browser asked in.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::html;
use serde::Deserialize;
use tracing::Instrument;

use super::{
    CsrfForm, Customer, Limits, MaybeCustomer, client_address, form_expired, form_token,
    form_token_matches, links, page, sessions, too_many, with_cookies,
};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::auth::users::is_plausible_email;
use crate::http::{ApiError, Authority, ClientAddr, CurrentAccount};
use crate::i18n::Locale;
use crate::store::Database;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/login", get(show).post(request_link))
        .route("/portal/login/confirm", post(confirm))
        .route("/portal/logout", post(logout))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Link {
    token: String,
}

fn email_form(
    locale: Locale,
    status: StatusCode,
    account: &RoutedAccount,
    csrf: &str,
    email: &str,
    error: Option<&str>,
) -> Response {
    let t = |id: &str| locale.t(id);
    let title = locale.t_with("portal-login-title", &[("account", &account.name)]);
    let body = html! {
        h1 { (title) }
        p { (t("portal-login-intro")) }
        @if let Some(error) = error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action="/portal/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { (t("portal-field-email")) input type="email" name="email" required autocomplete="email" value=(email); }
            button type="submit" { (t("portal-login-submit")) }
        }
    };
    page(locale, status, account, None, &title, body).into_response()
}

fn invalid_link(locale: Locale, account: &RoutedAccount) -> Response {
    let title = locale.t("portal-link-invalid-title");
    let body = html! {
        h1 { (title) }
        p { (locale.t("portal-link-invalid")) }
        p { a href="/portal/login" { (locale.t("portal-link-again")) } }
    };
    page(locale, StatusCode::NOT_FOUND, account, None, &title, body).into_response()
}

async fn show(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    MaybeCustomer(customer): MaybeCustomer,
    locale: Locale,
    headers: HeaderMap,
    Query(link): Query<Link>,
) -> Result<Response, ApiError> {
    let (csrf, set_cookie) = form_token(&headers);
    let response = if link.token.is_empty() {
        if customer.is_some() {
            return Ok(Redirect::to("/portal").into_response());
        }
        email_form(locale, StatusCode::OK, &account, &csrf, "", None)
    } else {
        let now = state.clock.now_unix();
        let db = state.store.account(&account.id, now).await?;
        if !links::is_live(&db, now, &link.token).await? {
            return Ok(invalid_link(locale, &account));
        }
        let title = locale.t("portal-link-title");
        let body = html! {
            h1 { (title) }
            p { (locale.t_with("portal-link-text", &[("account", &account.name)])) }
            form method="post" action="/portal/login/confirm" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="token" value=(link.token);
                button type="submit" id="confirm-sign-in" { (locale.t("portal-link-submit")) }
            }
        };
        page(locale, StatusCode::OK, &account, None, &title, body).into_response()
    };
    Ok(with_cookies(response, set_cookie))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    csrf: String,
    email: String,
}

#[allow(clippy::too_many_arguments)]
async fn request_link(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    CurrentAccount(account): CurrentAccount,
    Authority(authority): Authority,
    peer: ClientAddr,
    locale: Locale,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Result<Response, ApiError> {
    if !form_token_matches(&headers, &form.csrf) {
        return Ok(form_expired(locale, &account, None));
    }
    let email = form.email.trim().to_string();
    if !is_plausible_email(&email) {
        let error = locale.t("portal-invalid-email");
        let page = email_form(
            locale,
            StatusCode::UNPROCESSABLE_ENTITY,
            &account,
            &form.csrf,
            &email,
            Some(&error),
        );
        return Ok(page);
    }
    let from = client_address(&headers, Some(peer), &state);
    let at = Instant::now();
    let allowed = limits
        .link_per_ip
        .hit(&format!("{}|{from}", account.id), at)
        .and_then(|()| {
            let key = format!("{}|{}", account.id, email.to_lowercase());
            limits.link_per_email.hit(&key, at)
        });
    if let Err(wait) = allowed {
        return Ok(too_many(locale, &account, None, wait));
    }
    let now = state.clock.now_unix();
    let db = state.store.account(&account.id, now).await?;
    let account_name = [("account", account.name.as_str())];
    let mail = links::LinkMail {
        identity: state.mail.identity.clone(),
        base: format!("https://{authority}"),
        subject: locale.t_with("portal-link-mail-subject", &account_name),
        intro: locale.t_with("portal-link-mail-intro", &account_name),
        outro: locale.t("portal-link-mail-outro"),
    };
    // Made in the background: the answer below comes as fast for an unknown email as for
    // a known one.
    let issuing = issue_and_log(
        state.clone(),
        db,
        now,
        account.slug.clone(),
        email.clone(),
        from,
        mail,
    );
    tokio::spawn(issuing.in_current_span());
    let title = locale.t("portal-login-sent-title");
    let body = html! {
        h1 { (title) }
        div class="success" role="status" { (locale.t_with("portal-login-sent", &[("email", &email)])) }
        p { a href="/portal/login" { (locale.t("portal-link-again")) } }
    };
    Ok(page(locale, StatusCode::OK, &account, None, &title, body).into_response())
}

async fn issue_and_log(
    state: AppState,
    db: Arc<Database>,
    now: i64,
    slug: String,
    email: String,
    from: std::net::IpAddr,
    mail: links::LinkMail,
) {
    let base = mail.base.clone();
    // Without a relay the link goes to the log, not to the outbox: mailed once a relay is
    // set, maybe days later, it would carry a link long dead.
    let relay = !state.config.mail.relay.is_empty();
    let mail = relay.then_some(mail);
    match links::issue(&db, now, &email, &from.to_string(), mail).await {
        Ok(Some(_)) if relay => state.mail.queued(),
        Ok(Some(issued)) => {
            // The one exception to "no secret in logs": with no relay configured, the link
            // reaches the customer only through whoever reads this log, so it is written
            // here, at INFO, with the account's slug. It works once and for 30 minutes;
            // the audit log records `portal.link_issued` without it.
            let link = format!("{base}/portal/login?token={}", issued.token.as_str());
            tracing::info!(
                account = %slug,
                contact = issued.contact_id,
                link = %link,
                "portal sign-in link issued; no mail.relay is set, so hand it to the customer"
            );
        }
        Ok(None) => {}
        Err(e) => tracing::error!(account = %slug, error = %e, "portal sign-in link not made"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    csrf: String,
    token: String,
}

async fn confirm(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    peer: ClientAddr,
    locale: Locale,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, ApiError> {
    if !form_token_matches(&headers, &form.csrf) {
        return Ok(form_expired(locale, &account, None));
    }
    let now = state.clock.now_unix();
    let db = state.store.account(&account.id, now).await?;
    let from = client_address(&headers, Some(peer), &state);
    let Some((token, _)) = links::spend(&db, now, &form.token, &from.to_string()).await? else {
        return Ok(invalid_link(locale, &account));
    };
    let response = Redirect::to("/portal").into_response();
    Ok(with_cookies(response, [sessions::cookie(&token)]))
}

async fn logout(customer: Customer, Form(form): Form<CsrfForm>) -> Result<Response, ApiError> {
    if !customer.csrf_ok(&form.csrf) {
        return Ok(customer.forbidden());
    }
    sessions::end(&customer.db, customer.session.id).await?;
    let response = Redirect::to("/portal/login").into_response();
    Ok(with_cookies(response, [sessions::cleared_cookie()]))
}
