//! Which board each card is on, as read once.
//!
//! Why: every card move through the API and the board first asks which board the card is on,
//! to check the caller may edit that board, and on SQLite each read is a round trip to a
//! connection's own thread (`bench/HISTORY.md`, session 7). A card never changes board (no
//! statement writes a card's `board_id` after its insert), so a copy never goes stale, on
//! this instance or any other; a card that is gone is still refused by the move itself.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use domain::{BoardId, CardId};

/// More cards than this and the copies are dropped, to be read again as they are used.
const MOST: usize = 65_536;

/// Cards' boards by card id.
#[derive(Debug, Default)]
pub(crate) struct CardBoards {
    boards: Mutex<HashMap<CardId, BoardId>>,
}

impl CardBoards {
    /// The board of `card`, if it was read before.
    pub(crate) fn get(&self, card: CardId) -> Option<BoardId> {
        self.lock().get(&card).copied()
    }

    /// Keeps that `card` is on `board`.
    pub(crate) fn put(&self, card: CardId, board: BoardId) {
        let mut boards = self.lock();
        if boards.len() >= MOST {
            boards.clear();
        }
        boards.insert(card, board);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CardId, BoardId>> {
        // The map is valid after any panic (each change is one insert or clear).
        self.boards.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_boards_are_found_and_the_map_stays_bounded() {
        let kept = CardBoards::default();
        let (card, board) = (CardId::new(), BoardId::new());
        assert_eq!(kept.get(card), None);
        kept.put(card, board);
        assert_eq!(kept.get(card), Some(board));
        for _ in 0..MOST {
            kept.put(CardId::new(), board);
        }
        assert!(kept.lock().len() <= MOST);
    }
}
