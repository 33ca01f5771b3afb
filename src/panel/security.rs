//! `/agent/security`: account-wide security for the owner and admins: requiring two-step
//! verification of everyone (owner and admins), the IP allowlists of the panel and the API
//! (the owner only; a list that would shut out the owner's own address is refused), and the
//! emails locked right now by the brute-force throttle.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::Staff;
use crate::app::AppState;
use crate::auth::gate::{Admins, OwnerOnly};
use crate::auth::networks::{self, Allowlist, NetworkError, Surface};
use crate::auth::two_factor;
use crate::auth::users::Role;
use crate::http::ApiError;
use crate::http::page::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/security", get(show))
        .route("/agent/security/two-factor", post(set_two_factor))
        .route("/agent/security/networks", post(set_networks))
}

async fn render(
    staff: &Staff<Admins>,
    state: &AppState,
    status: StatusCode,
    notice: Option<(String, bool)>,
) -> Result<Page, ApiError> {
    let locale = staff.locale;
    let t = |id: &str| locale.t(id);
    let csrf = staff.session.csrf_token();
    let required = two_factor::required(&staff.db).await?;
    let is_owner = staff.session.user.role == Role::Owner;
    let panel = networks::load(&staff.db, Surface::Panel).await?.entries();
    let api = networks::load(&staff.db, Surface::Api).await?.entries();
    let now = Instant::now();
    let lockouts = state.login_throttle.lockouts(&staff.account.id, now);
    let body = html! {
        h1 { (t("security-title")) }
        @if let Some((text, ok)) = &notice {
            div class=(if *ok { "success" } else { "error" }) role=(if *ok { "status" } else { "alert" }) { (text) }
        }
        h2 { (t("security-two-step")) }
        form method="post" action="/agent/security/two-factor" {
            input type="hidden" name="csrf" value=(csrf);
            label class="check" {
                input type="checkbox" name="required" value="yes" checked[required];
                (t("security-require-two-step"))
            }
            p class="hint" { (t("security-require-hint")) }
            button type="submit" { (t("security-save")) }
        }
        h2 { (t("security-networks")) }
        p { (t("security-networks-intro")) }
        p { (locale.t_with("security-your-address", &[("ip", &staff.ip.to_string())])) }
        @if is_owner {
            form method="post" action="/agent/security/networks" {
                input type="hidden" name="csrf" value=(csrf);
                label { (t("security-panel-networks")) textarea name="panel" rows="4" spellcheck="false" placeholder="192.0.2.0/24" { (panel.join("\n")) } }
                label { (t("security-api-networks")) textarea name="api" rows="4" spellcheck="false" placeholder="2001:db8::/32" { (api.join("\n")) } }
                button type="submit" { (t("security-save")) }
            }
        } @else {
            p { strong { (t("security-panel-networks")) } ": " (if panel.is_empty() { t("security-everywhere") } else { panel.join(", ") }) }
            p { strong { (t("security-api-networks")) } ": " (if api.is_empty() { t("security-everywhere") } else { api.join(", ") }) }
            p class="hint" { (t("security-owner-only")) }
        }
        h2 { (t("security-lockouts")) }
        @if lockouts.is_empty() {
            p { (t("security-no-lockouts")) }
        } @else {
            ul class="lockouts" {
                @for lockout in &lockouts {
                    @let minutes = lockout.until.saturating_duration_since(now).as_secs().div_ceil(60).to_string();
                    li { (lockout.email) " · " (locale.t_with("security-locked-for", &[("failures", &lockout.failures.to_string()), ("minutes", &minutes)])) }
                }
            }
        }
    };
    Ok(staff.page(status, &t("security-title"), body))
}

async fn show(State(state): State<AppState>, staff: Staff<Admins>) -> Result<Page, ApiError> {
    render(&staff, &state, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TwoFactorForm {
    csrf: String,
    required: String,
}

async fn set_two_factor(
    State(state): State<AppState>,
    staff: Staff<Admins>,
    Form(form): Form<TwoFactorForm>,
) -> Result<Response, ApiError> {
    staff.check_csrf(&form.csrf)?;
    let required = form.required == "yes";
    two_factor::set_required(&staff.db, state.clock.now_unix(), required, &staff.actor()).await?;
    let text = staff.locale.t(if required {
        "security-two-step-required"
    } else {
        "security-two-step-optional"
    });
    Ok(render(&staff, &state, StatusCode::OK, Some((text, true)))
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NetworksForm {
    csrf: String,
    panel: String,
    api: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn set_networks(
    State(state): State<AppState>,
    owner: Staff<OwnerOnly>,
    Form(form): Form<NetworksForm>,
) -> Result<Response, ApiError> {
    owner.check_csrf(&form.csrf)?;
    let admin = Staff::<Admins>(owner.0, std::marker::PhantomData);
    // Both lists are checked before either is saved, so a refusal changes nothing.
    let parsed = Allowlist::parse(&lines(&form.panel)).and_then(|panel| {
        let api = Allowlist::parse(&lines(&form.api))?;
        for (surface, list) in [(Surface::Panel, &panel), (Surface::Api, &api)] {
            if !list.allows(admin.ip) {
                return Err(NetworkError::WouldLockOut(admin.ip, surface.name()));
            }
        }
        Ok((panel, api))
    });
    let (panel, api) = match parsed {
        Ok(lists) => lists,
        Err(NetworkError::Store(e)) => return Err(e.into()),
        Err(e) => {
            let text = match &e {
                NetworkError::WouldLockOut(ip, list) => admin.locale.t_with(
                    "security-would-lock-out",
                    &[
                        ("ip", &ip.to_string()),
                        ("list", &admin.locale.t(&format!("security-list-{list}"))),
                    ],
                ),
                NetworkError::Invalid(entry) => admin
                    .locale
                    .t_with("security-invalid-network", &[("entry", entry)]),
                NetworkError::Store(_) => e.to_string(),
            };
            return Ok(render(
                &admin,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((text, false)),
            )
            .await?
            .into_response());
        }
    };
    for (surface, list) in [(Surface::Panel, panel), (Surface::Api, api)] {
        networks::save(
            &admin.db,
            state.clock.as_ref(),
            surface,
            list,
            admin.ip,
            &admin.actor(),
        )
        .await
        .map_err(ApiError::from)?;
    }
    state.allowlists.forget(&admin.account.id);
    let text = admin.locale.t("security-networks-saved");
    Ok(render(&admin, &state, StatusCode::OK, Some((text, true)))
        .await?
        .into_response())
}
