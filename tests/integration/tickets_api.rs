//! The helpdesk API over real HTTPS: tickets and contacts, round trips of every route,
//! pagination, filters, idempotent retries, and bad input answered 4xx, never 5xx.

use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("otto@desk.example", "owner password 12");

struct Api<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
}

impl Api<'_> {
    fn new(daemon: &Daemon) -> Api<'_> {
        Api {
            daemon,
            client: daemon.client(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.daemon.url(path))
            .basic_auth(OWNER.0, Some(OWNER.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body), &[])
            .await
    }
}

fn ticket(subject: &str, email: &str) -> Value {
    json!({"subject": subject, "message": "The printer is on fire.", "contact": {"email": email, "name": "Cleo"}, "channel": "api"})
}

#[tokio::test]
async fn tickets_round_trip_with_messages_changes_and_trash() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon);

    let (status, created) = api
        .post(
            "/api/v1/tickets",
            ticket("Printer on fire", "cleo@x.example"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert!(
        created["code"].as_str().unwrap().starts_with("DEFAUL-"),
        "{created}"
    );
    assert_eq!(created["status"], "new");
    assert_eq!(created["contact"]["email"], "cleo@x.example");
    assert_eq!(created["messages"][0]["type"], "customer");

    let (status, reply) = api
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"type": "reply", "body": "Use the extinguisher."}),
        )
        .await;
    assert_eq!(
        (status, reply["author"]["type"].as_str()),
        (201, Some("agent")),
        "{reply}"
    );
    let (status, note) = api
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"type": "note", "body": "Customer seems calm."}),
        )
        .await;
    assert_eq!((status, note["type"].as_str()), (201, Some("note")));

    let (status, me) = api.get("/api/v1/me").await;
    assert_eq!(status, 200);
    let patch = json!({"status": "pending", "priority": "urgent", "tags": ["Fire", "hardware"], "assignee_id": me["id"]});
    let (status, changed) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            Some(patch),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["status"].as_str(), changed["priority"].as_str()),
        (Some("pending"), Some("urgent"))
    );
    assert_eq!(changed["tags"], json!(["fire", "hardware"]));
    assert_eq!(changed["assignee"]["name"], "Otto");
    let (status, unassigned) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/tickets/{id}"),
            Some(json!({"assignee_id": null})),
            &[],
        )
        .await;
    assert_eq!((status, unassigned["assignee"].clone()), (200, Value::Null));

    let (status, full) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(full["messages"].as_array().unwrap().len(), 3);
    let fields: Vec<&str> = full["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "created", "status", "status", "priority", "assignee", "tags", "assignee"
        ],
        "{full}"
    );

    let (status, trashed) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/tickets/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!((status, trashed["status"].as_str()), (200, Some("trash")));
    let (status, _) = api.get("/api/v1/tickets/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn lists_filter_and_page_with_a_cursor() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon);
    let mut ids = Vec::new();
    for i in 0..7 {
        let (status, t) = api
            .post(
                "/api/v1/tickets",
                ticket(&format!("Question {i}"), &format!("p{}@x.example", i % 2)),
            )
            .await;
        assert_eq!(status, 201);
        ids.push(t["id"].as_i64().unwrap());
    }
    api.send(
        reqwest::Method::PATCH,
        &format!("/api/v1/tickets/{}", ids[2]),
        Some(json!({"status": "resolved", "tags": ["done"]})),
        &[],
    )
    .await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/tickets?limit=3".to_string();
    loop {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/tickets?limit=3&cursor={next}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "every ticket once: {seen:?}");

    let (_, resolved) = api.get("/api/v1/tickets?status=resolved").await;
    assert_eq!(resolved["tickets"].as_array().unwrap().len(), 1);
    let (_, open_ones) = api.get("/api/v1/tickets?status=new,open").await;
    assert_eq!(open_ones["tickets"].as_array().unwrap().len(), 6);
    let (_, tagged) = api.get("/api/v1/tickets?tag=done").await;
    assert_eq!(tagged["tickets"][0]["id"], ids[2]);
    let contact = resolved["tickets"][0]["contact"]["id"].as_i64().unwrap();
    let (_, by_contact) = api.get(&format!("/api/v1/tickets?contact={contact}")).await;
    assert_eq!(by_contact["tickets"].as_array().unwrap().len(), 4);
    let (_, unassigned) = api.get("/api/v1/tickets?assignee=none&limit=100").await;
    assert_eq!(unassigned["tickets"].as_array().unwrap().len(), 7);
    let (_, recent) = api.get("/api/v1/tickets?updated_since=2999-01-01").await;
    assert!(recent["tickets"].as_array().unwrap().is_empty());
    for bad in [
        "status=closed",
        "cursor=%%%",
        "assignee=someone",
        "updated_since=soon",
        "limit=ten",
        "nonsense=1",
    ] {
        let (status, body) = api.get(&format!("/api/v1/tickets?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"]["code"].is_string(), "{bad}: {body}");
    }
}

#[tokio::test]
async fn an_idempotent_retry_never_makes_two_tickets() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon);
    let body = ticket("Only once", "once@x.example");
    let key = [("idempotency-key", "retry-7f3a")];
    let (s1, first) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(body.clone()),
            &key,
        )
        .await;
    let (s2, second) = api
        .send(reqwest::Method::POST, "/api/v1/tickets", Some(body), &key)
        .await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    let (status, reused) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(ticket("Different", "once@x.example")),
            &key,
        )
        .await;
    assert_eq!(
        (status, reused["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    let (_, all) = api.get("/api/v1/tickets").await;
    assert_eq!(all["tickets"].as_array().unwrap().len(), 1);

    let id = first["id"].as_i64().unwrap();
    let message = json!({"type": "reply", "body": "Once."});
    let path = format!("/api/v1/tickets/{id}/messages");
    let (_, m1) = api
        .send(
            reqwest::Method::POST,
            &path,
            Some(message.clone()),
            &[("idempotency-key", "m-1")],
        )
        .await;
    let (_, m2) = api
        .send(
            reqwest::Method::POST,
            &path,
            Some(message),
            &[("idempotency-key", "m-1")],
        )
        .await;
    assert_eq!(m1["id"], m2["id"]);
    let (_, full) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(full["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon);
    let client = daemon.client();
    let raw = |body: &'static str| {
        client
            .post(daemon.url("/api/v1/tickets"))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .header("content-type", "application/json")
            .body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (raw("{not json"), 400, "invalid_json"),
        (
            raw(r#"{"subject": 5, "message": "m", "contact": {"email": "a@x.example"}}"#),
            422,
            "invalid_field",
        ),
        (
            raw(r#"{"message": "m", "contact": {"email": "a@x.example"}}"#),
            422,
            "invalid_field",
        ),
        (
            raw(r#"{"subject": "s", "message": "m", "contact": {"email": "nope"}}"#),
            422,
            "invalid_email",
        ),
        (
            raw(
                r#"{"subject": "s", "message": "m", "contact": {"email": "a@x.example"}, "channel": "fax"}"#,
            ),
            422,
            "invalid_field",
        ),
        (
            raw(r#"{"subject": "", "message": "m", "contact": {"email": "a@x.example"}}"#),
            422,
            "invalid_field",
        ),
        (
            raw(
                r#"{"subject": "s", "message": "m", "contact": {"email": "a@x.example"}, "extra": 1}"#,
            ),
            422,
            "invalid_field",
        ),
        (
            raw(
                r#"{"subject": "s", "message": "m", "contact": {"email": "a@x.example"}, "assignee_id": 424242}"#,
            ),
            422,
            "invalid_field",
        ),
        (
            client
                .post(daemon.url("/api/v1/tickets"))
                .basic_auth(OWNER.0, Some(OWNER.1))
                .body("subject=x"),
            415,
            "unsupported_media_type",
        ),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    // A message over the 1 MB a message may hold: 422 naming the limit; a body over
    // http.max_body_bytes (32 MiB): 413 before it is read.
    let big = "x".repeat(1_100_000);
    let (status, body) = api
        .post(
            "/api/v1/tickets",
            json!({"subject": "big", "message": big, "contact": {"email": "a@x.example"}}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "{body}"
    );
    let huge = vec![b' '; 33 * 1024 * 1024];
    let response = client
        .post(daemon.url("/api/v1/tickets"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/tickets/1",
            Some(json!({"status": "closed"})),
            &[],
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    let (status, _) = api
        .post(
            "/api/v1/tickets/1/messages",
            json!({"type": "shout", "body": "x"}),
        )
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn contacts_round_trip_merge_and_delete_refused_clearly() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let api = Api::new(&daemon);
    let (status, dora) = api.post("/api/v1/contacts", json!({"name": "Dora", "emails": ["dora@x.example"], "phones": ["+371 2000 0000"], "address": "Rīga", "custom": {"plan": "gold"}})).await;
    assert_eq!(status, 201, "{dora}");
    let id = dora["id"].as_i64().unwrap();
    let (status, taken) = api
        .post(
            "/api/v1/contacts",
            json!({"name": "D2", "emails": ["DORA@x.example"]}),
        )
        .await;
    assert_eq!(
        (status, taken["error"]["code"].as_str()),
        (409, Some("email_taken"))
    );
    let (_, t) = api
        .post(
            "/api/v1/tickets",
            ticket("From another address", "dora@home.example"),
        )
        .await;
    let other = t["contact"]["id"].as_i64().unwrap();
    let (status, merged) = api
        .post(
            &format!("/api/v1/contacts/{other}/merge"),
            json!({"into": id}),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["emails"].as_array().unwrap().len(), 2);
    let (_, t) = api.get(&format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!(t["contact"]["id"], id, "the ticket moved with the contact");
    let (status, changed) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/contacts/{id}"),
            Some(json!({"company": "Acme"})),
            &[],
        )
        .await;
    assert_eq!(
        (
            status,
            changed["company"].as_str(),
            changed["name"].as_str()
        ),
        (200, Some("Acme"), Some("Dora"))
    );
    let (_, by_email) = api.get("/api/v1/contacts?email=dora@home.example").await;
    assert_eq!(by_email["contacts"][0]["id"], id);
    let (status, refused) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/contacts/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (501, Some("not_implemented"))
    );
    let (status, still) = api.get(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(
        (status, still["name"].as_str()),
        (200, Some("Dora")),
        "nothing was deleted"
    );
    let (status, _) = api.get("/api/v1/contacts/424242").await;
    assert_eq!(status, 404);
}

/// Accounts are separate worlds: a ticket of account A is not reachable with B's
/// credentials, not even by guessing its id; within an account, restricted departments
/// hide other departments' tickets from agents.
#[tokio::test]
async fn tickets_stay_within_their_account_and_department() {
    use crate::harness::{cli_ok, cli_ok_stdin};
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    for (slug, host) in [
        ("alpha", "help.alpha.example"),
        ("beta", "help.beta.example"),
    ] {
        cli_ok(&[
            "account",
            "create",
            "--slug",
            slug,
            "--name",
            slug,
            "--host",
            host,
            "--data-dir",
            &data,
        ]);
        cli_ok_stdin(
            &[
                "user",
                "add",
                "--account",
                slug,
                "--email",
                "ann@shared.example",
                "--name",
                "Ann",
                "--role",
                "owner",
                "--password-stdin",
                "--data-dir",
                &data,
            ],
            "shared password 123\n",
        );
    }
    let client = daemon.client_for_hosts(&["help.alpha.example", "help.beta.example"]);
    let as_ann = |request: reqwest::RequestBuilder| {
        request.basic_auth("ann@shared.example", Some("shared password 123"))
    };
    let created: Value =
        as_ann(client.post(daemon.host_url("help.alpha.example", "/api/v1/tickets")))
            .json(&ticket("Alpha's secret", "c@x.example"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let id = created["id"].as_i64().unwrap();
    let on_beta =
        as_ann(client.get(daemon.host_url("help.beta.example", &format!("/api/v1/tickets/{id}"))))
            .send()
            .await
            .unwrap();
    assert_eq!(
        on_beta.status(),
        404,
        "the same id on another account is another (absent) ticket"
    );
    let beta_list: Value =
        as_ann(client.get(daemon.host_url("help.beta.example", "/api/v1/tickets")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(beta_list["tickets"].as_array().unwrap().is_empty());
    let patch = as_ann(
        client.patch(daemon.host_url("help.beta.example", &format!("/api/v1/tickets/{id}"))),
    )
    .json(&json!({"status": "trash"}))
    .send()
    .await
    .unwrap();
    assert_eq!(patch.status(), 404);

    // Departments on alpha: an agent of Support does not see Sales' ticket once restricted.
    let alpha = |path: &str| daemon.host_url("help.alpha.example", path);
    let agent: Value = as_ann(client.post(alpha("/api/v1/users")))
        .json(&json!({"email": "sam@alpha.example", "name": "Sam", "role": "agent", "password": "agent password 12"}))
        .send().await.unwrap().json().await.unwrap();
    let department = |name: &'static str| {
        let request =
            as_ann(client.post(alpha("/api/v1/departments"))).json(&json!({"name": name}));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (sales, support) = (department("Sales").await, department("Support").await);
    let members = as_ann(client.put(alpha(&format!(
        "/api/v1/departments/{}/members",
        support["id"]
    ))))
    .json(&json!({"user_ids": [agent["id"]]}))
    .send()
    .await
    .unwrap();
    assert_eq!(members.status(), 200);
    let mut sales_ticket = ticket("Discount please", "d@x.example");
    sales_ticket["department_id"] = sales["id"].clone();
    let sales_ticket: Value = as_ann(client.post(alpha("/api/v1/tickets")))
        .json(&sales_ticket)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let as_sam = |request: reqwest::RequestBuilder| {
        request.basic_auth("sam@alpha.example", Some("agent password 12"))
    };
    let before = as_sam(client.get(alpha(&format!("/api/v1/tickets/{}", sales_ticket["id"]))))
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 200, "not restricted yet");
    let refused = as_sam(client.put(alpha("/api/v1/settings/departments")))
        .json(&json!({"restricted": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "agents do not change settings");
    let set = as_ann(client.put(alpha("/api/v1/settings/departments")))
        .json(&json!({"restricted": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let hidden = as_sam(client.get(alpha(&format!("/api/v1/tickets/{}", sales_ticket["id"]))))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
    let write = as_sam(client.post(alpha(&format!(
        "/api/v1/tickets/{}/messages",
        sales_ticket["id"]
    ))))
    .json(&json!({"type": "note", "body": "peek"}))
    .send()
    .await
    .unwrap();
    assert_eq!(write.status(), 404);
    let listed: Value = as_sam(client.get(alpha("/api/v1/tickets")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(
        !ids.contains(&sales_ticket["id"].as_i64().unwrap()),
        "{listed}"
    );
    assert!(
        ids.contains(&id),
        "tickets without a department stay visible"
    );
    let owner_sees = as_ann(client.get(alpha(&format!("/api/v1/tickets/{}", sales_ticket["id"]))))
        .send()
        .await
        .unwrap();
    assert_eq!(owner_sees.status(), 200);

    // Contacts follow the same rule: Sales' customer is hidden from Sam, the customer of a
    // ticket without a department is not; what he may not see he may not change or merge.
    let sales_contact = sales_ticket["contact"]["id"].as_i64().unwrap();
    let open_contact = created["contact"]["id"].as_i64().unwrap();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    let contact_url = |id: i64| alpha(&format!("/api/v1/contacts/{id}"));
    assert_eq!(
        status(as_sam(client.get(contact_url(sales_contact)))).await,
        404
    );
    assert_eq!(
        status(as_sam(client.get(contact_url(open_contact)))).await,
        200
    );
    assert_eq!(
        status(as_sam(client.patch(contact_url(sales_contact))).json(&json!({"name": "X"}))).await,
        404
    );
    let merge_url = alpha(&format!("/api/v1/contacts/{open_contact}/merge"));
    assert_eq!(
        status(as_sam(client.post(merge_url)).json(&json!({"into": sales_contact}))).await,
        404
    );
    let sams_contacts: Value = as_sam(client.get(alpha("/api/v1/contacts")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<i64> = sams_contacts["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(
        listed.contains(&open_contact) && !listed.contains(&sales_contact),
        "{sams_contacts}"
    );
    assert_eq!(
        status(as_ann(client.patch(contact_url(sales_contact))).json(&json!({"name": "Dora"})))
            .await,
        200
    );
    let audit: Value = as_ann(client.get(alpha("/api/v1/audit")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit.to_string().contains("contact.updated"),
        "an API change of a contact is audited: {audit}"
    );
}
