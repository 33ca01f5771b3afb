//! Where the spam filter judges a chat: its first message, before anything is stored.
//!
//! The filter's daemon side (`crate::spam::live`) is being wired in separately; until it
//! is, every first message passes. When it lands, `judge_first_message` asks it (chat text
//! with the first line as subject) and refuses a `spam` verdict; `unsure` passes, to be
//! marked on the ticket like mail.

use crate::store::Database;

/// The filter's answer for a chat's first message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstMessageVerdict {
    Accept,
    /// Refused as spam: the chat does not start and nothing is stored.
    Refuse,
}

/// The one place the spam filter plugs into the chat (called by `visitor.rs` before
/// `store::start`).
pub async fn judge_first_message(
    _db: &Database,
    _account_id: &str,
    _email: &str,
    _message: &str,
) -> FirstMessageVerdict {
    FirstMessageVerdict::Accept
}
