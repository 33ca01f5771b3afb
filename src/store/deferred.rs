//! Ids of rows whose follow-up work may wait a moment after their commit and is then done
//! for many commits in one job: the account database's search index of new tickets
//! (`search::index_soon`). The work itself belongs to its domain; this is only the queue and
//! the rule that rounds of it run one at a time.
//!
//! The owner of the work also records it durably (for the search index, the
//! `search_backlog` table, in the same transaction as the row): ids lost here, with a crash,
//! a failed round or a full queue, are done by that slower path instead.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

/// Beyond this many waiting ids, more are not kept (their durable record still has them): a
/// stalled writer must not grow the daemon's memory.
const MAX_WAITING: usize = 100_000;

#[derive(Default)]
pub struct Deferred {
    waiting: Mutex<Vec<i64>>,
    round: tokio::sync::Mutex<()>,
}

impl Deferred {
    /// After the commit that made row `id`: its follow-up work is due.
    pub fn push(&self, id: i64) {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if waiting.len() < MAX_WAITING {
            waiting.push(id);
        }
    }

    /// Nothing waits and no round is running.
    pub fn is_idle(&self) -> bool {
        let empty = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
        empty && self.round.try_lock().is_ok()
    }

    /// Runs `work` on every id pushed so far and not yet taken, one round at a time. When it
    /// returns, each id pushed before the call has been through a round that has finished:
    /// this one, or the one that was running when it was called. `None` if nothing waited.
    pub async fn drain<T, E, F, Fut>(&self, work: F) -> Result<Option<T>, E>
    where
        F: FnOnce(Vec<i64>) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let _round = self.round.lock().await;
        let ids = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        if ids.is_empty() {
            return Ok(None);
        }
        work(ids).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_drain_waits_for_the_round_that_holds_earlier_ids() {
        let deferred = Arc::new(Deferred::default());
        deferred.push(1);
        deferred.push(2);
        let (started, started_rx) = tokio::sync::oneshot::channel();
        let (release, release_rx) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let deferred = deferred.clone();
            tokio::spawn(async move {
                deferred
                    .drain(|ids| async move {
                        let _ = started.send(());
                        let _ = release_rx.await;
                        Ok::<_, ()>(ids)
                    })
                    .await
            })
        };
        started_rx.await.unwrap();
        assert!(!deferred.is_idle(), "a round is running");
        // Nothing is left to take, but the running round holds 1 and 2: this drain must not
        // return before it finishes.
        let second = {
            let deferred = deferred.clone();
            tokio::spawn(async move { deferred.drain(|ids| async move { Ok::<_, ()>(ids) }).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!second.is_finished());
        release.send(()).unwrap();
        assert_eq!(slow.await.unwrap(), Ok(Some(vec![1, 2])));
        assert_eq!(second.await.unwrap(), Ok(None));
        assert!(deferred.is_idle());
    }

    #[tokio::test]
    async fn ids_pushed_during_a_round_go_to_the_next() {
        let deferred = Deferred::default();
        deferred.push(7);
        let first = deferred
            .drain(|ids| async {
                deferred.push(8);
                Ok::<_, ()>(ids)
            })
            .await;
        assert_eq!(first, Ok(Some(vec![7])));
        assert!(!deferred.is_idle());
        let second = deferred.drain(|ids| async move { Ok::<_, ()>(ids) }).await;
        assert_eq!(second, Ok(Some(vec![8])));
    }

    #[test]
    fn the_queue_is_bounded() {
        let deferred = Deferred::default();
        for id in 0..(MAX_WAITING as i64 + 10) {
            deferred.push(id);
        }
        assert_eq!(deferred.waiting.lock().unwrap().len(), MAX_WAITING);
    }
}
