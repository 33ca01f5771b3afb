//! Output of a child process, captured by a reader thread, that tests can wait on.

use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use super::DEADLINE;

/// One output stream of a child process, appended by a reader thread. Waiters are woken on
/// every chunk and when the stream ends.
#[derive(Default)]
pub struct Captured {
    state: Mutex<(Vec<u8>, bool)>,
    changed: Condvar,
}

impl Captured {
    pub fn spawn_reader(source: impl Read + Send + 'static, sink: Arc<Captured>) -> JoinHandle<()> {
        std::thread::spawn(move || {
            let mut source = source;
            let mut chunk = [0u8; 8192];
            loop {
                match source.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut state) = sink.state.lock() {
                            state.0.extend_from_slice(&chunk[..n]);
                        }
                        sink.changed.notify_all();
                    }
                }
            }
            if let Ok(mut state) = sink.state.lock() {
                state.1 = true;
            }
            sink.changed.notify_all();
        })
    }

    pub fn text(&self) -> String {
        self.state
            .lock()
            .map(|s| String::from_utf8_lossy(&s.0).into_owned())
            .unwrap_or_default()
    }

    /// Waits until a complete line gives `Some` through `pick`; `None` when the stream ended
    /// or `deadline` passed first.
    pub fn wait_line<T>(&self, deadline: Instant, pick: impl Fn(&str) -> Option<T>) -> Option<T> {
        let mut state = self.state.lock().expect("output lock");
        loop {
            let text = String::from_utf8_lossy(&state.0);
            let complete = match (state.1, text.rfind('\n')) {
                (true, _) => &text[..],
                (false, Some(end)) => &text[..end],
                (false, None) => "",
            };
            if let Some(found) = complete.lines().find_map(&pick) {
                return Some(found);
            }
            if state.1 {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .expect("output lock")
                .0;
        }
    }

    /// Waits for a line containing `needle`; true if one came before the deadline.
    pub fn wait_for(&self, needle: &str) -> bool {
        self.wait_line(Instant::now() + DEADLINE, |l| {
            l.contains(needle).then_some(())
        })
        .is_some()
    }
}
