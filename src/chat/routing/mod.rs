//! Chat routing: agents set themselves online, away or offline; waiting chats are offered to
//! one available agent at a time (least busy or round robin, within each agent's limit and
//! departments); an offer that is declined or not answered in time moves on.
//!
//! The database holds what must survive a restart (the chats and their status, each
//! agent's chosen presence, limit and last assignment); this module holds what lives only
//! while consoles are connected: who is seated (has a console open), the open offers and
//! the transfers pinned to one agent. One task per account runs a pass whenever something
//! changes (a chat starts, is accepted, closed or transferred; an agent comes, goes or
//! changes presence; an offer ends) — `plan.rs` decides, this file reads and tells.

mod plan;
mod snapshot;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, mpsc};

use crate::store::Database;
use plan::{Book, Note};
pub use plan::{Mode, Presence};
pub(crate) use snapshot::agent_facts as snapshot_facts;

/// A failed pass is tried again after this long (the database is the truth; nothing is lost).
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// What an agent's console hears from the router.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// `chat` is offered to this agent for `seconds` more.
    Offer { chat: i64, seconds: u64 },
    /// The offer of `chat` ended (taken, declined, lapsed, or the chat is gone).
    Withdrawn { chat: i64 },
    /// The seated agents changed (someone came, went, changed presence or load).
    Roster(Arc<Vec<Seated>>),
}

/// An agent with a console open, as the others see them (for transfers and invitations).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seated {
    pub id: i64,
    pub name: String,
    pub presence: &'static str,
    pub active: i64,
    pub limit: i64,
}

type Consoles = HashMap<u64, mpsc::Sender<Notice>>;

#[derive(Default)]
struct State {
    seats: HashMap<i64, Consoles>,
    book: Book,
    roster: Arc<Vec<Seated>>,
    /// The presence each seated agent chose, as last known (a choice counts at once, before
    /// the pass that puts it in the roster).
    chosen: HashMap<i64, Presence>,
    offer_for: Duration,
}

/// One account's router. Cheap to share; its task starts with the first seat or chat.
#[derive(Default)]
pub struct Router {
    state: Mutex<State>,
    wake: Notify,
    running: AtomicBool,
    next_console: AtomicU64,
}

/// A console's place at the router; leaving the seat (drop) withdraws the agent's offers
/// once their last console is gone.
pub struct Seat {
    router: Arc<Router>,
    user: i64,
    console: u64,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut state = self.router.lock();
        if let Some(consoles) = state.seats.get_mut(&self.user) {
            consoles.remove(&self.console);
            if consoles.is_empty() {
                state.seats.remove(&self.user);
                state.chosen.remove(&self.user);
            }
        }
        drop(state);
        self.router.wake();
    }
}

impl Router {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind, still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs a pass soon (after anything that changes who may be offered what).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts this account's routing task if it is not running yet.
    pub fn ensure_running(self: &Arc<Self>, db: Arc<Database>) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let router = self.clone();
        tokio::spawn(async move { router.run(db).await });
    }

    /// Seats a console of `user`: it hears their offers (the open ones at once) and the
    /// roster, until the returned seat is dropped.
    pub fn sit(self: &Arc<Self>, user: i64, notices: mpsc::Sender<Notice>) -> Seat {
        let console = self.next_console.fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        let now = Instant::now();
        for (chat, until) in state.book.offers_to(user) {
            let _ = notices.try_send(Notice::Offer {
                chat,
                seconds: until.saturating_duration_since(now).as_secs().max(1),
            });
        }
        let _ = notices.try_send(Notice::Roster(state.roster.clone()));
        state
            .seats
            .entry(user)
            .or_default()
            .insert(console, notices);
        drop(state);
        self.wake();
        Seat {
            router: self.clone(),
            user,
            console,
        }
    }

    /// `user` declines their offer of `chat`; it moves on at once.
    pub fn decline(&self, user: i64, chat: i64) {
        let mut state = self.lock();
        let offer_for = state.offer_for;
        if state.book.decline(chat, user, Instant::now(), offer_for) {
            tell(&state.seats, user, Notice::Withdrawn { chat });
        }
        drop(state);
        self.wake();
    }

    /// A chat transferred to `user` is offered to them alone for one offer period.
    pub fn pin(&self, chat: i64, user: i64) {
        let mut state = self.lock();
        let until = Instant::now() + state.offer_for.max(Duration::from_secs(5));
        state.book.pin(chat, user, until);
        drop(state);
        self.wake();
    }

    /// An agent chose a presence: the roster says so at once (the widget asks
    /// `anyone_online` right after), before the next pass confirms it from the database.
    pub fn note_presence(&self, user: i64, presence: Presence) {
        let mut state = self.lock();
        state.chosen.insert(user, presence);
        if state.roster.iter().any(|s| s.id == user) {
            let roster: Vec<Seated> = state
                .roster
                .iter()
                .map(|s| Seated {
                    presence: if s.id == user {
                        presence.as_str()
                    } else {
                        s.presence
                    },
                    ..s.clone()
                })
                .collect();
            state.roster = Arc::new(roster);
            broadcast(&state);
        }
        drop(state);
        self.wake();
    }

    /// The agents with a console open now.
    pub fn seated(&self) -> Vec<i64> {
        self.lock().seats.keys().copied().collect()
    }

    /// Is any agent seated and online (the widget offers the offline form otherwise)?
    pub fn anyone_online(&self) -> bool {
        let state = self.lock();
        state
            .seats
            .keys()
            .any(|user| state.chosen.get(user) == Some(&Presence::Online))
    }

    async fn run(self: Arc<Self>, db: Arc<Database>) {
        loop {
            let seated: Vec<i64> = self.lock().seats.keys().copied().collect();
            let deadline = match snapshot::read(&db, seated).await {
                Ok(snapshot) => self.apply(&snapshot),
                Err(e) => {
                    tracing::error!(error = %e, "chat routing pass failed; trying again");
                    Some(Instant::now() + RETRY_AFTER)
                }
            };
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = sleep => {}
            }
        }
    }

    /// Plans with a fresh snapshot and tells the consoles; returns when to pass again.
    fn apply(&self, snapshot: &plan::Snapshot) -> Option<Instant> {
        let mut state = self.lock();
        state.offer_for = snapshot.offer_for;
        for agent in &snapshot.agents {
            state.chosen.insert(agent.user, agent.presence);
        }
        let now = Instant::now();
        for note in state.book.plan(snapshot, now) {
            match note {
                Note::Offer { chat, agent, until } => {
                    let seconds = until.saturating_duration_since(now).as_secs().max(1);
                    tell(&state.seats, agent, Notice::Offer { chat, seconds });
                }
                Note::Withdrawn { chat, agent } => {
                    tell(&state.seats, agent, Notice::Withdrawn { chat });
                }
            }
        }
        let roster: Vec<Seated> = snapshot
            .agents
            .iter()
            .filter(|a| state.seats.contains_key(&a.user))
            .map(|a| Seated {
                id: a.user,
                name: a.name.clone(),
                presence: a.presence.as_str(),
                active: a.active,
                limit: a.limit,
            })
            .collect();
        if *state.roster != roster {
            state.roster = Arc::new(roster);
            broadcast(&state);
        }
        state.book.next_deadline()
    }
}

/// Tells every console the roster as it is now.
fn broadcast(state: &State) {
    let notice = Notice::Roster(state.roster.clone());
    for consoles in state.seats.values() {
        for console in consoles.values() {
            let _ = console.try_send(notice.clone());
        }
    }
}

/// Tells every console of `agent`. A console whose inbox is full misses the notice; it
/// re-reads its list on every change, and an offer it missed still lapses and moves on.
fn tell(seats: &HashMap<i64, Consoles>, agent: i64, notice: Notice) {
    if let Some(consoles) = seats.get(&agent) {
        for console in consoles.values() {
            let _ = console.try_send(notice.clone());
        }
    }
}
