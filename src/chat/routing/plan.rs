//! Who is offered which waiting chat: the decisions of the router, without I/O, so that
//! every rule is tested with plain values.
//!
//! Each pass gets a fresh [`Snapshot`] of the database (waiting chats, the seated agents'
//! presence, limits and load) and the [`Book`] of what is in flight in memory (open offers,
//! agents who let an offer pass, transfers to a named agent). A waiting chat is offered to
//! one agent at a time; an offer counts against the agent's limit like an active chat, so
//! an agent at limit 1 with an open offer is offered nothing else.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How the next agent is chosen among those who may take a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fewest active chats (and open offers) first.
    LeastBusy,
    /// The agent offered a chat longest ago first.
    RoundRobin,
}

impl Mode {
    pub fn parse(text: &str) -> Mode {
        match text {
            "round_robin" => Mode::RoundRobin,
            _ => Mode::LeastBusy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Online,
    Away,
    Offline,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    pub fn parse(text: &str) -> Option<Presence> {
        match text {
            "online" => Some(Presence::Online),
            "away" => Some(Presence::Away),
            "offline" => Some(Presence::Offline),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WaitingChat {
    pub id: i64,
    pub department: Option<i64>,
}

/// A seated agent (one with a console connected), as the database knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentFacts {
    pub user: i64,
    pub name: String,
    pub presence: Presence,
    /// Chats they answer at once (their own limit, or the account's).
    pub limit: i64,
    /// Chats they answer now.
    pub active: i64,
    /// Unix time they last took a chat (0: never).
    pub last_assigned_at: i64,
    /// `None`: every department; `Some(list)`: only these (and chats without one).
    pub departments: Option<Vec<i64>>,
}

impl AgentFacts {
    fn may_take(&self, chat: &WaitingChat) -> bool {
        match (&self.departments, chat.department) {
            (None, _) | (Some(_), None) => true,
            (Some(mine), Some(department)) => mine.contains(&department),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub mode: Mode,
    pub offer_for: Duration,
    /// Oldest first.
    pub waiting: Vec<WaitingChat>,
    pub agents: Vec<AgentFacts>,
}

/// What the router tells one agent's consoles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Offer {
        chat: i64,
        agent: i64,
        until: Instant,
    },
    Withdrawn {
        chat: i64,
        agent: i64,
    },
}

#[derive(Debug, Clone, Copy)]
struct Offer {
    agent: i64,
    until: Instant,
}

/// What is in flight: open offers, who let which chat pass (and until when they are not
/// asked again), and transfers pinned to one agent.
#[derive(Debug, Default)]
pub struct Book {
    offers: HashMap<i64, Offer>,
    passed: HashMap<(i64, i64), Instant>,
    pinned: HashMap<i64, (i64, Instant)>,
    /// Per agent, the order of their latest offer (round robin's memory).
    offered: HashMap<i64, u64>,
    offers_made: u64,
}

impl Book {
    /// The agent declined `chat`: it moves on, and they are not asked again for one offer
    /// period (after that, with nobody else to take it, they are asked again).
    pub fn decline(&mut self, chat: i64, agent: i64, now: Instant, offer_for: Duration) -> bool {
        match self.offers.get(&chat) {
            Some(offer) if offer.agent == agent => {
                self.offers.remove(&chat);
                self.passed.insert((chat, agent), now + offer_for);
                true
            }
            _ => false,
        }
    }

    /// A transferred chat is offered to `agent` alone until `until`, then to anyone.
    pub fn pin(&mut self, chat: i64, agent: i64, until: Instant) {
        self.offers.remove(&chat);
        self.passed.remove(&(chat, agent));
        self.pinned.insert(chat, (agent, until));
    }

    /// The open offers to `agent`, for a console that just connected.
    pub fn offers_to(&self, agent: i64) -> Vec<(i64, Instant)> {
        let mut offers: Vec<(i64, Instant)> = self
            .offers
            .iter()
            .filter(|(_, o)| o.agent == agent)
            .map(|(chat, o)| (*chat, o.until))
            .collect();
        offers.sort_unstable();
        offers
    }

    /// When the next pass is due even if nothing happens: the first offer or pass to end.
    pub fn next_deadline(&self) -> Option<Instant> {
        let offers = self.offers.values().map(|o| o.until);
        let passes = self.passed.values().copied();
        let pins = self.pinned.values().map(|(_, until)| *until);
        offers.chain(passes).chain(pins).min()
    }

    /// One routing pass: ends what is over, then offers each waiting chat without an offer
    /// to the best agent who may take it. Returns what to tell the agents.
    pub fn plan(&mut self, snapshot: &Snapshot, now: Instant) -> Vec<Note> {
        let mut notes = Vec::new();
        let waiting: HashSet<i64> = snapshot.waiting.iter().map(|c| c.id).collect();
        let online: HashMap<i64, &AgentFacts> = snapshot
            .agents
            .iter()
            .filter(|a| a.presence == Presence::Online)
            .map(|a| (a.user, a))
            .collect();

        let mut ended = Vec::new();
        for (chat, offer) in &self.offers {
            let lapsed = offer.until <= now;
            if lapsed || !waiting.contains(chat) || !online.contains_key(&offer.agent) {
                ended.push((*chat, offer.agent, lapsed && waiting.contains(chat)));
            }
        }
        for (chat, agent, lapsed) in ended {
            self.offers.remove(&chat);
            if lapsed {
                self.passed.insert((chat, agent), now + snapshot.offer_for);
            }
            notes.push(Note::Withdrawn { chat, agent });
        }
        self.passed
            .retain(|(chat, _), until| *until > now && waiting.contains(chat));
        self.pinned
            .retain(|chat, (_, until)| *until > now && waiting.contains(chat));

        let mut load: HashMap<i64, i64> = online.values().map(|a| (a.user, a.active)).collect();
        for offer in self.offers.values() {
            *load.entry(offer.agent).or_default() += 1;
        }
        for chat in &snapshot.waiting {
            if self.offers.contains_key(&chat.id) {
                continue;
            }
            let pinned = self.pinned.get(&chat.id).map(|(agent, _)| *agent);
            let chosen = online
                .values()
                .filter(|a| pinned.is_none_or(|p| p == a.user))
                .filter(|a| load.get(&a.user).copied().unwrap_or(0) < a.limit)
                .filter(|a| a.may_take(chat))
                .filter(|a| !self.passed.contains_key(&(chat.id, a.user)))
                .min_by_key(|a| {
                    let offered = self.offered.get(&a.user).copied().unwrap_or(0);
                    let busy = match snapshot.mode {
                        Mode::LeastBusy => load.get(&a.user).copied().unwrap_or(0),
                        Mode::RoundRobin => 0,
                    };
                    (busy, offered, a.last_assigned_at, a.user)
                })
                .map(|a| a.user);
            let Some(agent) = chosen else {
                continue;
            };
            let until = now + snapshot.offer_for;
            self.offers.insert(chat.id, Offer { agent, until });
            self.offers_made += 1;
            self.offered.insert(agent, self.offers_made);
            *load.entry(agent).or_default() += 1;
            notes.push(Note::Offer {
                chat: chat.id,
                agent,
                until,
            });
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: Duration = Duration::from_secs(30);

    fn agent(user: i64, limit: i64, active: i64) -> AgentFacts {
        AgentFacts {
            user,
            name: format!("Agent {user}"),
            presence: Presence::Online,
            limit,
            active,
            last_assigned_at: 0,
            departments: None,
        }
    }

    fn chat(id: i64) -> WaitingChat {
        WaitingChat {
            id,
            department: None,
        }
    }

    fn snapshot(mode: Mode, waiting: Vec<WaitingChat>, agents: Vec<AgentFacts>) -> Snapshot {
        Snapshot {
            mode,
            offer_for: OFFER,
            waiting,
            agents,
        }
    }

    fn offers(notes: &[Note]) -> Vec<(i64, i64)> {
        notes
            .iter()
            .filter_map(|n| match n {
                Note::Offer { chat, agent, .. } => Some((*chat, *agent)),
                Note::Withdrawn { .. } => None,
            })
            .collect()
    }

    #[test]
    fn two_agents_at_limit_one_leave_the_third_chat_waiting_until_one_frees_up() {
        let mut book = Book::default();
        let now = Instant::now();
        let agents = vec![agent(1, 1, 0), agent(2, 1, 0)];
        let all = vec![chat(10), chat(11), chat(12)];
        let notes = book.plan(&snapshot(Mode::LeastBusy, all.clone(), agents), now);
        assert_eq!(offers(&notes), vec![(10, 1), (11, 2)], "chat 12 waits");

        // Both accept: their chats are active, and 12 still finds nobody below the limit.
        let busy = vec![agent(1, 1, 1), agent(2, 1, 1)];
        let notes = book.plan(&snapshot(Mode::LeastBusy, vec![chat(12)], busy), now);
        assert!(offers(&notes).is_empty());

        // Agent 2 closes their chat: 12 goes to them.
        let freed = vec![agent(1, 1, 1), agent(2, 1, 0)];
        let notes = book.plan(&snapshot(Mode::LeastBusy, vec![chat(12)], freed), now);
        assert_eq!(offers(&notes), vec![(12, 2)]);
    }

    #[test]
    fn an_unanswered_offer_moves_to_the_next_agent_and_comes_back_after_a_period() {
        let mut book = Book::default();
        let start = Instant::now();
        let agents = vec![agent(1, 2, 0), agent(2, 2, 0)];
        let snap = snapshot(Mode::RoundRobin, vec![chat(10)], agents);
        let first = offers(&book.plan(&snap, start));
        assert_eq!(first, vec![(10, 1)]);
        assert_eq!(book.next_deadline(), Some(start + OFFER));

        let lapsed = start + OFFER;
        let notes = book.plan(&snap, lapsed);
        assert!(notes.contains(&Note::Withdrawn { chat: 10, agent: 1 }));
        assert_eq!(offers(&notes), vec![(10, 2)], "the next agent is asked");

        let notes = book.plan(&snap, lapsed + OFFER);
        assert_eq!(offers(&notes), vec![(10, 1)], "then the first again");
    }

    #[test]
    fn a_declined_chat_goes_to_the_next_agent_at_once() {
        let mut book = Book::default();
        let now = Instant::now();
        let snap = snapshot(
            Mode::LeastBusy,
            vec![chat(10)],
            vec![agent(1, 3, 0), agent(2, 3, 1)],
        );
        assert_eq!(offers(&book.plan(&snap, now)), vec![(10, 1)]);
        assert!(book.decline(10, 1, now, OFFER));
        assert!(
            !book.decline(10, 1, now, OFFER),
            "declining twice is nothing"
        );
        assert_eq!(offers(&book.plan(&snap, now)), vec![(10, 2)]);
    }

    #[test]
    fn least_busy_prefers_fewer_chats_and_round_robin_takes_turns() {
        let agents = vec![agent(1, 5, 2), agent(2, 5, 0), agent(3, 5, 1)];
        let waiting = vec![chat(10), chat(11), chat(12)];
        let now = Instant::now();
        let mut book = Book::default();
        let notes = book.plan(
            &snapshot(Mode::LeastBusy, waiting.clone(), agents.clone()),
            now,
        );
        // 2 has the fewest; then 2 and 3 tie at one and 3 was offered less recently.
        assert_eq!(offers(&notes), vec![(10, 2), (11, 3), (12, 2)]);

        let mut book = Book::default();
        let notes = book.plan(&snapshot(Mode::RoundRobin, waiting, agents), now);
        assert_eq!(offers(&notes), vec![(10, 1), (11, 2), (12, 3)]);
    }

    #[test]
    fn round_robin_starts_with_whoever_took_a_chat_longest_ago() {
        let mut recent = agent(1, 5, 0);
        recent.last_assigned_at = 2_000;
        let mut earlier = agent(2, 5, 0);
        earlier.last_assigned_at = 1_000;
        let mut book = Book::default();
        let snap = snapshot(Mode::RoundRobin, vec![chat(10)], vec![recent, earlier]);
        assert_eq!(offers(&book.plan(&snap, Instant::now())), vec![(10, 2)]);
    }

    #[test]
    fn away_and_offline_agents_and_other_departments_get_no_offers() {
        let mut away = agent(1, 5, 0);
        away.presence = Presence::Away;
        let mut offline = agent(2, 5, 0);
        offline.presence = Presence::Offline;
        let mut sales = agent(3, 5, 0);
        sales.departments = Some(vec![7]);
        let support_chat = WaitingChat {
            id: 10,
            department: Some(8),
        };
        let sales_chat = WaitingChat {
            id: 11,
            department: Some(7),
        };
        let mut book = Book::default();
        let snap = snapshot(
            Mode::LeastBusy,
            vec![support_chat, sales_chat, chat(12)],
            vec![away, offline, sales],
        );
        assert_eq!(
            offers(&book.plan(&snap, Instant::now())),
            vec![(11, 3), (12, 3)]
        );
    }

    #[test]
    fn an_agent_going_away_loses_their_offer_to_the_next() {
        let mut book = Book::default();
        let now = Instant::now();
        let agents = vec![agent(1, 1, 0), agent(2, 1, 0)];
        book.plan(&snapshot(Mode::RoundRobin, vec![chat(10)], agents), now);
        let mut away = agent(1, 1, 0);
        away.presence = Presence::Away;
        let notes = book.plan(
            &snapshot(Mode::RoundRobin, vec![chat(10)], vec![away, agent(2, 1, 0)]),
            now,
        );
        assert!(notes.contains(&Note::Withdrawn { chat: 10, agent: 1 }));
        assert_eq!(offers(&notes), vec![(10, 2)]);
    }

    #[test]
    fn a_chat_taken_by_someone_else_withdraws_the_offer() {
        let mut book = Book::default();
        let now = Instant::now();
        let agents = vec![agent(1, 1, 0)];
        book.plan(&snapshot(Mode::LeastBusy, vec![chat(10)], agents), now);
        let notes = book.plan(
            &snapshot(Mode::LeastBusy, vec![], vec![agent(1, 1, 0)]),
            now,
        );
        assert_eq!(notes, vec![Note::Withdrawn { chat: 10, agent: 1 }]);
        assert_eq!(book.next_deadline(), None);
    }

    #[test]
    fn a_transfer_to_an_agent_waits_for_them_then_goes_to_anyone() {
        let mut book = Book::default();
        let now = Instant::now();
        book.pin(10, 2, now + OFFER);
        let agents = vec![agent(1, 3, 0), agent(2, 1, 1)];
        let snap = snapshot(Mode::LeastBusy, vec![chat(10)], agents.clone());
        assert!(offers(&book.plan(&snap, now)).is_empty(), "2 is at limit");
        let freed = vec![agent(1, 3, 0), agent(2, 1, 0)];
        let snap_freed = snapshot(Mode::LeastBusy, vec![chat(10)], freed);
        let notes = book.plan(&snap_freed, now);
        assert_eq!(offers(&notes), vec![(10, 2)]);
        let notes = book.plan(&snap, now + OFFER);
        assert_eq!(offers(&notes), vec![(10, 1)], "after the pin, anyone");
    }
}
