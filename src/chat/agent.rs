//! One agent's WebSocket (`/agent/chat/ws`, signed in with the panel's session): the list
//! of waiting and own active chats (sent again whenever it changes), presence and the
//! router's offers, accepting or declining, opening a chat (its events after a given
//! sequence number, then live ones), messages, typing, read receipts, transfers,
//! invitations and closing.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use tokio::sync::{broadcast, mpsc};

use super::connection::{Flow, Outbox, Read};
use super::handover::{self, Target};
use super::hub::{AccountChats, Following, Live};
use super::protocol::{AgentFrame, ServerFrame, error_text};
use super::routing::{Notice, Presence};
use super::store::{self, ChatEvent, Closer};
use super::visitor::PING_EVERY;
use super::{ChatError, Side, bans};
use crate::app::AppState;
use crate::store::Database;
use crate::tickets::Viewer;

/// Everything an agent connection knows before its first frame.
pub struct AgentContext {
    pub state: AppState,
    pub account_id: String,
    pub db: Arc<Database>,
    pub viewer: Viewer,
    /// Who this agent is in the audit log (a ban is audited).
    pub actor: crate::audit::Actor,
}

struct Connection {
    out: Outbox,
    ctx: AgentContext,
    chats: Arc<AccountChats>,
    inbox_tx: mpsc::Sender<super::hub::Inbound>,
    following: std::collections::HashMap<i64, Following>,
    /// The presence this console last told its agent.
    presence: Presence,
    /// This agent's messages, written in order by `write_messages` while the connection
    /// goes on delivering (a reply waiting for its commit must not hold up what the
    /// visitors say), and their outcomes.
    to_write: mpsc::Sender<Outgoing>,
    /// Unbounded, so the writer never waits on a connection that waits on the writer; what
    /// it holds is bounded by `WRITES_IN_FLIGHT` queued plus the ones being answered.
    written: mpsc::UnboundedReceiver<Written>,
    /// Messages handed to the writer and not yet answered.
    in_flight: usize,
}

/// A message of this agent on its way to the store.
struct Outgoing {
    chat: i64,
    client_id: String,
    body: String,
    at: i64,
}

/// What became of an `Outgoing`.
struct Written {
    chat: i64,
    client_id: String,
    result: Result<store::Posted, ChatError>,
}

/// Messages a console may have on their way to the store at once; more wait for room.
const WRITES_IN_FLIGHT: usize = 32;

/// Writes one connection's messages one after another (so they are stored in the order
/// sent) and reports each outcome back to the connection.
async fn write_messages(
    db: Arc<Database>,
    viewer: Viewer,
    mut to_write: mpsc::Receiver<Outgoing>,
    written: mpsc::UnboundedSender<Written>,
) {
    while let Some(out) = to_write.recv().await {
        let result =
            store::agent_message(&db, out.at, viewer, out.chat, &out.client_id, &out.body).await;
        let done = Written {
            chat: out.chat,
            client_id: out.client_id,
            result,
        };
        if written.send(done).is_err() {
            return;
        }
    }
}

/// How long a ban from the console lasts unless the agent says otherwise.
const BAN_DAYS: i64 = 30;

/// Open chats one console may follow at once.
const MAX_FOLLOWED: usize = 200;

pub async fn run(socket: WebSocket, ctx: AgentContext) {
    let (inbox_tx, mut inbox) = mpsc::channel(256);
    let (notices_tx, mut notices) = mpsc::channel(64);
    let chats = ctx.state.chat.account(&ctx.account_id);
    chats.router.ensure_running(ctx.db.clone());
    let _seat = chats.router.sit(ctx.viewer.user_id, notices_tx);
    let mut list = chats.watch_list();
    let presence = handover::presence_of(&ctx.db, ctx.viewer.user_id)
        .await
        .unwrap_or(Presence::Offline);
    let (to_write, writer_inbox) = mpsc::channel(WRITES_IN_FLIGHT);
    let (writer_outbox, written) = mpsc::unbounded_channel();
    tokio::spawn(write_messages(
        ctx.db.clone(),
        ctx.viewer,
        writer_inbox,
        writer_outbox,
    ));
    let mut conn = Connection {
        out: Outbox::new(socket, ctx.db.clone(), Side::Agent),
        ctx,
        chats,
        inbox_tx,
        following: Default::default(),
        presence,
        to_write,
        written,
        in_flight: 0,
    };
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let status = ServerFrame::Presence {
        status: presence.as_str(),
    };
    if !conn.out.send_frame(status).await {
        return;
    }
    if let Flow::Stop = conn.send_list().await {
        return;
    }
    loop {
        let flow = tokio::select! {
            incoming = conn.out.socket.recv() => conn.incoming(incoming).await,
            Some(inbound) = inbox.recv() => match conn.out.deliver(inbound).await {
                Ok(true) => Flow::Continue,
                Ok(false) => Flow::Stop,
                Err(e) => conn.out.refuse(&e).await,
            },
            changed = list.recv() => match changed {
                Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => conn.send_list().await,
                Err(broadcast::error::RecvError::Closed) => Flow::Stop,
            },
            Some(notice) = notices.recv() => conn.notice(notice).await,
            Some(written) = conn.written.recv() => conn.posted(written).await,
            _ = ping.tick() => conn.out.ping().await,
        };
        if let Flow::Stop = flow {
            break;
        }
    }
}

impl Connection {
    async fn incoming(&mut self, incoming: Option<Result<Message, axum::Error>>) -> Flow {
        match self.out.read::<AgentFrame>(incoming, "malformed").await {
            Read::Frame(frame) => self.frame(frame).await,
            Read::Done(flow) => flow,
        }
    }

    fn now(&self) -> i64 {
        self.ctx.state.clock.now_unix()
    }

    async fn send_list(&mut self) -> Flow {
        match store::console_list(&self.ctx.db, self.ctx.viewer).await {
            Ok(list) => {
                if self
                    .out
                    .send_frame(ServerFrame::Chats { chats: &list })
                    .await
                {
                    Flow::Continue
                } else {
                    Flow::Stop
                }
            }
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn frame(&mut self, frame: AgentFrame) -> Flow {
        let passing = matches!(
            frame,
            AgentFrame::Ping
                | AgentFrame::Message { .. }
                | AgentFrame::Typing { .. }
                | AgentFrame::Read { .. }
                | AgentFrame::Open { .. }
        );
        // Anything else that changes a chat (close, transfer, leave…) happens after the
        // messages sent before it, as the agent sent them.
        if !passing {
            if let Flow::Stop = self.settle().await {
                return Flow::Stop;
            }
        }
        match frame {
            AgentFrame::Ping => self.out.say(ServerFrame::Pong.text()).await,
            AgentFrame::Accept { chat } => self.accept(chat).await,
            AgentFrame::Open { chat, last_seq } => self.open(chat, last_seq).await,
            AgentFrame::Message {
                chat,
                client_id,
                body,
            } => self.message(chat, &client_id, &body).await,
            AgentFrame::Typing { chat, on } => {
                if self.out.tracks(chat) {
                    let typing = Live::Typing {
                        from: Side::Agent,
                        on,
                    };
                    self.chats.publish(chat, typing);
                }
                Flow::Continue
            }
            AgentFrame::Read { chat, seq } => self.read(chat, seq).await,
            AgentFrame::Close { chat } => self.close(chat).await,
            AgentFrame::Presence { status } => self.set_presence(&status).await,
            AgentFrame::Decline { chat } => {
                self.chats.router.decline(self.ctx.viewer.user_id, chat);
                Flow::Continue
            }
            AgentFrame::Transfer {
                chat,
                agent,
                department,
            } => self.transfer(chat, agent, department).await,
            AgentFrame::Invite { chat, agent } => self.invite(chat, agent).await,
            AgentFrame::Join { chat } => self.join(chat).await,
            AgentFrame::Ban { chat, reason, days } => self.ban(chat, reason, days).await,
            AgentFrame::Leave { chat } => self.leave(chat).await,
        }
    }

    /// What the router says: offers to this agent, and who else is seated.
    async fn notice(&mut self, notice: Notice) -> Flow {
        let sent = match notice {
            Notice::Offer { chat, seconds } => {
                self.out
                    .send_frame(ServerFrame::Offer { chat, seconds })
                    .await
            }
            Notice::Withdrawn { chat } => {
                self.out
                    .send_frame(ServerFrame::OfferWithdrawn { chat })
                    .await
            }
            Notice::Roster(agents) => {
                let mine = agents
                    .iter()
                    .find(|a| a.id == self.ctx.viewer.user_id)
                    .and_then(|a| Presence::parse(a.presence));
                if let Some(presence) = mine.filter(|p| *p != self.presence) {
                    // Another console of this agent changed it: every console shows it.
                    self.presence = presence;
                    let status = ServerFrame::Presence {
                        status: presence.as_str(),
                    };
                    if !self.out.send_frame(status).await {
                        return Flow::Stop;
                    }
                }
                self.out
                    .send_frame(ServerFrame::Agents { agents: &agents })
                    .await
            }
        };
        if sent { Flow::Continue } else { Flow::Stop }
    }

    async fn set_presence(&mut self, status: &str) -> Flow {
        let Some(presence) = Presence::parse(status) else {
            let message = "`status` is `online`, `away` or `offline`";
            return self.out.say(error_text("invalid_presence", message)).await;
        };
        let user = self.ctx.viewer.user_id;
        if let Err(e) = handover::set_presence(&self.ctx.db, user, presence).await {
            return self.out.refuse(&e).await;
        }
        self.presence = presence;
        self.chats.router.note_presence(user, presence);
        let status = ServerFrame::Presence {
            status: presence.as_str(),
        };
        if self.out.send_frame(status).await {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }

    /// Publishes a committed event of a chat, refreshes the consoles' lists, and brings this
    /// console up to date if it follows the chat.
    async fn changed(&mut self, event: Option<&ChatEvent>, chat: i64) -> Flow {
        if let Some(event) = event {
            self.chats.publish_event(event);
        }
        self.chats.list_changed();
        if !self.out.tracks(chat) {
            return Flow::Continue;
        }
        match self.out.catch_up(chat).await {
            Ok(true) => Flow::Continue,
            Ok(false) => Flow::Stop,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn transfer(&mut self, chat: i64, agent: Option<i64>, department: Option<i64>) -> Flow {
        let target = match (agent, department) {
            (Some(agent), None) => Target::Agent(agent),
            (None, Some(department)) => Target::Department(department),
            _ => {
                let message = "transfer to an `agent` or to a `department` (one of the two)";
                return self.out.say(error_text("invalid_transfer", message)).await;
            }
        };
        let now = self.now();
        let event = match handover::transfer(&self.ctx.db, now, self.ctx.viewer, chat, target).await
        {
            Ok(event) => event,
            Err(e) => return self.out.refuse(&e).await,
        };
        if let Target::Agent(agent) = target {
            self.chats.router.pin(chat, agent);
        }
        self.changed(Some(&event), chat).await
    }

    /// Bans the visitor of `chat` (their id and the address the chat started from) and
    /// ends the chat.
    async fn ban(&mut self, chat: i64, reason: Option<String>, days: Option<i64>) -> Flow {
        let days = days.unwrap_or(BAN_DAYS);
        if !(1..=3650).contains(&days) {
            let message = "`days` is between 1 and 3650";
            return self.out.say(error_text("invalid_ban", message)).await;
        }
        let now = self.now();
        let (db, viewer, actor) = (&self.ctx.db, self.ctx.viewer, &self.ctx.actor);
        let until = Some(now + days * 86_400);
        if let Err(e) = bans::ban_chat(db, now, viewer, actor, chat, reason, until).await {
            let error = match e {
                bans::BanError::ChatNotFound => ChatError::NotFound,
                bans::BanError::Invalid(message) => ChatError::Invalid("invalid_ban", message),
                bans::BanError::Store(e) => ChatError::Store(e),
                other => ChatError::Refused(other.to_string()),
            };
            return self.out.refuse(&error).await;
        }
        match store::close(&self.ctx.db, now, chat, Closer::Agent(viewer)).await {
            Ok(event) => self.changed(event.as_ref(), chat).await,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn invite(&mut self, chat: i64, agent: i64) -> Flow {
        let now = self.now();
        if let Err(e) = handover::invite(&self.ctx.db, now, self.ctx.viewer, chat, agent).await {
            return self.out.refuse(&e).await;
        }
        self.changed(None, chat).await
    }

    async fn join(&mut self, chat: i64) -> Flow {
        let now = self.now();
        match handover::join(&self.ctx.db, now, self.ctx.viewer, chat).await {
            Ok(event) => {
                self.chats.publish_event(&event);
                self.chats.list_changed();
                self.follow(chat, 0).await
            }
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn leave(&mut self, chat: i64) -> Flow {
        let now = self.now();
        match handover::leave(&self.ctx.db, now, self.ctx.viewer, chat).await {
            Ok(event) => self.changed(event.as_ref(), chat).await,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    /// Follows `chat` from `after` on: live events into the inbox, the missed ones now.
    async fn follow(&mut self, chat: i64, after: i64) -> Flow {
        if !self.following.contains_key(&chat) {
            if self.following.len() >= MAX_FOLLOWED {
                let message = format!("a console follows at most {MAX_FOLLOWED} chats at once");
                return self.out.say(error_text("too_many_chats", &message)).await;
            }
            let following = self.chats.follow(chat, self.inbox_tx.clone());
            self.following.insert(chat, following);
            self.out.track(chat, after);
        }
        match self.out.catch_up(chat).await {
            Ok(true) => Flow::Continue,
            Ok(false) => Flow::Stop,
            Err(e) => self.out.refuse(&e).await,
        }
    }

    async fn accept(&mut self, chat: i64) -> Flow {
        let now = self.now();
        let viewer = self.ctx.viewer;
        let (joined, _ticket) = match store::accept(&self.ctx.db, now, viewer, chat).await {
            Ok(accepted) => accepted,
            Err(e) => return self.out.refuse(&e).await,
        };
        self.chats.publish_event(&joined);
        self.chats.list_changed();
        self.follow(chat, 0).await
    }

    async fn open(&mut self, chat: i64, last_seq: i64) -> Flow {
        if let Err(e) = store::visible_to(&self.ctx.db, self.ctx.viewer, chat).await {
            return self.out.refuse(&e).await;
        }
        if self.following.contains_key(&chat) {
            // Opened again (the console reloaded its view): replay from what it says it has.
            self.out.track(chat, last_seq);
        }
        self.follow(chat, last_seq).await
    }

    async fn message(&mut self, chat: i64, client_id: &str, body: &str) -> Flow {
        let out = Outgoing {
            chat,
            client_id: client_id.to_string(),
            body: body.to_string(),
            at: self.now(),
        };
        if self.to_write.send(out).await.is_err() {
            return Flow::Stop;
        }
        self.in_flight += 1;
        Flow::Continue
    }

    /// Waits for every message handed to the writer to be answered.
    async fn settle(&mut self) -> Flow {
        while self.in_flight > 0 {
            let Some(written) = self.written.recv().await else {
                return Flow::Stop;
            };
            if let Flow::Stop = self.posted(written).await {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    /// A message of this agent was stored (or refused): the ack, then its event to every
    /// follower of the chat.
    async fn posted(&mut self, written: Written) -> Flow {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Written {
            chat,
            client_id,
            result,
        } = written;
        let posted = match result {
            Ok(posted) => posted,
            Err(e) => return self.out.refuse(&e).await,
        };
        let ack = ServerFrame::Ack {
            chat,
            client_id: &client_id,
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

    async fn read(&mut self, chat: i64, seq: i64) -> Flow {
        if !self.out.tracks(chat) {
            return self
                .out
                .say(error_text(
                    "not_open",
                    "open the chat before marking it read",
                ))
                .await;
        }
        if let Err(e) = store::mark_read(&self.ctx.db, chat, Side::Agent, seq).await {
            return self.out.refuse(&e).await;
        }
        let read = Live::Read {
            from: Side::Agent,
            seq,
        };
        self.chats.publish(chat, read);
        Flow::Continue
    }

    async fn close(&mut self, chat: i64) -> Flow {
        let now = self.now();
        let by = Closer::Agent(self.ctx.viewer);
        match store::close(&self.ctx.db, now, chat, by).await {
            Ok(Some(event)) => self.changed(Some(&event), chat).await,
            Ok(None) => self.out.refuse(&ChatError::Closed).await,
            Err(e) => self.out.refuse(&e).await,
        }
    }
}
