//! Writes that arrive together, done together: card moves that arrive while a batch of moves
//! is being written queue, and the task writing moves takes them all in one transaction next
//! ("group commit").
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
//! order writers, so two batches at once (from two instances) are as safe as two single moves.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::{Actor, CardId, MoveRequest};
use tokio::sync::oneshot;

/// The most jobs one batch takes; the rest wait for the next.
pub(crate) const MAX_BATCH: usize = 64;

/// A queue of jobs of type `J` with answers of type `R`, worked in batches by one task at a
/// time per process.
pub(crate) struct Batcher<J, R> {
    queue: Arc<Mutex<Queue<J, R>>>,
}

struct Queue<J, R> {
    jobs: Vec<(J, oneshot::Sender<R>)>,
    /// Whether a task is taking batches from the queue (it takes every job queued meanwhile).
    working: bool,
}

impl<J, R> Default for Batcher<J, R> {
    fn default() -> Self {
        Self {
            queue: Arc::new(Mutex::new(Queue {
                jobs: Vec::new(),
                working: false,
            })),
        }
    }
}

impl<J, R> fmt::Debug for Batcher<J, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queue = lock(&self.queue);
        f.debug_struct("Batcher")
            .field("waiting", &queue.jobs.len())
            .field("working", &queue.working)
            .finish()
    }
}

/// The queue, even if a task panicked while holding it (the queue itself stays whole: it is
/// only pushed to and drained).
fn lock<J, R>(queue: &Mutex<Queue<J, R>>) -> MutexGuard<'_, Queue<J, R>> {
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A batch's word that the next batch may begin: given to each batch and said with
/// [`Self::now`]; a batch that does not say it (drops it unsaid) holds the next one back
/// until it ends.
///
/// Why: a batch of moves on PostgreSQL ends with its commit, a round trip and a WAL flush with
/// the board still locked. The next batch that begins then has its connection, its `BEGIN`
/// and its lock statement sent while the first commits, and goes on the moment the lock is
/// free, where it used to start all that only after the commit had answered. It takes the
/// jobs queued until then; those queued later wait for the batch after it, so batches stay
/// large.
pub(crate) struct Release(Option<oneshot::Sender<()>>);

impl Release {
    /// Lets the next batch begin now.
    pub(crate) fn now(&mut self) {
        if let Some(next) = self.0.take() {
            let _ = next.send(());
        }
    }
}

impl<J: Send + 'static, R: Send + 'static> Batcher<J, R> {
    /// Queues `job` and returns its answer. When no task is taking batches from the queue,
    /// this starts one with `work`: it takes the queue (up to [`MAX_BATCH`] jobs at a time)
    /// until it is empty, each batch once the one before has released it (see [`Release`]),
    /// and `work` answers each batch's jobs in order. `None` if the batch holding the job
    /// ended without answering it (a panic).
    ///
    /// Each batch runs on its own task: a caller that goes away does not cut off the jobs of
    /// others, and a queued job is done, without delay, even if its own caller has gone.
    pub async fn run<W, F>(&self, job: J, work: W) -> Option<R>
    where
        W: Fn(Vec<J>, Release) -> F + Send + 'static,
        F: Future<Output = Vec<R>> + Send + 'static,
    {
        let (sender, answer) = oneshot::channel();
        let start = {
            let mut queue = lock(&self.queue);
            queue.jobs.push((job, sender));
            !std::mem::replace(&mut queue.working, true)
        };
        if start {
            tokio::spawn(work_through(Arc::clone(&self.queue), work));
        }
        answer.await.ok()
    }
}

/// Takes the queue in batches until it is empty, each batch on its own task, the next taken
/// once the one before has released it.
async fn work_through<J, R, W, F>(queue: Arc<Mutex<Queue<J, R>>>, work: W)
where
    J: Send + 'static,
    R: Send + 'static,
    W: Fn(Vec<J>, Release) -> F,
    F: Future<Output = Vec<R>> + Send + 'static,
{
    let mut working = Working {
        queue: Arc::clone(&queue),
        armed: true,
    };
    loop {
        let (jobs, senders): (Vec<J>, Vec<oneshot::Sender<R>>) = {
            let mut queue = lock(&queue);
            if queue.jobs.is_empty() {
                // Under the lock: a job queued after this starts the next task.
                queue.working = false;
                working.armed = false;
                return;
            }
            let taken = queue.jobs.len().min(MAX_BATCH);
            queue.jobs.drain(..taken).unzip()
        };
        let (release, released) = oneshot::channel();
        let (ended, end) = oneshot::channel::<()>();
        let batch = work(jobs, Release(Some(release)));
        // A batch that panics drops its answer channels (its callers hear `None`) and its
        // end: the queue goes on.
        tokio::spawn(async move {
            let answers = batch.await;
            for (sender, done) in senders.into_iter().zip(answers) {
                // A caller that went away no longer wants its answer.
                let _ = sender.send(done);
            }
            drop(ended);
        });
        if released.await.is_err() {
            // Dropped unsaid: the next batch waits for this one's end.
            let _ = end.await;
        }
    }
}

/// The task's hold on the queue. When the task ends early (the runtime shutting down), its
/// drop marks the queue as not worked on, so that the next job starts a task again, and only
/// then lets the callers of the jobs still queued know there is no answer: a caller told
/// earlier could queue a job the ending task would never take.
struct Working<J, R> {
    queue: Arc<Mutex<Queue<J, R>>>,
    armed: bool,
}

impl<J, R> Drop for Working<J, R> {
    fn drop(&mut self) {
        if self.armed {
            let orphans = {
                let mut queue = lock(&self.queue);
                queue.working = false;
                std::mem::take(&mut queue.jobs)
            };
            drop(orphans);
        }
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

/// How a step of a batched move failed: `Ok` when the move itself is refused (the policies,
/// an unknown card, column or lane: found out before it writes, so the batch goes on without
/// it); `Err` when the database failed (the batch is rolled back, see [`batch_failure`]).
pub(crate) fn refusal(error: StoreError) -> Result<StoreError, StoreError> {
    match error {
        StoreError::NotFound(_)
        | StoreError::Invalid(_)
        | StoreError::Policy(_)
        | StoreError::Conflict(_) => Ok(error),
        StoreError::Unavailable(_) | StoreError::WritesRefused { .. } | StoreError::Internal(_) => {
            Err(error)
        }
    }
}

/// What a batch of `moves` rolled back by a database failure answers: the same error for
/// every move when the database is away or refuses writes (made one by one, each move would
/// only wait for it again, and the last caller would hear of it many timeouts later); `None`
/// otherwise: the moves are made one by one, so only the move that broke the batch fails.
pub(crate) fn batch_failure(error: &StoreError, moves: usize) -> Option<Vec<MoveAnswer>> {
    match error {
        StoreError::Unavailable(_) | StoreError::WritesRefused { .. } => {
            Some((0..moves).map(|_| Err(same_error(error))).collect())
        }
        _ => None,
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
    use std::time::Duration;

    /// Waits until `done` holds, for a second at most (the caller asserts what it waited for).
    async fn within_a_second(done: impl Fn() -> bool) {
        for _ in 0..1000 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

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
                    .run(job, move |jobs, _| {
                        let batches = Arc::clone(&batches);
                        async move {
                            batches.fetch_add(1, Ordering::SeqCst);
                            // Long enough for the other callers to queue behind this batch.
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                            jobs.into_iter().map(|j| j * 10).collect()
                        }
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
        // The task ends once it finds the queue empty, just after the last answer.
        within_a_second(|| !lock(&batcher.queue).working).await;
        let queue = lock(&batcher.queue);
        assert!(queue.jobs.is_empty() && !queue.working);
    }

    #[test]
    fn a_database_away_fails_the_whole_batch_at_once() {
        let away = StoreError::Unavailable("connection refused".into());
        let answers = batch_failure(&away, 3).expect("answered at once");
        assert_eq!(answers.len(), 3);
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Err(StoreError::Unavailable(d)) if d == "connection refused"))
        );
        let broken = StoreError::Internal("a constraint failed".into());
        assert!(batch_failure(&broken, 3).is_none(), "made one by one");
        assert!(matches!(
            refusal(StoreError::NotFound("card".into())),
            Ok(StoreError::NotFound(_))
        ));
        assert!(matches!(refusal(away), Err(StoreError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_batch_that_does_not_answer_gives_none() {
        let batcher = Batcher::<u8, u8>::default();
        let answer = batcher.run(1, |_, _| async { Vec::new() }).await;
        assert_eq!(answer, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_batch_does_not_stop_the_queue() {
        let batcher = Batcher::<u8, u8>::default();
        let work = |jobs: Vec<u8>, _: Release| async move {
            assert!(!jobs.contains(&1), "a batch failed badly");
            jobs
        };
        assert_eq!(batcher.run(1, work).await, None);
        assert_eq!(batcher.run(2, work).await, Some(2), "the queue stopped");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_whose_caller_went_away_is_still_done() {
        let batcher = Arc::new(Batcher::<u8, u8>::default());
        let done = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let work = {
            let done = Arc::clone(&done);
            let gate = Arc::clone(&gate);
            move |jobs: Vec<u8>, _: Release| {
                let done = Arc::clone(&done);
                let gate = Arc::clone(&gate);
                async move {
                    // The first batch waits for the gate, so the second job queues behind it.
                    if jobs.contains(&1) {
                        gate.notified().await;
                    }
                    done.fetch_add(jobs.len(), Ordering::SeqCst);
                    jobs
                }
            }
        };
        let first = {
            let batcher = Arc::clone(&batcher);
            let work = work.clone();
            tokio::spawn(async move { batcher.run(1, work).await })
        };
        while !lock(&batcher.queue).working || !lock(&batcher.queue).jobs.is_empty() {
            tokio::task::yield_now().await;
        }
        let second = {
            let batcher = Arc::clone(&batcher);
            tokio::spawn(async move { batcher.run(2, work).await })
        };
        while lock(&batcher.queue).jobs.is_empty() {
            tokio::task::yield_now().await;
        }
        second.abort();
        let _ = second.await;
        gate.notify_one();
        assert_eq!(first.await.unwrap(), Some(1));
        // No other caller comes: the task working through the queue does the second job.
        within_a_second(|| done.load(Ordering::SeqCst) == 2 && !lock(&batcher.queue).working).await;
        assert_eq!(done.load(Ordering::SeqCst), 2, "the second job was dropped");
        assert!(!lock(&batcher.queue).working, "the task did not end");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_next_batch_begins_when_the_first_releases_it() {
        let batcher = Arc::new(Batcher::<u8, u8>::default());
        let (reached, gate) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let work = {
            let (reached, gate) = (Arc::clone(&reached), Arc::clone(&gate));
            move |jobs: Vec<u8>, mut release: Release| {
                let (reached, gate) = (Arc::clone(&reached), Arc::clone(&gate));
                async move {
                    if jobs.contains(&1) {
                        // The first batch lets the next begin, then waits (as for its commit).
                        release.now();
                        reached.notify_one();
                        gate.notified().await;
                    }
                    jobs
                }
            }
        };
        let first = {
            let batcher = Arc::clone(&batcher);
            let work = work.clone();
            tokio::spawn(async move { batcher.run(1, work).await })
        };
        reached.notified().await;
        let second = tokio::time::timeout(Duration::from_secs(10), batcher.run(2, work));
        assert_eq!(
            second.await.ok(),
            Some(Some(2)),
            "the second batch waited for the first to end"
        );
        assert!(!first.is_finished(), "the first batch is still at its gate");
        gate.notify_one();
        assert_eq!(first.await.unwrap(), Some(1));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_release_the_next_batch_waits_for_the_end() {
        let batcher = Arc::new(Batcher::<u8, u8>::default());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut callers = Vec::new();
        for job in 0..50u8 {
            let batcher = Arc::clone(&batcher);
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            callers.push(tokio::spawn(async move {
                batcher
                    .run(job, move |jobs, _| {
                        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                        async move {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            running.fetch_sub(1, Ordering::SeqCst);
                            jobs
                        }
                    })
                    .await
            }));
        }
        for (job, caller) in callers.into_iter().enumerate() {
            assert_eq!(caller.await.unwrap(), Some(job as u8));
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "two batches ran at once");
    }
}
