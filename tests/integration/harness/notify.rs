//! The `NOTIFY_SOCKET` end of the systemd notification protocol.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::DEADLINE;

/// The `NOTIFY_SOCKET` end systemd would hold: a datagram socket in the test's temp dir.
pub struct NotifySocket {
    pub path: PathBuf,
    socket: UnixDatagram,
    /// Every datagram received so far, in order.
    pub messages: Vec<String>,
    cursor: usize,
    junk_senders: Vec<UnixDatagram>,
}

const JUNK: &[u8] = b"X-TEST-JUNK=1\n";

impl NotifySocket {
    pub fn bind(dir: &Path) -> NotifySocket {
        let path = dir.join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        NotifySocket {
            path,
            socket,
            messages: Vec::new(),
            cursor: 0,
            junk_senders: Vec::new(),
        }
    }

    /// Fills the socket's receive queue with junk datagrams, so that the daemon's next
    /// notification blocks in `send` until the test receives one: the daemon then advances
    /// exactly one notification per `recv_one`, and the test can look at its state while it
    /// is stopped inside a given notification.
    pub fn fill_queue(&mut self) {
        loop {
            // Each sender's own buffer limits what it can queue; use fresh ones until even
            // the first datagram of a fresh sender does not fit: the receiver is full.
            let sender = UnixDatagram::unbound().expect("sender");
            sender.set_nonblocking(true).expect("nonblocking");
            let mut sent = 0;
            while sender.send_to(JUNK, &self.path).is_ok() {
                sent += 1;
            }
            self.junk_senders.push(sender);
            if sent == 0 {
                return;
            }
        }
    }

    /// Receives the next datagram (bounded); junk from `fill_queue` comes back as `None`.
    pub fn recv_one(&mut self) -> Option<String> {
        self.socket
            .set_read_timeout(Some(DEADLINE))
            .expect("timeout");
        let mut buf = [0u8; 4096];
        let n = self
            .socket
            .recv(&mut buf)
            .expect("a datagram on NOTIFY_SOCKET");
        if &buf[..n] == JUNK {
            return None;
        }
        let message = String::from_utf8_lossy(&buf[..n]).into_owned();
        self.messages.push(message.clone());
        self.cursor = self.messages.len();
        Some(message)
    }

    /// Receives what is queued now, without waiting; returns the new (non-junk) datagrams.
    pub fn drain(&mut self) -> Vec<String> {
        let before = self.messages.len();
        self.socket.set_nonblocking(true).expect("nonblocking");
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.socket.recv(&mut buf) {
            if &buf[..n] != JUNK {
                self.messages
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
        self.socket.set_nonblocking(false).expect("blocking");
        self.messages[before..].to_vec()
    }

    /// Waits (bounded) for the next datagram that has the line `wanted`, e.g. `READY=1`, and
    /// returns the whole datagram. Datagrams before it are kept in `messages`.
    pub fn wait_for(&mut self, wanted: &str) -> String {
        self.try_wait_for(wanted, Instant::now() + DEADLINE)
            .unwrap_or_else(|| {
                panic!(
                    "no datagram with {wanted} on NOTIFY_SOCKET; received: {:?}",
                    self.messages
                )
            })
    }

    pub fn try_wait_for(&mut self, wanted: &str, deadline: Instant) -> Option<String> {
        loop {
            while self.cursor < self.messages.len() {
                let message = &self.messages[self.cursor];
                self.cursor += 1;
                if message.lines().any(|line| line == wanted) {
                    return Some(message.clone());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Past the deadline: take only what is already queued.
                self.drain();
                let found = self.messages[self.cursor..]
                    .iter()
                    .position(|m| m.lines().any(|line| line == wanted));
                return found.map(|i| {
                    self.cursor += i + 1;
                    self.messages[self.cursor - 1].clone()
                });
            }
            self.socket.set_read_timeout(Some(left)).expect("timeout");
            let mut buf = [0u8; 4096];
            match self.socket.recv(&mut buf) {
                Ok(n) if &buf[..n] == JUNK => {}
                Ok(n) => self
                    .messages
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned()),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None;
                }
                Err(e) => panic!("NOTIFY_SOCKET: {e}"),
            }
        }
    }
}
