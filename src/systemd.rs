//! The only place that speaks to systemd: readiness and watchdog notifications, socket
//! activation, and telling whether our output goes to the journal.

use std::net::TcpListener;
use std::os::fd::{AsFd, FromRawFd, RawFd};
use std::time::Duration;

use sd_notify::NotifyState;

fn notify(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// `READY=1`: send only once the listeners are bound and the databases open.
pub fn ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn status(status: &str) {
    notify(&[NotifyState::Status(status)]);
}

/// Asks for more start-up time (long migrations), so systemd does not kill us mid-way.
pub fn extend_timeout(by: Duration) {
    let usec = u32::try_from(by.as_micros()).unwrap_or(u32::MAX);
    notify(&[NotifyState::ExtendTimeoutUsec(usec)]);
}

pub fn stopping() {
    notify(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

pub fn reloading_done(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn watchdog() {
    notify(&[NotifyState::Watchdog]);
}

/// How often to ping the watchdog: half of `WatchdogSec=`, if the unit sets one.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|period| period / 2)
}

/// Sockets passed by systemd socket activation (`LISTEN_FDS`), by their `FileDescriptorName=`.
#[derive(Default)]
pub struct ActivatedSockets {
    pub https: Option<TcpListener>,
    pub http: Option<TcpListener>,
}

impl ActivatedSockets {
    pub fn is_empty(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }
}

/// Takes the activated sockets: the one named `http` is the redirect listener; the one named
/// `https` (or the first unnamed one) is the HTTPS listener.
pub fn activated_sockets() -> std::io::Result<ActivatedSockets> {
    let mut sockets = ActivatedSockets::default();
    for (fd, name) in sd_notify::listen_fds_with_names()? {
        let listener = adopt_listener(fd);
        listener.set_nonblocking(true)?;
        match name.as_str() {
            "http" if sockets.http.is_none() => sockets.http = Some(listener),
            _ if sockets.https.is_none() => sockets.https = Some(listener),
            _ => tracing::warn!(fd, name, "ignoring an extra activated socket"),
        }
    }
    Ok(sockets)
}

#[allow(unsafe_code)]
fn adopt_listener(fd: RawFd) -> TcpListener {
    // SAFETY: systemd passes these descriptors to this process only (LISTEN_PID was checked
    // by sd_notify), each exactly once, and nothing else in the process owns them.
    unsafe { TcpListener::from_raw_fd(fd) }
}

/// True when `fd` is the stream systemd connected to the journal (`$JOURNAL_STREAM`).
pub fn is_journal_stream(fd: &impl AsFd) -> bool {
    let Ok(value) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    let Ok(stat) = nix::sys::stat::fstat(fd) else {
        return false;
    };
    dev.parse::<u64>().ok() == Some(stat.st_dev) && ino.parse::<u64>().ok() == Some(stat.st_ino)
}
