//! Privacy tools (GDPR): what the account holds about a person, for them or for staff.
//!
//! `export` gathers a contact's data in one read (right of access, SPEC.md "data export");
//! `download` turns it into the JSON file every surface serves (API, panel, portal), so the
//! three cannot drift apart; `routes` is the API route. The panel and the portal mount their
//! own routes (behind their own sign-in and allowlist) and call the same functions.

pub mod export;
pub mod openapi;
pub mod routes;

#[cfg(test)]
mod tests;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub use export::{Audience, ContactExport};

use crate::audit::Actor;
use crate::http::ApiError;
use crate::store::{Database, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("no contact with id {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for PrivacyError {
    fn from(e: rusqlite::Error) -> Self {
        PrivacyError::Store(e.into())
    }
}

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::NotFound(_) => ApiError::not_found(e.to_string()),
            PrivacyError::Store(e) => e.into(),
        }
    }
}

/// Exports contact `id` for `audience` and records `contact.exported` in the audit log: the
/// export is read first (an unknown contact is `NotFound` and nothing is recorded), then the
/// entry is committed before any byte is served, so no export leaves unaccounted for.
/// The entry names only the contact id and the audience, never the data.
pub async fn export_recorded(
    db: &Database,
    now: i64,
    id: i64,
    audience: Audience,
    actor: Actor,
) -> Result<ContactExport, PrivacyError> {
    let export = export::contact(db, id, audience, now).await?;
    db.write(move |conn| -> Result<(), PrivacyError> {
        let target = format!("contact:{id}");
        let detail = format!("audience: {}", audience.as_str());
        crate::audit::record(
            conn,
            &actor.entry(now, "contact.exported", &target, &detail),
        )?;
        Ok(())
    })
    .await?;
    Ok(export)
}

/// The export as a file download: JSON, `attachment` with the contact's id in the name, and
/// never cached (it is all of a person's data).
pub fn download(export: &ContactExport) -> Response {
    let body = match serde_json::to_vec_pretty(export) {
        Ok(body) => body,
        Err(e) => {
            return ApiError::from(StoreError::Invariant(format!(
                "an export could not be written as JSON: {e}"
            )))
            .into_response();
        }
    };
    let disposition = format!(
        "attachment; filename=\"contact-{}-export.json\"",
        export.contact.id
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
