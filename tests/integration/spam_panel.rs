//! The spam filter in the panel: "Spam" / "Not spam" on a ticket's page, the quarantine's
//! bulk "Not spam", and the filter's page (figures for everyone, settings for admins) —
//! over HTTPS for the forms and their refusals, and in headless Chromium to look at.

use serde_json::{Value, json};

use crate::harness::browser::{self, Browser};
use crate::harness::{Daemon, create_owner};
use crate::two_factor::{Panel, csrf_in};

const OWNER: (&str, &str) = ("quinn@quarantine.example", "owner password 12");
const AGENT: (&str, &str) = ("abe@quarantine.example", "agent password 12");

async fn api(daemon: &Daemon, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = daemon
        .client()
        .request(method, daemon.url(path))
        .basic_auth(OWNER.0, Some(OWNER.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn ticket(daemon: &Daemon, subject: &str, body: &str) -> i64 {
    let body = json!({"subject": subject, "message": body, "contact": {"email": "c@x.example", "name": "Cleo"}});
    let created = api(daemon, reqwest::Method::POST, "/api/v1/tickets", Some(body)).await;
    created["id"].as_i64().unwrap()
}

async fn status(daemon: &Daemon, id: i64) -> String {
    let ticket = api(
        daemon,
        reqwest::Method::GET,
        &format!("/api/v1/tickets/{id}"),
        None,
    )
    .await;
    ticket["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn agents_mark_and_release_tickets_and_admins_tune_the_filter() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Quinn", OWNER.0, OWNER.1).await;
    let a = ticket(&daemon, "Casino jackpot", "win the lottery now").await;
    let b = ticket(&daemon, "Crypto prize", "claim your bitcoin prize").await;
    let c = ticket(&daemon, "Printer broken", "the printer jams").await;
    let mut panel = Panel::new(&daemon);
    panel.password(OWNER.0, OWNER.1).await;

    // On a ticket's page: "Spam" quarantines it, "Not spam" brings it back.
    let (code, _, page) = panel.get(&format!("/agent/tickets/{a}")).await;
    assert_eq!(code, 200);
    assert!(
        page.contains(&format!("action=\"/agent/tickets/{a}/spam\"")),
        "{page}"
    );
    let csrf = csrf_in(&page);
    let (code, _, _) = panel.post(&format!("/agent/tickets/{a}/spam"), &[]).await;
    assert_eq!(code, 403, "no CSRF token, no mark");
    assert_eq!(status(&daemon, a).await, "new");
    for id in [a, b, c] {
        let (code, location, _) = panel
            .post(&format!("/agent/tickets/{id}/spam"), &[("csrf", &csrf)])
            .await;
        assert_eq!(
            (code.as_u16(), location),
            (303, format!("/agent/tickets/{id}"))
        );
        assert_eq!(status(&daemon, id).await, "spam");
    }
    let (_, _, page) = panel.get(&format!("/agent/tickets/{c}")).await;
    assert!(
        page.contains(&format!("action=\"/agent/tickets/{c}/not-spam\"")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"/agent/tickets/{c}/spam\"")),
        "already spam"
    );

    // The quarantine: a box per row, and "Not spam" for the ticked ones only.
    let (code, _, page) = panel.get("/agent/tickets?view=spam").await;
    assert_eq!(code, 200);
    assert!(page.contains("id=\"bulk-not-spam\""), "{page}");
    for id in [a, b, c] {
        assert!(
            page.contains(&format!("name=\"ids\" value=\"{id}\"")),
            "{page}"
        );
    }
    let (code, _, page) = panel.post("/agent/spam/not-spam", &[("csrf", &csrf)]).await;
    assert_eq!(code, 422, "nothing ticked: {page}");
    let (code, _, _) = panel
        .post("/agent/spam/not-spam", &[("csrf", &csrf), ("ids", "x")])
        .await;
    assert_eq!(code, 400);
    let (code, _, _) = panel
        .post("/agent/spam/not-spam", &[("ids", &c.to_string())])
        .await;
    assert_eq!(code, 403);
    let (code, location, _) = panel
        .post(
            "/agent/spam/not-spam",
            &[
                ("csrf", &csrf),
                ("ids", &b.to_string()),
                ("ids", &c.to_string()),
            ],
        )
        .await;
    assert_eq!(
        (code.as_u16(), location.as_str()),
        (303, "/agent/tickets?view=spam")
    );
    assert_eq!(
        (
            status(&daemon, a).await,
            status(&daemon, b).await,
            status(&daemon, c).await
        ),
        ("spam".into(), "open".into(), "open".into())
    );
    let (code, _, _) = panel
        .post(
            "/agent/spam/not-spam",
            &[("csrf", &csrf), ("ids", "424242")],
        )
        .await;
    assert_eq!(code, 404, "an unknown ticket");
    let learned = api(&daemon, reqwest::Method::GET, "/api/v1/spam", None).await;
    assert_eq!(
        (&learned["spam_learned"], &learned["ham_learned"]),
        (&json!(1), &json!(2))
    );

    // The status drop-down teaches like the buttons: into spam and out of it again.
    let update = format!("/agent/tickets/{c}/update");
    let controls = |status: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("status", status.to_string()),
            ("priority", "normal".to_string()),
            ("assignee", String::new()),
            ("tags", String::new()),
        ]
    };
    for (chosen, counts) in [("spam", (2, 1)), ("pending", (1, 2))] {
        let fields = controls(chosen);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, _, _) = panel.post(&update, &pairs).await;
        assert_eq!(code.as_u16(), 303);
        assert_eq!(status(&daemon, c).await, chosen);
        let learned = api(&daemon, reqwest::Method::GET, "/api/v1/spam", None).await;
        assert_eq!(
            (&learned["spam_learned"], &learned["ham_learned"]),
            (&json!(counts.0), &json!(counts.1)),
            "after choosing {chosen}"
        );
    }

    // The filter's page: figures, and settings an admin saves.
    let (code, _, page) = panel.get("/agent/spam").await;
    assert_eq!(code, 200);
    assert!(page.contains("Still learning"), "{page}");
    assert!(page.contains("name=\"ham_cutoff\""), "{page}");
    let (code, _, page) = panel
        .post(
            "/agent/spam",
            &[
                ("csrf", &csrf),
                ("ham_cutoff", "0.8"),
                ("spam_cutoff", "0.3"),
            ],
        )
        .await;
    assert_eq!(code, 422, "{page}");
    assert!(page.contains("first not above the second"), "{page}");
    let (code, _, page) = panel
        .post(
            "/agent/spam",
            &[
                ("csrf", &csrf),
                ("ham_cutoff", "0.2"),
                ("spam_cutoff", "0.7"),
            ],
        )
        .await;
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("Settings saved"), "{page}");
    let now = api(&daemon, reqwest::Method::GET, "/api/v1/spam", None).await;
    assert_eq!(
        (
            &now["ham_cutoff"],
            &now["spam_cutoff"],
            &now["learn_resolved"]
        ),
        (&json!(0.2), &json!(0.7), &json!(false)),
        "an unticked box turns learning off: {now}"
    );
    let audit = api(
        &daemon,
        reqwest::Method::GET,
        "/api/v1/audit?action=settings",
        None,
    )
    .await;
    assert!(audit.to_string().contains("spam_cutoff=0.7"), "{audit}");

    // An agent sees the figures, not the form, and cannot post it.
    api(
        &daemon,
        reqwest::Method::POST,
        "/api/v1/users",
        Some(json!({"email": AGENT.0, "name": "Abe", "role": "agent", "password": AGENT.1})),
    )
    .await;
    let mut agent = Panel::new(&daemon);
    agent.password(AGENT.0, AGENT.1).await;
    let (code, _, page) = agent.get("/agent/spam").await;
    assert_eq!(code, 200);
    assert!(!page.contains("name=\"ham_cutoff\""), "{page}");
    assert!(page.contains("Only admins"), "{page}");
    let (_, _, tokens_page) = agent.get("/agent/tokens").await;
    let agent_csrf = csrf_in(&tokens_page);
    let (code, _, _) = agent
        .post("/agent/spam", &[("csrf", &agent_csrf), ("defaults", "on")])
        .await;
    assert_eq!(code, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarantine_in_the_browser() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Quinn", OWNER.0, OWNER.1).await;
    let mut ids = Vec::new();
    for subject in ["Casino jackpot", "Crypto prize", "Cheap pills"] {
        ids.push(ticket(&daemon, subject, "win now").await);
    }
    let unsure = ticket(&daemon, "Question about my order", "where is it").await;
    for id in &ids {
        api(
            &daemon,
            reqwest::Method::POST,
            &format!("/api/v1/tickets/{id}/spam"),
            None,
        )
        .await;
    }
    let browser = Browser::open(&daemon, "the_quarantine_in_the_browser").await;
    browser.goto("/agent/login").await;
    browser.fill("input[name=email]", OWNER.0).await;
    browser.fill("input[name=password]", OWNER.1).await;
    browser
        .click("form[action='/agent/login'] button[type=submit]")
        .await;
    browser.wait_for_path("/agent").await;

    browser.goto("/agent/tickets?view=spam").await;
    browser
        .wait_for_text("#ticket-list", "Casino jackpot")
        .await;
    browser.screenshot("quarantine").await;
    // "Select all" ticks every row; one is unticked again; the rest are released.
    browser.click("#select-all").await;
    browser
        .click(&format!("input[name=ids][value='{}']", ids[0]))
        .await;
    browser.screenshot("quarantine-selected").await;
    browser.click("#bulk-not-spam button[type=submit]").await;
    browser.wait_for_path("/agent/tickets").await;
    browser
        .wait_for_text("#ticket-list", "Casino jackpot")
        .await;
    assert_eq!(status(&daemon, ids[0]).await, "spam");
    assert_eq!(status(&daemon, ids[1]).await, "open");
    assert_eq!(status(&daemon, ids[2]).await, "open");

    browser.goto(&format!("/agent/tickets/{unsure}")).await;
    browser.wait_for_text("h1", "Question about my order").await;
    browser.click(".spam-actions button").await;
    browser.wait_for_text(".meta", "Spam").await;
    browser.screenshot("ticket-marked").await;
    assert_eq!(status(&daemon, unsure).await, "spam");

    browser.goto("/agent/spam").await;
    browser.wait_for_text("h1", "Spam filter").await;
    browser.screenshot("filter-page").await;
}
