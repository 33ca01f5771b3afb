//! The chat's HTTP edge: the two WebSocket endpoints, the widget script, the agents'
//! console page, and the settings API. Each handler checks who may come in (origin, session, role) and hands over.

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};

use super::agent::{self, AgentContext};
use super::connection::MAX_FRAME;
use super::handover;
use super::settings::{self, ChatSettings, SettingsPatch};
use super::visitor::{self, VisitorContext};
use super::{ChatError, console, widget};
use crate::accounts::{AccountState, RoutedAccount};
use crate::app::AppState;
use crate::auth::gate::AdminAuth;
use crate::http::client_ip::client_ip;
use crate::http::{ApiError, ApiJson, ClientAddr, ConnectionSlot, CurrentAccount};
use crate::panel::SignedIn;
use crate::tickets::Viewer;

pub fn routes(state: AppState) -> Router<AppState> {
    let agent = Router::new()
        .route("/agent/chat", get(console::page))
        .route("/agent/chat/ws", get(agent_socket))
        .route("/agent/chat/context/{chat}", get(console::context))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            crate::panel::allowlist_guard,
        ));
    Router::new()
        .route("/chat/ws", get(visitor_socket))
        .route("/chat/widget.js", get(widget::script))
        .route("/static/chat-console.js", get(console::script))
        .route("/static/chat-console.css", get(console::style))
        .route("/api/v1/chat/settings", get(get_settings).put(put_settings))
        .route("/api/v1/chat/consents", get(consents))
        .route("/api/v1/chat/agents", get(list_agents))
        .route("/api/v1/chat/agents/{id}", patch(patch_agent))
        .merge(super::bans_api::routes())
        .merge(super::poll::routes())
        .merge(super::canned_api::routes())
        .merge(agent)
}

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::Store(e) => ApiError::internal(e),
            ChatError::Ticket(e) => ApiError::internal(e),
            ChatError::Mail(e) => ApiError::internal(e),
            ChatError::NotFound => ApiError::not_found(e.to_string()),
            ChatError::TranscriptTooSoon { wait_secs } => ApiError {
                retry_after: Some(u64::try_from(wait_secs).unwrap_or(0).max(1)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.code(), e.to_string())
            },
            other => ApiError::unprocessable(other.code(), other.to_string()),
        }
    }
}

/// Chat is for accounts in service; a suspended one answers that it is unavailable.
pub(crate) fn in_service(account: &RoutedAccount) -> Result<(), ApiError> {
    match account.state {
        AccountState::Trial | AccountState::Active | AccountState::BillingFailed => Ok(()),
        _ => Err(ApiError::unavailable(
            "the chat of this helpdesk is unavailable",
        )),
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The host the client addressed (HTTP/1.1 `Host`; WebSocket handshakes are HTTP/1.1).
fn own_host(headers: &HeaderMap) -> &str {
    header_text(headers, header::HOST).unwrap_or("")
}

/// A visitor's socket. Browsers always send `Origin` on a WebSocket handshake; it must be
/// one of the account's allowed origins (or the helpdesk's own host), which is what keeps
/// other sites from embedding the chat.
async fn visitor_socket(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    ClientAddr(peer): ClientAddr,
    slot: Option<Extension<ConnectionSlot>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    in_service(&account)?;
    let db = state
        .store
        .account(&account.id, state.clock.now_unix())
        .await?;
    let settings: ChatSettings = settings::load(&db).await?;
    let origin = header_text(&headers, header::ORIGIN).unwrap_or("");
    if !settings.allows_origin(origin, own_host(&headers)) {
        return Err(ApiError::forbidden(format!(
            "origin `{origin}` may not use this chat; an admin lists allowed origins in the chat settings"
        )));
    }
    let ip = client_ip(peer.ip(), &headers, &state.trusted_proxies).to_string();
    let context = VisitorContext {
        state,
        account,
        db,
        settings,
        ip,
    };
    Ok(socket_limits(upgrade).on_upgrade(move |socket| async move {
        // The socket keeps its connection's place under `http.max_connections`.
        let _slot = slot;
        visitor::run(socket, context).await
    }))
}

/// An agent's socket: the panel session's cookie authenticates it, and the handshake must
/// come from the panel's own origin. (A WebSocket handshake is a GET that carries cookies
/// and no CSRF token; checking `Origin` is what stops another site from opening it with
/// the agent's cookie.)
async fn agent_socket(
    State(state): State<AppState>,
    signed_in: SignedIn,
    slot: Option<Extension<ConnectionSlot>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    in_service(&signed_in.account)?;
    let origin = header_text(&headers, header::ORIGIN).unwrap_or("");
    let own = settings::normalize_origin(&format!("https://{}", own_host(&headers)));
    if own.is_none() || settings::normalize_origin(origin) != own {
        return Err(ApiError::forbidden(
            "the agent chat socket is opened from the panel's own origin only",
        ));
    }
    let context = AgentContext {
        state,
        account_id: signed_in.account.id.clone(),
        db: signed_in.db.clone(),
        viewer: Viewer::of(&signed_in.session.user),
        actor: signed_in.actor(),
    };
    Ok(socket_limits(upgrade).on_upgrade(move |socket| async move {
        let _slot = slot;
        agent::run(socket, context).await
    }))
}

/// The read buffer of each chat socket. tungstenite's default (128 KiB) is filled with
/// zeros on the first read, so every open socket, idle or not, kept 128 KiB resident:
/// 1.4 GiB for 10,000 visitors (bench/chat_load/). A chat frame is a few hundred bytes
/// and fits; a larger one (up to `MAX_FRAME`) grows the buffer while it arrives and is
/// read in steps of this size. 4 KiB left the daemon at 22.4 KiB per idle socket, above
/// the 250 MB for 10,000 of issue 7; 1 KiB, 19.4.
const READ_BUFFER: usize = 1024;

/// Frame limits and buffer sizes of both chat sockets.
fn socket_limits(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .max_frame_size(MAX_FRAME)
        .max_message_size(MAX_FRAME)
        .read_buffer_size(READ_BUFFER)
}

async fn get_settings(auth: AdminAuth) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(settings::load(&auth.db).await?))
}

async fn put_settings(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.now_unix();
    let updated = settings::update(&auth.db, now, &auth.actor(), patch).await?;
    // A changed limit, offer time or routing applies to the waiting chats at once.
    state.chat.account(&auth.account.id).router.wake();
    Ok(axum::Json(updated))
}

#[derive(serde::Deserialize)]
struct ConsentQuery {
    contact_id: i64,
}

/// The agents with their presence (offline unless a console of theirs is open), limits
/// and load (admins).
async fn list_agents(
    State(state): State<AppState>,
    auth: AdminAuth,
) -> Result<impl IntoResponse, ApiError> {
    let seated = state.chat.account(&auth.account.id).router.seated();
    let mut agents = handover::agents(&auth.db).await?;
    for agent in &mut agents {
        if !seated.contains(&agent.id) {
            agent.presence = "offline";
        }
    }
    Ok(axum::Json(serde_json::json!({ "agents": agents })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentPatch {
    /// The agent's own limit; null (or absent) for the account's `agent_limit`.
    #[serde(default)]
    max_chats: Option<i64>,
}

async fn patch_agent(
    State(state): State<AppState>,
    auth: AdminAuth,
    axum::extract::Path(id): axum::extract::Path<i64>,
    ApiJson(patch): ApiJson<AgentPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let router = state.chat.account(&auth.account.id).router.clone();
    let now = state.clock.now_unix();
    let actor = auth.actor();
    let mut agent = handover::set_max_chats(&auth.db, now, &actor, id, patch.max_chats).await?;
    if !router.seated().contains(&agent.id) {
        agent.presence = "offline";
    }
    router.wake();
    Ok(axum::Json(agent))
}

/// A contact's consent records (who agreed to which text, when, from where), for the
/// owner and admins until the contact page and the data export show them.
async fn consents(
    auth: AdminAuth,
    axum::extract::Query(query): axum::extract::Query<ConsentQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let records = super::store::consents_of(&auth.db, query.contact_id).await?;
    Ok(axum::Json(serde_json::json!({ "consents": records })))
}
