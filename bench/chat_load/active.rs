//! Active chats: C chats started by visitors and accepted by A agents, then a paced rate
//! of messages both ways; delivery and acknowledgement latencies.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::daemon::{Daemon, SHOP, Target, Ws, next_json, send_json, visitor_address};
use crate::{Options, mib};

/// The run's clock: the client id of every message is `v` or `a` and its send time in µs
/// after `t0`; the window is when sends are measured.
#[derive(Clone, Copy)]
struct Clock {
    t0: Instant,
    measure_from: Instant,
    measure_until: Instant,
    /// Sockets stop reading here, a few seconds after the last measured send.
    stop: Instant,
}

impl Clock {
    fn stamp(&self, side: char) -> (String, Instant) {
        let now = Instant::now();
        (
            format!("{side}{}", now.duration_since(self.t0).as_micros()),
            now,
        )
    }

    /// The latency in µs of a message whose client id `stamp` is from `side`, if it was
    /// sent in the window.
    fn latency(&self, stamp: Option<&str>, side: char) -> Option<u64> {
        let micros: u64 = stamp?.strip_prefix(side)?.parse().ok()?;
        let sent = self.t0 + Duration::from_micros(micros);
        if sent < self.measure_from || sent >= self.measure_until {
            return None;
        }
        Some(Instant::now().duration_since(sent).as_micros() as u64)
    }

    fn measuring(&self, at: Instant) -> bool {
        at >= self.measure_from && at < self.measure_until
    }
}

/// What one socket saw; merged at the end.
#[derive(Default)]
struct Tally {
    /// Visitor's send → the agent's receipt of the event (µs).
    to_agent: Vec<u64>,
    /// Visitor's send → its `ack` (the commit's round trip).
    visitor_ack: Vec<u64>,
    to_visitor: Vec<u64>,
    agent_ack: Vec<u64>,
    sent_by_visitors: u64,
    sent_by_agents: u64,
    errors: BTreeMap<String, u64>,
    closed: u64,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.to_agent.extend(other.to_agent);
        self.visitor_ack.extend(other.visitor_ack);
        self.to_visitor.extend(other.to_visitor);
        self.agent_ack.extend(other.agent_ack);
        self.sent_by_visitors += other.sent_by_visitors;
        self.sent_by_agents += other.sent_by_agents;
        for (code, count) in other.errors {
            *self.errors.entry(code).or_default() += count;
        }
        self.closed += other.closed;
    }

    /// Takes one frame a socket received.
    fn frame(&mut self, clock: &Clock, text: &str, own: char) {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            *self.errors.entry("unparsable frame".into()).or_default() += 1;
            return;
        };
        let stamp = frame["client_id"].as_str();
        let (acks, deliveries, other) = match own {
            'v' => (&mut self.visitor_ack, &mut self.to_visitor, 'a'),
            _ => (&mut self.agent_ack, &mut self.to_agent, 'v'),
        };
        match frame["type"].as_str() {
            Some("ack") => acks.extend(clock.latency(stamp, own)),
            Some("message") => deliveries.extend(clock.latency(stamp, other)),
            Some("error") => {
                let code = frame["code"].as_str().unwrap_or("?").to_string();
                *self.errors.entry(code).or_default() += 1;
            }
            _ => {}
        }
    }
}

/// One side's sending schedule: every `period` from `first`, to the chats in turn.
struct Pace {
    first: Instant,
    period: Option<Duration>,
}

impl Pace {
    fn new(clock: &Clock, rate: f64, phase: f64) -> Pace {
        let period = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
        let offset = period.map_or(Duration::ZERO, |p| p.mul_f64(phase));
        Pace {
            first: clock.t0 + offset,
            period,
        }
    }
}

/// Sends `side`'s messages at its pace (open loop: ticks missed while a send waited are
/// caught up) and reads everything the socket receives, until the clock's stop.
async fn drive(
    mut ws: Ws,
    clock: Clock,
    pace: Pace,
    side: char,
    chats: Vec<i64>,
    body: Arc<str>,
) -> Tally {
    let mut tally = Tally::default();
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::from_std(pace.first),
        pace.period.unwrap_or(Duration::from_secs(3600)),
    );
    let mut sending = pace.period.is_some();
    let stop = tokio::time::sleep_until(tokio::time::Instant::from_std(clock.stop));
    tokio::pin!(stop);
    let mut turn = 0usize;
    loop {
        tokio::select! {
            _ = tick.tick(), if sending => {
                let (client_id, at) = clock.stamp(side);
                if at >= clock.measure_until {
                    sending = false;
                    continue;
                }
                let mut frame = json!({"type": "message", "client_id": client_id, "body": &*body});
                if side == 'a' {
                    frame["chat"] = json!(chats[turn % chats.len()]);
                    turn += 1;
                }
                if ws.send(Message::text(frame.to_string())).await.is_err() {
                    tally.closed += 1;
                    break;
                }
                if clock.measuring(at) {
                    match side {
                        'v' => tally.sent_by_visitors += 1,
                        _ => tally.sent_by_agents += 1,
                    }
                }
            }
            next = ws.next() => match next {
                Some(Ok(Message::Text(text))) => tally.frame(&clock, text.as_str(), side),
                Some(Ok(Message::Close(_)) | Err(_)) | None => {
                    tally.closed += 1;
                    break;
                }
                Some(Ok(_)) => {}
            },
            _ = &mut stop => break,
        }
    }
    tally
}

pub async fn active(daemon: &Daemon, options: &Options) -> Result<()> {
    let (chats, agents) = (options.chats, options.agents);
    let per_agent = chats.div_ceil(agents);
    println!("\nactive: {chats} chats, {agents} agents ({per_agent} chats each at most)");

    // Routing (when the daemon has it) caps the chats an agent may take.
    let settings = daemon
        .api(reqwest::Method::GET, "/api/v1/chat/settings", None)
        .await?;
    if let Some(limit) = settings.get("agent_limit") {
        let patch = json!({"agent_limit": per_agent.clamp(1, 100)});
        daemon
            .api(reqwest::Method::PUT, "/api/v1/chat/settings", Some(patch))
            .await?;
        println!("  chat settings: agent_limit {limit} raised to {per_agent}");
        if per_agent > 100 {
            println!("  (agent_limit is at most 100: use more agents)");
        }
    }

    let mut consoles = Vec::with_capacity(agents);
    for k in 0..agents {
        let (email, password) = (
            format!("agent{k}@load.example"),
            format!("agent password {k:03}"),
        );
        let user = json!({"email": email, "name": format!("Agent {k}"), "role": "agent", "password": password});
        daemon
            .api(reqwest::Method::POST, "/api/v1/users", Some(user))
            .await?;
        let session = daemon.sign_in(&email, &password).await?;
        let origin = daemon.target.panel_origin();
        let mut ws = daemon
            .target
            .socket(
                "/agent/chat/ws",
                &origin,
                Some(&session),
                Ipv4Addr::LOCALHOST,
            )
            .await?;
        // The console's first frames: the list of chats (and, with routing, the agent's
        // presence).
        while next_json(&mut ws).await?["type"] != "chats" {}
        consoles.push(ws);
    }
    println!("  {agents} agents signed in, consoles open");

    // Chats start in waves that the agents accept, as they would in a queue.
    let started = Instant::now();
    let mut visitors: Vec<(Ws, i64)> = Vec::with_capacity(chats);
    let mut assigned: Vec<Vec<i64>> = vec![Vec::new(); agents];
    for wave in (0..chats).step_by(options.wave) {
        let ids = wave..(wave + options.wave).min(chats);
        let starting = ids.clone().map(|i| start_chat(&daemon.target, i));
        let new = futures_util::future::try_join_all(starting).await?;
        let mut to_accept: Vec<Vec<i64>> = vec![Vec::new(); agents];
        for (i, (_, chat)) in ids.zip(&new) {
            to_accept[i % agents].push(*chat);
            assigned[i % agents].push(*chat);
        }
        let accepting = consoles
            .iter_mut()
            .zip(to_accept)
            .map(|(ws, chats)| accept_all(ws, chats));
        futures_util::future::try_join_all(accepting).await?;
        visitors.extend(new);
    }
    println!(
        "  {chats} chats started and accepted in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let to_agents = options.rate * options.visitor_share;
    let to_visitors = options.rate - to_agents;
    println!(
        "  pace: {to_agents:.0} messages/s visitor→agent ({:.2}/s per visitor), {to_visitors:.0}/s agent→visitor; \
         {} s warm-up, {} s measured; {}-byte bodies",
        to_agents / chats as f64,
        options.warmup,
        options.seconds,
        options.body_bytes
    );
    if to_agents / chats as f64 > 1.0 {
        println!(
            "  (the daemon allows a visitor 1 message/s after a burst of 10: expect `rate_limited`)"
        );
    }
    let body: Arc<str> = "Hello, I have a question about my order, could you check it please? "
        .repeat(options.body_bytes / 60 + 1)
        .chars()
        .take(options.body_bytes.max(1))
        .collect::<String>()
        .into();
    let t0 = Instant::now() + Duration::from_millis(200);
    let measure_from = t0 + Duration::from_secs(options.warmup);
    let measure_until = measure_from + Duration::from_secs(options.seconds);
    let clock = Clock {
        t0,
        measure_from,
        measure_until,
        stop: measure_until + Duration::from_secs(3),
    };
    let mut running = tokio::task::JoinSet::new();
    for (i, (ws, chat)) in visitors.into_iter().enumerate() {
        let pace = Pace::new(&clock, to_agents / chats as f64, i as f64 / chats as f64);
        running.spawn(drive(ws, clock, pace, 'v', vec![chat], body.clone()));
    }
    for (k, (ws, chats)) in consoles.into_iter().zip(assigned).enumerate() {
        let rate = to_visitors / agents as f64;
        let pace = Pace::new(&clock, rate, k as f64 / agents as f64);
        running.spawn(drive(ws, clock, pace, 'a', chats, body.clone()));
    }

    let metric = |name: &'static str| daemon.metric(name);
    tokio::time::sleep_until(tokio::time::Instant::from_std(measure_from)).await;
    let (cpu0, commits0, writes0) = (
        daemon.cpu_seconds(),
        metric("helpdeskd_db_commits{database=\"account-").await,
        metric("helpdeskd_db_writes{database=\"account-").await,
    );
    tokio::time::sleep_until(tokio::time::Instant::from_std(measure_until)).await;
    let (cpu1, commits1, writes1) = (
        daemon.cpu_seconds(),
        metric("helpdeskd_db_commits{database=\"account-").await,
        metric("helpdeskd_db_writes{database=\"account-").await,
    );
    let mut tally = Tally::default();
    while let Some(done) = running.join_next().await {
        tally.merge(done?);
    }
    let (rss, hwm) = daemon.memory()?;

    let seconds = options.seconds as f64;
    let delivered = |v: &Vec<u64>| v.len() as f64 / seconds;
    println!(
        "  visitor→agent: sent {:.0}/s, delivered {:.0}/s; latency {}",
        tally.sent_by_visitors as f64 / seconds,
        delivered(&tally.to_agent),
        percentiles(&mut tally.to_agent)
    );
    println!(
        "    visitor's ack (durable commit): {}",
        percentiles(&mut tally.visitor_ack)
    );
    println!(
        "  agent→visitor: sent {:.0}/s, delivered {:.0}/s; latency {}",
        tally.sent_by_agents as f64 / seconds,
        delivered(&tally.to_visitor),
        percentiles(&mut tally.to_visitor)
    );
    println!(
        "    agent's ack (durable commit): {}",
        percentiles(&mut tally.agent_ack)
    );
    let lost_to_agents = tally
        .sent_by_visitors
        .saturating_sub(tally.to_agent.len() as u64);
    let lost_to_visitors = tally
        .sent_by_agents
        .saturating_sub(tally.to_visitor.len() as u64);
    let unacked = (tally.sent_by_visitors + tally.sent_by_agents)
        .saturating_sub((tally.visitor_ack.len() + tally.agent_ack.len()) as u64);
    println!(
        "  not delivered within 3 s after the window: {lost_to_agents} to agents, {lost_to_visitors} to visitors; \
         not acknowledged: {unacked}; error frames: {:?}; sockets closed: {}",
        tally.errors, tally.closed
    );
    let messages = (tally.sent_by_visitors + tally.sent_by_agents).max(1) as f64;
    println!(
        "  daemon: {:.0} % of a core, {:.0} µs CPU per message; {:.1} messages per commit \
         ({:.0} commits/s); VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        (cpu1 - cpu0) / seconds * 100.0,
        (cpu1 - cpu0) * 1e6 / messages,
        (writes1 - writes0) / (commits1 - commits0).max(1.0),
        (commits1 - commits0) / seconds,
        mib(rss),
        mib(hwm)
    );
    let p99 = nearest_rank(&tally.to_agent, 99.0);
    let met = chats >= 1_000
        && options.rate >= 2_000.0
        && p99.is_some_and(|p| p <= 25_000)
        && lost_to_agents == 0
        && unacked == 0
        && tally.errors.is_empty();
    println!(
        "  target (1,000 chats, 2,000 messages/s, visitor→agent p99 ≤ 25 ms, nothing lost): {}",
        if met { "met" } else { "NOT met" }
    );
    Ok(())
}

/// Visitor `i` opens its socket from its own address and starts a chat; returns the
/// socket and the chat's id.
async fn start_chat(target: &Target, i: usize) -> Result<(Ws, i64)> {
    let mut ws = target
        .socket("/chat/ws", SHOP, None, visitor_address(i))
        .await?;
    let start = json!({
        "type": "start", "name": format!("Visitor {i}"), "email": format!("visitor{i}@load.example"),
        "message": "Hello, I need help with my order.", "client_id": format!("s{i}"),
        "consent": true, "locale": "en",
    });
    send_json(&mut ws, &start).await?;
    loop {
        let frame = next_json(&mut ws).await?;
        match frame["type"].as_str() {
            Some("started") => {
                let chat = frame["chat"]
                    .as_i64()
                    .ok_or_else(|| anyhow!("no chat id in {frame}"))?;
                return Ok((ws, chat));
            }
            Some("error") => bail!("visitor {i}: start refused: {frame}"),
            _ => {}
        }
    }
}

/// An agent accepts `chats` and waits until it has joined each.
async fn accept_all(ws: &mut Ws, chats: Vec<i64>) -> Result<()> {
    for &chat in &chats {
        send_json(ws, &json!({"type": "accept", "chat": chat})).await?;
    }
    let mut waiting: HashSet<i64> = chats.into_iter().collect();
    while !waiting.is_empty() {
        let frame = next_json(ws).await?;
        match frame["type"].as_str() {
            Some("agent_joined") => {
                waiting.remove(&frame["chat"].as_i64().unwrap_or_default());
            }
            Some("error") => bail!("accept refused: {frame}"),
            _ => {}
        }
    }
    Ok(())
}

/// The value at percentile `p` (nearest rank) of sorted `values`.
fn nearest_rank(sorted: &[u64], p: f64) -> Option<u64> {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied()
}

fn percentiles(values: &mut [u64]) -> String {
    values.sort_unstable();
    let ms = |p: f64| {
        nearest_rank(values, p).map_or("-".into(), |v| format!("{:.2}", v as f64 / 1000.0))
    };
    format!(
        "p50 {} / p95 {} / p99 {} / max {} ms (n = {})",
        ms(50.0),
        ms(95.0),
        ms(99.0),
        ms(100.0),
        values.len()
    )
}
