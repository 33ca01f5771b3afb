//! `/api/v1/tickets…`. Thin: parse, call the store, shape JSON. POSTs honour an
//! `Idempotency-Key` header, so a client's retry returns the first answer instead of
//! making a second ticket or message.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::Idempotency;
use super::{
    Actor, ListQuery, NewMessage, NewTicket, SpamCheck, Status, Ticket, TicketError, TicketPatch,
    Viewer,
};
use crate::app::AppState;
use crate::audit::parse_time_bound;
use crate::auth::Authenticated;
use crate::http::ApiError;
use crate::spam::live::Input;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", get(list).post(create))
        .route(
            "/api/v1/tickets/{id}",
            get(show).patch(change).delete(trash),
        )
        .route("/api/v1/tickets/{id}/messages", post(add_message))
}

/// JSON from raw bytes, with the same errors as `ApiJson` (the raw bytes are kept for the
/// idempotency hash).
fn parse<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected `Content-Type: application/json`",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(
                "invalid_json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            ApiError::unprocessable("invalid_field", format!("{path}: {inner}"))
        }
    })
}

fn idempotency(
    headers: &HeaderMap,
    auth: &Authenticated,
    route: &'static str,
    id: Option<i64>,
    body: &Bytes,
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "`Idempotency-Key` must be 1 to 255 visible characters",
            )
        })?;
    let mut request = id.map(|id| id.to_le_bytes().to_vec()).unwrap_or_default();
    request.extend_from_slice(body);
    Ok(Some(Idempotency {
        user_id: auth.user.id,
        route,
        key: key.to_string(),
        request,
    }))
}

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    let new: NewTicket = parse(&headers, &body)?;
    let idem = idempotency(&headers, &auth, "tickets.create", None, &body)?;
    let spam_check = if auth.spam_check {
        let text = Input::Text {
            subject: new.subject.clone(),
            body: new.message.clone(),
        };
        let judged = state.spam.check(&auth.account.id, &auth.db, text).await;
        judged.map(SpamCheck::new)
    } else {
        None
    };
    let (ticket, _) = super::create_judged(
        &auth.db,
        state.clock.now_unix(),
        &auth.account.slug,
        new,
        Actor::Agent(auth.user.id),
        idem,
        spam_check,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    assignee: Option<String>,
    department: Option<i64>,
    tag: Option<String>,
    contact: Option<i64>,
    updated_since: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// A `status` filter, comma-separated (`open,pending`); empty means any.
pub(crate) fn statuses(text: Option<&str>) -> Result<Vec<Status>, ApiError> {
    match text {
        None | Some("") => Ok(Vec::new()),
        Some(list) => list
            .split(',')
            .map(|s| {
                Status::parse(s.trim()).ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_status",
                        format!("unknown status `{s}` (new, open, pending, resolved, spam, trash)"),
                    )
                })
            })
            .collect(),
    }
}

fn cursor_of(updated_at: &str, id: i64) -> String {
    let at =
        time::OffsetDateTime::parse(updated_at, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .unwrap_or(0);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{at}.{id}"))
}

fn parse_cursor(text: &str) -> Option<(i64, i64)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('.')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}

fn list_query(params: ListParams, me: i64) -> Result<ListQuery, ApiError> {
    let statuses = statuses(params.status.as_deref())?;
    let assignee = match params.assignee.as_deref() {
        None | Some("") => None,
        Some("me") => Some(Some(me)),
        Some("none") => Some(None),
        Some(id) => Some(Some(id.parse().map_err(|_| {
            ApiError::bad_request(
                "invalid_assignee",
                "`assignee` is a user id, `me` or `none`",
            )
        })?)),
    };
    let updated_since = params
        .updated_since
        .as_deref()
        .map(|t| {
            parse_time_bound(t, false).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_time",
                    "`updated_since` must be an RFC 3339 time or a date",
                )
            })
        })
        .transpose()?;
    let after = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            parse_cursor(c).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "`cursor` must be the `next` value of a previous page",
                )
            })
        })
        .transpose()?;
    Ok(ListQuery {
        statuses,
        assignee,
        department_id: params.department,
        tag: params.tag.filter(|t| !t.is_empty()),
        contact_id: params.contact,
        updated_since,
        after,
        limit: params.limit.unwrap_or(25).clamp(1, 100),
    })
}

async fn list(
    auth: Authenticated,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let query = list_query(params, auth.user.id)?;
    let limit = query.limit as usize;
    let tickets = super::list(&auth.db, Viewer::of(&auth.user), query).await?;
    let next = (tickets.len() == limit)
        .then(|| tickets.last().map(|t| cursor_of(&t.updated_at, t.id)))
        .flatten();
    Ok(Json(json!({ "tickets": tickets, "next": next })))
}

async fn show(auth: Authenticated, Path(id): Path<i64>) -> Result<Json<Ticket>, ApiError> {
    Ok(Json(
        super::get(&auth.db, Viewer::of(&auth.user), id).await?,
    ))
}

async fn change(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let patch: TicketPatch = parse(&headers, &body)?;
    let ticket = super::update(
        &auth.db,
        state.clock.now_unix(),
        Viewer::of(&auth.user),
        id,
        patch,
    )
    .await?;
    Ok(Json(json!(ticket)))
}

/// DELETE moves the ticket to the trash (a status); it can be restored with PATCH.
async fn trash(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let patch = TicketPatch {
        status: Some(Status::Trash),
        ..TicketPatch::default()
    };
    let ticket = super::update(
        &auth.db,
        state.clock.now_unix(),
        Viewer::of(&auth.user),
        id,
        patch,
    )
    .await?;
    Ok(Json(json!(ticket)))
}

async fn add_message(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new: NewMessage = parse(&headers, &body)?;
    let idem = idempotency(&headers, &auth, "tickets.message", Some(id), &body)?;
    let message = super::add_message_mailed(
        &auth.db,
        state.clock.now_unix(),
        Some(Viewer::of(&auth.user)),
        id,
        new,
        Actor::Agent(auth.user.id),
        idem,
        state.mail.identity.clone(),
    )
    .await?;
    // A reply queued its mail in that commit: the relay task sends it now.
    state.mail.queued();
    Ok((StatusCode::CREATED, Json(json!(message))))
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::NotFound(_) => ApiError::not_found(e.to_string()),
            TicketError::Invalid(_) => ApiError::unprocessable("invalid_field", e.to_string()),
            TicketError::KeyReused => {
                ApiError::unprocessable("idempotency_key_reused", e.to_string())
            }
            TicketError::Contact(e) => e.into(),
            TicketError::Store(e) => e.into(),
            TicketError::Spam(e) => e.into(),
        }
    }
}
