//! `/agent/chat`: the agents' chat console in the panel. The page is the shell (lists, the
//! conversation, the reply box, every word from the locale files as data attributes); its
//! script (`/static/chat-console.js`) speaks the agent protocol over `/agent/chat/ws`.

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::panel::SignedIn;

const CONSOLE_JS: &str = include_str!("assets/console.js");
const CONSOLE_CSS: &str = include_str!("assets/console.css");

/// The words the script shows, by the attribute that carries them.
const WORDS: &[(&str, &str)] = &[
    ("data-t-none", "chat-none"),
    ("data-t-accept", "chat-accept"),
    ("data-t-open", "chat-open"),
    ("data-t-typing", "chat-typing"),
    ("data-t-joined", "chat-joined"),
    ("data-t-closed", "chat-closed"),
    ("data-t-connecting", "chat-connecting"),
    ("data-t-lost", "chat-lost"),
    ("data-t-visitor", "chat-visitor"),
    ("data-t-new", "chat-new"),
];

pub async fn page(signed_in: SignedIn) -> impl IntoResponse {
    let t = |id: &str| signed_in.locale.t(id);
    let words: Vec<(&str, String)> = WORDS.iter().map(|(attr, id)| (*attr, t(id))).collect();
    let attr = |name: &str| {
        words
            .iter()
            .find(|(a, _)| *a == name)
            .map(|(_, w)| w.clone())
            .unwrap_or_default()
    };
    let body = maud::html! {
        link rel="stylesheet" href="/static/chat-console.css";
        div id="chat-console" class="chat-console"
            data-t-none=(attr("data-t-none")) data-t-accept=(attr("data-t-accept"))
            data-t-open=(attr("data-t-open")) data-t-typing=(attr("data-t-typing"))
            data-t-joined=(attr("data-t-joined")) data-t-closed=(attr("data-t-closed"))
            data-t-connecting=(attr("data-t-connecting")) data-t-lost=(attr("data-t-lost"))
            data-t-visitor=(attr("data-t-visitor")) data-t-new=(attr("data-t-new")) {
            section class="chat-lists" aria-label=(t("chat-title")) {
                p id="chat-status" class="chat-status" role="status" { (t("chat-connecting")) }
                h2 { (t("chat-waiting")) }
                ul id="chat-waiting" {}
                h2 { (t("chat-mine")) }
                ul id="chat-mine" {}
            }
            section class="chat-thread" aria-labelledby="chat-heading" {
                h2 id="chat-heading" { (t("chat-choose")) }
                ol id="chat-log" class="chat-log" role="log" aria-live="polite" {}
                p id="chat-typing" class="chat-typing" aria-live="polite" {}
                form id="chat-reply" hidden {
                    label for="chat-text" { (t("chat-reply")) }
                    textarea id="chat-text" rows="3" {}
                    div class="chat-actions" {
                        button type="submit" { (t("chat-send")) }
                        button type="button" id="chat-close" { (t("chat-close")) }
                    }
                }
            }
        }
        script src="/static/chat-console.js" defer {}
    };
    signed_in.workspace(StatusCode::OK, &t("chat-title"), body)
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CONSOLE_JS,
    )
}

pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CONSOLE_CSS,
    )
}
