//! Starting the daemon, running the CLI, and HTTPS clients, for the tests.
//!
//! A `Daemon` owns its process and its data dir. If a test panics, dropping the daemon prints
//! the command, the data dir's files and everything the daemon wrote, so a failure in CI
//! explains itself.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub const BIN: &str = env!("CARGO_BIN_EXE_helpdeskd");
const START_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Default, Clone)]
pub struct Options {
    /// Reuse this data dir instead of a fresh one.
    pub data_dir: Option<PathBuf>,
    /// Write this text as the config file and pass `--config`.
    pub config: Option<String>,
    pub env: Vec<(String, String)>,
}

pub struct Daemon {
    child: Option<Child>,
    pub data_dir: PathBuf,
    _temp: Option<Arc<tempfile::TempDir>>,
    pub addr: SocketAddr,
    pub setup_link: Option<String>,
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
    command: String,
    options: Options,
}

/// Why a daemon did not become ready.
#[derive(Debug)]
pub struct StartFailure {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

pub fn fresh_dir() -> (Arc<tempfile::TempDir>, PathBuf) {
    let temp = Arc::new(tempfile::tempdir().expect("temp dir"));
    let data = temp.path().join("data");
    (temp, data)
}

impl Daemon {
    pub fn start() -> Daemon {
        Daemon::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Daemon {
        match Daemon::try_start(options) {
            Ok(daemon) => daemon,
            Err(failure) => panic!("daemon did not start: {failure:#?}"),
        }
    }

    pub fn try_start(options: Options) -> Result<Daemon, StartFailure> {
        let (temp, data_dir) = match &options.data_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let (temp, dir) = fresh_dir();
                (Some(temp), dir)
            }
        };
        let mut args: Vec<String> = vec!["serve".into()];
        if let Some(text) = &options.config {
            let path = data_dir.with_file_name("helpdeskd.toml");
            std::fs::create_dir_all(path.parent().expect("parent")).expect("config dir");
            std::fs::write(&path, text).expect("write config");
            args.extend(["--config".into(), path.display().to_string()]);
        }
        args.extend([
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ]);
        let mut command = Command::new(BIN);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("NOTIFY_SOCKET")
            .env_remove("LISTEN_FDS")
            .env_remove("JOURNAL_STREAM");
        for (key, value) in &options.env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("spawn helpdeskd");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines) = mpsc::channel::<String>();
        let out = child.stdout.take().expect("stdout");
        let buffer = stdout.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                buffer.lock().expect("lock").push_str(&format!("{line}\n"));
                let _ = lines_tx.send(line);
            }
        });
        let err = child.stderr.take().expect("stderr");
        let buffer = stderr.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(err);
            let mut chunk = [0u8; 4096];
            while let Ok(n) = reader.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buffer
                    .lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let deadline = Instant::now() + START_DEADLINE;
        let mut setup_link = None;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(link) = line.strip_prefix("setup link: ") {
                        setup_link = Some(link.to_string());
                    }
                    if let Some(rest) = line.strip_prefix("listening on https://") {
                        break rest.parse::<SocketAddr>().expect("listen address");
                    }
                }
                Err(_) => {
                    let status = child.wait().ok();
                    // Let the reader threads drain.
                    std::thread::sleep(Duration::from_millis(50));
                    return Err(StartFailure {
                        status,
                        stdout: stdout.lock().expect("lock").clone(),
                        stderr: stderr.lock().expect("lock").clone(),
                    });
                }
            }
        };
        Ok(Daemon {
            child: Some(child),
            data_dir,
            _temp: temp,
            addr,
            setup_link,
            stdout,
            stderr,
            command: format!("{BIN} {}", args.join(" ")),
            options,
        })
    }

    /// Starts another daemon on the same data dir (after this one stopped).
    pub fn restart(mut self) -> Daemon {
        self.stop_quietly();
        let mut options = self.options.clone();
        options.data_dir = Some(self.data_dir.clone());
        options.config = None; // the config file stays where it was written
        let config_path = self.data_dir.with_file_name("helpdeskd.toml");
        let mut daemon = if config_path.exists() && self.options.config.is_some() {
            options.config = Some(std::fs::read_to_string(&config_path).expect("config"));
            Daemon::start_with(options)
        } else {
            Daemon::start_with(options)
        };
        daemon._temp = self._temp.take();
        daemon
    }

    fn stop_quietly(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.as_ref().expect("running").id() as i32)
    }

    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).expect("send signal");
    }

    /// `kill -9`: no chance to flush or close anything.
    pub fn kill9(&mut self) {
        self.signal(Signal::SIGKILL);
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait for the exit (bounded).
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal(Signal::SIGTERM);
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "daemon did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{}", self.addr, path)
    }

    /// A URL on `host` that reaches this daemon (use with `client_for_hosts`).
    pub fn host_url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.addr.port())
    }

    /// An HTTPS client that trusts the daemon's self-signed certificate for `localhost`.
    pub fn client(&self) -> reqwest::Client {
        let pem = std::fs::read(self.data_dir.join("tls/cert.pem")).expect("cert.pem");
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
            .resolve("localhost", self.addr)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A client that sends these host names to this daemon (certificate not checked: the
    /// self-signed certificate does not name them).
    pub fn client_for_hosts(&self, hosts: &[&str]) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none());
        for host in hosts {
            builder = builder.resolve(host, self.addr);
        }
        builder.build().expect("client")
    }

    pub fn localhost_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop_quietly();
        if std::thread::panicking() {
            eprintln!("---- daemon: {}", self.command);
            eprintln!("---- data dir {}:", self.data_dir.display());
            for file in files_under(&self.data_dir) {
                let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                eprintln!("  {} ({size} bytes)", file.display());
            }
            eprintln!(
                "---- stdout:\n{}",
                self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
            );
            eprintln!(
                "---- stderr:\n{}",
                self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
            );
        }
    }
}

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

/// Runs the CLI; `stdin` is written to its standard input.
pub fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("NOTIFY_SOCKET")
        .spawn()
        .expect("spawn helpdeskd");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("cli output")
}

/// Runs the CLI and insists it succeeds; returns stdout.
pub fn cli_ok(args: &[&str], stdin: Option<&str>) -> String {
    let output = cli(args, stdin);
    assert!(
        output.status.success(),
        "helpdeskd {} failed ({}):\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn data_arg(daemon_dir: &Path) -> String {
    daemon_dir.display().to_string()
}

/// Creates the owner through the setup link, as a person would submit the form.
pub async fn create_owner(daemon: &Daemon, name: &str, email: &str, password: &str) {
    let link = daemon.setup_link.clone().expect("setup link printed");
    let token = link.split("token=").nth(1).expect("token").to_string();
    let response = daemon
        .client()
        .post(daemon.localhost_url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("name", name),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST /setup");
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}
