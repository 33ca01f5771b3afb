//! Live chat: visitors on a customer's website talk to agents in real time, and every chat
//! is a ticket (channel `chat`) from its first message.
//!
//! The durable store is the truth. A message is acknowledged to its sender only after the
//! account's writer committed it (as a message of the chat's ticket, and as the next event
//! of the chat's own sequence); the in-memory hub (`hub.rs`) only carries committed events
//! to whoever is connected right now, and a connection that missed any (a gap in the
//! sequence, a lagging receiver, a reconnect) reads them back from the store.
//!
//! `store.rs` (the SQL and the rules, testable without HTTP), `settings.rs` (allowed origins,
//! consent texts, theme, routing), `routing/` (presence and offers of waiting chats to
//! agents), `handover.rs` (transfers, invitations, presence and limits in the database),
//! `protocol.rs` (the JSON frames), `limits.rs` (rate limits),
//! `visitor.rs` and `agent.rs` (one WebSocket connection each), `routes.rs` (the thin HTTP
//! edge), `spam.rs` (where the spam filter judges a chat's first message), `transcript.rs`
//! (the conversation mailed to the visitor on request).

pub mod agent;
pub mod bans;
mod bans_api;
pub mod canned;
mod canned_api;
mod connection;
mod console;
pub mod handover;
pub mod hub;
pub mod limits;
pub mod offline;
pub mod openapi;
mod poll;
pub mod protocol;
pub mod routes;
pub mod routing;
pub mod settings;
pub mod spam;
pub mod store;
pub mod transcript;
pub mod visitor;
mod widget;

use serde::Serialize;

use crate::contacts::ContactError;
use crate::store::StoreError;
use crate::tickets::TicketError;

pub use hub::ChatHub;
pub use routes::routes;

/// The longest chat message, in characters. Longer text is refused with a clear error (the
/// frame limit, a hard close, is set well above it; see `connection::MAX_FRAME`).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Where a chat stands: waiting for an agent, answered by one, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatStatus {
    Waiting,
    Active,
    Closed,
}

impl ChatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Waiting => "waiting",
            ChatStatus::Active => "active",
            ChatStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ChatStatus> {
        match text {
            "waiting" => Some(ChatStatus::Waiting),
            "active" => Some(ChatStatus::Active),
            "closed" => Some(ChatStatus::Closed),
            _ => None,
        }
    }
}

/// Who did something in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Visitor,
    Agent,
    System,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Visitor => "visitor",
            Side::Agent => "agent",
            Side::System => "system",
        }
    }

    fn parse(text: &str) -> Side {
        match text {
            "visitor" => Side::Visitor,
            "agent" => Side::Agent,
            _ => Side::System,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Bad input: the code is stable and machine-readable, the message says what to fix.
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("this account requires consent before a chat starts")]
    ConsentRequired,
    #[error("no chat with this id or resume token")]
    NotFound,
    #[error("this chat is closed")]
    Closed,
    #[error("{0}")]
    Refused(String),
    /// A transcript of this chat was mailed moments ago (`transcript::TRANSCRIPT_EVERY`).
    #[error(
        "a transcript of this chat was sent a short while ago; you can ask again in {} minute(s)",
        (wait_secs + 59) / 60
    )]
    TranscriptTooSoon { wait_secs: i64 },
    #[error(transparent)]
    Mail(#[from] crate::mail::outbox::OutboxError),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ChatError {
    /// The machine-readable code sent in an `error` frame.
    pub fn code(&self) -> &'static str {
        match self {
            ChatError::Invalid(code, _) => code,
            ChatError::ConsentRequired => "consent_required",
            ChatError::NotFound => "not_found",
            ChatError::Closed => "chat_closed",
            ChatError::Refused(_) => "refused",
            ChatError::TranscriptTooSoon { .. } => "transcript_too_soon",
            ChatError::Mail(_) => "internal",
            ChatError::Ticket(TicketError::Contact(ContactError::Store(_))) => "internal",
            ChatError::Ticket(TicketError::Invalid(_) | TicketError::Contact(_)) => "invalid",
            ChatError::Ticket(TicketError::NotFound(_)) => "not_found",
            ChatError::Ticket(_) | ChatError::Store(_) => "internal",
        }
    }

    /// How long the client should wait before asking again, for refusals that pass.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ChatError::TranscriptTooSoon { wait_secs } => {
                Some(u64::try_from(*wait_secs).unwrap_or(0).max(1) * 1000)
            }
            _ => None,
        }
    }

    /// The message sent to the client: internal failures say nothing about their cause.
    pub fn public_message(&self) -> String {
        match self.code() {
            "internal" => "internal error; please try again".into(),
            _ => self.to_string(),
        }
    }
}

impl From<rusqlite::Error> for ChatError {
    fn from(e: rusqlite::Error) -> Self {
        ChatError::Store(e.into())
    }
}

impl From<ContactError> for ChatError {
    fn from(e: ContactError) -> Self {
        ChatError::Ticket(TicketError::Contact(e))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod transcript_tests;
