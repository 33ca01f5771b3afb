//! Bad requests get clear 4xx JSON errors; metrics and the API description are served.

use crate::harness::{Daemon, Options, create_owner};

#[tokio::test]
async fn client_mistakes_get_json_4xx() {
    let daemon = Daemon::start(Options::default().env("HELPDESKD_HTTP_MAX_BODY_BYTES", "4096"));
    create_owner(&daemon, "Owner", "owner@http.example", "owner password 1").await;
    let client = daemon.client();
    let users = daemon.url("/api/v1/users");
    let auth =
        |r: reqwest::RequestBuilder| r.basic_auth("owner@http.example", Some("owner password 1"));

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (client.get(daemon.url("/api/v1/nope")), 404, "not_found"),
        (client.delete(daemon.url("/healthz")), 405, "method_not_allowed"),
        (client.get(&users), 401, "unauthorized"),
        (auth(client.post(&users)).header("content-type", "application/json").body("{not json"), 400, "invalid_json"),
        (auth(client.post(&users)).body("email=x"), 415, "unsupported_media_type"),
        (auth(client.post(&users)).json(&serde_json::json!({"email": "x@y.example"})), 422, "invalid_field"),
        (auth(client.post(&users)).json(&serde_json::json!({"email": "bad", "name": "N", "role": "agent", "password": "long enough pass"})), 422, "invalid_email"),
        (auth(client.post(&users)).json(&serde_json::json!({"email": "a@y.example", "name": "N", "role": "owner", "password": "long enough pass"})), 403, "forbidden"),
        (auth(client.post(&users)).json(&serde_json::json!({"email": "a@y.example", "name": "N", "role": "agent", "password": "Password2024!"})), 422, "weak_password"),
        (auth(client.post(&users)).header("content-type", "application/json").body(vec![b' '; 10_000]), 413, "too_large"),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            status,
            "expected {status} {code}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn openapi_and_metrics() {
    let daemon = Daemon::fresh();
    let client = daemon.client();
    let spec: serde_json::Value = client
        .get(daemon.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/users"]["post"].is_object());
    for path in [
        "/api/v1/me/2fa/totp",
        "/api/v1/invitations",
        "/api/v1/security/networks",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
    client.get(daemon.url("/healthz")).send().await.unwrap();
    let metrics = client.get(daemon.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("helpdeskd_http_requests_total{class=\"2xx\"}"),
        "{text}"
    );
    assert!(
        text.contains("helpdeskd_db_commits{database=\"system\"}"),
        "{text}"
    );
}
