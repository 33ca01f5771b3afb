//! The daemon under load: started in a fresh data dir with an owner, its API, its panel
//! sign-in, its sockets, and what /proc says of it.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const OWNER: (&str, &str) = ("owner@load.example", "owner password for the load");
/// The origin of the shop whose pages embed the widget.
pub const SHOP: &str = "https://shop.load.example";
/// How long a handshake, a start or an accept may take before the run is called failed.
const STEP: Duration = Duration::from_secs(60);

pub type Ws = WebSocketStream<TlsStream<TcpStream>>;

/// Where the sockets go: the daemon's address and a TLS client trusting its certificate.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    tls: TlsConnector,
}

impl Target {
    /// A WebSocket on `path` over its own TLS connection from `source` (a loopback address).
    pub async fn socket(
        &self,
        path: &str,
        origin: &str,
        cookie: Option<&str>,
        source: Ipv4Addr,
    ) -> Result<Ws> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source.into(), 0))?;
        let tcp = socket.connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self
            .tls
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        let url = format!("wss://localhost:{}{path}", self.addr.port());
        let mut request = url.into_client_request()?;
        request.headers_mut().insert("origin", origin.parse()?);
        if let Some(cookie) = cookie {
            let value = format!("__Host-hd_session={cookie}");
            request.headers_mut().insert("cookie", value.parse()?);
        }
        // A small read buffer: this process holds as many sockets as the daemon.
        let config = WebSocketConfig::default().read_buffer_size(4096);
        let (ws, _) =
            tokio_tungstenite::client_async_with_config(request, tls, Some(config)).await?;
        Ok(ws)
    }

    /// The panel's own origin, the only one the agent socket accepts.
    pub fn panel_origin(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}

pub struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    pub target: Target,
    http: reqwest::Client,
    /// An owner API token with the admin scope.
    token: String,
}

impl Daemon {
    /// Starts `helpdeskd serve` on an ephemeral loopback port in a fresh data dir, creates
    /// the owner through the setup link and allows the chat from `SHOP`.
    pub async fn start(binary: &Path) -> Result<Daemon> {
        let base = std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = tempfile::Builder::new()
            .prefix("helpdeskd-chat-load-")
            .tempdir_in(base)?;
        let log = std::fs::File::create(dir.path().join("daemon.log"))?;
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let (lines_tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let (mut addr, mut setup) = (None, None);
        let deadline = Instant::now() + STEP;
        while addr.is_none() || setup.is_none() {
            let wait = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines.recv_timeout(wait) else {
                bail!(
                    "the daemon printed no URL and setup link; see {}/daemon.log",
                    dir.path().display()
                );
            };
            if let Some(url) = line.strip_prefix("listening on https://") {
                addr = Some(url.trim().parse::<SocketAddr>()?);
            } else if let Some((_, token)) = line.split_once("setup?token=") {
                setup = Some(token.trim().to_string());
            }
        }
        let (Some(addr), Some(setup)) = (addr, setup) else {
            bail!("no address or setup link");
        };
        let pem = std::fs::read(dir.path().join("data/tls/cert.pem"))?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert?)?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .resolve("localhost", addr)
            .build()?;
        let mut daemon = Daemon {
            child,
            dir,
            target: Target {
                addr,
                tls: TlsConnector::from(Arc::new(config)),
            },
            http,
            token: String::new(),
        };
        if let Err(e) = daemon.set_up(&setup).await {
            let log = std::fs::read_to_string(daemon.dir.path().join("daemon.log"))?;
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            eprintln!("the daemon's log ends with:");
            tail.iter().rev().for_each(|line| eprintln!("  {line}"));
            return Err(e);
        }
        Ok(daemon)
    }

    async fn set_up(&mut self, setup_token: &str) -> Result<()> {
        let response = self
            .http
            .post(self.url("/setup"))
            .form(&[
                ("token", setup_token),
                ("name", "Owner"),
                ("email", OWNER.0),
                ("password", OWNER.1),
            ])
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("POST /setup answered {}", response.status());
        }
        let created: Value = self
            .http
            .post(self.url("/api/v1/tokens"))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .json(&json!({"name": "chat load", "scopes": ["read", "write", "admin"]}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = created["token"].as_str();
        self.token = token
            .ok_or_else(|| anyhow!("no token in {created}"))?
            .into();
        self.api(
            reqwest::Method::PUT,
            "/api/v1/chat/settings",
            Some(json!({"allowed_origins": [SHOP]})),
        )
        .await?;
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.target.addr.port())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An API call with the owner's token; the JSON answer, or an error naming the status.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method.clone(), self.url(path));
        request = request.bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {body}");
        }
        Ok(body)
    }

    /// Signs `email` in to the panel through its login form; returns the session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String> {
        let form = self.http.get(self.url("/agent/login")).send().await?;
        let login = cookie(&form, "__Host-hd_login").ok_or_else(|| anyhow!("no login cookie"))?;
        let html = form.text().await?;
        let marker = r#"name="csrf" value=""#;
        let at = html.find(marker).ok_or_else(|| anyhow!("no CSRF field"))? + marker.len();
        let csrf = html[at..].split('"').next().unwrap_or_default().to_string();
        let response = self
            .http
            .post(self.url("/agent/login"))
            .header("cookie", format!("__Host-hd_login={login}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await?;
        let status = response.status();
        cookie(&response, "__Host-hd_session")
            .ok_or_else(|| anyhow!("{email} got no session ({status})"))
    }

    /// The daemon's resident memory now and at its peak, in KiB (VmRSS, VmHWM).
    pub fn memory(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| anyhow!("no {name} in /proc/PID/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// User + system CPU seconds the daemon has used.
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        let after_name = stat.rsplit_once(')').map_or("", |(_, f)| f);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime, in USER_HZ (100 on Linux).
        (ticks(11) + ticks(12)) / 100.0
    }

    /// The sum of the `/metrics` samples whose line starts with `prefix` (loopback needs
    /// no token there).
    pub async fn metric(&self, prefix: &str) -> f64 {
        let Ok(response) = self.http.get(self.url("/metrics")).send().await else {
            return f64::NAN;
        };
        let text = response.text().await.unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!(
            "the daemon did not stop within 30 s (killed); data dir {}",
            self.dir.path().display()
        );
    }
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The loopback address visitor `i` connects from: 127.1.1.1, 127.1.1.2, … (no .0 or .255).
pub fn visitor_address(i: usize) -> Ipv4Addr {
    let (a, b, c) = (i / 62_500, (i / 250) % 250, i % 250);
    Ipv4Addr::new(127, 1 + a as u8, 1 + b as u8, 1 + c as u8)
}

/// The next text frame as JSON (control frames skipped), within `STEP`.
pub async fn next_json(ws: &mut Ws) -> Result<Value> {
    loop {
        let message = tokio::time::timeout(STEP, ws.next())
            .await
            .map_err(|_| anyhow!("no frame within {STEP:?}"))?
            .ok_or_else(|| anyhow!("the daemon closed the socket"))??;
        match message {
            Message::Text(text) => return Ok(serde_json::from_str(text.as_str())?),
            Message::Close(frame) => bail!("closed by the daemon: {frame:?}"),
            _ => {}
        }
    }
}

pub async fn send_json(ws: &mut Ws, frame: &Value) -> Result<()> {
    ws.send(Message::text(frame.to_string())).await?;
    Ok(())
}
