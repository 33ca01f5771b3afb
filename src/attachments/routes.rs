//! `/api/v1/tickets/{id}/attachments`, `/api/v1/attachments/{id}[/preview]`, and the agent
//! panel's `/agent/attachments/{id}[/preview]` (same responses, panel session instead of API
//! credentials, behind the panel's IP allowlist).
//!
//! An upload is the raw file as the request body. It is read with a running count and
//! refused with 413 as soon as it passes `Config::attachment_max_bytes` (at once when
//! `Content-Length` already says so), so an oversized upload is never buffered whole. The
//! file is held in memory until its one write transaction (never on disk unencrypted); the
//! bytes all uploads in flight may hold are bounded by `UPLOAD_BUDGET_KIB`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::{Attachment, AttachmentError, Upload, Uploader};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::http::ApiError;
use crate::panel::SignedIn;
use crate::store::Database;
use crate::tickets::Viewer;

/// What every served file carries besides its type, length and disposition: the browser
/// must not guess another type, must treat a document it opens as a sandboxed origin that
/// may load nothing, and must not keep a copy.
pub const FILE_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "sandbox; default-src 'none'"),
    ("cache-control", "private, no-store"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Upload bytes all requests together may hold in memory while waiting for their
/// transaction (256 MiB): ten default-sized uploads at once; more wait for a turn.
const UPLOAD_BUDGET_KIB: usize = 256 * 1024;
static UPLOAD_BUDGET: Semaphore = Semaphore::const_new(UPLOAD_BUDGET_KIB);

/// Holds `bytes` (at least 1 KiB, at most the whole budget) of the upload budget for as long
/// as the permit lives: the panel's multipart uploads share the API's budget.
pub(crate) async fn upload_budget(
    bytes: u64,
) -> Result<tokio::sync::SemaphorePermit<'static>, ApiError> {
    let kib = usize::try_from(bytes.div_ceil(1024))
        .unwrap_or(UPLOAD_BUDGET_KIB)
        .clamp(1, UPLOAD_BUDGET_KIB);
    UPLOAD_BUDGET
        .acquire_many(u32::try_from(kib).unwrap_or(u32::MAX))
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))
}

/// `routes(state)`: the panel's two routes pass the panel allowlist first, as every panel
/// page does (`panel::allowlist_guard`).
pub fn routes(state: AppState) -> Router<AppState> {
    let panel = Router::new()
        .route("/agent/attachments/{id}", get(panel_download))
        .route("/agent/attachments/{id}/preview", get(panel_preview))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            crate::panel::allowlist_guard,
        ));
    Router::new()
        .route("/api/v1/tickets/{id}/attachments", get(list).post(upload))
        .route("/api/v1/attachments/{id}", get(download))
        .route("/api/v1/attachments/{id}/preview", get(preview))
        .merge(panel)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct UploadParams {
    filename: Option<String>,
    message_id: Option<i64>,
}

fn too_large(limit: u64) -> ApiError {
    AttachmentError::TooLarge { limit }.into()
}

/// `POST /api/v1/tickets/{id}/attachments`: the body is the file; `Content-Type` its
/// declared type; the name from `?filename=` or `Content-Disposition: attachment;
/// filename="…"` (or `filename*=UTF-8''…`); `?message_id=` ties it to a message.
async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ticket_id): Path<i64>,
    params: Result<Query<UploadParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let limit = state.config.attachment_max_bytes();
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return Err(too_large(limit));
    }
    let filename = params.filename.or_else(|| {
        headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| super::filename_from_disposition(v.as_bytes()))
    });
    let declared_type =
        super::declared_type(headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes));
    // Nothing is read for a ticket the caller may not see.
    super::check_ticket(
        &auth.db,
        Viewer::of(&auth.user),
        ticket_id,
        params.message_id,
    )
    .await?;

    let reserve = declared_length.unwrap_or(limit).min(limit);
    let kib = usize::try_from(reserve.div_ceil(1024))
        .unwrap_or(UPLOAD_BUDGET_KIB)
        .clamp(1, UPLOAD_BUDGET_KIB);
    let _budget = UPLOAD_BUDGET
        .acquire_many(u32::try_from(kib).unwrap_or(u32::MAX))
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    let bytes = read_limited(body, limit, reserve).await?;

    let attachment = super::store(
        &auth.db,
        state.clock.now_unix(),
        Upload {
            ticket_id,
            message_id: params.message_id,
            filename,
            declared_type,
            bytes,
            uploader: Uploader::Agent(auth.user.id),
        },
    )
    .await?;
    let location = HeaderValue::from_str(&attachment.url).ok();
    let mut response = (StatusCode::CREATED, axum::Json(json!(attachment))).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The whole body, or 413 the moment it passes `limit` (the rest is never read).
async fn read_limited(body: Body, limit: u64, expected: u64) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(body_error)?;
        if (bytes.len() + frame.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        bytes.extend_from_slice(&frame);
    }
    Ok(bytes)
}

/// A body that could not be read: too slow (the body timeout), past `http.max_body_bytes`,
/// or cut off by the client.
fn body_error(error: axum::Error) -> ApiError {
    let inner = error.into_inner();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the request body was not received in time",
            );
        }
        // `http_body_util::LengthLimitError`, from the `http.max_body_bytes` layer.
        if e.to_string() == "length limit exceeded" {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than http.max_body_bytes",
            );
        }
        source = e.source();
    }
    ApiError::bad_request(
        "invalid_body",
        format!("the request body could not be read: {inner}"),
    )
}

/// `GET /api/v1/tickets/{id}/attachments`.
async fn list(auth: Authenticated, Path(ticket_id): Path<i64>) -> Result<Json, ApiError> {
    let attachments = super::list(&auth.db, Viewer::of(&auth.user), ticket_id).await?;
    Ok(axum::Json(json!({ "attachments": attachments })))
}

type Json = axum::Json<Value>;

/// How a file is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serve {
    /// `Content-Disposition: attachment`, for every type.
    Download,
    /// `inline`, only for PNG, JPEG, GIF and WebP (415 for anything else).
    Preview,
}

async fn download(auth: Authenticated, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let viewer = Viewer::of(&auth.user);
    serve(auth.db, viewer, id, Serve::Download).await
}

async fn preview(auth: Authenticated, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let viewer = Viewer::of(&auth.user);
    serve(auth.db, viewer, id, Serve::Preview).await
}

async fn panel_download(signed_in: SignedIn, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let viewer = Viewer::of(&signed_in.session.user);
    serve(signed_in.db, viewer, id, Serve::Download).await
}

async fn panel_preview(signed_in: SignedIn, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let viewer = Viewer::of(&signed_in.session.user);
    serve(signed_in.db, viewer, id, Serve::Preview).await
}

/// The file `id` as `viewer` may get it: found only if they may see its ticket, streamed
/// chunk by chunk, with the headers of `file_response`. Shared by the API and the panel.
pub async fn serve(
    db: Arc<Database>,
    viewer: Viewer,
    id: i64,
    how: Serve,
) -> Result<Response, ApiError> {
    let attachment = super::find(&db, viewer, id).await?;
    if how == Serve::Preview && !attachment.previewable() {
        return Err(AttachmentError::NotPreviewable(attachment.content_type).into());
    }
    let body = Body::from_stream(super::byte_stream(db, &attachment));
    file_response(&attachment, how, body)
}

/// The response headers of a served file. The type is the sniffed one (active types as
/// `application/octet-stream` for downloads); never the declared one.
pub fn file_response(
    attachment: &Attachment,
    how: Serve,
    body: Body,
) -> Result<Response, ApiError> {
    let (disposition, content_type) = match how {
        Serve::Download => ("attachment", attachment.served_type()),
        Serve::Preview => ("inline", attachment.content_type.as_str()),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let value = |text: &str| HeaderValue::from_str(text).map_err(ApiError::internal);
    headers.insert(header::CONTENT_TYPE, value(content_type)?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size));
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&super::content_disposition(
            disposition,
            &attachment.filename,
        ))?,
    );
    for (name, text) in FILE_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(text),
        );
    }
    Ok(response)
}

impl From<AttachmentError> for ApiError {
    fn from(e: AttachmentError) -> Self {
        match e {
            AttachmentError::NotFound(_) => ApiError::not_found(e.to_string()),
            AttachmentError::Invalid(_) => ApiError::unprocessable("invalid_field", e.to_string()),
            AttachmentError::Empty => ApiError::unprocessable("empty", e.to_string()),
            AttachmentError::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
            }
            AttachmentError::NotPreviewable(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                e.to_string(),
            ),
            AttachmentError::Ticket(e) => e.into(),
            AttachmentError::Store(e) => e.into(),
        }
    }
}
