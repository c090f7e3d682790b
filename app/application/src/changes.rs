//! Where committed board changes are announced to live views, and when each board last
//! changed as far as this instance has heard.
//!
//! The time matters to a board page that connects its live stream just after it was
//! rendered: if nothing changed since the render, the page need not read the board again
//! (for a 2,000-card board that re-read was a second full page of data, and re-rendering
//! under the user's hands lost their focus or their drag).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use domain::BoardId;
use tokio::sync::broadcast;

use crate::ports::BoardChange;

/// Live views subscribe here; stores publish every committed change (PostgreSQL: every
/// change any instance committed, as its NOTIFY arrives).
#[derive(Debug)]
pub struct ChangeFeed {
    sender: broadcast::Sender<BoardChange>,
    clock: Mutex<ChangeClock>,
}

#[derive(Debug)]
struct ChangeClock {
    /// Since when every change has been heard: the start, or the last `resync` (a listener
    /// that reconnected may have missed some).
    since: DateTime<Utc>,
    /// Each board's last change heard after `since`.
    boards: HashMap<BoardId, DateTime<Utc>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self {
            // Enough for a burst of changes while a live view is busy sending; one that
            // falls behind gets `resync` and reloads.
            sender: broadcast::channel(1024).0,
            clock: Mutex::new(ChangeClock {
                since: Utc::now(),
                boards: HashMap::new(),
            }),
        }
    }
}

impl ChangeFeed {
    /// Announces a committed change (nobody listening is fine).
    pub fn publish(&self, change: BoardChange) {
        {
            // Recorded before it is sent, so a view that subscribed and then asked for the
            // time cannot miss it both ways.
            let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
            let now = Utc::now();
            match change.board_id {
                Some(board) => {
                    clock.boards.insert(board, now);
                }
                None if change.is_resync() => {
                    clock.since = now;
                    clock.boards.clear();
                }
                // About one person's inbox, no board's.
                None => {}
            }
        }
        let _ = self.sender.send(change);
    }

    /// Changes published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BoardChange> {
        self.sender.subscribe()
    }

    /// The time of the board's last change heard, or, when none was, the time since which
    /// every change has been heard: nothing changed on the board after the time returned.
    pub fn last_change(&self, board: BoardId) -> DateTime<Utc> {
        let clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        clock.boards.get(&board).copied().unwrap_or(clock.since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_change_is_per_board_and_a_resync_forgets_them_all() {
        let feed = ChangeFeed::default();
        let (a, b) = (BoardId::new(), BoardId::new());
        let started = feed.last_change(a);
        assert_eq!(feed.last_change(b), started, "nothing heard yet: the start");

        let mut views = feed.subscribe();
        feed.publish(BoardChange::board(a, "card_moved"));
        let changed = feed.last_change(a);
        assert!(changed >= started);
        assert_eq!(
            feed.last_change(b),
            started,
            "another board's change is not b's"
        );
        assert_eq!(
            views.recv().await.ok(),
            Some(BoardChange::board(a, "card_moved"))
        );

        feed.publish(BoardChange::resync());
        let resynced = feed.last_change(b);
        assert!(resynced >= changed);
        assert_eq!(
            feed.last_change(a),
            resynced,
            "after a resync, any board may have changed"
        );
    }
}
