//! Where the moves of a batch put cards at the end of a cell, worked out in memory.
//!
//! A move alone lets its `UPDATE` find the key (`end_of_cell_key` in `sql.rs`: the largest
//! key of the other cards in the cell, plus one; 1 in an empty cell). A batch of moves
//! works the keys out itself, so that its writes need no read of their own and can go to
//! the database as one statement (PostgreSQL; bench/HISTORY.md, session 16). A key at the
//! end only has to be past every card in the cell, so the batch takes one past the largest
//! of:
//! - the cell's largest key in the database, read once per cell ([`CellEnds::learn`]);
//!   it stays an upper bound for the cards the batch does not move, which keep their keys;
//! - the keys of the cards the batch has moved, as the batch has left them (not yet
//!   written, or moved since the read).
//!
//! A card the batch moves out of the cell may leave its key counted: the key is then a
//! little larger than a move alone would give, and the order is the same.

use std::collections::HashMap;

use domain::{BoardId, Card, CardId, ColumnId, LaneId};

/// A board's column and lane: where a card sits.
pub(crate) type Cell = (BoardId, ColumnId, LaneId);

/// The cell of `card`.
pub(crate) fn cell_of(card: &Card) -> Cell {
    (card.board_id, card.column_id, card.lane_id)
}

/// The largest key in the database of each cell a batch has put cards at the end of so far.
#[derive(Debug, Default)]
pub(crate) struct CellEnds {
    stored: HashMap<Cell, Option<f64>>,
}

impl CellEnds {
    /// Whether the cell's largest stored key is known.
    pub(crate) fn knows(&self, cell: &Cell) -> bool {
        self.stored.contains_key(cell)
    }

    /// Learns a cell's largest key in the database (`None`: it holds no card).
    pub(crate) fn learn(&mut self, cell: Cell, largest: Option<f64>) {
        self.stored.insert(cell, largest);
    }

    /// Forgets what was learnt of a cell: a move to a place asked for in it may have
    /// renumbered its keys (`key_for` in `sql.rs`), so its keys must be read again.
    pub(crate) fn forget(&mut self, cell: &Cell) {
        self.stored.remove(cell);
    }

    /// The key for `mover` at the end of `cell`: one past the largest key of the cell
    /// learnt from the database and of the other `moved` cards there (as the batch has left
    /// them); 1 in an empty cell. `None` when the cell was not learnt.
    pub(crate) fn end_key<'a>(
        &self,
        cell: &Cell,
        mover: CardId,
        moved: impl IntoIterator<Item = &'a Card>,
    ) -> Option<f64> {
        let stored = *self.stored.get(cell)?;
        let inside = moved
            .into_iter()
            .filter(|c| c.id != mover && cell_of(c) == *cell)
            .map(|c| c.position);
        let largest = stored.into_iter().chain(inside).reduce(f64::max);
        Some(largest.map_or(1.0, |key| key + 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    fn card(cell: Cell, position: f64) -> Card {
        Card {
            position,
            ..Card::sample(cell, Utc::now())
        }
    }

    fn cell() -> Cell {
        (BoardId::new(), ColumnId::new(), LaneId::new())
    }

    #[test]
    fn an_unknown_cell_has_no_key() {
        let ends = CellEnds::default();
        assert_eq!(ends.end_key(&cell(), CardId::new(), []), None);
    }

    #[test]
    fn an_empty_cell_starts_at_one() {
        let (mut ends, here) = (CellEnds::default(), cell());
        ends.learn(here, None);
        assert!(ends.knows(&here));
        assert_eq!(ends.end_key(&here, CardId::new(), []), Some(1.0));
    }

    #[test]
    fn moved_cards_count_where_the_batch_left_them() {
        let (mut ends, here, elsewhere) = (CellEnds::default(), cell(), cell());
        ends.learn(here, Some(4.0));
        // A moved card that left the cell does not count; one that arrived above does.
        let gone = card(elsewhere, 9.0);
        assert_eq!(ends.end_key(&here, CardId::new(), [&gone]), Some(5.0));
        let arrived = card(here, 7.0);
        assert_eq!(
            ends.end_key(&here, CardId::new(), [&gone, &arrived]),
            Some(8.0)
        );
        // The mover itself does not: moved again to the end, it goes after the others.
        assert_eq!(
            ends.end_key(&here, arrived.id, [&gone, &arrived]),
            Some(5.0)
        );
    }

    #[test]
    fn a_forgotten_cell_must_be_read_again() {
        let (mut ends, here) = (CellEnds::default(), cell());
        ends.learn(here, Some(3.0));
        ends.forget(&here);
        assert!(!ends.knows(&here));
        assert_eq!(ends.end_key(&here, CardId::new(), []), None);
    }

    proptest! {
        /// However a batch moves cards about, a card it puts at the end of a cell goes after
        /// every other card there, and the next one after it: the keys, read once and worked
        /// out in memory, keep the cell in the order of the moves.
        #[test]
        fn each_move_to_the_end_goes_after_every_other_card(
            stored in prop::collection::vec(0.0f64..100.0, 0..6),
            moved in prop::collection::vec((0.0f64..100.0, any::<bool>()), 0..6),
            steps in prop::collection::vec((0usize..6, any::<bool>()), 0..12),
        ) {
            let (here, there) = (cell(), cell());
            // The cell in the database before the batch: outside cards and moved ones.
            let outside: Vec<Card> = stored.iter().map(|&k| card(here, k)).collect();
            let mut batch: Vec<Card> = moved
                .iter()
                .map(|&(k, in_cell)| card(if in_cell { here } else { there }, k))
                .collect();
            let mut ends = CellEnds::default();
            let largest = outside
                .iter()
                .chain(batch.iter().filter(|c| cell_of(c) == here))
                .map(|c| c.position)
                .reduce(f64::max);
            ends.learn(here, largest);
            for (pick, to_here) in steps {
                let Some(mover) = batch.get(pick).map(|c| c.id) else { continue };
                let key = if to_here {
                    ends.end_key(&here, mover, &batch).expect("learnt")
                } else {
                    7.5 // somewhere in the other cell: its keys are not checked here
                };
                let others_here = outside
                    .iter()
                    .chain(batch.iter().filter(|c| c.id != mover && cell_of(c) == here));
                if to_here {
                    for other in others_here {
                        prop_assert!(key > other.position, "{key} after {}", other.position);
                    }
                }
                let card = batch.iter_mut().find(|c| c.id == mover).expect("in the batch");
                card.position = key;
                (card.column_id, card.lane_id) = if to_here { (here.1, here.2) } else { (there.1, there.2) };
            }
        }
    }
}
