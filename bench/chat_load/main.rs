//! Live-chat load on a real daemon (issue 7): idle visitor WebSockets and the daemon's
//! memory; active chats and the visitor→agent delivery latency.
//!
//! usage: cargo bench --bench chat_load -- [idle] [active] [--binary PATH]
//!        [--visitors N] [--hold SECS] [--chats C] [--agents A] [--rate R]
//!        [--visitor-share F] [--seconds S] [--warmup S] [--wave W] [--body-bytes B]
//!        [--client-threads T]
//!
//! With neither `idle` nor `active`, both run, each on a fresh daemon. The daemon is the
//! release binary cargo built next to this bench (`--binary` picks another); it gets its
//! own data dir (in `$BENCH_DIR` or the temp dir, a real disk: every acknowledged message
//! costs an fsync'd commit), an owner, a self-signed certificate and the defaults of the
//! product (nothing in its configuration is raised for the bench).
//!
//! `idle` (defaults: 10,000 visitors, 10 s hold): opens N visitor sockets, TLS 1.3 +
//! HTTP/1.1 upgrade on `wss://…/chat/ws` from an allowed origin, that then say nothing
//! (the widget's socket before or between chats; the client answers the server's pings).
//! Reports the daemon's VmRSS and VmHWM from /proc before and after, and per connection.
//!
//! `active` (defaults: 1,000 chats, 20 agents, 2,000 messages/s, half of them visitor→agent):
//! starts C chats as visitors, in waves of W that agents signed in to the panel accept on
//! `/agent/chat/ws` (a console follows at most 200 chats, so A agents share them); then
//! sends a paced total of R messages/s, `--visitor-share` of them visitor→agent (spread
//! evenly over the chats, open-loop: a slow answer does not slow the sender) and the rest
//! agent→visitor. Measures, after a warm-up, the time from a visitor's send to the agent's
//! receipt of the event (and the other way), and to the sender's `ack` (sent by the daemon
//! only after the commit that stores the message). The client id of each message carries
//! its send time, so no table of pending messages is needed.
//!
//! The daemon limits a visitor to 1 message/s sustained (burst 10) and an address to 10/s,
//! and chat starts to 10 per address: so each visitor connects from its own loopback
//! address (127.1.0.1, 127.1.0.2, …), and the default split keeps a visitor at 1 message/s.
//! RLIMIT_NOFILE is raised for this process and, inherited, for the daemon it starts.

mod active;
mod daemon;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use daemon::{Daemon, SHOP, visitor_address};

const USAGE: &str = "usage: cargo bench --bench chat_load -- [idle] [active] [--binary PATH] \
[--visitors N] [--hold SECS] [--chats C] [--agents A] [--rate R] [--visitor-share F] \
[--seconds S] [--warmup S] [--wave W] [--body-bytes B] [--client-threads T]";
#[derive(Debug, Clone)]
pub struct Options {
    idle: bool,
    active: bool,
    binary: PathBuf,
    visitors: usize,
    hold: u64,
    chats: usize,
    agents: usize,
    rate: f64,
    visitor_share: f64,
    seconds: u64,
    warmup: u64,
    wave: usize,
    body_bytes: usize,
    client_threads: usize,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut o = Options {
            idle: false,
            active: false,
            binary: PathBuf::from(env!("CARGO_BIN_EXE_helpdeskd")),
            visitors: 10_000,
            hold: 10,
            chats: 1_000,
            agents: 20,
            rate: 2_000.0,
            visitor_share: 0.5,
            seconds: 20,
            warmup: 5,
            wave: 100,
            body_bytes: 80,
            client_threads: 2,
        };
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| anyhow!("{arg} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "idle" => o.idle = true,
                "active" => o.active = true,
                "--binary" => o.binary = PathBuf::from(value()?),
                "--visitors" => o.visitors = value()?.parse()?,
                "--hold" => o.hold = value()?.parse()?,
                "--chats" => o.chats = value()?.parse()?,
                "--agents" => o.agents = value()?.parse()?,
                "--rate" => o.rate = value()?.parse()?,
                "--visitor-share" => o.visitor_share = value()?.parse()?,
                "--seconds" => o.seconds = value()?.parse()?,
                "--warmup" => o.warmup = value()?.parse()?,
                "--wave" => o.wave = value()?.parse()?,
                "--body-bytes" => o.body_bytes = value()?.parse()?,
                "--client-threads" => o.client_threads = value()?.parse()?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument `{other}`\n{USAGE}"),
            }
        }
        if !o.idle && !o.active {
            (o.idle, o.active) = (true, true);
        }
        if o.chats == 0 || o.agents == 0 || o.wave == 0 || o.client_threads == 0 {
            bail!("--chats, --agents, --wave and --client-threads must be at least 1");
        }
        if o.chats.div_ceil(o.agents) > 200 {
            bail!(
                "a console follows at most 200 chats: use at least {} agents",
                o.chats.div_ceil(200)
            );
        }
        if !(0.0..=1.0).contains(&o.visitor_share) {
            bail!("--visitor-share is a fraction, 0 to 1");
        }
        Ok(o)
    }
}

fn main() -> Result<()> {
    let options = Options::parse()?;
    let files = raise_open_files((options.visitors.max(options.chats) + 2_048) as u64)?;
    println!(
        "machine: {} cores; load average {}",
        cores(),
        load_average()
    );
    println!("open files allowed (this process and the daemon): {files}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.client_threads)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if options.idle {
            let daemon = Daemon::start(&options.binary).await?;
            idle(&daemon, &options).await?;
        }
        if options.active {
            let daemon = Daemon::start(&options.binary).await?;
            active::active(&daemon, &options).await?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Idle visitors: the daemon's memory
// ---------------------------------------------------------------------------------------

async fn idle(daemon: &Daemon, options: &Options) -> Result<()> {
    let n = options.visitors;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss0, _) = daemon.memory()?;
    let port = daemon.target.addr.port();
    println!(
        "\nidle: {n} visitor sockets on wss://localhost:{port}/chat/ws, held {} s",
        options.hold
    );
    println!("  daemon before: VmRSS {:.1} MiB", mib(rss0));
    let closed = Arc::new(AtomicU64::new(0));
    let handshakes = Arc::new(Semaphore::new(64));
    let (opened_tx, mut opened) = tokio::sync::mpsc::unbounded_channel();
    let mut sockets = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..n {
        let target = daemon.target.clone();
        let (closed, handshakes, opened_tx) =
            (closed.clone(), handshakes.clone(), opened_tx.clone());
        sockets.spawn(async move {
            let ws = {
                let _slot = handshakes.acquire().await;
                target
                    .socket("/chat/ws", SHOP, None, visitor_address(i))
                    .await
            };
            let _ = opened_tx.send(ws.as_ref().map(|_| ()).map_err(|e| e.to_string()));
            drop(opened_tx);
            let Ok(mut ws) = ws else {
                return;
            };
            // Idle: only read (which answers the daemon's pings) until the end.
            while let Some(Ok(_)) = ws.next().await {}
            closed.fetch_add(1, Ordering::Relaxed);
        });
    }
    drop(opened_tx);
    let (mut ok, mut failed) = (0usize, BTreeMap::<String, usize>::new());
    for _ in 0..n {
        let Some(result) = opened.recv().await else {
            break;
        };
        match result {
            Ok(()) => ok += 1,
            Err(e) => *failed.entry(e).or_default() += 1,
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "  opened {ok} of {n} in {took:.1} s ({:.0}/s); failed: {failed:?}",
        ok as f64 / took
    );
    println!(
        "  daemon right after: VmRSS {:.1} MiB",
        mib(daemon.memory()?.0)
    );
    tokio::time::sleep(Duration::from_secs(options.hold)).await;
    let (rss, hwm) = daemon.memory()?;
    let per_connection = rss.saturating_sub(rss0) as f64 / ok.max(1) as f64;
    println!(
        "  daemon after the hold: VmRSS {:.1} MiB, VmHWM {:.1} MiB: {per_connection:.1} KiB per connection",
        mib(rss),
        mib(hwm)
    );
    println!(
        "  closed by the daemon meanwhile: {}; its connections_open metric: {}",
        closed.load(Ordering::Relaxed),
        daemon.metric("helpdeskd_connections_open").await
    );
    println!("  this client: VmRSS {:.1} MiB", mib(own_rss()));
    let met = ok >= 10_000 && ok == n && (rss as f64) * 1024.0 <= 250e6;
    println!(
        "  target (10,000 sockets, VmRSS ≤ 250 MB = 238.4 MiB): {}",
        if met { "met" } else { "NOT met" }
    );
    sockets.shutdown().await;
    Ok(())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn own_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------

/// Raises this process's RLIMIT_NOFILE to at least `want` (up to the hard limit, or past it
/// when allowed to); the daemon it starts inherits it. Returns the soft limit now.
fn raise_open_files(want: u64) -> Result<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft >= want {
        return Ok(soft);
    }
    if want > hard && setrlimit(Resource::RLIMIT_NOFILE, want, want).is_ok() {
        return Ok(want);
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard.min(want.max(soft)), hard)?;
    let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < want {
        println!("warning: only {soft} open files allowed ({want} wanted): raise the hard limit");
    }
    Ok(soft)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
