//! The LMTP listener (RFC 2033) the local MTA delivers inbound mail to.
//!
//! LMTP rather than SMTP because the MTA in front (Postfix, Exim) already does what an
//! Internet-facing SMTP server must (TLS, SPF, queues, retries); LMTP lets it hand each
//! message over and hear, per recipient, whether we took it. "250" is said only after the
//! ticket is durably committed, so a message the MTA considers delivered is never lost;
//! a failure of ours is a 4xx and the MTA keeps the message and retries.
//!
//! A recipient names an account by its slug: `acme@…` or `support+acme@…`; with a single
//! account, every recipient is that account's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::inbound::{self, InboundError, Outcome};
use crate::accounts::{AccountState, RoutedAccount};
use crate::app::AppState;

/// Sessions served at once; more wait in the kernel's accept queue.
const MAX_SESSIONS: usize = 64;
/// RFC 5321 asks servers to allow 100 recipients.
const MAX_RECIPIENTS: usize = 100;
/// A command line (RFC 5321 allows 512 bytes; extensions add parameters).
const MAX_COMMAND: usize = 2048;
/// A client silent for this long is dropped (RFC 5321 suggests 5 minutes).
const IDLE: Duration = Duration::from_secs(300);
/// Bad commands tolerated before the session is closed.
const MAX_ERRORS: u32 = 10;

/// Accepts LMTP sessions until `stop` turns true.
pub async fn serve(state: AppState, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    let sessions = Arc::new(Semaphore::new(MAX_SESSIONS));
    loop {
        let permit = tokio::select! {
            permit = sessions.clone().acquire_owned() => permit,
            _ = stop.changed() => return,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(state, stream).await {
                        tracing::debug!(%peer, error = %e, "LMTP session ended");
                    }
                    drop(permit);
                });
            }
            Err(e) => {
                // Out of descriptors, say: wait rather than spin.
                tracing::warn!(error = %e, "LMTP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Binds `addr` (before READY=1, so a bad address stops the start).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// One transaction's state: the sender and the accepted recipients.
#[derive(Default)]
struct Transaction {
    from: Option<String>,
    recipients: Vec<RoutedAccount>,
}

async fn session(state: AppState, stream: TcpStream) -> std::io::Result<()> {
    let domain = state.mail.identity.domain.clone();
    let max_bytes = state.config.mail.max_message_bytes;
    // Replies are small and each one is awaited by the client: send them at once.
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(format!("220 {domain} LMTP helpdeskd ready\r\n").as_bytes())
        .await?;
    let mut greeted = false;
    let mut transaction = Transaction::default();
    let mut errors = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read =
            tokio::time::timeout(IDLE, read_piece(&mut reader, &mut line, MAX_COMMAND)).await;
        let reply = match read {
            Err(_) => {
                write
                    .write_all(b"421 4.4.2 Idle too long, closing\r\n")
                    .await?;
                return Ok(());
            }
            Ok(Err(e)) => return Err(e),
            Ok(Ok(Piece::End)) => return Ok(()),
            Ok(Ok(Piece::Partial)) => {
                skip_line(&mut reader).await?;
                errors += 1;
                "500 5.5.2 Line too long".to_string()
            }
            Ok(Ok(Piece::Line)) => {
                let text = String::from_utf8_lossy(&line);
                let command = Command::parse(text.trim_end_matches(['\r', '\n']));
                match command {
                    Command::Lhlo(_) => {
                        greeted = true;
                        transaction = Transaction::default();
                        format!(
                            "250-{domain}\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE {max_bytes}"
                        )
                    }
                    Command::Mail { .. } if !greeted => "503 5.5.1 Send LHLO first".into(),
                    Command::Mail { .. } if transaction.from.is_some() => {
                        "503 5.5.1 Sender already given".into()
                    }
                    Command::Mail { size, .. } if size.is_some_and(|s| s > max_bytes) => {
                        format!("552 5.3.4 Messages are limited to {max_bytes} bytes")
                    }
                    Command::Mail { from, .. } => {
                        transaction.from = Some(from);
                        "250 2.1.0 Sender OK".into()
                    }
                    Command::Rcpt(_) if transaction.from.is_none() => {
                        "503 5.5.1 Send MAIL first".into()
                    }
                    Command::Rcpt(_) if transaction.recipients.len() >= MAX_RECIPIENTS => {
                        "452 4.5.3 Too many recipients".into()
                    }
                    Command::Rcpt(to) => match recipient(&state, &to) {
                        Ok(account) => {
                            transaction.recipients.push(account);
                            "250 2.1.5 Recipient OK".into()
                        }
                        Err(reply) => reply,
                    },
                    Command::Data if transaction.recipients.is_empty() => {
                        "503 5.5.1 No valid recipients".into()
                    }
                    Command::Data => {
                        write
                            .write_all(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n")
                            .await?;
                        let Some(message) = read_data(&mut reader, max_bytes).await? else {
                            return Ok(()); // the client left mid-message: nothing taken
                        };
                        let from = transaction.from.take().unwrap_or_default();
                        let recipients = std::mem::take(&mut transaction.recipients);
                        let replies = deliver_all(&state, message, &from, &recipients).await;
                        replies.join("\r\n")
                    }
                    Command::Rset => {
                        transaction = Transaction::default();
                        "250 2.0.0 OK".into()
                    }
                    Command::Noop => "250 2.0.0 OK".into(),
                    Command::Vrfy => "252 2.5.0 Cannot verify; send the message".into(),
                    Command::Quit => {
                        write.write_all(b"221 2.0.0 Bye\r\n").await?;
                        return Ok(());
                    }
                    Command::Smtp => {
                        errors += 1;
                        "500 5.5.1 This is LMTP: use LHLO".into()
                    }
                    Command::Syntax(reply) => {
                        errors += 1;
                        reply.into()
                    }
                    Command::Unknown => {
                        errors += 1;
                        "500 5.5.2 Command not recognized".into()
                    }
                }
            }
        };
        // One write per reply: split in two, Nagle's algorithm would hold the second part
        // until the client's delayed ACK, 40 ms per command.
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        if errors >= MAX_ERRORS {
            write
                .write_all(b"421 4.7.0 Too many errors, closing\r\n")
                .await?;
            return Ok(());
        }
    }
}

/// The account a recipient address names, or the reply refusing it.
fn recipient(state: &AppState, address: &str) -> Result<RoutedAccount, String> {
    let Some((local, _domain)) = address.rsplit_once('@') else {
        return Err("501 5.1.3 Give the recipient as <local@domain>".into());
    };
    let slug = local.rsplit_once('+').map_or(local, |(_, slug)| slug);
    let account = state.directory.for_mail(slug).map_err(|e| {
        tracing::error!(error = %e, "LMTP: the account directory failed");
        "451 4.3.0 Temporary failure; try again later".to_string()
    })?;
    match account {
        None => Err("550 5.1.1 No such mailbox here".into()),
        Some(account) if account.state == AccountState::Suspended => {
            Err("450 4.2.1 This helpdesk is suspended; try again later".into())
        }
        Some(account) => Ok(account),
    }
}

/// One reply per recipient, in order (RFC 2033 §4.2). A message for two addresses of the
/// same account is stored once: the second finds its Message-ID already taken.
async fn deliver_all(
    state: &AppState,
    message: Data,
    from: &str,
    recipients: &[RoutedAccount],
) -> Vec<String> {
    let message = match message {
        Data::TooLarge => {
            let max = state.config.mail.max_message_bytes;
            let reply = format!("552 5.3.4 Messages are limited to {max} bytes");
            return vec![reply; recipients.len()];
        }
        Data::Message(bytes) => Arc::new(bytes),
    };
    let mut replies = Vec::with_capacity(recipients.len());
    for account in recipients {
        let reply = match inbound::deliver(state, account, message.clone(), from).await {
            Ok(outcome) => {
                tracing::info!(account = %account.slug, bytes = message.len(), ?outcome, "mail delivered");
                match outcome {
                    Outcome::Created { ticket_id } => {
                        format!("250 2.0.0 Ticket {ticket_id} created")
                    }
                    Outcome::Replied { ticket_id } => {
                        format!("250 2.0.0 Added to ticket {ticket_id}")
                    }
                    Outcome::Duplicate { .. } => "250 2.0.0 Already delivered".into(),
                }
            }
            Err(InboundError::Rejected(why)) => {
                tracing::info!(account = %account.slug, reason = %why, "mail rejected");
                format!("554 5.6.0 {}", one_line(&why))
            }
            Err(InboundError::Temporary(why)) => format!("451 4.3.0 {}", one_line(&why)),
        };
        replies.push(reply);
    }
    replies
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Lhlo(String),
    Mail {
        from: String,
        size: Option<u64>,
    },
    Rcpt(String),
    Data,
    Rset,
    Noop,
    Vrfy,
    Quit,
    /// HELO or EHLO: an SMTP client talking to an LMTP server.
    Smtp,
    Syntax(&'static str),
    Unknown,
}

impl Command {
    fn parse(line: &str) -> Command {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verb.to_ascii_uppercase().as_str() {
            "LHLO" if rest.trim().is_empty() => Command::Syntax("501 5.5.4 LHLO needs a host name"),
            "LHLO" => Command::Lhlo(rest.trim().to_string()),
            "MAIL" => match path(rest, "FROM:") {
                Some((from, params)) => Command::Mail {
                    from,
                    size: params
                        .split_whitespace()
                        .find_map(|p| p.to_ascii_uppercase().strip_prefix("SIZE=")?.parse().ok()),
                },
                None => Command::Syntax("501 5.5.4 Syntax: MAIL FROM:<address>"),
            },
            "RCPT" => match path(rest, "TO:") {
                Some((to, _)) if !to.is_empty() => Command::Rcpt(to),
                _ => Command::Syntax("501 5.5.4 Syntax: RCPT TO:<address>"),
            },
            "DATA" => Command::Data,
            "RSET" => Command::Rset,
            "NOOP" => Command::Noop,
            "VRFY" => Command::Vrfy,
            "QUIT" => Command::Quit,
            "HELO" | "EHLO" => Command::Smtp,
            _ => Command::Unknown,
        }
    }
}

/// `FROM:<a@b> SIZE=10` → ("a@b", "SIZE=10"); the angle brackets are required.
fn path(rest: &str, keyword: &str) -> Option<(String, String)> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    let address = inner[..end].trim();
    // A source route (`<@a,@b:user@c>`, RFC 5321 appendix C) is ignored.
    let address = address.rsplit_once(':').map_or(address, |(_, a)| a);
    Some((address.to_string(), inner[end + 1..].trim().to_string()))
}

enum Piece {
    /// A whole line, `\n` included.
    Line,
    /// `max` bytes without a line end.
    Partial,
    End,
}

/// Appends bytes up to and including the next `\n`, at most `max` of them.
async fn read_piece<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    out: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Piece> {
    let start = out.len();
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(if out.len() > start {
                Piece::Partial
            } else {
                Piece::End
            });
        }
        let room = max - (out.len() - start);
        let window = &buffer[..buffer.len().min(room)];
        if let Some(i) = window.iter().position(|&b| b == b'\n') {
            out.extend_from_slice(&window[..=i]);
            reader.consume(i + 1);
            return Ok(Piece::Line);
        }
        let taken = window.len();
        out.extend_from_slice(window);
        reader.consume(taken);
        if out.len() - start >= max {
            return Ok(Piece::Partial);
        }
    }
}

/// Discards the rest of an over-long line.
async fn skip_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<()> {
    let mut scratch = Vec::new();
    loop {
        scratch.clear();
        match read_piece(reader, &mut scratch, MAX_COMMAND).await? {
            Piece::Partial => continue,
            Piece::Line | Piece::End => return Ok(()),
        }
    }
}

enum Data {
    Message(Vec<u8>),
    /// Over `mail.max_message_bytes`: read to its end and refused.
    TooLarge,
}

/// Reads the message after DATA up to the lone `.` line, undoing dot-stuffing. `None`: the
/// connection ended first.
async fn read_data<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max_bytes: u64,
) -> std::io::Result<Option<Data>> {
    const PIECE: usize = 64 * 1024;
    let max = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let mut message = Vec::new();
    let mut piece = Vec::with_capacity(PIECE);
    let mut too_large = false;
    let mut line_start = true;
    loop {
        piece.clear();
        let read = tokio::time::timeout(IDLE, read_piece(reader, &mut piece, PIECE)).await;
        let Ok(read) = read else {
            return Ok(None);
        };
        let complete = match read? {
            Piece::End => return Ok(None),
            Piece::Line => true,
            Piece::Partial => false,
        };
        let mut bytes = piece.as_slice();
        if line_start && complete && (bytes == b".\r\n" || bytes == b".\n") {
            return Ok(Some(if too_large {
                Data::TooLarge
            } else {
                Data::Message(message)
            }));
        }
        if line_start && bytes.first() == Some(&b'.') {
            bytes = &bytes[1..];
        }
        line_start = complete;
        if too_large || message.len() + bytes.len() > max {
            too_large = true;
            message = Vec::new();
            continue;
        }
        message.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_as_rfc_2033_writes_them() {
        assert_eq!(
            Command::parse("lhlo mx.example"),
            Command::Lhlo("mx.example".into())
        );
        assert_eq!(
            Command::parse("MAIL FROM:<a@b.example> SIZE=1234 BODY=8BITMIME"),
            Command::Mail {
                from: "a@b.example".into(),
                size: Some(1234)
            }
        );
        assert_eq!(
            Command::parse("MAIL FROM:<>"),
            Command::Mail {
                from: String::new(),
                size: None
            }
        );
        assert_eq!(
            Command::parse("rcpt to: <support+acme@desk.example>"),
            Command::Rcpt("support+acme@desk.example".into())
        );
        assert_eq!(
            Command::parse("RCPT TO:<@relay.example:acme@desk.example>"),
            Command::Rcpt("acme@desk.example".into())
        );
        assert!(matches!(
            Command::parse("MAIL FROM:a@b"),
            Command::Syntax(_)
        ));
        assert!(matches!(Command::parse("RCPT TO:<>"), Command::Syntax(_)));
        assert!(matches!(Command::parse("LHLO"), Command::Syntax(_)));
        assert_eq!(Command::parse("EHLO x"), Command::Smtp);
        assert_eq!(Command::parse("STARTTLS"), Command::Unknown);
        assert_eq!(Command::parse(""), Command::Unknown);
        assert_eq!(
            Command::parse("MAIL FROM"),
            Command::Syntax("501 5.5.4 Syntax: MAIL FROM:<address>")
        );
    }

    async fn data(input: &[u8], max: u64) -> Option<Data> {
        let mut reader = BufReader::new(input);
        read_data(&mut reader, max).await.unwrap()
    }

    #[tokio::test]
    async fn data_is_unstuffed_and_ends_at_the_lone_dot() {
        let Some(Data::Message(m)) =
            data(b"Subject: x\r\n\r\n..hidden\r\n.\r\nQUIT\r\n", 1000).await
        else {
            panic!("a message")
        };
        assert_eq!(m, b"Subject: x\r\n\r\n.hidden\r\n");
        // A line longer than one read piece keeps its dots in the middle.
        let long = [b"a".repeat(70_000), b"\r\n.x\r\n.\r\n".to_vec()].concat();
        let Some(Data::Message(m)) = data(&long, 1_000_000).await else {
            panic!("a message")
        };
        assert_eq!(m.len(), 70_000 + 2 + 3);
        assert!(m.ends_with(b"\r\nx\r\n"));
    }

    #[tokio::test]
    async fn too_large_is_read_to_its_end_and_a_cut_connection_takes_nothing() {
        assert!(matches!(
            data(b"0123456789\r\n.\r\n", 5).await,
            Some(Data::TooLarge)
        ));
        assert!(data(b"Subject: x\r\n\r\nhalf", 1000).await.is_none());
    }
}
