//! The JSON frames of `/chat/ws` (visitors) and `/agent/chat/ws` (agents). Every frame is
//! one JSON object with a `type`; ARCHITECTURE.md documents them. Parsing never panics and
//! says what was wrong, in an `error` frame the client can show or log.

use serde::{Deserialize, Serialize};

use super::routing::Seated;
use super::store::{ChatEvent, ChatSummary, StartForm};
use super::{ChatError, Side};

/// What a visitor's widget sends.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorFrame {
    /// The pre-chat form; the first message is `message` with `client_id`.
    Start {
        #[serde(default)]
        visitor: Option<String>,
        #[serde(default)]
        name: String,
        email: String,
        message: String,
        client_id: String,
        #[serde(default)]
        consent: bool,
        #[serde(default)]
        consent_version: Option<i64>,
        #[serde(default)]
        locale: Option<String>,
        #[serde(default)]
        department_id: Option<i64>,
        /// Leave the message for the agents (a ticket) instead of starting a chat: the
        /// widget's offline form, when no agent is online.
        #[serde(default)]
        offline: bool,
    },
    /// Continue a chat after a reconnect: every event after `last_seq` is sent again.
    Resume {
        token: String,
        last_seq: i64,
    },
    Message {
        client_id: String,
        body: String,
    },
    Typing {
        on: bool,
    },
    /// The visitor has seen everything up to `seq`.
    Read {
        seq: i64,
    },
    Close,
    /// Mail the conversation to the chat's contact (during the chat or after its end).
    Transcript,
    Ping,
}

/// A `start` frame, taken apart: the widget's visitor id (if it has one yet), the form,
/// and whether it leaves a message instead of starting a chat (the offline form).
pub struct StartRequest {
    pub visitor: Option<String>,
    pub form: StartForm,
    pub offline: bool,
}

impl VisitorFrame {
    /// The parts of a `start` frame; `None` for any other frame.
    pub fn into_start(self) -> Option<StartRequest> {
        let VisitorFrame::Start {
            visitor,
            name,
            email,
            message,
            client_id,
            consent,
            consent_version,
            locale,
            department_id,
            offline,
        } = self
        else {
            return None;
        };
        let form = StartForm {
            name,
            email,
            message,
            client_id,
            consent,
            consent_version,
            locale: locale.unwrap_or_default(),
            department_id,
        };
        Some(StartRequest {
            visitor,
            form,
            offline,
        })
    }
}

/// What an agent's console sends.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentFrame {
    /// Take a waiting chat; the agent then receives its events.
    Accept {
        chat: i64,
    },
    /// Receive a chat's events after `last_seq` (again, after a reconnect), then live ones.
    Open {
        chat: i64,
        last_seq: i64,
    },
    Message {
        chat: i64,
        client_id: String,
        body: String,
    },
    Typing {
        chat: i64,
        on: bool,
    },
    Read {
        chat: i64,
        seq: i64,
    },
    Close {
        chat: i64,
    },
    /// `online`, `away` or `offline`: whether the router offers this agent chats.
    Presence {
        status: String,
    },
    /// Pass on an offered chat; it is offered to the next agent.
    Decline {
        chat: i64,
    },
    /// Hand an active chat to another agent or to a department's queue (one of the two).
    Transfer {
        chat: i64,
        #[serde(default)]
        agent: Option<i64>,
        #[serde(default)]
        department: Option<i64>,
    },
    /// Ask another agent into an active chat.
    Invite {
        chat: i64,
        agent: i64,
    },
    /// Ban the chat's visitor and the address it started from for `days` (30 by default)
    /// and end the chat.
    Ban {
        chat: i64,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        days: Option<i64>,
    },
    /// Join a chat this agent was invited to.
    Join {
        chat: i64,
    },
    /// Leave a chat this agent joined (or decline the invitation).
    Leave {
        chat: i64,
    },
    Ping,
}

/// What the server sends, besides the chat events themselves (`store::ChatEvent`, whose
/// `type` is `message`, `agent_joined`, `agent_left` or `closed` and which carry `seq`).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// A new chat: keep `token` to resume it.
    Started {
        chat: i64,
        token: &'a str,
        visitor: &'a str,
        ticket: &'a str,
    },
    /// Sent first on every visitor connection: is any agent online? (The widget shows its
    /// offline form when not.)
    Availability {
        online: bool,
    },
    /// An offline form's message was stored as the ticket `ticket`.
    MessageLeft {
        ticket: &'a str,
    },
    /// A resumed chat: the events after the client's `last_seq` follow.
    Resumed {
        chat: i64,
        status: &'a str,
    },
    /// A message of this connection was stored under `seq` (`duplicate`: it already was).
    Ack {
        chat: i64,
        client_id: &'a str,
        seq: i64,
        duplicate: bool,
    },
    Typing {
        chat: i64,
        from: Side,
        on: bool,
    },
    Read {
        chat: i64,
        from: Side,
        seq: i64,
    },
    /// A waiting visitor's place in the queue (1: next to be answered).
    Queue {
        chat: i64,
        position: i64,
    },
    /// The agent console's list: waiting chats and the agent's own active ones.
    Chats {
        chats: &'a [ChatSummary],
    },
    /// A waiting chat is offered to this agent: `accept` or `decline` within `seconds`.
    Offer {
        chat: i64,
        seconds: u64,
    },
    /// The offer of `chat` ended (taken, declined, timed out, or the chat went away).
    OfferWithdrawn {
        chat: i64,
    },
    /// The agents with a console open: for transfers and invitations.
    Agents {
        agents: &'a [Seated],
    },
    /// This agent's presence (sent on connect and whenever it changes, to every console).
    Presence {
        status: &'a str,
    },
    /// The chat's transcript is queued for mailing to the visitor's address.
    TranscriptQueued {
        chat: i64,
    },
    Pong,
    /// Something this connection sent was refused; `code` is stable, `message` for people.
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerFrame<'_> {
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub fn event_text(event: &ChatEvent) -> String {
    serde_json::to_string(event).unwrap_or_default()
}

pub fn error_text(code: &str, message: &str) -> String {
    ServerFrame::Error {
        code,
        message,
        retry_after_ms: None,
    }
    .text()
}

pub fn chat_error_text(error: &ChatError) -> String {
    if error.code() == "internal" {
        tracing::error!(error = %error, "chat operation failed");
    }
    ServerFrame::Error {
        code: error.code(),
        message: &error.public_message(),
        retry_after_ms: error.retry_after_ms(),
    }
    .text()
}

/// Parses one text frame; the error is what to tell the client.
pub fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "not valid JSON"
        } else {
            "not a frame this endpoint knows"
        };
        format!("{what}: {e}")
    })
}
