//! The HTML shell of server-rendered pages and the static assets they use.
//!
//! Pages carry no inline script or style (the CSP forbids both); everything they load is
//! served by the daemon itself.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::i18n::Locale;

const APP_CSS: &str = include_str!("assets/app.css");
const WEBAUTHN_JS: &str = include_str!("assets/webauthn.js");
const PANEL_JS: &str = include_str!("assets/panel.js");

/// A page for an error a browser gets: the status, what went wrong, and a link back to
/// `home`.
pub fn error_page(locale: Locale, status: StatusCode, message: &str, home: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = html! {
        h1 { (title) }
        @if !message.is_empty() { p class="error" role="alert" { (message) } }
        p { a href=(home) { (locale.t("error-page-home")) } }
    };
    (status, layout(locale, title, body)).into_response()
}

pub fn layout(locale: Locale, title: &str, body: Markup) -> Markup {
    shell(locale, title, None, body)
}

/// A page with the panel's navigation above the card.
pub fn layout_with_nav(locale: Locale, title: &str, nav: Markup, body: Markup) -> Markup {
    shell(locale, title, Some(nav), body)
}

/// The agents' workspace: navigation, then the full width for lists and threads.
pub fn workspace(locale: Locale, title: &str, nav: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · helpdeskd" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/panel.js" defer {}
            }
            body class="workspace" {
                (nav)
                main class="workspace" { (body) }
            }
        }
    }
}

fn shell(locale: Locale, title: &str, nav: Option<Markup>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · helpdeskd" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                @if let Some(nav) = nav { (nav) }
                main class="card" {
                    p class="brand" { "helpdeskd" }
                    (body)
                }
            }
        }
    }
}

/// A page with a status code.
pub struct Page(pub StatusCode, pub Markup);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1).into_response();
        // Pages may hold one-time tokens: never cache them anywhere.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

pub async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

pub async fn webauthn_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        WEBAUTHN_JS,
    )
}

pub async fn panel_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PANEL_JS,
    )
}
