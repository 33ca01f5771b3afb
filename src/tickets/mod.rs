//! Tickets: a subject, a contact, a channel, a status with its history, priority,
//! department, assignee, tags, custom fields, and a thread of messages (the customer's,
//! agents' replies, and internal notes only agents see). Every change is a row in
//! `ticket_events` with who and when; trash is a status (permanent deletion belongs to
//! the privacy tools).

pub mod code;
pub mod departments;
pub mod purge;
pub mod routes;
mod store;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contacts::{ContactError, ContactRef};
use crate::store::StoreError;

pub use store::{
    Actor, Idempotency, ListQuery, NewContactRef, NewMessage, NewTicket, TicketPatch, Viewer,
    add_message, add_message_mailed, count, create, create_by_contact, create_judged, get,
    get_for_contact, list, list_for_contact, update,
};
pub(crate) use store::{
    Arrival, CheckedPatch, CheckedTicket, Reindex, VISIBLE, checked_message, insert_in,
    insert_message, load, present, record_addition, restricted, update_in, visible,
};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

/// A code of the shape this account's tickets have, for no ticket: the answer to a request
/// that must look like it created one but did not (the web form's honeypot).
pub fn decoy_code(account_slug: &str) -> String {
    code::generate(&code::prefix(account_slug))
}

text_enum!(
    /// Where a ticket came from.
    Channel { Email => "email", Chat => "chat", Web => "web", Api => "api", Phone => "phone" }
);
text_enum!(
    /// Where a ticket stands. `spam` and `trash` are quarantines, not deletions.
    Status { New => "new", Open => "open", Pending => "pending", Resolved => "resolved", Spam => "spam", Trash => "trash" }
);
text_enum!(
    Priority { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
);
text_enum!(
    /// A customer's message, an agent's reply (sent to the customer), or an internal note.
    MessageKind { Customer => "customer", Reply => "reply", Note => "note" }
);

/// A department or a user, as a ticket names it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Author {
    /// `contact`, `agent`, or `deleted_agent` when the agent's profile was deleted.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: MessageKind,
    pub author: Author,
    pub body: String,
    /// The body is HTML (sanitized when shown), not plain text.
    pub html: bool,
    pub created_at: String,
}

/// One change of a ticket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub at: String,
    pub actor: Author,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    pub contact: ContactRef,
    pub department: Option<Named>,
    pub assignee: Option<Named>,
    pub tags: Vec<String>,
    pub custom: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    /// What the spam filter said when the ticket arrived; `null` when it was not checked.
    pub spam_check: Option<SpamCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Event>>,
}

/// The spam filter's answer for a ticket when it arrived: `unsure` ones carry a marker in
/// the inbox, `spam` ones arrived in the quarantine.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct SpamCheck {
    pub verdict: &'static str,
    pub score: f64,
}

impl SpamCheck {
    pub fn new(score: crate::spam::Score) -> SpamCheck {
        SpamCheck {
            verdict: score.verdict.as_str(),
            score: score.score,
        }
    }

    /// From the stored columns (both set or the ticket was not checked).
    fn of(verdict: Option<String>, score: Option<f64>) -> Option<SpamCheck> {
        let verdict = crate::spam::Verdict::parse(verdict.as_deref()?)?;
        Some(SpamCheck {
            verdict: verdict.as_str(),
            score: score?,
        })
    }

    pub fn is_unsure(&self) -> bool {
        self.verdict == "unsure"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("no ticket with id {0}")]
    NotFound(i64),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Contact(#[from] ContactError),
    #[error("this Idempotency-Key was used for a different request")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Spam(#[from] crate::spam::SpamError),
}

impl From<rusqlite::Error> for TicketError {
    fn from(e: rusqlite::Error) -> Self {
        TicketError::Store(e.into())
    }
}

#[cfg(test)]
mod tests;
