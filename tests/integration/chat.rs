//! Live chat over the real daemon: visitor and agent WebSockets over TLS (`/chat/ws`,
//! `/agent/chat/ws`), consent, resume after the server is killed mid-conversation, the
//! limits, and the ticket every chat becomes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::harness::{Daemon, create_owner};
use crate::tls_client::{connect, trusting_daemon};

pub(crate) const OWNER: (&str, &str) = ("olive@chat.example", "owner password 12");
pub(crate) const SHOP: &str = "https://shop.example";
const WAIT: Duration = Duration::from_secs(10);

/// One WebSocket client (visitor or agent) with JSON helpers.
pub(crate) struct Socket {
    ws: WebSocketStream<TlsStream<TcpStream>>,
    /// A visitor connection's first word: was any agent online?
    pub(crate) agents_online: Option<bool>,
}

impl Socket {
    pub(crate) async fn open(
        daemon: &Daemon,
        path: &str,
        origin: &str,
        cookie: Option<&str>,
    ) -> Socket {
        let mut socket = Socket::try_open(daemon, path, origin, cookie)
            .await
            .unwrap_or_else(|status| panic!("WebSocket handshake to {path} refused: {status}"));
        if path == "/chat/ws" {
            // Every visitor connection first hears whether an agent is online.
            let first = socket.next().await;
            assert_eq!(first["type"], "availability", "{first}");
            socket.agents_online = first["online"].as_bool();
        }
        socket
    }

    /// The handshake's HTTP status when refused.
    async fn try_open(
        daemon: &Daemon,
        path: &str,
        origin: &str,
        cookie: Option<&str>,
    ) -> Result<Socket, u16> {
        let tls = connect(
            daemon,
            trusting_daemon(daemon, &rustls::version::TLS13, &[b"http/1.1"]),
        )
        .await;
        let url = format!("wss://localhost:{}{path}", daemon.addr().port());
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        if let Some(cookie) = cookie {
            request.headers_mut().insert(
                "cookie",
                format!("__Host-hd_session={cookie}").parse().unwrap(),
            );
        }
        match tokio_tungstenite::client_async(request, tls).await {
            Ok((ws, _)) => Ok(Socket {
                ws,
                agents_online: None,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(e) => panic!("WebSocket handshake: {e}"),
        }
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("send a frame");
    }

    async fn send_raw(&mut self, text: String) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("send a frame");
    }

    /// The next JSON frame (pings and pongs skipped); panics on a close or the deadline.
    pub(crate) async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame within the deadline")
                .expect("the connection is open")
                .expect("a frame");
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(frame) => panic!("closed by the server: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Frames until one of type `kind` (the others are returned too, in order).
    pub(crate) async fn until(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return (frame, before);
            }
            before.push(frame);
        }
    }

    /// Reads until the server closes; returns the close code and reason.
    pub(crate) async fn closed(&mut self) -> (u16, String) {
        loop {
            let next = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("the close within the deadline");
            match next {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the connection failed instead of closing: {e}"),
            }
        }
    }
}

pub(crate) fn start_frame(client_id: &str, consent: bool) -> Value {
    json!({
        "type": "start", "name": "Vic Visitor", "email": "vic@visitor.example",
        "message": "Hello, is my order on its way?", "client_id": client_id,
        "consent": consent, "locale": "en",
    })
}

/// A daemon with an owner and the chat allowed from `SHOP`.
pub(crate) async fn chat_daemon() -> Daemon {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let (status, _) = put_settings(&daemon, json!({"allowed_origins": [SHOP]})).await;
    assert_eq!(status, 200);
    daemon
}

pub(crate) async fn put_settings(daemon: &Daemon, body: Value) -> (u16, Value) {
    let response = daemon
        .client()
        .put(daemon.url("/api/v1/chat/settings"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn api_get(daemon: &Daemon, path: &str) -> Value {
    let response = daemon
        .client()
        .get(daemon.url(path))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

fn cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap()
                .split_once('=')
                .unwrap()
                .1
                .to_string()
        })
}

/// Signs the owner into the panel through the real form; returns the session cookie.
async fn sign_in(daemon: &Daemon) -> String {
    sign_in_as(daemon, OWNER.0, OWNER.1).await
}

/// Signs a user into the panel through the real form; returns the session cookie.
pub(crate) async fn sign_in_as(daemon: &Daemon, email: &str, password: &str) -> String {
    let client = daemon.client();
    let form = client.get(daemon.url("/agent/login")).send().await.unwrap();
    let login = cookie_named(&form, "__Host-hd_login").expect("login cookie");
    let html = form.text().await.unwrap();
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("csrf field") + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_string();
    let response = client
        .post(daemon.url("/agent/login"))
        .header(COOKIE, format!("__Host-hd_login={login}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    cookie_named(&response, "__Host-hd_session").expect("a session cookie")
}

pub(crate) async fn agent(daemon: &Daemon, session: &str) -> Socket {
    let origin = format!("https://localhost:{}", daemon.addr().port());
    Socket::open(daemon, "/agent/chat/ws", &origin, Some(session)).await
}

/// Starts a chat as a visitor; returns the socket and the `started` frame (its place in
/// the queue read too).
async fn visitor_starts(daemon: &Daemon, client_id: &str) -> (Socket, Value) {
    let (visitor, started, _) = visitor_starts_queued(daemon, client_id).await;
    (visitor, started)
}

/// `visitor_starts`, also returning the first place in the queue the visitor was told.
pub(crate) async fn visitor_starts_queued(
    daemon: &Daemon,
    client_id: &str,
) -> (Socket, Value, i64) {
    let mut visitor = Socket::open(daemon, "/chat/ws", SHOP, None).await;
    visitor.send(start_frame(client_id, true)).await;
    let started = visitor.next().await;
    assert_eq!(started["type"], "started", "{started}");
    let ack = visitor.next().await;
    assert_eq!(
        (ack["type"].as_str(), ack["seq"].as_i64()),
        (Some("ack"), Some(1))
    );
    let first = visitor.next().await;
    assert_eq!(
        (first["type"].as_str(), first["seq"].as_i64()),
        (Some("message"), Some(1))
    );
    let queue = visitor.next().await;
    assert_eq!(queue["type"], "queue", "{queue}");
    let position = queue["position"].as_i64().unwrap();
    (visitor, started, position)
}

fn bodies(ticket: &Value) -> Vec<(String, String)> {
    ticket["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap().to_string(),
                m["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn visitor_and_agent_chat_both_ways_and_the_chat_is_a_ticket() {
    let daemon = chat_daemon().await;
    // Pages of origins not on the list, and agent sockets from elsewhere, are refused.
    let refused = Socket::try_open(&daemon, "/chat/ws", "https://evil.example", None).await;
    assert_eq!(refused.err(), Some(403));
    let session = sign_in(&daemon).await;
    let cross = Socket::try_open(&daemon, "/agent/chat/ws", SHOP, Some(&session)).await;
    assert_eq!(
        cross.err(),
        Some(403),
        "the agent socket from another origin"
    );

    let (mut visitor, started) = visitor_starts(&daemon, "v1").await;
    let chat = started["chat"].as_i64().unwrap();

    let mut console = agent(&daemon, &session).await;
    let (list, _) = console.until("chats").await;
    assert_eq!(list["chats"][0]["id"], chat, "{list}");
    assert_eq!(list["chats"][0]["status"], "waiting");

    console.send(json!({"type": "accept", "chat": chat})).await;
    let (joined_for_visitor, _) = visitor.until("agent_joined").await;
    assert_eq!(
        (
            joined_for_visitor["seq"].as_i64(),
            joined_for_visitor["name"].as_str()
        ),
        (Some(2), Some("Olive"))
    );
    // The agent gets the whole conversation so far, in order.
    let (joined, before) = console.until("agent_joined").await;
    let first = before
        .iter()
        .find(|f| f["type"] == "message")
        .expect("the first message");
    assert_eq!(first["body"], "Hello, is my order on its way?");
    assert_eq!(joined["seq"], 2);

    console
        .send(json!({"type": "typing", "chat": chat, "on": true}))
        .await;
    let typing = visitor.next().await;
    assert_eq!(
        (
            typing["type"].as_str(),
            typing["from"].as_str(),
            typing["on"].as_bool()
        ),
        (Some("typing"), Some("agent"), Some(true))
    );

    console
        .send(json!({"type": "message", "chat": chat, "client_id": "a1", "body": "Yes, it ships today."}))
        .await;
    let (ack, _) = console.until("ack").await;
    assert_eq!(
        (ack["client_id"].as_str(), ack["seq"].as_i64()),
        (Some("a1"), Some(3))
    );
    let reply = visitor.until("message").await.0;
    assert_eq!(
        (
            reply["seq"].as_i64(),
            reply["from"].as_str(),
            reply["body"].as_str()
        ),
        (Some(3), Some("agent"), Some("Yes, it ships today."))
    );

    visitor.send(json!({"type": "typing", "on": true})).await;
    let typing = console.until("typing").await.0;
    assert_eq!(typing["from"], "visitor");
    visitor
        .send(json!({"type": "message", "client_id": "v2", "body": "Great, thanks!"}))
        .await;
    let ack = visitor.until("ack").await.0;
    assert_eq!(
        (ack["seq"].as_i64(), ack["duplicate"].as_bool()),
        (Some(4), Some(false))
    );
    let message = console.until("message").await.0;
    assert_eq!(
        (message["seq"].as_i64(), message["body"].as_str()),
        (Some(4), Some("Great, thanks!"))
    );
    visitor.send(json!({"type": "read", "seq": 4})).await;
    let read = console.until("read").await.0;
    assert_eq!(
        (read["from"].as_str(), read["seq"].as_i64()),
        (Some("visitor"), Some(4))
    );

    console.send(json!({"type": "close", "chat": chat})).await;
    let closed = visitor.until("closed").await.0;
    assert_eq!(
        (closed["seq"].as_i64(), closed["from"].as_str()),
        (Some(5), Some("agent"))
    );
    visitor
        .send(json!({"type": "message", "client_id": "v3", "body": "Hello?"}))
        .await;
    let error = visitor.until("error").await.0;
    assert_eq!(error["code"], "chat_closed");

    // The chat is a ticket of channel `chat` whose thread is the conversation.
    let tickets = api_get(&daemon, "/api/v1/tickets").await;
    let listed = tickets["tickets"].as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{tickets}");
    let id = listed[0]["id"].as_i64().unwrap();
    let ticket = api_get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["channel"], "chat");
    assert_eq!(ticket["code"], started["ticket"]);
    assert_eq!(
        ticket["assignee"]["name"], "Olive",
        "the agent who took the chat"
    );
    assert_eq!(
        bodies(&ticket),
        vec![
            ("customer".into(), "Hello, is my order on its way?".into()),
            ("reply".into(), "Yes, it ships today.".into()),
            ("customer".into(), "Great, thanks!".into()),
        ]
    );
}

#[tokio::test]
async fn a_chat_without_consent_is_refused_and_consent_is_recorded_with_its_version() {
    let daemon = chat_daemon().await;
    let mut visitor = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    visitor.send(start_frame("n1", false)).await;
    let refused = visitor.next().await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("consent_required"))
    );
    let tickets = api_get(&daemon, "/api/v1/tickets").await;
    assert_eq!(
        tickets["tickets"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );

    // A new consent text is version 2; the visitor agrees to what they were shown.
    let (status, settings) = put_settings(
        &daemon,
        json!({"consent_texts": {"en": "We store your name, email and this chat to help you."}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(settings["consent"]["en"]["version"], 2);
    let mut with_consent = start_frame("n2", true);
    with_consent["consent_version"] = json!(2);
    visitor.send(with_consent).await;
    let started = visitor.next().await;
    assert_eq!(started["type"], "started", "{started}");

    let tickets = api_get(&daemon, "/api/v1/tickets").await;
    let contact = tickets["tickets"][0]["contact"]["id"].as_i64().unwrap();
    let consents = api_get(
        &daemon,
        &format!("/api/v1/chat/consents?contact_id={contact}"),
    )
    .await;
    let records = consents["consents"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{consents}");
    assert_eq!(records[0]["version"], 2);
    assert_eq!(records[0]["locale"], "en");
    assert_eq!(
        records[0]["text"],
        "We store your name, email and this chat to help you."
    );
    assert_eq!(records[0]["ip"], "127.0.0.1");
    assert_eq!(records[0]["chat_id"], started["chat"]);

    // The contact's page in the panel shows what they agreed to.
    let mut panel = crate::two_factor::Panel::new(&daemon);
    panel.password(OWNER.0, OWNER.1).await;
    let (status, _, page) = panel.get(&format!("/agent/contacts/{contact}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Chat consent"), "{page}");
    assert!(
        page.contains("agreed to version 2 (en) from 127.0.0.1"),
        "{page}"
    );
    assert!(
        page.contains("We store your name, email and this chat to help you."),
        "{page}"
    );
}

#[tokio::test]
async fn after_the_server_is_killed_mid_chat_resume_loses_and_duplicates_nothing() {
    let daemon = chat_daemon().await;
    let session = sign_in(&daemon).await;
    let (mut visitor, started) = visitor_starts(&daemon, "r1").await;
    let chat = started["chat"].as_i64().unwrap();
    let token = started["token"].as_str().unwrap().to_string();
    let mut console = agent(&daemon, &session).await;
    console.send(json!({"type": "accept", "chat": chat})).await;
    console.until("agent_joined").await;
    console
        .send(json!({"type": "message", "chat": chat, "client_id": "a1", "body": "agent one"}))
        .await;
    console.until("ack").await;
    visitor
        .send(json!({"type": "message", "client_id": "r2", "body": "visitor two"}))
        .await;
    let ack = visitor.until("ack").await.0;
    assert_eq!(ack["seq"], 4);
    // The visitor has seen up to the ack's event (the agent's message may come before or
    // after the ack); then it sends a third message and the server dies before the client
    // knows whether it was stored.
    let last_seen = loop {
        let event = visitor.until("message").await.0;
        if event["seq"] == 4 {
            break 4;
        }
    };
    visitor
        .send(json!({"type": "message", "client_id": "r3", "body": "visitor three"}))
        .await;
    let mut daemon = daemon;
    daemon.kill9();
    drop((visitor, console));
    let daemon = daemon.restart();

    // The agent comes back first and answers; the visitor is still away.
    let mut console = agent(&daemon, &session).await;
    console.until("chats").await;
    console
        .send(json!({"type": "open", "chat": chat, "last_seq": 4}))
        .await;
    console
        .send(json!({"type": "message", "chat": chat, "client_id": "a2", "body": "agent two"}))
        .await;
    console.until("ack").await;

    // The visitor resumes from what it saw and sends its unacknowledged message again.
    let mut visitor = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    visitor
        .send(json!({"type": "resume", "token": token, "last_seq": last_seen}))
        .await;
    let resumed = visitor.next().await;
    assert_eq!(
        (resumed["type"].as_str(), resumed["status"].as_str()),
        (Some("resumed"), Some("active"))
    );
    visitor
        .send(json!({"type": "message", "client_id": "r3", "body": "visitor three"}))
        .await;
    let mut seen: Vec<(i64, String)> = Vec::new();
    let mut acked = None;
    while acked.is_none() || seen.last().map(|(s, _)| *s) < Some(6) {
        let frame = visitor.next().await;
        match frame["type"].as_str() {
            Some("message") => seen.push((
                frame["seq"].as_i64().unwrap(),
                frame["body"].as_str().unwrap().to_string(),
            )),
            Some("ack") => acked = Some(frame),
            other => panic!("unexpected {other:?}: {frame}"),
        }
    }
    let seqs: Vec<i64> = seen.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, vec![5, 6], "replayed once each, in order: {seen:?}");
    let texts: Vec<&str> = seen.iter().map(|(_, b)| b.as_str()).collect();
    assert!(
        texts.contains(&"agent two") && texts.contains(&"visitor three"),
        "{seen:?}"
    );
    assert_eq!(acked.unwrap()["client_id"], "r3");

    let tickets = api_get(&daemon, "/api/v1/tickets").await;
    let id = tickets["tickets"][0]["id"].as_i64().unwrap();
    let ticket = api_get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    let mut thread: Vec<String> = bodies(&ticket).into_iter().map(|(_, b)| b).collect();
    let first = thread.remove(0);
    assert_eq!(first, "Hello, is my order on its way?");
    thread.sort();
    assert_eq!(
        thread,
        vec!["agent one", "agent two", "visitor three", "visitor two"]
    );
}

#[tokio::test]
async fn malformed_oversized_and_flooding_clients_are_stopped_and_other_chats_go_on() {
    let daemon = chat_daemon().await;
    let (mut calm, _) = visitor_starts(&daemon, "c1").await;
    let (mut noisy, started) = visitor_starts(&daemon, "n1").await;
    let token = started["token"].as_str().unwrap().to_string();

    noisy.send_raw("{not json".into()).await;
    let error = noisy.next().await;
    assert_eq!(error["code"], "malformed", "{error}");
    noisy.send(json!({"type": "launch_rockets"})).await;
    assert_eq!(noisy.next().await["code"], "malformed");
    let long = "x".repeat(5000);
    noisy
        .send(json!({"type": "message", "client_id": "n2", "body": long}))
        .await;
    assert_eq!(noisy.next().await["code"], "message_too_long");
    // Still usable after those errors.
    noisy
        .send(json!({"type": "message", "client_id": "n3", "body": "still here"}))
        .await;
    assert_eq!(noisy.until("ack").await.0["seq"], 2);

    // An oversized frame closes the connection with the reason.
    noisy
        .send_raw(format!("\"{}\"", "y".repeat(40 * 1024)))
        .await;
    let (code, reason) = noisy.closed().await;
    assert_eq!(code, u16::from(CloseCode::Size), "{reason}");
    assert!(reason.contains("too large"), "{reason}");

    // A flood is throttled, then closed.
    let mut flood = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    flood
        .send(json!({"type": "resume", "token": token, "last_seq": 1_000_000}))
        .await;
    assert_eq!(flood.next().await["type"], "resumed");
    for i in 0..60 {
        flood
            .send(json!({"type": "message", "client_id": format!("f{i}"), "body": "spam"}))
            .await;
    }
    let mut limited = 0;
    let (code, reason) = loop {
        match tokio::time::timeout(WAIT, flood.ws.next())
            .await
            .expect("a frame")
        {
            Some(Ok(Message::Text(text))) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                if frame["code"] == "rate_limited" {
                    assert!(frame["retry_after_ms"].as_u64().unwrap() > 0);
                    limited += 1;
                }
            }
            Some(Ok(Message::Close(Some(frame)))) => {
                break (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert!(limited > 0, "rate-limited before being closed");
    assert_eq!(code, u16::from(CloseCode::Policy));
    assert!(reason.contains("rate limit"), "{reason}");

    // The other chat was not affected.
    calm.send(json!({"type": "message", "client_id": "c2", "body": "hello again"}))
        .await;
    let ack = calm.until("ack").await.0;
    assert_eq!(
        (ack["seq"].as_i64(), ack["duplicate"].as_bool()),
        (Some(2), Some(false))
    );
}

#[tokio::test]
async fn the_widget_carries_the_account_settings_and_follows_the_origin_list() {
    let daemon = chat_daemon().await;
    let (status, _) = put_settings(
        &daemon,
        json!({"theme_color": "#aa3300", "position": "left", "greeting": {"de": "Hallo!"}}),
    )
    .await;
    assert_eq!(status, 200);
    let client = daemon.client();
    let response = client
        .get(daemon.url("/chat/widget.js"))
        .header("origin", SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(headers["access-control-allow-origin"], SHOP);
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");
    let script = response.text().await.unwrap();
    for expected in [
        "\"color\":\"#aa3300\"",
        "\"position\":\"left\"",
        "\"greeting\":{\"de\":\"Hallo!\"}",
        "Ich bin einverstanden",
        "attachShadow",
        "aria-live",
    ] {
        assert!(script.contains(expected), "widget.js lacks {expected}");
    }
    // Small: at most 30 KB gzipped.
    let mut gzip = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    use std::io::Write;
    gzip.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let compressed = gzip.wait_with_output().unwrap().stdout.len();
    assert!(
        compressed > 1000 && compressed <= 30 * 1024,
        "{compressed} bytes gzipped"
    );

    let other = client
        .get(daemon.url("/chat/widget.js"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "the script itself is public");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn waiting_visitors_hear_their_place_in_the_queue() {
    let daemon = chat_daemon().await;
    let session = sign_in(&daemon).await;
    let (_first, first_started, first_place) = visitor_starts_queued(&daemon, "q1").await;
    let (mut second, _, second_place) = visitor_starts_queued(&daemon, "q2").await;
    assert_eq!((first_place, second_place), (1, 2));

    let mut console = agent(&daemon, &session).await;
    console.until("chats").await;
    let first_chat = first_started["chat"].as_i64().unwrap();
    console
        .send(json!({"type": "accept", "chat": first_chat}))
        .await;
    let moved = second.until("queue").await.0;
    assert_eq!(
        moved["position"], 1,
        "the second is next once the first is answered"
    );
}
