//! The signed-in user's language: their choice on the profile page wins over the browser's
//! `Accept-Language`. Kept in the account's `settings` as `user.<id>.locale`.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use super::SignedIn;
use crate::app::AppState;
use crate::http::ApiError;
use crate::i18n::Locale;
use crate::store::{Database, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/agent/profile/language", post(choose))
}

fn key(user_id: i64) -> String {
    format!("user.{user_id}.locale")
}

/// The language the user chose, if any.
pub async fn chosen(db: &Database, user_id: i64) -> Result<Option<Locale>, StoreError> {
    db.read(move |conn| -> Result<_, StoreError> {
        let tag: Option<String> = conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key(user_id)], |r| r.get(0))
            .optional()?;
        Ok(tag.as_deref().and_then(Locale::from_tag))
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageForm {
    csrf: String,
    language: String,
}

async fn choose(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<LanguageForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let user_id = signed_in.session.user.id;
    let tag = Locale::from_tag(&form.language).map(Locale::tag);
    let now = state.clock.now_unix();
    signed_in
        .db
        .write(move |conn| -> Result<(), StoreError> {
            match tag {
                Some(tag) => conn.execute(
                    "INSERT INTO settings (key, value, changed_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
                    params![key(user_id), tag, now],
                )?,
                None => conn.execute("DELETE FROM settings WHERE key = ?1", [key(user_id)])?,
            };
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/agent").into_response())
}
