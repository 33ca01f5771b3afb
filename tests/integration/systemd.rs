//! The systemd contract: READY=1 only once the port accepts connections, STOPPING=1 and a
//! clean exit on SIGTERM, and socket activation.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::BIN;

fn receive_until(socket: &UnixDatagram, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no {wanted} from the daemon");
        socket.set_read_timeout(Some(left)).unwrap();
        let n = socket.recv(&mut buf).expect("notification");
        let message = String::from_utf8_lossy(&buf[..n]).into_owned();
        if message.lines().any(|l| l == wanted) {
            return message;
        }
    }
}

#[test]
fn ready_after_listening_and_stopping_on_sigterm() {
    let temp = tempfile::tempdir().unwrap();
    let notify_path = temp.path().join("notify");
    let socket = UnixDatagram::bind(&notify_path).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(temp.path().join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &notify_path)
        .env("WATCHDOG_USEC", "2000000")
        .env_remove("LISTEN_FDS")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = receive_until(&socket, "READY=1");
    let addr: SocketAddr = ready
        .lines()
        .find_map(|l| l.strip_prefix("STATUS=serving https on "))
        .expect("STATUS names the address")
        .parse()
        .unwrap();
    // The listener is bound before READY=1: connecting right now must work.
    TcpStream::connect(addr).expect("port open when READY=1 arrives");
    // With WATCHDOG_USEC set, the daemon pings the watchdog.
    receive_until(&socket, "WATCHDOG=1");

    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    receive_until(&socket, "STOPPING=1");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn socket_activation_uses_the_passed_listeners() {
    let temp = tempfile::tempdir().unwrap();
    let (https, http) = (free_port(), free_port());
    let mut child = Command::new("systemd-socket-activate")
        .args([
            "-l",
            &format!("127.0.0.1:{https}"),
            "-l",
            &format!("127.0.0.1:{http}"),
        ])
        .args(["--fdname=https:http", BIN, "serve", "--data-dir"])
        .arg(temp.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("systemd-socket-activate (package systemd) is needed");
    // It prints "Listening on ADDR as N." per socket, then starts the daemon on the first
    // connection, exactly like a .socket unit.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut listening_sockets = 0;
    while listening_sockets < 2 {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "socket-activate ended early"
        );
        if line.starts_with("Listening on ") {
            listening_sockets += 1;
        }
    }
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
        assert_eq!(redirect.status(), 308);
        assert_eq!(
            redirect.headers()["location"],
            format!("https://127.0.0.1:{https}/path?q=1").as_str()
        );
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let listening = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "daemon ended early"
        );
        if line.starts_with("listening on ") {
            break line.trim().to_string();
        }
    };
    assert_eq!(listening, format!("listening on https://127.0.0.1:{https}"));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert!(child.wait().unwrap().success());
}
