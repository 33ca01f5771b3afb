//! The chat transcript by email over the real daemon: the visitor asks on `/chat/ws` after
//! the agent ended the chat (and by long polling during another), and the mail waits in
//! the account's outbox, read back from the encrypted database with the master key; with
//! a relay configured, it arrives there by SMTP (`harness::smtp_sink`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::chat::{
    OWNER, SHOP, Socket, agent, chat_daemon, put_settings, sign_in_as, visitor_starts_queued,
};
use crate::harness::smtp_sink::{Answer, SmtpSink};
use crate::harness::{DEADLINE, Daemon, Options, cli_ok, create_owner};

/// One long-polling request as the widget sends it: `text/plain`, from the shop's page.
async fn poll_send(daemon: &Daemon, body: Value) -> (u16, Option<String>, Value) {
    let response = daemon
        .client()
        .post(daemon.url("/chat/poll/send"))
        .header("origin", SHOP)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.json().await.unwrap())
}

/// The outbox of the daemon's account, each mail as (recipient, subject, text), opened
/// next to the running daemon with the master key as an operator holding it could.
async fn outbox(daemon: &Daemon) -> Vec<(String, String, String)> {
    use helpdeskd::store::{DataLayout, KeySource, OpenMode, Store, StoreError, StoreOptions};
    let shown: Value = serde_json::from_str(&cli_ok(&[
        "account",
        "show",
        "default",
        "--json",
        "--data-dir",
        &daemon.data_arg(),
    ]))
    .unwrap();
    let account_id = shown["id"].as_str().unwrap().to_string();
    let store = std::sync::Arc::new(
        Store::open(
            DataLayout::new(&daemon.data_dir),
            &KeySource::File(daemon.data_dir.join("master.key")),
            StoreOptions {
                readers_per_database: 1,
                reader_cache_mib: 2,
                busy_timeout: Duration::from_secs(5),
            },
            OpenMode::Existing,
            0,
        )
        .unwrap(),
    );
    let db = store.account(&account_id, 0).await.unwrap();
    let rows: Vec<(String, Vec<u8>)> = db
        .read_now(|conn| -> Result<_, StoreError> {
            let mut stmt =
                conn.prepare("SELECT recipient, message FROM mail_outbox ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    rows.into_iter()
        .map(|(to, raw)| {
            let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let subject = parsed.subject().unwrap_or_default().to_string();
            let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
            (to, subject, text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_gets_the_transcript_by_email_once_per_window() {
    let daemon = chat_daemon().await;
    let session = sign_in_as(&daemon, OWNER.0, OWNER.1).await;

    // An unbound connection has no chat to mail.
    let mut stranger = Socket::open(&daemon, "/chat/ws", SHOP, None).await;
    stranger.send(json!({"type": "transcript"})).await;
    let refused = stranger.next().await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("not_started")),
        "{refused}"
    );

    // A chat with both sides speaking, ended by the agent.
    let (mut visitor, started, _) = visitor_starts_queued(&daemon, "v1").await;
    let chat = started["chat"].as_i64().unwrap();
    let code = started["ticket"].as_str().unwrap().to_string();
    let mut console = agent(&daemon, &session).await;
    console.until("chats").await;
    console.send(json!({"type": "accept", "chat": chat})).await;
    visitor.until("agent_joined").await;
    console
        .send(json!({"type": "message", "chat": chat, "client_id": "a1", "body": "Yes, it ships today."}))
        .await;
    visitor.until("message").await;
    visitor
        .send(json!({"type": "message", "client_id": "v2", "body": "Great, thanks!"}))
        .await;
    visitor.until("ack").await;
    console.send(json!({"type": "close", "chat": chat})).await;
    visitor.until("closed").await;

    // After the end, on the same socket: queued once, then refused with the wait.
    visitor.send(json!({"type": "transcript"})).await;
    let (queued, _) = visitor.until("transcript_queued").await;
    assert_eq!(queued["chat"], chat, "{queued}");
    visitor.send(json!({"type": "transcript"})).await;
    let (again, _) = visitor.until("error").await;
    assert_eq!(again["code"], "transcript_too_soon", "{again}");
    assert!(
        again["retry_after_ms"].as_u64().unwrap() > 500_000,
        "{again}"
    );

    // Long polling with the chat's token is held to the same window.
    let token = started["token"].as_str().unwrap();
    let frame = json!({"token": token, "frame": {"type": "transcript"}});
    let (status, retry_after, answer) = poll_send(&daemon, frame).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["error"]["code"], "transcript_too_soon", "{answer}");
    assert!(retry_after.is_some(), "a Retry-After header");

    let mails = outbox(&daemon).await;
    assert_eq!(mails.len(), 1, "one mail for three requests: {mails:?}");
    let (to, subject, text) = &mails[0];
    assert_eq!(to, "vic@visitor.example");
    assert!(
        subject.starts_with("Transcript of your chat with ")
            && subject.ends_with(&format!("[{code}]")),
        "{subject}"
    );
    let first = text.find("Hello, is my order on its way?");
    let reply = text.find("Olive — ");
    let thanks = text.find("Great, thanks!");
    assert!(
        first.is_some() && first < reply && reply < thanks,
        "both sides in order:\n{text}"
    );
    assert!(text.contains("Vic Visitor — "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_visitor_gets_the_transcript_while_the_chat_waits() {
    let daemon = chat_daemon().await;
    let (_visitor, started, _) = visitor_starts_queued(&daemon, "p1").await;
    let token = started["token"].as_str().unwrap();
    let frame = json!({"token": token, "frame": {"type": "transcript"}});
    let (status, _, answer) = poll_send(&daemon, frame).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["frames"][0]["type"], "transcript_queued", "{answer}");
    let mails = outbox(&daemon).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].2.contains("Hello, is my order on its way?"),
        "{}",
        mails[0].2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transcript_reaches_the_relay_addressed_to_the_visitor() {
    let sink = SmtpSink::start(Answer::Accept);
    let daemon = Daemon::start(
        Options::default()
            .env("HELPDESKD_MAIL_RELAY", &sink.relay())
            .env("HELPDESKD_MAIL_RELAY_SECURITY", "none")
            .env("HELPDESKD_MAIL_DOMAIN", "desk.acme.example")
            .env(
                "HELPDESKD_MAIL_FROM_ADDRESS",
                "Acme Support <support@acme.example>",
            ),
    );
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let (status, _) = put_settings(&daemon, json!({"allowed_origins": [SHOP]})).await;
    assert_eq!(status, 200);

    let (mut visitor, started, _) = visitor_starts_queued(&daemon, "r1").await;
    let code = started["ticket"].as_str().unwrap();
    visitor.send(json!({"type": "transcript"})).await;
    visitor.until("transcript_queued").await;

    let got = sink.wait_received(1, DEADLINE);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].rcpt_to, vec!["vic@visitor.example".to_string()]);
    let parsed = mail_parser::MessageParser::default()
        .parse(got[0].data.as_bytes())
        .unwrap();
    assert!(
        parsed.subject().unwrap().ends_with(&format!("[{code}]")),
        "{:?}",
        parsed.subject()
    );
    let message_id = parsed.message_id().unwrap();
    assert!(
        message_id.starts_with(&format!("{code}.")),
        "a reply finds the ticket: {message_id}"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("Hello, is my order on its way?"), "{text}");
}
