//! Every write the API acknowledged survives `kill -9`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Daemon, create_owner, get_json};

const OWNER: &str = "owner@durable.example";
const PASSWORD: &str = "owner password 123";
const WRITERS: usize = 8;
const ACKNOWLEDGED_BEFORE_KILL: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let mut daemon = Daemon::fresh();
    create_owner(&daemon, "Owner", OWNER, PASSWORD).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (progress_tx, mut progress) = tokio::sync::mpsc::unbounded_channel::<()>();
    let killed = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        // One connection per writer, so requests really run concurrently.
        let (client, url) = (daemon.client(), daemon.url("/api/v1/users"));
        let (acknowledged, progress_tx, killed) =
            (acknowledged.clone(), progress_tx.clone(), killed.clone());
        writers.spawn(async move {
            let mut answers = 0usize;
            for n in 0.. {
                let email = format!("agent-{writer}-{n}@durable.example");
                let body = serde_json::json!({
                    "email": email, "name": format!("Agent {writer}/{n}"),
                    "role": "agent", "password": "agent password 123",
                });
                let sent = client
                    .post(&url)
                    .basic_auth(OWNER, Some(PASSWORD))
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 201 => {
                        acknowledged.lock().unwrap().push(email);
                        answers += 1;
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
                        return answers;
                    }
                }
            }
            answers
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
