//! The panel's tools over real HTTPS: API tokens made, shown once, used and revoked through
//! `/agent/tokens`; the audit log at `/agent/audit` and its CSV at `/agent/audit.csv`, for
//! the owner and admins only. Every POST carries the session's CSRF token.

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("olga@tools.example", "owner password 12");
const AGENT: (&str, &str) = ("arvo@tools.example", "agent password 12");

/// A browser's view of the panel: follows no redirects, keeps cookies.
struct Panel<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

/// Status, headers and body of one answer.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl<'a> Panel<'a> {
    /// Signs in with the password through the real form.
    async fn signed_in(daemon: &'a Daemon, email: &str, password: &str) -> Panel<'a> {
        let mut panel = Panel {
            daemon,
            client: daemon.client(),
            cookies: HashMap::new(),
        };
        let form = panel.get("/agent/login").await;
        let csrf = csrf_in(&form.body);
        let answer = panel
            .post(
                "/agent/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(answer.headers.get(LOCATION).unwrap(), "/agent", "signed in");
        panel
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
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
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.client.get(self.daemon.url(path));
        self.answer(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let request = self.client.post(self.daemon.url(path)).form(form);
        self.answer(request).await
    }

    /// The CSRF token of the session, from a page that has a form.
    async fn csrf(&mut self) -> String {
        let page = self.get("/agent/tokens").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        csrf_in(&page.body)
    }

    /// Creates a token through the page; returns the page's answer.
    async fn create_token(&mut self, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf().await;
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post("/agent/tokens", &form).await
    }
}

fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The token text the page shows after creating one.
fn shown_token(html: &str) -> Option<String> {
    let start = html.find(r#"id="new-token""#)?;
    let text = html[start..].split_once('>')?.1.split('<').next()?;
    Some(text.to_string())
}

/// The ids in the page's revoke buttons, in order.
fn revoke_ids(html: &str) -> Vec<i64> {
    html.match_indices(r#"action="/agent/tokens/"#)
        .map(|(at, marker)| {
            let rest = &html[at + marker.len()..];
            rest.split('/').next().unwrap().parse().unwrap()
        })
        .collect()
}

/// How many entries the audit page lists.
fn audit_rows(html: &str) -> usize {
    html.split_once("<tbody>")
        .map_or(0, |(_, rest)| rest.matches("<tr>").count())
}

async fn me_with(daemon: &Daemon, token: &str) -> (u16, Value) {
    let response = daemon
        .client()
        .get(daemon.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn add_agent(daemon: &Daemon) {
    let response = daemon
        .client()
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": AGENT.0, "name": "Arvo", "role": "agent", "password": AGENT.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_made_on_the_page_is_shown_once_works_and_stops_when_revoked() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let mut panel = Panel::signed_in(&daemon, OWNER.0, OWNER.1).await;

    let empty = panel.get("/agent/tokens").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("You have no tokens."), "{}", empty.body);
    assert!(
        empty.body.contains(r#"name="scope_admin""#),
        "the owner is offered the admin scope"
    );
    assert!(empty.body.contains(r#"href="/agent/audit""#), "owner's nav");

    // Created: the page shows the token, once.
    let created = panel
        .create_token(&[
            ("name", "Nightly export"),
            ("scope_read", "on"),
            ("expires_in_days", "30"),
        ])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let token = shown_token(&created.body).expect("the new token is shown");
    assert!(token.starts_with("hdk_") && token.len() == 68, "{token}");
    assert!(
        created.body.contains("it will not be shown again"),
        "{}",
        created.body
    );
    let listed = panel.get("/agent/tokens").await;
    assert!(listed.body.contains("Nightly export"), "{}", listed.body);
    assert!(!listed.body.contains(&token), "shown only once");
    assert!(shown_token(&listed.body).is_none());
    assert!(!listed.body.contains("hdk_"));

    // It works on the API, with the scope chosen.
    let (status, me) = me_with(&daemon, &token).await;
    assert_eq!((status, me["email"].as_str()), (200, Some(OWNER.0)), "{me}");
    let write = daemon
        .client()
        .post(daemon.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403, "read only");

    // Revoking needs the CSRF token...
    let ids = revoke_ids(&listed.body);
    assert_eq!(ids.len(), 1, "{}", listed.body);
    let path = format!("/agent/tokens/{}/revoke", ids[0]);
    let forged = panel.post(&path, &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let forged = panel.post(&path, &[("csrf", "0123456789abcdef")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert_eq!(me_with(&daemon, &token).await.0, 200, "still valid");

    // ...and then the API refuses the token.
    let csrf = panel.csrf().await;
    let revoked = panel.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(
        revoked.body.contains("Token “Nightly export” revoked."),
        "{}",
        revoked.body
    );
    assert!(revoked.body.contains("You have no tokens."));
    assert_eq!(me_with(&daemon, &token).await.0, 401);
    let again = panel.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    assert!(again.body.contains("does not exist or was already revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_refuses_bad_input_and_a_post_without_the_csrf_token() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let mut panel = Panel::signed_in(&daemon, OWNER.0, OWNER.1).await;

    let forged = panel
        .post("/agent/tokens", &[("name", "forged"), ("scope_read", "on")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);

    for (fields, message) in [
        (
            vec![("name", "  "), ("scope_read", "on")],
            "The name must be 1 to 100 characters.",
        ),
        (
            vec![
                ("name", "ci"),
                ("scope_read", "on"),
                ("expires_in_days", "0"),
            ],
            "The expiry must be a whole number of days from 1 to 3650, or empty.",
        ),
        (
            vec![
                ("name", "ci"),
                ("scope_read", "on"),
                ("expires_in_days", "ten"),
            ],
            "The expiry must be a whole number of days from 1 to 3650, or empty.",
        ),
        (vec![("name", "ci")], "Choose at least one scope."),
    ] {
        let refused = panel.create_token(&fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {}",
            refused.body
        );
        assert!(
            refused.body.contains(message),
            "{fields:?}: {}",
            refused.body
        );
        assert!(shown_token(&refused.body).is_none());
    }
    // What was typed is kept.
    let kept = panel
        .create_token(&[("name", "kept name"), ("expires_in_days", "7")])
        .await;
    assert!(kept.body.contains(r#"value="kept name""#), "{}", kept.body);
    assert!(kept.body.contains(r#"value="7""#), "{}", kept.body);

    let listed = panel.get("/agent/tokens").await;
    assert!(
        listed.body.contains("You have no tokens."),
        "{}",
        listed.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_make_tokens_without_admin_and_never_see_the_audit_log() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    add_agent(&daemon).await;
    let mut agent = Panel::signed_in(&daemon, AGENT.0, AGENT.1).await;

    let page = agent.get("/agent/tokens").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("scope_admin"), "{}", page.body);
    assert!(!page.body.contains(r#"href="/agent/audit""#), "agent's nav");
    let refused = agent
        .create_token(&[("name", "sneaky"), ("scope_admin", "on")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Only owners and admins may create tokens with the admin scope."),
        "{}",
        refused.body
    );
    let created = agent
        .create_token(&[
            ("name", "mine"),
            ("scope_read", "on"),
            ("scope_write", "on"),
        ])
        .await;
    let token = shown_token(&created.body).expect("created");
    let (status, me) = me_with(&daemon, &token).await;
    assert_eq!((status, me["email"].as_str()), (200, Some(AGENT.0)));

    for path in ["/agent/audit", "/agent/audit.csv", "/agent/audit?action=x"] {
        let answer = agent.get(path).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!answer.body.contains("token.created"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_reads_filters_pages_and_downloads_the_audit_log() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let mut panel = Panel::signed_in(&daemon, OWNER.0, OWNER.1).await;
    let created = panel
        .create_token(&[("name", "Export <nightly>"), ("scope_read", "on")])
        .await;
    assert!(shown_token(&created.body).is_some(), "{}", created.body);
    assert!(
        created.body.contains("Export &lt;nightly&gt;"),
        "escaped: {}",
        created.body
    );
    add_agent(&daemon).await;

    // Newest first: the agent added after the token. (Signing in is recorded too.)
    let log = panel.get("/agent/audit").await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(
        log.headers.get("cache-control").unwrap(),
        "no-store",
        "panel pages are never cached"
    );
    let entries = audit_rows(&log.body);
    assert!((4..50).contains(&entries), "{}", log.body);
    let table = log.body.split_once("<tbody>").unwrap().1;
    let (agent_added, token_made, owner_made) = (
        table.find("<code>user.created</code>").unwrap(),
        table.find("<code>token.created</code>").unwrap(),
        table.rfind("<code>user.created</code>").unwrap(),
    );
    assert!(
        agent_added < token_made && token_made < owner_made,
        "{table}"
    );
    assert!(table.contains(OWNER.0) && table.contains("127.0.0.1"));
    assert!(
        table.contains("setup"),
        "the owner came from the setup link"
    );
    assert!(!log.body.contains("Older entries"), "one page");
    assert!(
        log.body.contains(r#"href="/agent/audit.csv""#),
        "{}",
        log.body
    );

    // Filtered by action.
    let only = panel.get("/agent/audit?action=token.created").await;
    assert_eq!(only.status, StatusCode::OK);
    assert_eq!(audit_rows(&only.body), 1, "{}", only.body);
    assert!(!only.body.contains("<code>user.created</code>"));
    assert!(
        only.body
            .contains(r#"href="/agent/audit.csv?action=token.created""#),
        "the CSV link keeps the filter: {}",
        only.body
    );
    let none = panel.get("/agent/audit?action=no.such").await;
    assert!(none.body.contains("No entries match this filter."));
    let bad = panel.get("/agent/audit?before=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The CSV download, all of it and filtered.
    let csv = panel.get("/agent/audit.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = csv
        .headers
        .get(CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let lines: Vec<&str> = csv.body.split("\r\n").collect();
    assert_eq!(lines[0], "id,at,actor_id,actor,action,target,ip,detail");
    assert_eq!(
        lines.len(),
        1 + entries + 1,
        "header, the entries, final CRLF: {lines:?}"
    );
    assert!(lines[2].contains(",token.created,"), "{}", lines[2]);
    assert!(lines[2].contains("name=Export <nightly>"), "{}", lines[2]);
    let filtered = panel.get("/agent/audit.csv?action=user.created").await;
    let lines: Vec<&str> = filtered.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[1..].iter().all(|l| l.contains(",user.created,")));

    // Paging: 55 more entries, 50 a page, and an "older" link to the rest.
    for n in 0..55 {
        let answer = panel
            .create_token(&[("name", &format!("t{n}")), ("scope_read", "on")])
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let first = panel.get("/agent/audit").await;
    assert_eq!(audit_rows(&first.body), 50);
    let start = first
        .body
        .find(r#"href="/agent/audit?before="#)
        .expect("an older link")
        + r#"href=""#.len();
    let older = first.body[start..].split('"').next().unwrap();
    let second = panel.get(older).await;
    assert_eq!(second.status, StatusCode::OK, "{older}");
    assert_eq!(
        audit_rows(&second.body),
        entries + 55 - 50,
        "{}",
        second.body
    );
    assert!(!second.body.contains("Older entries"));
    assert!(second.body.contains("Newest entries"));
    let csv = panel.get("/agent/audit.csv").await;
    assert_eq!(csv.body.trim_end().split("\r\n").count(), 1 + entries + 55);
}
