//! Writes that arrive together, done together: card moves waiting for the write turn are
//! taken by the first of them and made in one transaction ("group commit").
//!
//! Why: under load, moves to one board are made one at a time (SQLite's single writer; a
//! PostgreSQL row lock on the board), so their rate is one over the time a move holds that
//! turn. On PostgreSQL that time was five round trips (lock, read, write, notify, commit) with
//! the cores a third idle: the moves waited on each other's round trips, not on the CPU
//! (`bench/HISTORY.md`, session 11). In a batch the board is locked, and the transaction
//! begun and committed, once for all its moves: a move costs its read and its write.
//!
//! A batch is only a way of sharing the turn: each move is still checked against the board
//! as the moves before it (in the batch too) left it, and the database's own locks still
//! order writers, so two batches at once (another instance, or a batch whose first caller
//! went away) are as safe as two single moves.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use app::ssr::StoreError;
use chrono::{DateTime, Utc};
use domain::{Actor, CardId, MoveRequest};
use tokio::sync::oneshot::{self, error::TryRecvError};

/// The most jobs one batch takes; the rest wait for the next.
pub(crate) const MAX_BATCH: usize = 64;

/// A queue of jobs of type `J` with answers of type `R`, worked in batches, one batch at a
/// time per process.
pub(crate) struct Batcher<J, R> {
    queue: Mutex<Vec<(J, oneshot::Sender<R>)>>,
    /// Held by the batch at work, until every answer of it is sent.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl<J, R> Default for Batcher<J, R> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            turn: Arc::default(),
        }
    }
}

impl<J, R> fmt::Debug for Batcher<J, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Batcher")
            .field("waiting", &waiting)
            .finish()
    }
}

impl<J: Send + 'static, R: Send + 'static> Batcher<J, R> {
    /// Queues `job` and returns its answer. The caller that gets the turn while its own job
    /// is still queued takes the queue (up to [`MAX_BATCH`] jobs) and hands it to `work`,
    /// which answers them in order; the others wait for their answer. `None` if the batch
    /// holding the job ended without answering it (a panic).
    ///
    /// The batch runs on its own task: a caller that goes away does not cut off the jobs of
    /// others, and a queued job is done even if its own caller has gone.
    pub async fn run<W, F>(&self, job: J, work: W) -> Option<R>
    where
        W: FnOnce(Vec<J>) -> F,
        F: Future<Output = Vec<R>> + Send + 'static,
    {
        let (sender, mut answer) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((job, sender));
        let turn = tokio::select! {
            done = &mut answer => return done.ok(),
            turn = Arc::clone(&self.turn).lock_owned() => turn,
        };
        match answer.try_recv() {
            Ok(done) => return Some(done),
            Err(TryRecvError::Closed) => return None,
            Err(TryRecvError::Empty) => {}
        }
        let (jobs, senders): (Vec<J>, Vec<oneshot::Sender<R>>) = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            let taken = queue.len().min(MAX_BATCH);
            queue.drain(..taken).unzip()
        };
        let batch = work(jobs);
        tokio::spawn(async move {
            let answers = batch.await;
            for (sender, done) in senders.into_iter().zip(answers) {
                // A caller that went away no longer wants its answer.
                let _ = sender.send(done);
            }
            drop(turn);
        });
        answer.await.ok()
    }
}

/// A card move waiting in a [`Batcher`]: what `Store::move_card` was asked.
pub(crate) struct PendingMove {
    pub id: CardId,
    pub request: MoveRequest,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// What a queued card move is answered.
pub(crate) type MoveAnswer = Result<domain::Card, StoreError>;

/// How a step of a batched move failed: `Some` when the move itself is refused (the policies,
/// an unknown card, column or lane: found out before it writes, so the batch goes on without
/// it); `None` when the database failed (the batch is rolled back).
pub(crate) fn refusal(error: StoreError) -> Option<StoreError> {
    match error {
        StoreError::NotFound(_)
        | StoreError::Invalid(_)
        | StoreError::Policy(_)
        | StoreError::Conflict(_) => Some(error),
        StoreError::Unavailable(_) | StoreError::WritesRefused { .. } | StoreError::Internal(_) => {
            None
        }
    }
}

/// The error a failed commit gives each move of its batch (`StoreError` holds domain errors
/// that are not `Clone`; a commit fails only with the database's kinds).
pub(crate) fn same_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(detail) => StoreError::Unavailable(detail.clone()),
        StoreError::WritesRefused { reason, detail } => StoreError::WritesRefused {
            reason: *reason,
            detail: detail.clone(),
        },
        other => StoreError::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_job_is_answered_once_in_batches() {
        let batcher = Arc::new(Batcher::<usize, usize>::default());
        let batches = Arc::new(AtomicUsize::new(0));
        let mut callers = Vec::new();
        for job in 0..200 {
            let batcher = Arc::clone(&batcher);
            let batches = Arc::clone(&batches);
            callers.push(tokio::spawn(async move {
                batcher
                    .run(job, move |jobs| async move {
                        batches.fetch_add(1, Ordering::SeqCst);
                        // Long enough for the other callers to queue behind this batch.
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        jobs.into_iter().map(|j| j * 10).collect()
                    })
                    .await
            }));
        }
        for (job, caller) in callers.into_iter().enumerate() {
            assert_eq!(caller.await.unwrap(), Some(job * 10));
        }
        let batches = batches.load(Ordering::SeqCst);
        assert!(
            batches < 200,
            "200 jobs queued together were worked one by one ({batches} batches)"
        );
        assert!(batcher.queue.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_batch_that_does_not_answer_gives_none() {
        let batcher = Batcher::<u8, u8>::default();
        let answer = batcher.run(1, |_| async { Vec::new() }).await;
        assert_eq!(answer, None);
    }

    #[tokio::test]
    async fn a_job_whose_caller_went_away_is_still_done() {
        let batcher = Arc::new(Batcher::<u8, u8>::default());
        let done = Arc::new(AtomicUsize::new(0));
        // Hold the turn, so the next caller queues and waits.
        let held = Arc::clone(&batcher.turn).lock_owned().await;
        let waiting = {
            let batcher = Arc::clone(&batcher);
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                batcher
                    .run(1, move |jobs| async move {
                        done.fetch_add(jobs.len(), Ordering::SeqCst);
                        jobs
                    })
                    .await
            })
        };
        while batcher.queue.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        waiting.abort();
        let _ = waiting.await;
        drop(held);
        let counted = Arc::clone(&done);
        let answer = batcher
            .run(2, move |jobs| async move {
                counted.fetch_add(jobs.len(), Ordering::SeqCst);
                jobs
            })
            .await;
        assert_eq!(answer, Some(2));
        assert_eq!(done.load(Ordering::SeqCst), 2, "the first job was dropped");
    }
}
