//! `/agent/2fa`: the signed-in user's second factors: set up an authenticator app (QR code,
//! secret, one code to confirm, then ten recovery codes shown once), renew recovery codes,
//! turn the app off. Security keys are listed, added (through `/static/webauthn.js`) and
//! removed here too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{CsrfForm, SignedIn};
use crate::app::AppState;
use crate::auth::two_factor::{self, TwoFactorError, keys, totp};
use crate::http::ApiError;
use crate::http::page::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/2fa", get(show))
        .route("/agent/2fa/totp", post(begin))
        .route("/agent/2fa/totp/confirm", post(confirm))
        .route("/agent/2fa/totp/disable", post(disable))
        .route("/agent/2fa/recovery-codes", post(renew))
}

type Notice<'a> = Option<(&'a str, bool)>;

fn notice(notice: Notice<'_>) -> Markup {
    html! {
        @if let Some((text, ok)) = notice {
            div class=(if ok { "success" } else { "error" }) role=(if ok { "status" } else { "alert" }) { (text) }
        }
    }
}

async fn overview(
    signed_in: &SignedIn,
    status: StatusCode,
    note: Notice<'_>,
) -> Result<Page, ApiError> {
    let state = two_factor::status(&signed_in.db, signed_in.session.user.id).await?;
    let csrf = signed_in.session.csrf_token();
    let keys = keys::list(&signed_in.db, signed_in.session.user.id).await?;
    let t = |id: &str| signed_in.locale.t(id);
    let body = html! {
        h1 { (t("twostep-title")) }
        (notice(note))
        @if state.must_enrol() {
            div class="error" role="alert" { (t("twostep-must-enrol")) }
        }
        h2 { (t("twostep-app")) }
        @if state.totp {
            p { (signed_in.locale.t_with("twostep-app-on", &[("left", &state.recovery_codes_left.to_string())])) }
            form method="post" action="/agent/2fa/recovery-codes" {
                input type="hidden" name="csrf" value=(csrf);
                label { (t("twostep-current-code")) input type="text" name="code" required autocomplete="one-time-code" inputmode="numeric" maxlength="20"; }
                button type="submit" class="secondary" { (t("twostep-new-codes")) }
            }
            form method="post" action="/agent/2fa/totp/disable" {
                input type="hidden" name="csrf" value=(csrf);
                label { (t("twostep-code-or-recovery")) input type="text" name="code" required autocomplete="one-time-code" maxlength="20"; }
                button type="submit" class="secondary" { (t("twostep-turn-off")) }
            }
        } @else {
            p { (t("twostep-app-off")) }
            form method="post" action="/agent/2fa/totp" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (t("twostep-set-up")) }
            }
        }
        h2 { (t("twostep-keys")) }
        p { (t("twostep-keys-intro")) }
        @if keys.is_empty() {
            p { (t("twostep-keys-none")) }
        } @else {
            ul class="keys" {
                @for key in &keys {
                    li {
                        strong { (key.name) } " · " (signed_in.locale.t_with("twostep-key-added", &[("when", &key.created_at)]))
                        @if let Some(used) = &key.last_used_at { " · " (signed_in.locale.t_with("twostep-key-used", &[("when", used)])) }
                        form method="post" action=(format!("/agent/2fa/keys/{}/remove", key.id)) class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class="secondary" { (t("twostep-key-remove")) }
                        }
                    }
                }
            }
        }
        div id="add-key" data-csrf=(csrf) {
            label { (t("twostep-key-name")) input type="text" id="key-name" maxlength="60" placeholder=(t("twostep-key-placeholder")); }
            button type="button" id="add-key-button" { (t("twostep-add-key")) }
            p id="webauthn-message" class="error" role="alert" hidden {}
        }
        script src="/static/webauthn.js" {}
        @if !state.must_enrol() {
            p { a href="/agent" { (t("back-to-profile")) } }
        }
    };
    Ok(signed_in.page(status, &t("twostep-title"), body))
}

async fn show(signed_in: SignedIn) -> Result<Page, ApiError> {
    overview(&signed_in, StatusCode::OK, None).await
}

fn enrolment_page(signed_in: &SignedIn, enrolment: &totp::Enrolment, error: Option<&str>) -> Page {
    // The SVG comes from the qrcode crate, not from anyone's input; drop its XML prolog.
    let svg = enrolment
        .qr_svg
        .find("<svg")
        .map_or("", |at| &enrolment.qr_svg[at..]);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let t = |id: &str| signed_in.locale.t(id);
    let body = html! {
        h1 { (t("enrol-title")) }
        (notice(error.map(|e| (e, false))))
        ol {
            li { (t("enrol-scan")) }
            li { (t("enrol-type")) " " code id="totp-secret" { (enrolment.secret.as_str()) } }
            li { (t("enrol-enter")) }
        }
        div class="qr" role="img" aria-label=(t("enrol-qr-label")) { (PreEscaped(svg)) }
        form method="post" action="/agent/2fa/totp/confirm" {
            input type="hidden" name="csrf" value=(signed_in.session.csrf_token());
            label { (t("enrol-code")) input type="text" name="code" required autofocus autocomplete="one-time-code" inputmode="numeric" maxlength="8"; }
            button type="submit" { (t("enrol-turn-on")) }
        }
    };
    signed_in.page(status, &t("enrol-title"), body)
}

fn recovery_page(signed_in: &SignedIn, codes: &[Zeroizing<String>], first: bool) -> Page {
    let t = |id: &str| signed_in.locale.t(id);
    let body = html! {
        h1 { (t("recovery-title")) }
        @if first {
            div class="success" role="status" { (t("recovery-on")) }
        }
        p { (t("recovery-explain")) }
        ul class="recovery-codes" {
            @for code in codes { li { code { (code.as_str()) } } }
        }
        p { a href="/agent" { (t("recovery-saved")) } }
    };
    signed_in.page(StatusCode::OK, &t("recovery-title"), body)
}

async fn begin(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user = &signed_in.session.user;
    let started = totp::begin(
        &signed_in.db,
        state.clock.now_unix(),
        user.id,
        &signed_in.account.name,
        &user.email,
    )
    .await;
    match started {
        Ok(enrolment) => Ok(enrolment_page(&signed_in, &enrolment, None).into_response()),
        Err(TwoFactorError::AlreadyEnabled) => Ok(Redirect::to("/agent/2fa").into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    csrf: String,
    code: Zeroizing<String>,
}

async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user = &signed_in.session.user;
    let confirmed = two_factor::confirm_totp(
        &signed_in.db,
        state.clock.now_unix(),
        user.id,
        &form.code,
        &signed_in.actor(),
    )
    .await;
    match confirmed {
        Ok(codes) => Ok(recovery_page(&signed_in, &codes, true).into_response()),
        Err(TwoFactorError::WrongCode) => {
            let pending =
                totp::pending(&signed_in.db, user.id, &signed_in.account.name, &user.email).await?;
            match pending {
                Some(enrolment) => Ok(enrolment_page(
                    &signed_in,
                    &enrolment,
                    Some(&signed_in.locale.t("enrol-wrong")),
                )
                .into_response()),
                None => Ok(Redirect::to("/agent/2fa").into_response()),
            }
        }
        Err(TwoFactorError::AlreadyEnabled | TwoFactorError::NotEnrolling) => {
            Ok(Redirect::to("/agent/2fa").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn disable(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user_id = signed_in.session.user.id;
    let result = two_factor::disable_totp(
        &signed_in.db,
        state.clock.now_unix(),
        user_id,
        &form.code,
        &signed_in.actor(),
    )
    .await;
    let page = match result {
        Ok(()) => {
            overview(
                &signed_in,
                StatusCode::OK,
                Some((&signed_in.locale.t("twostep-app-turned-off"), true)),
            )
            .await?
        }
        Err(
            e @ (TwoFactorError::WrongCode | TwoFactorError::Required | TwoFactorError::NotEnabled),
        ) => {
            let text = signed_in.locale.t(error_id(&e));
            overview(
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&text, false)),
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    };
    Ok(page.into_response())
}

async fn renew(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user_id = signed_in.session.user.id;
    let result = two_factor::renew_recovery_codes(
        &signed_in.db,
        state.clock.now_unix(),
        user_id,
        &form.code,
        &signed_in.actor(),
    )
    .await;
    match result {
        Ok(codes) => Ok(recovery_page(&signed_in, &codes, false).into_response()),
        Err(e @ (TwoFactorError::WrongCode | TwoFactorError::NotEnabled)) => {
            let text = signed_in.locale.t(error_id(&e));
            Ok(overview(
                &signed_in,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&text, false)),
            )
            .await?
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn error_id(e: &TwoFactorError) -> &'static str {
    match e {
        TwoFactorError::Required => "twostep-required",
        TwoFactorError::NotEnabled => "twostep-not-enabled",
        _ => "twostep-wrong-code",
    }
}
