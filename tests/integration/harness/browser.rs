//! Headless Chromium driven through ChromeDriver, for tests that need a real browser.
//!
//! Each `Browser` owns one `chromedriver` on a free port of 127.0.0.1 (its own process group,
//! so Chromium goes with it), one Chromium profile in a fresh temporary directory and one
//! WebDriver session (fantoccini). Dropping it kills the whole process group; if the test is
//! panicking, it first prints what ChromeDriver said and its log.
//!
//! The browser trusts exactly the daemon's certificate: Chromium gets the SHA-256 of the
//! certificate's SubjectPublicKeyInfo in `--ignore-certificate-errors-spki-list`, so its pages
//! load as a browser trusting that certificate would load them, with no certificate error,
//! on any host name (the key is trusted, whatever names the certificate carries).
//! `--ignore-certificate-errors` would only let them through marked insecure, which
//! `security_state` tells apart. Note that WebAuthn through a virtual authenticator does not
//! tell: Chromium skips its "TLS certificate errors" check while the virtual authenticator
//! environment is on. Every host name resolves to 127.0.0.1 (`--host-resolver-rules`), so
//! `goto_host` can reach an account by its own host name.
//!
//! Tests call `available()` first: without ChromeDriver they skip (print and return), unless
//! `CI` is set, where `scripts/test.sh` installs it and a missing browser is a failure.
//!
//! Nothing sleeps for a fixed time: ChromeDriver says when it is ready, and every wait polls
//! a condition until `DEADLINE`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::{Value as Json, json};
use sha2::Digest;

use super::{BIN, DEADLINE, Daemon, output::Captured};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The Debian wrapper script; its presence says the `chromium` package is installed.
pub const CHROMIUM_WRAPPER: &str = "/usr/bin/chromium";
/// The browser itself. ChromeDriver starts this rather than the wrapper, which adds flags and
/// environment of its own from /etc/chromium.d (`--enable-remote-extensions`, extensions to
/// load, Google API keys): the flags below are then all the browser gets besides
/// ChromeDriver's.
pub const CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// Flags without which headless Chromium, as root in a container without internet, fails or
/// tries to reach Google hosts.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--window-size=1280,900",
];

/// Whether browser tests can run here. Without ChromeDriver or Chromium it prints why the
/// test is skipped and returns false; with `CI` set it panics instead, since CI installs
/// both (`scripts/test.sh`).
pub fn available() -> bool {
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM_WRAPPER, CHROMIUM]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{} missing (Debian packages chromium and chromium-driver; scripts/test.sh installs them)",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("browser tests cannot run under CI: {why}");
    }
    eprintln!("SKIPPED: browser test: {why}");
    false
}

/// base64 of the SHA-256 of the SubjectPublicKeyInfo of the first certificate in a PEM
/// file: the form `--ignore-certificate-errors-spki-list` takes.
pub fn spki_sha256_base64(cert_pem: &Path) -> String {
    let pem =
        std::fs::read(cert_pem).unwrap_or_else(|e| panic!("read {}: {e}", cert_pem.display()));
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem)
        .unwrap_or_else(|e| panic!("{} is not PEM: {e}", cert_pem.display()));
    let cert = pem
        .parse_x509()
        .unwrap_or_else(|e| panic!("{} is not X.509: {e}", cert_pem.display()));
    let digest = sha2::Sha256::digest(cert.public_key().raw);
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// A `chromedriver` process in its own process group, with its output captured.
struct Driver {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    stdout: Arc<Captured>,
    stderr: Arc<Captured>,
    readers: Vec<JoinHandle<()>>,
}

/// Why one start of ChromeDriver failed.
enum DriverStart {
    /// It exited before saying it was ready (most likely: the port was taken meanwhile).
    Exited(String),
    TimedOut(String),
}

impl Driver {
    /// Starts ChromeDriver on a free port; retries on another port if it cannot bind.
    fn start(log: PathBuf) -> Driver {
        let mut failures = Vec::new();
        for _ in 0..5 {
            match Driver::try_start(free_port(), log.clone()) {
                Ok(driver) => return driver,
                Err(DriverStart::Exited(output)) => failures.push(output),
                Err(DriverStart::TimedOut(output)) => {
                    panic!("chromedriver not ready within {DEADLINE:?}:\n{output}")
                }
            }
        }
        panic!(
            "chromedriver did not start after {} tries:\n{}",
            failures.len(),
            failures.join("\n----\n")
        );
    }

    fn try_start(port: u16, log: PathBuf) -> Result<Driver, DriverStart> {
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: Chromium and its helpers inherit it, and Drop kills
            // the group, so nothing is left running even if the session was never closed.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {CHROMEDRIVER}: {e}"));
        let stdout = Arc::new(Captured::default());
        let stderr = Arc::new(Captured::default());
        let readers = vec![
            Captured::spawn_reader(child.stdout.take().expect("piped"), stdout.clone()),
            Captured::spawn_reader(child.stderr.take().expect("piped"), stderr.clone()),
        ];
        let mut driver = Driver {
            child: Some(child),
            port,
            log,
            stdout,
            stderr,
            readers,
        };
        let deadline = Instant::now() + DEADLINE;
        let ready = driver
            .stdout
            .wait_line(deadline, |line| {
                line.contains("was started successfully").then_some(())
            })
            .is_some();
        if ready {
            return Ok(driver);
        }
        // No ready line: either stdout closed (it exited, e.g. the port was taken in the
        // meantime) or the deadline passed.
        let timed_out = Instant::now() >= deadline;
        driver.kill();
        let output = driver.output();
        Err(if timed_out {
            DriverStart::TimedOut(output)
        } else {
            DriverStart::Exited(output)
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// SIGKILL to the whole process group (ChromeDriver, Chromium and its helpers), then
    /// reaps ChromeDriver and collects its output.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = killpg(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
            let _ = child.kill();
            let _ = child.wait();
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    fn output(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(300)..].join("\n");
        format!(
            "==== chromedriver {CHROMEDRIVER} --port={}\n==== stdout:\n{}==== stderr:\n{}\
             ==== log {} (last 300 lines):\n{tail}\n",
            self.port,
            self.stdout.text(),
            self.stderr.text(),
            self.log.display()
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port that was free a moment ago (bound on 127.0.0.1:0, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Where `screenshot` saves: `<target dir>/screenshots/<test>/`.
fn screenshot_dir(test: &str) -> PathBuf {
    // BIN is <target dir>/<profile>/helpdeskd, whatever CARGO_TARGET_DIR says.
    let target = Path::new(BIN)
        .parent()
        .and_then(Path::parent)
        .expect("the binary sits in <target>/<profile>/");
    target.join("screenshots").join(test)
}

/// One headless Chromium session pointed at one daemon.
pub struct Browser {
    client: Client,
    /// Dropped after `client` and `driver` (field order): the profile is removed last.
    driver: Driver,
    profile: tempfile::TempDir,
    port: u16,
    screenshots: PathBuf,
    /// (URL, securityState) of every main document seen in the performance log so far.
    documents: std::sync::Mutex<Vec<(String, String)>>,
}

impl Browser {
    /// Starts ChromeDriver and Chromium trusting `daemon`'s certificate. `test` names the
    /// screenshot directory (`target/screenshots/<test>/`, emptied here). Call `available()`
    /// first: this panics when there is no browser.
    pub async fn open(daemon: &Daemon, test: &str) -> Browser {
        let spki = spki_sha256_base64(&daemon.data_dir.join("tls/cert.pem"));
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let user_data = profile.path().join("profile");
        let log = profile.path().join("chromedriver.log");
        let driver = tokio::task::spawn_blocking(move || Driver::start(log))
            .await
            .expect("start chromedriver");

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.extend([
            format!("--user-data-dir={}", user_data.display()),
            // Trust the daemon's key, and nothing else (works only with --user-data-dir).
            format!("--ignore-certificate-errors-spki-list={spki}"),
            // Every host name is this machine; the daemon routes accounts by Host.
            "--host-resolver-rules=MAP * 127.0.0.1".into(),
        ]);
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("acceptInsecureCerts".into(), json!(false));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        // The DevTools events of the page (`security_state` reads the network's).
        capabilities.insert("goog:loggingPrefs".into(), json!({ "performance": "ALL" }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let session = tokio::time::timeout(
            DEADLINE,
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&driver.url()),
        )
        .await;
        let client = match session {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("no WebDriver session: {e}\n{}", driver.output()),
            Err(_) => panic!(
                "no WebDriver session within {DEADLINE:?}\n{}",
                driver.output()
            ),
        };

        let screenshots = screenshot_dir(test);
        let _ = std::fs::remove_dir_all(&screenshots);
        std::fs::create_dir_all(&screenshots)
            .unwrap_or_else(|e| panic!("create {}: {e}", screenshots.display()));
        Browser {
            client,
            driver,
            profile,
            port: daemon.addr().port(),
            screenshots,
            documents: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The fantoccini client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `https://localhost:PORT/path` (the name the daemon's certificate carries).
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// `https://HOST:PORT/path`: any host name reaches the daemon.
    pub fn host_url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.port)
    }

    /// Loads `path` on `localhost` and waits for the page to load.
    pub async fn goto(&self, path: &str) {
        self.goto_url(&self.url(path)).await;
    }

    /// Loads `path` on `host` (an account's host name).
    pub async fn goto_host(&self, host: &str, path: &str) {
        self.goto_url(&self.host_url(host, path)).await;
    }

    pub async fn goto_url(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    pub async fn current_url(&self) -> url::Url {
        self.client.current_url().await.expect("current URL")
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        self.current_url().await.path().to_string()
    }

    /// The first element matching `css`, waiting for it up to `DEADLINE`.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(DEADLINE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no element {css:?} within {DEADLINE:?} ({e}) on {}:\n{}",
                self.current_url().await,
                self.page_text().await
            ),
        }
    }

    /// Every element matching `css` now (no waiting).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find_all {css:?}: {e}"))
    }

    /// Whether an element matches `css` now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Replaces the value of the field matching `css` with `text`, typed as keystrokes.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css:?}: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css:?}: {e}"));
    }

    /// Clicks the element matching `css`. A click that submits a form returns once
    /// ChromeDriver has seen the navigation start; wait for what the next page shows.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    }

    /// The rendered text of the first element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css:?}: {e}"))
    }

    /// The rendered text of the whole page.
    pub async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Waits until an element matching `css` has a text containing `needle`; returns that
    /// text. Panics with the page's text after `DEADLINE`.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            for element in self.find_all(css).await {
                // The page may change under us (navigation): a stale element is a retry.
                if let Ok(text) = element.text().await
                    && text.contains(needle)
                {
                    return text;
                }
            }
            if Instant::now() >= end {
                panic!(
                    "no {css:?} containing {needle:?} within {DEADLINE:?} on {}:\n{}",
                    self.current_url().await,
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the current page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let end = Instant::now() + DEADLINE;
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            if Instant::now() >= end {
                panic!(
                    "still on {now} instead of {path} after {DEADLINE:?}:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The security state Chromium gave the current page's document when it loaded:
    /// `"secure"` when its certificate was trusted, `"insecure"` when the page came despite a
    /// certificate error (as with `--ignore-certificate-errors`), `"neutral"` for http.
    /// Read from the DevTools `Network.responseReceived` events of the performance log.
    pub async fn security_state(&self) -> String {
        let mut url = self.current_url().await;
        url.set_fragment(None);
        let entries = self
            .command(
                http::Method::POST,
                "se/log",
                Some(json!({ "type": "performance" })),
            )
            .await;
        let mut documents = self.documents.lock().expect("documents lock");
        for entry in entries.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Json>(message) else {
                continue;
            };
            let event = &event["message"];
            if event["method"] == "Network.responseReceived"
                && event["params"]["type"] == "Document"
            {
                let response = &event["params"]["response"];
                if let (Some(url), Some(state)) =
                    (response["url"].as_str(), response["securityState"].as_str())
                {
                    documents.push((url.to_string(), state.to_string()));
                }
            }
        }
        documents
            .iter()
            .rev()
            .find(|(seen, _)| *seen == url.as_str())
            .map(|(_, state)| state.clone())
            .unwrap_or_else(|| panic!("no document response for {url} in the performance log"))
    }

    /// Runs `script` in the page (`return` gives the result); `args` are `arguments[i]`.
    pub async fn execute(&self, script: &str, args: Vec<Json>) -> Json {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("execute script: {e}\n{script}"))
    }

    /// Runs `script` in the page; it finishes by calling `arguments[arguments.length - 1]`
    /// with the result (bounded by the session's script timeout, 30 s by default).
    pub async fn execute_async(&self, script: &str, args: Vec<Json>) -> Json {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("execute async script: {e}\n{script}"))
    }

    /// Saves a PNG of the viewport as `target/screenshots/<test>/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Sends a command of an extension of WebDriver: `METHOD /session/{id}/<path>`.
    pub async fn command(&self, method: http::Method, path: &str, body: Option<Json>) -> Json {
        let command = SessionCommand {
            method,
            path: path.to_string(),
            body,
        };
        let shown = format!("{command:?}");
        self.client
            .issue_cmd(command)
            .await
            .unwrap_or_else(|e| panic!("WebDriver command {shown}: {e}"))
    }

    /// Adds a virtual authenticator (WebAuthn §11.3); returns its id.
    pub async fn add_virtual_authenticator(&self, options: VirtualAuthenticator) -> String {
        let body = json!({
            "protocol": options.protocol,
            "transport": options.transport,
            "hasResidentKey": options.has_resident_key,
            "hasUserVerification": options.has_user_verification,
            "isUserConsenting": true,
            "isUserVerified": options.is_user_verified,
        });
        let id = self
            .command(http::Method::POST, "webauthn/authenticator", Some(body))
            .await;
        id.as_str()
            .unwrap_or_else(|| panic!("authenticator id is not a string: {id}"))
            .to_string()
    }

    /// The credentials the authenticator holds (WebAuthn §11.7): objects with
    /// `credentialId`, `isResidentCredential`, `rpId`, `privateKey`, `userHandle`, `signCount`.
    pub async fn credentials(&self, authenticator: &str) -> Vec<Json> {
        let list = self
            .command(
                http::Method::GET,
                &format!("webauthn/authenticator/{authenticator}/credentials"),
                None,
            )
            .await;
        match list {
            Json::Array(items) => items,
            other => panic!("credentials is not a list: {other}"),
        }
    }

    /// Removes every credential of the authenticator (WebAuthn §11.9).
    pub async fn remove_all_credentials(&self, authenticator: &str) {
        self.command(
            http::Method::DELETE,
            &format!("webauthn/authenticator/{authenticator}/credentials"),
            None,
        )
        .await;
    }

    /// Whether user verification succeeds from now on (WebAuthn §11.10).
    pub async fn set_user_verified(&self, authenticator: &str, verified: bool) {
        self.command(
            http::Method::POST,
            &format!("webauthn/authenticator/{authenticator}/uv"),
            Some(json!({ "isUserVerified": verified })),
        )
        .await;
    }

    /// Removes the virtual authenticator (WebAuthn §11.4).
    pub async fn remove_virtual_authenticator(&self, authenticator: &str) {
        self.command(
            http::Method::DELETE,
            &format!("webauthn/authenticator/{authenticator}"),
            None,
        )
        .await;
    }

    /// Where ChromeDriver writes its log (printed on failure).
    pub fn driver_log(&self) -> &Path {
        &self.driver.log
    }

    /// The Chromium profile directory.
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Stop first so the log is complete and the readers have everything.
            self.driver.kill();
            eprintln!("{}", self.driver.output());
        }
        // Otherwise `driver`'s own Drop kills the process group.
    }
}

/// Options of a virtual authenticator (WebAuthn §11.2). `Default` is a platform
/// authenticator (`internal`, CTAP2) with resident keys and user verification that succeeds.
#[derive(Clone, Debug)]
pub struct VirtualAuthenticator {
    /// `"ctap2"` or `"ctap1/u2f"`.
    pub protocol: &'static str,
    /// `"internal"` (platform), `"usb"`, `"nfc"` or `"ble"`.
    pub transport: &'static str,
    pub has_resident_key: bool,
    pub has_user_verification: bool,
    pub is_user_verified: bool,
}

impl Default for VirtualAuthenticator {
    fn default() -> VirtualAuthenticator {
        VirtualAuthenticator {
            protocol: "ctap2",
            transport: "internal",
            has_resident_key: true,
            has_user_verification: true,
            is_user_verified: true,
        }
    }
}

impl VirtualAuthenticator {
    /// A roaming security key (`usb`).
    pub fn usb() -> VirtualAuthenticator {
        VirtualAuthenticator {
            transport: "usb",
            ..VirtualAuthenticator::default()
        }
    }
}

/// A WebDriver command under the current session that fantoccini has no method for.
#[derive(Debug)]
struct SessionCommand {
    method: http::Method,
    /// Relative to `/session/{id}/`.
    path: String,
    body: Option<Json>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        // Only sent through a `Client` that has a session; url has no better error for this.
        let session = session_id.ok_or(url::ParseError::EmptyHost)?;
        base_url
            .join(&format!("session/{session}/"))?
            .join(&self.path)
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = match (&self.method, &self.body) {
            (_, Some(body)) => Some(body.to_string()),
            // WebDriver wants a JSON body on every POST.
            (&http::Method::POST, None) => Some("{}".to_string()),
            _ => None,
        };
        (self.method.clone(), body)
    }
}
