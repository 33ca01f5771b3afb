//! A person's data export over the real daemon (GDPR right of access): a chat started with
//! consent, then the export by an admin through the API and the panel (with the consent
//! record and the internal note), refused to an agent, 404 for an unknown contact, audited
//! without personal data; and the person's own download from the portal, without notes.

use reqwest::header::{CONTENT_DISPOSITION, COOKIE};
use serde_json::{Value, json};

use crate::chat::{OWNER, SHOP, Socket, api_get, chat_daemon, sign_in_as, start_frame};
use crate::harness::Daemon;
use crate::portal::{Visitor, field, logged_links, path_of, sign_in};

const AGENT: (&str, &str) = ("abe@chat.example", "agent password 1");
const NOTE: &str = "internal: double-check this customer's refund";

/// GET `path` with Basic credentials: status, Content-Disposition, body as JSON.
async fn api_export(daemon: &Daemon, path: &str, who: (&str, &str)) -> (u16, String, Value) {
    let response = daemon
        .client()
        .get(daemon.url(path))
        .basic_auth(who.0, Some(who.1))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        disposition,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn api_post(daemon: &Daemon, path: &str, body: Value) -> Value {
    let response = daemon
        .client()
        .post(daemon.url(path))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "POST {path}");
    response.json().await.unwrap()
}

/// A panel GET with a session cookie: status, Content-Disposition, body.
async fn panel_get(daemon: &Daemon, session: &str, path: &str) -> (u16, String, String) {
    let response = daemon
        .client()
        .get(daemon.url(path))
        .header(COOKIE, format!("__Host-hd_session={session}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, disposition, response.text().await.unwrap())
}

#[tokio::test]
async fn a_persons_export_holds_their_consent_and_only_staff_see_internal_notes() {
    let daemon = chat_daemon().await;
    let mut visitor = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    visitor.send(start_frame("x1", true)).await;
    let started = visitor.next().await;
    assert_eq!(started["type"], "started", "{started}");
    let tickets = api_get(&daemon, "/api/v1/tickets").await;
    let ticket = tickets["tickets"][0]["id"].as_i64().unwrap();
    let contact = tickets["tickets"][0]["contact"]["id"].as_i64().unwrap();
    let messages = format!("/api/v1/tickets/{ticket}/messages");
    api_post(&daemon, &messages, json!({"type": "note", "body": NOTE})).await;
    api_post(
        &daemon,
        &messages,
        json!({"type": "reply", "body": "It ships today."}),
    )
    .await;
    // Someone else's ticket: never in Vic's export.
    let other = json!({"subject": "Other", "message": "Not Vic's", "contact": {"email": "olga@other.example", "name": "Olga"}});
    api_post(&daemon, "/api/v1/tickets", other).await;
    api_post(
        &daemon,
        "/api/v1/users",
        json!({"email": AGENT.0, "name": "Abe", "role": "agent", "password": AGENT.1}),
    )
    .await;

    // An admin's export through the API: everything, as a download.
    let path = format!("/api/v1/contacts/{contact}/export");
    let (status, disposition, export) = api_export(&daemon, &path, OWNER).await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"contact-{contact}-export.json\"")
    );
    assert_eq!(export["format"], "helpdeskd-contact-export/1");
    assert!(export["exported_at"].is_string());
    assert_eq!(export["contact"]["emails"], json!(["vic@visitor.example"]));
    let consents = export["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 1, "{export:#}");
    assert_eq!(consents[0]["chat_id"], started["chat"]);
    assert_eq!(consents[0]["ip"], "127.0.0.1");
    assert!(consents[0]["text"].as_str().is_some_and(|t| !t.is_empty()));
    let sightings = export["sightings"].as_array().unwrap();
    assert!(
        sightings
            .iter()
            .any(|s| s["kind"] == "ip" && s["value"] == "127.0.0.1")
    );
    assert!(sightings.iter().any(|s| s["kind"] == "visitor"));
    let exported = &export["tickets"][0];
    assert_eq!(
        (exported["id"].as_i64(), exported["channel"].as_str()),
        (Some(ticket), Some("chat"))
    );
    let kinds: Vec<&str> = exported["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["customer", "note", "reply"]);
    assert!(exported["history"].is_array());
    assert!(!export.to_string().contains("olga@other.example"));

    // An agent may not; an unknown contact is a JSON 404.
    let (status, _, refused) = api_export(&daemon, &path, AGENT).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let (status, _, missing) = api_export(&daemon, "/api/v1/contacts/999999/export", OWNER).await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{missing}"
    );

    // The panel: the contact page links the export for an admin, not for an agent.
    let owner = sign_in_as(&daemon, OWNER.0, OWNER.1).await;
    let link = format!("/agent/contacts/{contact}/export");
    let (status, _, page) = panel_get(&daemon, &owner, &format!("/agent/contacts/{contact}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"{link}\"")) && page.contains("Export data"),
        "{page}"
    );
    let (status, disposition, body) = panel_get(&daemon, &owner, &link).await;
    assert_eq!(status, 200, "{body}");
    assert!(disposition.starts_with("attachment;"));
    assert!(body.contains(NOTE));
    let agent = sign_in_as(&daemon, AGENT.0, AGENT.1).await;
    let (status, _, page) = panel_get(&daemon, &agent, &format!("/agent/contacts/{contact}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&link), "no export link for an agent");
    assert_eq!(panel_get(&daemon, &agent, &link).await.0, 403);

    // The person themself, signed in to the portal: their data without the internal note.
    let mut customer = Visitor::new(&daemon);
    let form = customer.get("/portal/login").await;
    let csrf = field(&form.body, "csrf");
    let asked = customer
        .post(
            "/portal/login",
            &[("csrf", &csrf), ("email", "vic@visitor.example")],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let links = logged_links(&daemon, contact, 1);
    sign_in(&mut customer, &path_of(&links[0])).await;
    let profile = customer.get("/portal/profile").await;
    assert_eq!(profile.status, 200);
    assert!(
        profile.body.contains("href=\"/portal/profile/export\"")
            && profile.body.contains("Download my data"),
        "{}",
        profile.body
    );
    let own = customer.get("/portal/profile/export").await;
    assert_eq!(own.status, 200, "{}", own.body);
    let own: Value = serde_json::from_str(&own.body).unwrap();
    assert_eq!(
        (own["audience"].as_str(), own["contact"]["id"].as_i64()),
        (Some("subject"), Some(contact))
    );
    assert_eq!(own["consents"], export["consents"]);
    let kinds: Vec<&str> = own["tickets"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["customer", "reply"]);
    assert!(own["tickets"][0].get("history").is_none());
    assert!(!own.to_string().contains(NOTE));

    // Every export is in the audit log, naming the contact by id only.
    let log = api_get(&daemon, "/api/v1/audit?action=contact.exported").await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "API, panel, portal: {log:#}");
    for entry in entries {
        assert_eq!(entry["target"], format!("contact:{contact}"));
        assert!(!entry["detail"].as_str().unwrap().contains('@'));
    }
    assert_eq!(entries[0]["actor"], "portal");
}
