//! The agent panel's sign-in: cookies, CSRF, sessions that end on logout and on a password
//! change, over real HTTPS.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("olga@panel.example", "owner password 12");

fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn value_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

/// Signs in through the real form; returns the session cookie value.
async fn sign_in(
    daemon: &Daemon,
    client: &reqwest::Client,
    password: &str,
) -> (u16, Option<String>) {
    sign_in_as(daemon, client, OWNER.0, password).await
}

async fn sign_in_as(
    daemon: &Daemon,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let form = client.get(daemon.url("/agent/login")).send().await.unwrap();
    let login_cookie = value_of(&cookie_named(&form, "__Host-hd_login").expect("login cookie"));
    let csrf = csrf_in(&form.text().await.unwrap());
    assert_eq!(
        csrf, login_cookie,
        "the form's token is bound to its cookie"
    );
    let response = client
        .post(daemon.url("/agent/login"))
        .header(COOKIE, format!("__Host-hd_login={login_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, cookie_named(&response, "__Host-hd_session"))
}

async fn page(daemon: &Daemon, client: &reqwest::Client, session: &str) -> (u16, String) {
    let response = client
        .get(daemon.url("/agent"))
        .header(COOKIE, format!("__Host-hd_session={session}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(
    daemon: &Daemon,
    client: &reqwest::Client,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> u16 {
    client
        .post(daemon.url(path))
        .header(COOKIE, format!("__Host-hd_session={session}"))
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_csrf_and_sessions() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let client = daemon.client();

    // Not signed in: sent to the login page.
    let anonymous = client.get(daemon.url("/agent")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[LOCATION], "/agent/login");

    // A login POST without the form's token is refused.
    let forged = client
        .post(daemon.url("/agent/login"))
        .form(&[("email", OWNER.0), ("password", OWNER.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(cookie_named(&forged, "__Host-hd_session").is_none());

    let (status, cookie) = sign_in(&daemon, &client, "wrong password!").await;
    assert_eq!((status, cookie), (401, None));
    let (status, cookie) = sign_in(&daemon, &client, OWNER.1).await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("session cookie");
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
    let first = value_of(&cookie);
    assert_eq!(first.len(), 64, "256 random bits");

    let (status, html) = page(&daemon, &client, &first).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Olga") && html.contains("this session"),
        "{html}"
    );
    let csrf = csrf_in(&html);

    // State-changing forms need the session's CSRF token.
    assert_eq!(
        post(&daemon, &client, &first, "/agent/sessions/end-others", &[]).await,
        403
    );
    assert_eq!(
        post(
            &daemon,
            &client,
            &first,
            "/agent/sessions/end-others",
            &[("csrf", "0000")]
        )
        .await,
        403
    );

    // A second session ends when the password changes in the first; the first goes on.
    let (_, second) = sign_in(&daemon, &client, OWNER.1).await;
    let second = value_of(&second.unwrap());
    assert_eq!(page(&daemon, &client, &second).await.0, 200);
    let new_password = "a brand new password";
    let form = [
        ("csrf", csrf.as_str()),
        ("current", OWNER.1),
        ("new", new_password),
    ];
    assert_eq!(
        post(&daemon, &client, &first, "/agent/profile/password", &form).await,
        200
    );
    assert_eq!(
        page(&daemon, &client, &second).await.0,
        303,
        "other session ended"
    );
    assert_eq!(
        page(&daemon, &client, &first).await.0,
        200,
        "this session goes on"
    );
    let old = client
        .get(daemon.url("/api/v1/me"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the old password no longer works");

    // Logging out ends the session for good.
    assert_eq!(
        post(
            &daemon,
            &client,
            &first,
            "/agent/logout",
            &[("csrf", csrf.as_str())]
        )
        .await,
        303
    );
    assert_eq!(page(&daemon, &client, &first).await.0, 303);
}

#[tokio::test]
async fn a_role_change_ends_the_users_sessions() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let client = daemon.client();
    let agent = serde_json::json!({"email": "agnes@panel.example", "name": "Agnes", "role": "agent", "password": "agent password 12"});
    let created: serde_json::Value = client
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, cookie) =
        sign_in_as(&daemon, &client, "agnes@panel.example", "agent password 12").await;
    assert_eq!(status, 303);
    let session = value_of(&cookie.unwrap());
    assert_eq!(page(&daemon, &client, &session).await.0, 200);
    let promoted = client
        .patch(daemon.url(&format!("/api/v1/users/{}", created["id"])))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&serde_json::json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), 200);
    assert_eq!(
        page(&daemon, &client, &session).await.0,
        303,
        "signed out by the role change"
    );
    let (status, _) =
        sign_in_as(&daemon, &client, "agnes@panel.example", "agent password 12").await;
    assert_eq!(status, 303, "and can sign in again, now as admin");
}

#[tokio::test]
async fn browsers_get_error_pages_and_api_clients_json() {
    let daemon = Daemon::fresh();
    let client = daemon.client();
    let get = |path: &'static str, accept: &'static str| {
        client
            .get(daemon.url(path))
            .header("accept", accept)
            .header("accept-language", "de")
            .send()
    };
    for path in ["/agent/no-such-page", "/portal/no-such-page"] {
        let page = get(path, "text/html,application/xhtml+xml").await.unwrap();
        assert_eq!(page.status(), 404);
        let content_type = page.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(page.headers().contains_key("content-security-policy"));
        let text = page.text().await.unwrap();
        assert!(text.contains("<h1>Not Found</h1>"), "{text}");
        assert!(text.contains("Zurück zur Startseite"), "{text}");

        let json = get(path, "*/*").await.unwrap();
        assert_eq!(json.status(), 404);
        let body: serde_json::Value = json.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
    // Outside the panel and the portal, browsers get the API's JSON as before.
    let api = get("/api/v1/nothing-here", "text/html").await.unwrap();
    assert_eq!(api.status(), 404);
    let content_type = api.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
}
