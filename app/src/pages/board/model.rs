//! What the board page holds in the browser between reads: the board's layout and its tiles
//! cell by cell, changed in place by the viewer's own moves (at once, before the server has
//! answered) and by the cards the live stream says changed. Plain Rust, so the rules of
//! keeping it right are unit-tested without a browser.
//!
//! Why not read the board again after each change: on a board of 2,000 cards that read was
//! 1.4 MB and over a second before the card showed where it was dropped (issue 32). A move
//! now sends the move and gets one tile back; a change by someone else fetches the changed
//! cards only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::people::Person;
use domain::policy::TechDebtShare;
use domain::{Board, CardId, CardType, ColumnId, ColumnKind, LaneId, UserId};

use crate::api::{BoardSnapshot, TileCard};

/// One cell: its tiles in board order (position ascending), and how many finished cards
/// older than them the server left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellCards {
    /// The tiles, by position.
    pub cards: Vec<TileCard>,
    /// Finished cards left out (only in `done` cells; see [`crate::api::DONE_SHOWN`]).
    pub earlier: usize,
    /// Of those, the ones the board's filter finds (all of them without one): behind
    /// "+ N earlier".
    pub earlier_matching: usize,
}

/// The board as the page shows it.
#[derive(Clone, Debug)]
pub struct BoardModel {
    /// Columns, lanes and policies (no cards).
    pub board: Board,
    cells: HashMap<(ColumnId, LaneId), CellCards>,
    /// Tech-debt share of recently finished work.
    pub tech_debt: TechDebtShare,
    /// The members who may own cards: the names on the avatars.
    pub people: Vec<Person>,
    /// The viewer, when signed in.
    pub me: Option<UserId>,
    /// The board was read with a filter (`?q=`) that applies.
    pub filtered: bool,
}

/// What puts a card back where it was if the server refuses its move.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    not(feature = "hydrate"),
    allow(dead_code, reason = "the browser moves cards")
)]
pub struct Undo {
    tile: TileCard,
}

/// Whether a change could be shown in place, or the page must read the whole board (a card
/// landed in a column or lane this page does not know: the layout changed meanwhile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Applied {
    /// Shown.
    InPlace,
    /// Read the board again.
    NeedsReload,
}

impl BoardModel {
    /// The page's model of a board just read.
    pub fn new(snapshot: BoardSnapshot) -> Self {
        let BoardSnapshot {
            board,
            cards,
            tech_debt,
            hidden,
            people,
            me,
            filter,
            ..
        } = snapshot;
        let mut cells: HashMap<(ColumnId, LaneId), CellCards> = HashMap::new();
        for card in cards {
            cells
                .entry((card.column_id, card.lane_id))
                .or_default()
                .cards
                .push(card);
        }
        for cell in cells.values_mut() {
            cell.cards.sort_by(|a, b| a.position.total_cmp(&b.position));
        }
        for h in hidden {
            let cell = cells.entry((h.column_id, h.lane_id)).or_default();
            cell.earlier += h.count;
            cell.earlier_matching += h.matching;
        }
        Self {
            board,
            cells,
            tech_debt,
            people,
            me,
            filtered: filter.is_some_and(|f| f.applies()),
        }
    }

    /// The cards `user` owns in active columns: their load against the per-person WIP limit
    /// (every such card is on the page: only finished cards are left out).
    pub fn load(&self, user: UserId) -> usize {
        self.tiles()
            .filter(|t| t.assignees.contains(&user))
            .filter(|t| {
                self.board
                    .column(t.column_id)
                    .is_some_and(|c| c.kind == ColumnKind::Active)
            })
            .count()
    }

    /// One cell's tiles (empty when it has none).
    pub fn cell(&self, column: ColumnId, lane: LaneId) -> CellCards {
        self.cells.get(&(column, lane)).cloned().unwrap_or_default()
    }

    /// Every tile, cell by cell.
    pub fn tiles(&self) -> impl Iterator<Item = &TileCard> {
        self.cells.values().flat_map(|c| c.cards.iter())
    }

    /// The tile of card `id`, if the page shows it.
    pub fn tile(&self, id: CardId) -> Option<&TileCard> {
        self.tiles().find(|t| t.id == id)
    }

    /// The cards of `column` the filter finds, those the server left out included.
    pub fn column_shown(&self, column: ColumnId) -> usize {
        self.cells
            .iter()
            .filter(|((c, _), _)| *c == column)
            .map(|(_, cell)| {
                cell.cards.iter().filter(|t| !t.unmatched).count() + cell.earlier_matching
            })
            .sum()
    }

    /// The cards on the board the filter finds.
    pub fn found(&self) -> usize {
        self.cells
            .values()
            .map(|cell| cell.cards.iter().filter(|t| !t.unmatched).count() + cell.earlier_matching)
            .sum()
    }

    /// Cards in `column` counting toward its WIP limit.
    pub fn wip_count(&self, column: ColumnId) -> usize {
        self.board
            .wip_count_among(column, self.tiles().map(|t| (t.column_id, t.lane_id)))
    }

    /// Every card in `column`, those the server left out included.
    pub fn column_total(&self, column: ColumnId) -> usize {
        self.cells
            .iter()
            .filter(|((c, _), _)| *c == column)
            .map(|(_, cell)| cell.cards.len() + cell.earlier)
            .sum()
    }

    /// Tech-debt cards holding committed slots (see [`Board::is_committed`]).
    pub fn tech_debt_held(&self) -> usize {
        self.tiles()
            .filter(|t| {
                t.card_type == CardType::TechDebt && self.board.is_committed(t.column_id, t.lane_id)
            })
            .count()
    }

    /// Cards holding committed slots (see [`Board::is_committed`]), tech debt or not.
    pub fn committed(&self) -> usize {
        self.tiles()
            .filter(|t| self.board.is_committed(t.column_id, t.lane_id))
            .count()
    }

    /// Cards of `lane` not in a `done` column: a lane without any is drawn as a thin strip.
    pub fn open_in_lane(&self, lane: LaneId) -> usize {
        self.tiles()
            .filter(|t| t.lane_id == lane && !self.is_done(t.column_id))
            .count()
    }

    /// Cards not in a `done` column, per type, in [`CardType::ALL`] order.
    pub fn open_by_type(&self) -> [usize; 3] {
        let mut open = [0; 3];
        for tile in self.tiles().filter(|t| !self.is_done(t.column_id)) {
            if let Some(i) = CardType::ALL.iter().position(|t| *t == tile.card_type) {
                open[i] += 1;
            }
        }
        open
    }

    /// Whether `column` is a `done` column.
    pub fn is_done(&self, column: ColumnId) -> bool {
        self.board
            .column(column)
            .is_some_and(|c| c.kind == ColumnKind::Done)
    }

    /// Shows the move of card `id` to `column` (and `lane`, else its own) at `index` of the
    /// cell's other cards (else the end), as the server will make it unless it refuses; `at`
    /// is the time the card entered a new column. `None` when the page does not show the
    /// card or the place is not on the board.
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser moves cards")
    )]
    pub fn move_card(
        &mut self,
        id: CardId,
        column: ColumnId,
        lane: Option<LaneId>,
        index: Option<usize>,
        at: DateTime<Utc>,
    ) -> Option<Undo> {
        let before = self.tile(id)?.clone();
        let lane = lane.unwrap_or(before.lane_id);
        self.board.column(column)?;
        self.board.lane(lane)?;
        self.remove(id);
        let cell = self.cells.entry((column, lane)).or_default();
        let index = index.unwrap_or(cell.cards.len()).min(cell.cards.len());
        let position = match (
            index.checked_sub(1).map(|i| &cell.cards[i]),
            cell.cards.get(index),
        ) {
            (None, None) => before.position,
            (Some(prev), None) => prev.position + 1.0,
            (None, Some(next)) => next.position - 1.0,
            (Some(prev), Some(next)) => (prev.position + next.position) / 2.0,
        };
        let mut tile = before.clone();
        if tile.column_id != column {
            tile.column_entered_at = at;
        }
        tile.column_id = column;
        tile.lane_id = lane;
        tile.position = position;
        cell.cards.insert(index, tile);
        Some(Undo { tile: before })
    }

    /// Puts a card back where it was before a refused move.
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser moves cards")
    )]
    pub fn undo(&mut self, undo: Undo) {
        // The card's place is known: it was on this page.
        let _ = self.place(undo.tile);
    }

    /// Shows `tile` where it now is, wherever it was before (a card new to the page
    /// included). A finished card older than those a trimmed `done` cell shows stays left
    /// out, as it was.
    pub fn place(&mut self, tile: TileCard) -> Applied {
        if self.board.column(tile.column_id).is_none() || self.board.lane(tile.lane_id).is_none() {
            return Applied::NeedsReload;
        }
        self.remove(tile.id);
        let cell = self
            .cells
            .entry((tile.column_id, tile.lane_id))
            .or_default();
        if cell.earlier > 0
            && cell
                .cards
                .first()
                .is_some_and(|f| tile.position < f.position)
        {
            return Applied::InPlace;
        }
        let at = cell.cards.partition_point(|t| t.position <= tile.position);
        cell.cards.insert(at, tile);
        Applied::InPlace
    }

    /// Takes card `id` off the page (it left the board).
    pub fn remove(&mut self, id: CardId) -> Option<TileCard> {
        for cell in self.cells.values_mut() {
            if let Some(i) = cell.cards.iter().position(|t| t.id == id) {
                return Some(cell.cards.remove(i));
            }
        }
        None
    }
}

/// What cards read from the live stream change on the page, in words for a screen reader:
/// cards that arrived in a column (new to the page or from another column) and cards that
/// left the board. Edits in place are not said: they would chatter.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser says it")
)]
pub fn news(model: &BoardModel, changed: &[crate::api::ChangedTile], gone: &[CardId]) -> String {
    let column = |id: ColumnId| {
        model
            .board
            .column(id)
            .map_or_else(String::new, |c| c.name.clone())
    };
    let mut said: Vec<String> = Vec::new();
    for tile in changed.iter().map(|c| &c.tile) {
        match model.tile(tile.id) {
            Some(before) if before.column_id == tile.column_id => {}
            Some(_) => said.push(format!(
                "#{} {} moved to {}",
                tile.number,
                tile.title,
                column(tile.column_id)
            )),
            None => said.push(format!(
                "#{} {} arrived in {}",
                tile.number,
                tile.title,
                column(tile.column_id)
            )),
        }
    }
    for tile in gone.iter().filter_map(|id| model.tile(*id)) {
        said.push(format!("#{} {} left the board", tile.number, tile.title));
    }
    said.join(". ")
}

/// What an assignment from the board did to `tile`, in words for screen readers.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser says it")
)]
pub fn assigned_news(model: &BoardModel, tile: &TileCard, user: &str) -> String {
    let person = model.people.iter().find(|p| p.id.to_string() == user);
    let name = person.map_or("Someone", |p| p.name.as_str());
    let owns = person.is_some_and(|p| tile.assignees.contains(&p.id));
    let verb = if owns { "now owns" } else { "no longer owns" };
    format!("{name} {verb} #{} {}", tile.number, tile.title)
}

#[cfg(test)]
mod tests;
