//! A tiny SMTP server for tests: the relay the daemon sends its mail to. It speaks enough
//! SMTP for lettre (EHLO, AUTH PLAIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT), keeps
//! every message it accepted, and answers the way the test asks: accept, refuse at RCPT
//! with a 4xx or 5xx, or be "down" (421 at the greeting, as a relay that is not
//! accepting). One thread per connection; nothing is mocked on the daemon's side.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How the sink answers the next transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// `421` at the greeting, then the connection closes.
    Down,
    /// This reply to `RCPT TO`, e.g. `451 4.3.0 try later` or `550 5.1.1 no such user`.
    RefuseRecipient(String),
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as the client sent it, dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl Received {
    /// The first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) {
                    value = Some(v.trim().to_string());
                }
            }
        }
        value
    }
}

#[derive(Default)]
struct State {
    answer: Option<Answer>,
    received: Vec<Received>,
    /// Transactions refused (RCPT refusals and "down" greetings).
    refused: usize,
    /// `MAIL FROM` commands seen: transactions begun, whatever became of them.
    begun: usize,
    /// (user, password) of every `AUTH PLAIN`.
    logins: Vec<(String, String)>,
}

pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1:0, answering `answer`.
    pub fn start(answer: Answer) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new((
            Mutex::new(State {
                answer: Some(answer),
                ..State::default()
            }),
            Condvar::new(),
        ));
        let serving = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = serving.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &shared);
                });
            }
        });
        SmtpSink { addr, shared }
    }

    /// `127.0.0.1:PORT`, for `HELPDESKD_MAIL_RELAY`.
    pub fn relay(&self) -> String {
        self.addr.to_string()
    }

    pub fn answer(&self, answer: Answer) {
        self.shared.0.lock().unwrap().answer = Some(answer);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.0.lock().unwrap().received.clone()
    }

    pub fn refused(&self) -> usize {
        self.shared.0.lock().unwrap().refused
    }

    /// Every (user, password) a client signed in with.
    pub fn logins(&self) -> Vec<(String, String)> {
        self.shared.0.lock().unwrap().logins.clone()
    }

    /// How many transactions a client began (`MAIL FROM`).
    pub fn begun(&self) -> usize {
        self.shared.0.lock().unwrap().begun
    }

    /// Waits (bounded by `within`) until `at_least` messages arrived; returns them all.
    pub fn wait_received(&self, at_least: usize, within: Duration) -> Vec<Received> {
        self.wait(within, |s| s.received.len() >= at_least);
        let got = self.received();
        assert!(
            got.len() >= at_least,
            "the SMTP sink got {} of {at_least} messages within {within:?}: {got:#?}",
            got.len()
        );
        got
    }

    /// Waits (bounded by `within`) until `at_least` transactions were refused.
    pub fn wait_refused(&self, at_least: usize, within: Duration) {
        self.wait(within, |s| s.refused >= at_least);
        let refused = self.refused();
        assert!(
            refused >= at_least,
            "the SMTP sink refused {refused} of {at_least} transactions within {within:?}"
        );
    }

    fn wait(&self, within: Duration, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + within;
        let (lock, changed) = &*self.shared;
        let mut state = lock.lock().unwrap();
        while !done(&state) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            state = changed.wait_timeout(state, left).unwrap().0;
        }
    }
}

fn session(stream: TcpStream, shared: &(Mutex<State>, Condvar)) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    let answer = shared
        .0
        .lock()
        .unwrap()
        .answer
        .clone()
        .unwrap_or(Answer::Accept);
    let note = |change: &dyn Fn(&mut State)| {
        change(&mut shared.0.lock().unwrap());
        shared.1.notify_all();
    };
    if answer == Answer::Down {
        note(&|s| s.refused += 1);
        return out.write_all(b"421 4.3.2 sink down, try later\r\n");
    }
    out.write_all(b"220 sink ESMTP ready\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                out.write_all(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN\r\n")?
            }
            "AUTH" => match plain_login(&command) {
                Some(login) => {
                    note(&|s| s.logins.push(login.clone()));
                    out.write_all(b"235 2.7.0 authenticated\r\n")?
                }
                None => out.write_all(b"504 5.5.4 only AUTH PLAIN with its response\r\n")?,
            },
            "HELO" => out.write_all(b"250 sink\r\n")?,
            "MAIL" => {
                note(&|s| s.begun += 1);
                from = path_of(&command);
                to.clear();
                out.write_all(b"250 2.1.0 ok\r\n")?
            }
            "RCPT" => match &answer {
                Answer::RefuseRecipient(reply) => {
                    note(&|s| s.refused += 1);
                    out.write_all(format!("{reply}\r\n").as_bytes())?
                }
                _ => {
                    to.push(path_of(&command));
                    out.write_all(b"250 2.1.5 ok\r\n")?
                }
            },
            "DATA" if to.is_empty() => out.write_all(b"503 5.5.1 no valid recipients\r\n")?,
            "DATA" => {
                out.write_all(b"354 go ahead\r\n")?;
                let data = read_data(&mut lines)?;
                let message = Received {
                    mail_from: from.clone(),
                    rcpt_to: to.clone(),
                    data,
                };
                note(&|s| s.received.push(message.clone()));
                out.write_all(b"250 2.0.0 queued\r\n")?
            }
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                out.write_all(b"250 2.0.0 ok\r\n")?
            }
            "NOOP" => out.write_all(b"250 2.0.0 ok\r\n")?,
            "QUIT" => return out.write_all(b"221 2.0.0 bye\r\n"),
            _ => out.write_all(b"502 5.5.2 not implemented\r\n")?,
        }
    }
}

/// `AUTH PLAIN <base64 of "\0user\0password">` → (user, password).
fn plain_login(command: &str) -> Option<(String, String)> {
    use base64::Engine;
    let mut words = command.split_whitespace().skip(1);
    if !words.next()?.eq_ignore_ascii_case("PLAIN") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(words.next()?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let mut parts = text.split('\0').skip(1);
    Some((parts.next()?.to_string(), parts.next()?.to_string()))
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn path_of(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_string()
}

/// The message up to the line with a single dot, with the leading dot of "..x" removed
/// (RFC 5321 4.5.2).
fn read_data(lines: &mut impl BufRead) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}
