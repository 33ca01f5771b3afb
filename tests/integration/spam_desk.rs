//! The spam filter inside the daemon, over real HTTPS: it stays silent until it has learned
//! enough, learns from the agents' "spam" / "not spam" marks, then judges API and web-form
//! tickets (spam to the quarantine, never deleted), a token may skip it, a wrong mark is
//! undone exactly, admins set the cut-offs, and all of it survives a restart.

use serde_json::{Value, json};

use crate::harness::{Daemon, Options, create_owner};
use crate::portal::{Visitor, field};

const OWNER: (&str, &str) = ("sally@spam.example", "owner password 12");
const AGENT: (&str, &str) = ("adam@spam.example", "agent password 12");

pub const SPAMMY: &[&str] = &[
    "viagra",
    "casino",
    "lottery",
    "winner",
    "bitcoin",
    "pills",
    "prize",
    "jackpot",
    "crypto",
    "unsecured",
    "refinance",
    "guaranteed",
];
pub const HAMMY: &[&str] = &[
    "invoice", "printer", "password", "reset", "order", "delivery", "refund", "account", "login",
    "broken", "screen", "upgrade",
];

/// A text of 30 words from `words`, varied by `seed`.
pub fn text(words: &[&str], seed: usize) -> String {
    (0..30)
        .map(|i| words[(seed * 5 + i * 7) % words.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn call(
    daemon: &Daemon,
    who: (&str, &str),
    method: reqwest::Method,
    path: &str,
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

async fn new_ticket(daemon: &Daemon, subject: &str, body: &str) -> Value {
    let (status, ticket) = call(
        daemon,
        OWNER,
        reqwest::Method::POST,
        "/api/v1/tickets",
        Some(
            json!({"subject": subject, "message": body, "contact": {"email": "who@else.example"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

async fn mark(daemon: &Daemon, id: &Value, how: &str) -> Value {
    let path = format!("/api/v1/tickets/{id}/{how}");
    let (status, ticket) = call(daemon, OWNER, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 200, "{ticket}");
    ticket
}

async fn overview(daemon: &Daemon) -> Value {
    let (status, body) = call(daemon, OWNER, reqwest::Method::GET, "/api/v1/spam", None).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn the_filter_learns_from_marks_and_judges_what_arrives() {
    let daemon =
        Daemon::start(Options::default().env("HELPDESKD_HTTP_TRUSTED_PROXIES", r#"["127.0.0.1"]"#));
    create_owner(&daemon, "Sally", OWNER.0, OWNER.1).await;

    // Untrained: it judges nothing, so nothing is quarantined or marked.
    let first = new_ticket(&daemon, "Cheap pills", &text(SPAMMY, 0)).await;
    assert_eq!(first["status"], "new");
    assert_eq!(first["spam_check"], Value::Null);
    assert_eq!(overview(&daemon).await["judging"], false);

    // The agents teach it: ten of each is the least it judges with.
    let mut spam_ids = Vec::new();
    for i in 0..10 {
        let t = new_ticket(&daemon, "You are a winner", &text(SPAMMY, i)).await;
        let marked = mark(&daemon, &t["id"], "spam").await;
        assert_eq!(marked["status"], "spam", "a spam mark quarantines");
        spam_ids.push(t["id"].clone());
    }
    for i in 0..10 {
        let t = new_ticket(&daemon, "My order", &text(HAMMY, i)).await;
        let marked = mark(&daemon, &t["id"], "not-spam").await;
        assert_eq!(
            marked["status"], "new",
            "not spam leaves a ticket where it is"
        );
    }
    let learned = overview(&daemon).await;
    assert_eq!(
        (
            &learned["spam_learned"],
            &learned["ham_learned"],
            &learned["judging"]
        ),
        (&json!(10), &json!(10), &json!(true)),
        "{learned}"
    );

    // Now it judges, with what it learned a moment ago (no reload needed).
    let spam = new_ticket(&daemon, "Jackpot winner", &text(SPAMMY, 77)).await;
    assert_eq!(spam["status"], "spam", "{spam}");
    assert_eq!(spam["spam_check"]["verdict"], "spam");
    assert!(spam["spam_check"]["score"].as_f64().unwrap() >= 0.4);
    let history = spam["history"].as_array().unwrap();
    assert!(
        history.iter().any(|e| e["field"] == "spam_filter"),
        "{history:?}"
    );
    let ham = new_ticket(&daemon, "Printer broken", &text(HAMMY, 55)).await;
    assert_eq!(ham["status"], "new");
    assert_eq!(ham["spam_check"]["verdict"], "ham", "{ham}");

    // The quarantine is a status: listed, never deleted.
    let (_, quarantine) = call(
        &daemon,
        OWNER,
        reqwest::Method::GET,
        "/api/v1/tickets?status=spam",
        None,
    )
    .await;
    let quarantined = quarantine["tickets"].as_array().unwrap().len();
    assert_eq!(quarantined, 11, "ten marked and one judged: {quarantine}");

    // A wrong mark undone: the ticket leaves the quarantine, the spam it taught is
    // unlearned and it is learned as ham instead.
    let undone = mark(&daemon, &spam_ids[0], "not-spam").await;
    assert_eq!(undone["status"], "open");
    let after = overview(&daemon).await;
    assert_eq!(
        (&after["spam_learned"], &after["ham_learned"]),
        (&json!(9), &json!(11))
    );
    let again = mark(&daemon, &spam_ids[0], "not-spam").await;
    assert_eq!(again["status"], "open");
    assert_eq!(
        overview(&daemon).await["ham_learned"],
        11,
        "the same mark twice counts once"
    );
    // Marked back: exactly the first state again.
    mark(&daemon, &spam_ids[0], "spam").await;
    let back = overview(&daemon).await;
    assert_eq!(
        (&back["spam_learned"], &back["ham_learned"], &back["tokens"]),
        (
            &learned["spam_learned"],
            &learned["ham_learned"],
            &learned["tokens"]
        )
    );

    // A token made to skip the filter: its spam arrives like any ticket.
    let (status, token) = call(
        &daemon,
        OWNER,
        reqwest::Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "shop", "spam_check": false})),
    )
    .await;
    assert_eq!(
        (status, &token["spam_check"]),
        (201, &json!(false)),
        "{token}"
    );
    let trusted = daemon
        .client()
        .post(daemon.url("/api/v1/tickets"))
        .bearer_auth(token["token"].as_str().unwrap())
        .json(&json!({"subject": "Jackpot winner", "message": text(SPAMMY, 78), "contact": {"email": "shop@acme.example"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(trusted.status().as_u16(), 201);
    let trusted: Value = trusted.json().await.unwrap();
    assert_eq!(
        (&trusted["status"], &trusted["spam_check"]),
        (&json!("new"), &Value::Null)
    );

    // The web form: spam is thanked like anyone and lands in the quarantine.
    let mut visitor = Visitor::new(&daemon);
    let form = visitor.get("/portal/new").await;
    let csrf = field(&form.body, "csrf");
    let body = text(SPAMMY, 79);
    let thanked = visitor
        .post(
            "/portal/new",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Winner"),
                ("email", "bot@spam.example"),
                ("subject", "Casino prize"),
                ("message", body.as_str()),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(thanked.status, 200, "{}", thanked.body);
    let (_, quarantine) = call(
        &daemon,
        OWNER,
        reqwest::Method::GET,
        "/api/v1/tickets?status=spam",
        None,
    )
    .await;
    let web: Vec<&Value> = quarantine["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["channel"] == "web")
        .collect();
    assert_eq!(web.len(), 1, "{quarantine}");

    // Cut-offs: admins only, checked, and they change verdicts at once.
    let (status, _) = call(
        &daemon,
        OWNER,
        reqwest::Method::POST,
        "/api/v1/users",
        Some(json!({"email": AGENT.0, "name": "Adam", "role": "agent", "password": AGENT.1})),
    )
    .await;
    assert_eq!(status, 201);
    let set = |who, body: Value| {
        call(
            &daemon,
            who,
            reqwest::Method::PATCH,
            "/api/v1/spam",
            Some(body),
        )
    };
    assert_eq!(set(AGENT, json!({"thresholds": null})).await.0, 403);
    let (status, error) = set(
        OWNER,
        json!({"thresholds": {"ham_cutoff": 0.9, "spam_cutoff": 0.1}}),
    )
    .await;
    assert_eq!(
        (status, &error["error"]["code"]),
        (422, &json!("invalid_field")),
        "{error}"
    );
    assert_eq!(set(OWNER, json!({"thresholds": "high"})).await.0, 422);
    let (status, changed) = set(
        OWNER,
        json!({"thresholds": {"ham_cutoff": 0.0, "spam_cutoff": 1.0}, "learn_resolved": false}),
    )
    .await;
    assert_eq!(
        (
            status,
            &changed["custom_thresholds"],
            &changed["learn_resolved"]
        ),
        (200, &json!(true), &json!(false)),
        "{changed}"
    );
    let unsure = new_ticket(&daemon, "Printer broken", &text(HAMMY, 80)).await;
    assert_eq!(
        (&unsure["status"], &unsure["spam_check"]["verdict"]),
        (&json!("new"), &json!("unsure")),
        "with a ham cut-off of 0 nothing is ham: {unsure}"
    );
    set(OWNER, json!({"thresholds": null})).await;

    // What it learned is on disk: after a restart it judges the same.
    let daemon = daemon.restart();
    let after_restart = new_ticket(&daemon, "Jackpot winner", &text(SPAMMY, 81)).await;
    assert_eq!(after_restart["status"], "spam", "{after_restart}");
    let stats = overview(&daemon).await;
    assert_eq!(stats["spam_learned"], 10);
    assert_eq!(stats["learn_resolved"], false);
}
