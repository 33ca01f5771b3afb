//! The systemd contract as systemd sees it: READY=1 only once the port accepts connections,
//! watchdog pings, STOPPING=1 and exit 0 on SIGTERM, and socket activation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use nix::sys::signal::Signal;

use crate::harness::{BIN, Captured, DEADLINE, Daemon, KillOnDrop, Options};

/// The TCP sockets process `pid` is listening on, read from /proc at this instant.
fn listening_sockets(pid: i32) -> Vec<SocketAddr> {
    let mut inodes = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
    {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            let target = target.to_string_lossy().into_owned();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
            {
                inodes.push(inode.to_string());
            }
        }
    }
    let mut found = Vec::new();
    // /proc/net/tcp is read in pieces while other tests open and close sockets, and the
    // kernel may then list a socket twice: each inode counts once.
    let mut seen = std::collections::HashSet::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if fields.len() < 10
                || fields[3] != "0A"
                || !inodes.iter().any(|i| i == fields[9])
                || !seen.insert(fields[9].to_string())
            {
                continue;
            }
            let (ip, port) = fields[1].split_once(':').unwrap();
            let port = u16::from_str_radix(port, 16).unwrap();
            let ip: IpAddr = if ip.len() == 8 {
                let raw = u32::from_str_radix(ip, 16).unwrap();
                Ipv4Addr::from(raw.to_ne_bytes()).into()
            } else {
                let mut bytes = [0u8; 16];
                for (i, word) in bytes.chunks_mut(4).enumerate() {
                    let raw = u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).unwrap();
                    word.copy_from_slice(&raw.to_ne_bytes());
                }
                Ipv6Addr::from(bytes).into()
            };
            found.push(SocketAddr::new(ip, port));
        }
    }
    found
}

#[test]
fn ready_only_once_listening_and_stopping_on_sigterm() {
    let mut daemon = Daemon::spawn(Options::default().notify().env("WATCHDOG_USEC", "2000000"));
    daemon.notify().wait_for("READY=1");
    // At this instant, as systemd would start dependent units: the port must be bound and
    // accept a connection.
    let listening = listening_sockets(daemon.pid().as_raw());
    assert_eq!(
        listening.len(),
        1,
        "READY=1 arrived while the daemon listened on {listening:?}"
    );
    TcpStream::connect(listening[0]).expect("the port accepts connections at READY=1");
    // It is the address the daemon announces.
    let announced = daemon.wait_listening().expect("listening line");
    assert_eq!(announced, listening[0]);

    // With WATCHDOG_USEC set, the daemon pings the watchdog.
    daemon.notify().wait_for("WATCHDOG=1");

    daemon.signal(Signal::SIGTERM);
    daemon.notify().wait_for("STOPPING=1");
    let status = daemon.wait_exit();
    assert_eq!(status.code(), Some(0), "exit after SIGTERM: {status}");
}

/// The thread of `pid` that sits in a system call writing to a socket (write, sendto or
/// sendmsg), as the daemon does when its notification cannot be queued, with the number of
/// times that thread has gone to sleep. The count tells a new blocked send from the one the
/// test has just released: a woken thread shows its old system call in /proc until it gets
/// a CPU, but it can only block in a new one after sleeping once more.
fn blocked_in_send(pid: i32) -> Option<(String, u64)> {
    // x86_64: write 1, sendto 44, sendmsg 46; aarch64: write 64, sendto 206, sendmsg 211.
    let send_calls: &[&str] = if cfg!(target_arch = "aarch64") {
        &["64", "206", "211"]
    } else {
        &["1", "44", "46"]
    };
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    tasks.flatten().find_map(|task| {
        // The count first: read after the system call it could belong to a later sleep.
        let sleeps = std::fs::read_to_string(task.path().join("status"))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
            .trim()
            .parse::<u64>()
            .ok()?;
        let text = match std::fs::read_to_string(task.path().join("syscall")) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                panic!("this test needs to read /proc/PID/task/TID/syscall of its child: {e}")
            }
            Err(_) => return None, // the thread just ended
        };
        let mut fields = text.split_whitespace();
        let (call, fd) = (fields.next()?, fields.next()?);
        let fd = u64::from_str_radix(fd.trim_start_matches("0x"), 16).ok()?;
        let on_socket = send_calls.contains(&call)
            && std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        on_socket.then(|| (task.file_name().to_string_lossy().into_owned(), sleeps))
    })
}

#[test]
fn ready_is_sent_only_after_the_port_is_bound() {
    // The notify socket's queue starts full, so every notification blocks the daemon inside
    // its send until the test takes one datagram out. The test looks at the daemon's
    // listening sockets while it is stopped inside each notification, READY=1 included:
    // no timing is involved, so READY=1 sent even a microsecond before bind() fails here.
    let mut daemon = Daemon::spawn(Options::default().notify_backpressure());
    let pid = daemon.pid().as_raw();
    let deadline = Instant::now() + DEADLINE;
    // `listening[k]`: the sockets it listened on while blocked in its k-th notification.
    let mut listening: Vec<Vec<SocketAddr>> = Vec::new();
    let mut released = None;
    let started = |daemon: &Daemon| {
        daemon
            .stdout
            .text()
            .lines()
            .any(|l| l.starts_with("listening on "))
    };
    loop {
        let blocked = blocked_in_send(pid);
        if blocked.is_some() && blocked != released {
            listening.push(listening_sockets(pid));
            daemon.notify().recv_one(); // junk or not, this lets exactly one send through
            released = blocked;
            continue;
        }
        // The daemon prints its address only after READY=1: then it has nothing more to send.
        if started(&daemon) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon neither notified nor started"
        );
        assert!(
            std::path::Path::new(&format!("/proc/{pid}/task")).exists(),
            "the daemon exited"
        );
        std::thread::yield_now();
    }
    daemon.notify().drain();
    let notifications = daemon.notify().messages.clone();
    let ready = notifications
        .iter()
        .position(|m| m.lines().any(|l| l == "READY=1"))
        .unwrap_or_else(|| panic!("no READY=1 before `listening on`: {notifications:?}"));
    assert!(
        ready < listening.len(),
        "READY=1 was not sent before the `listening on` line: {notifications:?}"
    );
    assert!(
        !listening[ready].is_empty(),
        "READY=1 was sent before the HTTPS port was bound (notifications: {notifications:?})"
    );
    let announced = daemon.wait_listening().expect("listening line");
    assert_eq!(listening[ready], vec![announced]);
}

#[test]
fn sigint_also_stops_cleanly() {
    let mut daemon = Daemon::start(Options::default().notify());
    daemon.notify().wait_for("READY=1");
    daemon.signal(Signal::SIGINT);
    daemon.notify().wait_for("STOPPING=1");
    assert_eq!(daemon.wait_exit().code(), Some(0));
}

#[test]
fn no_ready_when_startup_fails() {
    // A port already taken: the daemon must exit non-zero without ever claiming readiness.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let mut options = Options::default().notify();
    options.listen = Some(listen);
    let mut daemon = Daemon::spawn(options);
    let status = daemon.wait_exit();
    assert_eq!(status.code(), Some(1), "{status}");
    let ready = daemon
        .notify()
        .try_wait_for("READY=1", std::time::Instant::now());
    assert!(
        ready.is_none(),
        "READY=1 sent by a daemon that failed to bind"
    );
}

/// An ephemeral port that is free right now (bound and released by the kernel's choice).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn socket_activation_serves_on_the_passed_sockets() {
    let temp = tempfile::tempdir().unwrap();
    let deadline = Instant::now() + DEADLINE;
    // A free port can be taken by a parallel test between our check and the activator's
    // bind; then the activator exits with "Address already in use" and we pick again.
    let mut attempts = 0;
    let (mut child, stdout, stderr, https, http) = loop {
        attempts += 1;
        let (https, http) = (free_port(), free_port());
        // systemd-socket-activate binds both, passes them named like the .socket units do,
        // and starts the daemon on the first connection.
        let mut child = KillOnDrop(
            Command::new("systemd-socket-activate")
                .args(["-l", &format!("127.0.0.1:{https}")])
                .args(["-l", &format!("127.0.0.1:{http}")])
                .args(["--fdname=https:http", BIN, "serve", "--data-dir"])
                .arg(temp.path().join("data"))
                .env_remove("NOTIFY_SOCKET")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("systemd-socket-activate (package systemd) is needed"),
        );
        let stdout = Arc::new(Captured::default());
        let stderr = Arc::new(Captured::default());
        Captured::spawn_reader(child.0.stdout.take().unwrap(), stdout.clone());
        Captured::spawn_reader(child.0.stderr.take().unwrap(), stderr.clone());
        let unbound = [https, http].into_iter().find(|port| {
            stderr
                .wait_line(deadline, |line| {
                    (line.starts_with("Listening on") && line.contains(&format!(":{port} ")))
                        .then_some(())
                })
                .is_none()
        });
        match unbound {
            None => break (child, stdout, stderr, https, http),
            Some(_) if attempts < 5 && stderr.text().contains("Address already in use") => {}
            Some(port) => panic!("socket-activate did not bind {port}:\n{}", stderr.text()),
        }
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let health = client
            .get(format!("https://127.0.0.1:{https}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let redirect = client
            .get(format!("http://127.0.0.1:{http}/path?q=1"))
            .send()
            .await
            .unwrap();
        assert!(redirect.status().is_redirection(), "{}", redirect.status());
        assert_eq!(
            redirect.headers()["location"],
            format!("https://127.0.0.1:{https}/path?q=1").as_str()
        );
    });
    let listening = stdout
        .wait_line(deadline, |line| {
            line.strip_prefix("listening on ").map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no listening line:\n{}{}", stdout.text(), stderr.text()));
    assert_eq!(listening, format!("https://127.0.0.1:{https}"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        Signal::SIGTERM,
    )
    .unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status}\n{}", stderr.text());
}
