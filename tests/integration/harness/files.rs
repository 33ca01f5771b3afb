//! Data dirs, tokens, and the HTTP requests most tests make.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::Daemon;

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every file under `dir` with the SHA-256 of its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    use sha2::Digest;
    files_under(dir)
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).expect("read for snapshot");
            let digest = hex::encode(sha2::Sha256::digest(&bytes));
            (file, digest)
        })
        .collect()
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("/dev/urandom");
    hex::encode(buf)
}

/// A temporary directory with a `data` path inside that does not exist yet.
pub fn fresh_dir() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    (temp, data)
}

pub fn token_of(link: &str) -> String {
    let token = link
        .trim()
        .split_once("token=")
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| panic!("no token in {link:?}"));
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "a setup token is 64 hex digits: {token:?}"
    );
    token
}

/// Submits the setup form as a person would; returns status and page.
pub async fn post_setup(
    client: &reqwest::Client,
    url: &str,
    fields: [(&str, &str); 4],
) -> (u16, String) {
    let response = client
        .post(url)
        .form(&fields)
        .send()
        .await
        .expect("POST /setup");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Creates the first account's owner through the printed setup link.
pub async fn create_owner(daemon: &Daemon, name: &str, email: &str, password: &str) {
    let token = daemon.setup_token();
    let (status, page) = post_setup(
        &daemon.client(),
        &daemon.url("/setup"),
        [
            ("token", &token),
            ("name", name),
            ("email", email),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(status, 200, "POST /setup: {page}");
}

/// `GET url` with Basic credentials; returns status and JSON body (Null if not JSON).
pub async fn get_json(
    client: &reqwest::Client,
    url: &str,
    credentials: Option<(&str, &str)>,
) -> (u16, serde_json::Value) {
    let mut request = client.get(url);
    if let Some((user, password)) = credentials {
        request = request.basic_auth(user, Some(password));
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}
