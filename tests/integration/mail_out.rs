//! Outgoing mail end to end: the real daemon sends through a real SMTP conversation to the
//! test's relay (`harness::smtp_sink`): agents' replies (not notes, not chat), the portal's
//! sign-in link, a relay that defers (4xx) or refuses (5xx), and a queued mail that
//! survives `kill -9`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::desk::{Part, Session};
use crate::harness::smtp_sink::{Answer, Received, SmtpSink};
use crate::harness::{DEADLINE, Daemon, Options, create_owner};
use crate::portal::{Visitor, field, path_of, sign_in};
use crate::two_factor::csrf_in;

const OWNER: (&str, &str) = ("otto@desk.example", "owner password 12");
/// The first retry comes 30 s after a deferral; allow for a slow machine.
const RETRY: Duration = Duration::from_secs(75);

fn daemon_with_relay(sink: &SmtpSink) -> Daemon {
    Daemon::start(
        Options::default()
            .env("HELPDESKD_MAIL_RELAY", &sink.relay())
            .env("HELPDESKD_MAIL_RELAY_SECURITY", "none")
            .env("HELPDESKD_MAIL_DOMAIN", "desk.acme.example")
            .env(
                "HELPDESKD_MAIL_FROM_ADDRESS",
                "Acme Support <support@acme.example>",
            ),
    )
}

async fn api(
    daemon: &Daemon,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = daemon
        .client()
        .request(method, daemon.url(path))
        .basic_auth(OWNER.0, Some(OWNER.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A ticket from `email` on `channel`; returns its id and code.
async fn ticket(daemon: &Daemon, email: &str, subject: &str, channel: &str) -> (i64, String) {
    let body = json!({"subject": subject, "message": "It jams.", "channel": channel,
        "contact": {"email": email, "name": "Cleo Customer"}});
    let (status, created) = api(daemon, reqwest::Method::POST, "/api/v1/tickets", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    (
        created["id"].as_i64().unwrap(),
        created["code"].as_str().unwrap().to_string(),
    )
}

async fn post_message(daemon: &Daemon, ticket: i64, kind: &str, text: &str) {
    let path = format!("/api/v1/tickets/{ticket}/messages");
    let body = json!({"type": kind, "body": text});
    let (status, answer) = api(daemon, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{answer}");
}

fn parsed(mail: &Received) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a parsable message")
}

fn text_of(mail: &Received) -> String {
    parsed(mail).body_text(0).unwrap().replace("\r\n", "\n")
}

async fn metrics(daemon: &Daemon) -> String {
    let response = daemon
        .client()
        .get(daemon.url("/metrics"))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// Polls `/metrics` (bounded) until it holds the line `line`; returns the figures.
async fn wait_metric(daemon: &Daemon, line: &str) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let figures = metrics(daemon).await;
        if figures.lines().any(|l| l == line) {
            return figures;
        }
        assert!(Instant::now() < deadline, "no `{line}` in {figures}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_agents_reply_is_mailed_but_not_a_note_nor_a_chat_reply() {
    let sink = SmtpSink::start(Answer::Accept);
    let daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, code) = ticket(&daemon, "cleo@x.example", "Re: Printer on fire", "api").await;
    let (chat, _) = ticket(&daemon, "chad@x.example", "Chat with Chad", "chat").await;

    // In this order: had the note or the chat reply queued a mail, it would come first.
    post_message(&daemon, id, "note", "INTERNAL: she called five times").await;
    post_message(&daemon, chat, "reply", "Hello Chad, in the chat").await;
    post_message(&daemon, id, "reply", "Turn it off and on.\n.\n..and again.").await;

    let got = sink.wait_received(1, DEADLINE);
    let mail = &got[0];
    assert_eq!(mail.rcpt_to, vec!["cleo@x.example".to_string()]);
    assert_eq!(mail.mail_from, "support@acme.example");
    let message = parsed(mail);
    assert_eq!(
        message.subject(),
        Some(format!("Re: [{code}] Printer on fire").as_str())
    );
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(
        (to.name(), to.address()),
        (Some("Cleo Customer"), Some("cleo@x.example"))
    );
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Acme Support"), Some("support@acme.example"))
    );
    let message_id = message.message_id().unwrap();
    assert!(
        message_id.starts_with(&format!("{code}.")) && message_id.ends_with("@desk.acme.example"),
        "{message_id}"
    );
    // Lines of dots survive the SMTP dot-stuffing both ways.
    let text = text_of(mail);
    assert!(
        text.starts_with("Turn it off and on.\n.\n..and again.\n"),
        "{text}"
    );
    assert!(text.contains(&format!("[{code}]")), "{text}");
    assert!(!text.contains("INTERNAL"), "{text}");

    // Nothing else was sent, and nothing waits. The sink has the mail a moment before the
    // daemon hears its 250 and counts it, and the queued gauge may still be the 0 of the
    // pass before the reply: wait for the count first.
    wait_metric(&daemon, "helpdeskd_mail_sent_total 1").await;
    let figures = wait_metric(&daemon, "helpdeskd_mail_queued 0").await;
    assert!(figures.contains("helpdeskd_mail_sent_total 1"), "{figures}");
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_reply_from_the_panel_is_mailed_but_not_a_note() {
    let sink = SmtpSink::start(Answer::Accept);
    let daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, code) = ticket(&daemon, "bea@x.example", "Broken screen", "web").await;
    let path = format!("/agent/tickets/{id}");
    let mut panel = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;
    let (status, _, page) = panel.get(&path).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_in(&page);
    let post = format!("{path}/messages");
    for (kind, body) in [
        ("note", "INTERNAL: order a new one"),
        ("reply", "A new screen is on its way."),
    ] {
        let parts = [
            Part::Text("csrf", &csrf),
            Part::Text("body", body),
            Part::Text("kind", kind),
        ];
        let (status, location, page) = panel.multipart(&post, &parts).await;
        assert_eq!((status, location.as_str()), (303, path.as_str()), "{page}");
    }

    let got = sink.wait_received(1, DEADLINE);
    assert_eq!(got[0].rcpt_to, vec!["bea@x.example".to_string()]);
    assert_eq!(
        parsed(&got[0]).subject(),
        Some(format!("Re: [{code}] Broken screen").as_str())
    );
    let text = text_of(&got[0]);
    assert!(text.starts_with("A new screen is on its way."), "{text}");
}

#[tokio::test]
async fn the_portal_sign_in_link_comes_by_mail_and_signs_in() {
    let sink = SmtpSink::start(Answer::Accept);
    let daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    ticket(&daemon, "cara@portal.example", "My printer", "web").await;

    let mut visitor = Visitor::new(&daemon);
    let form = visitor.get("/portal/login").await;
    let csrf = field(&form.body, "csrf");
    let sent = visitor
        .post(
            "/portal/login",
            &[("csrf", &csrf), ("email", "cara@portal.example")],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);

    let got = sink.wait_received(1, DEADLINE);
    let mail = &got[0];
    assert_eq!(mail.rcpt_to, vec!["cara@portal.example".to_string()]);
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let subject = parsed(mail).subject().unwrap().to_string();
    assert!(subject.starts_with("Your sign-in link for "), "{subject}");
    let text = text_of(mail);
    let link = text
        .lines()
        .find(|line| line.starts_with("https://") && line.contains("/portal/login?token="))
        .unwrap_or_else(|| panic!("no link in the mail: {text}"));
    // With a relay, the link is in the mail only, not in the log.
    assert!(
        !daemon.stderr.text().contains("portal sign-in link issued"),
        "{}",
        daemon.stderr.text()
    );

    let signed_in = sign_in(&mut visitor, &path_of(link)).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_str()),
        (303, "/portal")
    );
}

#[tokio::test]
async fn a_deferring_relay_gets_the_mail_once_it_recovers() {
    let sink = SmtpSink::start(Answer::RefuseRecipient("451 4.3.0 try again later".into()));
    let daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, code) = ticket(&daemon, "cleo@x.example", "Slow relay", "email").await;
    post_message(&daemon, id, "reply", "This one waits.").await;

    sink.wait_refused(1, DEADLINE);
    sink.answer(Answer::Accept);
    let got = sink.wait_received(1, RETRY);
    assert!(
        parsed(&got[0]).subject().unwrap().contains(&code),
        "{:?}",
        got[0]
    );
    let log = daemon.stderr.text();
    assert!(log.contains("to_domain=x.example"), "{log}");
    assert!(
        !log.contains("cleo@x.example"),
        "the address stays out of the log: {log}"
    );
}

#[tokio::test]
async fn a_refusing_relay_drops_the_mail_and_the_ticket_says_so() {
    let sink = SmtpSink::start(Answer::RefuseRecipient("550 5.1.1 no such user".into()));
    let daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, _) = ticket(&daemon, "gone@x.example", "Nobody home", "email").await;
    post_message(&daemon, id, "reply", "Into the void.").await;

    sink.wait_refused(1, DEADLINE);
    let deadline = Instant::now() + DEADLINE;
    let event = loop {
        let (status, ticket) = api(
            &daemon,
            reqwest::Method::GET,
            &format!("/api/v1/tickets/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{ticket}");
        let failed = ticket["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["field"] == "mail_failed")
            .cloned();
        if let Some(event) = failed {
            break event;
        }
        assert!(Instant::now() < deadline, "no mail_failed event: {ticket}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let detail = event["to"].as_str().unwrap();
    assert!(
        detail.contains("gone@x.example") && detail.contains("550"),
        "{event}"
    );
    assert!(
        metrics(&daemon)
            .await
            .contains("helpdeskd_mail_failed_total 1")
    );
    // Dropped, not retried.
    sink.answer(Answer::Accept);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!((sink.refused(), sink.received().len()), (1, 0));
}

#[tokio::test]
async fn a_queued_mail_survives_kill_9() {
    let sink = SmtpSink::start(Answer::Down);
    let mut daemon = daemon_with_relay(&sink);
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, code) = ticket(&daemon, "cleo@x.example", "Power cut", "email").await;
    post_message(&daemon, id, "reply", "Sent while the relay is down.").await;
    // The reply was acknowledged, the relay refused it, and the deferral is committed
    // (the gauge is set after the pass's writes).
    sink.wait_refused(1, DEADLINE);
    wait_metric(&daemon, "helpdeskd_mail_queued 1").await;

    daemon.kill9();
    sink.answer(Answer::Accept);
    let daemon = daemon.restart();
    let got = sink.wait_received(1, RETRY);
    assert!(
        parsed(&got[0]).subject().unwrap().contains(&code),
        "{:?}",
        got[0]
    );
    assert!(text_of(&got[0]).contains("Sent while the relay is down."));
    drop(daemon);
}

#[tokio::test]
async fn with_starttls_required_a_relay_without_it_gets_nothing_in_clear() {
    let sink = SmtpSink::start(Answer::Accept);
    // relay_security defaults to starttls; the sink offers no STARTTLS.
    let daemon = Daemon::start(Options::default().env("HELPDESKD_MAIL_RELAY", &sink.relay()));
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, _) = ticket(&daemon, "cleo@x.example", "Secret plans", "email").await;
    post_message(&daemon, id, "reply", "Not for the wire in clear.").await;

    assert!(
        daemon.stderr.wait_for("mail: the relay did not take it"),
        "{}",
        daemon.stderr.text()
    );
    // Not even the envelope went out.
    assert_eq!(sink.begun(), 0);
    wait_metric(&daemon, "helpdeskd_mail_queued 1").await;
}

#[tokio::test]
async fn the_relay_password_comes_from_the_credential_and_never_reaches_the_log() {
    let sink = SmtpSink::start(Answer::Accept);
    let credentials = tempfile::tempdir().unwrap();
    let password = "s3cret relay pw";
    std::fs::write(
        credentials.path().join("smtp.password"),
        format!("{password}\n"),
    )
    .unwrap();
    let daemon = Daemon::start(
        Options::default()
            .env("HELPDESKD_MAIL_RELAY", &sink.relay())
            .env("HELPDESKD_MAIL_RELAY_SECURITY", "none")
            .env("HELPDESKD_MAIL_RELAY_USERNAME", "desk")
            // The credential wins over the file, which does not even exist.
            .env(
                "HELPDESKD_MAIL_RELAY_PASSWORD_FILE",
                "/nonexistent/relay.pw",
            )
            .env(
                "CREDENTIALS_DIRECTORY",
                credentials.path().to_str().unwrap(),
            ),
    );
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, _) = ticket(&daemon, "cleo@x.example", "Authenticated", "email").await;
    post_message(&daemon, id, "reply", "Signed in first.").await;

    sink.wait_received(1, DEADLINE);
    assert_eq!(sink.logins(), [("desk".to_string(), password.to_string())]);
    let said = daemon.stderr.text() + &daemon.stdout.text();
    assert!(!said.contains("s3cret"), "{said}");
}

/// Delivers a message to the daemon's LMTP listener with swaks, as the local MTA would;
/// returns swaks' transcript (it must succeed).
fn lmtp_deliver(daemon: &Daemon, headers: &[&str], body: &str) -> String {
    let text = daemon.stdout.text();
    let addr: std::net::SocketAddr = text
        .lines()
        .find_map(|l| l.strip_prefix("lmtp listening on "))
        .expect("an `lmtp listening on` line")
        .trim()
        .parse()
        .unwrap();
    let mut command = std::process::Command::new("swaks");
    command
        .args(["--protocol", "LMTP", "--server", &addr.ip().to_string()])
        .args(["--port", &addr.port().to_string(), "--helo", "mx.test"])
        .args(["--to", "default@desk.example", "--from", "cara@x.example"])
        .args(["--body", body]);
    for header in headers {
        command.args(["--header", header]);
    }
    let output = command.output().expect("swaks (Debian package swaks)");
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    said
}

#[tokio::test]
async fn a_mailed_reply_answers_the_customers_mail_and_their_answer_finds_the_ticket() {
    let sink = SmtpSink::start(Answer::Accept);
    let daemon = Daemon::start(
        Options::default()
            .env("HELPDESKD_MAIL_LMTP_LISTEN", "127.0.0.1:0")
            .env("HELPDESKD_MAIL_RELAY", &sink.relay())
            .env("HELPDESKD_MAIL_RELAY_SECURITY", "none"),
    );
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    lmtp_deliver(
        &daemon,
        &[
            "From: Cara <cara@x.example>",
            "Subject: Printer jams",
            "Message-Id: <first.1@x.example>",
        ],
        "It jams on every page.",
    );
    let (_, list) = api(&daemon, reqwest::Method::GET, "/api/v1/tickets", None).await;
    let id = list["tickets"][0]["id"].as_i64().unwrap();

    post_message(&daemon, id, "reply", "Clean the rollers.").await;
    let got = sink.wait_received(1, DEADLINE);
    let ours = parsed(&got[0]);
    assert_eq!(ours.in_reply_to().as_text(), Some("first.1@x.example"));
    let (subject, message_id) = (
        ours.subject().unwrap().to_string(),
        ours.message_id().unwrap().to_string(),
    );

    // Cara answers our mail: it joins the same ticket.
    let said = lmtp_deliver(
        &daemon,
        &[
            "From: Cara <cara@x.example>",
            &format!("Subject: Re: {subject}"),
            "Message-Id: <second.2@x.example>",
            &format!("In-Reply-To: <{message_id}>"),
            &format!("References: <first.1@x.example> <{message_id}>"),
        ],
        "That worked, thanks.",
    );
    assert!(said.contains(&format!("Added to ticket {id}")), "{said}");
}

#[tokio::test]
async fn without_a_relay_replies_wait_and_the_sign_in_link_goes_to_the_log() {
    let daemon = Daemon::fresh();
    assert!(
        daemon
            .stderr
            .wait_for("outgoing mail waits in the outbox until mail.relay is set")
    );
    create_owner(&daemon, "Otto", OWNER.0, OWNER.1).await;
    let (id, _) = ticket(&daemon, "cara@portal.example", "No relay yet", "email").await;

    let mut visitor = Visitor::new(&daemon);
    let form = visitor.get("/portal/login").await;
    let csrf = field(&form.body, "csrf");
    let email = [("csrf", csrf.as_str()), ("email", "cara@portal.example")];
    assert_eq!(visitor.post("/portal/login", &email).await.status, 200);
    assert!(daemon.stderr.wait_for("portal sign-in link issued"));

    // The reply's mail waits for a relay; the link, dead in 30 minutes, is not queued.
    post_message(&daemon, id, "reply", "Waiting for a relay.").await;
    wait_metric(&daemon, "helpdeskd_mail_queued 1").await;
}
