//! The optional plain-HTTP listener: it only redirects to HTTPS, never serves content.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// A router whose every request is answered with `308` to the same host and path over HTTPS.
pub fn router(https_port: u16) -> Router {
    Router::new().fallback(move |headers: HeaderMap, uri: Uri| async move {
        redirect(&headers, &uri, https_port)
    })
}

fn redirect(headers: &HeaderMap, uri: &Uri, https_port: u16) -> Response {
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(host_without_port)
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c))
        })
    else {
        return (StatusCode::BAD_REQUEST, "HTTPS only; send a Host header\n").into_response();
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let location = format!("https://{host}{port}{path}");
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

fn host_without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map(|i| &host[..=i]).unwrap_or(host);
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(host: &str, path: &str, port: u16) -> String {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        let response = redirect(&headers, &path.parse().unwrap(), port);
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn keeps_host_and_path_and_sets_port() {
        assert_eq!(
            location("a.example", "/x?y=1", 443),
            "https://a.example/x?y=1"
        );
        assert_eq!(
            location("a.example:80", "/", 8443),
            "https://a.example:8443/"
        );
        assert_eq!(location("[::1]:80", "/", 443), "https://[::1]/");
    }

    #[test]
    fn refuses_hosts_that_could_inject() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "evil.example/path@x".parse().unwrap());
        let response = redirect(&headers, &"/".parse().unwrap(), 443);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
