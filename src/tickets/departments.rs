//! Departments: named groups of agents that tickets can belong to. With the account's
//! `tickets.departments_restricted` setting on, an agent sees only tickets of their own
//! departments and tickets without one; the owner and admins see everything.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::store::RESTRICTED_SETTING;
use crate::app::AppState;
use crate::auth::{AdminAuth, Authenticated};
use crate::http::{ApiError, ApiJson};
use crate::store::{Database, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/departments", get(list).post(create))
        .route("/api/v1/departments/{id}/members", put(set_members))
        .route(
            "/api/v1/settings/departments",
            get(show_setting).put(set_setting),
        )
}

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub members: Vec<i64>,
}

pub async fn all(db: &Database) -> Result<Vec<Department>, StoreError> {
    db.read(|conn| -> Result<_, StoreError> {
        let mut stmt = conn.prepare("SELECT id, name FROM departments ORDER BY name")?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut members = conn.prepare(
            "SELECT user_id FROM department_members WHERE department_id = ?1 ORDER BY user_id",
        )?;
        let mut out = Vec::new();
        for (id, name) in rows {
            let ids = members
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            out.push(Department {
                id,
                name,
                members: ids,
            });
        }
        Ok(out)
    })
    .await
}

async fn list(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "departments": all(&auth.db).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDepartment {
    name: String,
}

async fn create(
    auth: AdminAuth,
    ApiJson(body): ApiJson<NewDepartment>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable(
            "invalid_field",
            "a department name is 1 to 100 characters",
        ));
    }
    let created = auth
        .db
        .write(move |conn| -> Result<Option<i64>, StoreError> {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO departments (name) VALUES (?1)",
                [&name],
            )?;
            Ok((inserted == 1).then(|| conn.last_insert_rowid()))
        })
        .await?;
    let id = created
        .ok_or_else(|| ApiError::conflict("name_taken", "a department with this name exists"))?;
    let department = all(&auth.db).await?.into_iter().find(|d| d.id == id);
    Ok((StatusCode::CREATED, Json(json!(department))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Members {
    user_ids: Vec<i64>,
}

async fn set_members(
    auth: AdminAuth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Members>,
) -> Result<Json<Value>, ApiError> {
    let users = body.user_ids;
    let outcome = auth
        .db
        .write(move |conn| -> Result<Result<(), String>, StoreError> {
            if !conn.prepare("SELECT 1 FROM departments WHERE id = ?1")?.exists([id])? {
                return Ok(Err(format!("no department with id {id}")));
            }
            for user in &users {
                if !conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?.exists([user])? {
                    return Ok(Err(format!("no user with id {user}")));
                }
            }
            conn.execute("DELETE FROM department_members WHERE department_id = ?1", [id])?;
            for user in &users {
                conn.execute("INSERT OR IGNORE INTO department_members (department_id, user_id) VALUES (?1, ?2)", params![id, user])?;
            }
            Ok(Ok(()))
        })
        .await?;
    outcome.map_err(|e| {
        if e.starts_with("no department") {
            ApiError::not_found(e)
        } else {
            ApiError::unprocessable("invalid_field", e)
        }
    })?;
    let department = all(&auth.db).await?.into_iter().find(|d| d.id == id);
    Ok(Json(json!(department)))
}

async fn show_setting(auth: AdminAuth) -> Result<Json<Value>, ApiError> {
    let restricted = auth
        .db
        .read(|conn| -> Result<bool, StoreError> {
            let value: Option<String> = conn
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [RESTRICTED_SETTING],
                    |r| r.get(0),
                )
                .ok();
            Ok(value.as_deref() == Some("true"))
        })
        .await?;
    Ok(Json(json!({ "restricted": restricted })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    restricted: bool,
}

async fn set_setting(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(body): ApiJson<Setting>,
) -> Result<Json<Value>, ApiError> {
    let (now, actor, restricted) = (state.clock.now_unix(), auth.actor(), body.restricted);
    auth.db
        .write(move |conn| -> Result<(), StoreError> {
            conn.execute(
                "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
                params![RESTRICTED_SETTING, restricted.to_string(), now],
            )?;
            let detail = format!("restricted={restricted}");
            crate::audit::record(conn, &actor.entry(now, "settings.departments", "account", &detail))?;
            Ok(())
        })
        .await?;
    Ok(Json(json!({ "restricted": restricted })))
}
