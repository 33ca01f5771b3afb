//! Every write the API acknowledged survives `kill -9`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Daemon, create_owner, get_json};

const OWNER: &str = "owner@durable.example";
const PASSWORD: &str = "owner password 123";
const WRITERS: usize = 8;
const ACKNOWLEDGED_BEFORE_KILL: usize = 20;

/// Sends `WRITERS` streams of requests (`request(client, writer, n)` gives each request and
/// the key that names what it writes) until `ACKNOWLEDGED_BEFORE_KILL` were answered `201`,
/// then kills the daemon with `kill -9` while each stream has a request in flight. Returns
/// the keys of every write the daemon acknowledged.
async fn acknowledged_until_kill9<F>(daemon: &mut Daemon, request: F) -> Vec<String>
where
    F: Fn(&reqwest::Client, usize, usize) -> (reqwest::RequestBuilder, String)
        + Send
        + Sync
        + 'static,
{
    let request = Arc::new(request);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (progress_tx, mut progress) = tokio::sync::mpsc::unbounded_channel::<()>();
    let killed = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        // One connection per writer, so requests really run concurrently.
        let client = daemon.client();
        let (request, acknowledged, progress_tx, killed) = (
            request.clone(),
            acknowledged.clone(),
            progress_tx.clone(),
            killed.clone(),
        );
        writers.spawn(async move {
            for n in 0.. {
                let (builder, key) = request(&client, writer, n);
                match builder.send().await {
                    Ok(response) if response.status() == 201 => {
                        acknowledged.lock().unwrap().push(key);
                        let _ = progress_tx.send(());
                    }
                    Ok(response) => {
                        let status = response.status();
                        panic!("writer {writer}: {status}: {:?}", response.text().await)
                    }
                    // The daemon died under this request: it was never acknowledged.
                    Err(e) => {
                        assert!(
                            killed.load(Ordering::SeqCst),
                            "writer {writer}: request failed before the kill: {e}"
                        );
                        return;
                    }
                }
            }
        });
    }
    drop(progress_tx);

    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..ACKNOWLEDGED_BEFORE_KILL {
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::timeout(left, progress.recv())
            .await
            .expect("too few writes were acknowledged in time")
            .expect("all writers stopped");
    }
    // Every writer has a request in flight right now.
    killed.store(true, Ordering::SeqCst);
    daemon.kill9();
    while let Some(result) = writers.join_next().await {
        result.expect("writer task");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let mut daemon = Daemon::fresh();
    create_owner(&daemon, "Owner", OWNER, PASSWORD).await;
    let url = daemon.url("/api/v1/users");
    let acknowledged = acknowledged_until_kill9(&mut daemon, move |client, writer, n| {
        let email = format!("agent-{writer}-{n}@durable.example");
        let body = serde_json::json!({
            "email": email, "name": format!("Agent {writer}/{n}"),
            "role": "agent", "password": "agent password 123",
        });
        let request = client
            .post(&url)
            .basic_auth(OWNER, Some(PASSWORD))
            .json(&body);
        (request, email)
    })
    .await;

    let daemon = daemon.restart();
    let (status, listed) = get_json(
        &daemon.client(),
        &daemon.url("/api/v1/users"),
        Some((OWNER, PASSWORD)),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let present: Vec<&str> = listed["users"]
        .as_array()
        .expect("users array")
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|e| !present.contains(&e.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost after kill -9: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    assert!(present.contains(&OWNER));
}

/// New tickets reach the search index in rounds after their commit; a round cut short by
/// `kill -9` is made up after the restart (the backlog sweep runs at start), so every
/// acknowledged ticket is found by search again within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_are_searchable_after_kill_9() {
    let mut daemon = Daemon::fresh();
    create_owner(&daemon, "Owner", OWNER, PASSWORD).await;
    let url = daemon.url("/api/v1/tickets");
    let acknowledged = acknowledged_until_kill9(&mut daemon, move |client, writer, n| {
        // One word no other ticket has, to search for.
        let word = format!("quasar{writer}x{n}");
        let body = serde_json::json!({
            "subject": format!("Durable ticket {writer}/{n}"),
            "message": format!("Please find {word} again."),
            "contact": {"email": format!("c{writer}@durable.example"), "name": "Dora"},
        });
        let request = client
            .post(&url)
            .basic_auth(OWNER, Some(PASSWORD))
            .json(&body);
        (request, word)
    })
    .await;

    let daemon = daemon.restart();
    let client = daemon.client();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut missing = acknowledged.clone();
    while !missing.is_empty() && Instant::now() < deadline {
        let mut still = Vec::new();
        for word in missing {
            let url = daemon.url(&format!("/api/v1/search?q={word}"));
            let (status, found) = get_json(&client, &url, Some((OWNER, PASSWORD))).await;
            assert_eq!(status, 200, "{found}");
            if found["tickets"].as_array().is_none_or(|t| t.len() != 1) {
                still.push(word);
            }
        }
        missing = still;
        if !missing.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged tickets not found by search after kill -9: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
}
