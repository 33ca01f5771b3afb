//! `/agent/chat`: the agents' chat console in the panel. The page is the shell (presence,
//! lists, the conversation with the contact's other tickets beside it, the reply box with
//! canned responses; every word from the locale files, the departments for transfers); its
//! script (`/static/chat-console.js`) speaks the agent protocol over `/agent/chat/ws`.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use super::store;
use crate::http::ApiError;
use crate::panel::SignedIn;
use crate::tickets::{self, ListQuery, Viewer};

const CONSOLE_JS: &str = include_str!("assets/console.js");
const CONSOLE_CSS: &str = include_str!("assets/console.css");

/// The words the script shows (its key, the locale message).
const WORDS: &[(&str, &str)] = &[
    ("none", "chat-none"),
    ("accept", "chat-accept"),
    ("decline", "chat-decline"),
    ("open", "chat-open"),
    ("join", "chat-join"),
    ("leave", "chat-leave"),
    ("invited", "chat-invited"),
    ("offered", "chat-offered"),
    ("typing", "chat-typing"),
    ("joined", "chat-joined"),
    ("left", "chat-left"),
    ("transferred", "chat-transferred"),
    ("closed", "chat-closed"),
    ("connecting", "chat-connecting"),
    ("lost", "chat-lost"),
    ("visitor", "chat-visitor"),
    ("new", "chat-new"),
    ("offlineHint", "chat-offline-hint"),
    ("transferTo", "chat-transfer"),
    ("inviteWho", "chat-invite"),
    ("agents", "chat-agents"),
    ("departments", "chat-departments"),
    ("canned", "chat-canned"),
    ("others", "chat-others"),
    ("noOthers", "chat-no-others"),
    ("openTicket", "chat-open-ticket"),
    ("banConfirm", "chat-ban-confirm"),
];

pub async fn page(signed_in: SignedIn) -> Result<impl IntoResponse, ApiError> {
    let t = |id: &str| signed_in.locale.t(id);
    let words: BTreeMap<&str, String> = WORDS.iter().map(|(key, id)| (*key, t(id))).collect();
    let words = serde_json::to_string(&words).unwrap_or_default();
    let departments: Vec<serde_json::Value> = tickets::departments::all(&signed_in.db)
        .await?
        .into_iter()
        .map(|d| json!({"id": d.id, "name": d.name}))
        .collect();
    let departments = serde_json::Value::Array(departments).to_string();
    let me = signed_in.session.user.id;
    let body = maud::html! {
        link rel="stylesheet" href="/static/chat-console.css";
        div id="chat-console" class="chat-console" data-words=(words)
            data-departments=(departments) data-me=(me) {
            section class="chat-lists" aria-label=(t("chat-title")) {
                div class="chat-presence" {
                    label for="chat-presence" { (t("chat-presence")) }
                    select id="chat-presence" {
                        option value="online" { (t("chat-online")) }
                        option value="away" { (t("chat-away")) }
                        option value="offline" selected { (t("chat-offline")) }
                    }
                }
                p id="chat-status" class="chat-status" role="status" { (t("chat-connecting")) }
                h2 { (t("chat-waiting")) }
                ul id="chat-waiting" {}
                h2 { (t("chat-mine")) }
                ul id="chat-mine" {}
            }
            section class="chat-thread" aria-labelledby="chat-heading" {
                div class="chat-head" {
                    h2 id="chat-heading" { (t("chat-choose")) }
                    div id="chat-tools" class="chat-tools" hidden {
                        select id="chat-transfer" aria-label=(t("chat-transfer")) {}
                        select id="chat-invite" aria-label=(t("chat-invite")) {}
                        button type="button" id="chat-leave" class="secondary" hidden { (t("chat-leave")) }
                        button type="button" id="chat-ban" class="secondary" { (t("chat-ban")) }
                    }
                }
                ol id="chat-log" class="chat-log" role="log" aria-live="polite" {}
                p id="chat-typing" class="chat-typing" aria-live="polite" {}
                form id="chat-reply" hidden {
                    label for="chat-text" { (t("chat-reply")) }
                    select id="chat-canned" aria-label=(t("chat-canned")) hidden {}
                    textarea id="chat-text" rows="3" {}
                    div class="chat-actions" {
                        button type="submit" { (t("chat-send")) }
                        button type="button" id="chat-close" class="secondary" { (t("chat-close")) }
                    }
                }
            }
            aside id="chat-context" class="chat-context" aria-label=(t("chat-others")) hidden {}
        }
        script src="/static/chat-console.js" defer {}
    };
    Ok(signed_in.workspace(StatusCode::OK, &t("chat-title"), body))
}

/// `/agent/chat/context/{chat}`: the chat's ticket and contact, and the contact's other
/// tickets, for the console's side panel (the same department rule as everywhere).
pub async fn context(
    signed_in: SignedIn,
    Path(chat): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let viewer = Viewer::of(&signed_in.session.user);
    let found = store::visible_to(&signed_in.db, viewer, chat).await?;
    let ticket_id = found
        .ticket_id
        .ok_or_else(|| ApiError::not_found("no such chat"))?;
    let ticket = tickets::get(&signed_in.db, viewer, ticket_id).await?;
    let query = ListQuery {
        contact_id: Some(ticket.contact.id),
        limit: 10,
        ..ListQuery::default()
    };
    let others: Vec<serde_json::Value> = tickets::list(&signed_in.db, viewer, query)
        .await?
        .into_iter()
        .filter(|t| t.id != ticket.id)
        .map(|t| {
            let status = signed_in.locale.t(&format!("status-{}", t.status.as_str()));
            json!({"id": t.id, "code": t.code, "subject": t.subject, "status": status,
                   "updated_at": t.updated_at})
        })
        .collect();
    Ok(axum::Json(json!({
        "ticket": {"id": ticket.id, "code": ticket.code, "subject": ticket.subject},
        "contact": {"id": ticket.contact.id, "name": ticket.contact.name,
                    "email": ticket.contact.email},
        "others": others,
    })))
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
