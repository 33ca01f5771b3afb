//! Mail in and out.
//!
//! - Out: whatever causes a mail (an agent's reply, a portal login link, a chat transcript)
//!   queues it in the account's `mail_outbox` in the same commit (`outbox::enqueue`), so an
//!   acknowledged action never loses its mail; the relay task sends what is due and deletes
//!   it once the relay took it.
//! - In: the local MTA delivers over LMTP; each message becomes a ticket, or a reply on the
//!   ticket it answers, and is acknowledged only once that is durably committed.
//!
//! Ticket codes travel in subjects (`[ACME-4F7K2]`) and in the Message-IDs we make
//! (`<ACME-4F7K2.…@domain>`), so a customer's reply finds its ticket without any state
//! kept per sent mail.

pub mod inbound;
pub mod lmtp;
pub mod outbox;
pub mod relay;

use crate::config::Config;

/// Who outgoing mail is from, and the domain of its Message-IDs: fixed by the configuration.
#[derive(Debug, Clone)]
pub struct Identity {
    pub from: lettre::message::Mailbox,
    pub domain: String,
}

impl Identity {
    /// From `mail.from_address` (validated at load), else `helpdesk@<mail domain>`.
    pub fn from_config(config: &Config) -> Identity {
        let domain = config.mail_domain();
        let from = config
            .mail
            .from_address
            .parse()
            .ok()
            .or_else(|| format!("helpdesk@{domain}").parse().ok())
            .unwrap_or_else(|| {
                // A literal that is a valid address: no check needed, and none to fail.
                lettre::message::Mailbox::new(
                    None,
                    lettre::Address::new_dangerous("helpdesk", "localhost"),
                )
            });
        Identity { from, domain }
    }
}

/// The mail side of the shared state: who we send as, and the relay task's doorbell.
pub struct MailHub {
    pub identity: Identity,
    /// Rung after a commit that queued mail, so the relay task sends it now rather than at
    /// its next periodic look.
    pub wakeup: tokio::sync::Notify,
}

impl MailHub {
    pub fn new(config: &Config) -> MailHub {
        MailHub {
            identity: Identity::from_config(config),
            wakeup: tokio::sync::Notify::new(),
        }
    }

    /// Call after committing a transaction that used `outbox::enqueue`.
    pub fn queued(&self) {
        self.wakeup.notify_one();
    }
}
