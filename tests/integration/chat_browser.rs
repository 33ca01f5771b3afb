//! Live chat in two real browsers: a visitor on a shop page of another origin with the
//! widget embedded, and an agent signed into the panel's chat console. Skipped without
//! Chromium, except under CI (see `harness::browser`).

use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::harness::browser::{self, Browser};
use crate::harness::{DEADLINE, Daemon, create_owner};

const OWNER: (&str, &str) = ("otto@chat-browser.example", "owner password 12");

/// A shop's page on `http://shop.test:PORT/` (every host resolves to 127.0.0.1 in the
/// test browser) that embeds the widget from the daemon: another origin than the daemon's.
/// With `block_websockets`, the page stands for a visitor behind a proxy that refuses them.
async fn shop_page(daemon_port: u16, block_websockets: bool) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let blocker = if block_websockets {
        "<script>window.WebSocket = function () { throw new Error('blocked by the proxy'); };</script>"
    } else {
        ""
    };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop</title>{blocker}</head>\
         <body><h1>The shop</h1><p>Things for sale.</p>\
         <script src=\"https://localhost:{daemon_port}/chat/widget.js\" data-account=\"default\" \
         data-locale=\"en\" async></script></body></html>"
    );
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let page = page.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut read = 0;
                while read < buf.len() {
                    match stream.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                    if buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (port, server)
}

/// Runs `body` (JavaScript) with `root` bound to the widget's shadow root; `null` until
/// the widget is on the page.
async fn in_widget(browser: &Browser, body: &str) -> Json {
    let script = format!(
        "const host = document.querySelector('[data-helpdeskd]');\
         const root = host && host.shadowRoot; if (!root) return null; {body}"
    );
    browser.execute(&script, vec![]).await
}

/// Polls `body` in the widget until it returns something other than null/false.
async fn wait_in_widget(browser: &Browser, body: &str, what: &str) -> Json {
    let end = Instant::now() + DEADLINE;
    loop {
        let value = in_widget(browser, body).await;
        if !(value.is_null() || value == json!(false)) {
            return value;
        }
        if Instant::now() >= end {
            let log = in_widget(browser, "return root.querySelector('.panel').innerText;").await;
            panic!("the widget never showed {what}; it shows: {log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn text_has(selector: &str, needle: &str) -> String {
    format!(
        "const e = root.querySelector({selector:?}); return !!e && e.textContent.includes({needle:?});"
    )
}

async fn keep(browser: &Browser, name: &str) {
    let path = browser.screenshot(name).await;
    let dir = std::path::Path::new("/tmp/shots/chat_browser");
    if std::fs::create_dir_all(dir).is_ok()
        && let Some(file) = path.file_name()
    {
        let _ = std::fs::copy(&path, dir.join(file));
    }
}

/// Waits until the console's status line no longer says the agent is offline.
async fn wait_for_status_cleared(agent: &Browser) {
    for _ in 0..100 {
        if !agent.text("#chat-status").await.contains("not online") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the console still says the agent is offline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_and_an_agent_chat_in_two_browsers() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (shop_port, _shop) = shop_page(daemon.addr().port(), false).await;
    let shop = format!("http://shop.test:{shop_port}");
    let settings = daemon
        .client()
        .put(daemon.url("/api/v1/chat/settings"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"allowed_origins": [shop]}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);

    // The agent signs in and opens the console: offline until they say otherwise.
    let agent = Browser::open(&daemon, "chat_agent").await;
    agent.goto("/agent/login").await;
    agent.fill("input[name=email]", OWNER.0).await;
    agent.fill("input[name=password]", OWNER.1).await;
    agent
        .click("form[action='/agent/login'] button[type=submit]")
        .await;
    agent.wait_for_path("/agent").await;
    agent.goto("/agent/chat").await;
    agent.wait_for_text("#chat-status", "not online").await;

    // With nobody online, the widget offers to leave a message instead.
    let visitor = Browser::open(&daemon, "chat_visitor").await;
    visitor.goto_url(&format!("{shop}/")).await;
    wait_in_widget(&visitor, "return root.querySelector('.btn');", "its button").await;
    in_widget(&visitor, "root.querySelector('.btn').click(); return true;").await;
    wait_in_widget(
        &visitor,
        "const f = root.querySelector('form'); return f.dataset.availability === 'offline'\
         && f.textContent.includes('No one is available right now');",
        "the offline form",
    )
    .await;
    keep(&visitor, "visitor-offline").await;

    // The agent goes online; the visitor's page, loaded again, offers the chat.
    agent
        .execute(
            "const s = document.getElementById('chat-presence'); s.value = 'online';\
             s.dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await;
    agent.wait_for_text("#chat-waiting", "No chats here").await;
    wait_for_status_cleared(&agent).await;
    visitor.goto_url(&format!("{shop}/")).await;
    wait_in_widget(&visitor, "return root.querySelector('.btn');", "its button").await;
    in_widget(&visitor, "root.querySelector('.btn').click(); return true;").await;
    wait_in_widget(
        &visitor,
        "const f = root.querySelector('form'); return f.dataset.availability === 'online'\
         && f.querySelector('button[type=submit]').textContent === 'Start chat';",
        "the pre-chat form",
    )
    .await;
    // The visitor fills in the pre-chat form.
    let consent = wait_in_widget(
        &visitor,
        "const c = root.querySelector('.consent span'); return c && c.textContent;",
        "the consent text",
    )
    .await;
    assert!(
        consent.as_str().unwrap().starts_with("I agree"),
        "{consent}"
    );
    // Without the box ticked the form says why and nothing starts.
    in_widget(
        &visitor,
        "root.querySelector('#hdk-email').value = 'vera@shop.example';\
         root.querySelector('#hdk-name').value = 'Vera';\
         root.querySelector('#hdk-question').value = 'Where is my parcel?';\
         root.querySelector('form').requestSubmit(); return true;",
    )
    .await;
    wait_in_widget(&visitor, &text_has(".err", "agree"), "the consent reminder").await;
    in_widget(
        &visitor,
        "root.querySelector('#hdk-consent').click();\
         root.querySelector('form').requestSubmit(); return true;",
    )
    .await;
    wait_in_widget(
        &visitor,
        &text_has(".status", "You are number 1 in the queue."),
        "the waiting line with the place in the queue",
    )
    .await;
    keep(&visitor, "visitor-waiting").await;

    // Online, the agent is offered the waiting chat and takes the offer.
    agent.wait_for_text("#chat-waiting", "Vera").await;
    agent.wait_for_text("#chat-waiting", "Offered to you").await;
    keep(&agent, "agent-offered").await;
    agent
        .click("#chat-waiting li.offered button[data-action=accept]")
        .await;
    agent
        .wait_for_text("#chat-log", "Where is my parcel?")
        .await;
    wait_in_widget(
        &visitor,
        &text_has(".log", "Otto joined"),
        "the agent joining",
    )
    .await;

    // The agent types: the visitor sees it; then the reply arrives.
    agent.fill("#chat-text", "It left our warehouse").await;
    wait_in_widget(
        &visitor,
        &text_has(".status", "typing"),
        "the typing indicator",
    )
    .await;
    keep(&visitor, "visitor-sees-typing").await;
    agent.click("#chat-reply button[type=submit]").await;
    wait_in_widget(
        &visitor,
        &text_has(".log", "It left our warehouse"),
        "the reply",
    )
    .await;

    // The visitor answers; the agent sees the typing and the message.
    in_widget(
        &visitor,
        "const t = root.querySelector('.compose textarea'); t.value = 'Thank you!';\
         t.dispatchEvent(new Event('input')); return true;",
    )
    .await;
    agent.wait_for_text("#chat-typing", "typing").await;
    in_widget(
        &visitor,
        "root.querySelector('.compose').requestSubmit(); return true;",
    )
    .await;
    agent.wait_for_text("#chat-log", "Thank you!").await;
    keep(&visitor, "visitor-conversation").await;
    keep(&agent, "agent-console").await;

    // The chat is a ticket whose thread is the conversation.
    let client = daemon.client();
    let list: Json = client
        .get(daemon.url("/api/v1/tickets"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["tickets"][0]["id"].as_i64().expect("a ticket");
    let ticket: Json = client
        .get(daemon.url(&format!("/api/v1/tickets/{id}")))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["channel"], "chat");
    let thread: Vec<&str> = ticket["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        thread,
        vec!["Where is my parcel?", "It left our warehouse", "Thank you!"]
    );

    // The agent ends the chat; the widget offers the transcript by email. Pressed (from the
    // keyboard's focus), it confirms in its status line and stays disabled.
    agent.click("#chat-close").await;
    wait_in_widget(&visitor, &text_has(".log", "The chat has ended"), "the end").await;
    let button = "const b = [...root.querySelectorAll('button')]\
                  .find(b => b.textContent === 'Email me the transcript');";
    wait_in_widget(
        &visitor,
        &format!("{button} return !!b && !b.hidden && !b.disabled;"),
        "the transcript button",
    )
    .await;
    in_widget(
        &visitor,
        &format!("{button} b.focus(); b.click(); return true;"),
    )
    .await;
    wait_in_widget(
        &visitor,
        &text_has("#hdk-transcript-note", "on its way to your email"),
        "the transcript's confirmation",
    )
    .await;
    let settled = in_widget(
        &visitor,
        &format!(
            "{button} return [b.disabled, b.getAttribute('aria-describedby'),\
             root.activeElement && root.activeElement.id,\
             root.querySelector('#hdk-transcript-note').getAttribute('role')];"
        ),
    )
    .await;
    assert_eq!(
        settled,
        json!([true, "hdk-transcript-note", "hdk-transcript-note", "status"])
    );
    keep(&visitor, "visitor-transcript-queued").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_whose_proxy_blocks_websockets_chats_by_long_polling() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (shop_port, _shop) = shop_page(daemon.addr().port(), true).await;
    let shop = format!("http://shop.test:{shop_port}");
    let settings = daemon
        .client()
        .put(daemon.url("/api/v1/chat/settings"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"allowed_origins": [shop]}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);
    let session = crate::chat::sign_in_as(&daemon, OWNER.0, OWNER.1).await;
    let mut console = crate::chat::agent(&daemon, &session).await;
    console
        .send(json!({"type": "presence", "status": "online"}))
        .await;
    console.until("presence").await;

    let visitor = Browser::open(&daemon, "chat_polling_visitor").await;
    visitor.goto_url(&format!("{shop}/")).await;
    wait_in_widget(&visitor, "return root.querySelector('.btn');", "its button").await;
    in_widget(&visitor, "root.querySelector('.btn').click(); return true;").await;
    wait_in_widget(
        &visitor,
        "return root.querySelector('form').dataset.availability === 'online';",
        "the availability, asked by polling",
    )
    .await;
    in_widget(
        &visitor,
        "root.querySelector('#hdk-email').value = 'pia@shop.example';\
         root.querySelector('#hdk-name').value = 'Pia';\
         root.querySelector('#hdk-question').value = 'Can you hear me?';\
         root.querySelector('#hdk-consent').click();\
         root.querySelector('form').requestSubmit(); return true;",
    )
    .await;
    wait_in_widget(
        &visitor,
        &text_has(".status", "You are number 1 in the queue."),
        "the queue place",
    )
    .await;

    let (offer, _) = console.until("offer").await;
    let chat = offer["chat"].as_i64().unwrap();
    console.send(json!({"type": "accept", "chat": chat})).await;
    console
        .send(json!({"type": "message", "chat": chat, "client_id": "o1", "body": "Loud and clear"}))
        .await;
    wait_in_widget(
        &visitor,
        &text_has(".log", "Loud and clear"),
        "the agent's reply",
    )
    .await;
    in_widget(
        &visitor,
        "const t = root.querySelector('.compose textarea'); t.value = 'Great, thanks';\
         root.querySelector('.compose').requestSubmit(); return true;",
    )
    .await;
    loop {
        let (said, _) = console.until("message").await;
        if said["body"] == "Great, thanks" {
            assert_eq!(said["from"], "visitor");
            break;
        }
    }
    keep(&visitor, "visitor-polling").await;

    // The transcript by polling too, after the agent ends the chat.
    console.send(json!({"type": "close", "chat": chat})).await;
    wait_in_widget(&visitor, &text_has(".log", "The chat has ended"), "the end").await;
    in_widget(
        &visitor,
        "[...root.querySelectorAll('button')]\
         .find(b => b.textContent === 'Email me the transcript').click(); return true;",
    )
    .await;
    wait_in_widget(
        &visitor,
        &text_has("#hdk-transcript-note", "on its way to your email"),
        "the transcript's confirmation",
    )
    .await;
}
