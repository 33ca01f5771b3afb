//! Canned responses: texts an agent inserts into a chat (or a reply) instead of typing them
//! again, each with a title, an optional shortcut such as `/refund`, and optionally a
//! department. Admins keep the list (audited); agents read it. An agent whom the account
//! restricts to their departments sees the shared responses (no department) and those of
//! their departments, the same rule as for tickets (`tickets::VISIBLE`).

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::clock::rfc3339;
use crate::store::{Database, StoreError};
use crate::tickets::{self, Viewer};

/// The longest body, in characters (a chat message's limit: an inserted text must fit).
pub const MAX_BODY: usize = super::MAX_MESSAGE_CHARS;
pub const MAX_TITLE: usize = 200;
/// A shortcut's name after the slash.
pub const MAX_SHORTCUT: usize = 32;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Canned {
    pub id: i64,
    pub title: String,
    /// Plain text; whoever shows it escapes it.
    pub body: String,
    /// `/name`, lower case; unique.
    pub shortcut: Option<String>,
    /// `None`: for everyone.
    pub department_id: Option<i64>,
    pub created_by: Option<i64>,
    pub updated_at: String,
}

/// A new canned response, as the API and the panel form give it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCanned {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub shortcut: Option<String>,
    #[serde(default)]
    pub department_id: Option<i64>,
}

/// A change; absent fields stay, `null` clears the shortcut or the department.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CannedPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    #[serde(deserialize_with = "crate::tickets::present")]
    pub shortcut: Option<Option<String>>,
    #[serde(deserialize_with = "crate::tickets::present")]
    pub department_id: Option<Option<i64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CannedError {
    /// Bad input; the message names the field and what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("the shortcut `{0}` is already used by another canned response")]
    ShortcutTaken(String),
    #[error("no such canned response")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CannedError {
    fn from(e: rusqlite::Error) -> Self {
        CannedError::Store(StoreError::Sql(e))
    }
}

fn invalid(message: impl Into<String>) -> CannedError {
    CannedError::Invalid(message.into())
}

fn title(text: &str) -> Result<String, CannedError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TITLE {
        return Err(invalid(format!(
            "`title` must be 1 to {MAX_TITLE} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid("`title` must be one line"));
    }
    Ok(text.to_string())
}

fn body(text: &str) -> Result<String, CannedError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_BODY {
        return Err(invalid(format!(
            "`body` must be 1 to {MAX_BODY} characters of plain text"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid("`body` may not hold control characters"));
    }
    Ok(text.replace("\r\n", "\n"))
}

/// `/refund` (or `refund`): a slash and 1 to 32 of `a-z 0-9 _ -`, kept in lower case. An
/// empty one is none.
pub fn shortcut(text: &str) -> Result<Option<String>, CannedError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let name = text.strip_prefix('/').unwrap_or(text).to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= MAX_SHORTCUT
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(Some(format!("/{name}")))
    } else {
        Err(invalid(format!(
            "`shortcut` is a slash and 1 to {MAX_SHORTCUT} of a-z, 0-9, _ and -, like /refund"
        )))
    }
}

const COLUMNS: &str = "id, title, body, shortcut, department_id, created_by, updated_at";

fn canned_of(row: &Row<'_>) -> rusqlite::Result<Canned> {
    Ok(Canned {
        id: row.get(0)?,
        title: row.get(1)?,
        body: row.get(2)?,
        shortcut: row.get(3)?,
        department_id: row.get(4)?,
        created_by: row.get(5)?,
        updated_at: rfc3339(row.get(6)?),
    })
}

fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Canned>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM canned_responses WHERE id = ?1"
    ))?
    .query_row([id], canned_of)
    .optional()
}

fn check_department(conn: &Connection, department: Option<i64>) -> Result<(), CannedError> {
    let Some(id) = department else {
        return Ok(());
    };
    let exists = conn
        .prepare_cached("SELECT 1 FROM departments WHERE id = ?1")?
        .exists([id])?;
    if exists {
        Ok(())
    } else {
        Err(invalid(format!("no department with id {id}")))
    }
}

fn check_shortcut(
    conn: &Connection,
    shortcut: Option<&str>,
    except: Option<i64>,
) -> Result<(), CannedError> {
    let Some(shortcut) = shortcut else {
        return Ok(());
    };
    let taken = conn
        .prepare_cached("SELECT 1 FROM canned_responses WHERE shortcut = ?1 AND id IS NOT ?2")?
        .exists(params![shortcut, except])?;
    if taken {
        Err(CannedError::ShortcutTaken(shortcut.to_string()))
    } else {
        Ok(())
    }
}

fn audit_detail(canned: &Canned) -> String {
    let mut detail = format!("title: {}", canned.title);
    if let Some(shortcut) = &canned.shortcut {
        detail.push_str(&format!(" shortcut: {shortcut}"));
    }
    if let Some(department) = canned.department_id {
        detail.push_str(&format!(" department: {department}"));
    }
    detail
}

/// The responses `viewer` may use, by title.
pub async fn list_for(db: &Database, viewer: Viewer) -> Result<Vec<Canned>, CannedError> {
    db.read(move |conn| -> Result<Vec<Canned>, CannedError> {
        let restricted = tickets::restricted(conn, viewer)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM canned_responses
             WHERE ?1 = 0 OR department_id IS NULL OR department_id IN
                 (SELECT department_id FROM department_members WHERE user_id = ?2)
             ORDER BY title COLLATE NOCASE, id"
        ))?;
        let list = stmt
            .query_map(params![restricted, viewer.user_id], canned_of)?
            .collect::<Result<_, _>>()?;
        Ok(list)
    })
    .await
}

/// One response, for the admin's edit form.
pub async fn get(db: &Database, id: i64) -> Result<Canned, CannedError> {
    db.read_now(|conn| -> Result<Canned, CannedError> {
        by_id(conn, id)?.ok_or(CannedError::NotFound)
    })
    .await
}

pub async fn create(
    db: &Database,
    now: i64,
    actor: &Actor,
    new: NewCanned,
) -> Result<Canned, CannedError> {
    let (title, body) = (title(&new.title)?, body(&new.body)?);
    let shortcut = new.shortcut.as_deref().map(shortcut).transpose()?.flatten();
    let department = new.department_id;
    let actor = actor.clone();
    db.write(move |conn| -> Result<Canned, CannedError> {
        check_department(conn, department)?;
        check_shortcut(conn, shortcut.as_deref(), None)?;
        let canned = conn
            .prepare_cached(&format!(
                "INSERT INTO canned_responses
                     (title, body, shortcut, department_id, created_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {COLUMNS}"
            ))?
            .query_row(
                params![title, body, shortcut, department, actor.id, now],
                canned_of,
            )?;
        let target = format!("canned_response:{}", canned.id);
        let detail = audit_detail(&canned);
        audit::record(conn, &actor.entry(now, "canned.created", &target, &detail))?;
        Ok(canned)
    })
    .await
}

pub async fn update(
    db: &Database,
    now: i64,
    actor: &Actor,
    id: i64,
    patch: CannedPatch,
) -> Result<Canned, CannedError> {
    let title = patch.title.as_deref().map(title).transpose()?;
    let body = patch.body.as_deref().map(body).transpose()?;
    let shortcut = match patch.shortcut {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => Some(self::shortcut(&text)?),
    };
    let department = patch.department_id;
    let actor = actor.clone();
    db.write(move |conn| -> Result<Canned, CannedError> {
        let current = by_id(conn, id)?.ok_or(CannedError::NotFound)?;
        if let Some(department) = department {
            check_department(conn, department)?;
        }
        if let Some(shortcut) = &shortcut {
            check_shortcut(conn, shortcut.as_deref(), Some(id))?;
        }
        let canned = conn
            .prepare_cached(&format!(
                "UPDATE canned_responses SET title = ?2, body = ?3, shortcut = ?4,
                     department_id = ?5, updated_at = ?6
                 WHERE id = ?1 RETURNING {COLUMNS}"
            ))?
            .query_row(
                params![
                    id,
                    title.unwrap_or(current.title),
                    body.unwrap_or(current.body),
                    shortcut.unwrap_or(current.shortcut),
                    department.unwrap_or(current.department_id),
                    now
                ],
                canned_of,
            )?;
        let target = format!("canned_response:{id}");
        let detail = audit_detail(&canned);
        audit::record(conn, &actor.entry(now, "canned.updated", &target, &detail))?;
        Ok(canned)
    })
    .await
}

pub async fn delete(db: &Database, now: i64, actor: &Actor, id: i64) -> Result<(), CannedError> {
    let actor = actor.clone();
    db.write(move |conn| -> Result<(), CannedError> {
        let canned = by_id(conn, id)?.ok_or(CannedError::NotFound)?;
        conn.prepare_cached("DELETE FROM canned_responses WHERE id = ?1")?
            .execute([id])?;
        let target = format!("canned_response:{id}");
        let detail = audit_detail(&canned);
        audit::record(conn, &actor.entry(now, "canned.deleted", &target, &detail))?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::{Role, account_with_agent};

    const NOW: i64 = 1_700_000_000;

    fn admin() -> Actor {
        Actor {
            id: None,
            name: "admin@x.example".into(),
            ip: "192.0.2.1".into(),
        }
    }

    fn new(title: &str, shortcut: Option<&str>, department: Option<i64>) -> NewCanned {
        NewCanned {
            title: title.into(),
            body: format!("Text of {title}"),
            shortcut: shortcut.map(str::to_string),
            department_id: department,
        }
    }

    fn message(e: CannedError) -> String {
        match e {
            CannedError::Invalid(m) => m,
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn fields_are_checked_and_shortcuts_normalized() {
        assert_eq!(shortcut("/Refund").unwrap().as_deref(), Some("/refund"));
        assert_eq!(
            shortcut("late-order_2").unwrap().as_deref(),
            Some("/late-order_2")
        );
        assert_eq!(shortcut("  ").unwrap(), None);
        for bad in [
            "/",
            "/two words",
            "/ümlaut",
            &format!("/{}", "x".repeat(33)),
        ] {
            assert!(
                message(shortcut(bad).unwrap_err()).contains("`shortcut`"),
                "{bad}"
            );
        }
        assert!(message(title(" ").unwrap_err()).contains("`title`"));
        assert!(message(title("a\nb").unwrap_err()).contains("one line"));
        assert!(message(title(&"t".repeat(201)).unwrap_err()).contains("200"));
        assert_eq!(body(" Hello,\r\nthanks \n").unwrap(), "Hello,\nthanks");
        assert!(message(body(&"b".repeat(MAX_BODY + 1)).unwrap_err()).contains("4000"));
        assert!(body(&"b".repeat(MAX_BODY)).is_ok());
        assert!(message(body("").unwrap_err()).contains("`body`"));
        assert!(message(body("bell\u{7}").unwrap_err()).contains("control"));
    }

    async fn sql(db: &Database, text: &'static str) {
        db.write(move |c| -> Result<(), StoreError> { Ok(c.execute_batch(text)?) })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn restricted_agents_see_the_shared_responses_and_their_departments() {
        let (_dir, db, agent) = account_with_agent().await;
        sql(
            &db,
            "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');",
        )
        .await;
        let member = agent.id;
        db.write(move |c| -> Result<(), StoreError> {
            c.execute(
                "INSERT INTO department_members (department_id, user_id) VALUES (1, ?1)",
                [member],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let by = admin();
        for (title, department) in [
            ("Shared", None),
            ("Sales only", Some(1)),
            ("Support only", Some(2)),
        ] {
            create(&db, NOW, &by, new(title, None, department))
                .await
                .unwrap();
        }
        let titles = |list: Vec<Canned>| list.into_iter().map(|c| c.title).collect::<Vec<_>>();
        let viewer = Viewer::of(&agent);
        // Unrestricted, everyone sees everything.
        let all = titles(list_for(&db, viewer).await.unwrap());
        assert_eq!(all, ["Sales only", "Shared", "Support only"]);
        sql(&db, "INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', 'true', 0);").await;
        let theirs = titles(list_for(&db, viewer).await.unwrap());
        assert_eq!(theirs, ["Sales only", "Shared"]);
        let admin_view = Viewer {
            user_id: agent.id,
            role: Role::Admin,
        };
        assert_eq!(titles(list_for(&db, admin_view).await.unwrap()).len(), 3);
    }

    #[tokio::test]
    async fn create_update_delete_keep_shortcuts_unique_and_are_audited() {
        let (_dir, db, _agent) = account_with_agent().await;
        let by = admin();
        let refund = create(&db, NOW, &by, new("Refund", Some("/refund"), None))
            .await
            .unwrap();
        assert_eq!(refund.shortcut.as_deref(), Some("/refund"));
        assert_eq!(refund.updated_at, rfc3339(NOW));
        let taken = create(&db, NOW, &by, new("Other", Some("/REFUND"), None)).await;
        assert!(matches!(taken, Err(CannedError::ShortcutTaken(s)) if s == "/refund"));
        let bad_department = create(&db, NOW, &by, new("Other", None, Some(9))).await;
        assert!(message(bad_department.unwrap_err()).contains("department"));
        let hello = create(&db, NOW, &by, new("Hello", Some("/hi"), None))
            .await
            .unwrap();

        // A patch changes only what it names; null clears; a taken shortcut is refused.
        let patch: CannedPatch = serde_json::from_str(r#"{"body": "New text"}"#).unwrap();
        let changed = update(&db, NOW + 5, &by, refund.id, patch).await.unwrap();
        assert_eq!(
            (
                changed.title.as_str(),
                changed.body.as_str(),
                changed.shortcut.as_deref()
            ),
            ("Refund", "New text", Some("/refund"))
        );
        assert_eq!(changed.updated_at, rfc3339(NOW + 5));
        let patch: CannedPatch = serde_json::from_str(r#"{"shortcut": "/hi"}"#).unwrap();
        assert!(matches!(
            update(&db, NOW, &by, refund.id, patch).await,
            Err(CannedError::ShortcutTaken(_))
        ));
        let patch: CannedPatch = serde_json::from_str(r#"{"shortcut": "/hi"}"#).unwrap();
        assert!(
            update(&db, NOW, &by, hello.id, patch).await.is_ok(),
            "its own shortcut"
        );
        let patch: CannedPatch = serde_json::from_str(r#"{"shortcut": null}"#).unwrap();
        let cleared = update(&db, NOW, &by, refund.id, patch).await.unwrap();
        assert_eq!(cleared.shortcut, None);
        let patch: CannedPatch = serde_json::from_str(r#"{"title": ""}"#).unwrap();
        assert!(matches!(
            update(&db, NOW, &by, refund.id, patch).await,
            Err(CannedError::Invalid(_))
        ));
        assert!(matches!(
            update(&db, NOW, &by, 999, CannedPatch::default()).await,
            Err(CannedError::NotFound)
        ));

        delete(&db, NOW, &by, refund.id).await.unwrap();
        assert!(matches!(
            get(&db, refund.id).await,
            Err(CannedError::NotFound)
        ));
        assert!(matches!(
            delete(&db, NOW, &by, refund.id).await,
            Err(CannedError::NotFound)
        ));
        let actions: Vec<String> = db
            .read(|c| -> Result<Vec<String>, StoreError> {
                let mut stmt = c.prepare("SELECT action FROM audit_log ORDER BY id")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .unwrap();
        assert_eq!(
            actions,
            [
                "canned.created",
                "canned.created",
                "canned.updated",
                "canned.updated",
                "canned.updated",
                "canned.deleted"
            ]
        );
    }
}
