//! The widget's offline form: with no agent online, the pre-chat form leaves a message
//! instead of starting a chat. It becomes a ticket (channel `web`, tag `chat-offline`) that
//! agents answer by email, with the same checks as a chat: the consent (recorded without
//! a chat), the contact and their sightings, the spam filter's verdict. A retried message
//! (same visitor, same client id) finds the ticket made the first time.

use super::ChatError;
use super::settings::ChatSettings;
use super::store::{
    CheckedForm, StartForm, Visitor, check_form, open_ticket, record_consent, titled,
};
use crate::contacts;
use crate::store::Database;
use crate::tickets::{self, NewContactRef, SpamCheck};

/// The tag an offline message's ticket carries, so agents can find them.
pub const OFFLINE_TAG: &str = "chat-offline";

/// Leaves the form's message as a ticket; returns its code.
pub async fn leave_message(
    db: &Database,
    now: i64,
    account_slug: &str,
    settings: &ChatSettings,
    visitor: &Visitor,
    form: StartForm,
    spam_check: Option<SpamCheck>,
) -> Result<String, ChatError> {
    let CheckedForm {
        visitor_id,
        client_id,
        message,
        name,
        consent,
        ..
    } = check_form(settings, visitor, &form)?;
    let (email, ip, contact_name) = (form.email.clone(), visitor.ip.clone(), name.clone());
    let sighted_visitor = visitor_id.clone();
    let contact = db
        .write(move |conn| -> Result<i64, ChatError> {
            let contact = contacts::find_or_create_by_email(conn, &email, &contact_name, now)?;
            contacts::note_sighting(conn, contact, "ip", &ip, now)?;
            contacts::note_sighting(conn, contact, "visitor", &sighted_visitor, now)?;
            if let Some(consent) = &consent {
                record_consent(conn, contact, None, consent, now, &ip)?;
            }
            Ok(contact)
        })
        .await?;
    let new = tickets::NewTicket {
        subject: titled("Offline message", &message),
        message,
        contact: NewContactRef {
            email: form.email,
            name,
        },
        channel: tickets::Channel::Web,
        priority: None,
        tags: vec![OFFLINE_TAG.to_string()],
        department_id: form.department_id,
        assignee_id: None,
        custom: Default::default(),
    };
    let key = format!("offline-{visitor_id}-{client_id}");
    let open = (account_slug, contact, "chat.offline", key);
    Ok(open_ticket(db, now, open, new, spam_check).await?.code)
}
