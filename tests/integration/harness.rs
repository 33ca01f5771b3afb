//! Starting the real daemon, running the CLI, talking HTTPS and the systemd protocol to them.
//!
//! A `Daemon` owns its process and a fresh temporary directory (data dir, config file, notify
//! socket). Everything the process writes is captured. If the test panics while a `Daemon`
//! is alive, dropping it prints the command, the config, the data dir's files and all captured
//! output, so a failure in CI explains itself. Nothing here sleeps to wait for readiness: the
//! daemon says when it is ready (stdout line, `READY=1`) and every wait has a deadline.

#![allow(dead_code)]

pub mod browser;
mod cli;
mod files;
mod notify;
mod output;
pub mod smtp_sink;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub use cli::{cli_ok, cli_ok_stdin, run_cli, run_cli_with};
pub use files::{
    create_owner, files_under, fresh_dir, get_json, post_setup, random_hex, snapshot, token_of,
};
pub use notify::NotifySocket;
pub use output::Captured;

pub const BIN: &str = env!("CARGO_BIN_EXE_helpdeskd");

/// The bound on every wait: start, stop, a CLI run, a notification.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Variables of the environment the test runner may have that would change what the
/// daemon does (systemd's protocol, credentials, configuration overrides).
const INHERITED_NOISE: &[&str] = &[
    "NOTIFY_SOCKET",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
    "JOURNAL_STREAM",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "CREDENTIALS_DIRECTORY",
];

/// Applies the test's environment: nothing of the runner's systemd context or `HELPDESKD_*`.
fn isolate(command: &mut Command) {
    for name in INHERITED_NOISE {
        command.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HELPDESKD_") {
            command.env_remove(name);
        }
    }
}

/// How to start `helpdeskd serve`. `Options::default()` is a fresh data dir on
/// `--listen 127.0.0.1:0`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Extra arguments after `serve ... --data-dir D [--listen L]`.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Written to `<temp>/helpdeskd.toml` and passed with `--config`.
    pub config: Option<String>,
    /// Use this data dir instead of `<temp>/data`.
    pub data_dir: Option<PathBuf>,
    /// `--listen` value; `None` passes no `--listen` (the config decides).
    pub listen: Option<String>,
    /// Own a `NOTIFY_SOCKET` and pass it to the daemon.
    pub notify: bool,
    /// Fill that socket's queue before the start (see `NotifySocket::fill_queue`).
    pub notify_full: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            args: Vec::new(),
            env: Vec::new(),
            config: None,
            data_dir: None,
            listen: Some("127.0.0.1:0".into()),
            notify: false,
            notify_full: false,
        }
    }
}

impl Options {
    pub fn config(mut self, text: impl Into<String>) -> Options {
        self.config = Some(text.into());
        self
    }
    pub fn env(mut self, name: &str, value: &str) -> Options {
        self.env.push((name.into(), value.into()));
        self
    }
    pub fn arg(mut self, arg: &str) -> Options {
        self.args.push(arg.into());
        self
    }
    pub fn data_dir(mut self, dir: &Path) -> Options {
        self.data_dir = Some(dir.to_path_buf());
        self
    }
    pub fn no_listen_flag(mut self) -> Options {
        self.listen = None;
        self
    }
    pub fn notify(mut self) -> Options {
        self.notify = true;
        self
    }
    /// A `NOTIFY_SOCKET` whose queue starts full, so each notification blocks the daemon.
    pub fn notify_backpressure(mut self) -> Options {
        self.notify = true;
        self.notify_full = true;
        self
    }
}

/// No `listening on` line: the daemon ended first, or `timed_out`.
#[derive(Debug)]
pub struct NotListening {
    pub timed_out: bool,
}

impl std::fmt::Display for NotListening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.timed_out {
            write!(f, "no `listening on https://` line within {DEADLINE:?}")
        } else {
            write!(
                f,
                "stdout closed (the daemon exited) before `listening on https://`"
            )
        }
    }
}

/// Why a daemon did not become ready.
pub struct StartFailure {
    /// `None` when it was still running at the deadline (then it was killed).
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
}

impl StartFailure {
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

impl std::fmt::Debug for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {:?}\n---- stdout:\n{}---- stderr:\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

pub struct Daemon {
    child: Option<Child>,
    /// Holds the data dir (unless reused), the config file and the notify socket.
    temp: Arc<tempfile::TempDir>,
    pub data_dir: PathBuf,
    pub config_file: Option<PathBuf>,
    addr: Option<SocketAddr>,
    pub stdout: Arc<Captured>,
    pub stderr: Arc<Captured>,
    readers: Vec<JoinHandle<()>>,
    notify: Option<NotifySocket>,
    command: String,
    options: Options,
}

impl Daemon {
    /// Starts the daemon and waits until it prints `listening on https://...`.
    pub fn start(options: Options) -> Daemon {
        let mut daemon = Daemon::spawn(options);
        if let Err(why) = daemon.wait_listening() {
            // Panicking with `daemon` alive: its Drop prints everything it said.
            panic!("helpdeskd did not start: {why}");
        }
        daemon
    }

    /// A daemon in a fresh data dir with the built-in defaults.
    pub fn fresh() -> Daemon {
        Daemon::start(Options::default())
    }

    /// Starts the daemon expecting it may refuse; the failure holds its exit status and output.
    pub fn try_start(options: Options) -> Result<Daemon, StartFailure> {
        let mut daemon = Daemon::spawn(options);
        let Err(why) = daemon.wait_listening() else {
            return Ok(daemon);
        };
        let status = if why.timed_out {
            // Still running (or hung): kill it; there is no exit status to report.
            if let Some(mut child) = daemon.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
            daemon.join_readers();
            None
        } else {
            // stdout closed: the process is ending; reap it (bounded).
            Some(daemon.wait_exit())
        };
        Err(StartFailure {
            status,
            stdout: daemon.stdout.text(),
            stderr: daemon.stderr.text(),
            command: daemon.command.clone(),
        })
    }

    /// Spawns `helpdeskd serve` without waiting for anything.
    pub fn spawn(options: Options) -> Daemon {
        let temp = Arc::new(tempfile::tempdir().expect("temp dir"));
        Daemon::spawn_in(temp, options)
    }

    fn spawn_in(temp: Arc<tempfile::TempDir>, options: Options) -> Daemon {
        let data_dir = options
            .data_dir
            .clone()
            .unwrap_or_else(|| temp.path().join("data"));
        let mut args: Vec<String> = vec!["serve".into()];
        let config_file = options.config.as_ref().map(|text| {
            let path = temp.path().join("helpdeskd.toml");
            std::fs::write(&path, text).expect("write the config file");
            args.extend(["--config".into(), path.display().to_string()]);
            path
        });
        args.extend(["--data-dir".into(), data_dir.display().to_string()]);
        if let Some(listen) = &options.listen {
            args.extend(["--listen".into(), listen.clone()]);
        }
        args.extend(options.args.iter().cloned());

        let mut command = Command::new(BIN);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        isolate(&mut command);
        let notify = options.notify.then(|| {
            let mut socket = NotifySocket::bind(temp.path());
            if options.notify_full {
                socket.fill_queue();
            }
            socket
        });
        if let Some(notify) = &notify {
            command.env("NOTIFY_SOCKET", &notify.path);
        }
        for (name, value) in &options.env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn helpdeskd");
        let stdout = Arc::new(Captured::default());
        let stderr = Arc::new(Captured::default());
        let readers = vec![
            Captured::spawn_reader(child.stdout.take().expect("stdout"), stdout.clone()),
            Captured::spawn_reader(child.stderr.take().expect("stderr"), stderr.clone()),
        ];
        let mut env: Vec<String> = options
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        if let Some(notify) = &notify {
            env.push(format!("NOTIFY_SOCKET={} ", notify.path.display()));
        }
        Daemon {
            child: Some(child),
            temp,
            data_dir,
            config_file,
            addr: None,
            stdout,
            stderr,
            readers,
            notify,
            command: format!("{}{BIN} {}", env.concat(), args.join(" ")),
            options,
        }
    }

    /// Waits (bounded) for `listening on https://ADDR`; the error says why it did not come.
    pub fn wait_listening(&mut self) -> Result<SocketAddr, NotListening> {
        let deadline = Instant::now() + DEADLINE;
        let found = self.stdout.wait_line(deadline, |line| {
            line.strip_prefix("listening on https://")
                .map(|rest| rest.trim().parse::<SocketAddr>())
        });
        let timed_out = Instant::now() >= deadline;
        match found {
            Some(Ok(addr)) => {
                self.addr = Some(addr);
                Ok(addr)
            }
            Some(Err(e)) => panic!("unparsable `listening on` address: {e}"),
            None => Err(NotListening { timed_out }),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the daemon has not said where it listens")
    }

    /// `https://localhost:PORT/path`: the name the self-signed certificate carries.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr().port())
    }

    /// A URL on `host` that reaches this daemon through `client_for_hosts`.
    pub fn host_url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.addr().port())
    }

    pub fn data_arg(&self) -> String {
        self.data_dir.display().to_string()
    }

    pub fn temp_dir(&self) -> &Path {
        self.temp.path()
    }

    /// The `setup link: ...` line the daemon printed (waiting for it, bounded).
    pub fn setup_link(&self) -> String {
        self.stdout
            .wait_line(Instant::now() + DEADLINE, |line| {
                line.strip_prefix("setup link: ").map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no setup link printed:\n{}", self.stdout.text()))
    }

    pub fn setup_token(&self) -> String {
        token_of(&self.setup_link())
    }

    pub fn notify(&mut self) -> &mut NotifySocket {
        self.notify
            .as_mut()
            .expect("started with Options::notify()")
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.as_ref().expect("running").id() as i32)
    }

    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).expect("send a signal to the daemon");
    }

    /// `kill -9`: no chance to flush or close anything.
    pub fn kill9(&mut self) {
        self.signal(Signal::SIGKILL);
        let status = self.wait_exit();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
    }

    /// SIGTERM, then waits for the exit (bounded). Blocks the thread: from an async test
    /// that holds connections, use `terminate_async` so their tasks keep running.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal(Signal::SIGTERM);
        self.wait_exit()
    }

    /// SIGTERM, then waits for the exit without blocking the async runtime.
    pub async fn terminate_async(&mut self) -> ExitStatus {
        self.signal(Signal::SIGTERM);
        let mut child = self.child.take().expect("running");
        let pid = child.id();
        let waiting = tokio::task::spawn_blocking(move || child.wait());
        match tokio::time::timeout(DEADLINE, waiting).await {
            Ok(Ok(Ok(status))) => {
                self.join_readers();
                status
            }
            Ok(other) => panic!("waiting for the daemon failed: {other:?}"),
            Err(_) => {
                let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
                panic!("the daemon did not exit within {DEADLINE:?} of SIGTERM");
            }
        }
    }

    /// Waits for the process to end (bounded; killed and a panic after the deadline).
    pub fn wait_exit(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(DEADLINE) {
            Ok(Ok(status)) => {
                self.join_readers();
                status
            }
            Ok(Err(e)) => panic!("waiting for the daemon: {e}"),
            Err(_) => {
                let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
                panic!("the daemon did not exit within {DEADLINE:?}");
            }
        }
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Stops this daemon (SIGTERM, unless it already ended) and starts another on the same
    /// data dir, config and options.
    pub fn restart(mut self) -> Daemon {
        if self.child.is_some() {
            let status = self.terminate();
            assert!(status.success(), "stop before restart: {status}");
        }
        let mut options = self.options.clone();
        options.data_dir = Some(self.data_dir.clone());
        let mut next = Daemon::spawn_in(self.temp.clone(), options);
        if let Err(why) = next.wait_listening() {
            panic!("helpdeskd did not restart: {why}");
        }
        next
    }

    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// An HTTPS client that trusts only the daemon's own `<data_dir>/tls/cert.pem` and
    /// reaches it as `localhost` (use `url`).
    pub fn client(&self) -> reqwest::Client {
        let pem = std::fs::read(self.data_dir.join("tls/cert.pem")).expect("tls/cert.pem");
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("cert.pem"))
            .resolve("localhost", self.addr())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A client that sends these host names to this daemon (use `host_url`). It does not
    /// check the certificate, which does not name them.
    pub fn client_for_hosts(&self, hosts: &[&str]) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none());
        for host in hosts {
            builder = builder.resolve(host, self.addr());
        }
        builder.build().expect("client")
    }

    fn dump(&self) {
        eprintln!("==== helpdeskd: {}", self.command);
        if let Some(path) = &self.config_file {
            eprintln!(
                "==== config {}:\n{}",
                path.display(),
                std::fs::read_to_string(path).unwrap_or_default()
            );
        }
        eprintln!("==== data dir {}:", self.data_dir.display());
        for file in files_under(&self.data_dir) {
            let meta = std::fs::metadata(&file).ok();
            eprintln!(
                "  {:o} {:>9} {}",
                meta.as_ref()
                    .map(|m| m.permissions().mode() & 0o7777)
                    .unwrap_or(0),
                meta.map(|m| m.len()).unwrap_or(0),
                file.display()
            );
        }
        if let Some(notify) = &self.notify {
            eprintln!("==== NOTIFY_SOCKET datagrams: {:?}", notify.messages);
        }
        eprintln!("==== stdout:\n{}", self.stdout.text());
        eprintln!("==== stderr:\n{}", self.stderr.text());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            self.join_readers();
            self.dump();
        }
    }
}

/// Kills a child process when dropped (a test that panics leaves nothing running).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
