//! Saved searches ("views"): a name and a query (`q` and the ticket list's filters), owned
//! by one user, listed in their order. Built-in views exist for everyone without being
//! saved; their ids are words (`mine`), saved views' ids are numbers (as strings).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Assignee, Filters, SearchError};
use crate::store::Database;
use crate::tickets::{Status, VISIBLE, Viewer, restricted};

const MAX_NAME: usize = 100;
const MAX_VIEWS: i64 = 100;
const MAX_TAG: usize = 60;

/// What a view runs: the same parameters as `GET /api/v1/search` (without `q`, the ticket
/// list's). `status` is a list (or a comma-separated string); `assignee` is `"me"`,
/// `"none"` or a user id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "statuses"
    )]
    pub status: Vec<Status>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "assignee_out",
        deserialize_with = "assignee_in"
    )]
    pub assignee: Option<Assignee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<i64>,
}

fn statuses<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Status>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    let list = match Form::deserialize(d)? {
        Form::List(list) => list,
        Form::Text(text) => text
            .split(',')
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty())
            .collect(),
    };
    list.iter()
        .map(|s| {
            Status::parse(s.trim()).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown status `{s}` (new, open, pending, resolved, spam, trash)"
                ))
            })
        })
        .collect()
}

fn assignee_in<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Assignee>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Id(i64),
        Text(String),
    }
    match Option::<Form>::deserialize(d)? {
        None => Ok(None),
        Some(Form::Id(id)) => Ok(Some(Assignee::User(id))),
        Some(Form::Text(text)) => Assignee::parse(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("`assignee` is a user id, `me` or `none`")),
    }
}

fn assignee_out<S: Serializer>(value: &Option<Assignee>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        None => s.serialize_none(),
        Some(Assignee::Me) => s.serialize_str("me"),
        Some(Assignee::Nobody) => s.serialize_str("none"),
        Some(Assignee::User(id)) => s.serialize_i64(*id),
    }
}

impl ViewQuery {
    fn check(&self) -> Result<(), SearchError> {
        if let Some(q) = &self.q {
            if q.chars().count() > super::MAX_QUERY {
                return Err(SearchError::Invalid(format!(
                    "`query.q` must be at most {} characters",
                    super::MAX_QUERY
                )));
            }
        }
        if let Some(tag) = &self.tag {
            if tag.trim().is_empty() || tag.chars().count() > MAX_TAG {
                return Err(SearchError::Invalid(format!(
                    "`query.tag` must be 1 to {MAX_TAG} characters"
                )));
            }
        }
        Ok(())
    }

    /// The search this view runs. A blank `q` is no text at all (a plain filtered list).
    pub fn search_parts(&self) -> (Option<String>, Filters) {
        (
            self.q.clone().filter(|q| !q.trim().is_empty()),
            Filters {
                statuses: self.status.clone(),
                assignee: self.assignee,
                department_id: self.department,
                tag: self.tag.clone(),
                contact_id: None,
                updated_since: None,
            },
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub id: String,
    pub name: String,
    pub query: ViewQuery,
    pub builtin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewView {
    pub name: String,
    pub query: ViewQuery,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewPatch {
    pub name: Option<String>,
    pub query: Option<ViewQuery>,
    pub position: Option<i64>,
}

/// The built-in views, for everyone.
pub fn builtin() -> Vec<View> {
    vec![View {
        id: "mine".into(),
        name: "My open tickets".into(),
        query: ViewQuery {
            status: vec![Status::New, Status::Open, Status::Pending],
            assignee: Some(Assignee::Me),
            ..ViewQuery::default()
        },
        builtin: true,
        position: None,
    }]
}

fn name(text: &str) -> Result<String, SearchError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NAME || text.chars().any(char::is_control) {
        return Err(SearchError::Invalid(format!(
            "`name` must be 1 to {MAX_NAME} characters on one line"
        )));
    }
    Ok(text.to_string())
}

/// A saved view's id from the path, or `None` for a word that is no built-in.
fn saved_id(id: &str) -> Option<i64> {
    id.parse().ok().filter(|n| *n > 0)
}

fn load(conn: &Connection, user_id: i64, id: i64) -> Result<Option<View>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT id, name, query, position FROM saved_views WHERE id = ?1 AND user_id = ?2",
    )?
    .query_row(params![id, user_id], row)
    .optional()
}

fn row(r: &rusqlite::Row<'_>) -> Result<View, rusqlite::Error> {
    let query: String = r.get(2)?;
    Ok(View {
        id: r.get::<_, i64>(0)?.to_string(),
        name: r.get(1)?,
        query: serde_json::from_str(&query).unwrap_or_default(),
        builtin: false,
        position: Some(r.get(3)?),
    })
}

fn json(query: &ViewQuery) -> String {
    serde_json::to_string(query).unwrap_or_else(|_| "{}".into())
}

fn name_taken(e: rusqlite::Error, name: &str) -> SearchError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => SearchError::NameTaken(name.into()),
        _ => e.into(),
    }
}

/// The built-in views, then the user's own in their order.
pub async fn list(db: &Database, user_id: i64) -> Result<Vec<View>, SearchError> {
    let saved = db
        .read(move |conn| -> Result<Vec<View>, SearchError> {
            let views = conn
                .prepare_cached(
                    "SELECT id, name, query, position FROM saved_views WHERE user_id = ?1
                     ORDER BY position, id",
                )?
                .query_map([user_id], row)?
                .collect::<Result<_, _>>()?;
            Ok(views)
        })
        .await?;
    let mut all = builtin();
    all.extend(saved);
    Ok(all)
}

/// One view of the user (another user's view is not found).
pub async fn get(db: &Database, user_id: i64, id: &str) -> Result<View, SearchError> {
    if let Some(view) = builtin().into_iter().find(|v| v.id == id) {
        return Ok(view);
    }
    let key = id.to_string();
    let number = saved_id(id).ok_or_else(|| SearchError::NotFound(key.clone()))?;
    db.read(move |conn| -> Result<View, SearchError> {
        load(conn, user_id, number)?.ok_or(SearchError::NotFound(key))
    })
    .await
}

pub async fn create(
    db: &Database,
    now: i64,
    user_id: i64,
    new: NewView,
) -> Result<View, SearchError> {
    let name = name(&new.name)?;
    new.query.check()?;
    let query = json(&new.query);
    db.write(move |conn| -> Result<View, SearchError> {
        let (count, last): (i64, Option<i64>) = conn
            .prepare_cached("SELECT count(*), max(position) FROM saved_views WHERE user_id = ?1")?
            .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if count >= MAX_VIEWS {
            return Err(SearchError::Invalid(format!(
                "at most {MAX_VIEWS} saved views per user"
            )));
        }
        conn.prepare_cached(
            "INSERT INTO saved_views (user_id, name, query, position, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            user_id,
            name,
            query,
            last.map_or(1, |p| p + 1),
            now
        ])
        .map_err(|e| name_taken(e, &name))?;
        let id = conn.last_insert_rowid();
        load(conn, user_id, id)?.ok_or(SearchError::NotFound(id.to_string()))
    })
    .await
}

pub async fn update(
    db: &Database,
    user_id: i64,
    id: &str,
    patch: ViewPatch,
) -> Result<View, SearchError> {
    if builtin().iter().any(|v| v.id == id) {
        return Err(SearchError::BuiltIn);
    }
    let key = id.to_string();
    let number = saved_id(id).ok_or_else(|| SearchError::NotFound(key.clone()))?;
    let new_name = patch.name.as_deref().map(name).transpose()?;
    if let Some(query) = &patch.query {
        query.check()?;
    }
    let query = patch.query.as_ref().map(json);
    db.write(move |conn| -> Result<View, SearchError> {
        if load(conn, user_id, number)?.is_none() {
            return Err(SearchError::NotFound(key));
        }
        conn.prepare_cached(
            "UPDATE saved_views SET name = coalesce(?3, name), query = coalesce(?4, query),
                    position = coalesce(?5, position)
             WHERE id = ?1 AND user_id = ?2",
        )?
        .execute(params![number, user_id, new_name, query, patch.position])
        .map_err(|e| name_taken(e, new_name.as_deref().unwrap_or_default()))?;
        load(conn, user_id, number)?.ok_or(SearchError::NotFound(key))
    })
    .await
}

pub async fn delete(db: &Database, user_id: i64, id: &str) -> Result<(), SearchError> {
    if builtin().iter().any(|v| v.id == id) {
        return Err(SearchError::BuiltIn);
    }
    let key = id.to_string();
    let number = saved_id(id).ok_or_else(|| SearchError::NotFound(key.clone()))?;
    db.write(move |conn| -> Result<(), SearchError> {
        let deleted = conn
            .prepare_cached("DELETE FROM saved_views WHERE id = ?1 AND user_id = ?2")?
            .execute(params![number, user_id])?;
        if deleted == 0 {
            return Err(SearchError::NotFound(key));
        }
        Ok(())
    })
    .await
}

/// How many tickets a viewer may see, by status and assignee, from one grouped query: the
/// count of any view made only of statuses and an assignee is a sum over it, so the ticket
/// list's sidebar counts all its views with one query instead of one per view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally(Vec<(Status, Option<i64>, u64)>);

impl Tally {
    /// Tickets with one of `statuses` (any status when empty) and, when given, this
    /// assignee (`Some(None)`: unassigned), as `ListQuery` says it.
    pub fn count(&self, statuses: &[Status], assignee: Option<Option<i64>>) -> u64 {
        self.0
            .iter()
            .filter(|(status, _, _)| statuses.is_empty() || statuses.contains(status))
            .filter(|(_, who, _)| assignee.is_none_or(|wanted| wanted == *who))
            .map(|(_, _, n)| n)
            .sum()
    }

    /// The count of a saved view's query for its owner `me`, when it is made only of
    /// statuses and an assignee; `None` when it has text, a tag or a department (those
    /// need a query of their own).
    pub fn of_query(&self, query: &ViewQuery, me: i64) -> Option<u64> {
        let text = query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        if text || query.tag.is_some() || query.department.is_some() {
            return None;
        }
        let assignee = query.assignee.map(|a| match a {
            Assignee::Me => Some(me),
            Assignee::Nobody => None,
            Assignee::User(id) => Some(id),
        });
        Some(self.count(&query.status, assignee))
    }
}

/// The viewer's tally: every ticket they may see (the department rule applied as in the
/// ticket list), grouped by assignee and status along the `tickets_assignee` index.
pub async fn tally(db: &Database, viewer: Viewer) -> Result<Tally, SearchError> {
    db.read(move |conn| -> Result<Tally, SearchError> {
        let sql = format!(
            "SELECT t.status, t.assignee_id, count(*) FROM tickets t WHERE {}
             GROUP BY t.assignee_id, t.status",
            VISIBLE.replace("?R", "?1").replace("?U", "?2")
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let rows =
            statement.query_map(params![restricted(conn, viewer)?, viewer.user_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
        let mut groups = Vec::new();
        for row in rows {
            let (status, assignee, n) = row?;
            if let Some(status) = Status::parse(&status) {
                groups.push((status, assignee, u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(Tally(groups))
    })
    .await
}
