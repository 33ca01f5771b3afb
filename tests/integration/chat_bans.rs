//! Chat bans over the real daemon: made and lifted through `/api/v1/chat/bans` by an agent,
//! refused to a read-only token, bad input answered 4xx, and a banned visitor (by visitor
//! id or by address, on start and on resume) told `banned` and closed with 1008 without
//! anything stored.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::harness::{Daemon, create_owner};
use crate::tls_client::{connect, trusting_daemon};

const OWNER: (&str, &str) = ("olive@bans.example", "owner password 12");
const AGENT: (&str, &str) = ("abe@bans.example", "agent password 12");
const SHOP: &str = "https://shop.example";
const WAIT: Duration = Duration::from_secs(10);

/// A visitor's WebSocket with JSON helpers.
struct Visitor {
    ws: WebSocketStream<TlsStream<TcpStream>>,
}

impl Visitor {
    async fn open(daemon: &Daemon) -> Visitor {
        let tls = connect(
            daemon,
            trusting_daemon(daemon, &rustls::version::TLS13, &[b"http/1.1"]),
        )
        .await;
        let url = format!("wss://localhost:{}/chat/ws", daemon.addr().port());
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", SHOP.parse().unwrap());
        let (ws, _) = tokio_tungstenite::client_async(request, tls)
            .await
            .expect("the visitor's handshake");
        let mut visitor = Visitor { ws };
        let first = visitor.next().await.expect("the availability frame");
        assert_eq!(first["type"], "availability", "{first}");
        visitor
    }

    async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("send a frame");
    }

    /// The next JSON frame, or the close code and reason when the server closes.
    async fn next(&mut self) -> Result<Value, (u16, String)> {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame within the deadline");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Ok(serde_json::from_str(text.as_str()).unwrap());
                }
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Err((u16::from(frame.code), frame.reason.to_string()));
                }
                Some(Ok(Message::Close(None))) | None => return Err((1005, String::new())),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the connection failed instead of closing: {e}"),
            }
        }
    }

    /// Frames until one of type `kind`.
    async fn until(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await.expect("the connection stays open");
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Expects the ban: an `error` frame with code `banned`, then a close with 1008.
    async fn turned_away(&mut self) {
        let error = self.next().await.expect("an error frame before the close");
        assert_eq!(
            (error["type"].as_str(), error["code"].as_str()),
            (Some("error"), Some("banned")),
            "{error}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("may not use this chat"),
            "{error}"
        );
        let closed = self.next().await.expect_err("the connection closes");
        assert_eq!(closed, (1008, "banned".to_string()));
    }
}

fn start_frame(visitor: &str, client_id: &str) -> Value {
    json!({
        "type": "start", "name": "Vic", "email": "vic@visitor.example",
        "message": "Hello there", "client_id": client_id, "consent": true,
        "locale": "en", "visitor": visitor,
    })
}

enum Auth<'a> {
    Basic(&'a str, &'a str),
    Bearer(&'a str),
}

async fn call(
    daemon: &Daemon,
    method: reqwest::Method,
    path: &str,
    auth: &Auth<'_>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = daemon.client().request(method, daemon.url(path));
    request = match auth {
        Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
        Auth::Bearer(token) => request.bearer_auth(token),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn ticket_count(daemon: &Daemon) -> usize {
    let owner = Auth::Basic(OWNER.0, OWNER.1);
    let (status, list) = call(
        daemon,
        reqwest::Method::GET,
        "/api/v1/tickets?limit=100",
        &owner,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list["tickets"].as_array().unwrap().len()
}

#[tokio::test]
async fn banned_visitors_and_addresses_are_turned_away_until_the_ban_is_lifted() {
    use reqwest::Method as M;
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let owner = Auth::Basic(OWNER.0, OWNER.1);
    let (status, _) = call(
        &daemon,
        M::PUT,
        "/api/v1/chat/settings",
        &owner,
        Some(json!({"allowed_origins": [SHOP]})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &daemon,
        M::POST,
        "/api/v1/users",
        &owner,
        Some(json!({"email": AGENT.0, "name": "Abe", "role": "agent", "password": AGENT.1})),
    )
    .await;
    assert_eq!(status, 201);
    let agent = Auth::Basic(AGENT.0, AGENT.1);
    let (status, token) = call(
        &daemon,
        M::POST,
        "/api/v1/tokens",
        &agent,
        Some(json!({"name": "ro", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let read_only = Auth::Bearer(token["token"].as_str().unwrap());

    // An agent bans a visitor id; a read-only token may look but not ban or lift.
    let (status, ban) = call(
        &daemon,
        M::POST,
        "/api/v1/chat/bans",
        &agent,
        Some(json!({"kind": "visitor", "value": "vbad", "reason": "insults"})),
    )
    .await;
    assert_eq!(status, 201, "{ban}");
    assert_eq!(
        (
            &ban["kind"],
            &ban["value"],
            &ban["reason"],
            &ban["expires_at"]
        ),
        (
            &json!("visitor"),
            &json!("vbad"),
            &json!("insults"),
            &Value::Null
        )
    );
    let visitor_ban = ban["id"].as_i64().unwrap();
    let (status, body) = call(
        &daemon,
        M::POST,
        "/api/v1/chat/bans",
        &read_only,
        Some(json!({"kind": "visitor", "value": "other"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(
        &daemon,
        M::DELETE,
        &format!("/api/v1/chat/bans/{visitor_ban}"),
        &read_only,
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, list) = call(&daemon, M::GET, "/api/v1/chat/bans", &read_only, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["bans"][0]["id"], visitor_ban, "{list}");

    // Bad input is a 4xx naming the problem.
    for (body, status, code, needle) in [
        (
            json!({"kind": "email", "value": "x"}),
            422,
            "invalid_ban",
            "`kind`",
        ),
        (
            json!({"kind": "ip", "value": "10.1.2.3/33"}),
            422,
            "invalid_ban",
            "CIDR",
        ),
        (
            json!({"kind": "ip", "value": "10.1.2.3/24"}),
            422,
            "invalid_ban",
            "10.1.2.0/24",
        ),
        (
            json!({"kind": "ip", "value": "10.0.0.1", "expires_at": "2001-01-01T00:00:00Z"}),
            422,
            "invalid_ban",
            "future",
        ),
        (
            json!({"kind": "ip", "value": "10.0.0.1", "days": 0}),
            422,
            "invalid_ban",
            "`days`",
        ),
        (
            json!({"kind": "visitor", "value": "a b"}),
            422,
            "invalid_ban",
            "visitor id",
        ),
        (
            json!({"kind": "visitor", "value": "x", "color": "red"}),
            422,
            "invalid_field",
            "color",
        ),
        (
            json!({"kind": "visitor", "value": "vbad"}),
            409,
            "already_banned",
            "vbad",
        ),
    ] {
        let (got, answer) = call(
            &daemon,
            M::POST,
            "/api/v1/chat/bans",
            &agent,
            Some(body.clone()),
        )
        .await;
        assert_eq!(got, status, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], code, "{body} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body} → {message}");
    }
    let (status, body) = call(&daemon, M::DELETE, "/api/v1/chat/bans/999999", &agent, None).await;
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));

    // The banned visitor is turned away and nothing is stored.
    let mut banned = Visitor::open(&daemon).await;
    banned.send(start_frame("vbad", "m1")).await;
    banned.turned_away().await;
    assert_eq!(ticket_count(&daemon).await, 0);

    // A ban of the address (tests come from 127.0.0.1) turns away every visitor id.
    let (status, ip_ban) = call(
        &daemon,
        M::POST,
        "/api/v1/chat/bans",
        &agent,
        Some(json!({"kind": "ip", "value": "127.0.0.0/8", "days": 1})),
    )
    .await;
    assert_eq!(status, 201, "{ip_ban}");
    assert!(ip_ban["expires_at"].is_string(), "{ip_ban}");
    let mut other = Visitor::open(&daemon).await;
    other.send(start_frame("vfine", "m1")).await;
    other.turned_away().await;
    assert_eq!(ticket_count(&daemon).await, 0);
    let (status, _) = call(
        &daemon,
        M::DELETE,
        &format!("/api/v1/chat/bans/{}", ip_ban["id"]),
        &agent,
        None,
    )
    .await;
    assert_eq!(status, 204);

    // Lifted, the visitor starts a chat.
    let (status, _) = call(
        &daemon,
        M::DELETE,
        &format!("/api/v1/chat/bans/{visitor_ban}"),
        &agent,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let mut back = Visitor::open(&daemon).await;
    back.send(start_frame("vbad", "m2")).await;
    let started = back.until("started").await;
    assert_eq!(started["visitor"], "vbad", "{started}");
    assert_eq!(ticket_count(&daemon).await, 1);

    // Banned mid-chat, the visitor cannot resume.
    let (status, _) = call(
        &daemon,
        M::POST,
        "/api/v1/chat/bans",
        &agent,
        Some(json!({"kind": "visitor", "value": "vbad"})),
    )
    .await;
    assert_eq!(status, 201);
    let mut again = Visitor::open(&daemon).await;
    again
        .send(json!({"type": "resume", "token": started["token"], "last_seq": 0}))
        .await;
    again.turned_away().await;

    // Every ban made and lifted is in the audit log, with who did it.
    let (status, log) = call(&daemon, M::GET, "/api/v1/audit", &owner, None).await;
    assert_eq!(status, 200);
    let ours: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("chat.ban"))
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ours,
        [
            ("chat.ban_created", AGENT.0),
            ("chat.ban_deleted", AGENT.0),
            ("chat.ban_deleted", AGENT.0),
            ("chat.ban_created", AGENT.0),
            ("chat.ban_created", AGENT.0),
        ],
        "newest first: {log}"
    );
}
