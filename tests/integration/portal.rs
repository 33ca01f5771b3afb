//! The customer side over real HTTPS: the public web form (a ticket from the web, the
//! honeypot, rate limits, the form token, the panel allowlist not applying) and the customer
//! portal (a one-time sign-in link read from the daemon's log, prefetch-safe, once only;
//! a customer's own tickets only, no internal notes, replies, profile, merged contacts; an
//! unknown email answered like a known one).

use std::collections::HashMap;
use std::time::Instant;

use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};

use crate::harness::{DEADLINE, Daemon, Options, create_owner};

const OWNER: (&str, &str) = ("olli@portal.example", "owner password 12");

/// A daemon that believes `X-Forwarded-For` from 127.0.0.1, so a test can speak from
/// several addresses.
fn daemon_behind_proxy() -> Daemon {
    Daemon::start(Options::default().env("HELPDESKD_HTTP_TRUSTED_PROXIES", r#"["127.0.0.1"]"#))
}

/// What a page answered.
pub struct Reply {
    pub status: u16,
    pub location: String,
    pub retry_after: Option<String>,
    pub body: String,
}

/// A browser without JavaScript: keeps cookies, follows no redirects, and may claim to be
/// at another address (through the trusted proxy header).
pub struct Visitor<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
    forwarded_for: Option<String>,
}

impl<'a> Visitor<'a> {
    pub fn new(daemon: &'a Daemon) -> Visitor<'a> {
        Visitor {
            daemon,
            client: daemon.client(),
            cookies: HashMap::new(),
            forwarded_for: None,
        }
    }

    fn from_address(daemon: &'a Daemon, ip: &str) -> Visitor<'a> {
        Visitor {
            forwarded_for: Some(ip.to_string()),
            ..Visitor::new(daemon)
        }
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Reply {
        let cookies: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut request = request.header(COOKIE, cookies.join("; "));
        if let Some(ip) = &self.forwarded_for {
            request = request.header("x-forwarded-for", ip);
        }
        let response = request.send().await.unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
        };
        let (location, retry_after) = (header(LOCATION).unwrap_or_default(), header(RETRY_AFTER));
        Reply {
            status: response.status().as_u16(),
            location,
            retry_after,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self.client.get(self.daemon.url(path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let request = self.client.post(self.daemon.url(path)).form(form);
        self.send(request).await
    }
}

/// The value of the form field `name` in a page (`name="…" value="…"`).
pub fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// Posts the web form with these fields.
async fn post(visitor: &mut Visitor<'_>, fields: Vec<(String, String)>) -> Reply {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    visitor.post("/portal/new", &pairs).await
}

/// The owner's view through the API (Basic auth).
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

async fn api_get(daemon: &Daemon, path: &str) -> Value {
    let (status, body) = api(daemon, reqwest::Method::GET, path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

async fn api_post(daemon: &Daemon, path: &str, body: Value) -> Value {
    let (status, answer) = api(daemon, reqwest::Method::POST, path, Some(body)).await;
    assert!(
        status == 200 || status == 201,
        "POST {path}: {status} {answer}"
    );
    answer
}

/// A ticket made by the owner through the API for `email`; returns (ticket id, contact id).
pub async fn api_ticket(daemon: &Daemon, email: &str, subject: &str, message: &str) -> (i64, i64) {
    let body = json!({"subject": subject, "message": message, "contact": {"email": email, "name": "Cara"}});
    let ticket = api_post(daemon, "/api/v1/tickets", body).await;
    (
        ticket["id"].as_i64().unwrap(),
        ticket["contact"]["id"].as_i64().unwrap(),
    )
}

async fn tickets(daemon: &Daemon) -> Vec<Value> {
    api_get(daemon, "/api/v1/tickets?limit=100").await["tickets"]
        .as_array()
        .unwrap()
        .clone()
}

/// Every sign-in link the daemon logged for `contact` so far, oldest first, after waiting
/// (bounded) for at least `at_least` of them.
pub fn logged_links(daemon: &Daemon, contact: i64, at_least: usize) -> Vec<String> {
    let needle = format!("contact={contact} ");
    let links = || -> Vec<String> {
        daemon
            .stderr
            .text()
            .lines()
            .filter(|l| l.contains("portal sign-in link issued") && l.contains(&needle))
            .map(|l| {
                let start = l.find("link=").expect("link field") + "link=".len();
                l[start..].split_whitespace().next().unwrap().to_string()
            })
            .collect()
    };
    // Polled: `Captured::wait_line` holds the output's lock while it looks at a line.
    let deadline = Instant::now() + DEADLINE;
    while links().len() < at_least && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let found = links();
    assert!(
        found.len() >= at_least,
        "fewer than {at_least} links for contact {contact} in the log:\n{}",
        daemon.stderr.text()
    );
    found
}

/// `https://localhost:PORT/portal/login?token=…` → `/portal/login?token=…`.
pub fn path_of(link: &str) -> String {
    link[link.find("/portal/").unwrap()..].to_string()
}

/// Asks for a sign-in link for `email` as `visitor`; returns the page.
async fn ask_for_link(visitor: &mut Visitor<'_>, email: &str) -> Reply {
    let form = visitor.get("/portal/login").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = field(&form.body, "csrf");
    visitor
        .post("/portal/login", &[("csrf", &csrf), ("email", email)])
        .await
}

/// Signs `visitor` in through the link `path` (the confirmation page, then its button).
pub async fn sign_in(visitor: &mut Visitor<'_>, path: &str) -> Reply {
    let confirm = visitor.get(path).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let (csrf, token) = (field(&confirm.body, "csrf"), field(&confirm.body, "token"));
    visitor
        .post(
            "/portal/login/confirm",
            &[("csrf", &csrf), ("token", &token)],
        )
        .await
}

#[tokio::test]
async fn the_web_form_makes_a_ticket_and_refuses_bots_floods_and_forged_posts() {
    let daemon = daemon_behind_proxy();
    create_owner(&daemon, "Olli", OWNER.0, OWNER.1).await;
    let mut visitor = Visitor::new(&daemon);

    let form = visitor.get("/portal/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(visitor.has_cookie("__Host-hd_portal_form"));
    assert!(
        form.body.contains(r#"class="trap""#) && form.body.contains("Leave this field empty"),
        "the honeypot is there, labelled for screen readers: {}",
        form.body
    );
    let csrf = field(&form.body, "csrf");
    let fields = |csrf: &str, email: &str, subject: &str, trap: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("name", "Wendy Web"),
            ("email", email),
            ("subject", subject),
            ("message", "My order <b>never</b> arrived.\nPlease help."),
            ("website", trap),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };

    // Without the form's token: 403, a page, nothing stored.
    let forged = post(&mut visitor, fields("", "wendy@web.example", "Forged", "")).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.body.contains("<html"), "a page: {}", forged.body);
    let mut stranger = Visitor::new(&daemon);
    let other_browser = post(
        &mut stranger,
        fields(&csrf, "wendy@web.example", "Forged", ""),
    )
    .await;
    assert_eq!(other_browser.status, 403, "a token without its cookie");
    assert!(tickets(&daemon).await.is_empty());

    // A person: a ticket from the web, its code on the thank-you page.
    let sent = post(
        &mut visitor,
        fields(&csrf, "wendy@web.example", "Where is my order?", ""),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = sent
        .body
        .split("id=\"ticket-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let all = tickets(&daemon).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["code"], code);
    assert_eq!(all[0]["channel"], "web");
    assert_eq!(all[0]["subject"], "Where is my order?");
    assert_eq!(all[0]["contact"]["email"], "wendy@web.example");
    assert_eq!(all[0]["contact"]["name"], "Wendy Web");
    let id = all[0]["id"].as_i64().unwrap();
    let ticket = api_get(&daemon, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["messages"][0]["type"], "customer");
    assert_eq!(ticket["messages"][0]["author"]["type"], "contact");
    assert_eq!(
        ticket["messages"][0]["body"],
        "My order <b>never</b> arrived.\nPlease help."
    );
    assert_eq!(ticket["history"][0]["actor"]["type"], "contact", "{ticket}");

    // A bot fills the honeypot: it is thanked like a person, and nothing is stored.
    let bot = post(
        &mut visitor,
        fields(
            &csrf,
            "bot@web.example",
            "Cheap pills",
            "http://spam.example",
        ),
    )
    .await;
    assert_eq!(bot.status, 200, "{}", bot.body);
    assert!(
        bot.body.contains("id=\"ticket-code\">DEFAUL-"),
        "{}",
        bot.body
    );
    assert_eq!(tickets(&daemon).await.len(), 1);

    // Bad fields: 422 with the values kept, nothing stored.
    let bad = post(&mut visitor, fields(&csrf, "not-an-email", "Hi", "")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter a valid email address") && bad.body.contains("value=\"Hi\""));

    // Five a ten minutes from one address (the person's and the bot's counted): the sixth
    // gets 429, a page, and Retry-After.
    for n in 0..3 {
        let email = format!("w{n}@web.example");
        let ok = post(&mut visitor, fields(&csrf, &email, "More", "")).await;
        assert_eq!(ok.status, 200, "submission {n}: {}", ok.body);
    }
    let flooded = post(&mut visitor, fields(&csrf, "w9@web.example", "More", "")).await;
    assert_eq!(flooded.status, 429, "{}", flooded.body);
    assert!(
        flooded.body.contains("Too many requests"),
        "{}",
        flooded.body
    );
    assert!(flooded.retry_after.is_some());
    assert_eq!(tickets(&daemon).await.len(), 4);

    // Five a ten minutes for one email, from whichever addresses.
    for n in 0..5 {
        let mut elsewhere = Visitor::from_address(&daemon, &format!("198.51.100.{n}"));
        let csrf = field(&elsewhere.get("/portal/new").await.body, "csrf");
        let reply = post(
            &mut elsewhere,
            fields(&csrf, "same@web.example", "Again", ""),
        )
        .await;
        assert_eq!(reply.status, 200, "{n}: {}", reply.body);
    }
    let mut sixth = Visitor::from_address(&daemon, "198.51.100.77");
    let csrf = field(&sixth.get("/portal/new").await.body, "csrf");
    let refused = post(&mut sixth, fields(&csrf, "SAME@web.example", "Again", "")).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
}

/// The panel's IP allowlist guards the panel, never the customer side.
#[tokio::test]
async fn the_panel_allowlist_does_not_apply_to_the_portal() {
    let daemon = daemon_behind_proxy();
    create_owner(&daemon, "Olli", OWNER.0, OWNER.1).await;
    let (status, body) = api(
        &daemon,
        reqwest::Method::PUT,
        "/api/v1/security/networks",
        Some(json!({"panel": ["127.0.0.1/32"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut outsider = Visitor::from_address(&daemon, "203.0.113.50");
    assert_eq!(outsider.get("/agent/login").await.status, 403);
    let form = outsider.get("/portal/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = field(&form.body, "csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "Otto"),
        ("email", "otto@outside.example"),
        ("subject", "From outside"),
        ("message", "Hello"),
    ];
    assert_eq!(outsider.post("/portal/new", &fields).await.status, 200);
    assert_eq!(outsider.get("/portal/login").await.status, 200);
    assert_eq!(tickets(&daemon).await.len(), 1);
}

#[tokio::test]
async fn a_customer_signs_in_with_a_link_and_sees_only_their_own_tickets() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olli", OWNER.0, OWNER.1).await;
    let (mine, cara) = api_ticket(&daemon, "cara@portal.example", "My printer", "It jams.").await;
    api_post(
        &daemon,
        &format!("/api/v1/tickets/{mine}/messages"),
        json!({"type": "reply", "body": "Try turning it off and on."}),
    )
    .await;
    api_post(
        &daemon,
        &format!("/api/v1/tickets/{mine}/messages"),
        json!({"type": "note", "body": "INTERNAL: she has called five times"}),
    )
    .await;
    let (theirs, _) = api_ticket(&daemon, "dora@portal.example", "Dora's secret", "Private.").await;

    // An unknown email gets the same page as a known one, and no link is made for it.
    let mut nobody = Visitor::new(&daemon);
    let unknown = ask_for_link(&mut nobody, "nobody@portal.example").await;
    let mut visitor = Visitor::new(&daemon);
    let known = ask_for_link(&mut visitor, "cara@portal.example").await;
    assert_eq!((unknown.status, known.status), (200, 200));
    assert_eq!(
        unknown.body.replace("nobody@portal.example", "EMAIL"),
        known.body.replace("cara@portal.example", "EMAIL"),
        "no difference between a known and an unknown email"
    );
    let links = logged_links(&daemon, cara, 1);
    assert_eq!(links.len(), 1);
    let log = daemon.stderr.text();
    assert_eq!(
        log.matches("portal sign-in link issued").count(),
        1,
        "{log}"
    );
    assert!(log.contains("account=default"), "{log}");
    let link = path_of(&links[0]);
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(token.len(), 64);
    // The audit log records the link, never its token.
    let audit = api_get(&daemon, "/api/v1/audit?action=portal.link_issued").await;
    let text = audit.to_string();
    assert!(text.contains(&format!("contact:{cara}")), "{text}");
    assert!(!text.contains(token), "{text}");

    // A mail scanner fetches the link: that spends nothing.
    let mut scanner = Visitor::new(&daemon);
    for _ in 0..2 {
        let page = scanner.get(&link).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("confirm-sign-in"), "{}", page.body);
    }
    // The confirmation needs the page's cookie (login CSRF).
    let mut forger = Visitor::new(&daemon);
    let forged = forger
        .post("/portal/login/confirm", &[("csrf", "x"), ("token", token)])
        .await;
    assert_eq!(forged.status, 403);

    let signed_in = sign_in(&mut visitor, &link).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_str()),
        (303, "/portal")
    );
    assert!(visitor.has_cookie("__Host-hd_portal"));
    // Once only.
    let mut again = Visitor::new(&daemon);
    assert_eq!(again.get(&link).await.status, 404);
    let csrf = field(&again.get("/portal/login").await.body, "csrf");
    let spent = again
        .post(
            "/portal/login/confirm",
            &[("csrf", &csrf), ("token", token)],
        )
        .await;
    assert_eq!(spent.status, 404, "{}", spent.body);
    assert!(!again.has_cookie("__Host-hd_portal"));

    // Their own tickets, nobody else's.
    let list = visitor.get("/portal").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("My printer"), "{}", list.body);
    assert!(!list.body.contains("Dora"), "{}", list.body);
    let other = visitor.get(&format!("/portal/tickets/{theirs}")).await;
    assert_eq!(other.status, 404);
    assert!(!other.body.contains("Private."));
    let nonexistent = visitor.get("/portal/tickets/999999").await;
    assert_eq!(nonexistent.status, 404);

    // The thread without internal notes.
    let thread = visitor.get(&format!("/portal/tickets/{mine}")).await;
    assert_eq!(thread.status, 200);
    assert!(thread.body.contains("It jams.") && thread.body.contains("Try turning it off and on."));
    assert!(!thread.body.contains("INTERNAL"), "{}", thread.body);

    // A reply lands as the customer's message; without the session's token it does not.
    let csrf = field(&thread.body, "csrf");
    let path = format!("/portal/tickets/{mine}/reply");
    let forged = visitor
        .post(&path, &[("csrf", "wrong"), ("body", "x")])
        .await;
    assert_eq!(forged.status, 403);
    let replied = visitor
        .post(&path, &[("csrf", &csrf), ("body", "Still jammed.")])
        .await;
    assert_eq!(
        (replied.status, replied.location.as_str()),
        (303, path.trim_end_matches("/reply"))
    );
    let ticket = api_get(&daemon, &format!("/api/v1/tickets/{mine}")).await;
    let last = ticket["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "customer");
    assert_eq!(last["body"], "Still jammed.");
    assert_eq!(last["author"]["id"], cara);
    // Not on someone else's ticket.
    let elsewhere = visitor
        .post(
            &format!("/portal/tickets/{theirs}/reply"),
            &[("csrf", &csrf), ("body", "Hi")],
        )
        .await;
    assert_eq!(elsewhere.status, 404);
    let dora = api_get(&daemon, &format!("/api/v1/tickets/{theirs}")).await;
    assert_eq!(dora["messages"].as_array().unwrap().len(), 1);

    // The profile: name and phones.
    let profile = visitor.get("/portal/profile").await;
    assert_eq!(profile.status, 200);
    assert!(profile.body.contains("cara@portal.example"));
    let saved = visitor
        .post(
            "/portal/profile",
            &[
                ("csrf", &csrf),
                ("name", "Cara Nova"),
                ("phones", "+1 555 0100\n\n+1 555 0199 "),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Saved."));
    let contact = api_get(&daemon, &format!("/api/v1/contacts/{cara}")).await;
    assert_eq!(contact["name"], "Cara Nova");
    assert_eq!(contact["phones"], json!(["+1 555 0100", "+1 555 0199"]));

    // Signed in, the web form knows who is writing.
    let form = visitor.get("/portal/new").await;
    assert!(form.body.contains("value=\"Cara Nova\""), "{}", form.body);
    assert!(
        form.body.contains("value=\"cara@portal.example\""),
        "{}",
        form.body
    );

    // A contact merged into Cara brings its tickets along.
    let (old, alias) = api_ticket(&daemon, "cara.old@portal.example", "Old address", "Hi.").await;
    api_post(
        &daemon,
        &format!("/api/v1/contacts/{alias}/merge"),
        json!({"into": cara}),
    )
    .await;
    let list = visitor.get("/portal").await;
    assert!(list.body.contains("Old address"), "{}", list.body);
    assert_eq!(
        visitor.get(&format!("/portal/tickets/{old}")).await.status,
        200
    );

    // Signing out ends the session.
    let out = visitor.post("/portal/logout", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/portal/login"));
    let closed = visitor.get("/portal").await;
    assert_eq!(
        (closed.status, closed.location.as_str()),
        (303, "/portal/login")
    );

    // Three links an email per ten minutes; then 429.
    for _ in 0..2 {
        assert_eq!(
            ask_for_link(&mut visitor, "cara@portal.example")
                .await
                .status,
            200
        );
    }
    let flooded = ask_for_link(&mut visitor, "Cara@portal.example").await;
    assert_eq!(flooded.status, 429, "{}", flooded.body);
    assert!(flooded.body.contains("Too many requests"));
}
