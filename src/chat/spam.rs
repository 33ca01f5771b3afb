//! Where the spam filter judges a chat: its first message, before the chat starts.
//!
//! The verdict goes with the ticket (`tickets::create_judged`): `unsure` is marked in the
//! inbox like mail; `spam` puts the ticket in the quarantine, where agents can still mark
//! it as not spam (and the filter learns), while the chat itself is closed at once and the
//! visitor told it was refused. A filter that cannot judge lets the chat through
//! (`spam::live::Filters::check` logs why).

use crate::spam::live::{Filters, Input};
use crate::store::Database;
use crate::tickets::SpamCheck;

/// The filter's answer for a chat's first message (`None`: not judged, e.g. the model has
/// not learned enough yet).
pub async fn judge_first_message(
    filters: &Filters,
    account_id: &str,
    db: &Database,
    message: &str,
) -> Option<SpamCheck> {
    let input = Input::Text {
        subject: super::store::subject_of(message),
        body: message.to_string(),
    };
    filters
        .check(account_id, db, input)
        .await
        .map(SpamCheck::new)
}
