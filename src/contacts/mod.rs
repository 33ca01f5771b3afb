//! Contacts: the end users who write to the helpdesk, with the personal data SPEC.md lists
//! (name, several emails, phones, postal address, company, custom fields, and the IP
//! addresses and visitor ids they were seen with). A contact is made automatically from the
//! first ticket, mail or chat of an address, or by an agent; two can be merged.
//!
//! Functions taking a `&Connection` run inside a caller's transaction (a new ticket finds
//! or creates its contact in the same commit); the async ones are whole operations.

pub mod routes;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::users::is_plausible_email;
use crate::clock::rfc3339;
use crate::store::{Database, StoreError};

const MAX_EMAILS: usize = 20;
const MAX_PHONES: usize = 20;
const MAX_TEXT: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("`{0}` is not a valid email address")]
    InvalidEmail(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} already belongs to contact {1}")]
    EmailTaken(String, i64),
    #[error("no contact with id {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ContactError {
    fn from(e: rusqlite::Error) -> Self {
        ContactError::Store(e.into())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub company: String,
    pub address: String,
    pub custom: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a ticket shows of its contact.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContactRef {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub company: String,
    pub address: String,
    pub custom: Map<String, Value>,
}

/// Fields to change; absent fields stay as they are. `emails` and `phones` replace the lists.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub company: Option<String>,
    pub address: Option<String>,
    pub custom: Option<Map<String, Value>>,
}

fn text(field: &str, value: &str) -> Result<String, ContactError> {
    let value = value.trim();
    if value.chars().count() > MAX_TEXT || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ContactError::Invalid(format!(
            "`{field}` must be at most {MAX_TEXT} characters without control characters"
        )));
    }
    Ok(value.to_string())
}

fn emails(list: &[String]) -> Result<Vec<String>, ContactError> {
    if list.len() > MAX_EMAILS {
        return Err(ContactError::Invalid(format!(
            "at most {MAX_EMAILS} emails"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for email in list {
        let email = email.trim().to_string();
        if !is_plausible_email(&email) {
            return Err(ContactError::InvalidEmail(email));
        }
        if !out.iter().any(|e| e.eq_ignore_ascii_case(&email)) {
            out.push(email);
        }
    }
    Ok(out)
}

fn phones(list: &[String]) -> Result<Vec<String>, ContactError> {
    if list.len() > MAX_PHONES {
        return Err(ContactError::Invalid(format!(
            "at most {MAX_PHONES} phone numbers"
        )));
    }
    list.iter()
        .map(|p| text("phones", p))
        .filter(|p| !matches!(p, Ok(p) if p.is_empty()))
        .collect()
}

fn custom(map: &Map<String, Value>) -> Result<String, ContactError> {
    let json = serde_json::to_string(map).unwrap_or_else(|_| "{}".into());
    if json.len() > 16 * 1024 {
        return Err(ContactError::Invalid(
            "`custom` must be at most 16 KiB".into(),
        ));
    }
    Ok(json)
}

fn set_emails(conn: &Connection, contact_id: i64, list: &[String]) -> Result<(), ContactError> {
    for email in list {
        let owner: Option<i64> = conn
            .prepare_cached("SELECT contact_id FROM contact_emails WHERE email = ?1")?
            .query_row([email], |r| r.get(0))
            .optional()?;
        if let Some(owner) = owner.filter(|o| *o != contact_id) {
            return Err(ContactError::EmailTaken(email.clone(), owner));
        }
    }
    conn.execute(
        "DELETE FROM contact_emails WHERE contact_id = ?1",
        [contact_id],
    )?;
    let mut insert =
        conn.prepare_cached("INSERT INTO contact_emails (email, contact_id) VALUES (?1, ?2)")?;
    for email in list {
        insert.execute(params![email, contact_id])?;
    }
    Ok(())
}

/// In a transaction: the contact with this email, made (with `name`) if there is none.
pub(crate) fn find_or_create_by_email(
    conn: &Connection,
    email: &str,
    name: &str,
    now: i64,
) -> Result<i64, ContactError> {
    let email = email.trim();
    if !is_plausible_email(email) {
        return Err(ContactError::InvalidEmail(email.to_string()));
    }
    let found: Option<i64> = conn
        .prepare_cached("SELECT contact_id FROM contact_emails WHERE email = ?1")?
        .query_row([email], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let name = text("name", name)?;
    conn.prepare_cached("INSERT INTO contacts (name, created_at, updated_at) VALUES (?1, ?2, ?2)")?
        .execute(params![name, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO contact_emails (email, contact_id) VALUES (?1, ?2)")?
        .execute(params![email, id])?;
    Ok(id)
}

/// In a transaction: the contact that has this email, if any.
pub(crate) fn find_by_email(
    conn: &Connection,
    email: &str,
) -> Result<Option<i64>, rusqlite::Error> {
    conn.prepare_cached("SELECT contact_id FROM contact_emails WHERE email = ?1")?
        .query_row([email.trim()], |r| r.get(0))
        .optional()
}

/// In a transaction: where mail to contact `id` goes: their first address (the one they
/// were first known by) with their name. `None` without an address, or with one lettre
/// cannot write (a mail that could never be sent is better not queued).
pub(crate) fn mailbox(
    conn: &Connection,
    id: i64,
) -> Result<Option<lettre::message::Mailbox>, rusqlite::Error> {
    let found: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT e.email, c.name FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
             WHERE e.contact_id = ?1 ORDER BY e.rowid LIMIT 1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.and_then(|(email, name)| {
        let address = email.parse().ok()?;
        let name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
        Some(lettre::message::Mailbox::new(name, address))
    }))
}

/// In a transaction: notes that contact `id` was seen with an IP address (`kind` "ip") or
/// a visitor id ("visitor") at `now`: the first time adds it, later times move `last_seen`.
pub(crate) fn note_sighting(
    conn: &Connection,
    id: i64,
    kind: &str,
    value: &str,
    now: i64,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO contact_sightings (contact_id, kind, value, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (contact_id, kind, value) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)",
    )?
    .execute(params![id, kind, value, now])?;
    Ok(())
}

/// In a transaction: what a ticket shows of contact `id`.
pub(crate) fn reference(conn: &Connection, id: i64) -> Result<ContactRef, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT c.id, c.name, (SELECT min(email) FROM contact_emails WHERE contact_id = c.id)
         FROM contacts c WHERE c.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(ContactRef {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
        })
    })
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Option<Contact>, rusqlite::Error> {
    let row = conn
        .prepare_cached(
            "SELECT id, name, phones, company, address, custom, created_at, updated_at
             FROM contacts WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let phones: String = r.get(2)?;
            let custom: String = r.get(5)?;
            Ok(Contact {
                id: r.get(0)?,
                name: r.get(1)?,
                emails: Vec::new(),
                phones: serde_json::from_str(&phones).unwrap_or_default(),
                company: r.get(3)?,
                address: r.get(4)?,
                custom: serde_json::from_str(&custom).unwrap_or_default(),
                created_at: rfc3339(r.get(6)?),
                updated_at: rfc3339(r.get(7)?),
            })
        })
        .optional()?;
    let Some(mut contact) = row else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached("SELECT email FROM contact_emails WHERE contact_id = ?1 ORDER BY rowid")?;
    contact.emails = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(contact))
}

pub async fn create(db: &Database, now: i64, new: NewContact) -> Result<Contact, ContactError> {
    let name = text("name", &new.name)?;
    let emails = emails(&new.emails)?;
    let phones = serde_json::to_string(&phones(&new.phones)?).unwrap_or_else(|_| "[]".into());
    let (company, address, custom) = (
        text("company", &new.company)?,
        text("address", &new.address)?,
        custom(&new.custom)?,
    );
    db.write(move |conn| -> Result<Contact, ContactError> {
        conn.execute(
            "INSERT INTO contacts (name, company, phones, address, custom, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![name, company, phones, address, custom, now],
        )?;
        let id = conn.last_insert_rowid();
        set_emails(conn, id, &emails)?;
        load(conn, id)?.ok_or(ContactError::NotFound(id))
    })
    .await
}

pub async fn get(db: &Database, id: i64) -> Result<Contact, ContactError> {
    db.read(move |conn| -> Result<_, ContactError> {
        load(conn, id)?.ok_or(ContactError::NotFound(id))
    })
    .await
}

/// Contacts by id, newest first: a page after `before` (an id), optionally only the one
/// with this email.
pub async fn list(
    db: &Database,
    email: Option<String>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Contact>, ContactError> {
    db.read(move |conn| -> Result<_, ContactError> {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM contacts c
             WHERE (?1 IS NULL OR id < ?1)
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email = ?2))
             ORDER BY id DESC LIMIT ?3",
        )?;
        let ids: Vec<i64> = stmt.query_map(params![before, email, limit], |r| r.get(0))?.collect::<Result<_, _>>()?;
        load_all(conn, ids)
    })
    .await
}

/// The contacts with these ids that still exist, in the same order.
fn load_all(conn: &Connection, ids: Vec<i64>) -> Result<Vec<Contact>, ContactError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(contact) = load(conn, id)? {
            out.push(contact);
        }
    }
    Ok(out)
}

pub async fn update(
    db: &Database,
    now: i64,
    id: i64,
    patch: ContactPatch,
) -> Result<Contact, ContactError> {
    apply_update(db, now, id, patch, None).await
}

/// `update`, and in the same transaction an audit entry `contact.updated` naming `actor`
/// and the fields that changed (names only: no personal data in the audit log).
pub async fn update_recorded(
    db: &Database,
    now: i64,
    id: i64,
    patch: ContactPatch,
    actor: crate::audit::Actor,
) -> Result<Contact, ContactError> {
    apply_update(db, now, id, patch, Some(actor)).await
}

/// The fields that differ between two versions of a contact, by name.
fn changed_fields(before: &Contact, after: &Contact) -> Vec<&'static str> {
    [
        ("name", before.name != after.name),
        ("emails", before.emails != after.emails),
        ("phones", before.phones != after.phones),
        ("company", before.company != after.company),
        ("address", before.address != after.address),
        ("custom", before.custom != after.custom),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(field, _)| field)
    .collect()
}

async fn apply_update(
    db: &Database,
    now: i64,
    id: i64,
    patch: ContactPatch,
    actor: Option<crate::audit::Actor>,
) -> Result<Contact, ContactError> {
    let name = patch.name.as_deref().map(|n| text("name", n)).transpose()?;
    let emails = patch.emails.as_deref().map(emails).transpose()?;
    let phones = patch
        .phones
        .as_deref()
        .map(|p| phones(p).map(|p| serde_json::to_string(&p).unwrap_or_else(|_| "[]".into())))
        .transpose()?;
    let company = patch
        .company
        .as_deref()
        .map(|c| text("company", c))
        .transpose()?;
    let address = patch
        .address
        .as_deref()
        .map(|a| text("address", a))
        .transpose()?;
    let custom = patch.custom.as_ref().map(custom).transpose()?;
    db.write(move |conn| -> Result<Contact, ContactError> {
        let Some(before) = load(conn, id)? else {
            return Err(ContactError::NotFound(id));
        };
        conn.execute(
            "UPDATE contacts SET name = COALESCE(?2, name), company = COALESCE(?3, company),
                    phones = COALESCE(?4, phones), address = COALESCE(?5, address),
                    custom = COALESCE(?6, custom), updated_at = ?7
             WHERE id = ?1",
            params![id, name, company, phones, address, custom, now],
        )?;
        if let Some(emails) = &emails {
            set_emails(conn, id, emails)?;
        }
        if name.is_some() || emails.is_some() {
            crate::search::queue_contact(conn, id)?;
        }
        let after = load(conn, id)?.ok_or(ContactError::NotFound(id))?;
        if let Some(actor) = &actor {
            let fields = changed_fields(&before, &after).join(", ");
            let target = format!("contact:{id}");
            crate::audit::record(conn, &actor.entry(now, "contact.updated", &target, &fields))?;
        }
        Ok(after)
    })
    .await
}

/// Merges contact `from` into `into`: emails, sightings, tickets and messages move; empty
/// fields of `into` take `from`'s values; `from` is gone.
pub async fn merge(db: &Database, now: i64, from: i64, into: i64) -> Result<Contact, ContactError> {
    apply_merge(db, now, from, into, None).await
}

/// `merge`, and in the same transaction an audit entry `contact.merged` on `contact:{into}`
/// naming `actor`, the merged contact's id and how many tickets moved.
pub async fn merge_recorded(
    db: &Database,
    now: i64,
    from: i64,
    into: i64,
    actor: crate::audit::Actor,
) -> Result<Contact, ContactError> {
    apply_merge(db, now, from, into, Some(actor)).await
}

async fn apply_merge(
    db: &Database,
    now: i64,
    from: i64,
    into: i64,
    actor: Option<crate::audit::Actor>,
) -> Result<Contact, ContactError> {
    if from == into {
        return Err(ContactError::Invalid(
            "a contact cannot be merged into itself".into(),
        ));
    }
    db.write(move |conn| -> Result<Contact, ContactError> {
        let source = load(conn, from)?.ok_or(ContactError::NotFound(from))?;
        let target = load(conn, into)?.ok_or(ContactError::NotFound(into))?;
        conn.execute("UPDATE contact_emails SET contact_id = ?2 WHERE contact_id = ?1", params![from, into])?;
        conn.execute(
            "INSERT OR IGNORE INTO contact_sightings (contact_id, kind, value, first_seen, last_seen)
             SELECT ?2, kind, value, first_seen, last_seen FROM contact_sightings WHERE contact_id = ?1",
            params![from, into],
        )?;
        // Each moved ticket's history says whose it was, by whom (the audit has the merge).
        let by = actor.as_ref().and_then(|a| a.id);
        conn.execute(
            "INSERT INTO ticket_events (ticket_id, at, actor_user_id, actor_kind, field, old_value, new_value)
             SELECT id, ?3, ?4, ?5, 'contact', ?1, ?2 FROM tickets WHERE contact_id = ?6",
            params![from.to_string(), into.to_string(), now, by, if by.is_some() { "agent" } else { "system" }, from],
        )?;
        let moved = conn.execute("UPDATE tickets SET contact_id = ?2 WHERE contact_id = ?1", params![from, into])?;
        conn.execute("UPDATE messages SET author_contact_id = ?2 WHERE author_contact_id = ?1", params![from, into])?;
        let mut phones = target.phones.clone();
        phones.extend(source.phones.into_iter().filter(|p| !target.phones.contains(p)));
        let mut custom = source.custom;
        custom.extend(target.custom);
        let pick = |a: &str, b: String| if a.is_empty() { b } else { a.to_string() };
        conn.execute(
            "UPDATE contacts SET name = ?2, company = ?3, address = ?4, phones = ?5, custom = ?6, updated_at = ?7
             WHERE id = ?1",
            params![
                into,
                pick(&target.name, source.name),
                pick(&target.company, source.company),
                pick(&target.address, source.address),
                serde_json::to_string(&phones).unwrap_or_else(|_| "[]".into()),
                serde_json::to_string(&custom).unwrap_or_else(|_| "{}".into()),
                now
            ],
        )?;
        conn.execute("DELETE FROM contacts WHERE id = ?1", [from])?;
        crate::search::queue_contact(conn, into)?;
        if let Some(actor) = &actor {
            let target = format!("contact:{into}");
            let detail = format!("merged contact:{from}; {moved} tickets moved");
            crate::audit::record(conn, &actor.entry(now, "contact.merged", &target, &detail))?;
        }
        load(conn, into)?.ok_or(ContactError::NotFound(into))
    })
    .await
}

/// Of the contacts `ids`, those `viewer` may reach in the panel, in order: all of them when
/// departments are not restricted for the viewer; otherwise those with no ticket, or with at
/// least one ticket the viewer may see (a contact known only through other departments'
/// tickets is theirs).
pub async fn visible_to(
    db: &Database,
    viewer: crate::tickets::Viewer,
    ids: Vec<i64>,
) -> Result<Vec<i64>, ContactError> {
    db.read(move |conn| -> Result<Vec<i64>, ContactError> {
        if !crate::tickets::restricted(conn, viewer)? {
            return Ok(ids);
        }
        let sql = format!(
            "SELECT NOT EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = ?3)
                 OR EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = ?3 AND {})",
            crate::tickets::VISIBLE
                .replace("?R", "?1")
                .replace("?U", "?2")
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let shown: bool =
                statement.query_row(params![true, viewer.user_id, id], |r| r.get(0))?;
            if shown {
                out.push(id);
            }
        }
        Ok(out)
    })
    .await
}

/// Up to `limit` contacts whose name or one of whose emails contains `text` (ASCII letters
/// without regard to case), newest first: what an agent picks from to merge.
pub async fn search(db: &Database, text: &str, limit: u32) -> Result<Vec<Contact>, ContactError> {
    let needle = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = format!("%{needle}%");
    db.read(move |conn| -> Result<Vec<Contact>, ContactError> {
        let ids: Vec<i64> = conn
            .prepare_cached(
                "SELECT c.id FROM contacts c
                 WHERE c.name LIKE ?1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE ?1 ESCAPE '\\')
                 ORDER BY c.id DESC LIMIT ?2",
            )?
            .query_map(params![pattern, limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        load_all(conn, ids)
    })
    .await
}

#[cfg(test)]
mod tests;
