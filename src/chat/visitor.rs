//! One visitor's WebSocket (`/chat/ws`): `start` or `resume` binds it to a chat; then
//! messages (acknowledged after their commit), typing, read receipts and closing; the
//! chat's events arrive in sequence. Limits: frame size (a hard close), message length,
//! rate limits (an error frame, then a close when the client keeps flooding), malformed
//! frames (an error frame, then a close).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use tokio::sync::{broadcast, mpsc};

use super::connection::{CLOSE_POLICY, Flow, Outbox, Read};
use super::hub::{AccountChats, Following, Live};
use super::protocol::{ServerFrame, StartRequest, VisitorFrame, error_text};
use super::settings::ChatSettings;
use super::spam::judge_first_message;
use super::store::{self, Closer, StartForm, Visitor};
use super::{ChatError, Side, bans, offline, transcript};
use crate::accounts::RoutedAccount;
use crate::app::AppState;
use crate::store::Database;

pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Rate-limited frames in a row tolerated before the connection closes.
pub const MAX_REFUSED_IN_A_ROW: u32 = 20;

/// Everything a visitor connection knows before its first frame.
pub struct VisitorContext {
    pub state: AppState,
    pub account: RoutedAccount,
    pub db: Arc<Database>,
    pub settings: ChatSettings,
    pub ip: String,
}

struct Bound {
    chat: i64,
    visitor: String,
    _following: Following,
}

struct Connection {
    out: Outbox,
    ctx: VisitorContext,
    chats: Arc<AccountChats>,
    inbox_tx: mpsc::Sender<super::hub::Inbound>,
    bound: Option<Bound>,
    refused_in_a_row: u32,
    /// While the chat waits for an agent: the queue position last told (0: not yet).
    waiting_at: Option<i64>,
}

pub async fn run(socket: WebSocket, ctx: VisitorContext) {
    let (inbox_tx, mut inbox) = mpsc::channel(128);
    let chats = ctx.state.chat.account(&ctx.account.id);
    let mut conn = Connection {
        out: Outbox::new(socket, ctx.db.clone(), Side::Visitor),
        ctx,
        chats,
        inbox_tx,
        bound: None,
        refused_in_a_row: 0,
        waiting_at: None,
    };
    let mut queue = conn.chats.watch_list();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let online = conn.chats.router.anyone_online();
    if !conn
        .out
        .send_frame(ServerFrame::Availability { online })
        .await
    {
        return;
    }
    loop {
        let flow = tokio::select! {
            incoming = conn.out.socket.recv() => conn.incoming(incoming).await,
            Some(inbound) = inbox.recv() => {
                let transferred = matches!(
                    &inbound.live,
                    Some(Live::Event(event)) if event.kind == "transferred"
                );
                match conn.out.deliver(inbound).await {
                    // A transferred chat waits again: its visitor hears their place anew.
                    Ok(true) if transferred => {
                        conn.waiting_at = Some(0);
                        conn.tell_position().await
                    }
                    Ok(true) => Flow::Continue,
                    Ok(false) => Flow::Stop,
                    Err(e) => conn.out.refuse(&e).await,
                }
            }
            // The account's chats changed (one started, accepted, closed): a waiting
            // visitor hears their new place in the queue.
            changed = queue.recv(), if conn.waiting_at.is_some() => match changed {
                Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => conn.tell_position().await,
                Err(broadcast::error::RecvError::Closed) => Flow::Stop,
            },
            _ = ping.tick() => conn.out.ping().await,
        };
        if let Flow::Stop = flow {
            break;
        }
    }
}

impl Connection {
    async fn incoming(&mut self, incoming: Option<Result<Message, axum::Error>>) -> Flow {
        match self.out.read::<VisitorFrame>(incoming, "malformed").await {
            Read::Frame(frame) => self.frame(frame).await,
            Read::Done(flow) => flow,
        }
    }

    async fn rate_limited(&mut self, wait: Duration) -> Flow {
        self.refused_in_a_row += 1;
        if self.refused_in_a_row > MAX_REFUSED_IN_A_ROW {
            self.out
                .close(CLOSE_POLICY, "rate limit exceeded: too many messages")
                .await;
            return Flow::Stop;
        }
        let frame = ServerFrame::Error {
            code: "rate_limited",
            message: "too many messages; wait before sending more",
            retry_after_ms: Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1)),
        };
        self.out.say(frame.text()).await
    }

    fn now(&self) -> i64 {
        self.ctx.state.clock.now_unix()
    }

    async fn frame(&mut self, frame: VisitorFrame) -> Flow {
        match (frame, self.bound.is_some()) {
            (VisitorFrame::Ping, _) => self.out.say(ServerFrame::Pong.text()).await,
            (start @ VisitorFrame::Start { .. }, false) => self.start(start).await,
            (VisitorFrame::Resume { token, last_seq }, false) => {
                self.resume(&token, last_seq).await
            }
            (VisitorFrame::Start { .. } | VisitorFrame::Resume { .. }, true) => {
                self.out
                    .say(error_text(
                        "already_bound",
                        "this connection has its chat; open another to start a new one",
                    ))
                    .await
            }
            (_, false) => {
                self.out
                    .say(error_text("not_started", "send `start` or `resume` first"))
                    .await
            }
            (VisitorFrame::Message { client_id, body }, true) => {
                self.message(&client_id, &body).await
            }
            (VisitorFrame::Typing { on }, true) => {
                if let Some(bound) = &self.bound {
                    let typing = Live::Typing {
                        from: Side::Visitor,
                        on,
                    };
                    self.chats.publish(bound.chat, typing);
                }
                Flow::Continue
            }
            (VisitorFrame::Read { seq }, true) => self.read(seq).await,
            (VisitorFrame::Close, true) => self.close().await,
            (VisitorFrame::Transcript, true) => self.transcript().await,
        }
    }

    async fn start(&mut self, frame: VisitorFrame) -> Flow {
        let Some(StartRequest {
            visitor,
            form,
            offline,
        }) = frame.into_start()
        else {
            return Flow::Continue;
        };
        let client_id = form.client_id.clone();
        let visitor = match visitor {
            Some(id) => match store::client_id("visitor", &id) {
                Ok(id) => id,
                Err(e) => return self.out.refuse(&e).await,
            },
            None => new_visitor_id(),
        };
        let account = self.ctx.account.id.clone();
        if let Err(wait) =
            self.ctx
                .state
                .chat
                .limits
                .start(&account, &visitor, &self.ctx.ip, Instant::now())
        {
            return self.rate_limited(wait).await;
        }
        let now = self.now();
        let (db, ip) = (&self.ctx.db, &self.ctx.ip);
        if bans::turned_away(&mut self.out, db, now, ip, Some(&visitor)).await {
            return Flow::Stop;
        }
        let spam_check =
            judge_first_message(&self.ctx.state.spam, &account, &self.ctx.db, &form.message).await;
        let who = Visitor {
            id: visitor.clone(),
            ip: self.ctx.ip.clone(),
        };
        if offline {
            return self.leave_message(&who, form, spam_check).await;
        }
        let started = store::start(
            &self.ctx.db,
            now,
            &self.ctx.account.slug,
            &self.ctx.settings,
            &who,
            form,
            spam_check,
        )
        .await;
        let started = match started {
            Ok(started) => started,
            Err(e) => return self.out.refuse(&e).await,
        };
        bans::remember_start_ip(self.ctx.db.clone(), started.chat, self.ctx.ip.clone());
        self.bind(started.chat, visitor.clone());
        self.chats.list_changed();
        let hello = ServerFrame::Started {
            chat: started.chat,
            token: &started.resume_token,
            visitor: &visitor,
            ticket: &started.ticket_code,
        };
        if !self.out.send_frame(hello).await {
            return Flow::Stop;
        }
        let ack = ServerFrame::Ack {
            chat: started.chat,
            client_id: &client_id,
            seq: started.first.seq,
            duplicate: false,
        };
        if !self.out.send_frame(ack).await {
            return Flow::Stop;
        }
        if let Flow::Stop = self.catch_up(started.chat).await {
            return Flow::Stop;
        }
        self.waiting_at = Some(0);
        self.tell_position().await
    }

    /// The offline form: the message becomes a ticket; the connection stays free.
    async fn leave_message(
        &mut self,
        who: &Visitor,
        form: StartForm,
        spam_check: Option<crate::tickets::SpamCheck>,
    ) -> Flow {
        let now = self.now();
        let (db, slug, settings) = (&self.ctx.db, &self.ctx.account.slug, &self.ctx.settings);
        match offline::leave_message(db, now, slug, settings, who, form, spam_check).await {
            Ok(code) => {
                let left = ServerFrame::MessageLeft { ticket: &code };
                self.out.say(left.text()).await
            }
            Err(e) => self.out.refuse(&e).await,
        }
    }

    /// Sends the chat's place in the queue when it moved; stops once the chat is answered.
    async fn tell_position(&mut self) -> Flow {
        let (Some(told), Some(chat)) = (self.waiting_at, self.bound.as_ref().map(|b| b.chat))
        else {
            return Flow::Continue;
        };
        match store::queue_position(&self.ctx.db, chat).await {
            Ok(Some(position)) if position != told => {
                self.waiting_at = Some(position);
                let frame = ServerFrame::Queue { chat, position };
                if self.out.send_frame(frame).await {
                    Flow::Continue
                } else {
                    Flow::Stop
                }
            }
            Ok(Some(_)) => Flow::Continue,
            Ok(None) => {
                self.waiting_at = None;
                Flow::Continue
            }
            Err(e) => self.out.refuse(&e).await,
        }
    }

    fn bind(&mut self, chat: i64, visitor: String) {
        let following = self.chats.follow(chat, self.inbox_tx.clone());
        self.out.track(chat, 0);
        self.bound = Some(Bound {
            chat,
            visitor,
            _following: following,
        });
    }

    async fn catch_up(&mut self, chat: i64) -> Flow {
        match self.out.catch_up(chat).await {
            Ok(true) => Flow::Continue,
            Ok(false) => Flow::Stop,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn resume(&mut self, token: &str, last_seq: i64) -> Flow {
        let chat = match store::by_token(&self.ctx.db, token).await {
            Ok(chat) => chat,
            Err(e) => return self.out.refuse(&e).await,
        };
        let now = self.now();
        let (db, ip) = (&self.ctx.db, &self.ctx.ip);
        if bans::turned_away(&mut self.out, db, now, ip, Some(&chat.visitor_id)).await {
            return Flow::Stop;
        }
        self.bind(chat.id, chat.visitor_id.clone());
        self.out.track(chat.id, last_seq);
        let resumed = ServerFrame::Resumed {
            chat: chat.id,
            status: chat.status.as_str(),
        };
        if !self.out.send_frame(resumed).await {
            return Flow::Stop;
        }
        if let Flow::Stop = self.catch_up(chat.id).await {
            return Flow::Stop;
        }
        self.waiting_at = Some(0);
        self.tell_position().await
    }

    /// The bound chat, once the visitor's message budget allows one more write job; else
    /// what to do instead (nothing bound: carry on; over budget: the rate-limit answer).
    async fn bound_within_budget(&mut self) -> Result<i64, Flow> {
        let Some((chat, visitor)) = self.bound.as_ref().map(|b| (b.chat, b.visitor.clone())) else {
            return Err(Flow::Continue);
        };
        let limited = self.ctx.state.chat.limits.message(
            &self.ctx.account.id,
            &visitor,
            &self.ctx.ip,
            Instant::now(),
        );
        if let Err(wait) = limited {
            return Err(self.rate_limited(wait).await);
        }
        self.refused_in_a_row = 0;
        Ok(chat)
    }

    async fn message(&mut self, client_id: &str, body: &str) -> Flow {
        let chat = match self.bound_within_budget().await {
            Ok(chat) => chat,
            Err(flow) => return flow,
        };
        let now = self.now();
        let posted = match store::visitor_message(&self.ctx.db, now, chat, client_id, body).await {
            Ok(posted) => posted,
            Err(e) => return self.out.refuse(&e).await,
        };
        let ack = ServerFrame::Ack {
            chat,
            client_id,
            seq: posted.event.seq,
            duplicate: posted.duplicate,
        };
        if !self.out.send_frame(ack).await {
            return Flow::Stop;
        }
        let event = Arc::new(posted.event);
        if !posted.duplicate {
            self.chats.publish(chat, Live::Event(event.clone()));
        }
        match self.out.own_event(event).await {
            Ok(true) => Flow::Continue,
            Ok(false) => Flow::Stop,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn read(&mut self, seq: i64) -> Flow {
        let Some(chat) = self.bound.as_ref().map(|b| b.chat) else {
            return Flow::Continue;
        };
        if let Err(e) = store::mark_read(&self.ctx.db, chat, Side::Visitor, seq).await {
            return self.out.refuse(&e).await;
        }
        let read = Live::Read {
            from: Side::Visitor,
            seq,
        };
        self.chats.publish(chat, read);
        Flow::Continue
    }

    async fn close(&mut self) -> Flow {
        let Some(chat) = self.bound.as_ref().map(|b| b.chat) else {
            return Flow::Continue;
        };
        let now = self.now();
        match store::close(&self.ctx.db, now, chat, Closer::Visitor).await {
            Ok(Some(event)) => {
                self.chats.publish_event(&event);
                self.chats.list_changed();
                self.catch_up(chat).await
            }
            Ok(None) => self.out.refuse(&ChatError::Closed).await,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    /// Mails the conversation to the chat's contact. The socket stays bound after the
    /// chat's end, so this works during the chat and after it alike.
    async fn transcript(&mut self) -> Flow {
        // Each request is a write job: a flood of them is limited like a flood of messages
        // (the store's own once-per-window rule decides whether a mail goes out).
        let chat = match self.bound_within_budget().await {
            Ok(chat) => chat,
            Err(flow) => return flow,
        };
        let sender = transcript::Sender {
            identity: self.ctx.state.mail.identity.clone(),
            account_name: self.ctx.account.name.clone(),
        };
        let now = self.now();
        match transcript::request(&self.ctx.db, now, sender, chat).await {
            Ok(_) => {
                self.ctx.state.mail.queued();
                self.out
                    .say(ServerFrame::TranscriptQueued { chat }.text())
                    .await
            }
            Err(e) => self.out.refuse(&e).await,
        }
    }
}

/// A visitor id for a widget that has none yet (returned in `started`, kept by the widget).
pub(super) fn new_visitor_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("v{}", hex::encode(bytes))
}
