//! Each board's layout (columns, lanes, flow policy) as last read in a write, with the
//! version it was read at.
//!
//! Why: a card move checks its placement against the layout, and reading it took two of the
//! ten statements of a move (the board row, then its columns and lanes). On SQLite each
//! statement is a round trip to the connection's own thread, two thread switches; a profile of
//! moves under load had the server spend about half its CPU time switching threads
//! (`bench/HISTORY.md`, session 7).
//!
//! Why the copy stays exact: the board row carries `layout_version`, which every change to
//! the layout bumps: database triggers do it (migration `20261202000001_layout_version`), so
//! a change made by another process, by an older version of Flowboard during a rolling
//! upgrade or by hand in SQL counts too. A move reads that version in its write turn
//! with the board locked (one statement it needs anyway) and uses the copy only if it was
//! read at that same version; otherwise it reads the layout there and keeps it. So a layout
//! changed by another process or instance is never used stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use domain::{Board, BoardId};

/// The cached layouts, one per board written to (boards are few: no eviction).
#[derive(Debug, Default)]
pub(crate) struct LayoutCache {
    boards: Mutex<HashMap<BoardId, (i64, Arc<Board>)>>,
}

impl LayoutCache {
    /// The board's layout if it was cached at `version`.
    pub fn get(&self, board: BoardId, version: i64) -> Option<Arc<Board>> {
        let boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        boards
            .get(&board)
            .filter(|(cached, _)| *cached == version)
            .map(|(_, layout)| Arc::clone(layout))
    }

    /// Keeps `layout` (a board without its cards) as the board's layout at `version`.
    pub fn put(&self, version: i64, layout: Arc<Board>) {
        let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        boards.insert(layout.id, (version, layout));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(name: &str) -> Arc<Board> {
        Arc::new(Board {
            id: BoardId(uuid::Uuid::from_u128(7)),
            slug: name.to_lowercase(),
            name: name.into(),
            description: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            policy: Default::default(),
            incidents: Default::default(),
            labels: Vec::new(),
            columns: Vec::new(),
            lanes: Vec::new(),
            cards: Vec::new(),
        })
    }

    #[test]
    fn a_layout_is_used_only_at_the_version_it_was_read_at() {
        let cache = LayoutCache::default();
        let first = layout("First");
        let board = first.id;
        assert!(cache.get(board, 0).is_none());
        cache.put(0, first);
        assert_eq!(
            cache.get(board, 0).map(|b| b.name.clone()).as_deref(),
            Some("First")
        );
        assert!(cache.get(board, 1).is_none(), "a newer version misses");
        cache.put(1, layout("Second"));
        assert_eq!(
            cache.get(board, 1).map(|b| b.name.clone()).as_deref(),
            Some("Second")
        );
        assert!(cache.get(board, 0).is_none(), "the older copy is gone");
    }
}
