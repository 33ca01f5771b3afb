//! What a visitor's and an agent's WebSocket connection share: sending frames, delivering a
//! chat's events exactly once and in order (live from the hub, from the store after a gap),
//! and closing with a reason.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};

use super::hub::{Inbound, Live};
use super::protocol::{ServerFrame, chat_error_text, error_text, event_text, parse};
use super::store::{self, ChatEvent, REPLAY_BATCH};
use super::{ChatError, Side};
use crate::store::Database;

/// WebSocket close codes (RFC 6455 §7.4.1).
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;
pub const CLOSE_PROTOCOL: u16 = 1002;

/// The largest frame (and message) a client may send; larger ones close the connection.
pub const MAX_FRAME: usize = 32 * 1024;
/// Malformed frames tolerated (each answered with an error) before the connection closes.
pub const MAX_BAD_FRAMES: u32 = 5;
/// How long a closing connection waits for the client's Close (reading what it still sends).
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a connection goes on after handling something.
pub enum Flow {
    Continue,
    Stop,
}

/// What reading one message from the socket gave.
pub enum Read<T> {
    Frame(T),
    /// Nothing to handle: closed, a control frame, or a malformed frame already answered.
    Done(Flow),
}

/// The socket, and for each chat this connection follows the last sequence number sent.
pub struct Outbox {
    pub socket: WebSocket,
    pub db: Arc<Database>,
    /// Which side this connection is: its own typing and read receipts are not echoed.
    pub side: Side,
    sent: HashMap<i64, i64>,
    bad_frames: u32,
}

impl Outbox {
    pub fn new(socket: WebSocket, db: Arc<Database>, side: Side) -> Outbox {
        Outbox {
            socket,
            db,
            side,
            sent: HashMap::new(),
            bad_frames: 0,
        }
    }

    /// One message from the socket as a client frame `T`: a malformed one is answered with
    /// an `error` frame (`code`), and after `MAX_BAD_FRAMES` of them the socket is closed.
    pub async fn read<T: for<'de> serde::Deserialize<'de>>(
        &mut self,
        incoming: Option<Result<Message, axum::Error>>,
        code: &str,
    ) -> Read<T> {
        match incoming {
            None | Some(Ok(Message::Close(_))) => Read::Done(Flow::Stop),
            Some(Err(e)) => {
                let (close, reason) = read_failure(&e, MAX_FRAME);
                self.close(close, &reason).await;
                Read::Done(Flow::Stop)
            }
            Some(Ok(Message::Text(text))) => match parse::<T>(text.as_str()) {
                Ok(frame) => Read::Frame(frame),
                Err(why) => Read::Done(self.bad_frame(code, &why).await),
            },
            Some(Ok(Message::Binary(_))) => Read::Done(
                self.bad_frame(code, "frames are JSON text, not binary")
                    .await,
            ),
            Some(Ok(_)) => Read::Done(Flow::Continue),
        }
    }

    async fn bad_frame(&mut self, code: &str, why: &str) -> Flow {
        self.bad_frames += 1;
        if self.bad_frames > MAX_BAD_FRAMES {
            self.close(CLOSE_POLICY, "too many malformed frames").await;
            return Flow::Stop;
        }
        self.say(error_text(code, why)).await
    }

    /// Sends a text frame; stops when the connection is gone.
    pub async fn say(&mut self, text: String) -> Flow {
        if self.send(text).await {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }

    /// Tells the client why what it asked was refused.
    pub async fn refuse(&mut self, error: &ChatError) -> Flow {
        self.say(chat_error_text(error)).await
    }

    /// A WebSocket ping, so that idle connections through proxies stay open.
    pub async fn ping(&mut self) -> Flow {
        if self
            .socket
            .send(Message::Ping(Default::default()))
            .await
            .is_ok()
        {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }

    /// Sends a text frame; `false` when the connection is gone.
    pub async fn send(&mut self, text: String) -> bool {
        self.socket.send(Message::Text(text.into())).await.is_ok()
    }

    pub async fn send_frame(&mut self, frame: ServerFrame<'_>) -> bool {
        self.send(frame.text()).await
    }

    /// Closes with a code and a reason the client can show (at most 123 bytes by RFC).
    pub async fn close(&mut self, code: u16, reason: &str) {
        let mut reason = reason.to_string();
        while reason.len() > 123 {
            reason.pop();
        }
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
        // Finish the closing handshake: read (and drop) what the client still sends until
        // its own Close, for a moment at most. Bytes left unread when the socket goes turn
        // the close into a TCP reset, and a flooding client would never see the reason.
        let drain = async {
            while let Some(Ok(message)) = self.socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    }

    /// From now on the connection delivers `chat`'s events after `seq`.
    pub fn track(&mut self, chat: i64, seq: i64) {
        self.sent.insert(chat, seq.max(0));
    }

    pub fn tracks(&self, chat: i64) -> bool {
        self.sent.contains_key(&chat)
    }

    /// Sends every stored event of `chat` after the last one sent.
    pub async fn catch_up(&mut self, chat: i64) -> Result<bool, ChatError> {
        loop {
            let Some(&after) = self.sent.get(&chat) else {
                return Ok(true);
            };
            let batch = store::events_after(&self.db, chat, after, REPLAY_BATCH).await?;
            let full = batch.len() == REPLAY_BATCH as usize;
            for event in batch {
                if !self.send(event_text(&event)).await {
                    return Ok(false);
                }
                self.sent.insert(chat, event.seq);
            }
            if !full {
                return Ok(true);
            }
        }
    }

    /// Sends an event this connection's own frame caused, after its ack: at once when it
    /// is the next one (no read of the store), else by catching up.
    pub async fn own_event(&mut self, event: Arc<ChatEvent>) -> Result<bool, ChatError> {
        let chat = event.chat;
        let live = Some(Live::Event(event));
        self.deliver(Inbound { chat, live }).await
    }

    /// Delivers one item of the inbox: an event exactly once and in order (a gap or a lag
    /// is filled from the store), typing and read receipts of the other side as they come.
    /// `false` when the connection is gone.
    pub async fn deliver(&mut self, inbound: Inbound) -> Result<bool, ChatError> {
        let chat = inbound.chat;
        let Some(&last) = self.sent.get(&chat) else {
            return Ok(true);
        };
        match inbound.live {
            None => self.catch_up(chat).await,
            Some(Live::Event(event)) if event.seq <= last => Ok(true),
            Some(Live::Event(event)) if event.seq == last + 1 => {
                self.sent.insert(chat, event.seq);
                Ok(self.send(event_text(&event)).await)
            }
            Some(Live::Event(_)) => self.catch_up(chat).await,
            Some(Live::Typing { from, .. } | Live::Read { from, .. }) if from == self.side => {
                Ok(true)
            }
            Some(Live::Typing { from, on }) => Ok(self
                .send_frame(ServerFrame::Typing { chat, from, on })
                .await),
            Some(Live::Read { from, seq }) => {
                Ok(self.send_frame(ServerFrame::Read { chat, from, seq }).await)
            }
        }
    }
}

/// Close code and reason for an error reading a frame (too big, or not WebSocket).
pub fn read_failure(error: &axum::Error, max_frame: usize) -> (u16, String) {
    let text = error.to_string();
    // tungstenite reports an oversized frame or message as a capacity error; its type is
    // not reachable through axum, its message is stable.
    if text.contains("Space limit exceeded")
        || text.contains("too long")
        || text.contains("too big")
    {
        (
            CLOSE_TOO_BIG,
            format!("frame too large: at most {max_frame} bytes"),
        )
    } else {
        (CLOSE_PROTOCOL, "WebSocket protocol error".into())
    }
}
