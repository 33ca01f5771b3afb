//! Every write the API acknowledged survives `kill -9`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Daemon, create_owner};

const OWNER: &str = "owner@durable.example";
const PASSWORD: &str = "owner password 123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let mut daemon = Daemon::start();
    create_owner(&daemon, "Owner", OWNER, PASSWORD).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..6 {
        let (client, url) = (daemon.client(), daemon.localhost_url("/api/v1/users"));
        let (acknowledged, count, stop) = (acknowledged.clone(), count.clone(), stop.clone());
        writers.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let email = format!("agent-{writer}-{n}@durable.example");
                let body = serde_json::json!({
                    "email": email, "name": "Agent", "role": "agent", "password": "agent password 123"
                });
                match client.post(&url).basic_auth(OWNER, Some(PASSWORD)).json(&body).send().await {
                    Ok(response) if response.status() == 201 => {
                        acknowledged.lock().unwrap().push(email);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(response) => panic!("unexpected answer {}", response.status()),
                    Err(_) => break, // the daemon died under us: this write was never acknowledged
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while count.load(Ordering::Relaxed) < 20 {
        assert!(
            Instant::now() < deadline,
            "too few writes were acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Writes are in flight right now.
    daemon.kill9();
    stop.store(true, Ordering::Relaxed);
    while writers.join_next().await.is_some() {}
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 20);

    let daemon = daemon.restart();
    let listed: serde_json::Value = daemon
        .client()
        .get(daemon.localhost_url("/api/v1/users"))
        .basic_auth(OWNER, Some(PASSWORD))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let present: Vec<&str> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|e| !present.contains(&e.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost: {lost:?}",
        lost.len()
    );
}
