//! A per-board copy of the event log in memory, brought up to date on each read by fetching
//! only the events appended since the last one.
//!
//! Why: the flow metrics, the retrospective and the delivery dashboard read a board's whole
//! log. For a year of a big board (200,000 events) reading it from SQLite took about 500 ms
//! of a 300 ms budget, and from PostgreSQL about 270 ms; a read of the few events added since
//! takes a millisecond.
//!
//! Why the copy stays exact: the log is append-only (a trigger refuses updates) and every
//! write to a board inserts its events while holding that board's write lock (SQLite has one
//! writer; PostgreSQL locks the board row `FOR UPDATE`, across instances). So a board's event
//! ids are committed in increasing order, and once a reader has seen id `n`, every event
//! committed later has an id above `n`. As a guard against anything that would break that
//! reasoning (a board's events deleted with it, a future writer that skips the lock), each
//! read also counts the board's stored events up to the last cached id: a mismatch throws the
//! copy away and the log is read whole again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use domain::{BoardId, CardEvent};

/// Events kept over all boards before the least recently read boards are dropped: about
/// 200 bytes each, so the default budget is some 100 MB at most, reached only by several
/// boards with years of history.
pub(crate) const DEFAULT_BUDGET: usize = 500_000;

/// The cached logs, one slot per board.
#[derive(Debug)]
pub(crate) struct LogCache {
    boards: Mutex<HashMap<BoardId, Arc<tokio::sync::Mutex<Slot>>>>,
    budget: usize,
}

/// One board's cached log.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// Shared with the readers computing from it: a read whose window reaches past the newest
    /// event (the usual one, ending today) gets the log without a copy.
    events: Arc<Vec<CardEvent>>,
    /// The latest `at` of the cached events.
    latest: Option<DateTime<Utc>>,
    last_read: Option<Instant>,
}

impl Slot {
    /// The id of the newest cached event (0 when empty: ids start at 1 on both databases).
    pub fn last_id(&self) -> i64 {
        self.events.last().map_or(0, |e| e.id)
    }

    /// How many events are cached.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Forgets the cached events, so that the next read fetches the whole log.
    pub fn clear(&mut self) {
        self.events = Arc::default();
        self.latest = None;
    }

    /// Appends events newer than the cached ones (in log order). Copies the log first only
    /// if a reader still holds the previous version.
    pub fn append(&mut self, fresh: Vec<CardEvent>) {
        debug_assert!(fresh.first().is_none_or(|e| e.id > self.last_id()));
        if !fresh.is_empty() {
            self.latest = fresh.iter().map(|e| e.at).chain(self.latest).max();
            Arc::make_mut(&mut self.events).extend(fresh);
        }
        self.last_read = Some(Instant::now());
    }

    /// The cached events before `until`, in log order: the cached log itself when all of it
    /// is, else a filtered copy. Imported history carries past times on new ids, so this
    /// filters rather than cutting at a position.
    pub fn before(&self, until: DateTime<Utc>) -> Arc<Vec<CardEvent>> {
        if self.latest.is_none_or(|latest| latest < until) {
            return Arc::clone(&self.events);
        }
        Arc::new(
            self.events
                .iter()
                .filter(|e| e.at < until)
                .cloned()
                .collect(),
        )
    }
}

impl Default for LogCache {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl LogCache {
    /// A cache that keeps at most about `budget` events over all boards.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            boards: Mutex::default(),
            budget,
        }
    }

    /// The board's slot. Readers of one board take turns on it, so two concurrent first
    /// reads do not both fetch the whole log.
    pub fn slot(&self, board: BoardId) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        boards.entry(board).or_default().clone()
    }

    /// Drops the least recently read boards while the cache holds more than its budget.
    /// Slots being read right now are left alone: they are in use.
    pub fn trim(&self) {
        let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        let mut idle: Vec<(Option<Instant>, usize, BoardId)> = Vec::new();
        let mut total = 0;
        for (board, slot) in boards.iter() {
            if let Ok(slot) = slot.try_lock() {
                total += slot.len();
                idle.push((slot.last_read, slot.len(), *board));
            }
        }
        idle.sort_unstable_by_key(|(last_read, _, _)| *last_read);
        for (_, len, board) in idle {
            if total <= self.budget {
                break;
            }
            boards.remove(&board);
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Actor, CardId, ColumnId, EventKind, LaneId};

    fn event(board: BoardId, id: i64, at: DateTime<Utc>) -> CardEvent {
        CardEvent {
            id,
            card_id: CardId(uuid::Uuid::nil()),
            board_id: board,
            at,
            actor: Actor::system("test"),
            kind: EventKind::Created {
                column_id: ColumnId(uuid::Uuid::nil()),
                lane_id: LaneId(uuid::Uuid::nil()),
            },
        }
    }

    #[tokio::test]
    async fn filters_by_time_not_position_and_drops_the_least_recently_read() {
        let cache = LogCache::with_budget(3);
        let (a, b) = (
            BoardId(uuid::Uuid::from_u128(1)),
            BoardId(uuid::Uuid::from_u128(2)),
        );
        let t = |h: i64| DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::hours(h);
        {
            let slot = cache.slot(a);
            let mut slot = slot.lock().await;
            // An imported card: a later id with an earlier time.
            slot.append(vec![event(a, 1, t(5)), event(a, 2, t(1))]);
            let ids: Vec<i64> = slot.before(t(2)).iter().map(|e| e.id).collect();
            assert_eq!(ids, [2]);
            assert_eq!(slot.last_id(), 2);
        }
        cache.trim();
        assert_eq!(cache.slot(a).lock().await.len(), 2, "within budget");
        {
            let slot = cache.slot(b);
            slot.lock()
                .await
                .append(vec![event(b, 3, t(1)), event(b, 4, t(2))]);
        }
        cache.trim();
        assert_eq!(
            cache.slot(a).lock().await.len(),
            0,
            "a was read least recently"
        );
        assert_eq!(cache.slot(b).lock().await.len(), 2);
    }
}
