//! Files attached to tickets (and optionally to one of their messages).
//!
//! The bytes are stored inside the account's SQLCipher database, like everything else of the
//! account: never as a plain file, and never in a temporary file either. They are cut into
//! 256 KiB chunks (`attachment_chunks`) so no SQLite value is huge and a download streams
//! chunk by chunk, each chunk read on its own from a reader connection (no connection is held
//! while the client is slow). An upload is one write transaction on the account's writer: the
//! row and all its chunks commit together or not at all; the hashing and type sniffing run
//! before, on a blocking thread, so the writer only inserts.
//!
//! The type that is served is sniffed from the bytes (magic numbers, `infer`), never the
//! uploader's declared type; unknown is `application/octet-stream`. Types a browser could run
//! (HTML, XML, SVG, scripts) are downloaded as `application/octet-stream`, and only PNG, JPEG,
//! GIF and WebP are ever shown inline (the preview). Who may see an attachment is who may see
//! its ticket (`tickets::get`, which applies department restrictions).

pub mod routes;

use std::sync::Arc;

use axum::body::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::store::{Database, StoreError};
use crate::tickets::{self, TicketError, Viewer};

/// The size of one stored chunk.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// The longest filename kept, in UTF-8 bytes (what common file systems allow).
pub const MAX_FILENAME_BYTES: usize = 255;
/// The longest declared `Content-Type` kept.
const MAX_DECLARED_TYPE: usize = 255;
/// A file without a usable name is called this (plus the sniffed type's extension).
const DEFAULT_NAME: &str = "attachment";
/// The only types ever served inline: raster images a browser decodes without running
/// anything. Not SVG, which can carry script.
pub const PREVIEWABLE: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];
/// Sniffed types a browser could execute or render as a document with script: always
/// downloaded as `application/octet-stream` (the listing still names what they are).
const ACTIVE: &[&str] = &[
    "text/html",
    "text/xml",
    "application/xml",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "text/x-shellscript",
    "application/x-shockwave-flash",
];
pub const OCTET_STREAM: &str = "application/octet-stream";

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("no attachment with id {0}")]
    NotFound(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("the body is empty: send the file's bytes as the request body")]
    Empty,
    #[error("the attachment is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("only PNG, JPEG, GIF and WebP images have a preview; this attachment is {0}")]
    NotPreviewable(String),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AttachmentError {
    fn from(e: rusqlite::Error) -> Self {
        AttachmentError::Store(e.into())
    }
}

/// Who uploaded a file: an agent (user) or a contact (a customer, through the portal later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Uploader {
    Agent(i64),
    Contact(i64),
}

/// An attachment's description (never its bytes).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub message_id: Option<i64>,
    pub filename: String,
    /// Sniffed from the bytes.
    pub content_type: String,
    /// What the uploader said it was; informational only.
    pub declared_type: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub created_at: String,
    /// `None` once the uploading agent was deleted.
    pub uploaded_by: Option<Uploader>,
    pub url: String,
    /// Set only for the image types that may be shown inline.
    pub preview_url: Option<String>,
}

impl Attachment {
    /// The `Content-Type` a download is served with.
    pub fn served_type(&self) -> &str {
        served_type(&self.content_type)
    }

    pub fn previewable(&self) -> bool {
        PREVIEWABLE.contains(&self.content_type.as_str())
    }
}

/// What a download is served as: the sniffed type, except for types a browser could run.
pub fn served_type(sniffed: &str) -> &str {
    if ACTIVE.contains(&sniffed) {
        OCTET_STREAM
    } else {
        sniffed
    }
}

/// The type of `bytes` by their magic numbers; `application/octet-stream` when unknown.
pub fn sniff(bytes: &[u8]) -> &'static str {
    infer::get(bytes).map_or(OCTET_STREAM, |kind| kind.mime_type())
}

/// Bidirectional-text controls and invisible marks: they make `gnp.exe` look like `exe.png`.
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A filename safe to store and to name in a header: the last path component only (no `/`
/// or `\`), no control characters or bidirectional overrides, no surrounding blanks, no
/// trailing dots, at most 255 bytes (cut on a character boundary, keeping a short
/// extension). Unicode letters are kept. `None` when nothing usable is left.
pub fn sanitize_filename(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_deceptive(*c))
        .collect();
    let trimmed = cleaned.trim().trim_end_matches(['.', ' ']).trim_end();
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        return None;
    }
    Some(truncate_keeping_extension(trimmed, MAX_FILENAME_BYTES))
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= 16 => name.split_at(dot),
        _ => (name, ""),
    };
    let mut end = max.saturating_sub(extension.len()).min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", stem[..end].trim_end())
}

/// The name to store: the sanitized given one, else `attachment` with the sniffed type's
/// extension.
pub fn filename_or_default(given: Option<&str>, bytes: &[u8]) -> String {
    if let Some(name) = given.and_then(sanitize_filename) {
        return name;
    }
    match infer::get(bytes) {
        Some(kind) => format!("{DEFAULT_NAME}.{}", kind.extension()),
        None => DEFAULT_NAME.to_string(),
    }
}

/// The filename a `Content-Disposition` request header names (raw, not yet sanitized):
/// `filename*` (RFC 8187, UTF-8 or ISO-8859-1) wins over `filename` (quoted or a token;
/// raw UTF-8 bytes are accepted, as browsers send them).
pub fn filename_from_disposition(header: &[u8]) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for (name, value) in disposition_params(header) {
        if name.eq_ignore_ascii_case(b"filename*") {
            extended = extended.or_else(|| decode_ext_value(&value));
        } else if name.eq_ignore_ascii_case(b"filename") {
            plain = plain.or_else(|| Some(String::from_utf8_lossy(&value).into_owned()));
        }
    }
    extended.or(plain)
}

/// The `name=value` parameters after the disposition type, with quoted strings unescaped.
fn disposition_params(header: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut params = Vec::new();
    let mut rest = match header.iter().position(|&b| b == b';') {
        Some(at) => &header[at + 1..],
        None => return params,
    };
    loop {
        rest = trim_start(rest);
        let Some(eq) = rest.iter().position(|&b| b == b'=' || b == b';') else {
            break;
        };
        if rest[eq] == b';' {
            rest = &rest[eq + 1..];
            continue;
        }
        let name = trim_end(&rest[..eq]).to_vec();
        rest = trim_start(&rest[eq + 1..]);
        let mut value = Vec::new();
        if rest.first() == Some(&b'"') {
            let mut i = 1;
            while i < rest.len() && rest[i] != b'"' {
                if rest[i] == b'\\' && i + 1 < rest.len() {
                    i += 1;
                }
                value.push(rest[i]);
                i += 1;
            }
            rest = &rest[(i + 1).min(rest.len())..];
            let next = rest
                .iter()
                .position(|&b| b == b';')
                .map_or(rest.len(), |p| p + 1);
            rest = &rest[next..];
        } else {
            let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
            value.extend_from_slice(trim_end(&rest[..end]));
            rest = &rest[(end + 1).min(rest.len())..];
        }
        params.push((name, value));
    }
    params
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    &bytes[..end]
}

/// RFC 8187 `ext-value`: `charset'language'percent-encoded`.
fn decode_ext_value(value: &[u8]) -> Option<String> {
    let mut parts = value.splitn(3, |&b| b == b'\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes = percent_decode(encoded)?;
    if charset.eq_ignore_ascii_case(b"utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case(b"iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

fn percent_decode(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while i < encoded.len() {
        if encoded[i] == b'%' {
            let hex = encoded.get(i + 1..i + 3)?;
            let text = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(text, 16).ok()?);
            i += 3;
        } else {
            out.push(encoded[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A `Content-Disposition` response value (RFC 6266): `disposition` (`attachment` or
/// `inline`), an ASCII stand-in for old clients, and the exact name as RFC 8187 UTF-8.
pub fn content_disposition(disposition: &str, filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(filename.len() * 3);
    for byte in filename.bytes() {
        let attr_char = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if attr_char {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A declared `Content-Type`, kept for information: visible ASCII, at most 255 bytes, else
/// nothing.
pub fn declared_type(header: Option<&[u8]>) -> String {
    match header {
        Some(value)
            if value.len() <= MAX_DECLARED_TYPE
                && value.iter().all(|b| (b' '..=b'~').contains(b)) =>
        {
            String::from_utf8_lossy(value).trim().to_string()
        }
        _ => String::new(),
    }
}

/// A file to store, as received.
pub struct Upload {
    pub ticket_id: i64,
    pub message_id: Option<i64>,
    /// The name as the client gave it (sanitized here), if any.
    pub filename: Option<String>,
    pub declared_type: String,
    pub bytes: Vec<u8>,
    pub uploader: Uploader,
}

/// Checks that `viewer` may see ticket `ticket_id` (department restrictions included) and,
/// when `message_id` is given, that it is a message of that ticket. Answers exactly like a
/// missing ticket when the viewer may not see it.
pub async fn check_ticket(
    db: &Database,
    viewer: Viewer,
    ticket_id: i64,
    message_id: Option<i64>,
) -> Result<(), AttachmentError> {
    let ticket = tickets::get(db, viewer, ticket_id).await?;
    if let Some(message_id) = message_id {
        let in_thread = ticket
            .messages
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|m| m.id == message_id);
        if !in_thread {
            return Err(AttachmentError::Invalid(format!(
                "message {message_id} is not a message of ticket {ticket_id}"
            )));
        }
    }
    Ok(())
}

/// Stores `upload` (the caller checked the ticket with `check_ticket`): SHA-256 and the
/// sniffed type on a blocking thread, then the row and every chunk in one write transaction,
/// acknowledged once durably committed.
pub async fn store(db: &Database, now: i64, upload: Upload) -> Result<Attachment, AttachmentError> {
    if upload.bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let prepared = tokio::task::spawn_blocking(move || Prepared::new(upload))
        .await
        .map_err(|_| StoreError::Invariant("hashing an attachment panicked".into()))?;
    db.write(move |conn| insert(conn, now, &prepared)).await
}

/// An upload with what storing it needs computed first, off the writer: its SHA-256, the
/// sniffed type, and the file name to keep.
pub(crate) struct Prepared {
    pub upload: Upload,
    sha256: String,
    content_type: &'static str,
    filename: String,
}

impl Prepared {
    /// CPU work (hashing); call it on a blocking thread.
    pub(crate) fn new(upload: Upload) -> Prepared {
        Prepared {
            sha256: hex::encode(Sha256::digest(&upload.bytes)),
            content_type: sniff(&upload.bytes),
            filename: filename_or_default(upload.filename.as_deref(), &upload.bytes),
            upload,
        }
    }
}

/// Writes an agent's message and its files (each `Upload` names the ticket; its message is
/// the new one) in one write transaction: the message with every file, or nothing. Hashing
/// and sniffing run first, on a blocking thread; an empty file is refused before anything
/// is written. With `mail`, a reply is also mailed to the customer in that commit
/// (`tickets::CheckedMessage::mailed`; the files stay in the helpdesk).
pub async fn store_with_message(
    db: &Database,
    now: i64,
    viewer: Viewer,
    ticket_id: i64,
    message: tickets::NewMessage,
    uploads: Vec<Upload>,
    mail: Option<crate::mail::Identity>,
) -> Result<(tickets::Message, Vec<Attachment>), AttachmentError> {
    let message = tickets::checked_message(message, tickets::Actor::Agent(viewer.user_id))?;
    let message = match mail {
        Some(identity) => message.mailed(identity),
        None => message,
    };
    if uploads.iter().any(|u| u.bytes.is_empty()) {
        return Err(AttachmentError::Empty);
    }
    let prepared = tokio::task::spawn_blocking(move || {
        uploads.into_iter().map(Prepared::new).collect::<Vec<_>>()
    })
    .await
    .map_err(|_| StoreError::Invariant("hashing attachments panicked".into()))?;
    db.write(move |conn| {
        let written = tickets::insert_message(
            conn,
            now,
            Some(viewer),
            ticket_id,
            &message,
            None,
            tickets::Reindex::AtCommit,
        )?;
        let stored = prepared
            .into_iter()
            .map(|mut prepared| {
                prepared.upload.ticket_id = ticket_id;
                prepared.upload.message_id = Some(written.id);
                insert(conn, now, &prepared)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((written, stored))
    })
    .await
}

/// In the write transaction: the row, then the chunks.
pub(crate) fn insert(
    conn: &Connection,
    now: i64,
    prepared: &Prepared,
) -> Result<Attachment, AttachmentError> {
    let Prepared {
        upload,
        sha256,
        content_type,
        filename,
    } = prepared;
    let started = std::time::Instant::now();
    let ticket_exists = conn
        .prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?
        .exists([upload.ticket_id])?;
    if !ticket_exists {
        return Err(TicketError::NotFound(upload.ticket_id).into());
    }
    if let Some(message_id) = upload.message_id {
        let in_thread = conn
            .prepare_cached("SELECT 1 FROM messages WHERE id = ?1 AND ticket_id = ?2")?
            .exists([message_id, upload.ticket_id])?;
        if !in_thread {
            return Err(AttachmentError::Invalid(format!(
                "message {message_id} is not a message of ticket {}",
                upload.ticket_id
            )));
        }
    }
    let (user, contact) = match upload.uploader {
        Uploader::Agent(id) => (Some(id), None),
        Uploader::Contact(id) => (None, Some(id)),
    };
    let size = i64::try_from(upload.bytes.len())
        .map_err(|_| AttachmentError::Invalid("the file is too large".into()))?;
    conn.prepare_cached(
        "INSERT INTO attachments (ticket_id, message_id, filename, content_type, declared_type,
             size, sha256, created_at, uploaded_by_user_id, uploaded_by_contact_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        upload.ticket_id,
        upload.message_id,
        filename,
        content_type,
        upload.declared_type,
        size,
        sha256,
        now,
        user,
        contact
    ])?;
    let id = conn.last_insert_rowid();
    let actor = match upload.uploader {
        Uploader::Agent(id) => tickets::Actor::Agent(id),
        Uploader::Contact(id) => tickets::Actor::Contact(id),
    };
    tickets::record_addition(conn, upload.ticket_id, now, actor, "attachment", filename)?;
    let mut chunk = conn.prepare_cached(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?1, ?2, ?3)",
    )?;
    for (seq, data) in upload.bytes.chunks(CHUNK_BYTES).enumerate() {
        chunk.execute(params![id, seq as i64, data])?;
    }
    tracing::debug!(
        attachment = id,
        bytes = upload.bytes.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "attachment inserted"
    );
    let attachment = describe(conn, id)?;
    attachment.ok_or(AttachmentError::NotFound(id))
}

const COLUMNS: &str = "id, ticket_id, message_id, filename, content_type, declared_type, size,
    sha256, created_at, uploaded_by_user_id, uploaded_by_contact_id";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    let id: i64 = row.get(0)?;
    let content_type: String = row.get(4)?;
    let size: i64 = row.get(6)?;
    let user: Option<i64> = row.get(9)?;
    let contact: Option<i64> = row.get(10)?;
    let previewable = PREVIEWABLE.contains(&content_type.as_str());
    Ok(Attachment {
        id,
        ticket_id: row.get(1)?,
        message_id: row.get(2)?,
        filename: row.get(3)?,
        content_type,
        declared_type: row.get(5)?,
        size: u64::try_from(size).unwrap_or(0),
        sha256: row.get(7)?,
        created_at: rfc3339(row.get(8)?),
        uploaded_by: user.map(Uploader::Agent).or(contact.map(Uploader::Contact)),
        url: format!("/api/v1/attachments/{id}"),
        preview_url: previewable.then(|| format!("/api/v1/attachments/{id}/preview")),
    })
}

fn describe(conn: &Connection, id: i64) -> Result<Option<Attachment>, rusqlite::Error> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM attachments WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The attachments of a ticket the viewer may see, oldest first.
pub async fn list(
    db: &Database,
    viewer: Viewer,
    ticket_id: i64,
) -> Result<Vec<Attachment>, AttachmentError> {
    check_ticket(db, viewer, ticket_id, None).await?;
    db.read(move |conn| -> Result<_, AttachmentError> {
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE ticket_id = ?1 ORDER BY id"
        ))?;
        let rows = statement.query_map([ticket_id], from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// One attachment's description, if the viewer may see its ticket; otherwise `NotFound`,
/// exactly like an attachment that does not exist.
pub async fn find(db: &Database, viewer: Viewer, id: i64) -> Result<Attachment, AttachmentError> {
    let attachment = db
        .read(move |conn| -> Result<_, AttachmentError> { Ok(describe(conn, id)?) })
        .await?
        .ok_or(AttachmentError::NotFound(id))?;
    match check_ticket(db, viewer, attachment.ticket_id, None).await {
        Ok(()) => Ok(attachment),
        Err(AttachmentError::Ticket(TicketError::NotFound(_))) => {
            Err(AttachmentError::NotFound(id))
        }
        Err(e) => Err(e),
    }
}

/// Chunk `seq` of attachment `id`, if it exists.
pub async fn chunk(db: &Database, id: i64, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
    db.read(move |conn| -> Result<_, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT data FROM attachment_chunks WHERE attachment_id = ?1 AND seq = ?2",
            )?
            .query_row(params![id, seq], |r| r.get(0))
            .optional()?)
    })
    .await
}

/// The bytes of `attachment`, one chunk at a time, each read when the previous one was sent.
/// Ends with an error (the connection is then reset, never a short file passed off as whole)
/// if the attachment vanished meanwhile or its chunks do not add up to its size.
pub fn byte_stream(
    db: Arc<Database>,
    attachment: &Attachment,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (id, size) = (attachment.id, attachment.size);
    futures_util::stream::try_unfold((0i64, 0u64), move |(seq, sent)| {
        let db = db.clone();
        async move {
            let data = chunk(&db, id, seq).await.map_err(std::io::Error::other)?;
            match data {
                Some(data) => {
                    let sent = sent + data.len() as u64;
                    if sent > size {
                        return Err(std::io::Error::other(format!(
                            "attachment {id} has more bytes than its size"
                        )));
                    }
                    Ok(Some((Bytes::from(data), (seq + 1, sent))))
                }
                None if sent == size => Ok(None),
                None => Err(std::io::Error::other(format!(
                    "attachment {id}: chunk {seq} missing after {sent} of {size} bytes"
                ))),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::TryStreamExt;
    use rand::RngCore;

    use super::*;
    use crate::auth::users::{Role, account_with_agent};
    use crate::tickets::{Actor, NewContactRef, NewTicket};

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];

    fn random_bytes(len: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; len];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes
    }

    async fn ticket(db: &Database, agent: i64, department: Option<i64>) -> i64 {
        let new = NewTicket {
            subject: "Files".into(),
            message: "See attached.".into(),
            contact: NewContactRef {
                email: "cara@x.example".into(),
                name: "Cara".into(),
            },
            channel: crate::tickets::Channel::Api,
            priority: None,
            tags: Vec::new(),
            department_id: department,
            assignee_id: None,
            custom: Default::default(),
        };
        let (ticket, _) = tickets::create(db, 100, "acme", new, Actor::Agent(agent), None)
            .await
            .unwrap();
        ticket.id
    }

    fn upload(ticket_id: i64, bytes: Vec<u8>, agent: i64) -> Upload {
        Upload {
            ticket_id,
            message_id: None,
            filename: Some("report.bin".into()),
            declared_type: "text/plain".into(),
            bytes,
            uploader: Uploader::Agent(agent),
        }
    }

    async fn read_all(db: &Arc<Database>, attachment: &Attachment) -> Vec<u8> {
        byte_stream(db.clone(), attachment)
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
            .unwrap()
    }

    #[test]
    fn filenames_lose_paths_controls_and_bidi_but_keep_unicode() {
        let cases: &[(&str, Option<&str>)] = &[
            ("report.pdf", Some("report.pdf")),
            ("../../etc/passwd", Some("passwd")),
            (
                "C:\\fakepath\\Übersicht 2024.xlsx",
                Some("Übersicht 2024.xlsx"),
            ),
            ("dir/sub\\näme.txt", Some("näme.txt")),
            ("a\u{0}b\r\nc\u{7f}d\u{85}.txt", Some("abcd.txt")),
            ("invoice\u{202E}fdp.exe", Some("invoicefdp.exe")),
            ("  spaced name.txt  ", Some("spaced name.txt")),
            ("trailing dots...", Some("trailing dots")),
            ("日本語のファイル.png", Some("日本語のファイル.png")),
            ("emoji 👩‍💻.txt", Some("emoji 👩‍💻.txt")),
            (".hidden", Some(".hidden")),
            ("..", None),
            (".", None),
            ("", None),
            ("/", None),
            ("dir/", None),
            ("\u{1}\u{2}", None),
            ("   ", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                sanitize_filename(raw).as_deref(),
                *expected,
                "sanitize({raw:?})"
            );
        }
    }

    #[test]
    fn long_filenames_are_cut_to_255_bytes_on_a_char_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "ü".repeat(300));
        let cut = sanitize_filename(&long).unwrap();
        assert!(cut.len() <= MAX_FILENAME_BYTES, "{}", cut.len());
        assert!(cut.ends_with(".pdf"), "{cut}");
        assert!(cut.starts_with("üü"));
        let no_extension = "x".repeat(1000);
        assert_eq!(sanitize_filename(&no_extension).unwrap().len(), 255);
        let odd = format!("a{}", "€".repeat(100));
        let cut = sanitize_filename(&odd).unwrap();
        assert!(cut.len() <= 255 && cut.len() > 250, "{}", cut.len());
    }

    #[test]
    fn missing_names_default_by_the_sniffed_type() {
        assert_eq!(filename_or_default(None, PNG), "attachment.png");
        assert_eq!(filename_or_default(Some("../"), b"plain"), "attachment");
        assert_eq!(filename_or_default(Some("a.txt"), PNG), "a.txt");
    }

    #[test]
    fn request_dispositions_give_the_filename() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"attachment; filename=\"report.pdf\"", Some("report.pdf")),
            (b"attachment; filename=plain.txt", Some("plain.txt")),
            (
                b"attachment;filename=\"a \\\"quoted\\\" name.txt\"",
                Some("a \"quoted\" name.txt"),
            ),
            (
                b"attachment; filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt",
                Some("€ rates.txt"),
            ),
            (
                b"attachment; filename*=utf-8'en'na%C3%AFve.txt",
                Some("naïve.txt"),
            ),
            (
                b"attachment; filename*=iso-8859-1''caf%E9.txt",
                Some("café.txt"),
            ),
            (
                "attachment; filename=\"Übersicht.pdf\"".as_bytes(),
                Some("Übersicht.pdf"),
            ),
            (
                b"attachment; filename*=UTF-8''bad%ZZ; filename=ok.txt",
                Some("ok.txt"),
            ),
            (b"attachment; size=3; filename=\"x;y.txt\"", Some("x;y.txt")),
            (b"attachment", None),
            (b"inline; name=foo", None),
        ];
        for (header, expected) in cases {
            assert_eq!(
                filename_from_disposition(header).as_deref(),
                *expected,
                "{}",
                String::from_utf8_lossy(header)
            );
        }
    }

    #[test]
    fn response_dispositions_encode_rfc_5987() {
        assert_eq!(
            content_disposition("attachment", "report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition("inline", "€ \"x\"%.png"),
            "inline; filename=\"_ _x__.png\"; filename*=UTF-8''%E2%82%AC%20%22x%22%25.png"
        );
        // Whatever the name, the value is a valid header value.
        let value = content_disposition("attachment", "日本語\\;,.txt");
        assert!(axum::http::HeaderValue::from_str(&value).is_ok(), "{value}");
        assert!(value.is_ascii());
    }

    #[test]
    fn sniffing_goes_by_the_bytes_and_active_types_download_as_octet_stream() {
        assert_eq!(sniff(PNG), "image/png");
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), "image/jpeg");
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), "image/gif");
        assert_eq!(sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff(b"<!DOCTYPE html><script>alert(1)</script>"),
            "text/html"
        );
        assert_eq!(sniff(b"just some text"), OCTET_STREAM);
        assert_eq!(sniff(b""), OCTET_STREAM);
        // SVG is never a previewable image, whichever way it starts.
        for svg in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
            &b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"[..],
        ] {
            let sniffed = sniff(svg);
            assert!(!PREVIEWABLE.contains(&sniffed), "{sniffed}");
            assert_eq!(served_type(sniffed), OCTET_STREAM);
        }
        assert_eq!(served_type("text/html"), OCTET_STREAM);
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("application/pdf"), "application/pdf");
    }

    #[test]
    fn declared_types_are_kept_only_when_printable() {
        assert_eq!(declared_type(Some(b"image/png")), "image/png");
        assert_eq!(
            declared_type(Some(b"text/plain; charset=utf-8")),
            "text/plain; charset=utf-8"
        );
        assert_eq!(declared_type(Some(b"a\x01b")), "");
        assert_eq!(declared_type(Some(&[b'a'; 300])), "");
        assert_eq!(declared_type(None), "");
    }

    #[tokio::test]
    async fn a_3_mb_random_file_round_trips_in_chunks_with_its_sha256() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        let bytes = random_bytes(3 * 1024 * 1024 + 12_345);
        let expected_sha = hex::encode(Sha256::digest(&bytes));

        let stored = store(&db, 200, upload(ticket_id, bytes.clone(), agent.id))
            .await
            .unwrap();
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(stored.sha256, expected_sha);
        assert_eq!(
            stored.content_type, OCTET_STREAM,
            "random bytes sniff as nothing"
        );
        assert_eq!(stored.declared_type, "text/plain");
        assert_eq!(stored.filename, "report.bin");
        assert_eq!(stored.uploaded_by, Some(Uploader::Agent(agent.id)));
        assert_eq!(stored.url, format!("/api/v1/attachments/{}", stored.id));

        let chunks: i64 = db
            .read(move |c| -> Result<i64, StoreError> {
                Ok(c.query_row(
                    "SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?1",
                    [stored.id],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(chunks as usize, bytes.len().div_ceil(CHUNK_BYTES));

        let viewer = Viewer {
            user_id: agent.id,
            role: Role::Agent,
        };
        let found = find(&db, viewer, stored.id).await.unwrap();
        assert_eq!(found, stored);
        let back = read_all(&db, &found).await;
        assert_eq!(back.len(), bytes.len());
        assert_eq!(hex::encode(Sha256::digest(&back)), expected_sha);
        assert!(back == bytes, "the bytes read back differ");

        let listed = list(&db, viewer, ticket_id).await.unwrap();
        assert_eq!(listed, vec![stored]);
    }

    #[tokio::test]
    async fn a_file_of_exactly_one_chunk_and_a_png_with_a_message() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        let exact = random_bytes(CHUNK_BYTES);
        let stored = store(&db, 1, upload(ticket_id, exact.clone(), agent.id))
            .await
            .unwrap();
        assert_eq!(read_all(&db, &stored).await, exact);

        let viewer = Viewer {
            user_id: agent.id,
            role: Role::Agent,
        };
        let message = tickets::get(&db, viewer, ticket_id)
            .await
            .unwrap()
            .messages
            .unwrap()[0]
            .id;
        check_ticket(&db, viewer, ticket_id, Some(message))
            .await
            .unwrap();
        let mut png = upload(ticket_id, PNG.to_vec(), agent.id);
        png.message_id = Some(message);
        png.filename = None;
        let stored = store(&db, 2, png).await.unwrap();
        assert_eq!(
            (
                stored.content_type.as_str(),
                stored.filename.as_str(),
                stored.message_id
            ),
            ("image/png", "attachment.png", Some(message))
        );
        assert_eq!(
            stored.preview_url,
            Some(format!("/api/v1/attachments/{}/preview", stored.id))
        );

        // A message of another ticket is refused, before and inside the transaction.
        let other = ticket(&db, agent.id, None).await;
        assert!(matches!(
            check_ticket(&db, viewer, other, Some(message)).await,
            Err(AttachmentError::Invalid(_))
        ));
        let mut wrong = upload(other, PNG.to_vec(), agent.id);
        wrong.message_id = Some(message);
        assert!(matches!(
            store(&db, 3, wrong).await,
            Err(AttachmentError::Invalid(_))
        ));
        assert!(matches!(
            store(&db, 3, upload(9999, PNG.to_vec(), agent.id)).await,
            Err(AttachmentError::Ticket(TicketError::NotFound(9999)))
        ));
        assert!(matches!(
            store(&db, 3, upload(other, Vec::new(), agent.id)).await,
            Err(AttachmentError::Empty)
        ));
    }

    #[tokio::test]
    async fn restricted_agents_see_no_attachment_of_other_departments_tickets() {
        let (_dir, db, agent) = account_with_agent().await;
        db.write(|c| -> Result<(), StoreError> {
            c.execute_batch(
                "INSERT INTO departments (id, name) VALUES (1, 'Sales'), (2, 'Support');
                 INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', 'true', 0);",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let agent_id = agent.id;
        db.write(move |c| -> Result<(), StoreError> {
            c.execute(
                "INSERT INTO department_members (department_id, user_id) VALUES (2, ?1)",
                [agent_id],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let sales = ticket(&db, agent.id, Some(1)).await;
        let support = ticket(&db, agent.id, Some(2)).await;
        let hidden = store(&db, 1, upload(sales, PNG.to_vec(), agent.id))
            .await
            .unwrap();
        let shown = store(&db, 1, upload(support, PNG.to_vec(), agent.id))
            .await
            .unwrap();

        let viewer = Viewer {
            user_id: agent.id,
            role: Role::Agent,
        };
        assert!(matches!(
            find(&db, viewer, hidden.id).await,
            Err(AttachmentError::NotFound(id)) if id == hidden.id
        ));
        assert!(matches!(
            list(&db, viewer, sales).await,
            Err(AttachmentError::Ticket(TicketError::NotFound(_)))
        ));
        assert!(matches!(
            check_ticket(&db, viewer, sales, None).await,
            Err(AttachmentError::Ticket(TicketError::NotFound(_)))
        ));
        assert_eq!(find(&db, viewer, shown.id).await.unwrap().id, shown.id);
        // Admins see every department.
        let admin = Viewer {
            user_id: agent.id,
            role: Role::Admin,
        };
        assert_eq!(find(&db, admin, hidden.id).await.unwrap().id, hidden.id);
    }

    #[tokio::test]
    async fn a_reply_and_its_files_commit_together_or_not_at_all() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        let viewer = Viewer {
            user_id: agent.id,
            role: Role::Agent,
        };
        let reply = |body: &str| tickets::NewMessage {
            kind: tickets::MessageKind::Reply,
            body: body.into(),
        };
        let files = || {
            vec![
                upload(0, b"one".to_vec(), agent.id),
                upload(0, PNG.to_vec(), agent.id),
            ]
        };
        let (message, stored) = store_with_message(
            &db,
            10,
            viewer,
            ticket_id,
            reply("Both attached."),
            files(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(
            stored
                .iter()
                .all(|a| a.message_id == Some(message.id) && a.ticket_id == ticket_id)
        );

        let counts = move |c: &Connection| -> Result<(i64, i64), StoreError> {
            Ok((
                c.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM attachments", [], |r| r.get(0))?,
            ))
        };
        let before = db.read(counts).await.unwrap();
        let empty_text =
            store_with_message(&db, 11, viewer, ticket_id, reply("  "), files(), None).await;
        assert!(matches!(
            empty_text,
            Err(AttachmentError::Ticket(TicketError::Invalid(_)))
        ));
        let mut with_empty_file = files();
        with_empty_file.push(upload(0, Vec::new(), agent.id));
        let refused = store_with_message(
            &db,
            12,
            viewer,
            ticket_id,
            reply("Hi"),
            with_empty_file,
            None,
        )
        .await;
        assert!(matches!(refused, Err(AttachmentError::Empty)));
        let missing = store_with_message(&db, 13, viewer, 9_999, reply("Hi"), files(), None).await;
        assert!(matches!(
            missing,
            Err(AttachmentError::Ticket(TicketError::NotFound(_)))
        ));
        assert_eq!(
            db.read(counts).await.unwrap(),
            before,
            "nothing half-written"
        );
    }

    #[tokio::test]
    async fn an_upload_moves_its_ticket_up_and_is_in_its_history() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        store(&db, 5_000, upload(ticket_id, b"hello".to_vec(), agent.id))
            .await
            .unwrap();
        let viewer = Viewer {
            user_id: agent.id,
            role: Role::Agent,
        };
        let ticket = tickets::get(&db, viewer, ticket_id).await.unwrap();
        assert_eq!(ticket.updated_at, rfc3339(5_000));
        let history = ticket.history.unwrap();
        let added = history.last().unwrap();
        assert_eq!(added.field, "attachment");
        assert_eq!(added.to.as_deref(), Some("report.bin"));
        assert_eq!(added.actor.id, Some(agent.id));
    }

    #[tokio::test]
    async fn attachments_go_with_their_ticket() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        let stored = store(&db, 1, upload(ticket_id, random_bytes(600_000), agent.id))
            .await
            .unwrap();
        let counts = move |c: &Connection| -> Result<(i64, i64), StoreError> {
            Ok((
                c.query_row("SELECT count(*) FROM attachments", [], |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM attachment_chunks", [], |r| r.get(0))?,
            ))
        };
        assert_eq!(db.read(counts).await.unwrap(), (1, 3));
        db.write(move |c| -> Result<(), StoreError> {
            c.execute("DELETE FROM tickets WHERE id = ?1", [ticket_id])?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(db.read(counts).await.unwrap(), (0, 0));
        assert!(chunk(&db, stored.id, 0).await.unwrap().is_none());
    }

    /// How long one 25 MB upload holds the account's writer, and what a small write queued
    /// behind it waits. Prints the figures (`cargo nextest run attachments_writer_hold
    /// --no-capture`); asserts only a generous bound so a slow CI machine does not fail it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn attachments_writer_hold_for_25_mb() {
        let (_dir, db, agent) = account_with_agent().await;
        let ticket_id = ticket(&db, agent.id, None).await;
        let mut figures = Vec::new();
        for round in 0..3 {
            let bytes = random_bytes(25 * 1024 * 1024);
            // Measured around the write alone (hashing and sniffing happen before it).
            let started = std::time::Instant::now();
            let prepared = Prepared::new(upload(ticket_id, bytes, agent.id));
            let hashing = started.elapsed();
            let writing = std::time::Instant::now();
            let db2 = db.clone();
            let big = tokio::spawn(async move {
                db2.write(move |conn| {
                    let inserting = std::time::Instant::now();
                    insert(conn, round, &prepared)?;
                    Ok::<_, AttachmentError>(inserting.elapsed())
                })
                .await
                .map(|inserted| (inserted, writing.elapsed()))
            });
            // A small write queued just behind it.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let small_started = std::time::Instant::now();
            db.write(|c| -> Result<(), StoreError> {
                c.execute(
                    "INSERT INTO settings (key, value, changed_at) VALUES ('probe', 'x', 0)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
            let small = small_started.elapsed();
            let held = big.await.unwrap().unwrap();
            figures.push((hashing, held, small));
        }
        for (hashing, (inserted, held), small) in &figures {
            println!(
                "25 MiB attachment: hash+sniff {hashing:?} (off the writer); on the writer: inserts {inserted:?}, until durable {held:?} (commit + WAL checkpoint {:?}); a small write queued behind it waited {small:?}",
                held.saturating_sub(*inserted)
            );
        }
        for (_, (_, held), _) in figures {
            assert!(held < std::time::Duration::from_secs(20), "{held:?}");
        }
    }
}
