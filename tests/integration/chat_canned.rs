//! Canned responses over the real daemon: the API round trip (admins write, agents read,
//! bad input 4xx, the department rule), the admins' page `/agent/canned` with its CSRF-
//! protected forms, and `/agent/chat/canned`, the console's list behind the session cookie.

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("olive@canned.example", "owner password 12");
const AGENT: (&str, &str) = ("abe@canned.example", "agent password 12");

async fn call(
    daemon: &Daemon,
    method: reqwest::Method,
    path: &str,
    who: (&str, &str),
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = daemon
        .client()
        .request(method, daemon.url(path))
        .basic_auth(who.0, Some(who.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn daemon_with_agent() -> Daemon {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let (status, _) = call(
        &daemon,
        reqwest::Method::POST,
        "/api/v1/users",
        OWNER,
        Some(json!({"email": AGENT.0, "name": "Abe", "role": "agent", "password": AGENT.1})),
    )
    .await;
    assert_eq!(status, 201);
    daemon
}

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn admins_write_agents_read_and_departments_narrow_the_list() {
    use reqwest::Method as M;
    let daemon = daemon_with_agent().await;
    let path = "/api/v1/canned-responses";

    let (status, refund) = call(
        &daemon,
        M::POST,
        path,
        OWNER,
        Some(json!({"title": "Refund", "body": "Your refund is on its way.\nThanks!", "shortcut": "/Refund"})),
    )
    .await;
    assert_eq!(status, 201, "{refund}");
    assert_eq!(refund["shortcut"], "/refund");
    assert_eq!(refund["department_id"], Value::Null);
    let id = refund["id"].as_i64().unwrap();

    // Agents read but do not write.
    let (status, body) = call(
        &daemon,
        M::POST,
        path,
        AGENT,
        Some(json!({"title": "Mine", "body": "x"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(&daemon, M::DELETE, &format!("{path}/{id}"), AGENT, None).await;
    assert_eq!(status, 403, "{body}");
    let (status, list) = call(&daemon, M::GET, path, AGENT, None).await;
    assert_eq!(status, 200);
    assert_eq!(titles(&list["canned_responses"]), ["Refund"]);

    // Bad input is a 4xx naming the problem.
    for (body, status, code) in [
        (
            json!({"title": "Again", "body": "x", "shortcut": "/REFUND"}),
            409,
            "shortcut_taken",
        ),
        (
            json!({"title": "Long", "body": "b".repeat(4001)}),
            422,
            "invalid_canned",
        ),
        (json!({"title": "", "body": "x"}), 422, "invalid_canned"),
        (
            json!({"title": "S", "body": "x", "shortcut": "/no spaces"}),
            422,
            "invalid_canned",
        ),
        (
            json!({"title": "D", "body": "x", "department_id": 77}),
            422,
            "invalid_canned",
        ),
        (
            json!({"title": "F", "body": "x", "locale": "de"}),
            422,
            "invalid_field",
        ),
    ] {
        let (got, answer) = call(&daemon, M::POST, path, OWNER, Some(body.clone())).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }

    let (status, changed) = call(
        &daemon,
        M::PATCH,
        &format!("{path}/{id}"),
        OWNER,
        Some(json!({"title": "Refund sent", "shortcut": null})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (&changed["title"], &changed["shortcut"], &changed["body"]),
        (&json!("Refund sent"), &Value::Null, &refund["body"])
    );
    let (status, _) = call(
        &daemon,
        M::PATCH,
        &format!("{path}/99999"),
        OWNER,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);

    // With departments restricted, an agent sees the shared responses and their departments'.
    let (status, sales) = call(
        &daemon,
        M::POST,
        "/api/v1/departments",
        OWNER,
        Some(json!({"name": "Sales"})),
    )
    .await;
    assert_eq!(status, 201, "{sales}");
    let (status, _) = call(
        &daemon,
        M::POST,
        path,
        OWNER,
        Some(json!({"title": "Sales pitch", "body": "Buy more", "department_id": sales["id"]})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = call(&daemon, M::GET, path, AGENT, None).await;
    assert_eq!(
        titles(&list["canned_responses"]),
        ["Refund sent", "Sales pitch"]
    );
    let (status, _) = call(
        &daemon,
        M::PUT,
        "/api/v1/settings/departments",
        OWNER,
        Some(json!({"restricted": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, list) = call(&daemon, M::GET, path, AGENT, None).await;
    assert_eq!(titles(&list["canned_responses"]), ["Refund sent"]);
    let (_, list) = call(&daemon, M::GET, path, OWNER, None).await;
    assert_eq!(titles(&list["canned_responses"]).len(), 2);

    let (status, _) = call(&daemon, M::DELETE, &format!("{path}/{id}"), OWNER, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&daemon, M::DELETE, &format!("{path}/{id}"), OWNER, None).await;
    assert_eq!(status, 404);

    let (_, log) = call(&daemon, M::GET, "/api/v1/audit", OWNER, None).await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("canned."))
        .collect();
    assert_eq!(
        actions,
        [
            "canned.deleted",
            "canned.created",
            "canned.updated",
            "canned.created"
        ]
    );
}

/// A browser's view of the panel: follows no redirects, keeps cookies.
struct Panel<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl<'a> Panel<'a> {
    async fn signed_in(daemon: &'a Daemon, who: (&str, &str)) -> Panel<'a> {
        let mut panel = Panel {
            daemon,
            client: daemon.client(),
            cookies: HashMap::new(),
        };
        let form = panel.get("/agent/login").await;
        let csrf = csrf_in(&form.body);
        let answer = panel
            .post(
                "/agent/login",
                &[("csrf", &csrf), ("email", who.0), ("password", who.1)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        panel
    }

    async fn answer(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let cookies = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header(COOKIE, cookies).send().await.unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            self.cookies.insert(name.to_string(), value.to_string());
        }
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.client.get(self.daemon.url(path));
        self.answer(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let request = self.client.post(self.daemon.url(path)).form(form);
        self.answer(request).await
    }
}

fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn admins_manage_canned_responses_in_the_panel_and_the_console_reads_them() {
    let daemon = daemon_with_agent().await;
    let mut owner = Panel::signed_in(&daemon, OWNER).await;
    let page = owner.get("/agent/canned").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("No canned responses yet."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"href="/agent/canned""#),
        "the navigation links it"
    );
    let csrf = csrf_in(&page.body);

    // Without the session's CSRF token nothing is saved.
    let forged = owner
        .post(
            "/agent/canned",
            &[("csrf", "forged"), ("title", "Hi"), ("body", "Hello")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Greeting <b>"),
        ("body", "Hello, how can I help?"),
        ("shortcut", "/hi"),
        ("department_id", ""),
    ];
    let added = owner.post("/agent/canned", &fields).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("Response added."), "{}", added.body);
    assert!(
        added.body.contains("Greeting &lt;b&gt;"),
        "escaped: {}",
        added.body
    );
    assert!(added.body.contains("<code>/hi</code>"), "{}", added.body);
    let taken = owner.post("/agent/canned", &fields).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("/hi is already used"), "{}", taken.body);
    let empty = owner
        .post(
            "/agent/canned",
            &[("csrf", &csrf), ("title", ""), ("body", "x")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The console's list, with the agent's session cookie.
    let mut agent = Panel::signed_in(&daemon, AGENT).await;
    let list = agent.get("/agent/chat/canned").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.headers
            .get(CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list[0]["title"], "Greeting <b>");
    assert_eq!(list[0]["shortcut"], "/hi");
    let id = list[0]["id"].as_i64().unwrap();
    // Agents do not manage them; without a session the console's list is a sign-in.
    assert_eq!(
        agent.get("/agent/canned").await.status,
        StatusCode::FORBIDDEN
    );
    let agent_csrf = csrf_in(&agent.get("/agent/tokens").await.body);
    let refused = agent
        .post(
            &format!("/agent/canned/{id}/delete"),
            &[("csrf", &agent_csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let anonymous = daemon
        .client()
        .get(daemon.url("/agent/chat/canned"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);

    // Edit, then delete.
    let edit = owner.get(&format!("/agent/canned/{id}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("Hello, how can I help?</textarea>"),
        "{}",
        edit.body
    );
    let saved = owner
        .post(
            &format!("/agent/canned/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Greeting"),
                ("body", "Hi there!"),
                ("shortcut", ""),
                ("department_id", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.headers.get(LOCATION).unwrap(), "/agent/canned");
    let list: Value = serde_json::from_str(&agent.get("/agent/chat/canned").await.body).unwrap();
    assert_eq!(
        (&list[0]["title"], &list[0]["body"], &list[0]["shortcut"]),
        (&json!("Greeting"), &json!("Hi there!"), &Value::Null)
    );
    let deleted = owner
        .post(&format!("/agent/canned/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(
        deleted.body.contains("Response deleted."),
        "{}",
        deleted.body
    );
    let list = agent.get("/agent/chat/canned").await;
    assert_eq!(list.body, "[]");
}
