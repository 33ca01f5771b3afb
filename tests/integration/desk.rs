//! The agents' workspace in a real browser: the ticket list (updated live when a ticket
//! arrives), a ticket's page (reply, internal note, status), contacts; plus the same pages
//! over plain HTTPS for CSRF and 404s.

use serde_json::{Value, json};

use crate::harness::browser::{self, Browser};
use crate::harness::{Daemon, create_owner};
use crate::two_factor::{Panel, csrf_in};

const OWNER: (&str, &str) = ("olga@desk.example", "owner password 12");

async fn new_ticket(daemon: &Daemon, subject: &str, email: &str) -> Value {
    let response = daemon
        .client()
        .post(daemon.url("/api/v1/tickets"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"subject": subject, "message": format!("{subject}: please help.\nSecond line."), "contact": {"email": email, "name": "Cleo Customer"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_a_ticket_in_the_browser() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let first = new_ticket(&daemon, "Printer on fire", "cleo@x.example").await;
    new_ticket(&daemon, "Invoice missing", "dan@x.example").await;
    let browser = Browser::open(&daemon, "an_agent_works_a_ticket_in_the_browser").await;
    browser.goto("/agent/login").await;
    browser.fill("input[name=email]", OWNER.0).await;
    browser.fill("input[name=password]", OWNER.1).await;
    browser
        .click("form[action='/agent/login'] button[type=submit]")
        .await;
    browser.wait_for_path("/agent").await;

    browser.goto("/agent/tickets?view=open").await;
    browser
        .wait_for_text("#ticket-list", "Printer on fire")
        .await;
    assert!(browser.page_text().await.contains("Invoice missing"));
    browser.screenshot("list").await;

    // A ticket that arrives while the list is open appears without a reload.
    browser
        .execute("window.helpdeskdMarker = 'still here';", vec![])
        .await;
    new_ticket(&daemon, "Arrived while watching", "eve@x.example").await;
    browser
        .wait_for_text("#ticket-list", "Arrived while watching")
        .await;
    let marker = browser
        .execute("return window.helpdeskdMarker;", vec![])
        .await;
    assert_eq!(
        marker,
        json!("still here"),
        "updated in place, not reloaded"
    );

    // Open, reply, note, change status.
    browser
        .goto(&format!("/agent/tickets/{}", first["id"]))
        .await;
    browser.wait_for_text("h1", "Printer on fire").await;
    browser
        .fill("#reply-body", "Use the extinguisher, then call us.")
        .await;
    browser.click("button[name=kind][value=reply]").await;
    browser
        .wait_for_text("ol.messages", "Use the extinguisher")
        .await;
    browser.fill("#reply-body", "Customer sounded calm.").await;
    browser.click("button[name=kind][value=note]").await;
    browser
        .wait_for_text("ol.messages", "Customer sounded calm.")
        .await;
    assert!(browser.exists("li.message.note").await);
    browser
        .execute(
            "document.querySelector('select[name=status]').value = 'pending';",
            vec![],
        )
        .await;
    browser.fill("input[name=tags]", "fire, hardware").await;
    browser.click("form.controls button[type=submit]").await;
    browser.wait_for_text(".meta", "Pending").await;
    browser.screenshot("ticket").await;

    let (status, ticket) = crate::harness::get_json(
        &daemon.client(),
        &daemon.url(&format!("/api/v1/tickets/{}", first["id"])),
        Some(OWNER),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (ticket["status"].as_str(), ticket["tags"].clone()),
        (Some("pending"), json!(["fire", "hardware"]))
    );
    assert_eq!(ticket["messages"].as_array().unwrap().len(), 3);

    browser.click(".contact-card h2 a").await;
    browser.wait_for_text("h1", "Cleo Customer").await;
    browser.screenshot("contact").await;
    browser.goto("/agent/contacts").await;
    browser
        .wait_for_text("table.tickets", "cleo@x.example")
        .await;
    browser.screenshot("contacts").await;
}

#[tokio::test]
async fn ticket_forms_need_the_csrf_token_and_unknown_tickets_are_404() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let ticket = new_ticket(&daemon, "Hello", "h@x.example").await;
    let id = ticket["id"].as_i64().unwrap();
    let mut panel = Panel::new(&daemon);
    panel.password(OWNER.0, OWNER.1).await;
    let (status, _, page) = panel.get(&format!("/agent/tickets/{id}")).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_in(&page);
    let (status, _, _) = panel
        .post(
            &format!("/agent/tickets/{id}/messages"),
            &[("body", "no token"), ("kind", "reply")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = panel
        .post(
            &format!("/agent/tickets/{id}/update"),
            &[("status", "resolved")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, location, _) = panel
        .post(
            &format!("/agent/tickets/{id}/messages"),
            &[("csrf", &csrf), ("body", "Answer"), ("kind", "reply")],
        )
        .await;
    assert_eq!(
        (status, location),
        (
            reqwest::StatusCode::SEE_OTHER,
            format!("/agent/tickets/{id}")
        )
    );
    let (status, _, page) = panel
        .post(
            &format!("/agent/tickets/{id}/messages"),
            &[("csrf", &csrf), ("body", "   "), ("kind", "note")],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    let (status, _, _) = panel.get("/agent/tickets/424242").await;
    assert_eq!(status, 404);
    let (status, _, _) = panel.get("/agent/contacts/424242").await;
    assert_eq!(status, 404);
    let (status, _, page) = panel.get("/agent/tickets?view=all").await;
    assert_eq!(status, 200);
    assert!(page.contains("Hello"), "{page}");

    // Search from the workspace: found by a word of the message, folded; nothing for junk.
    let (status, _, page) = panel.get("/agent/search?q=PLEASE").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/agent/tickets/{id}")), "{page}");
    let (status, _, page) = panel.get("/agent/search?q=%22AND%20OR%20NEAR(").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&format!("/agent/tickets/{id}\"")), "{page}");
    let (status, _, _) = panel.get("/agent/search?q=").await;
    assert_eq!(status, 200);
}
