//! Real-time delivery, in memory: per account, one broadcast channel per chat that has
//! someone connected, and one "the list of chats changed" channel for agent consoles.
//!
//! Only committed events are published, after their commit. The hub may drop things (a
//! receiver that lags, a publish with nobody listening): connections notice a gap in the
//! sequence or a lag and read the missing events from the store, which is the truth.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use super::Side;
use super::limits::ChatLimits;
use super::routing::Router;
use super::store::ChatEvent;

/// Per chat channel: enough for bursts; a receiver further behind reads the store.
const CHAT_CHANNEL: usize = 64;
/// Channels of chats nobody follows any more are swept when the map grows past this.
const SWEEP_ABOVE: usize = 1024;

/// What a chat's followers receive: a committed event, or something passing (typing, a
/// read receipt) that is not stored in the sequence.
#[derive(Debug, Clone)]
pub enum Live {
    Event(Arc<ChatEvent>),
    Typing { from: Side, on: bool },
    Read { from: Side, seq: i64 },
}

/// An item of a connection's inbox: something live for `chat`, or `None` when the
/// connection fell behind and must read the chat's events from the store.
#[derive(Debug)]
pub struct Inbound {
    pub chat: i64,
    pub live: Option<Live>,
}

#[derive(Default)]
pub struct ChatHub {
    accounts: Mutex<HashMap<String, Arc<AccountChats>>>,
    pub limits: ChatLimits,
}

impl ChatHub {
    pub fn account(&self, account_id: &str) -> Arc<AccountChats> {
        let Ok(mut accounts) = self.accounts.lock() else {
            return Arc::new(AccountChats::default());
        };
        accounts
            .entry(account_id.to_string())
            .or_insert_with(|| Arc::new(AccountChats::default()))
            .clone()
    }
}

pub struct AccountChats {
    chats: Mutex<HashMap<i64, broadcast::Sender<Live>>>,
    list: broadcast::Sender<()>,
    /// Who is offered which waiting chat.
    pub router: Arc<Router>,
}

impl Default for AccountChats {
    fn default() -> Self {
        AccountChats {
            chats: Mutex::new(HashMap::new()),
            list: broadcast::channel(16).0,
            router: Arc::default(),
        }
    }
}

/// Forwards a chat's live items into a connection's inbox until dropped.
pub struct Following(JoinHandle<()>);

impl Drop for Following {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl AccountChats {
    /// Starts forwarding `chat`'s live items into `inbox`. Subscribe before reading the
    /// store for a replay, so nothing committed in between is missed.
    pub fn follow(&self, chat: i64, inbox: mpsc::Sender<Inbound>) -> Following {
        let mut receiver = {
            let Ok(mut chats) = self.chats.lock() else {
                return Following(tokio::spawn(async {}));
            };
            if chats.len() > SWEEP_ABOVE {
                chats.retain(|_, sender| sender.receiver_count() > 0);
            }
            chats
                .entry(chat)
                .or_insert_with(|| broadcast::channel(CHAT_CHANNEL).0)
                .subscribe()
        };
        Following(tokio::spawn(async move {
            loop {
                let live = match receiver.recv().await {
                    Ok(live) => Some(live),
                    Err(broadcast::error::RecvError::Lagged(_)) => None,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if inbox.send(Inbound { chat, live }).await.is_err() {
                    return;
                }
            }
        }))
    }

    /// Tells `chat`'s followers, if any.
    pub fn publish(&self, chat: i64, live: Live) {
        let Ok(mut chats) = self.chats.lock() else {
            return;
        };
        if let Some(sender) = chats.get(&chat) {
            if sender.send(live).is_err() {
                chats.remove(&chat);
            }
        }
    }

    pub fn publish_event(&self, event: &ChatEvent) {
        self.publish(event.chat, Live::Event(Arc::new(event.clone())));
    }

    /// Agent consoles: the list of waiting and active chats changed (and so, maybe, who
    /// should be offered what).
    pub fn list_changed(&self) {
        let _ = self.list.send(());
        self.router.wake();
    }

    pub fn watch_list(&self) -> broadcast::Receiver<()> {
        self.list.subscribe()
    }
}
