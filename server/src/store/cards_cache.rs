//! Each board's cards as this process's last batch of moves left them, with the stamp that
//! batch wrote on the board's row.
//!
//! Why: a batch of moves used to read, with the board locked, the cards its moves are checked
//! against. Under load, one batch follows another on the same board, and each read found the
//! cards just as the batch before had written them. With the copy here the read is skipped:
//! one round trip less while the board is locked (`bench/HISTORY.md`, session 20).
//!
//! Why the copy stays exact: a batch that writes cards ends by writing a fresh stamp on each
//! of its boards' rows (`boards.cards_stamp`), and database triggers clear the stamp on any
//! other write to a board's cards, whoever makes it (another instance, another process on
//! the SQLite file, a fix by hand in SQL: migration `20261205000001_cards_stamp`). A batch
//! reads the stamps with its boards' locks and uses the copy only if a board's stamp is the
//! one the copy was kept with; a stamp of another batch, or none, means a read. The copy is
//! updated with the batch's moves and its new stamp before the commit: if the commit fails,
//! the stamp in the database is not the new one and the copy is never used.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use domain::{BoardId, Card, CardId};
use uuid::Uuid;

use crate::store::cell_ends::{Cell, cell_of};

/// The most bytes the copies of all boards may hold together ([`card_bytes`]); the boards
/// used least recently go first. Counted in bytes, not cards: a card's description may be
/// 20,000 characters, so a bound in cards would bound nothing (20,000 such cards are over
/// 400 MB). A typical card is well under 1 KB: this holds tens of thousands of them.
pub(crate) const MAX_BYTES: usize = 16 << 20;

/// About what a card kept in a copy holds in memory: the card, its text, and its place in
/// the board's map.
pub(crate) fn card_bytes(card: &Card) -> usize {
    let text = [
        card.blocked_reason.as_deref(),
        card.service.as_deref(),
        card.source.as_deref(),
        card.dedup_key.as_deref(),
        card.link.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::len)
    .sum::<usize>();
    std::mem::size_of::<(CardId, Card)>() + card.title.len() + card.description.len() + text
}

fn copy_bytes(cards: &BoardCards) -> usize {
    cards.values().map(card_bytes).sum()
}

/// The most cards a board may have numbered (its cards, and those deleted) to be read whole
/// for a copy: reading a bigger board with it locked would cost more than the reads it saves,
/// and its batches read only the cards they need, as without a copy.
pub(crate) const MAX_BOARD_CARDS: i64 = 5_000;

/// The least time between two reads of one board's cards to fill its copy: a batch that
/// finds no copy reads the board whole instead of only the cards it needs, and keeps them; a
/// board whose cards other writers keep changing is not read whole for every batch.
pub(crate) const FILL_INTERVAL: Duration = Duration::from_secs(1);

/// A board's cards by id.
pub(crate) type BoardCards = HashMap<CardId, Card>;

/// The copies, by board.
#[derive(Debug, Default)]
pub(crate) struct CardsCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    boards: HashMap<BoardId, Entry>,
    /// When each board was last read whole to fill its copy.
    filled: HashMap<BoardId, Instant>,
    /// A counter for "used least recently".
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    /// The stamp the board's row had when its cards were read, or that the last batch wrote;
    /// for cards read from a board with no stamp, one of [`CardsCache::keep`]'s own.
    stamp: Uuid,
    cards: Arc<BoardCards>,
    /// What `cards` holds ([`card_bytes`]).
    bytes: usize,
    used: u64,
}

impl CardsCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The board's cards, if they were kept with `stamp` (the stamp the board's row has now).
    pub fn get(&self, board: BoardId, stamp: Option<Uuid>) -> Option<Arc<BoardCards>> {
        let stamp = stamp?;
        let mut inner = self.inner();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.boards.get_mut(&board).filter(|e| e.stamp == stamp)?;
        entry.used = now;
        Some(Arc::clone(&entry.cards))
    }

    /// After a batch's writes to the board and before its commit: the cards it wrote (each as
    /// it now is) and the stamp it writes. Applied only to a copy kept with `start`, the stamp
    /// the batch found (the board was then as the copy has it); any other copy is dropped.
    pub fn advance(&self, board: BoardId, start: Option<Uuid>, stamp: Uuid, written: &[Card]) {
        let mut inner = self.inner();
        let Some(entry) = inner.boards.get_mut(&board) else {
            return;
        };
        if Some(entry.stamp) != start {
            inner.boards.remove(&board);
            return;
        }
        // The batch held a reference while it planned; it has let go of it by now, so this
        // changes the map in place.
        let cards = Arc::make_mut(&mut entry.cards);
        for card in written {
            entry.bytes += card_bytes(card);
            if let Some(was) = cards.insert(card.id, card.clone()) {
                entry.bytes -= card_bytes(&was);
            }
        }
        entry.stamp = stamp;
        if entry.bytes > MAX_BYTES {
            inner.boards.remove(&board);
        }
    }

    /// Drops the board's copy (a batch wrote more than its copy follows).
    pub fn forget(&self, board: BoardId) {
        self.inner().boards.remove(&board);
    }

    /// Whether a batch that found no copy of the board, which has `numbered` cards, may read
    /// it whole now to keep one: up to [`MAX_BOARD_CARDS`], at most once per
    /// [`FILL_INTERVAL`]. Saying yes counts as a read.
    pub fn wants_fill(&self, board: BoardId, numbered: i64) -> bool {
        if numbered > MAX_BOARD_CARDS {
            return false;
        }
        let mut inner = self.inner();
        let now = Instant::now();
        if inner
            .filled
            .get(&board)
            .is_some_and(|at| now.duration_since(*at) < FILL_INTERVAL)
        {
            return false;
        }
        inner.filled.insert(board, now);
        true
    }

    /// Keeps `cards`, all the cards of the board as a batch read them with the board locked,
    /// when it found the board's row with stamp `found`; the batch then advances the copy
    /// with its own writes and stamp ([`Self::advance`]), giving the stamp returned here, the
    /// one the copy is kept under. A board found with no stamp may have changed since any
    /// copy, and may change again before the next batch, which would find it with no stamp
    /// too: its cards are kept under a stamp no board's row carries, so that only this batch,
    /// which knows it, can advance them. A board whose cards hold more than [`MAX_BYTES`] is
    /// not kept; others used least recently make room.
    pub fn keep(&self, board: BoardId, found: Option<Uuid>, cards: Arc<BoardCards>) -> Uuid {
        let stamp = found.unwrap_or_else(Uuid::new_v4);
        let bytes = copy_bytes(&cards);
        let mut inner = self.inner();
        inner.boards.remove(&board);
        if bytes > MAX_BYTES {
            return stamp;
        }
        let mut held: usize = inner.boards.values().map(|e| e.bytes).sum();
        while held + bytes > MAX_BYTES {
            let Some(oldest) = inner
                .boards
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(b, _)| *b)
            else {
                break;
            };
            if let Some(gone) = inner.boards.remove(&oldest) {
                held -= gone.bytes;
            }
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.boards.insert(
            board,
            Entry {
                stamp,
                cards,
                bytes,
                used,
            },
        );
        stamp
    }
}

/// The cards a batch read, each with its board's layout version, by id; and the ends of the
/// cells it asked for.
pub(crate) type ScopeRead = (HashMap<CardId, (i64, Card)>, Vec<(Cell, Option<f64>)>);

/// What a batch of moves reads (see `batch_cards_sql` in `sql.rs`), to be answered from the
/// boards' copies instead: the cards moved, the cards in the scope's columns, and in its cells
/// (every scope column with every scope lane), on the batch's boards; and the end of each of
/// the `ends` cells (its largest key, `None` when empty).
pub(crate) struct Scope<'a> {
    pub moved: &'a [Uuid],
    pub columns: &'a [Uuid],
    pub cell_columns: &'a [Uuid],
    pub cell_lanes: &'a [Uuid],
    pub ends: &'a [Cell],
}

impl Scope<'_> {
    /// The cards in scope, each with its board's layout version (the copies' first item), by
    /// id; and the cells' ends. The copies hold every card of their boards, so each end is
    /// exact, where the read takes the cell's last card.
    pub fn read(&self, copies: &[(i64, Arc<BoardCards>)]) -> ScopeRead {
        let moved: HashSet<Uuid> = self.moved.iter().copied().collect();
        let columns: HashSet<Uuid> = self.columns.iter().copied().collect();
        let cell_columns: HashSet<Uuid> = self.cell_columns.iter().copied().collect();
        let cell_lanes: HashSet<Uuid> = self.cell_lanes.iter().copied().collect();
        let mut known = HashMap::new();
        let mut ends: HashMap<Cell, Option<f64>> =
            self.ends.iter().map(|&cell| (cell, None)).collect();
        for (version, cards) in copies {
            for card in cards.values() {
                let (column, lane) = (card.column_id.0, card.lane_id.0);
                if moved.contains(&card.id.0)
                    || columns.contains(&column)
                    || (cell_columns.contains(&column) && cell_lanes.contains(&lane))
                {
                    known.insert(card.id, (*version, card.clone()));
                }
                if let Some(end) = ends.get_mut(&cell_of(card)) {
                    *end = Some(end.map_or(card.position, |e: f64| e.max(card.position)));
                }
            }
        }
        let ends = self.ends.iter().map(|cell| (*cell, ends[cell])).collect();
        (known, ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ColumnId, LaneId};

    fn card(board: BoardId, n: u128, title: &str) -> Card {
        Card {
            id: CardId(Uuid::from_u128(n)),
            title: title.into(),
            ..Card::sample((board, ColumnId::new(), LaneId::new()), chrono::Utc::now())
        }
    }

    fn stamp(n: u128) -> Uuid {
        Uuid::from_u128(1000 + n)
    }

    fn cards(list: Vec<Card>) -> Arc<BoardCards> {
        Arc::new(list.into_iter().map(|card| (card.id, card)).collect())
    }

    #[test]
    fn a_copy_is_used_only_with_the_stamp_it_was_kept_with() {
        let cache = CardsCache::default();
        let board = BoardId(Uuid::from_u128(7));
        assert!(
            !cache.wants_fill(board, MAX_BOARD_CARDS + 1),
            "too big to read whole"
        );
        assert!(cache.wants_fill(board, 3));
        assert!(!cache.wants_fill(board, 3), "one read whole per interval");
        cache.keep(board, Some(stamp(1)), cards(vec![card(board, 1, "One")]));
        assert!(
            cache.get(board, None).is_none(),
            "no stamp: cards changed since"
        );
        assert!(
            cache.get(board, Some(stamp(2))).is_none(),
            "another batch's stamp"
        );
        let kept = cache.get(board, Some(stamp(1))).expect("kept");
        assert_eq!(kept[&CardId(Uuid::from_u128(1))].title, "One");
    }

    #[test]
    fn a_batch_advances_the_copy_it_started_from_and_drops_any_other() {
        let cache = CardsCache::default();
        let board = BoardId(Uuid::from_u128(7));
        // Read whole by a batch that found no stamp: usable once that batch stamps it.
        let kept = cache.keep(board, None, cards(vec![card(board, 1, "One")]));
        assert!(cache.get(board, None).is_none());
        cache.advance(board, Some(kept), stamp(1), &[]);
        let held = cache.get(board, Some(stamp(1))).expect("stamped");
        drop(held);
        cache.advance(
            board,
            Some(stamp(1)),
            stamp(2),
            &[card(board, 1, "Moved"), card(board, 2, "Two")],
        );
        assert!(cache.get(board, Some(stamp(1))).is_none());
        let kept = cache.get(board, Some(stamp(2))).expect("advanced");
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[&CardId(Uuid::from_u128(1))].title, "Moved");

        // A batch that found another stamp (someone else wrote between): the copy goes.
        cache.advance(board, Some(stamp(9)), stamp(3), &[]);
        assert!(cache.get(board, Some(stamp(2))).is_none());
        assert!(cache.get(board, Some(stamp(3))).is_none());

        cache.keep(board, Some(stamp(4)), cards(Vec::new()));
        cache.forget(board);
        assert!(cache.get(board, Some(stamp(4))).is_none());
    }

    #[test]
    fn cards_read_from_a_board_with_no_stamp_are_advanced_only_by_the_batch_that_read_them() {
        let cache = CardsCache::default();
        let board = BoardId(Uuid::from_u128(7));
        // A batch reads the board whole, finding no stamp, then writes nothing (every move
        // refused): it never stamps what it kept.
        let kept = cache.keep(board, None, cards(vec![card(board, 1, "One")]));
        // Card 1 is renamed outside a batch (the board's stamp, clear, stays clear). The next
        // batch finds no stamp either, reads only the cards it needs, and writes card 2.
        cache.advance(board, None, stamp(1), &[card(board, 2, "Two")]);
        assert!(
            cache.get(board, Some(stamp(1))).is_none(),
            "the old cards would now pass for the board as stamp 1 left it"
        );
        assert!(cache.get(board, Some(kept)).is_none());
    }

    /// A card whose description makes it hold `bytes` in a copy.
    fn card_of_bytes(board: BoardId, n: u128, bytes: usize) -> Card {
        let mut card = card(board, n, "x");
        card.description.clear();
        card.description = "d".repeat(bytes - card_bytes(&card));
        assert_eq!(card_bytes(&card), bytes);
        card
    }

    #[test]
    fn a_board_over_the_limit_is_not_kept() {
        let cache = CardsCache::default();
        let board = BoardId(Uuid::from_u128(8));
        // 1,000 cards with long descriptions: a bound in cards would have kept them.
        let each = MAX_BYTES / 1000 + 1;
        let long: Vec<Card> = (0..1000).map(|n| card_of_bytes(board, n, each)).collect();
        cache.keep(board, Some(stamp(1)), cards(long));
        assert!(cache.get(board, Some(stamp(1))).is_none());

        // Under the limit, then over it by the text a batch wrote: dropped.
        let under: Vec<Card> = (0..999).map(|n| card_of_bytes(board, n, each)).collect();
        cache.keep(board, Some(stamp(2)), cards(under));
        assert!(cache.get(board, Some(stamp(2))).is_some());
        let grown = card_of_bytes(board, 5, 2 * each);
        cache.advance(board, Some(stamp(2)), stamp(3), &[grown]);
        assert!(cache.get(board, Some(stamp(3))).is_none());
    }

    #[test]
    fn the_board_used_least_recently_makes_room() {
        let cache = CardsCache::default();
        let boards: Vec<BoardId> = (1..=3).map(|n| BoardId(Uuid::from_u128(n))).collect();
        let half = |board: BoardId, from: u128| {
            let each = MAX_BYTES / 2 / 100;
            cards(
                (from..from + 100)
                    .map(|n| card_of_bytes(board, n, each))
                    .collect(),
            )
        };
        cache.keep(boards[0], Some(stamp(1)), half(boards[0], 0));
        cache.keep(boards[1], Some(stamp(2)), half(boards[1], 100_000));
        assert!(
            cache.get(boards[0], Some(stamp(1))).is_some(),
            "board 0 used last"
        );
        cache.keep(boards[2], Some(stamp(3)), half(boards[2], 200_000));
        assert!(
            cache.get(boards[1], Some(stamp(2))).is_none(),
            "board 1 made room"
        );
        assert!(cache.get(boards[0], Some(stamp(1))).is_some());
        assert!(cache.get(boards[2], Some(stamp(3))).is_some());
    }

    #[test]
    fn the_scope_read_from_copies_is_the_cards_a_read_would_give() {
        let (board, todo, doing, done) = (
            BoardId::new(),
            ColumnId::new(),
            ColumnId::new(),
            ColumnId::new(),
        );
        let (lane, expedite) = (LaneId::new(), LaneId::new());
        let at = |column: ColumnId, lane: LaneId, position: f64| Card {
            position,
            ..Card::sample((board, column, lane), chrono::Utc::now())
        };
        let moved = at(todo, lane, 1.0);
        let unrelated = at(todo, lane, 2.0);
        let in_doing = at(doing, expedite, 5.0);
        let in_cell = at(done, expedite, 3.0);
        let other_lane = at(done, lane, 7.0);
        let copy = cards(vec![
            moved.clone(),
            unrelated.clone(),
            in_doing.clone(),
            in_cell.clone(),
            other_lane.clone(),
        ]);
        let ends = [
            (board, done, lane),
            (board, done, expedite),
            (board, doing, lane),
        ];
        let scope = Scope {
            moved: &[moved.id.0],
            columns: &[doing.0],
            cell_columns: &[done.0],
            cell_lanes: &[expedite.0],
            ends: &ends,
        };
        let (known, read_ends) = scope.read(&[(4, copy)]);
        let mut ids: Vec<CardId> = known.keys().copied().collect();
        ids.sort();
        let mut expected = vec![moved.id, in_doing.id, in_cell.id];
        expected.sort();
        assert_eq!(ids, expected);
        assert!(known.values().all(|(version, _)| *version == 4));
        assert_eq!(
            read_ends,
            vec![
                ((board, done, lane), Some(7.0)),
                ((board, done, expedite), Some(3.0)),
                ((board, doing, lane), None)
            ]
        );
    }
}
