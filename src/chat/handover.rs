//! Chats changing hands: an agent's presence and limit, transfers to another agent or a
//! department, and invitations of a second agent (who joins and leaves). Each change is one
//! commit; the ones the visitor should know about are events of the chat.

use rusqlite::{Connection, OptionalExtension, params};

use super::routing::Presence;
use super::routing::snapshot_facts;
use super::store::{ChatEvent, agent_event, chat_ref, invalid, ticket_visible};
use super::{ChatError, ChatStatus};
use crate::auth::users::Role;
use crate::store::Database;
use crate::tickets::{self, CheckedPatch, TicketPatch, Viewer};

/// Where a chat is transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Agent(i64),
    Department(i64),
}

/// Remembers the presence an agent chose (it counts while a console of theirs is open).
pub async fn set_presence(db: &Database, user: i64, presence: Presence) -> Result<(), ChatError> {
    db.write(move |conn| -> Result<(), ChatError> {
        conn.prepare_cached(
            "INSERT INTO chat_agents (user_id, presence) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET presence = excluded.presence",
        )?
        .execute(params![user, presence.as_str()])?;
        Ok(())
    })
    .await
}

/// The presence an agent chose last (offline until they choose).
pub async fn presence_of(db: &Database, user: i64) -> Result<Presence, ChatError> {
    db.read_now(move |conn| -> Result<Presence, ChatError> {
        let text: Option<String> = conn
            .prepare_cached("SELECT presence FROM chat_agents WHERE user_id = ?1")?
            .query_row([user], |r| r.get(0))
            .optional()?;
        Ok(text
            .as_deref()
            .and_then(Presence::parse)
            .unwrap_or(Presence::Offline))
    })
    .await
}

/// Refuses a chat to an agent who answers as many as their limit allows.
pub(super) fn check_limit(conn: &Connection, user: i64) -> Result<(), ChatError> {
    let (_, account_limit, _) = super::settings::routing_of(conn)?;
    let Some(facts) = snapshot_facts(conn, user, account_limit)? else {
        return Err(ChatError::NotFound);
    };
    if facts.active >= facts.limit {
        return Err(invalid(
            "at_limit",
            format!(
                "you answer {} chats, your limit; close one first",
                facts.active
            ),
        ));
    }
    Ok(())
}

/// Round robin's memory: when the agent last took a chat.
pub(super) fn note_assignment(conn: &Connection, user: i64, now: i64) -> Result<(), ChatError> {
    conn.prepare_cached(
        "INSERT INTO chat_agents (user_id, last_assigned_at) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = excluded.last_assigned_at",
    )?
    .execute(params![user, now])?;
    Ok(())
}

/// Has `user` joined `chat` on an invitation (and not left)?
pub(super) fn joined(conn: &Connection, chat: i64, user: i64) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT 1 FROM chat_participants
         WHERE chat_id = ?1 AND user_id = ?2 AND joined_at IS NOT NULL AND left_at IS NULL",
    )?
    .exists(params![chat, user])
}

/// An active chat that `viewer` answers (or, for admins, any active chat they may see).
fn answered_by(conn: &Connection, viewer: Viewer, chat: i64) -> Result<i64, ChatError> {
    let current = chat_ref(conn, chat)?;
    let ticket = current.ticket_id.ok_or(ChatError::NotFound)?;
    if !ticket_visible(conn, viewer, ticket)? {
        return Err(ChatError::NotFound);
    }
    match current.status {
        ChatStatus::Closed => Err(ChatError::Closed),
        ChatStatus::Waiting => Err(invalid(
            "not_accepted",
            "accept the chat before handing it on",
        )),
        ChatStatus::Active
            if current.agent_id == Some(viewer.user_id) || viewer.role >= Role::Admin =>
        {
            Ok(ticket)
        }
        ChatStatus::Active => Err(invalid("not_your_chat", "another agent answers this chat")),
    }
}

/// An agent of this account who may see `ticket`: their name.
fn colleague(conn: &Connection, user: i64, ticket: i64) -> Result<String, ChatError> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT name, role FROM users WHERE id = ?1")?
        .query_row([user], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let not_found = || invalid("unknown_agent", format!("no agent with id {user}"));
    let (name, role) = row.ok_or_else(not_found)?;
    let role = Role::parse(&role).ok_or_else(not_found)?;
    let viewer = Viewer {
        user_id: user,
        role,
    };
    if !ticket_visible(conn, viewer, ticket)? {
        return Err(invalid(
            "agent_not_allowed",
            format!("{name} may not see this chat's department"),
        ));
    }
    Ok(name)
}

/// Hands an active chat on: it waits again, unassigned, for the named agent (the router
/// offers it to them alone for a while) or in the named department's queue. The visitor
/// sees a `transferred` event naming where the chat went.
pub async fn transfer(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
    target: Target,
) -> Result<ChatEvent, ChatError> {
    db.write(move |conn| -> Result<ChatEvent, ChatError> {
        let ticket = answered_by(conn, viewer, chat)?;
        let mut patch = TicketPatch {
            assignee_id: Some(None),
            ..Default::default()
        };
        let detail = match target {
            Target::Agent(user) if user == viewer.user_id => {
                return Err(invalid("same_agent", "choose another agent to transfer to"));
            }
            Target::Agent(user) => colleague(conn, user, ticket)?,
            Target::Department(department) => {
                let name: Option<String> = conn
                    .prepare_cached("SELECT name FROM departments WHERE id = ?1")?
                    .query_row([department], |r| r.get(0))
                    .optional()?;
                let name = name.ok_or_else(|| {
                    invalid(
                        "invalid_department",
                        format!("no department with id {department}"),
                    )
                })?;
                conn.prepare_cached("UPDATE chats SET department_id = ?2 WHERE id = ?1")?
                    .execute(params![chat, department])?;
                patch.department_id = Some(Some(department));
                name
            }
        };
        conn.prepare_cached(
            "UPDATE chats SET status = 'waiting', agent_id = NULL, accepted_at = NULL
             WHERE id = ?1",
        )?
        .execute([chat])?;
        tickets::update_in(conn, now, viewer, ticket, CheckedPatch::of(patch)?)?;
        agent_event(
            conn,
            chat,
            "transferred",
            viewer.user_id,
            Some(&detail),
            now,
        )
    })
    .await
}

/// Invites another agent into an active chat; they see it in their console and may join.
pub async fn invite(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
    agent: i64,
) -> Result<(), ChatError> {
    db.write(move |conn| -> Result<(), ChatError> {
        let current = chat_ref(conn, chat)?;
        let ticket = if joined(conn, chat, viewer.user_id)? {
            current.ticket_id.ok_or(ChatError::NotFound)?
        } else {
            answered_by(conn, viewer, chat)?
        };
        if current.agent_id == Some(agent) || joined(conn, chat, agent)? {
            return Err(invalid(
                "already_in_chat",
                "this agent is in the chat already",
            ));
        }
        colleague(conn, agent, ticket)?;
        conn.prepare_cached(
            "INSERT INTO chat_participants (chat_id, user_id, invited_by, invited_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (chat_id, user_id) DO UPDATE SET invited_by = excluded.invited_by,
                 invited_at = excluded.invited_at, joined_at = NULL, left_at = NULL",
        )?
        .execute(params![chat, agent, viewer.user_id, now])?;
        Ok(())
    })
    .await
}

/// An invited agent joins: they may write in the chat, and the visitor sees them join.
pub async fn join(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
) -> Result<ChatEvent, ChatError> {
    db.write(move |conn| -> Result<ChatEvent, ChatError> {
        let current = chat_ref(conn, chat)?;
        if current.status != ChatStatus::Active {
            return Err(ChatError::Closed);
        }
        let invited = conn
            .prepare_cached(
                "UPDATE chat_participants SET joined_at = ?3
                 WHERE chat_id = ?1 AND user_id = ?2 AND joined_at IS NULL AND left_at IS NULL",
            )?
            .execute(params![chat, viewer.user_id, now])?;
        if invited == 0 {
            return Err(invalid(
                "not_invited",
                "join a chat you were invited to (and have not joined yet)",
            ));
        }
        agent_event(conn, chat, "agent_joined", viewer.user_id, None, now)
    })
    .await
}

/// An invited agent leaves (or declines the invitation): `Some(agent_left)` when they had
/// joined, `None` for a declined invitation.
pub async fn leave(
    db: &Database,
    now: i64,
    viewer: Viewer,
    chat: i64,
) -> Result<Option<ChatEvent>, ChatError> {
    db.write(move |conn| -> Result<Option<ChatEvent>, ChatError> {
        let had_joined = joined(conn, chat, viewer.user_id)?;
        let changed = conn
            .prepare_cached(
                "UPDATE chat_participants SET left_at = ?3
                 WHERE chat_id = ?1 AND user_id = ?2 AND left_at IS NULL",
            )?
            .execute(params![chat, viewer.user_id, now])?;
        if changed == 0 {
            return Err(invalid(
                "not_a_participant",
                "only an invited agent leaves a chat; the answering agent transfers or closes it",
            ));
        }
        if !had_joined || chat_ref(conn, chat)?.status == ChatStatus::Closed {
            return Ok(None);
        }
        let left = agent_event(conn, chat, "agent_left", viewer.user_id, None, now)?;
        Ok(Some(left))
    })
    .await
}

/// An agent as the chat settings show them: their presence as chosen, their own limit (if
/// any), the limit that applies, and the chats they answer now.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ChatAgent {
    pub id: i64,
    pub name: String,
    pub presence: &'static str,
    pub max_chats: Option<i64>,
    pub limit: i64,
    pub active: i64,
}

fn chat_agent(conn: &Connection, user: i64) -> Result<Option<ChatAgent>, ChatError> {
    let (_, account_limit, _) = super::settings::routing_of(conn)?;
    let own: Option<i64> = conn
        .prepare_cached("SELECT max_chats FROM chat_agents WHERE user_id = ?1")?
        .query_row([user], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(
        snapshot_facts(conn, user, account_limit)?.map(|facts| ChatAgent {
            id: facts.user,
            name: facts.name,
            presence: facts.presence.as_str(),
            max_chats: own,
            limit: facts.limit,
            active: facts.active,
        }),
    )
}

/// Every user who may answer chats, by name.
pub async fn agents(db: &Database) -> Result<Vec<ChatAgent>, ChatError> {
    db.read(|conn| -> Result<Vec<ChatAgent>, ChatError> {
        let ids: Vec<i64> = conn
            .prepare_cached("SELECT id FROM users ORDER BY name COLLATE NOCASE, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(chat_agent(conn, id)?);
        }
        Ok(out)
    })
    .await
}

/// Gives an agent their own limit (`None`: the account's `agent_limit` applies; 0: they
/// are offered no chats), with an audit entry.
pub async fn set_max_chats(
    db: &Database,
    now: i64,
    actor: &crate::audit::Actor,
    user: i64,
    max_chats: Option<i64>,
) -> Result<ChatAgent, ChatError> {
    let actor = actor.clone();
    if let Some(n) = max_chats.filter(|n| !(0..=100).contains(n)) {
        return Err(invalid(
            "invalid_limit",
            format!("`max_chats` must be between 0 and 100 or null, not {n}"),
        ));
    }
    db.write(move |conn| -> Result<ChatAgent, ChatError> {
        let exists = conn
            .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
            .exists([user])?;
        if !exists {
            return Err(ChatError::NotFound);
        }
        conn.prepare_cached(
            "INSERT INTO chat_agents (user_id, max_chats) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET max_chats = excluded.max_chats",
        )?
        .execute(params![user, max_chats])?;
        let limit = max_chats.map_or("account".to_string(), |n| n.to_string());
        let detail = format!("max_chats={limit}");
        let target = format!("user:{user}");
        let entry = actor.entry(now, "chat.agent_limit", &target, &detail);
        crate::audit::record(conn, &entry)?;
        chat_agent(conn, user)?.ok_or(ChatError::NotFound)
    })
    .await
}
