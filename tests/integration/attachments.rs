//! Attachments over real HTTPS: byte-identical round trips with the headers that keep a
//! browser from running them, types sniffed from the bytes (never the declared type),
//! previews only of raster images, the size limit enforced while the body arrives, no file
//! of another account, durability across `kill -9`, and no byte of a file in clear on disk.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    COOKIE, LOCATION, SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{
    Daemon, Options, cli_ok, cli_ok_stdin, create_owner, files_under, random_hex,
};
use crate::tls_client::{connect, trusting_daemon};

const OWNER: (&str, &str) = ("ada@files.example", "owner password 12");

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
];

struct Api {
    client: reqwest::Client,
    base: String,
    credentials: (String, String),
}

impl Api {
    fn owner(daemon: &Daemon) -> Api {
        Api {
            client: daemon.client(),
            base: daemon.url(""),
            credentials: (OWNER.0.into(), OWNER.1.into()),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.credentials.0, Some(&self.credentials.1))
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn ticket(&self) -> i64 {
        let (status, ticket) = self
            .json(
                reqwest::Method::POST,
                "/api/v1/tickets",
                Some(json!({"subject": "Files", "message": "See attached.",
                    "contact": {"email": "cleo@files.example", "name": "Cleo"}})),
            )
            .await;
        assert_eq!(status, 201, "{ticket}");
        ticket["id"].as_i64().unwrap()
    }

    /// POSTs `bytes` as the file, with extra headers and a query string.
    async fn upload(
        &self,
        ticket: i64,
        query: &str,
        headers: &[(&str, &str)],
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let mut request = self
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/tickets/{ticket}/attachments{query}"),
            )
            .body(bytes);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
    }
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

fn header(response: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The headers every served file carries, whatever it is.
fn assert_safe_headers(response: &reqwest::Response) {
    assert_eq!(header(response, X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(
        header(response, CONTENT_SECURITY_POLICY),
        "sandbox; default-src 'none'"
    );
    assert_eq!(header(response, CACHE_CONTROL), "private, no-store");
}

/// Files under `dir` holding `marker`'s bytes.
fn files_holding(dir: &Path, marker: &[u8]) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|file| {
            let bytes = std::fs::read(file).unwrap();
            bytes.windows(marker.len()).any(|w| w == marker)
        })
        .map(|file| file.display().to_string())
        .collect()
}

/// Validates `body` against the schema the OpenAPI document gives for this answer.
async fn assert_documented(api: &Api, method: &str, path: &str, status: u16, body: &Value) {
    let document: Value = api
        .client
        .get(format!("{}/api/v1/openapi.json", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = &document["paths"][path][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} {status} undocumented"
    );
    let text = json!({"$defs": document["components"]["schemas"], "allOf": [response["content"]["application/json"]["schema"]]})
        .to_string()
        .replace("#/components/schemas/", "#/$defs/");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:?}\n{body:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_downloads_byte_identical_with_safe_headers_and_is_never_in_clear_on_disk() {
    let mut daemon = Daemon::fresh();
    create_owner(&daemon, "Ada", OWNER.0, OWNER.1).await;
    let api = Api::owner(&daemon);
    let ticket = api.ticket().await;

    // 3 MiB: random bytes, with a marker in clear text here and there (so chunks hold it).
    let marker = format!("AttachmentMarker-{}", random_hex(8));
    let mut bytes = random_bytes(3 * 1024 * 1024);
    for at in [0, 300_000, 1_500_000, 3 * 1024 * 1024 - 100] {
        bytes[at..at + marker.len()].copy_from_slice(marker.as_bytes());
    }
    let sha = hex::encode(Sha256::digest(&bytes));
    let (status, created) = api
        .upload(
            ticket,
            "",
            &[
                ("content-type", "application/pdf"),
                (
                    "content-disposition",
                    "attachment; filename=\"x.bin\"; filename*=UTF-8''%C3%9Cbersicht%20Q1.bin",
                ),
            ],
            bytes.clone(),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["filename"], "Übersicht Q1.bin");
    assert_eq!(created["size"], bytes.len());
    assert_eq!(created["sha256"], sha.as_str());
    assert_eq!(created["content_type"], "application/octet-stream");
    assert_eq!(created["declared_type"], "application/pdf");
    assert_eq!(created["preview_url"], Value::Null);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["url"], format!("/api/v1/attachments/{id}"));
    assert_documented(
        &api,
        "post",
        "/api/v1/tickets/{id}/attachments",
        201,
        &created,
    )
    .await;

    let response = api.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(response.status(), 200);
    assert_safe_headers(&response);
    assert_eq!(header(&response, CONTENT_TYPE), "application/octet-stream");
    assert_eq!(header(&response, CONTENT_LENGTH), bytes.len().to_string());
    assert_eq!(
        header(&response, CONTENT_DISPOSITION),
        "attachment; filename=\"_bersicht Q1.bin\"; filename*=UTF-8''%C3%9Cbersicht%20Q1.bin"
    );
    let downloaded = response.bytes().await.unwrap();
    assert_eq!(downloaded.len(), bytes.len());
    assert!(downloaded == bytes, "the download differs from the upload");

    // `?filename=` names it too (and is sanitized); the list has both, oldest first.
    let (status, second) = api
        .upload(
            ticket,
            "?filename=..%2F..%2Fetc%2Fpass%01wd",
            &[],
            b"second".to_vec(),
        )
        .await;
    assert_eq!(
        (status, second["filename"].as_str()),
        (201, Some("passwd")),
        "{second}"
    );
    let listed = api
        .get(&format!("/api/v1/tickets/{ticket}/attachments"))
        .await;
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    let ids: Vec<i64> = listed["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id, second["id"].as_i64().unwrap()]);
    assert_documented(
        &api,
        "get",
        "/api/v1/tickets/{id}/attachments",
        200,
        &listed,
    )
    .await;

    // The preview is for images only.
    let response = api.get(&format!("/api/v1/attachments/{id}/preview")).await;
    assert_eq!(response.status(), 415);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "unsupported_media_type");

    // Not a byte of the file in clear: while running (WAL included) and after a stop.
    let hits = files_holding(&daemon.data_dir, marker.as_bytes());
    assert!(hits.is_empty(), "marker in clear while running: {hits:?}");
    assert!(
        files_under(&daemon.data_dir)
            .iter()
            .all(|f| !f.to_string_lossy().contains("Übersicht")),
        "a file named after the attachment"
    );
    let status = daemon.terminate_async().await;
    assert!(status.success(), "{status}");
    let hits = files_holding(&daemon.data_dir, marker.as_bytes());
    assert!(hits.is_empty(), "marker in clear after stop: {hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_type_is_sniffed_and_only_raster_images_preview_inline() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Ada", OWNER.0, OWNER.1).await;
    let api = Api::owner(&daemon);
    let ticket = api.ticket().await;

    // A PNG declared as text is served as the PNG it is, and previews.
    let (status, png) = api
        .upload(
            ticket,
            "?filename=notes.txt",
            &[("content-type", "text/plain")],
            PNG.to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{png}");
    assert_eq!(
        (png["content_type"].as_str(), png["declared_type"].as_str()),
        (Some("image/png"), Some("text/plain"))
    );
    let id = png["id"].as_i64().unwrap();
    assert_eq!(
        png["preview_url"],
        format!("/api/v1/attachments/{id}/preview")
    );
    let response = api.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(header(&response, CONTENT_TYPE), "image/png");
    assert!(header(&response, CONTENT_DISPOSITION).starts_with("attachment;"));
    assert_safe_headers(&response);
    let response = api.get(&format!("/api/v1/attachments/{id}/preview")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_TYPE), "image/png");
    assert_eq!(
        header(&response, CONTENT_DISPOSITION),
        "inline; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    );
    assert_safe_headers(&response);
    assert_eq!(response.bytes().await.unwrap(), PNG);

    // HTML declared as a PNG: never inline, never as HTML, never as the declared type.
    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec();
    let (status, page) = api
        .upload(
            ticket,
            "?filename=photo.png",
            &[("content-type", "image/png")],
            html.clone(),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    assert_eq!(page["content_type"], "text/html");
    assert_eq!(page["preview_url"], Value::Null);
    let id = page["id"].as_i64().unwrap();
    let response = api.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_TYPE), "application/octet-stream");
    assert!(header(&response, CONTENT_DISPOSITION).starts_with("attachment;"));
    assert_safe_headers(&response);
    assert_eq!(response.bytes().await.unwrap(), html);
    let response = api.get(&format!("/api/v1/attachments/{id}/preview")).await;
    assert_eq!(response.status(), 415);
    assert!(!header(&response, CONTENT_TYPE).starts_with("text/html"));

    // SVG can carry script: no preview, downloaded as octet-stream.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>"#;
    let (status, drawing) = api
        .upload(
            ticket,
            "?filename=logo.svg",
            &[("content-type", "image/svg+xml")],
            svg.to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{drawing}");
    let id = drawing["id"].as_i64().unwrap();
    let response = api.get(&format!("/api/v1/attachments/{id}/preview")).await;
    assert_eq!(response.status(), 415);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "unsupported_media_type", "{error}");
    let response = api.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(header(&response, CONTENT_TYPE), "application/octet-stream");
    assert!(header(&response, CONTENT_DISPOSITION).starts_with("attachment;"));

    // A message of the ticket may be named; one that is not, or a bad query, is refused.
    let (_, full) = api
        .json(
            reqwest::Method::GET,
            &format!("/api/v1/tickets/{ticket}"),
            None,
        )
        .await;
    let message = full["messages"][0]["id"].as_i64().unwrap();
    let (status, tied) = api
        .upload(ticket, &format!("?message_id={message}"), &[], PNG.to_vec())
        .await;
    assert_eq!(
        (status, tied["message_id"].as_i64()),
        (201, Some(message)),
        "{tied}"
    );
    assert_eq!(tied["filename"], "attachment.png");
    let (status, body) = api
        .upload(
            ticket,
            &format!("?message_id={}", message + 1000),
            &[],
            PNG.to_vec(),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = api.upload(ticket, "?colour=red", &[], PNG.to_vec()).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = api.upload(ticket, "", &[], Vec::new()).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = api.upload(ticket + 1000, "", &[], PNG.to_vec()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let response = api.get("/api/v1/attachments/99999").await;
    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_is_refused_while_it_arrives() {
    const LIMIT: usize = 1024 * 1024;
    let daemon = Daemon::start(
        Options::default().env("HELPDESKD_ATTACHMENTS_MAX_BYTES", &LIMIT.to_string()),
    );
    create_owner(&daemon, "Ada", OWNER.0, OWNER.1).await;
    let api = Api::owner(&daemon);
    let ticket = api.ticket().await;

    // Exactly the limit is fine.
    let (status, body) = api.upload(ticket, "", &[], random_bytes(LIMIT)).await;
    assert_eq!(status, 201, "{body}");

    // A Content-Length over the limit: refused before the body is read, naming the limit.
    let started = Instant::now();
    let (status, body) = api.upload(ticket, "", &[], random_bytes(LIMIT + 1)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&LIMIT.to_string()),
        "{body}"
    );
    println!(
        "413 for a declared length over the limit after {:?}",
        started.elapsed()
    );

    // No length (chunked): cut off when the count passes the limit. The client sends a bit
    // more than the limit and then nothing, never ending the body: a server that waited for
    // the whole body before refusing would never answer.
    let config = trusting_daemon(&daemon, &rustls::version::TLS13, &[b"http/1.1"]);
    let stream = connect(&daemon, config).await;
    let (mut reader, mut writer) = tokio::io::split(stream);
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", OWNER.0, OWNER.1));
    let head = format!(
        "POST /api/v1/tickets/{ticket}/attachments?filename=big.bin HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {credentials}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let started = Instant::now();
    let sending = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < LIMIT + 256 * 1024 {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
            sent += chunk.len();
        }
        writer.flush().await?;
        // Neither the last chunk nor the end: the body stays open.
        Ok::<_, std::io::Error>((sent, writer))
    });
    let mut response = Vec::new();
    let answered = tokio::time::timeout(Duration::from_secs(15), async {
        let mut buf = [0u8; 4096];
        while !response.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = reader.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(
        answered.is_ok(),
        "no answer while the oversized body was still open"
    );
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    println!(
        "413 for a chunked body over the limit after {:?}",
        started.elapsed()
    );
    sending.abort();

    // Only the upload within the limit was stored.
    let listed: Value = api
        .get(&format!("/api/v1/tickets/{ticket}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["attachments"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
}

fn create_account(daemon: &Daemon, slug: &str, host: &str, owner: (&str, &str)) {
    let data = daemon.data_arg();
    cli_ok(&[
        "account",
        "create",
        "--slug",
        slug,
        "--name",
        slug,
        "--host",
        host,
        "--data-dir",
        &data,
    ]);
    cli_ok_stdin(
        &[
            "user",
            "add",
            "--account",
            slug,
            "--email",
            owner.0,
            "--name",
            owner.0,
            "--role",
            "owner",
            "--password-stdin",
            "--data-dir",
            &data,
        ],
        &format!("{}\n", owner.1),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_of_another_account_is_not_found() {
    let daemon = Daemon::fresh();
    let (alpha, beta) = ("support.alpha.example", "support.beta.example");
    let alpha_owner = ("ann@alpha.example", "alpha password 1");
    let beta_owner = ("bob@beta.example", "beta password 22");
    create_account(&daemon, "alpha", alpha, alpha_owner);
    create_account(&daemon, "beta", beta, beta_owner);
    let client = daemon.client_for_hosts(&[alpha, beta]);
    let api = |host: &str, owner: (&str, &str)| Api {
        client: client.clone(),
        base: daemon.host_url(host, ""),
        credentials: (owner.0.into(), owner.1.into()),
    };
    let (on_alpha, on_beta) = (api(alpha, alpha_owner), api(beta, beta_owner));

    let ticket = on_alpha.ticket().await;
    let (status, created) = on_alpha
        .upload(ticket, "?filename=secret.png", &[], PNG.to_vec())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        on_alpha
            .get(&format!("/api/v1/attachments/{id}"))
            .await
            .status(),
        200
    );

    // Beta's owner, on beta's host: neither the file, its preview, nor the ticket's list.
    for path in [
        format!("/api/v1/attachments/{id}"),
        format!("/api/v1/attachments/{id}/preview"),
        format!("/api/v1/tickets/{ticket}/attachments"),
    ] {
        let response = on_beta.get(&path).await;
        assert_eq!(response.status(), 404, "{path} on beta");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, _) = on_beta.upload(ticket, "", &[], PNG.to_vec()).await;
    assert_eq!(status, 404, "upload to alpha's ticket id through beta");
    // Alpha's credentials do not work on beta's host at all.
    let alpha_on_beta = api(beta, alpha_owner);
    assert_eq!(
        alpha_on_beta
            .get(&format!("/api/v1/attachments/{id}"))
            .await
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_upload_survives_kill_9() {
    let mut daemon = Daemon::fresh();
    create_owner(&daemon, "Ada", OWNER.0, OWNER.1).await;
    let api = Api::owner(&daemon);
    let ticket = api.ticket().await;
    let bytes = random_bytes(2 * 1024 * 1024 + 7);
    let (status, created) = api
        .upload(ticket, "?filename=durable.bin", &[], bytes.clone())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    // Right after the acknowledgement: no chance to flush, checkpoint or close.
    daemon.kill9();
    drop(api);

    let daemon = daemon.restart();
    let api = Api::owner(&daemon);
    let response = api.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(response.status(), 200);
    let back = response.bytes().await.unwrap();
    assert!(back == bytes, "the file differs after kill -9");
    assert_eq!(
        hex::encode(Sha256::digest(&back)),
        created["sha256"].as_str().unwrap()
    );
}

/// Signs in to the agent panel through its form; returns the session cookie's value.
async fn panel_session(daemon: &Daemon, client: &reqwest::Client) -> String {
    let cookie = |response: &reqwest::Response, name: &str| -> Option<String> {
        response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.split_once('='))
            .map(|(_, value)| value.to_string())
    };
    let form = client.get(daemon.url("/agent/login")).send().await.unwrap();
    let login = cookie(&form, "__Host-hd_login").expect("login cookie");
    let html = form.text().await.unwrap();
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("csrf field") + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_string();
    let response = client
        .post(daemon.url("/agent/login"))
        .header(COOKIE, format!("__Host-hd_login={login}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", OWNER.0),
            ("password", OWNER.1),
        ])
        .send()
        .await
        .unwrap();
    cookie(&response, "__Host-hd_session").expect("a session after sign-in")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_serves_the_same_files_to_signed_in_agents_only() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Ada", OWNER.0, OWNER.1).await;
    let api = Api::owner(&daemon);
    let ticket = api.ticket().await;
    let (_, png) = api
        .upload(ticket, "?filename=shot.png", &[], PNG.to_vec())
        .await;
    let (_, page) = api
        .upload(
            ticket,
            "?filename=page.html",
            &[],
            b"<html><script>x</script>".to_vec(),
        )
        .await;
    let (png, page) = (png["id"].as_i64().unwrap(), page["id"].as_i64().unwrap());

    let client = daemon.client();
    let response = client
        .get(daemon.url(&format!("/agent/attachments/{png}")))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(header(&response, LOCATION), "/agent/login");

    let session = panel_session(&daemon, &client).await;
    let get = |path: String| {
        client
            .get(daemon.url(&path))
            .header(COOKIE, format!("__Host-hd_session={session}"))
            .send()
    };
    let response = get(format!("/agent/attachments/{png}")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_TYPE), "image/png");
    assert!(header(&response, CONTENT_DISPOSITION).starts_with("attachment;"));
    assert_safe_headers(&response);
    assert_eq!(response.bytes().await.unwrap(), PNG);
    let response = get(format!("/agent/attachments/{png}/preview"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(&response, CONTENT_DISPOSITION).starts_with("inline;"));
    assert_safe_headers(&response);
    let response = get(format!("/agent/attachments/{page}")).await.unwrap();
    assert_eq!(header(&response, CONTENT_TYPE), "application/octet-stream");
    assert_safe_headers(&response);
    let response = get(format!("/agent/attachments/{page}/preview"))
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let response = get("/agent/attachments/424242".into()).await.unwrap();
    assert_eq!(response.status(), 404);
}
