//! Chat routing over the real daemon: agents' presence, offers within each agent's limit,
//! an offer that times out or is declined moving on, transfers and invitations.

use serde_json::{Value, json};

use crate::chat::{
    OWNER, SHOP, Socket, agent, api_get, chat_daemon, put_settings, sign_in_as, start_frame,
    visitor_starts_queued,
};
use crate::harness::Daemon;

/// Adds an agent through the API; returns their user id.
async fn add_agent(daemon: &Daemon, name: &str, email: &str) -> i64 {
    let response = daemon
        .client()
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(
            &json!({"email": email, "name": name, "role": "agent", "password": "agent password 1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    user["id"].as_i64().unwrap()
}

/// An agent's console, online.
async fn online_console(daemon: &Daemon, email: &str) -> Socket {
    let session = sign_in_as(daemon, email, "agent password 1").await;
    let mut console = agent(daemon, &session).await;
    let (presence, _) = console.until("presence").await;
    assert_eq!(presence["status"], "offline", "agents start offline");
    console
        .send(json!({"type": "presence", "status": "online"}))
        .await;
    let (presence, _) = console.until("presence").await;
    assert_eq!(presence["status"], "online");
    console
}

async fn offered(console: &mut Socket) -> i64 {
    let (offer, _) = console.until("offer").await;
    offer["chat"].as_i64().unwrap()
}

async fn start_chat(daemon: &Daemon, client_id: &str) -> (Socket, i64, i64) {
    let (visitor, started, position) = visitor_starts_queued(daemon, client_id).await;
    (visitor, started["chat"].as_i64().unwrap(), position)
}

#[tokio::test]
async fn with_two_agents_at_limit_one_the_third_chat_waits_for_the_first_to_free_up() {
    let daemon = chat_daemon().await;
    let (status, settings) = put_settings(&daemon, json!({"agent_limit": 1})).await;
    assert_eq!((status, settings["agent_limit"].as_i64()), (200, Some(1)));
    let ada_id = add_agent(&daemon, "Ada", "ada@chat.example").await;
    add_agent(&daemon, "Ben", "ben@chat.example").await;
    let mut ada = online_console(&daemon, "ada@chat.example").await;
    let mut ben = online_console(&daemon, "ben@chat.example").await;

    // Equal agents: the first chat to one, the second to the other (least busy).
    let (_v1, chat1, _) = start_chat(&daemon, "c1").await;
    let first = offered(&mut ada).await;
    assert_eq!(first, chat1);
    ada.send(json!({"type": "accept", "chat": chat1})).await;
    let (_v2, chat2, _) = start_chat(&daemon, "c2").await;
    assert_eq!(offered(&mut ben).await, chat2);
    ben.send(json!({"type": "accept", "chat": chat2})).await;
    ben.until("agent_joined").await;

    // Both at their limit: the third waits first in the queue, and taking it by hand is
    // refused too.
    let (mut v3, chat3, position) = start_chat(&daemon, "c3").await;
    assert_eq!(position, 1);
    ada.send(json!({"type": "accept", "chat": chat3})).await;
    let (refused, skipped) = ada.until("error").await;
    assert_eq!(refused["code"], "at_limit", "{refused}");
    assert!(
        skipped.iter().all(|f| f["type"] != "offer"),
        "no offer above the limit: {skipped:?}"
    );

    // Ben closes his chat; the waiting one reaches him.
    ben.send(json!({"type": "close", "chat": chat2})).await;
    let (offer, before) = ben.until("offer").await;
    assert_eq!(offer["chat"], chat3, "after {before:?}");
    ben.send(json!({"type": "accept", "chat": chat3})).await;
    let (joined, _) = v3.until("agent_joined").await;
    assert_eq!(joined["name"], "Ben");

    // An admin gives Ada a limit of her own: the next chat goes to her, above the
    // account's limit of one.
    let response = daemon
        .client()
        .patch(daemon.url(&format!("/api/v1/chat/agents/{ada_id}")))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"max_chats": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let agent: Value = response.json().await.unwrap();
    assert_eq!(
        (
            agent["limit"].as_i64(),
            agent["active"].as_i64(),
            agent["presence"].as_str()
        ),
        (Some(2), Some(1), Some("online"))
    );
    let (_v4, chat4, _) = start_chat(&daemon, "c4").await;
    assert_eq!(offered(&mut ada).await, chat4);
}

#[tokio::test]
async fn an_unanswered_offer_moves_on_and_chats_are_transferred_and_shared() {
    let daemon = chat_daemon().await;
    let (status, _) = put_settings(&daemon, json!({"offer_seconds": 5, "agent_limit": 2})).await;
    assert_eq!(status, 200);
    let ada_id = add_agent(&daemon, "Ada", "ada@chat.example").await;
    let ben_id = add_agent(&daemon, "Ben", "ben@chat.example").await;
    let mut ada = online_console(&daemon, "ada@chat.example").await;
    let mut ben = online_console(&daemon, "ben@chat.example").await;

    let (mut visitor, chat, _) = start_chat(&daemon, "t1").await;
    assert_eq!(offered(&mut ada).await, chat);
    // Ada lets it pass: after the offer time it is withdrawn from her and offered to Ben.
    let (withdrawn, _) = ada.until("offer_withdrawn").await;
    assert_eq!(withdrawn["chat"], chat);
    let (offer, _) = ben.until("offer").await;
    assert_eq!(
        (offer["chat"].as_i64(), offer["seconds"].as_u64()),
        (Some(chat), Some(5))
    );
    // Ben declines: with nobody else, it comes back to Ada once her pass is over.
    ben.send(json!({"type": "decline", "chat": chat})).await;
    ben.until("offer_withdrawn").await;
    assert_eq!(offered(&mut ada).await, chat);
    ada.send(json!({"type": "accept", "chat": chat})).await;
    visitor.until("agent_joined").await;

    // Away agents are offered nothing: Ben goes away, a new chat goes to Ada.
    ben.send(json!({"type": "presence", "status": "away"}))
        .await;
    ben.until("presence").await;
    let (_other, chat2, _) = start_chat(&daemon, "t2").await;
    assert_eq!(offered(&mut ada).await, chat2);
    ada.send(json!({"type": "decline", "chat": chat2})).await;
    ben.send(json!({"type": "presence", "status": "online"}))
        .await;
    assert_eq!(offered(&mut ben).await, chat2, "back online, Ben is asked");

    // Ada transfers her chat to Ben: the visitor is told where it went and waits for him.
    ada.send(json!({"type": "transfer", "chat": chat, "agent": ada_id}))
        .await;
    let (same, _) = ada.until("error").await;
    assert_eq!(same["code"], "same_agent");
    ada.send(json!({"type": "transfer", "chat": chat, "agent": ben_id}))
        .await;
    let (moved, _) = visitor.until("transferred").await;
    assert_eq!(
        (moved["detail"].as_str(), moved["name"].as_str()),
        (Some("Ben"), Some("Ada"))
    );
    let (queue, _) = visitor.until("queue").await;
    assert!(queue["position"].as_i64().unwrap() >= 1);
    let (offer, _) = ben.until("offer").await;
    assert_eq!(offer["chat"], chat, "a transfer to Ben is offered to Ben");
    ben.send(json!({"type": "accept", "chat": chat})).await;
    let (joined, _) = visitor.until("agent_joined").await;
    assert_eq!(joined["name"], "Ben");

    // Ben invites Ada back in; she joins, writes, and leaves.
    ben.send(json!({"type": "invite", "chat": chat, "agent": ada_id}))
        .await;
    let invited = loop {
        let (list, _) = ada.until("chats").await;
        let found = list["chats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == chat && c["involvement"] == "invited")
            .cloned();
        if let Some(found) = found {
            break found;
        }
    };
    assert_eq!(invited["status"], "active", "{invited}");
    ada.send(json!({"type": "join", "chat": chat})).await;
    let (joined, _) = visitor.until("agent_joined").await;
    assert_eq!(joined["name"], "Ada");
    ada.send(json!({"type": "message", "chat": chat, "client_id": "a1", "body": "Ada here too."}))
        .await;
    let (said, _) = visitor.until("message").await;
    assert_eq!(
        (said["body"].as_str(), said["name"].as_str()),
        (Some("Ada here too."), Some("Ada"))
    );
    ada.send(json!({"type": "leave", "chat": chat})).await;
    let (left, _) = visitor.until("agent_left").await;
    assert_eq!(left["name"], "Ada");
    ada.send(json!({"type": "message", "chat": chat, "client_id": "a2", "body": "Still here?"}))
        .await;
    let (gone, _) = ada.until("error").await;
    assert_eq!(gone["code"], "not_your_chat");
}

#[tokio::test]
async fn with_nobody_online_the_widget_leaves_a_message_that_becomes_a_ticket() {
    let daemon = chat_daemon().await;
    add_agent(&daemon, "Ada", "ada@chat.example").await;
    let mut visitor = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    assert_eq!(visitor.agents_online, Some(false), "nobody is seated yet");

    let mut form = start_frame("o1", true);
    form["offline"] = json!(true);
    form["message"] = json!("Please call me back about my invoice.");
    visitor.send(form.clone()).await;
    let (left, _) = visitor.until("message_left").await;
    let code = left["ticket"].as_str().unwrap().to_string();
    // A retried send (same visitor and client id) is the same ticket, not a second one.
    let visitor_id = "vretry1";
    form["visitor"] = json!(visitor_id);
    form["client_id"] = json!("o2");
    visitor.send(form.clone()).await;
    let (first, _) = visitor.until("message_left").await;
    visitor.send(form).await;
    let (again, _) = visitor.until("message_left").await;
    assert_eq!(first["ticket"], again["ticket"]);
    assert_ne!(first["ticket"].as_str(), Some(code.as_str()));

    let list = api_get(&daemon, "/api/v1/tickets?tag=chat-offline").await;
    let tickets = list["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2, "{list}");
    let ticket = tickets.iter().find(|t| t["code"] == code.as_str()).unwrap();
    assert_eq!(ticket["channel"], "web");
    assert_eq!(
        ticket["subject"],
        "Offline message: Please call me back about my invoice."
    );
    let contact = ticket["contact"]["id"].as_i64().unwrap();
    let consents = api_get(
        &daemon,
        &format!("/api/v1/chat/consents?contact_id={contact}"),
    )
    .await;
    let record = &consents["consents"][0];
    assert_eq!(
        (record["version"].as_i64(), record["chat_id"].is_null()),
        (Some(1), true)
    );

    // Without consent the offline form is refused like a chat.
    let mut refused = start_frame("o3", false);
    refused["offline"] = json!(true);
    visitor.send(refused).await;
    let (error, _) = visitor.until("error").await;
    assert_eq!(error["code"], "consent_required");

    // Once an agent is online, a new visitor connection hears so.
    let _ada = online_console(&daemon, "ada@chat.example").await;
    let online = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    assert_eq!(online.agents_online, Some(true));
}

#[tokio::test]
async fn an_agent_bans_a_visitor_from_the_console_and_their_chat_ends() {
    let daemon = chat_daemon().await;
    add_agent(&daemon, "Ada", "ada@chat.example").await;
    let mut ada = online_console(&daemon, "ada@chat.example").await;
    let (mut visitor, started, _) = visitor_starts_queued(&daemon, "b1").await;
    let chat = started["chat"].as_i64().unwrap();
    assert_eq!(offered(&mut ada).await, chat);
    ada.send(json!({"type": "accept", "chat": chat})).await;
    visitor.until("agent_joined").await;

    ada.send(json!({"type": "ban", "chat": chat, "days": 0}))
        .await;
    let (bad, _) = ada.until("error").await;
    assert_eq!(bad["code"], "invalid_ban");
    ada.send(json!({"type": "ban", "chat": chat, "reason": "abuse"}))
        .await;
    let (closed, _) = visitor.until("closed").await;
    assert_eq!(closed["from"], "agent");
    let bans = api_get(&daemon, "/api/v1/chat/bans").await;
    let kinds: Vec<&str> = bans["bans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"visitor") && kinds.contains(&"ip"),
        "{bans}"
    );

    // The same visitor cannot start again.
    let mut again = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    let mut frame = start_frame("b2", true);
    frame["visitor"] = started["visitor"].clone();
    again.send(frame).await;
    let (refused, _) = again.until("error").await;
    assert_eq!(refused["code"], "banned");
    assert_eq!(again.closed().await.0, 1008);
}

/// One long-polling request as the widget sends it: `text/plain`, from the shop's page.
async fn poll(daemon: &Daemon, path: &str, body: Value) -> (u16, Value, Option<String>) {
    let response = daemon
        .client()
        .post(daemon.url(path))
        .header("origin", SHOP)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cors = response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string());
    (status, response.json().await.unwrap_or(Value::Null), cors)
}

fn frames_of(answer: &Value) -> Vec<Value> {
    answer["frames"].as_array().cloned().unwrap_or_default()
}

/// Polls until a `message` event with `body` arrives; returns the last sequence seen.
async fn poll_until_message(daemon: &Daemon, token: &str, mut last_seq: i64, body: &str) -> i64 {
    for _ in 0..20 {
        let request = json!({"token": token, "last_seq": last_seq});
        let (status, answer, _) = poll(daemon, "/chat/poll/events", request).await;
        assert_eq!(status, 200, "{answer}");
        for frame in frames_of(&answer) {
            if let Some(seq) = frame["seq"].as_i64() {
                last_seq = last_seq.max(seq);
            }
            if frame["type"] == "message" && frame["body"] == body {
                return last_seq;
            }
        }
    }
    panic!("`{body}` never arrived by long polling");
}

#[tokio::test]
async fn long_polling_carries_a_chat_where_websockets_are_blocked() {
    let daemon = chat_daemon().await;
    add_agent(&daemon, "Ada", "ada@chat.example").await;
    let mut ada = online_console(&daemon, "ada@chat.example").await;

    // Refused like a socket: another origin, malformed bodies, a frame without its chat.
    let other = daemon
        .client()
        .post(daemon.url("/chat/poll/send"))
        .header("origin", "https://evil.example")
        .body(json!({"frame": {"type": "ping"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let (status, answer, _) = poll(&daemon, "/chat/poll/send", json!({"frame": 3})).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("malformed"))
    );
    let message = json!({"frame": {"type": "message", "client_id": "x", "body": "hi"}});
    let (status, answer, cors) = poll(&daemon, "/chat/poll/send", message).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("not_started"))
    );
    assert_eq!(
        cors.as_deref(),
        Some(SHOP),
        "errors are readable by the page too"
    );

    let (status, answer, cors) = poll(
        &daemon,
        "/chat/poll/send",
        json!({"frame": start_frame("p1", true)}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(cors.as_deref(), Some(SHOP));
    let frames = frames_of(&answer);
    assert_eq!(frames[0]["type"], "started");
    assert_eq!(
        (frames[1]["type"].as_str(), frames[1]["seq"].as_i64()),
        (Some("ack"), Some(1))
    );
    let token = frames[0]["token"].as_str().unwrap().to_string();
    let chat = frames[0]["chat"].as_i64().unwrap();

    let (_, first, _) = poll(
        &daemon,
        "/chat/poll/events",
        json!({"token": token, "last_seq": 0}),
    )
    .await;
    let first = frames_of(&first);
    assert_eq!(
        (first[0]["type"].as_str(), first[0]["seq"].as_i64()),
        (Some("message"), Some(1))
    );
    assert_eq!(first[1]["type"], "queue");

    assert_eq!(offered(&mut ada).await, chat);
    ada.send(json!({"type": "accept", "chat": chat})).await;
    ada.send(json!({"type": "message", "chat": chat, "client_id": "a1", "body": "Hello from Ada"}))
        .await;
    let seen = poll_until_message(&daemon, &token, 1, "Hello from Ada").await;

    // A waiting poll is answered as soon as the agent writes.
    let waiting = {
        let daemon_url = daemon.url("/chat/poll/events");
        let client = daemon.client();
        let body = json!({"token": token, "last_seq": seen}).to_string();
        tokio::spawn(async move {
            let response = client
                .post(daemon_url)
                .header("origin", SHOP)
                .body(body)
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    ada.send(json!({"type": "message", "chat": chat, "client_id": "a2", "body": "Still there?"}))
        .await;
    let woke = waiting.await.unwrap();
    assert!(woke.to_string().contains("Still there?"), "{woke}");

    // The visitor writes; a resend of the same client id is a duplicate.
    let reply =
        json!({"token": token, "frame": {"type": "message", "client_id": "v2", "body": "Yes!"}});
    let (_, ack, _) = poll(&daemon, "/chat/poll/send", reply.clone()).await;
    let ack = &frames_of(&ack)[0];
    assert_eq!(
        (ack["type"].as_str(), ack["duplicate"].as_bool()),
        (Some("ack"), Some(false))
    );
    let (_, again, _) = poll(&daemon, "/chat/poll/send", reply).await;
    let again = &frames_of(&again)[0];
    assert_eq!(
        (again["seq"].clone(), again["duplicate"].as_bool()),
        (ack["seq"].clone(), Some(true))
    );
    // The agent hears it (after the events of her own messages).
    loop {
        let (said, _) = ada.until("message").await;
        if said["body"] == "Yes!" {
            assert_eq!(said["from"], "visitor");
            break;
        }
    }
}

/// An open chat socket keeps its place under `http.max_connections`: with the slots taken
/// by sockets, a new client waits until one of them goes.
#[tokio::test]
async fn open_chat_sockets_count_against_the_connection_limit() {
    let options = crate::harness::Options::default().env("HELPDESKD_HTTP_MAX_CONNECTIONS", "3");
    let daemon = Daemon::start(options);
    crate::harness::create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let (status, _) = put_settings(&daemon, json!({"allowed_origins": [SHOP]})).await;
    assert_eq!(status, 200);
    // The clients above are gone; their connections close on the server soon after.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(Socket::open(&daemon, "/chat/ws", SHOP, None).await);
    }
    let metrics = |daemon: &Daemon| {
        let (client, url) = (daemon.client(), daemon.url("/metrics"));
        async move {
            let request = client
                .get(url)
                .timeout(std::time::Duration::from_millis(1500));
            request.send().await
        }
    };
    assert!(
        metrics(&daemon).await.is_err(),
        "a fourth client is not served while three sockets are open"
    );
    drop(sockets.pop());
    let served = metrics(&daemon).await.expect("served once a socket closed");
    assert_eq!(served.status(), 200);
}

/// An agent's messages are written while their console goes on delivering, and still in
/// the order sent: a burst and a close right after it arrive whole and in order.
#[tokio::test]
async fn an_agents_burst_and_close_arrive_in_the_order_sent() {
    let daemon = chat_daemon().await;
    add_agent(&daemon, "Ada", "ada@chat.example").await;
    let mut ada = online_console(&daemon, "ada@chat.example").await;
    let (mut visitor, started, _) = visitor_starts_queued(&daemon, "burst").await;
    let chat = started["chat"].as_i64().unwrap();
    assert_eq!(offered(&mut ada).await, chat);
    ada.send(json!({"type": "accept", "chat": chat})).await;
    for i in 0..8 {
        let body = format!("part {i}");
        let frame =
            json!({"type": "message", "chat": chat, "client_id": format!("m{i}"), "body": body});
        ada.send(frame).await;
    }
    ada.send(json!({"type": "close", "chat": chat})).await;
    let mut seen = Vec::new();
    loop {
        let frame = visitor.next().await;
        match frame["type"].as_str() {
            Some("message") if frame["from"] == "agent" => {
                seen.push(frame["body"].as_str().unwrap().to_string());
            }
            Some("closed") => break,
            _ => {}
        }
    }
    let expected: Vec<String> = (0..8).map(|i| format!("part {i}")).collect();
    assert_eq!(seen, expected);
}
