//! Schema conformance: the helpdesk routes are called for real, and every answer must be a
//! status the OpenAPI document lists for that operation, with a body that validates against
//! the schema it names (JSON Schema validation with the `jsonschema` crate).

use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("opal@oas.example", "owner password 12");

struct Conformance {
    document: Value,
    checked: usize,
}

impl Conformance {
    /// The schema for one operation's answer, with component references made local.
    fn schema(&self, method: &str, path: &str, status: u16) -> Value {
        let operation = &self.document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which is not documented"
        );
        let schema = response["content"]["application/json"]["schema"].clone();
        let defs = self.document["components"]["schemas"].clone();
        let text = json!({"$defs": defs, "allOf": [schema]})
            .to_string()
            .replace("#/components/schemas/", "#/$defs/");
        serde_json::from_str(&text).unwrap()
    }

    fn check(&mut self, method: &str, path: &str, status: u16, body: &Value) {
        let schema = self.schema(method, path, status);
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("schema of {method} {path}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:?}\n{body:#}"
        );
        self.checked += 1;
    }
}

#[tokio::test]
async fn helpdesk_answers_match_the_openapi_document() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Opal", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let document: Value = client
        .get(daemon.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut oas = Conformance {
        document,
        checked: 0,
    };
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = client
            .request(method, daemon.url(&path))
            .basic_auth(OWNER.0, Some(OWNER.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method as M;

    let (s, ticket) = call(M::POST, "/api/v1/tickets".into(), Some(json!({"subject": "Schema", "message": "Body", "contact": {"email": "s@x.example", "name": "Sam"}, "tags": ["a"]}))).await;
    oas.check("post", "/api/v1/tickets", s, &ticket);
    let id = ticket["id"].as_i64().unwrap();
    let (s, body) = call(
        M::POST,
        "/api/v1/tickets".into(),
        Some(json!({"subject": "x"})),
    )
    .await;
    oas.check("post", "/api/v1/tickets", s, &body);
    let (s, body) = call(M::GET, "/api/v1/tickets?limit=1".into(), None).await;
    oas.check("get", "/api/v1/tickets", s, &body);
    let (s, body) = call(M::GET, "/api/v1/tickets?status=bogus".into(), None).await;
    oas.check("get", "/api/v1/tickets", s, &body);
    let (s, body) = call(
        M::POST,
        format!("/api/v1/tickets/{id}/messages"),
        Some(json!({"type": "note", "body": "n"})),
    )
    .await;
    oas.check("post", "/api/v1/tickets/{id}/messages", s, &body);
    let (s, me) = call(M::GET, "/api/v1/me".into(), None).await;
    assert_eq!(s, 200);
    let (s, body) = call(
        M::PATCH,
        format!("/api/v1/tickets/{id}"),
        Some(json!({"status": "open", "assignee_id": me["id"], "priority": "high"})),
    )
    .await;
    oas.check("patch", "/api/v1/tickets/{id}", s, &body);
    let (s, body) = call(M::GET, format!("/api/v1/tickets/{id}"), None).await;
    oas.check("get", "/api/v1/tickets/{id}", s, &body);
    let (s, body) = call(M::GET, "/api/v1/tickets/999999".into(), None).await;
    oas.check("get", "/api/v1/tickets/{id}", s, &body);
    let (s, body) = call(M::POST, format!("/api/v1/tickets/{id}/spam"), None).await;
    oas.check("post", "/api/v1/tickets/{id}/spam", s, &body);
    let (s, body) = call(M::POST, format!("/api/v1/tickets/{id}/not-spam"), None).await;
    oas.check("post", "/api/v1/tickets/{id}/not-spam", s, &body);
    let (s, body) = call(M::POST, "/api/v1/tickets/999999/spam".into(), None).await;
    oas.check("post", "/api/v1/tickets/{id}/spam", s, &body);
    let (s, body) = call(M::GET, "/api/v1/spam".into(), None).await;
    oas.check("get", "/api/v1/spam", s, &body);
    let (s, body) = call(
        M::PATCH,
        "/api/v1/spam".into(),
        Some(
            json!({"thresholds": {"ham_cutoff": 0.2, "spam_cutoff": 0.6}, "learn_resolved": true}),
        ),
    )
    .await;
    oas.check("patch", "/api/v1/spam", s, &body);
    let (s, body) = call(
        M::PATCH,
        "/api/v1/spam".into(),
        Some(json!({"thresholds": {"ham_cutoff": 0.7, "spam_cutoff": 0.6}})),
    )
    .await;
    oas.check("patch", "/api/v1/spam", s, &body);
    let (s, body) = call(M::GET, "/api/v1/chat/settings".into(), None).await;
    oas.check("get", "/api/v1/chat/settings", s, &body);
    let (s, body) = call(
        M::PUT,
        "/api/v1/chat/settings".into(),
        Some(json!({"allowed_origins": ["https://shop.example"], "consent_texts": {"en": "We keep your name."}})),
    )
    .await;
    oas.check("put", "/api/v1/chat/settings", s, &body);
    let (s, body) = call(
        M::PUT,
        "/api/v1/chat/settings".into(),
        Some(json!({"position": "middle"})),
    )
    .await;
    oas.check("put", "/api/v1/chat/settings", s, &body);
    let (s, body) = call(
        M::GET,
        format!(
            "/api/v1/chat/consents?contact_id={}",
            ticket["contact"]["id"]
        ),
        None,
    )
    .await;
    oas.check("get", "/api/v1/chat/consents", s, &body);
    let (s, agents) = call(M::GET, "/api/v1/chat/agents".into(), None).await;
    oas.check("get", "/api/v1/chat/agents", s, &agents);
    let owner = agents["agents"][0]["id"]
        .as_i64()
        .expect("the owner answers chats too");
    let one = "/api/v1/chat/agents/{id}";
    for patch in [
        json!({"max_chats": 2}),
        json!({"max_chats": null}),
        json!({"max_chats": 101}),
    ] {
        let (s, body) = call(
            M::PATCH,
            format!("/api/v1/chat/agents/{owner}"),
            Some(patch),
        )
        .await;
        oas.check("patch", one, s, &body);
    }
    let (s, body) = call(
        M::PATCH,
        "/api/v1/chat/agents/999999".into(),
        Some(json!({"max_chats": 1})),
    )
    .await;
    oas.check("patch", one, s, &body);
    let (s, body) = call(M::DELETE, format!("/api/v1/tickets/{id}"), None).await;
    oas.check("delete", "/api/v1/tickets/{id}", s, &body);

    let (s, contact) = call(
        M::POST,
        "/api/v1/contacts".into(),
        Some(json!({"name": "Cy", "emails": ["cy@x.example"]})),
    )
    .await;
    oas.check("post", "/api/v1/contacts", s, &contact);
    let cid = contact["id"].as_i64().unwrap();
    let (s, body) = call(
        M::POST,
        "/api/v1/contacts".into(),
        Some(json!({"emails": ["CY@x.example"]})),
    )
    .await;
    oas.check("post", "/api/v1/contacts", s, &body);
    let (s, body) = call(M::GET, "/api/v1/contacts".into(), None).await;
    oas.check("get", "/api/v1/contacts", s, &body);
    let (s, body) = call(
        M::PATCH,
        format!("/api/v1/contacts/{cid}"),
        Some(json!({"company": "Co"})),
    )
    .await;
    oas.check("patch", "/api/v1/contacts/{id}", s, &body);
    let (s, body) = call(M::GET, format!("/api/v1/contacts/{cid}"), None).await;
    oas.check("get", "/api/v1/contacts/{id}", s, &body);
    let other = ticket["contact"]["id"].as_i64().unwrap();
    let (s, body) = call(
        M::POST,
        format!("/api/v1/contacts/{other}/merge"),
        Some(json!({"into": cid})),
    )
    .await;
    oas.check("post", "/api/v1/contacts/{id}/merge", s, &body);
    let (s, body) = call(M::DELETE, format!("/api/v1/contacts/{cid}"), None).await;
    oas.check("delete", "/api/v1/contacts/{id}", s, &body);

    let (s, department) = call(
        M::POST,
        "/api/v1/departments".into(),
        Some(json!({"name": "Support"})),
    )
    .await;
    oas.check("post", "/api/v1/departments", s, &department);
    let (s, body) = call(
        M::PUT,
        format!("/api/v1/departments/{}/members", department["id"]),
        Some(json!({"user_ids": [me["id"]]})),
    )
    .await;
    oas.check("put", "/api/v1/departments/{id}/members", s, &body);
    let (s, body) = call(M::GET, "/api/v1/departments".into(), None).await;
    oas.check("get", "/api/v1/departments", s, &body);
    let (s, body) = call(
        M::PUT,
        "/api/v1/settings/departments".into(),
        Some(json!({"restricted": false})),
    )
    .await;
    oas.check("put", "/api/v1/settings/departments", s, &body);
    let (s, body) = call(M::GET, "/api/v1/settings/departments".into(), None).await;
    oas.check("get", "/api/v1/settings/departments", s, &body);
    assert_eq!(oas.checked, 36);

    // The check has teeth: a ticket with an undocumented status or a missing field fails.
    let schema = oas.schema("get", "/api/v1/tickets/{id}", 200);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut wrong = ticket.clone();
    wrong["status"] = json!("closed");
    assert!(!validator.is_valid(&wrong));
    let mut missing = ticket;
    missing.as_object_mut().unwrap().remove("code");
    assert!(!validator.is_valid(&missing));
}

/// The chat's moderation and agent-tool routes (bans, canned responses) against their
/// documentation.
#[tokio::test]
async fn chat_tool_answers_match_the_openapi_document() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Opal", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let document: Value = client
        .get(daemon.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut oas = Conformance {
        document,
        checked: 0,
    };
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = client
            .request(method, daemon.url(&path))
            .basic_auth(OWNER.0, Some(OWNER.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method as M;

    let bans = "/api/v1/chat/bans";
    let new = json!({"kind": "ip", "value": "2001:db8::/48", "reason": "flood", "days": 7});
    let (s, ban) = call(M::POST, bans.into(), Some(new.clone())).await;
    assert_eq!(s, 201, "{ban}");
    oas.check("post", bans, s, &ban);
    let (s, body) = call(M::POST, bans.into(), Some(new)).await;
    assert_eq!(s, 409, "{body}");
    oas.check("post", bans, s, &body);
    let (s, body) = call(
        M::POST,
        bans.into(),
        Some(json!({"kind": "ip", "value": "300.1.1.1"})),
    )
    .await;
    oas.check("post", bans, s, &body);
    let (s, body) = call(
        M::POST,
        bans.into(),
        Some(json!({"kind": "visitor", "value": "v1"})),
    )
    .await;
    oas.check("post", bans, s, &body);
    let (s, body) = call(M::GET, bans.into(), None).await;
    oas.check("get", bans, s, &body);
    let one = "/api/v1/chat/bans/{id}";
    let (s, _) = call(M::DELETE, format!("{bans}/{}", ban["id"]), None).await;
    assert_eq!(s, 204);
    assert!(oas.document["paths"][one]["delete"]["responses"]["204"].is_object());
    let (s, body) = call(M::DELETE, format!("{bans}/{}", ban["id"]), None).await;
    oas.check("delete", one, s, &body);

    let canned = "/api/v1/canned-responses";
    let new = json!({"title": "Refund", "body": "On its way.", "shortcut": "/refund"});
    let (s, response) = call(M::POST, canned.into(), Some(new.clone())).await;
    assert_eq!(s, 201, "{response}");
    oas.check("post", canned, s, &response);
    let (s, body) = call(M::POST, canned.into(), Some(new)).await;
    assert_eq!(s, 409, "{body}");
    oas.check("post", canned, s, &body);
    let (s, body) = call(
        M::POST,
        canned.into(),
        Some(json!({"title": "", "body": "x"})),
    )
    .await;
    oas.check("post", canned, s, &body);
    let (s, body) = call(M::GET, canned.into(), None).await;
    oas.check("get", canned, s, &body);
    let one = "/api/v1/canned-responses/{id}";
    let at = format!("{canned}/{}", response["id"]);
    let (s, body) = call(
        M::PATCH,
        at.clone(),
        Some(json!({"department_id": null, "title": "Refunds"})),
    )
    .await;
    oas.check("patch", one, s, &body);
    let (s, body) = call(M::PATCH, at.clone(), Some(json!({"body": ""}))).await;
    oas.check("patch", one, s, &body);
    let (s, _) = call(M::DELETE, at.clone(), None).await;
    assert_eq!(s, 204);
    assert!(oas.document["paths"][one]["delete"]["responses"]["204"].is_object());
    let (s, body) = call(M::DELETE, at.clone(), None).await;
    oas.check("delete", one, s, &body);
    let (s, body) = call(M::PATCH, at, Some(json!({}))).await;
    oas.check("patch", one, s, &body);
    assert_eq!(oas.checked, 14);
}

/// A contact's data export (`privacy`) against its documentation, whose schemas admit no
/// undescribed field: a ticket with a note, history and a file, then an unknown contact.
#[tokio::test]
async fn the_contact_export_matches_the_openapi_document() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Opal", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let document: Value = client
        .get(daemon.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut oas = Conformance {
        document,
        checked: 0,
    };
    let owner = |request: reqwest::RequestBuilder| request.basic_auth(OWNER.0, Some(OWNER.1));
    let ticket: Value = owner(client.post(daemon.url("/api/v1/tickets")))
        .json(&json!({"subject": "Export", "message": "Body", "contact": {"email": "ex@x.example", "name": "Ex"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, contact) = (
        ticket["id"].as_i64().unwrap(),
        ticket["contact"]["id"].as_i64().unwrap(),
    );
    let note = owner(client.post(daemon.url(&format!("/api/v1/tickets/{id}/messages"))))
        .json(&json!({"type": "note", "body": "internal"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 201);
    let file =
        owner(client.post(daemon.url(&format!("/api/v1/tickets/{id}/attachments?filename=a.txt"))))
            .body("some text")
            .send()
            .await
            .unwrap();
    assert_eq!(file.status(), 201);

    let path = "/api/v1/contacts/{id}/export";
    for contact in [contact, 999_999] {
        let response = owner(client.get(daemon.url(&format!("/api/v1/contacts/{contact}/export"))))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        oas.check("get", path, status, &response.json().await.unwrap());
    }
    assert_eq!(oas.checked, 2);
}
