//! `/agent/events`: Server-Sent Events that tell open ticket lists to refresh.
//!
//! One poller per account with listeners, not one per browser: once a second it reads the
//! newest ticket event and message ids (two rowid lookups) and, when they moved, tells every
//! listener. Every writer is seen this way (API, panel, portal, mail, the CLI) without the
//! domains knowing about the panel. The poller ends with its last listener.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

use super::SignedIn;
use crate::app::AppState;
use crate::store::{Database, StoreError};

const POLL: Duration = Duration::from_secs(1);

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/events", get(events))
}

#[derive(Default)]
pub struct LiveHub {
    accounts: Mutex<HashMap<String, broadcast::Sender<()>>>,
}

impl LiveHub {
    /// A receiver of "tickets changed" for the account, starting its poller if needed.
    pub fn subscribe(
        self: &Arc<Self>,
        account_id: &str,
        db: Arc<Database>,
    ) -> broadcast::Receiver<()> {
        let Ok(mut accounts) = self.accounts.lock() else {
            return broadcast::channel(1).1;
        };
        if let Some(sender) = accounts.get(account_id) {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(16);
        accounts.insert(account_id.to_string(), sender.clone());
        let (hub, account) = (Arc::clone(self), account_id.to_string());
        tokio::spawn(async move { hub.poll(account, db, sender).await });
        receiver
    }

    async fn poll(
        self: Arc<Self>,
        account_id: String,
        db: Arc<Database>,
        sender: broadcast::Sender<()>,
    ) {
        let mut last = marker(&db).await.ok();
        loop {
            tokio::time::sleep(POLL).await;
            if sender.receiver_count() == 0 {
                if let Ok(mut accounts) = self.accounts.lock() {
                    // A listener may have arrived meanwhile; only leave when still alone.
                    if sender.receiver_count() == 0 {
                        accounts.remove(&account_id);
                        return;
                    }
                }
            }
            let now = marker(&db).await.ok();
            if now.is_some() && now != last {
                last = now;
                let _ = sender.send(());
            }
        }
    }
}

/// The newest ticket event and message: any change of any ticket moves one of them.
async fn marker(db: &Database) -> Result<(i64, i64), StoreError> {
    db.read(|conn| -> Result<_, StoreError> {
        Ok(conn.query_row(
            "SELECT coalesce((SELECT max(id) FROM ticket_events), 0),
                    coalesce((SELECT max(id) FROM messages), 0)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })
    .await
}

async fn events(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state
        .live
        .subscribe(&signed_in.account.id, signed_in.db.clone());
    let updates = stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            // A lagging listener missed some changes; one refresh covers them all.
            Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {
                let event = Event::default().event("tickets").data("changed");
                Some((Ok(event), receiver))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    let hello = stream::once(async {
        Ok(Event::default()
            .retry(Duration::from_secs(2))
            .comment("connected"))
    });
    Sse::new(stream::StreamExt::chain(hello, updates))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}
