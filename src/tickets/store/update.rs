//! Updating a ticket's fields: the patch, its checks, and one event per changed field.

use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    Actor, Viewer, check_department, check_user, custom, event, load, present, set_tags, subject,
    tags, touch, visible,
};
use crate::store::Database;
use crate::tickets::{Priority, Status, Ticket, TicketError};

/// Absent fields stay; `"assignee_id": null` unassigns, `"department_id": null` clears.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketPatch {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    #[serde(deserialize_with = "present")]
    pub assignee_id: Option<Option<i64>>,
    #[serde(deserialize_with = "present")]
    pub department_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub custom: Option<Map<String, Value>>,
}

/// Applies a patch; each changed field becomes an event. Returns the ticket as it is now.
pub async fn update(
    db: &Database,
    now: i64,
    viewer: Viewer,
    id: i64,
    patch: TicketPatch,
) -> Result<Ticket, TicketError> {
    let patch = CheckedPatch::of(patch)?;
    db.write(move |conn| update_in(conn, now, viewer, id, patch))
        .await
}

/// A patch whose values were checked (outside the write transaction).
pub(crate) struct CheckedPatch {
    patch: TicketPatch,
    subject: Option<String>,
    tags: Option<Vec<String>>,
    custom: Option<String>,
}

impl CheckedPatch {
    pub(crate) fn of(patch: TicketPatch) -> Result<CheckedPatch, TicketError> {
        Ok(CheckedPatch {
            subject: patch.subject.as_deref().map(subject).transpose()?,
            tags: patch.tags.as_deref().map(tags).transpose()?,
            custom: patch.custom.as_ref().map(custom).transpose()?,
            patch,
        })
    }

    /// Only a new status.
    pub(crate) fn status(status: Status) -> CheckedPatch {
        CheckedPatch {
            patch: TicketPatch {
                status: Some(status),
                ..TicketPatch::default()
            },
            subject: None,
            tags: None,
            custom: None,
        }
    }
}

/// `update` inside the caller's write transaction: each changed field an event, by the
/// viewer, who must see the ticket.
pub(crate) fn update_in(
    conn: &Connection,
    now: i64,
    viewer: Viewer,
    id: i64,
    checked: CheckedPatch,
) -> Result<Ticket, TicketError> {
    let CheckedPatch {
        patch,
        subject,
        tags,
        custom,
    } = checked;
    let actor = Actor::Agent(viewer.user_id);
    {
        if !visible(conn, viewer, id)? {
            return Err(TicketError::NotFound(id));
        }
        let before = load(conn, id, false)?.ok_or(TicketError::NotFound(id))?;
        let mut changed = false;
        let mut set = |field: &str,
                       column: &str,
                       old: Option<String>,
                       new: Option<String>,
                       value: &dyn rusqlite::ToSql|
         -> Result<(), TicketError> {
            if old != new {
                conn.execute(
                    &format!("UPDATE tickets SET {column} = ?2 WHERE id = ?1"),
                    params![id, value],
                )?;
                event(conn, id, now, actor, field, old.as_deref(), new.as_deref())?;
                changed = true;
            }
            Ok(())
        };
        if let Some(subject) = &subject {
            set(
                "subject",
                "subject",
                Some(before.subject.clone()),
                Some(subject.clone()),
                subject,
            )?;
        }
        if let Some(status) = patch.status {
            set(
                "status",
                "status",
                Some(before.status.as_str().into()),
                Some(status.as_str().into()),
                &status.as_str(),
            )?;
        }
        if let Some(priority) = patch.priority {
            set(
                "priority",
                "priority",
                Some(before.priority.as_str().into()),
                Some(priority.as_str().into()),
                &priority.as_str(),
            )?;
        }
        if let Some(assignee) = patch.assignee_id {
            if let Some(user) = assignee {
                check_user(conn, user)?;
            }
            let old = before.assignee.as_ref().map(|a| a.id.to_string());
            set(
                "assignee",
                "assignee_id",
                old,
                assignee.map(|a| a.to_string()),
                &assignee,
            )?;
        }
        if let Some(department) = patch.department_id {
            if let Some(department) = department {
                check_department(conn, department)?;
            }
            let old = before.department.as_ref().map(|d| d.id.to_string());
            set(
                "department",
                "department_id",
                old,
                department.map(|d| d.to_string()),
                &department,
            )?;
        }
        if let Some(custom) = &custom {
            let old = serde_json::to_string(&before.custom).ok();
            set("custom", "custom", old, Some(custom.clone()), custom)?;
        }
        if let Some(tags) = &tags {
            let mut sorted = tags.clone();
            sorted.sort();
            if sorted != before.tags {
                set_tags(conn, id, &sorted)?;
                event(
                    conn,
                    id,
                    now,
                    actor,
                    "tags",
                    Some(&before.tags.join(",")),
                    Some(&sorted.join(",")),
                )?;
                changed = true;
            }
        }
        if subject.as_ref().is_some_and(|s| *s != before.subject) {
            crate::search::queue_ticket(conn, id)?;
        }
        if changed {
            touch(conn, id, now)?;
        }
        load(conn, id, true)?.ok_or(TicketError::NotFound(id))
    }
}
