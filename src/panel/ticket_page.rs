//! `/agent/tickets/{id}`: one ticket: the thread (customer messages, replies, internal
//! notes), the reply box, the controls (status, priority, assignee, tags), the contact with
//! their other tickets, and the history. Customer text is escaped by maud; HTML bodies are
//! never rendered as HTML here (shown as text) until the sanitizer renders them inert.
//!
//! Each message lists its attachments (name, size, type) with download links to
//! `/agent/attachments/{id}`, and PNG, JPEG, GIF and WebP images with an inline preview from
//! `/agent/attachments/{id}/preview` (served with a sandbox CSP and `nosniff`). The reply box
//! posts `multipart/form-data`: the text, and files stored through the attachments domain,
//! bound to the new message. Every limit is checked while the body arrives and before
//! anything is written, so a refused upload writes nothing and the page comes back with the
//! text kept.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::SignedIn;
use super::desk::status_badge;
use crate::app::AppState;
use crate::attachments::{self, Attachment, AttachmentError, Upload, Uploader};
use crate::auth::users;
use crate::http::ApiError;
use crate::http::page::Page;
use crate::i18n::Locale;
use crate::tickets::{
    self, ListQuery, MessageKind, NewMessage, Priority, Status, TicketError, TicketPatch, Viewer,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/tickets/{id}", get(show))
        .route("/agent/tickets/{id}/messages", post(write))
        .route("/agent/tickets/{id}/update", post(change))
}

/// At most this many files go with one message.
pub(super) const MAX_FILES: usize = 10;

/// A byte count as the language writes it, rounded: `512 B`, `14 KB`, `3.4 MB` (`3,4 MB`).
pub(super) fn file_size(locale: Locale, bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    let (id, whole, tenth) = if bytes < KIB {
        ("size-bytes", bytes, None)
    } else if bytes < MIB {
        ("size-kb", (bytes + KIB / 2) / KIB, None)
    } else {
        let tenths = (bytes.saturating_mul(10) + MIB / 2) / MIB;
        ("size-mb", tenths / 10, Some(tenths % 10))
    };
    let mut size = locale.number(i64::try_from(whole).unwrap_or(i64::MAX));
    if let Some(tenth) = tenth.filter(|t| *t != 0) {
        size.push_str(if locale.tag() == "en" { "." } else { "," });
        size.push_str(&tenth.to_string());
    }
    locale.t_with(id, &[("size", &size)])
}

/// The files of one message: a preview for images, then name, size and type.
fn attachment_list(locale: Locale, files: &[Attachment]) -> Markup {
    html! {
        ul class="attachments" aria-label=(locale.t("ticket-attachments")) {
            @for file in files {
                @let download = format!("/agent/attachments/{}", file.id);
                li class="attachment" {
                    @if file.previewable() {
                        a class="preview" href=(download) download=(file.filename) title=(locale.t_with("ticket-download", &[("name", &file.filename)])) {
                            img src={"/agent/attachments/" (file.id) "/preview"} alt=(file.filename) loading="lazy";
                        }
                    }
                    span class="file" {
                        a class="file-name" href=(download) download=(file.filename) { (file.filename) }
                        span class="muted" { (file_size(locale, file.size)) " · " (file.content_type) }
                    }
                }
            }
        }
    }
}

/// What the reply box held when it was sent back with a notice: the text and the kind.
#[derive(Default)]
struct Draft {
    body: String,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
) -> Result<Page, ApiError> {
    render_with(
        signed_in,
        id,
        status,
        notice,
        &Draft::default(),
        Limits::of(state),
    )
    .await
}

/// The largest file, and the largest request (all files and the text together).
#[derive(Clone, Copy)]
struct Limits {
    file: u64,
    request: u64,
}

impl Limits {
    fn of(state: &AppState) -> Limits {
        Limits {
            file: state.config.attachment_max_bytes(),
            request: state.config.http.max_body_bytes,
        }
    }
}

async fn render_with(
    signed_in: &SignedIn,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
    draft: &Draft,
    limits: Limits,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let ticket = match tickets::get(&signed_in.db, Viewer::of(&signed_in.session.user), id).await {
        Ok(ticket) => ticket,
        Err(TicketError::NotFound(_)) => return Err(ApiError::not_found(t("ticket-not-found"))),
        Err(e) => return Err(e.into()),
    };
    let others = tickets::list(
        &signed_in.db,
        Viewer::of(&signed_in.session.user),
        ListQuery {
            contact_id: Some(ticket.contact.id),
            limit: 10,
            ..ListQuery::default()
        },
    )
    .await?;
    let agents = users::list(&signed_in.db).await?;
    let files = attachments::list(&signed_in.db, Viewer::of(&signed_in.session.user), id).await?;
    let mut by_message: BTreeMap<i64, Vec<Attachment>> = BTreeMap::new();
    let mut loose: Vec<Attachment> = Vec::new();
    for file in files {
        match file.message_id {
            Some(message) => by_message.entry(message).or_default().push(file),
            None => loose.push(file),
        }
    }
    let limit_text = file_size(locale, limits.file);
    let csrf = signed_in.session.csrf_token();
    let messages = ticket.messages.clone().unwrap_or_default();
    let history = ticket.history.clone().unwrap_or_default();
    let body = html! {
        div class="ticket-page" {
            section class="thread" {
                p { a id="back-to-list" href="/agent/tickets" { "← " (t("ticket-back")) } }
                h1 { (ticket.subject) }
                p class="meta" {
                    span class="code" { (ticket.code) } " "
                    (status_badge(locale, ticket.status)) " · "
                    (t(&format!("channel-{}", ticket.channel.as_str()))) " · "
                    (locale.t_with("ticket-opened", &[("when", &signed_in.locale.datetime(&ticket.created_at))]))
                }
                @if let Some(text) = &notice {
                    div class="error" role="alert" { (text) }
                }
                @if let Some(check) = &ticket.spam_check {
                    p class={"spam-check " (check.verdict)} {
                        (locale.t_with("spam-verdict", &[("verdict", &t(&format!("spam-verdict-{}", check.verdict))), ("score", &format!("{:.2}", check.score))]))
                    }
                }
                ol class="messages" {
                    @for message in &messages {
                        li class={"message " (message.kind.as_str())} {
                            div class="message-head" {
                                strong { (message.author.name) }
                                @if message.kind == MessageKind::Note { span class="badge note" { (t("ticket-internal-note")) } }
                                span class="muted" { (signed_in.locale.datetime(&message.created_at)) }
                            }
                            @if message.html {
                                div class="message-body html" { (maud::PreEscaped(crate::http::sanitize::sanitize_html(&message.body))) }
                            } @else {
                                div class="message-body" { (message.body) }
                            }
                            @if let Some(files) = by_message.get(&message.id) {
                                (attachment_list(locale, files))
                            }
                        }
                    }
                }
                @if !loose.is_empty() {
                    section class="ticket-files" {
                        h2 { (t("ticket-files")) }
                        (attachment_list(locale, &loose))
                    }
                }
                form method="post" action={"/agent/tickets/" (ticket.id) "/messages"} enctype="multipart/form-data" class="reply" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="reply-body" { (t("ticket-reply-label")) }
                    textarea id="reply-body" name="body" rows="6" required { (draft.body) }
                    div class="attach" {
                        label for="reply-files" class="attach-label" { (t("ticket-attach-files")) }
                        input type="file" id="reply-files" name="files" multiple
                            data-max-bytes=(limits.file) data-max-files=(MAX_FILES)
                            data-max-total=(limits.request.saturating_sub(64 * 1024 + draft.body.len() as u64))
                            data-too-large=(locale.t_with("ticket-file-over-limit", &[("name", "{name}"), ("limit", &limit_text)]))
                            data-total-too-large=(locale.t_with("ticket-files-over-limit", &[("limit", &file_size(locale, limits.request))]))
                            data-too-many=(locale.t_count("ticket-over-file-count", "count", MAX_FILES as i64, &[]))
                            aria-describedby="reply-files-hint";
                        span id="reply-files-hint" class="hint" { (locale.t_count("ticket-attach-hint", "count", MAX_FILES as i64, &[("limit", &limit_text)])) }
                        div id="reply-files-notice" class="error" role="alert" hidden {}
                    }
                    div class="reply-actions" {
                        button type="submit" name="kind" value="reply" { (t("ticket-send-reply")) }
                        button type="submit" name="kind" value="note" class="secondary" { (t("ticket-add-note")) }
                    }
                }
                details class="history" {
                    summary { (t("ticket-history")) }
                    ul {
                        @for event in &history {
                            li {
                                span class="muted" { (signed_in.locale.datetime(&event.at)) } " · " (event.actor.name) " · " (event.field)
                                @if event.from.is_some() || event.to.is_some() {
                                    ": " (event.from.clone().unwrap_or_default()) " → " (event.to.clone().unwrap_or_default())
                                }
                            }
                        }
                    }
                }
            }
            aside class="sidebar" {
                form method="post" action={"/agent/tickets/" (ticket.id) "/update"} class="controls" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t("desk-col-status"))
                        select name="status" {
                            @for s in Status::ALL { option value=(s.as_str()) selected[*s == ticket.status] { (t(&format!("status-{}", s.as_str()))) } }
                        }
                    }
                    label { (t("desk-col-priority"))
                        select name="priority" {
                            @for p in Priority::ALL { option value=(p.as_str()) selected[*p == ticket.priority] { (t(&format!("priority-{}", p.as_str()))) } }
                        }
                    }
                    label { (t("desk-col-assignee"))
                        select name="assignee" {
                            option value="" { (t("ticket-unassigned")) }
                            @for agent in &agents {
                                option value=(agent.id) selected[ticket.assignee.as_ref().is_some_and(|a| a.id == agent.id)] { (agent.name) }
                            }
                        }
                    }
                    label { (t("ticket-tags")) input type="text" name="tags" value=(ticket.tags.join(", ")) placeholder="billing, vip"; }
                    button type="submit" { (t("ticket-save")) }
                }
                div class="spam-actions" {
                    @if ticket.status != Status::Spam {
                        form method="post" action={"/agent/tickets/" (ticket.id) "/spam"} {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class="secondary" { (t("spam-mark")) }
                        }
                    }
                    @if ticket.status == Status::Spam || ticket.spam_check.is_some_and(|c| c.verdict != "ham") {
                        form method="post" action={"/agent/tickets/" (ticket.id) "/not-spam"} {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" class="secondary" { (t("spam-mark-not")) }
                        }
                    }
                }
                section class="contact-card" {
                    h2 { a href={"/agent/contacts/" (ticket.contact.id)} { (ticket.contact.name) } }
                    @if let Some(email) = &ticket.contact.email { p class="muted" { (email) } }
                    h3 { (t("ticket-other-tickets")) }
                    ul class="other-tickets" {
                        @for other in others.iter().filter(|o| o.id != ticket.id) {
                            li { a href={"/agent/tickets/" (other.id)} { (other.subject) } " " (status_badge(locale, other.status)) }
                        }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(status, &ticket.subject, body))
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Page, ApiError> {
    render(&state, &signed_in, id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WriteForm {
    csrf: String,
    body: String,
    kind: String,
}

/// A file as it came in the form.
struct Received {
    name: String,
    declared_type: String,
    bytes: Vec<u8>,
}

/// The reply box as posted: its text, its kind, its files, or why the files are refused.
#[derive(Default)]
struct Posted {
    body: String,
    kind: String,
    files: Vec<Received>,
    /// A localized notice and its status: the post is refused, nothing is written.
    refused: Option<(StatusCode, String)>,
}

fn missing_csrf() -> ApiError {
    ApiError::forbidden("missing or wrong CSRF token")
}

/// Reads the multipart reply form. The CSRF token must come before any file (the form puts
/// it first), so no file of a forged request is read; a file past `limit` is not kept (the
/// rest of the body is read and dropped, so the browser gets the notice and not a reset
/// connection); the whole body is bounded by `http.max_body_bytes`.
async fn read_multipart(
    signed_in: &SignedIn,
    mut form: Multipart,
    limits: Limits,
) -> Result<Posted, ApiError> {
    let locale = signed_in.locale;
    let limit = limits.file;
    let limit_text = file_size(locale, limit);
    let request_text = file_size(locale, limits.request);
    let mut posted = Posted::default();
    let mut csrf_checked = false;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let id = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "ticket-files-too-large"
        } else {
            "ticket-upload-failed"
        };
        (e.status(), locale.t_with(id, &[("limit", &request_text)]))
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                posted.refused = Some(unreadable(e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "csrf" | "body" | "kind" => {
                let text = match field.text().await {
                    Ok(text) => text,
                    Err(e) => {
                        posted.refused = Some(unreadable(e));
                        break;
                    }
                };
                match name.as_str() {
                    "csrf" => {
                        signed_in.check_csrf(&text)?;
                        csrf_checked = true;
                    }
                    "body" => posted.body = text,
                    _ => posted.kind = text,
                }
            }
            "files" => {
                if !csrf_checked {
                    return Err(missing_csrf());
                }
                let file_name = field.file_name().unwrap_or_default().to_string();
                let declared_type = field.content_type().unwrap_or_default().to_string();
                let mut field = field;
                let mut bytes = Vec::new();
                let mut over = false;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if !over && posted.refused.is_none() => {
                            if (bytes.len() + chunk.len()) as u64 > limit {
                                over = true;
                                bytes = Vec::new();
                            } else {
                                bytes.extend_from_slice(&chunk);
                            }
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            posted.refused = Some(unreadable(e));
                            break;
                        }
                    }
                }
                if posted.refused.is_some() {
                    continue;
                }
                if over {
                    posted.refused = Some((
                        StatusCode::PAYLOAD_TOO_LARGE,
                        locale.t_with(
                            "ticket-file-too-large",
                            &[("name", &file_name), ("limit", &limit_text)],
                        ),
                    ));
                } else if bytes.is_empty() && file_name.is_empty() {
                    // The file input with nothing chosen.
                } else if bytes.is_empty() {
                    posted.refused = Some((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        locale.t_with("ticket-file-empty", &[("name", &file_name)]),
                    ));
                } else if posted.files.len() == MAX_FILES {
                    posted.refused = Some((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        locale.t_count("ticket-too-many-files", "count", MAX_FILES as i64, &[]),
                    ));
                    posted.files.clear();
                } else {
                    posted.files.push(Received {
                        name: file_name,
                        declared_type: attachments::declared_type(Some(declared_type.as_bytes())),
                        bytes,
                    });
                }
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(missing_csrf());
    }
    if posted.refused.is_some() {
        posted.files.clear();
    }
    Ok(posted)
}

/// `POST /agent/tickets/{id}/messages`: a reply or an internal note, as a plain form or as
/// `multipart/form-data` with files. Nothing is written unless the text and every file
/// pass; then the message, then its files (in one transaction) bound to it.
async fn write(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, ApiError> {
    let limits = Limits::of(&state);
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let viewer = Viewer::of(&signed_in.session.user);
    let (posted, _budget) = if multipart {
        // Nothing is read for a ticket this agent may not see.
        match attachments::check_ticket(&signed_in.db, viewer, id, None).await {
            Ok(()) => {}
            Err(AttachmentError::Ticket(TicketError::NotFound(_))) => {
                return Err(ApiError::not_found(signed_in.locale.t("ticket-not-found")));
            }
            Err(e) => return Err(e.into()),
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(state.config.http.max_body_bytes)
            .min(state.config.http.max_body_bytes);
        let budget = attachments::routes::upload_budget(declared).await?;
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_form", e.body_text()))?;
        (
            read_multipart(&signed_in, form, limits).await?,
            Some(budget),
        )
    } else {
        let Form(form) = Form::<WriteForm>::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_form", e.body_text()))?;
        signed_in.check_csrf(&form.csrf)?;
        let posted = Posted {
            body: form.body,
            kind: form.kind,
            ..Posted::default()
        };
        (posted, None)
    };
    let draft = Draft {
        body: posted.body.clone(),
    };
    let back = |status: StatusCode, notice: String| {
        let signed_in = &signed_in;
        let draft = &draft;
        async move {
            Ok::<Response, ApiError>(
                render_with(signed_in, id, status, Some(notice), draft, limits)
                    .await?
                    .into_response(),
            )
        }
    };
    if let Some((status, notice)) = posted.refused {
        return back(status, notice).await;
    }
    let kind = if posted.kind == "note" {
        MessageKind::Note
    } else {
        MessageKind::Reply
    };
    let new = NewMessage {
        kind,
        body: posted.body,
    };
    let uploads = posted
        .files
        .into_iter()
        .map(|file| Upload {
            ticket_id: id,
            message_id: None,
            filename: Some(file.name),
            declared_type: file.declared_type,
            bytes: file.bytes,
            uploader: Uploader::Agent(signed_in.session.user.id),
        })
        .collect();
    let now = state.clock.now_unix();
    let mail = Some(state.mail.identity.clone());
    let written =
        attachments::store_with_message(&signed_in.db, now, viewer, id, new, uploads, mail);
    match written.await {
        // A reply queued its mail in that commit: the relay task sends it now.
        Ok(_) => state.mail.queued(),
        Err(AttachmentError::Ticket(TicketError::Invalid(_))) => {
            let text = signed_in.locale.t("ticket-empty-message");
            return back(StatusCode::UNPROCESSABLE_ENTITY, text).await;
        }
        Err(AttachmentError::Ticket(TicketError::NotFound(_))) => {
            return Err(ApiError::not_found(signed_in.locale.t("ticket-not-found")));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ControlsForm {
    csrf: String,
    status: String,
    priority: String,
    assignee: String,
    tags: String,
}

async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ControlsForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let assignee =
        match form.assignee.trim() {
            "" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                ApiError::bad_request("invalid_assignee", "the assignee is a user id")
            })?),
        };
    let patch = TicketPatch {
        status: Status::parse(&form.status),
        priority: Priority::parse(&form.priority),
        assignee_id: Some(assignee),
        tags: Some(
            form.tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        ..TicketPatch::default()
    };
    super::spam_pages::follow_status(&state, &signed_in, id, patch.status).await?;
    match tickets::update(
        &signed_in.db,
        state.clock.now_unix(),
        Viewer::of(&signed_in.session.user),
        id,
        patch,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response()),
        Err(TicketError::Invalid(text)) => Ok(render(
            &state,
            &signed_in,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(text),
        )
        .await?
        .into_response()),
        Err(e) => Err(e.into()),
    }
}
