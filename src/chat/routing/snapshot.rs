//! The router's read of the database for one pass: the routing settings, the waiting chats
//! in order, and for each seated agent their presence, limit, load and departments.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::plan::{AgentFacts, Mode, Presence, Snapshot, WaitingChat};
use crate::chat::ChatError;
use crate::chat::settings;
use crate::store::Database;
use crate::tickets::{self, Viewer};

/// Waiting chats considered per pass; more wait for the next (the oldest go first).
const WAITING_PER_PASS: u32 = 1000;

pub async fn read(db: &Database, seated: Vec<i64>) -> Result<Snapshot, ChatError> {
    db.read(move |conn| -> Result<Snapshot, ChatError> {
        let (mode, account_limit, offer_seconds) = settings::routing_of(conn)?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, department_id FROM chats
             WHERE status = 'waiting' AND ticket_id IS NOT NULL
             ORDER BY created_at, id LIMIT ?1",
        )?;
        let waiting = stmt
            .query_map([WAITING_PER_PASS], |r| {
                Ok(WaitingChat {
                    id: r.get(0)?,
                    department: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut agents = Vec::with_capacity(seated.len());
        for user in seated {
            if let Some(facts) = agent_facts(conn, user, account_limit)? {
                agents.push(facts);
            }
        }
        Ok(Snapshot {
            mode: Mode::parse(&mode),
            offer_for: Duration::from_secs(u64::try_from(offer_seconds).unwrap_or(30)),
            waiting,
            agents,
        })
    })
    .await
}

/// name, role, chosen presence, own limit, last assignment.
type AgentRow = (String, String, Option<String>, Option<i64>, Option<i64>);

/// One agent's facts; `None` when the user no longer exists.
pub(crate) fn agent_facts(
    conn: &Connection,
    user: i64,
    account_limit: i64,
) -> Result<Option<AgentFacts>, ChatError> {
    let row: Option<AgentRow> = conn
        .prepare_cached(
            "SELECT u.name, u.role, a.presence, a.max_chats, a.last_assigned_at
             FROM users u LEFT JOIN chat_agents a ON a.user_id = u.id WHERE u.id = ?1",
        )?
        .query_row([user], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((name, role, presence, max_chats, last_assigned_at)) = row else {
        return Ok(None);
    };
    let Some(role) = crate::auth::users::Role::parse(&role) else {
        return Ok(None);
    };
    let viewer = Viewer {
        user_id: user,
        role,
    };
    let departments = if tickets::restricted(conn, viewer)? {
        let mut stmt =
            conn.prepare_cached("SELECT department_id FROM department_members WHERE user_id = ?1")?;
        let list = stmt
            .query_map([user], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Some(list)
    } else {
        None
    };
    Ok(Some(AgentFacts {
        user,
        name,
        presence: presence
            .as_deref()
            .and_then(Presence::parse)
            .unwrap_or(Presence::Offline),
        limit: max_chats.unwrap_or(account_limit),
        active: active_chats(conn, user)?,
        last_assigned_at: last_assigned_at.unwrap_or(0),
        departments,
    }))
}

/// The chats `user` answers now.
pub(crate) fn active_chats(conn: &Connection, user: i64) -> Result<i64, rusqlite::Error> {
    conn.prepare_cached("SELECT count(*) FROM chats WHERE status = 'active' AND agent_id = ?1")?
        .query_row(params![user], |r| r.get(0))
}
