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

// ---------------------------------------------------------------------------------------
// A panel session that can also post `multipart/form-data`, as the reply box does.

/// A signed-in panel session over HTTPS (cookies kept, no redirects followed), speaking
/// `language` in `Accept-Language`.
pub struct Session<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    cookies: std::collections::HashMap<String, String>,
    language: &'static str,
}

/// One part of a multipart form: a text field, or a file (field, filename, type, bytes).
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// The form as a browser encodes it: (content type, body).
pub fn multipart_body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----helpdeskdTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, filename, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl<'a> Session<'a> {
    pub async fn sign_in(daemon: &'a Daemon, email: &str, password: &str) -> Session<'a> {
        Session::sign_in_speaking(daemon, email, password, "en").await
    }

    pub async fn sign_in_speaking(
        daemon: &'a Daemon,
        email: &str,
        password: &str,
        language: &'static str,
    ) -> Session<'a> {
        let mut session = Session {
            daemon,
            client: daemon.client(),
            cookies: std::collections::HashMap::new(),
            language,
        };
        let (_, _, form) = session.get("/agent/login").await;
        let csrf = csrf_in(&form);
        let (status, _, page) = session
            .post(
                "/agent/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(status, 303, "{page}");
        session
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let cookies = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.client
            .request(method, self.daemon.url(path))
            .header(reqwest::header::COOKIE, cookies)
            .header(reqwest::header::ACCEPT_LANGUAGE, self.language)
    }

    async fn finish(&mut self, response: reqwest::Response) -> (u16, String, String) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (
            response.status().as_u16(),
            location,
            response.text().await.unwrap(),
        )
    }

    pub async fn get(&mut self, path: &str) -> (u16, String, String) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn get_bytes(&mut self, path: &str) -> (u16, Vec<u8>) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let response = self
            .request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn multipart(&mut self, path: &str, parts: &[Part<'_>]) -> (u16, String, String) {
        let (content_type, body) = multipart_body(parts);
        let response = self
            .request(reqwest::Method::POST, path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }
}

/// A real PNG of `width` × `height` (a colour gradient), made here: stored deflate blocks,
/// CRC-32 and Adler-32 by hand.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut tagged = kind.to_vec();
        tagged.extend_from_slice(data);
        out.extend_from_slice(&tagged);
        out.extend_from_slice(&crc32(&tagged).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            raw.extend_from_slice(&[
                (x * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                200,
            ]);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn api_json(daemon: &Daemon, path: &str) -> Value {
    let (status, body) =
        crate::harness::get_json(&daemon.client(), &daemon.url(path), Some(OWNER)).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// (message count, attachment count) of a ticket, through the API.
async fn thread_size(daemon: &Daemon, ticket: i64) -> (usize, usize) {
    let messages = api_json(daemon, &format!("/api/v1/tickets/{ticket}")).await["messages"]
        .as_array()
        .unwrap()
        .len();
    let files =
        api_json(daemon, &format!("/api/v1/tickets/{ticket}/attachments")).await["attachments"]
            .as_array()
            .unwrap()
            .len();
    (messages, files)
}

/// The text inside `<textarea id="reply-body" …>…</textarea>`.
fn reply_draft(page: &str) -> String {
    let start = page.find("id=\"reply-body\"").expect("reply box");
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close].to_string()
}

const FILE_LIMIT: usize = 200_000;

#[tokio::test]
async fn replies_and_notes_carry_files_and_refusals_write_nothing() {
    let daemon = Daemon::start(
        crate::harness::Options::default()
            .env("HELPDESKD_ATTACHMENTS_MAX_BYTES", &FILE_LIMIT.to_string()),
    );
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let ticket = new_ticket(&daemon, "Broken screen", "bea@x.example").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/agent/tickets/{ticket}");
    let post = format!("{path}/messages");
    let mut panel = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;
    let (status, _, page) = panel.get(&path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"enctype="multipart/form-data""#), "{page}");
    assert!(page.contains(r#"type="file" id="reply-files" name="files" multiple"#));
    assert!(
        page.contains("Up to 10 files, each at most 195 KB."),
        "{page}"
    );
    let csrf = csrf_in(&page);
    let image = png(64, 48);
    let text = b"serial number 12345\n".repeat(10);

    // A reply with an image and a text file: one message, both files bound to it.
    let (status, location, page) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Here is the photo and the log."),
                Part::File("files", "screen.png", "image/png", &image),
                Part::File("files", "log.txt", "text/plain", &text),
                Part::Text("kind", "reply"),
            ],
        )
        .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()), "{page}");
    let thread = api_json(&daemon, &format!("/api/v1/tickets/{ticket}")).await;
    let reply = thread["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(reply["type"], "reply");
    let files =
        api_json(&daemon, &format!("/api/v1/tickets/{ticket}/attachments")).await["attachments"]
            .as_array()
            .unwrap()
            .clone();
    assert_eq!(files.len(), 2);
    for file in &files {
        assert_eq!(file["message_id"], reply["id"], "{file}");
    }
    let (png_file, txt_file) = (&files[0], &files[1]);
    assert_eq!(
        (
            png_file["filename"].as_str(),
            png_file["content_type"].as_str()
        ),
        (Some("screen.png"), Some("image/png"))
    );
    assert_eq!(txt_file["filename"], "log.txt");

    // The page lists them under the reply: download links, a preview only for the image.
    let (_, _, page) = panel.get(&path).await;
    let (png_id, txt_id) = (
        png_file["id"].as_i64().unwrap(),
        txt_file["id"].as_i64().unwrap(),
    );
    assert!(
        page.contains(&format!(r#"href="/agent/attachments/{png_id}""#)),
        "{page}"
    );
    assert!(page.contains(&format!(r#"src="/agent/attachments/{png_id}/preview""#)));
    assert!(page.contains(&format!(r#"href="/agent/attachments/{txt_id}""#)));
    assert!(!page.contains(&format!("/agent/attachments/{txt_id}/preview")));
    assert!(page.contains("200 B · application/octet-stream"), "{page}");
    assert!(page.contains("image/png"));
    let (status, bytes) = panel
        .get_bytes(&format!("/agent/attachments/{png_id}"))
        .await;
    assert_eq!((status, bytes == image), (200, true));
    let (status, bytes) = panel
        .get_bytes(&format!("/agent/attachments/{png_id}/preview"))
        .await;
    assert_eq!((status, bytes == image), (200, true));

    // An internal note with a file: bound to the note.
    let (status, _, page) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Warranty scan attached."),
                Part::File("files", "scan.pdf", "application/pdf", b"%PDF-1.7\nscan"),
                Part::Text("kind", "note"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    let thread = api_json(&daemon, &format!("/api/v1/tickets/{ticket}")).await;
    let note = thread["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(note["type"], "note");
    let files = api_json(&daemon, &format!("/api/v1/tickets/{ticket}/attachments")).await;
    assert_eq!(files["attachments"][2]["message_id"], note["id"]);
    assert_eq!(files["attachments"][2]["content_type"], "application/pdf");
    // Without files, the multipart form writes a message as before.
    let (status, _, _) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "No files this time."),
                Part::File("files", "", "application/octet-stream", b""),
                Part::Text("kind", "reply"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let before = thread_size(&daemon, ticket).await;
    assert_eq!(before, (4, 3));

    // Refusals: a clear notice, the text kept, nothing written.
    let big = vec![7u8; FILE_LIMIT + 1];
    let (status, _, page) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Keep <this> text"),
                Part::File("files", "small.png", "image/png", &image),
                Part::File("files", "huge.bin", "application/octet-stream", &big),
                Part::Text("kind", "reply"),
            ],
        )
        .await;
    assert_eq!(status, 413, "{page}");
    assert!(
        page.contains("“huge.bin” is larger than the limit of 195 KB. Nothing was sent"),
        "{page}"
    );
    assert_eq!(reply_draft(&page), "Keep &lt;this&gt; text");
    assert_eq!(thread_size(&daemon, ticket).await, before);

    let (status, _, page) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Empty one"),
                Part::File("files", "empty.txt", "text/plain", b""),
                Part::Text("kind", "reply"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("“empty.txt” is empty. Nothing was sent"),
        "{page}"
    );
    assert_eq!(reply_draft(&page), "Empty one");

    let (status, _, page) = panel
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "   "),
                Part::File("files", "a.txt", "text/plain", b"abc"),
                Part::Text("kind", "reply"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Write something first."), "{page}");

    let mut eleven = vec![Part::Text("csrf", &csrf), Part::Text("body", "Many")];
    for _ in 0..11 {
        eleven.push(Part::File("files", "a.txt", "text/plain", b"abc"));
    }
    let (status, _, page) = panel.multipart(&post, &eleven).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("At most 10 files per message."), "{page}");

    // No token, a token after the file, a wrong token: 403 and nothing written.
    for parts in [
        vec![
            Part::Text("body", "forged"),
            Part::File("files", "a.txt", "text/plain", b"abc"),
        ],
        vec![
            Part::File("files", "a.txt", "text/plain", b"abc"),
            Part::Text("csrf", &csrf),
            Part::Text("body", "forged"),
        ],
        vec![
            Part::Text("csrf", "wrong"),
            Part::Text("body", "forged"),
            Part::File("files", "a.txt", "text/plain", b"abc"),
        ],
        vec![Part::Text("body", "forged")],
    ] {
        let (status, _, page) = panel.multipart(&post, &parts).await;
        assert_eq!(status, 403, "{page}");
    }
    assert_eq!(thread_size(&daemon, ticket).await, before);

    // In German: the notice and the sizes in German.
    let mut german = Session::sign_in_speaking(&daemon, OWNER.0, OWNER.1, "de").await;
    let (_, _, page) = german.get(&path).await;
    assert!(
        page.contains("Bis zu 10 Dateien, jede höchstens 195 KB."),
        "{page}"
    );
    let csrf_de = csrf_in(&page);
    let (status, _, page) = german
        .multipart(
            &post,
            &[
                Part::Text("csrf", &csrf_de),
                Part::Text("body", "Text bleibt"),
                Part::File("files", "riesig.bin", "application/octet-stream", &big),
            ],
        )
        .await;
    assert_eq!(status, 413, "{page}");
    assert!(
        page.contains("„riesig.bin“ ist größer als die Grenze von 195 KB."),
        "{page}"
    );
    assert_eq!(thread_size(&daemon, ticket).await, before);

    // A ticket that does not exist: 404 before any file is read.
    let (status, _, _) = panel
        .multipart(
            "/agent/tickets/424242/messages",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "x"),
                Part::File("files", "a.txt", "text/plain", b"abc"),
            ],
        )
        .await;
    assert_eq!(status, 404);
}

const AGENT: (&str, &str) = ("sam@desk.example", "agent password 12");

/// An agent (Sam) in Support, a Sales ticket and a Support ticket, departments restricted:
/// (Sales ticket id, Support ticket id).
async fn restricted_departments(daemon: &Daemon) -> (i64, i64) {
    let client = daemon.client();
    let send = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, daemon.url(path))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .json(&body)
    };
    let response = send(
        reqwest::Method::POST,
        "/api/v1/users",
        json!({"email": AGENT.0, "name": "Sam", "role": "agent", "password": AGENT.1}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let agent: Value = response.json().await.unwrap();
    let mut departments = Vec::new();
    for name in ["Sales", "Support"] {
        let response = send(
            reqwest::Method::POST,
            "/api/v1/departments",
            json!({"name": name}),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 201);
        departments.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let response = send(
        reqwest::Method::PUT,
        &format!("/api/v1/departments/{}/members", departments[1]),
        json!({"user_ids": [agent["id"]]}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let mut tickets = Vec::new();
    for (subject, email, department) in [
        ("Sales deal", "sally@sales.example", departments[0]),
        ("Support case", "sue@support.example", departments[1]),
    ] {
        let response = send(
            reqwest::Method::POST,
            "/api/v1/tickets",
            json!({"subject": subject, "message": "hello", "contact": {"email": email, "name": subject}, "department_id": department}),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 201);
        tickets.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let response = send(
        reqwest::Method::PUT,
        "/api/v1/settings/departments",
        json!({"restricted": true}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    (tickets[0], tickets[1])
}

#[tokio::test]
async fn restricted_agents_reach_no_file_of_another_department() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let (sales, support) = restricted_departments(&daemon).await;
    let mut owner = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;
    let (_, _, page) = owner.get(&format!("/agent/tickets/{sales}")).await;
    let csrf = csrf_in(&page);
    let (status, _, _) = owner
        .multipart(
            &format!("/agent/tickets/{sales}/messages"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Quote attached"),
                Part::File("files", "quote.png", "image/png", &png(8, 8)),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let file =
        api_json(&daemon, &format!("/api/v1/tickets/{sales}/attachments")).await["attachments"][0]
            ["id"]
            .as_i64()
            .unwrap();

    let mut sam = Session::sign_in(&daemon, AGENT.0, AGENT.1).await;
    let (status, _, page) = sam.get(&format!("/agent/tickets/{support}")).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_in(&page);
    for path in [
        format!("/agent/attachments/{file}"),
        format!("/agent/attachments/{file}/preview"),
        format!("/agent/tickets/{sales}"),
    ] {
        let (status, _, _) = sam.get(&path).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _, _) = sam
        .multipart(
            &format!("/agent/tickets/{sales}/messages"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "sneaky"),
                Part::File("files", "x.txt", "text/plain", b"abc"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(thread_size(&daemon, sales).await, (2, 1));
    // Their own department's ticket takes files.
    let (status, _, page) = sam
        .multipart(
            &format!("/agent/tickets/{support}/messages"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Log attached"),
                Part::File("files", "log.txt", "text/plain", b"log"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(thread_size(&daemon, support).await, (2, 1));
}

/// The count shown in the sidebar for the link `href` (`None` when it shows none).
fn sidebar_count(page: &str, href: &str) -> Option<String> {
    let at = page
        .find(&format!("href=\"{href}\""))
        .unwrap_or_else(|| panic!("no link {href} in {page}"));
    let link = &page[at..at + page[at..].find("</a>").unwrap()];
    let start = link.find("class=\"count\">")? + "class=\"count\">".len();
    Some(link[start..start + link[start..].find('<').unwrap()].to_string())
}

/// A ticket through the API with a tag and a status; returns its id.
async fn tagged_ticket(daemon: &Daemon, subject: &str, tags: &[&str], status: &str) -> i64 {
    let client = daemon.client();
    let response = client
        .post(daemon.url("/api/v1/tickets"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"subject": subject, "message": format!("{subject} text"), "contact": {"email": "vic@x.example", "name": "Vic"}, "tags": tags}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    if status != "new" {
        let response = client
            .patch(daemon.url(&format!("/api/v1/tickets/{id}")))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    id
}

async fn saved_view_names(daemon: &Daemon, who: (&str, &str)) -> Vec<String> {
    let (status, body) =
        crate::harness::get_json(&daemon.client(), &daemon.url("/api/v1/views"), Some(who)).await;
    assert_eq!(status, 200, "{body}");
    body["views"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["builtin"] == false)
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn saved_views_are_saved_listed_counted_and_deleted_from_the_sidebar() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let vip_open = tagged_ticket(&daemon, "Printer jam VIP", &["vip"], "open").await;
    let vip_new = tagged_ticket(&daemon, "Login trouble VIP", &["vip"], "new").await;
    let vip_done = tagged_ticket(&daemon, "Old VIP printer", &["vip"], "resolved").await;
    let plain = tagged_ticket(&daemon, "Printer toner", &[], "pending").await;
    let mut panel = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;

    // The built-in counts (one grouped query) are what the lists hold.
    let (status, _, page) = panel.get("/agent/tickets?view=all").await;
    assert_eq!(status, 200, "{page}");
    for (view, n) in [
        ("all", "4"),
        ("open", "2"),
        ("pending", "1"),
        ("resolved", "1"),
        ("unassigned", "2"),
        ("mine", "0"),
        ("spam", "0"),
        ("trash", "0"),
    ] {
        assert_eq!(
            sidebar_count(&page, &format!("/agent/tickets?view={view}")).as_deref(),
            Some(n),
            "{view}"
        );
    }
    assert!(page.contains("None yet: save a list or a search"), "{page}");

    // Save "open, tagged vip" from the list.
    let (_, _, page) = panel.get("/agent/tickets?view=open&tag=vip").await;
    assert!(page.contains(r#"name="status" value="new,open""#), "{page}");
    assert!(page.contains(r#"name="tag" value="vip""#), "{page}");
    let csrf = csrf_in(&page);
    let save = |name: &'static str,
                from: &'static str,
                status: &'static str,
                tag: &'static str,
                q: &'static str| {
        [
            ("name", name),
            ("from", from),
            ("status", status),
            ("tag", tag),
            ("q", q),
            ("assignee", ""),
            ("department", ""),
        ]
    };
    let mut form = save("VIP open", "open", "new,open", "vip", "").to_vec();
    form.push(("csrf", &csrf));
    let (status, location, page) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 303, "{page}");
    let vip_view = location
        .strip_prefix("/agent/tickets?view=")
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    let (status, _, page) = panel.get(&location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>VIP open</h1>"), "{page}");
    assert!(page.contains(&format!("/agent/tickets/{vip_open}\"")));
    assert!(page.contains(&format!("/agent/tickets/{vip_new}\"")));
    assert!(!page.contains(&format!("/agent/tickets/{vip_done}\"")));
    assert!(!page.contains(&format!("/agent/tickets/{plain}\"")));
    assert_eq!(sidebar_count(&page, &location).as_deref(), Some("2"));
    assert!(
        page.contains(r#"aria-current="page"><span class="view-name">VIP open"#),
        "{page}"
    );

    // A search saved from the search page: listed without a count.
    let (_, _, page) = panel.get("/agent/search?q=printer").await;
    assert!(page.contains(r#"name="from" value="search""#), "{page}");
    let mut form = save("Printers", "search", "", "", "printer").to_vec();
    form.push(("csrf", &csrf));
    let (status, printers, _) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 303);
    let (_, _, page) = panel.get(&printers).await;
    for id in [vip_open, vip_done, plain] {
        assert!(
            page.contains(&format!("/agent/tickets/{id}\"")),
            "{id}: {page}"
        );
    }
    assert!(!page.contains(&format!("/agent/tickets/{vip_new}\"")));
    assert_eq!(sidebar_count(&page, &printers), None);
    // Statuses only: counted from the tally.
    let mut form = save("Waiting", "pending", "pending", "", "").to_vec();
    form.push(("csrf", &csrf));
    let (status, waiting, _) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 303);
    let (_, _, page) = panel.get("/agent/tickets").await;
    assert_eq!(sidebar_count(&page, &waiting).as_deref(), Some("1"));
    assert_eq!(sidebar_count(&page, &location).as_deref(), Some("2"));

    // Refusals: the notice, the form open with the name typed, nothing saved.
    let mut form = save("VIP open", "open", "new,open", "vip", "").to_vec();
    form.push(("csrf", &csrf));
    let (status, _, page) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("You already have a view called “VIP open”. Choose another name."),
        "{page}"
    );
    assert!(
        page.contains(r#"<details class="save-view" open>"#),
        "{page}"
    );
    assert!(page.contains(r#"value="VIP open" placeholder"#), "{page}");
    let mut form = save("   ", "search", "", "", "printer").to_vec();
    form.push(("csrf", &csrf));
    let (status, _, page) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Give the view a name of 1 to 100 characters"),
        "{page}"
    );
    assert!(
        page.contains(r#"value="printer""#),
        "the search page again: {page}"
    );
    let (status, _, _) = panel
        .post("/agent/views", &save("No token", "open", "open", "", ""))
        .await;
    assert_eq!(status, 403);
    let mut form = save("Bogus", "open", "open,bogus", "", "").to_vec();
    form.push(("csrf", &csrf));
    let (status, _, _) = panel.post("/agent/views", &form).await;
    assert_eq!(status, 400);
    assert_eq!(
        saved_view_names(&daemon, OWNER).await,
        ["VIP open", "Printers", "Waiting"]
    );

    // Someone else's view: not shown, not deleted.
    let response = daemon
        .client()
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": AGENT.0, "name": "Sam", "role": "agent", "password": AGENT.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let mut sam = Session::sign_in(&daemon, AGENT.0, AGENT.1).await;
    let (status, _, page) = sam.get(&location).await;
    assert_eq!(status, 404, "{page}");
    let (_, _, page) = sam.get("/agent/tickets").await;
    assert!(!page.contains("VIP open"), "{page}");
    let sam_csrf = csrf_in(&page);
    let (status, _, _) = sam
        .post(
            &format!("/agent/views/{vip_view}/delete"),
            &[("csrf", &sam_csrf)],
        )
        .await;
    assert_eq!(status, 404);

    // Deleting: the token is needed; then it is gone from the sidebar and the API.
    let delete = format!("/agent/views/{vip_view}/delete");
    let (status, _, _) = panel.post(&delete, &[]).await;
    assert_eq!(status, 403);
    let (_, _, page) = panel.get(&location).await;
    assert!(page.contains(&format!(r#"action="{delete}""#)), "{page}");
    let (status, back, _) = panel.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!((status, back.as_str()), (303, "/agent/tickets"));
    let (_, _, page) = panel.get("/agent/tickets").await;
    assert!(!page.contains("VIP open"), "{page}");
    assert_eq!(
        saved_view_names(&daemon, OWNER).await,
        ["Printers", "Waiting"]
    );
    let (status, _, _) = panel.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!(status, 404);
    let (status, _, _) = panel.get(&location).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_restricted_agents_counts_leave_out_other_departments() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    restricted_departments(&daemon).await;
    let mut sam = Session::sign_in(&daemon, AGENT.0, AGENT.1).await;
    let (_, _, page) = sam.get("/agent/tickets?view=all").await;
    assert_eq!(
        sidebar_count(&page, "/agent/tickets?view=all").as_deref(),
        Some("1")
    );
    assert!(
        page.contains("Support case") && !page.contains("Sales deal"),
        "{page}"
    );
    let mut owner = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;
    let (_, _, page) = owner.get("/agent/tickets?view=all").await;
    assert_eq!(
        sidebar_count(&page, "/agent/tickets?view=all").as_deref(),
        Some("2")
    );
}

/// The audit entries with this action, through the API (owner).
async fn audit_entries(daemon: &Daemon, action: &str) -> Vec<Value> {
    api_json(daemon, &format!("/api/v1/audit?action={action}")).await["entries"]
        .as_array()
        .unwrap()
        .clone()
}

/// The value of the input `name` (first one) in a page.
fn input_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {page}"))
        + format!("name=\"{name}\" value=\"").len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn contacts_are_edited_and_merged_from_their_page() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let ann = new_ticket(&daemon, "Ann's question", "ann@x.example").await["contact"]["id"]
        .as_i64()
        .unwrap();
    let client = daemon.client();
    let response = client
        .post(daemon.url("/api/v1/contacts"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"name": "Ann Duplicate", "emails": ["ann.other@y.example"], "phones": ["+1 555 0100"], "custom": {"tier": "gold", "seats": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let other = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    for subject in ["Dup one", "Dup two"] {
        new_ticket(&daemon, subject, "ann.other@y.example").await;
    }
    let page_of = |id: i64| format!("/agent/contacts/{id}");
    let mut panel = Session::sign_in(&daemon, OWNER.0, OWNER.1).await;

    // The other contact's custom fields show with their types kept in the form.
    let (status, _, page) = panel.get(&page_of(other)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(r#"name="custom_key" value="seats""#),
        "{page}"
    );
    assert!(page.contains(r#"name="custom_value" value="5""#), "{page}");
    let csrf = csrf_in(&page);
    let edit = format!("{}/edit", page_of(other));
    let form = |seats: &'static str, emails: &'static str| {
        vec![
            ("name", "Ann Duplicate"),
            ("emails", emails),
            ("phones", "+1 555 0100\n+1 555 0199"),
            ("company", "Acme Ltd"),
            ("address", "1 Main Street\nSpringfield"),
            ("custom_key", "tier"),
            ("custom_value", "platinum"),
            ("custom_key", "seats"),
            ("custom_value", seats),
            ("custom_key", "note"),
            ("custom_value", "prefers email"),
        ]
    };
    let mut saved = form("7", "ann.other@y.example\nann@work.example");
    saved.push(("csrf", &csrf));
    let (status, location, page) = panel.post(&edit, &saved).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{}?done=saved", page_of(other)).as_str()),
        "{page}"
    );
    let stored = api_json(&daemon, &format!("/api/v1/contacts/{other}")).await;
    assert_eq!(
        stored["emails"],
        json!(["ann.other@y.example", "ann@work.example"])
    );
    assert_eq!(stored["phones"], json!(["+1 555 0100", "+1 555 0199"]));
    assert_eq!(stored["address"], "1 Main Street\nSpringfield");
    assert_eq!(
        stored["custom"],
        json!({"tier": "platinum", "seats": 7, "note": "prefers email"})
    );
    let (_, _, page) = panel.get(&location).await;
    assert!(page.contains("Saved."), "{page}");
    let updated = audit_entries(&daemon, "contact.updated").await;
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert_eq!(updated[0]["target"], format!("contact:{other}"));
    assert_eq!(updated[0]["actor"], OWNER.0);
    assert_eq!(
        updated[0]["detail"],
        "emails, phones, company, address, custom"
    );

    // Refused edits: a notice, the typed values kept, nothing changed.
    let mut bad = form("7", "not-an-address");
    bad.push(("csrf", &csrf));
    let (status, _, page) = panel.post(&edit, &bad).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("“not-an-address” is not a valid email address. Nothing was saved."),
        "{page}"
    );
    assert!(page.contains(">not-an-address</textarea>"), "{page}");
    let mut taken = form("7", "ann@x.example");
    taken.push(("csrf", &csrf));
    let (status, _, page) = panel.post(&edit, &taken).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("ann@x.example already belongs to another contact."),
        "{page}"
    );
    assert!(page.contains(&format!("?merge_from={ann}#merge")), "{page}");
    let mut typed = form("many", "ann.other@y.example");
    typed.push(("csrf", &csrf));
    let (status, _, page) = panel.post(&edit, &typed).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("The custom field “seats” holds a number"),
        "{page}"
    );
    let (status, _, _) = panel.post(&edit, &form("1", "x@y.example")).await;
    assert_eq!(status, 403);
    assert_eq!(
        api_json(&daemon, &format!("/api/v1/contacts/{other}")).await,
        stored
    );

    // Merge: found by part of the name and by email, confirmed, recorded.
    let (_, _, page) = panel
        .get(&format!("{}?merge=duplicate", page_of(ann)))
        .await;
    assert!(
        page.contains(&format!("?merge_from={other}#merge")),
        "{page}"
    );
    let (_, _, page) = panel
        .get(&format!("{}?merge=ann.other@y.example", page_of(ann)))
        .await;
    assert!(
        page.contains(&format!("?merge_from={other}#merge")),
        "{page}"
    );
    let (_, _, page) = panel
        .get(&format!("{}?merge=nobody-at-all", page_of(ann)))
        .await;
    assert!(page.contains("No other contact matches."), "{page}");
    let (_, _, page) = panel
        .get(&format!("{}?merge_from={other}", page_of(ann)))
        .await;
    assert!(
        page.contains("Merge Ann Duplicate into Cleo Customer?"),
        "{page}"
    );
    assert!(page.contains("and 2 tickets move here."), "{page}");
    assert_eq!(input_value(&page, "from"), other.to_string());
    let merge = format!("{}/merge", page_of(ann));
    let from = other.to_string();
    let (status, _, page) = panel
        .post(&merge, &[("csrf", &csrf), ("from", &from)])
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Tick the box to confirm the merge."),
        "{page}"
    );
    let (status, _, _) = panel
        .post(&merge, &[("from", &from), ("confirm", "yes")])
        .await;
    assert_eq!(status, 403);
    let ann_id = ann.to_string();
    let (status, _, page) = panel
        .post(
            &merge,
            &[("csrf", &csrf), ("from", &ann_id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("A contact cannot be merged into itself."));
    api_json(&daemon, &format!("/api/v1/contacts/{other}")).await;
    let (status, location, page) = panel
        .post(
            &merge,
            &[("csrf", &csrf), ("from", &from), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{}?done=merged", page_of(ann)).as_str()),
        "{page}"
    );
    let (status, _) = crate::harness::get_json(
        &client,
        &daemon.url(&format!("/api/v1/contacts/{other}")),
        Some(OWNER),
    )
    .await;
    assert_eq!(status, 404);
    let merged = api_json(&daemon, &format!("/api/v1/contacts/{ann}")).await;
    assert_eq!(
        merged["emails"],
        json!(["ann@x.example", "ann.other@y.example", "ann@work.example"])
    );
    assert_eq!(merged["custom"]["seats"], 7);
    let tickets = api_json(&daemon, &format!("/api/v1/tickets?contact={ann}")).await;
    assert_eq!(tickets["tickets"].as_array().unwrap().len(), 3, "{tickets}");
    let (_, _, page) = panel.get(&location).await;
    assert!(page.contains("Merged: the other contact"), "{page}");
    assert!(
        page.contains("Dup one") && page.contains("Dup two"),
        "{page}"
    );
    let merges = audit_entries(&daemon, "contact.merged").await;
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0]["target"], format!("contact:{ann}"));
    assert_eq!(
        merges[0]["detail"],
        format!("merged contact:{other}; 2 tickets moved")
    );
    // The merged contact is gone: its page and a second merge are 404.
    let (status, _, _) = panel.get(&page_of(other)).await;
    assert_eq!(status, 404);
    let (status, _, _) = panel
        .post(
            &merge,
            &[("csrf", &csrf), ("from", &from), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn restricted_agents_reach_no_contact_of_another_department() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let (sales, support) = restricted_departments(&daemon).await;
    let contact_of = |ticket: Value| ticket["contact"]["id"].as_i64().unwrap();
    let sally = contact_of(api_json(&daemon, &format!("/api/v1/tickets/{sales}")).await);
    let sue = contact_of(api_json(&daemon, &format!("/api/v1/tickets/{support}")).await);
    let mut sam = Session::sign_in(&daemon, AGENT.0, AGENT.1).await;
    let (status, _, page) = sam.get(&format!("/agent/contacts/{sue}")).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_in(&page);
    let (status, _, _) = sam.get(&format!("/agent/contacts/{sally}")).await;
    assert_eq!(status, 404);
    let (_, _, page) = sam.get("/agent/contacts").await;
    assert!(page.contains("sue@support.example"), "{page}");
    assert!(!page.contains("sally@sales.example"), "{page}");
    let (_, _, page) = sam
        .get(&format!("/agent/contacts/{sue}?merge=sales.example"))
        .await;
    assert!(!page.contains(&format!("merge_from={sally}")), "{page}");
    let (status, _, _) = sam
        .post(
            &format!("/agent/contacts/{sally}/edit"),
            &[("csrf", &csrf), ("name", "Hacked")],
        )
        .await;
    assert_eq!(status, 404);
    let sally_id = sally.to_string();
    let (status, _, _) = sam
        .post(
            &format!("/agent/contacts/{sue}/merge"),
            &[("csrf", &csrf), ("from", &sally_id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 404);
    let kept = api_json(&daemon, &format!("/api/v1/contacts/{sally}")).await;
    assert_eq!(kept["name"], "Sales deal");
}
