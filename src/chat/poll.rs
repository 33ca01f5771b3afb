//! Long polling, for visitors behind a proxy that blocks WebSockets: the same frames as
//! `/chat/ws`, over two plain HTTPS requests the widget falls back to.
//!
//! - `POST /chat/poll/send` {`token`?, `frame`} — one visitor frame (`start`, `resume`,
//!   `message`, `typing`, `read`, `close`, `transcript`, `ping`); the bound ones carry the
//!   chat's resume token. Answers {`frames`: [...]}, what the socket would have sent at once
//!   (`started` and `ack`, `message_left`, `resumed`, `ack`, `transcript_queued`;
//!   `availability` and `pong` for `ping`).
//! - `POST /chat/poll/events` {`token`, `last_seq`} — the chat's events after `last_seq`
//!   (and the queue place while it waits); with none yet, the request waits up to
//!   `POLL_WAIT` for the next one or for the agent's typing.
//!
//! Each request is checked like a socket's handshake (the account in service, the origin
//! on its list) and its frames like a socket's (rate limits, bans, the spam filter). A
//! chat's own state lives in the store, so a poll needs no session: the token is the key.
//! The body may be sent as `text/plain`, which keeps the widget's cross-origin requests
//! "simple" (no preflight); the answers carry CORS for the listed origin.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::hub::Live;
use super::protocol::{ServerFrame, StartRequest, VisitorFrame, event_text};
use super::routes::in_service;
use super::settings::{self, ChatSettings};
use super::spam::judge_first_message;
use super::store::{self, Closer, REPLAY_BATCH, Visitor};
use super::{ChatError, Side, bans, offline, transcript};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::http::client_ip::client_ip;
use crate::http::{ApiError, ClientAddr, CurrentAccount};
use crate::store::Database;

/// How long an events request waits for something new before it answers empty.
pub const POLL_WAIT: Duration = Duration::from_secs(25);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat/poll/send", post(send))
        .route("/chat/poll/events", post(events))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    #[serde(default)]
    token: Option<String>,
    frame: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsBody {
    token: String,
    last_seq: i64,
}

/// One poll request, admitted: who it is for and from where.
struct Poll {
    state: AppState,
    account: RoutedAccount,
    db: std::sync::Arc<Database>,
    settings: ChatSettings,
    ip: String,
    origin: String,
}

impl Poll {
    async fn admit(
        state: AppState,
        account: RoutedAccount,
        peer: std::net::SocketAddr,
        headers: &HeaderMap,
    ) -> Result<Poll, ApiError> {
        in_service(&account)?;
        let db = state
            .store
            .account(&account.id, state.clock.now_unix())
            .await?;
        let settings = settings::load(&db).await?;
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let origin = text(header::ORIGIN).unwrap_or("").to_string();
        if !settings.allows_origin(&origin, text(header::HOST).unwrap_or("")) {
            return Err(ApiError::forbidden(format!(
                "origin `{origin}` may not use this chat; an admin lists allowed origins in the chat settings"
            )));
        }
        let ip = client_ip(peer.ip(), headers, &state.trusted_proxies).to_string();
        Ok(Poll {
            state,
            account,
            db,
            settings,
            ip,
            origin,
        })
    }

    fn now(&self) -> i64 {
        self.state.clock.now_unix()
    }

    /// The answer, frames or an error, readable by the page that asked (its origin is on
    /// the list, so the widget can show either).
    fn answer(&self, answered: Result<Vec<String>, ApiError>) -> Response {
        let mut response = match answered {
            Ok(frames) => (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                format!("{{\"frames\":[{}]}}", frames.join(",")),
            )
                .into_response(),
            Err(e) => e.into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Ok(value) = HeaderValue::from_str(&self.origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        response
    }

    async fn chat(&self, token: Option<&str>) -> Result<store::ChatRef, ApiError> {
        let Some(token) = token else {
            return Err(ApiError::unprocessable(
                "not_started",
                "send `start` or pass the chat's `token` first",
            ));
        };
        let chat = store::by_token(&self.db, token).await?;
        self.check_ban(Some(&chat.visitor_id)).await?;
        Ok(chat)
    }

    async fn check_ban(&self, visitor: Option<&str>) -> Result<(), ApiError> {
        match bans::is_banned(&self.db, self.now(), &self.ip, visitor).await {
            Ok(None) => Ok(()),
            Ok(Some(_)) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "banned",
                "this address or visitor may not use this chat",
            )),
            Err(e) => {
                tracing::warn!(error = %e, "chat bans could not be read");
                Ok(())
            }
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("malformed", format!("not a valid request: {e}")))
}

async fn send(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let poll = Poll::admit(state, account, peer, &headers).await?;
    let answered = async {
        let request: SendBody = parse(&body)?;
        let frame: VisitorFrame = serde_json::from_value(request.frame).map_err(|e| {
            ApiError::bad_request("malformed", format!("not a frame this endpoint knows: {e}"))
        })?;
        handle(&poll, request.token.as_deref(), frame).await
    };
    Ok(poll.answer(answered.await))
}

async fn handle(
    poll: &Poll,
    token: Option<&str>,
    frame: VisitorFrame,
) -> Result<Vec<String>, ApiError> {
    let hub = poll.state.chat.account(&poll.account.id);
    match frame {
        // A widget that polls asks this first: whether any agent is online.
        VisitorFrame::Ping => {
            let online = hub.router.anyone_online();
            Ok(vec![
                ServerFrame::Availability { online }.text(),
                ServerFrame::Pong.text(),
            ])
        }
        start @ VisitorFrame::Start { .. } => {
            let Some(StartRequest {
                visitor,
                form,
                offline,
            }) = start.into_start()
            else {
                return Ok(Vec::new());
            };
            let client_id = form.client_id.clone();
            let visitor = match visitor {
                Some(id) => store::client_id("visitor", &id)?,
                None => super::visitor::new_visitor_id(),
            };
            let limits = &poll.state.chat.limits;
            limits
                .start(&poll.account.id, &visitor, &poll.ip, Instant::now())
                .map_err(ApiError::rate_limited)?;
            poll.check_ban(Some(&visitor)).await?;
            let spam =
                judge_first_message(&poll.state.spam, &poll.account.id, &poll.db, &form.message)
                    .await;
            let who = Visitor {
                id: visitor.clone(),
                ip: poll.ip.clone(),
            };
            let (db, now, slug) = (&poll.db, poll.now(), &poll.account.slug);
            if offline {
                let code =
                    offline::leave_message(db, now, slug, &poll.settings, &who, form, spam).await?;
                return Ok(vec![ServerFrame::MessageLeft { ticket: &code }.text()]);
            }
            let started = store::start(db, now, slug, &poll.settings, &who, form, spam).await?;
            bans::remember_start_ip(poll.db.clone(), started.chat, poll.ip.clone());
            hub.list_changed();
            let hello = ServerFrame::Started {
                chat: started.chat,
                token: &started.resume_token,
                visitor: &visitor,
                ticket: &started.ticket_code,
            };
            let ack = ServerFrame::Ack {
                chat: started.chat,
                client_id: &client_id,
                seq: started.first.seq,
                duplicate: false,
            };
            Ok(vec![hello.text(), ack.text()])
        }
        VisitorFrame::Resume { token, .. } => {
            let chat = poll.chat(Some(&token)).await?;
            let resumed = ServerFrame::Resumed {
                chat: chat.id,
                status: chat.status.as_str(),
            };
            Ok(vec![resumed.text()])
        }
        VisitorFrame::Message { client_id, body } => {
            let chat = poll.chat(token).await?;
            let limits = &poll.state.chat.limits;
            limits
                .message(&poll.account.id, &chat.visitor_id, &poll.ip, Instant::now())
                .map_err(ApiError::rate_limited)?;
            let posted =
                store::visitor_message(&poll.db, poll.now(), chat.id, &client_id, &body).await?;
            if !posted.duplicate {
                hub.publish_event(&posted.event);
            }
            let ack = ServerFrame::Ack {
                chat: chat.id,
                client_id: &client_id,
                seq: posted.event.seq,
                duplicate: posted.duplicate,
            };
            Ok(vec![ack.text()])
        }
        VisitorFrame::Typing { on } => {
            let chat = poll.chat(token).await?;
            let from = Side::Visitor;
            hub.publish(chat.id, Live::Typing { from, on });
            Ok(Vec::new())
        }
        VisitorFrame::Read { seq } => {
            let chat = poll.chat(token).await?;
            store::mark_read(&poll.db, chat.id, Side::Visitor, seq).await?;
            let from = Side::Visitor;
            hub.publish(chat.id, Live::Read { from, seq });
            Ok(Vec::new())
        }
        VisitorFrame::Transcript => {
            let chat = poll.chat(token).await?;
            let limits = &poll.state.chat.limits;
            limits
                .message(&poll.account.id, &chat.visitor_id, &poll.ip, Instant::now())
                .map_err(ApiError::rate_limited)?;
            let sender = transcript::Sender {
                identity: poll.state.mail.identity.clone(),
                account_name: poll.account.name.clone(),
            };
            transcript::request(&poll.db, poll.now(), sender, chat.id).await?;
            poll.state.mail.queued();
            Ok(vec![ServerFrame::TranscriptQueued { chat: chat.id }.text()])
        }
        VisitorFrame::Close => {
            let chat = poll.chat(token).await?;
            match store::close(&poll.db, poll.now(), chat.id, Closer::Visitor).await? {
                Some(event) => {
                    hub.publish_event(&event);
                    hub.list_changed();
                    Ok(Vec::new())
                }
                None => Err(ChatError::Closed.into()),
            }
        }
    }
}

async fn events(
    State(state): State<AppState>,
    CurrentAccount(account): CurrentAccount,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let poll = Poll::admit(state, account, peer, &headers).await?;
    let answered = async {
        let request: EventsBody = parse(&body)?;
        wait_for_events(&poll, &request).await
    };
    Ok(poll.answer(answered.await))
}

/// The chat's events after `last_seq` now, or the first thing to happen within
/// `POLL_WAIT`. Subscribes before reading, so nothing committed in between is missed.
async fn wait_for_events(poll: &Poll, request: &EventsBody) -> Result<Vec<String>, ApiError> {
    let chat = poll.chat(Some(&request.token)).await?;
    let hub = poll.state.chat.account(&poll.account.id);
    let (inbox_tx, mut inbox) = mpsc::channel(16);
    let _following = hub.follow(chat.id, inbox_tx);
    let deadline = tokio::time::Instant::now() + POLL_WAIT;
    let mut passing = Vec::new();
    loop {
        let events = store::events_after(&poll.db, chat.id, request.last_seq, REPLAY_BATCH).await?;
        let over = chat.status == super::ChatStatus::Closed;
        if !events.is_empty() || !passing.is_empty() || over {
            let mut frames: Vec<String> = events.iter().map(event_text).collect();
            if let Some(position) = store::queue_position(&poll.db, chat.id).await? {
                frames.push(
                    ServerFrame::Queue {
                        chat: chat.id,
                        position,
                    }
                    .text(),
                );
            }
            frames.append(&mut passing);
            return Ok(frames);
        }
        // Wait for news: an event (or a lag) reads the store again; the agent's typing or
        // read receipt is answered as it is.
        loop {
            let Ok(Some(inbound)) = tokio::time::timeout_at(deadline, inbox.recv()).await else {
                let position = store::queue_position(&poll.db, chat.id).await?;
                let queue = position.map(|position| ServerFrame::Queue {
                    chat: chat.id,
                    position,
                });
                return Ok(queue.into_iter().map(|q| q.text()).collect());
            };
            let (chat_id, from) = (chat.id, Side::Agent);
            match inbound.live {
                Some(Live::Event(_)) | None => break,
                Some(Live::Typing {
                    from: Side::Agent,
                    on,
                }) => {
                    passing.push(
                        ServerFrame::Typing {
                            chat: chat_id,
                            from,
                            on,
                        }
                        .text(),
                    );
                    break;
                }
                Some(Live::Read {
                    from: Side::Agent,
                    seq,
                }) => {
                    passing.push(
                        ServerFrame::Read {
                            chat: chat_id,
                            from,
                            seq,
                        }
                        .text(),
                    );
                    break;
                }
                // The visitor's own typing and reads are no news to them.
                Some(Live::Typing { .. } | Live::Read { .. }) => {}
            }
        }
    }
}
