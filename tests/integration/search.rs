//! Full-text search and saved views over real HTTPS: tickets made through the API are found
//! by words of any language however they are typed, filters combine with the text, pages
//! follow, FTS5 syntax in `q` is plain text (never a 5xx), views are saved, run and private,
//! and a restricted agent does not find another department's tickets.

use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("otto@desk.example", "owner password 12");
const AGENT: (&str, &str) = ("sam@desk.example", "agent password 12");

struct Api<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    who: (&'static str, &'static str),
}

impl Api<'_> {
    fn new<'a>(daemon: &'a Daemon, who: (&'static str, &'static str)) -> Api<'a> {
        Api {
            daemon,
            client: daemon.client(),
            who,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.daemon.url(path))
            .query(query)
            .basic_auth(self.who.0, Some(self.who.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, &[], Some(body))
            .await
    }

    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, &[], Some(body))
            .await
    }

    /// Ids of the tickets `GET /api/v1/search` answers (asserting 200).
    async fn search(&self, query: &[(&str, &str)]) -> Vec<i64> {
        let (status, body) = self.get("/api/v1/search", query).await;
        assert_eq!(status, 200, "{query:?}: {body}");
        ids(&body)
    }

    async fn ticket(&self, subject: &str, message: &str, email: &str, name: &str) -> Value {
        let (status, ticket) = self
            .post(
                "/api/v1/tickets",
                json!({"subject": subject, "message": message, "contact": {"email": email, "name": name}}),
            )
            .await;
        assert_eq!(status, 201, "{ticket}");
        ticket
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

async fn add_agent(api: &Api<'_>) -> i64 {
    let (status, agent) = api
        .post(
            "/api/v1/users",
            json!({"email": AGENT.0, "name": "Sam", "role": "agent", "password": AGENT.1}),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    agent["id"].as_i64().unwrap()
}

#[tokio::test]
async fn search_finds_words_of_every_language_with_filters_and_pages() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon, OWNER);
    let czech = api
        .ticket(
            "Žluťoučký kůň",
            "Úpěl ďábelské ódy.",
            "jana@x.example",
            "Jana Dvořáková",
        )
        .await;
    let german = api
        .ticket(
            "Falsche Größe",
            "Die Schuhe sind zu groß.",
            "jurgen@x.example",
            "Jürgen Weiß",
        )
        .await;
    let latvian = api
        .ticket(
            "Pasūtījums",
            "ķēniņš gaida atbildi",
            "ilze@x.example",
            "Ilze Bērziņa",
        )
        .await;
    let portuguese = api
        .ticket(
            "Pedido",
            "Preciso de uma ação urgente",
            "joao@x.example",
            "João Gonçalves",
        )
        .await;
    let printer = api
        .ticket(
            "Printer on fire",
            "The printer smokes",
            "cleo@x.example",
            "Cleo",
        )
        .await;
    let id = |t: &Value| t["id"].as_i64().unwrap();

    for (q, want) in [
        ("zlutoucky", &czech),
        ("Žluťoučký kůň", &czech),
        ("grosse", &german),
        ("große", &german),
        ("weiss", &german),
        ("kenins", &latvian),
        ("berzina", &latvian),
        ("acao", &portuguese),
        ("goncalves", &portuguese),
        ("prin", &printer),
        ("cleo@x.example", &printer),
    ] {
        assert_eq!(api.search(&[("q", q)]).await, [id(want)], "q = {q}");
    }
    let (_, page) = api.get("/api/v1/search", &[("q", "grosse")]).await;
    assert_eq!(page["tickets"][0]["subject"], "Falsche Größe");
    assert_eq!(page["tickets"][0]["contact"]["name"], "Jürgen Weiß");
    assert!(page["next"].is_null());

    // The index follows a new message and a subject change made through the API.
    let (status, _) = api
        .post(
            &format!("/api/v1/tickets/{}/messages", id(&printer)),
            json!({"type": "note", "body": "Ordered a Feuerlöscher"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(api.search(&[("q", "feuerloscher")]).await, [id(&printer)]);
    let (status, _) = api
        .patch(
            &format!("/api/v1/tickets/{}", id(&czech)),
            json!({"subject": "Koníček", "status": "pending", "tags": ["Horses"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(api.search(&[("q", "zlutoucky ")]).await.is_empty());
    assert_eq!(api.search(&[("q", "konicek")]).await, [id(&czech)]);

    // Filters of the ticket list, combined with q.
    let (_, me) = api.get("/api/v1/me", &[]).await;
    let (status, _) = api
        .patch(
            &format!("/api/v1/tickets/{}", id(&german)),
            json!({"assignee_id": me["id"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        sorted(api.search(&[("q", "ghost OR groß")]).await),
        Vec::<i64>::new(),
        "OR is a word to find, so all three must match"
    );
    assert_eq!(
        api.search(&[("q", "gross"), ("assignee", "me")]).await,
        [id(&german)]
    );
    assert!(
        api.search(&[("q", "gross"), ("assignee", "none")])
            .await
            .is_empty()
    );
    assert_eq!(
        api.search(&[("q", "konicek"), ("status", "pending,open")])
            .await,
        [id(&czech)]
    );
    assert!(
        api.search(&[("q", "konicek"), ("status", "new")])
            .await
            .is_empty()
    );
    assert_eq!(
        api.search(&[("q", "konicek"), ("tag", "horses")]).await,
        [id(&czech)]
    );
    let contact = printer["contact"]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        api.search(&[("q", "printer"), ("contact", &contact)]).await,
        [id(&printer)]
    );

    // Pages of one with the cursor: every match once.
    for n in 0..3 {
        api.ticket(
            &format!("Invoice question {n}"),
            "invoice wrong",
            &format!("inv{n}@x.example"),
            "Ivo",
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = api
            .get(
                "/api/v1/search",
                &[("q", "invoice"), ("limit", "1"), ("cursor", &cursor)],
            )
            .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(sorted(seen.clone()).len(), 3, "{seen:?}");
    assert_eq!(
        sorted(seen.clone())
            .windows(2)
            .filter(|w| w[0] == w[1])
            .count(),
        0
    );
}

#[tokio::test]
async fn search_input_is_never_fts5_syntax_and_never_a_5xx() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon, OWNER);
    api.ticket("Printer", "near the window", "cleo@x.example", "Cleo")
        .await;
    for q in [
        "\"AND OR NEAR( * ^",
        "*",
        "\"",
        "NOT printer",
        "subject:printer",
        "{subject}: x",
        "NEAR(printer window)",
        "printer\")",
        "^printer",
        "'; DROP TABLE tickets; --",
        "\u{7f}\u{1}",
        &"x".repeat(5_000),
        &"ab ".repeat(500),
    ] {
        let (status, body) = api.get("/api/v1/search", &[("q", q)]).await;
        assert_eq!(status, 200, "q = {q:?}: {body}");
        assert!(body["tickets"].is_array(), "{body}");
    }
    let (_, body) = api
        .get("/api/v1/search", &[("q", "\"AND OR NEAR( * ^")])
        .await;
    assert_eq!(body["tickets"], json!([]));
    for (query, code) in [
        (vec![("q", "")], "empty_query"),
        (vec![("q", "   ")], "empty_query"),
        (vec![], "empty_query"),
        (vec![("q", "x"), ("status", "closed")], "invalid_status"),
        (
            vec![("q", "x"), ("assignee", "someone")],
            "invalid_assignee",
        ),
        (vec![("q", "x"), ("cursor", "%%%")], "invalid_cursor"),
        (vec![("q", "x"), ("updated_since", "soon")], "invalid_time"),
    ] {
        let (status, body) = api.get("/api/v1/search", &query).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{query:?}: {body}"
        );
        assert!(body["error"]["message"].is_string());
    }
    for query in [
        vec![("q", "x"), ("limit", "ten")],
        vec![("q", "x"), ("nonsense", "1")],
    ] {
        let (status, body) = api.get("/api/v1/search", &query).await;
        assert_eq!(status, 400, "{query:?}: {body}");
    }
}

#[tokio::test]
async fn views_are_saved_run_and_private() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon, OWNER);
    let agent_id = add_agent(&api).await;
    let sam = Api::new(&daemon, AGENT);
    let printer = api
        .ticket("Printer on fire", "smoke", "cleo@x.example", "Cleo")
        .await;
    let scanner = api
        .ticket("Scanner jammed", "paper", "dora@x.example", "Dora")
        .await;
    let (status, _) = api
        .patch(
            &format!("/api/v1/tickets/{}", scanner["id"]),
            json!({"assignee_id": agent_id, "status": "open"}),
        )
        .await;
    assert_eq!(status, 200);

    // The built-in view is there for everyone, unsaved, and runs for whoever asks.
    let (status, listed) = api.get("/api/v1/views", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(listed["views"][0]["id"], "mine");
    assert_eq!(listed["views"][0]["builtin"], true);
    let (_, mine) = sam.get("/api/v1/views/mine/tickets", &[]).await;
    assert_eq!(ids(&mine), [scanner["id"].as_i64().unwrap()]);
    let (_, mine) = api.get("/api/v1/views/mine/tickets", &[]).await;
    assert!(ids(&mine).is_empty(), "nothing is assigned to the owner");

    // Create, run, change, delete.
    let (status, view) = api
        .post(
            "/api/v1/views",
            json!({"name": "Fires", "query": {"q": "fire", "status": ["new", "open"]}}),
        )
        .await;
    assert_eq!(status, 201, "{view}");
    let path = format!("/api/v1/views/{}", view["id"].as_str().unwrap());
    assert_eq!(
        view["query"],
        json!({"q": "fire", "status": ["new", "open"]})
    );
    let (status, ran) = api.get(&format!("{path}/tickets"), &[]).await;
    assert_eq!(status, 200, "{ran}");
    assert_eq!(ids(&ran), [printer["id"].as_i64().unwrap()]);
    let (status, taken) = api
        .post("/api/v1/views", json!({"name": "fires", "query": {}}))
        .await;
    assert_eq!(
        (status, taken["error"]["code"].as_str()),
        (409, Some("name_taken"))
    );
    for bad in [
        json!({"name": "", "query": {}}),
        json!({"name": "x", "query": {"status": ["closed"]}}),
        json!({"name": "x", "query": {"assignee": "someone"}}),
        json!({"name": "x", "query": {"colour": "red"}}),
        json!({"name": "x"}),
    ] {
        let (status, body) = api.post("/api/v1/views", bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let (status, changed) = api
        .patch(
            &path,
            json!({"name": "Scanners", "query": {"q": "scan", "assignee": agent_id}}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Scanners");
    let (_, ran) = api.get(&format!("{path}/tickets"), &[]).await;
    assert_eq!(ids(&ran), [scanner["id"].as_i64().unwrap()]);
    let (status, _) = api
        .patch(&path, json!({"query": {"status": "open,pending"}}))
        .await;
    assert_eq!(status, 200);
    let (_, ran) = api.get(&format!("{path}/tickets"), &[]).await;
    assert_eq!(
        ids(&ran),
        [scanner["id"].as_i64().unwrap()],
        "a view without q is a list"
    );

    // Another user neither sees nor runs nor changes it; built-ins cannot be changed.
    let (_, theirs) = sam.get("/api/v1/views", &[]).await;
    assert_eq!(theirs["views"].as_array().unwrap().len(), 1);
    for (method, suffix) in [
        (reqwest::Method::GET, ""),
        (reqwest::Method::GET, "/tickets"),
        (reqwest::Method::DELETE, ""),
    ] {
        let (status, _) = sam
            .send(method, &format!("{path}{suffix}"), &[], None)
            .await;
        assert_eq!(status, 404);
    }
    let (status, body) = api
        .patch("/api/v1/views/mine", json!({"name": "Mine!"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("builtin_view"))
    );
    let (status, _) = api.get("/api/v1/views/nope/tickets", &[]).await;
    assert_eq!(status, 404);

    let (status, _) = api.send(reqwest::Method::DELETE, &path, &[], None).await;
    assert_eq!(status, 204);
    let (status, _) = api.get(&path, &[]).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_restricted_agent_does_not_find_other_departments_tickets() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon, OWNER);
    let agent_id = add_agent(&api).await;
    let sam = Api::new(&daemon, AGENT);
    let mut departments = Vec::new();
    for name in ["Sales", "Support"] {
        let (status, department) = api.post("/api/v1/departments", json!({"name": name})).await;
        assert_eq!(status, 201, "{department}");
        departments.push(department["id"].as_i64().unwrap());
    }
    let (status, _) = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/departments/{}/members", departments[1]),
            &[],
            Some(json!({"user_ids": [agent_id]})),
        )
        .await;
    assert_eq!(status, 200);
    let mut made = Vec::new();
    for (subject, department) in [
        ("Printer discount", Some(departments[0])),
        ("Printer broken", Some(departments[1])),
        ("Printer noise", None),
    ] {
        let (status, ticket) = api
            .post(
                "/api/v1/tickets",
                json!({"subject": subject, "message": "printer", "contact": {"email": "c@x.example"}, "department_id": department}),
            )
            .await;
        assert_eq!(status, 201, "{ticket}");
        made.push(ticket["id"].as_i64().unwrap());
    }
    assert_eq!(
        sam.search(&[("q", "printer")]).await.len(),
        3,
        "not restricted yet"
    );
    let (status, _) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/departments",
            &[],
            Some(json!({"restricted": true})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        sorted(sam.search(&[("q", "printer")]).await),
        sorted(vec![made[1], made[2]])
    );
    assert!(sam.search(&[("q", "discount")]).await.is_empty());
    let sales = departments[0].to_string();
    assert!(
        sam.search(&[("q", "printer"), ("department", &sales)])
            .await
            .is_empty()
    );
    assert_eq!(
        api.search(&[("q", "discount")]).await,
        [made[0]],
        "the owner sees all"
    );
    let (status, view) = sam
        .post(
            "/api/v1/views",
            json!({"name": "All printers", "query": {"q": "printer"}}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, ran) = sam
        .get(
            &format!("/api/v1/views/{}/tickets", view["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(sorted(ids(&ran)), sorted(vec![made[1], made[2]]));
}
