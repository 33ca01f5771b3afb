//! `/agent/contacts` and `/agent/contacts/{id}`: the people who write in, and one person
//! with their details and tickets. On a person's page an agent edits what the contacts
//! API's PATCH changes (name, emails, phones, company, address, custom fields) and merges
//! another contact into this one (found by email or name, then confirmed); both go through
//! the contacts domain with an audit entry in the same transaction. Owners and admins also
//! download the person's data export (`privacy`), audited as `contact.exported`.
//!
//! With departments restricted, an agent reaches only contacts that have no ticket or at
//! least one ticket of theirs (`contacts::visible_to`); others answer 404 like a contact
//! that does not exist.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::desk::status_badge;
use super::{SignedIn, Staff};
use crate::app::AppState;
use crate::auth::gate::Admins;
use crate::auth::users::Role;
use crate::contacts::{self, Contact, ContactError, ContactPatch};
use crate::http::ApiError;
use crate::http::page::Page;
use crate::privacy;
use crate::tickets::{self, ListQuery, Viewer};

const PAGE: u32 = 50;
/// Candidates shown when looking for a contact to merge.
const CANDIDATES: u32 = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agent/contacts", get(list))
        .route("/agent/contacts/{id}", get(show))
        .route("/agent/contacts/{id}/edit", post(edit))
        .route("/agent/contacts/{id}/merge", post(merge))
        .route("/agent/contacts/{id}/export", get(export))
}

/// The person's data export with the session (the API route needs API credentials): owners
/// and admins only, everything including internal notes; audited.
async fn export(
    State(state): State<AppState>,
    staff: Staff<Admins>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    reach(&staff, id).await?;
    let now = state.clock.now_unix();
    let export =
        privacy::export_recorded(&staff.db, now, id, privacy::Audience::Staff, staff.actor())
            .await?;
    Ok(privacy::download(&export))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params {
    email: String,
    before: String,
}

async fn list(signed_in: SignedIn, Query(params): Query<Params>) -> Result<Page, ApiError> {
    let t = |id: &str| signed_in.locale.t(id);
    let email = Some(params.email.trim().to_string()).filter(|e| !e.is_empty());
    let before = params.before.parse::<i64>().ok();
    let page = contacts::list(&signed_in.db, email.clone(), before, PAGE).await?;
    let older = (page.len() == PAGE as usize)
        .then(|| page.last().map(|c| c.id))
        .flatten();
    let people = visible(&signed_in, page).await?;
    let body = html! {
        h1 { (t("contacts-title")) }
        form method="get" action="/agent/contacts" class="inline-search" role="search" {
            input type="search" name="email" value=(email.clone().unwrap_or_default()) placeholder=(t("contacts-find-email")) aria-label=(t("contacts-find-email"));
            button type="submit" class="secondary" { (t("contacts-find")) }
        }
        @if people.is_empty() {
            p class="empty" { (t("contacts-none")) }
        } @else {
            table class="tickets" {
                thead { tr { th { (t("agents-name")) } th { (t("agents-email")) } th { (t("contacts-company")) } th { (t("contacts-since")) } } }
                tbody {
                    @for person in &people {
                        tr data-href={"/agent/contacts/" (person.id)} {
                            td { a href={"/agent/contacts/" (person.id)} { (display_name(person)) } }
                            td { (person.emails.join(", ")) }
                            td { (person.company) }
                            td class="nowrap" { (signed_in.locale.datetime(&person.created_at)) }
                        }
                    }
                }
            }
        }
        @if let Some(id) = older {
            nav class="pager" { a href={"/agent/contacts?before=" (id)} rel="next" { (t("desk-older")) } }
        }
    };
    Ok(signed_in.workspace(StatusCode::OK, &t("contacts-title"), body))
}

/// The contacts of `people` this agent may reach.
async fn visible(signed_in: &SignedIn, people: Vec<Contact>) -> Result<Vec<Contact>, ApiError> {
    let ids = people.iter().map(|c| c.id).collect();
    let shown =
        contacts::visible_to(&signed_in.db, Viewer::of(&signed_in.session.user), ids).await?;
    Ok(people
        .into_iter()
        .filter(|c| shown.contains(&c.id))
        .collect())
}

/// Contact `id` if this agent may reach it; 404 otherwise, like a contact that does not exist.
async fn reach(signed_in: &SignedIn, id: i64) -> Result<Contact, ApiError> {
    let not_found = || ApiError::not_found(signed_in.locale.t("contacts-not-found"));
    let person = match contacts::get(&signed_in.db, id).await {
        Ok(person) => person,
        Err(ContactError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    visible(signed_in, vec![person])
        .await?
        .pop()
        .ok_or_else(not_found)
}

fn display_name(person: &Contact) -> String {
    if !person.name.is_empty() {
        person.name.clone()
    } else {
        person
            .emails
            .first()
            .cloned()
            .unwrap_or_else(|| format!("#{}", person.id))
    }
}

/// A custom field's value as the form shows it: text as it is, anything else as JSON.
fn custom_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// What the edit form holds: the contact as stored, or as posted when it was refused.
#[derive(Default, Clone)]
struct Draft {
    name: String,
    emails: String,
    phones: String,
    company: String,
    address: String,
    custom: Vec<(String, String)>,
}

impl Draft {
    fn of(person: &Contact) -> Draft {
        Draft {
            name: person.name.clone(),
            emails: person.emails.join("\n"),
            phones: person.phones.join("\n"),
            company: person.company.clone(),
            address: person.address.clone(),
            custom: person
                .custom
                .iter()
                .map(|(k, v)| (k.clone(), custom_text(v)))
                .collect(),
        }
    }

    /// The posted fields, in order (`custom_key` and `custom_value` pair up by position).
    fn posted(pairs: &[(String, String)]) -> Draft {
        let mut draft = Draft::default();
        let mut keys = Vec::new();
        let mut values = Vec::new();
        for (name, value) in pairs {
            match name.as_str() {
                "name" => draft.name = value.clone(),
                "emails" => draft.emails = value.clone(),
                "phones" => draft.phones = value.clone(),
                "company" => draft.company = value.clone(),
                "address" => draft.address = value.clone(),
                "custom_key" => keys.push(value.clone()),
                "custom_value" => values.push(value.clone()),
                _ => {}
            }
        }
        values.resize(keys.len(), String::new());
        draft.custom = keys.into_iter().zip(values).collect();
        draft
    }

    /// The PATCH this draft asks for, given the contact as stored: a custom field that held
    /// a number, a boolean, a list or an object is read back as JSON, text stays text; an
    /// empty value removes the field. `Err` names a field whose JSON does not parse.
    fn patch(&self, stored: &Contact) -> Result<ContactPatch, String> {
        let lines = |text: &str, commas: bool| -> Vec<String> {
            text.split(|c| c == '\n' || (commas && c == ','))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut custom = Map::new();
        for (key, value) in &self.custom {
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() || value.is_empty() {
                continue;
            }
            let typed = match stored.custom.get(key) {
                Some(old) if !old.is_string() => {
                    serde_json::from_str(value).map_err(|_| key.to_string())?
                }
                _ => Value::String(value.to_string()),
            };
            custom.insert(key.to_string(), typed);
        }
        Ok(ContactPatch {
            name: Some(self.name.clone()),
            emails: Some(lines(&self.emails, true)),
            phones: Some(lines(&self.phones, false)),
            company: Some(self.company.clone()),
            address: Some(self.address.clone()),
            custom: Some(custom),
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowParams {
    /// Text to find a contact to merge by (an email or part of a name or email).
    merge: String,
    /// The contact chosen to merge into this one (asks for confirmation).
    merge_from: Option<i64>,
    /// `saved` or `merged`: what the last post did.
    done: String,
}

/// What the page shows besides the contact: a notice, the edit form's content, the merge
/// search or confirmation.
#[derive(Default)]
struct Shown {
    notice: Option<Markup>,
    success: Option<String>,
    draft: Option<Draft>,
    merge: String,
    merge_from: Option<i64>,
}

async fn show(
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(params): Query<ShowParams>,
) -> Result<Page, ApiError> {
    let t = |id: &str| signed_in.locale.t(id);
    let success = match params.done.as_str() {
        "saved" => Some(t("contacts-saved")),
        "merged" => Some(t("contacts-merged")),
        _ => None,
    };
    let shown = Shown {
        success,
        merge: params.merge,
        merge_from: params.merge_from,
        ..Shown::default()
    };
    render(&signed_in, id, StatusCode::OK, shown).await
}

async fn render(
    signed_in: &SignedIn,
    id: i64,
    status: StatusCode,
    shown: Shown,
) -> Result<Page, ApiError> {
    let locale = signed_in.locale;
    let t = |id: &str| locale.t(id);
    let person = reach(signed_in, id).await?;
    let viewer = Viewer::of(&signed_in.session.user);
    let their = tickets::list(
        &signed_in.db,
        viewer,
        ListQuery {
            contact_id: Some(id),
            limit: 100,
            ..ListQuery::default()
        },
    )
    .await?;
    let draft = shown.draft.clone().unwrap_or_else(|| Draft::of(&person));
    let csrf = signed_in.session.csrf_token();
    // Merging: the candidates found, or the one chosen (to confirm).
    let wanted = shown.merge.trim().to_string();
    let candidates = if wanted.is_empty() {
        Vec::new()
    } else {
        let mut found = contacts::list(&signed_in.db, Some(wanted.clone()), None, 1).await?;
        for other in contacts::search(&signed_in.db, &wanted, CANDIDATES).await? {
            if !found.iter().any(|c| c.id == other.id) {
                found.push(other);
            }
        }
        found.retain(|c| c.id != id);
        visible(signed_in, found).await?
    };
    let chosen = match shown.merge_from.filter(|other| *other != id) {
        Some(other) => match reach(signed_in, other).await {
            Ok(other) => {
                let n = tickets::count(
                    &signed_in.db,
                    viewer,
                    ListQuery {
                        contact_id: Some(other.id),
                        ..ListQuery::default()
                    },
                )
                .await?;
                Some((other, n))
            }
            Err(e) if e.status == StatusCode::NOT_FOUND => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let chosen_missing = shown.merge_from.is_some() && chosen.is_none();
    // What they agreed to before chatting (GDPR: shown where the person is).
    let consents = crate::chat::store::consents_of(&signed_in.db, id)
        .await
        .map_err(ApiError::from)?;
    let title = display_name(&person);
    let body = html! {
        p { a href="/agent/contacts" { "← " (t("contacts-title")) } }
        h1 { (title) }
        @if let Some(text) = &shown.success {
            div class="success" role="status" { (text) }
        }
        @if let Some(notice) = &shown.notice {
            div class="error" role="alert" { (notice) }
        }
        div class="contact-page" {
            section class="contact-main" {
                dl class="facts" {
                    dt { (t("agents-email")) } dd { (person.emails.join(", ")) }
                    @if !person.phones.is_empty() { dt { (t("contacts-phones")) } dd { (person.phones.join(", ")) } }
                    @if !person.company.is_empty() { dt { (t("contacts-company")) } dd { (person.company) } }
                    @if !person.address.is_empty() { dt { (t("contacts-address")) } dd class="address" { (person.address) } }
                    @for (key, value) in &person.custom { dt { (key) } dd { (custom_text(value)) } }
                    dt { (t("contacts-since")) } dd { (locale.datetime(&person.created_at)) }
                }
                @if signed_in.session.user.role >= Role::Admin {
                    p class="contact-export" {
                        a href={"/agent/contacts/" (id) "/export"} download { (t("contacts-export")) }
                        " "
                        span class="hint" { (t("contacts-export-hint")) }
                    }
                }
                h2 { (t("contacts-tickets")) }
                @if their.is_empty() {
                    p class="empty" { (t("desk-empty")) }
                } @else {
                    ul class="other-tickets" {
                        @for ticket in &their {
                            li { a href={"/agent/tickets/" (ticket.id)} { (ticket.subject) } " " span class="code" { (ticket.code) } " " (status_badge(locale, ticket.status)) }
                        }
                    }
                }
                @if !consents.is_empty() {
                    h2 { (t("contacts-consents")) }
                    ul class="consents" {
                        @for consent in &consents {
                            li {
                                (locale.t_with("contacts-consent-given", &[
                                    ("when", &locale.datetime(&consent.given_at)),
                                    ("version", &consent.version.to_string()),
                                    ("language", &consent.locale),
                                    ("ip", &consent.ip),
                                ]))
                                blockquote { (consent.text) }
                            }
                        }
                    }
                }
                section class="panel-card merge" id="merge" aria-labelledby="merge-heading" {
                    h2 id="merge-heading" { (t("contacts-merge-title")) }
                    @if let Some((other, n)) = &chosen {
                        div class="merge-confirm" {
                            p { strong { (locale.t_with("contacts-merge-question", &[("other", &display_name(other)), ("this", &title)])) } }
                            ul {
                                li { (locale.t_count("contacts-merge-moves", "tickets", i64::try_from(*n).unwrap_or(i64::MAX), &[("other", &display_name(other)), ("emails", &other.emails.join(", "))])) }
                                li { (t("contacts-merge-fills")) }
                                li { (locale.t_with("contacts-merge-removes", &[("other", &display_name(other))])) }
                            }
                            form method="post" action={"/agent/contacts/" (id) "/merge"} class="merge-form" {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="from" value=(other.id);
                                label class="check" { input type="checkbox" name="confirm" value="yes" required; (t("contacts-merge-understand")) }
                                div class="merge-actions" {
                                    button type="submit" class="danger" { (t("contacts-merge-button")) }
                                    a href={"/agent/contacts/" (id)} { (t("contacts-merge-cancel")) }
                                }
                            }
                        }
                    } @else {
                        p class="hint" { (t("contacts-merge-hint")) }
                        @if chosen_missing {
                            p class="error" role="alert" { (t("contacts-merge-not-found")) }
                        }
                        form method="get" action={"/agent/contacts/" (id) "#merge"} class="inline-search" role="search" {
                            input type="search" name="merge" value=(wanted) placeholder=(t("contacts-merge-find")) aria-label=(t("contacts-merge-find"));
                            button type="submit" class="secondary" { (t("contacts-find")) }
                        }
                        @if !wanted.is_empty() {
                            @if candidates.is_empty() {
                                p class="muted" { (t("contacts-merge-none")) }
                            } @else {
                                ul class="candidates" {
                                    @for other in &candidates {
                                        li {
                                            span class="who" { strong { (display_name(other)) } br; span class="muted" { (other.emails.join(", ")) } }
                                            a class="choose" href={"/agent/contacts/" (id) "?merge_from=" (other.id) "#merge"} { (t("contacts-merge-choose")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            aside class="contact-side" {
                section class="panel-card" aria-labelledby="edit-heading" {
                    h2 id="edit-heading" { (t("contacts-edit")) }
                    form method="post" action={"/agent/contacts/" (id) "/edit"} class="contact-edit" {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (t("agents-name")) input type="text" name="name" value=(draft.name) maxlength="1000"; }
                        label { (t("contacts-emails"))
                            textarea name="emails" rows="3" { (draft.emails) }
                            span class="hint" { (t("contacts-emails-hint")) }
                        }
                        label { (t("contacts-phones"))
                            textarea name="phones" rows="2" { (draft.phones) }
                            span class="hint" { (t("contacts-phones-hint")) }
                        }
                        label { (t("contacts-company")) input type="text" name="company" value=(draft.company) maxlength="1000"; }
                        label { (t("contacts-address")) textarea name="address" rows="3" { (draft.address) } }
                        fieldset class="custom-fields" {
                            legend { (t("contacts-custom")) }
                            @for (key, value) in &draft.custom {
                                div class="custom-row" {
                                    input type="text" name="custom_key" value=(key) aria-label=(t("contacts-custom-key"));
                                    input type="text" name="custom_value" value=(value) aria-label=(t("contacts-custom-value"));
                                }
                            }
                            div class="custom-row" {
                                input type="text" name="custom_key" placeholder=(t("contacts-custom-key")) aria-label=(t("contacts-custom-key"));
                                input type="text" name="custom_value" placeholder=(t("contacts-custom-value")) aria-label=(t("contacts-custom-value"));
                            }
                            span class="hint" { (t("contacts-custom-hint")) }
                        }
                        button type="submit" { (t("contacts-save")) }
                    }
                }
            }
        }
    };
    Ok(signed_in.workspace(status, &title, body))
}

/// `POST /agent/contacts/{id}/edit`: the whole edit form becomes one PATCH (as
/// `PATCH /api/v1/contacts/{id}` takes it), recorded in the audit log.
async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let csrf = pairs
        .iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    signed_in.check_csrf(csrf)?;
    let locale = signed_in.locale;
    let stored = reach(&signed_in, id).await?;
    let draft = Draft::posted(&pairs);
    let refused = |notice: Markup| Shown {
        notice: Some(notice),
        draft: Some(draft.clone()),
        ..Shown::default()
    };
    let patch = match draft.patch(&stored) {
        Ok(patch) => patch,
        Err(key) => {
            let text = locale.t_with("contacts-custom-invalid", &[("key", &key)]);
            let shown = refused(html! { (text) });
            return Ok(
                render(&signed_in, id, StatusCode::UNPROCESSABLE_ENTITY, shown)
                    .await?
                    .into_response(),
            );
        }
    };
    let saved = contacts::update_recorded(
        &signed_in.db,
        state.clock.now_unix(),
        id,
        patch,
        signed_in.actor(),
    )
    .await;
    let notice = match saved {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/agent/contacts/{id}?done=saved")).into_response());
        }
        Err(ContactError::InvalidEmail(email)) => {
            let text = locale.t_with("contacts-invalid-email", &[("email", &email)]);
            html! { (text) }
        }
        Err(ContactError::EmailTaken(email, owner)) => {
            let text = locale.t_with("contacts-email-taken", &[("email", &email)]);
            html! {
                (text) " "
                a href={"/agent/contacts/" (id) "?merge_from=" (owner) "#merge"} { (locale.t("contacts-email-taken-merge")) }
            }
        }
        Err(ContactError::Invalid(_)) => html! { (locale.t("contacts-invalid-field")) },
        Err(ContactError::NotFound(_)) => {
            return Err(ApiError::not_found(locale.t("contacts-not-found")));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        &signed_in,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        refused(notice),
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    csrf: String,
    from: String,
    confirm: String,
}

/// `POST /agent/contacts/{id}/merge`: merges contact `from` into this one, once confirmed,
/// recorded in the audit log.
async fn merge(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, ApiError> {
    signed_in.check_csrf(&form.csrf)?;
    let locale = signed_in.locale;
    reach(&signed_in, id).await?;
    let Ok(from) = form.from.trim().parse::<i64>() else {
        return Err(ApiError::bad_request(
            "invalid_contact",
            "`from` is the id of the contact to merge",
        ));
    };
    let again = |notice: String, merge_from: Option<i64>| Shown {
        notice: Some(html! { (notice) }),
        merge_from,
        ..Shown::default()
    };
    if from == id {
        let shown = again(locale.t("contacts-merge-self"), None);
        return Ok(
            render(&signed_in, id, StatusCode::UNPROCESSABLE_ENTITY, shown)
                .await?
                .into_response(),
        );
    }
    reach(&signed_in, from).await?;
    if form.confirm != "yes" {
        let shown = again(locale.t("contacts-merge-confirm"), Some(from));
        return Ok(
            render(&signed_in, id, StatusCode::UNPROCESSABLE_ENTITY, shown)
                .await?
                .into_response(),
        );
    }
    match contacts::merge_recorded(
        &signed_in.db,
        state.clock.now_unix(),
        from,
        id,
        signed_in.actor(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/agent/contacts/{id}?done=merged")).into_response()),
        Err(ContactError::NotFound(_)) => Err(ApiError::not_found(locale.t("contacts-not-found"))),
        Err(e) => Err(e.into()),
    }
}
