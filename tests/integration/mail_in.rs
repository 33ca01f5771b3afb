//! Inbound mail over real LMTP: swaks (as an MTA would) and raw sessions deliver to the
//! daemon's listener; each message becomes a ticket or joins the ticket it answers, and
//! nothing acknowledged is lost or taken twice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{DEADLINE, Daemon, Options, create_owner};

const OWNER: (&str, &str) = ("olga@mail.example", "owner password 12");

fn start(options: Options) -> Daemon {
    Daemon::start(options.env("HELPDESKD_MAIL_LMTP_LISTEN", "127.0.0.1:0"))
}

/// The LMTP address the daemon printed before `listening on`.
fn lmtp_addr(daemon: &Daemon) -> SocketAddr {
    let text = daemon.stdout.text();
    let line = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("lmtp listening on "))
        .expect("an `lmtp listening on` line");
    line.trim().parse().expect("an address")
}

/// Delivers with swaks over LMTP; returns (exit success, transcript).
fn swaks(daemon: &Daemon, args: &[&str]) -> (bool, String) {
    let addr = lmtp_addr(daemon);
    let output = Command::new("swaks")
        .args(["--protocol", "LMTP", "--server", &addr.ip().to_string()])
        .args(["--port", &addr.port().to_string(), "--helo", "mx.test"])
        .args(["--timeout", "20"])
        .args(args)
        .output()
        .expect("swaks (Debian package swaks) is needed");
    let transcript = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), transcript)
}

/// The ticket id from a "250 2.0.0 Ticket N created" / "Added to ticket N" reply.
fn ticket_in(transcript: &str) -> i64 {
    transcript
        .lines()
        .find_map(|l| {
            let l = l.trim_start_matches(['<', '~', '-', ' ']);
            let rest = l
                .strip_prefix("250 2.0.0 Ticket ")
                .or_else(|| l.strip_prefix("250 2.0.0 Added to ticket "))?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no ticket in the LMTP replies:\n{transcript}"))
}

async fn get(daemon: &Daemon, path: &str) -> Value {
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

async fn ticket_count(daemon: &Daemon) -> usize {
    get(daemon, "/api/v1/tickets?limit=100").await["tickets"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn mail_becomes_a_ticket_and_the_customers_reply_joins_it() {
    let daemon = start(Options::default());
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faktura.pdf");
    std::fs::write(&file, b"%PDF-1.4\n% an invoice\n").unwrap();

    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "default@desk.example",
            "--from",
            "jana@example.cz",
            "--header",
            "From: =?UTF-8?Q?Jana_Nov=C3=A1kov=C3=A1?= <jana@example.cz>",
            "--header",
            "Subject: =?UTF-8?Q?Gr=C3=B6=C3=9Fe_der_Datei?=",
            "--header",
            "Message-Id: <first.1@example.cz>",
            "--body",
            "Dobrý den, the file is too large.",
            "--attach",
            &format!("@{}", file.display()),
        ],
    );
    assert!(ok, "{said}");
    let id = ticket_in(&said);
    let ticket = get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["channel"], "email", "{ticket}");
    assert_eq!(ticket["subject"], "Größe der Datei");
    assert_eq!(ticket["contact"]["name"], "Jana Nováková", "{ticket}");
    let messages = ticket["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["type"], "customer");
    assert!(
        messages[0]["body"]
            .as_str()
            .unwrap()
            .contains("Dobrý den, the file is too large.")
    );
    let files = get(&daemon, &format!("/api/v1/tickets/{id}/attachments")).await;
    let files = files["attachments"]
        .as_array()
        .unwrap_or_else(|| panic!("{files}"))
        .clone();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["filename"], "faktura.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["message_id"], messages[0]["id"]);
    let code = ticket["code"].as_str().unwrap().to_string();

    // The MTA did not hear our 250 and delivers again: taken once.
    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "default@desk.example",
            "--from",
            "jana@example.cz",
            "--header",
            "Message-Id: <first.1@example.cz>",
            "--body",
            "Dobrý den, the file is too large.",
        ],
    );
    assert!(ok && said.contains("250 2.0.0 Already delivered"), "{said}");
    assert_eq!(ticket_count(&daemon).await, 1);

    // Her reply names the code in the subject: it joins the ticket, through a "+" address.
    let subject = format!("Subject: Re: [{code}] Größe der Datei");
    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "support+default@desk.example",
            "--from",
            "JANA@example.cz",
            "--header",
            &subject,
            "--body",
            "Any news?",
        ],
    );
    assert!(ok, "{said}");
    assert_eq!(ticket_in(&said), id, "{said}");
    assert!(said.contains("Added to ticket"), "{said}");
    let ticket = get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    let bodies: Vec<&str> = ticket["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[1].contains("Any news?"));

    // A reply found through References (our Message-IDs carry the code), no code in subject.
    let references = format!("References: <{code}.00ff00ff00ff00ff@desk.example>");
    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "default@desk.example",
            "--from",
            "jana@example.cz",
            "--header",
            "Subject: Re: your answer",
            "--header",
            &references,
            "--body",
            "Thanks!",
        ],
    );
    assert!(ok && ticket_in(&said) == id, "{said}");

    // A stranger who names her code opens a ticket of their own.
    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "default@desk.example",
            "--from",
            "mallory@evil.example",
            "--header",
            &subject,
            "--body",
            "Let me in",
        ],
    );
    assert!(ok && said.contains("created"), "{said}");
    assert_ne!(ticket_in(&said), id);
    assert_eq!(ticket_count(&daemon).await, 2);

    // With one account, any address the MTA hands over is its; with two, the local part
    // (or its "+" suffix) names the account, and an address of none is refused at RCPT.
    let (ok, said) = swaks(
        &daemon,
        &["--to", "help@desk.example", "--from", "a@b.example"],
    );
    assert!(ok && said.contains("created"), "{said}");
    assert_eq!(ticket_count(&daemon).await, 3);
    let data = daemon.data_arg();
    crate::harness::cli_ok(&[
        "account",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--host",
        "acme.example",
        "--data-dir",
        &data,
    ]);
    let (ok, said) = swaks(
        &daemon,
        &["--to", "nobody@desk.example", "--from", "jana@example.cz"],
    );
    assert!(!ok && said.contains("550 5.1.1"), "{said}");
    let (ok, said) = swaks(
        &daemon,
        &["--to", "help+acme@desk.example", "--from", "a@b.example"],
    );
    assert!(ok && said.contains("created"), "{said}");
    // Its own database: acme's first ticket, while default has three.
    assert_eq!(ticket_in(&said), 1, "{said}");
}

/// A raw LMTP session, for what swaks will not send.
struct Session {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Session {
    fn open(daemon: &Daemon) -> Session {
        let stream = TcpStream::connect(lmtp_addr(daemon)).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut session = Session {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert!(session.reply().starts_with("220 "));
        session
    }

    /// One reply, multi-line replies joined.
    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    }

    fn say(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
        self.reply()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }
}

#[tokio::test]
async fn bad_sessions_get_clear_replies_and_leave_nothing_behind() {
    let daemon = start(Options::default().env("HELPDESKD_MAIL_MAX_MESSAGE_BYTES", "4000"));
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let mut s = Session::open(&daemon);
    assert!(
        s.say("EHLO mx.test").starts_with("500 5.5.1"),
        "SMTP is not LMTP"
    );
    assert!(s.say("MAIL FROM:<a@example.com>").starts_with("503 "));
    let hello = s.say("LHLO mx.test");
    assert!(hello.contains("250 SIZE 4000"), "{hello}");
    assert!(s.say("RCPT TO:<default@desk.example>").starts_with("503 "));
    assert!(
        s.say("MAIL FROM:<a@example.com> SIZE=5000")
            .starts_with("552 5.3.4")
    );
    assert!(s.say("MAIL FROM:a@example.com").starts_with("501 "));
    assert!(s.say("DATA").starts_with("503 "));
    assert!(
        s.say(&format!("NOOP {}", "x".repeat(3000)))
            .starts_with("500 5.5.2")
    );

    // Too large once read: refused per recipient, and the session goes on.
    assert!(s.say("MAIL FROM:<a@example.com>").starts_with("250 "));
    assert!(s.say("RCPT TO:<default@desk.example>").starts_with("250 "));
    assert!(s.say("DATA").starts_with("354 "));
    s.send(format!("Subject: big\r\n\r\n{}\r\n.\r\n", "y".repeat(5000)).as_bytes());
    assert!(s.reply().starts_with("552 5.3.4"));

    // No sender anywhere (a bounce without From): refused, not stored.
    assert!(s.say("MAIL FROM:<>").starts_with("250 "));
    assert!(s.say("RCPT TO:<default@desk.example>").starts_with("250 "));
    assert!(s.say("DATA").starts_with("354 "));
    s.send(b"Subject: no sender\r\n\r\nhello\r\n.\r\n");
    let refused = s.reply();
    assert!(refused.starts_with("554 5.6.0"), "{refused}");
    assert!(s.say("QUIT").starts_with("221 "));

    // Two recipients of one account: one reply each, one ticket.
    let mut s = Session::open(&daemon);
    s.say("LHLO mx.test");
    s.say("MAIL FROM:<b@example.com>");
    assert!(s.say("RCPT TO:<default@desk.example>").starts_with("250 "));
    assert!(
        s.say("RCPT TO:<help+default@desk.example>")
            .starts_with("250 ")
    );
    assert!(s.say("DATA").starts_with("354 "));
    s.send(b"From: b@example.com\r\nMessage-Id: <two@example.com>\r\nSubject: twice\r\n\r\n..dotted\r\n.\r\n");
    let (first, second) = (s.reply(), s.reply());
    assert!(first.starts_with("250 2.0.0 Ticket "), "{first}");
    assert!(
        second.starts_with("250 2.0.0 Already delivered"),
        "{second}"
    );
    let id = ticket_in(&first);
    let ticket = get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(
        ticket["messages"][0]["body"], ".dotted",
        "dot-stuffing undone"
    );

    // Cut mid-message: nothing is taken.
    let mut s = Session::open(&daemon);
    s.say("LHLO mx.test");
    s.say("MAIL FROM:<c@example.com>");
    s.say("RCPT TO:<default@desk.example>");
    s.say("DATA");
    s.send(b"From: c@example.com\r\nSubject: half\r\n\r\nhalf a mess");
    drop(s);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ticket_count(&daemon).await, 1);
}

#[tokio::test]
async fn a_delivered_message_survives_kill_9() {
    let mut daemon = start(Options::default());
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let mut s = Session::open(&daemon);
    s.say("LHLO mx.test");
    s.say("MAIL FROM:<d@example.com>");
    s.say("RCPT TO:<default@desk.example>");
    s.say("DATA");
    s.send(b"From: d@example.com\r\nSubject: durable\r\n\r\nkeep me\r\n.\r\n");
    let taken = s.reply();
    assert!(taken.starts_with("250 2.0.0 Ticket "), "{taken}");
    // At once after the 250: the write was acknowledged only once durable.
    daemon.kill9();
    let daemon = daemon.restart();
    let id = ticket_in(&taken);
    let ticket = get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["subject"], "durable");
    // The restarted daemon listens for mail again.
    let started = Instant::now();
    let mut s = Session::open(&daemon);
    assert!(s.say("NOOP").starts_with("250 "));
    let mut rest = Vec::new();
    s.say("QUIT");
    let _ = s.reader.read_to_end(&mut rest);
    assert!(started.elapsed() < DEADLINE);
}

/// Delivers a plain message over a raw session; returns the reply after DATA.
fn deliver(daemon: &Daemon, from: &str, subject: &str, body: &str) -> String {
    let mut s = Session::open(daemon);
    s.say("LHLO mx.test");
    s.say(&format!("MAIL FROM:<{from}>"));
    s.say("RCPT TO:<default@desk.example>");
    assert!(s.say("DATA").starts_with("354 "));
    s.send(format!("From: {from}\r\nSubject: {subject}\r\n\r\n{body}\r\n.\r\n").as_bytes());
    s.reply()
}

#[tokio::test]
async fn the_spam_filter_judges_inbound_mail_into_the_quarantine() {
    use crate::spam_desk::{HAMMY, SPAMMY, text};
    let daemon = start(Options::default());
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    // Untrained, it judges nothing: a spammy mail is an ordinary new ticket.
    let first = ticket_in(&deliver(
        &daemon,
        "x@spam.example",
        "Jackpot",
        &text(SPAMMY, 1),
    ));
    let ticket = get(&daemon, &format!("/api/v1/tickets/{first}")).await;
    assert_eq!(
        (&ticket["status"], &ticket["spam_check"]),
        (&"new".into(), &Value::Null)
    );

    // The agents mark ten of each, as mail.
    let client = daemon.client();
    for (words, mark, offset) in [(SPAMMY, "spam", 10), (HAMMY, "not-spam", 30)] {
        for i in 0..10 {
            let id = ticket_in(&deliver(
                &daemon,
                "t@example.net",
                "teach",
                &text(words, offset + i),
            ));
            let response = client
                .post(daemon.url(&format!("/api/v1/tickets/{id}/{mark}")))
                .basic_auth(OWNER.0, Some(OWNER.1))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
    }

    let spam = ticket_in(&deliver(
        &daemon,
        "y@spam.example",
        "Winner",
        &text(SPAMMY, 77),
    ));
    let ticket = get(&daemon, &format!("/api/v1/tickets/{spam}")).await;
    assert_eq!(ticket["status"], "spam", "{ticket}");
    assert_eq!(ticket["spam_check"]["verdict"], "spam");
    let ham = ticket_in(&deliver(
        &daemon,
        "z@example.org",
        "Printer",
        &text(HAMMY, 55),
    ));
    let ticket = get(&daemon, &format!("/api/v1/tickets/{ham}")).await;
    assert_eq!(ticket["status"], "new", "{ticket}");
    assert_eq!(ticket["spam_check"]["verdict"], "ham");
}

#[tokio::test]
async fn an_emailed_ticket_reads_well_in_the_panel() {
    use crate::harness::browser::{self, Browser};
    if !browser::available() {
        return;
    }
    let daemon = start(Options::default());
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let dir = tempfile::tempdir().unwrap();
    // An HTML-only message with an image, as a mail client sends it.
    let png = base64_lines(&crate::desk::png(64, 40));
    let message = format!(
        "From: Petra Schmidt <petra@example.de>\r\nTo: default@desk.example\r\n\
         Subject: Drucker druckt nur leere Seiten\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         <p>Hallo,</p><p>seit dem Update druckt der Drucker im 2. Stock nur leere Seiten.</p>\
         <script>document.title='pwned'</script><p>Grüße, Petra</p>\r\n\
         --b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"screen.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{png}\r\n--b1--\r\n"
    );
    let file = dir.path().join("message.eml");
    std::fs::write(&file, message).unwrap();
    let (ok, said) = swaks(
        &daemon,
        &[
            "--to",
            "default@desk.example",
            "--from",
            "petra@example.de",
            "--data",
            &format!("@{}", file.display()),
        ],
    );
    assert!(ok, "{said}");
    let id = ticket_in(&said);
    let browser = Browser::open(&daemon, "an_emailed_ticket_reads_well_in_the_panel").await;
    crate::browser::sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;
    browser.goto(&format!("/agent/tickets/{id}")).await;
    let page = browser.wait_for_text("body", "leere Seiten").await;
    assert!(page.contains("Petra Schmidt"), "{page}");
    assert!(page.contains("screen.png"), "{page}");
    assert!(!page.contains("<p>") && !page.contains("b1"), "{page}");
    assert_ne!(browser.client().title().await.unwrap(), "pwned");
    browser.screenshot("email-ticket").await;
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    text.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}
