//! Whether a card may be placed in a cell: the one encoding of the placement rule.
//!
//! A placement is judged on counts, never on the cards themselves: [`PlacementQuery::of`] says
//! which cards the limits that apply would count (nothing at all when no limit applies), the
//! store counts them through its cells index ([`PlacementCounts`]), and [`check_placement`]
//! compares the counts with the limits. So creating or moving a card costs the same on a board
//! of 50,000 cards as on one of 500, however many of them sit in active columns: a limit's
//! count covers the cards it limits, and a board without limits reads nothing.

use crate::board::{Board, ColumnKind, LaneKind};
use crate::card::{Card, CardType};
use crate::ids::{CardId, ColumnId, LaneId};

use super::{Rule, Violation};

/// The card being placed, as the policies see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mover {
    /// The card, or `None` for a card being created.
    pub id: Option<CardId>,
    /// Its type.
    pub card_type: CardType,
    /// Where it is now (column, lane); `None` for a card being created.
    pub from: Option<(ColumnId, LaneId)>,
}

impl Mover {
    /// A card about to be made.
    pub fn new_card(card_type: CardType) -> Self {
        Self {
            id: None,
            card_type,
            from: None,
        }
    }

    /// A card that exists, from where it is.
    pub fn card(card: &Card) -> Self {
        Self {
            id: Some(card.id),
            card_type: card.card_type,
            from: Some((card.column_id, card.lane_id)),
        }
    }
}

/// Which lanes of a [`CellSet`]'s columns it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lanes {
    /// Every lane.
    All,
    /// Every lane but these (the Expedite lanes: a card in a lane the board does not know
    /// counts as Standard, so it is never left out).
    Except(Vec<LaneId>),
    /// Only these.
    Only(Vec<LaneId>),
}

/// Cards in some columns, in some of their lanes: what one limit counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellSet {
    /// The columns.
    pub columns: Vec<ColumnId>,
    /// The lanes of those columns.
    pub lanes: Lanes,
}

impl CellSet {
    /// Whether a card at (`column`, `lane`) is in the set.
    pub fn holds(&self, column: ColumnId, lane: LaneId) -> bool {
        self.columns.contains(&column)
            && match &self.lanes {
                Lanes::All => true,
                Lanes::Except(lanes) => !lanes.contains(&lane),
                Lanes::Only(lanes) => lanes.contains(&lane),
            }
    }
}

/// What the limits that apply to placing a card in a cell count. A part is `None` when its
/// limit is not set or does not apply to the cell; all `None` (a board without limits) means
/// the placement is judged without reading anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementQuery {
    /// The target column's WIP limit: its cards in the lanes that count toward WIP.
    pub wip: Option<CellSet>,
    /// The Expedite limit: the target column's cards in the Expedite lanes.
    pub expedite: Option<CellSet>,
    /// Committed capacity and the tech-debt allocation: the active columns' Standard-lane
    /// cards, counted in all and those of type tech debt.
    pub committed: Option<CellSet>,
}

impl PlacementQuery {
    /// What placing a card at (`column`, `lane`) on `board` needs counted.
    pub fn of(board: &Board, column: ColumnId, lane: LaneId) -> Self {
        let Some(target) = board.column(column) else {
            return Self::default();
        };
        let expedite_lanes: Vec<LaneId> = board
            .lanes
            .iter()
            .filter(|l| l.kind == LaneKind::Expedite)
            .map(|l| l.id)
            .collect();
        let standard = !expedite_lanes.contains(&lane);
        let wip = (target.wip_limit.is_some() && board.counts_toward_wip(lane)).then(|| CellSet {
            columns: vec![column],
            lanes: if board.policy.expedite_counts_toward_wip {
                Lanes::All
            } else {
                Lanes::Except(expedite_lanes.clone())
            },
        });
        let expedite = (!standard && board.policy.expedite_limit.is_some()).then(|| CellSet {
            columns: vec![column],
            lanes: Lanes::Only(expedite_lanes.clone()),
        });
        let committed = (board.policy.committed_capacity.is_some()
            && target.kind == ColumnKind::Active
            && standard)
            .then(|| CellSet {
                columns: board
                    .columns
                    .iter()
                    .filter(|c| c.kind == ColumnKind::Active)
                    .map(|c| c.id)
                    .collect(),
                lanes: Lanes::Except(expedite_lanes),
            });
        Self {
            wip,
            expedite,
            committed,
        }
    }

    /// Whether nothing needs counting.
    pub fn is_empty(&self) -> bool {
        self.wip.is_none() && self.expedite.is_none() && self.committed.is_none()
    }
}

/// The counts a [`PlacementQuery`] asks for, the card being placed left out of each. A part
/// the query does not ask for is 0 and not looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlacementCounts {
    /// Cards counted by the target column's WIP limit.
    pub wip: u32,
    /// Cards in the target column's Expedite lanes.
    pub expedite: u32,
    /// Cards holding committed slots.
    pub committed: u32,
    /// Of those, tech-debt cards.
    pub committed_debt: u32,
}

impl PlacementCounts {
    /// Counts `cards` (the board's, or at least all those the query covers) for `query`,
    /// leaving out `exclude` (the card being placed): the in-memory form of what the store
    /// counts in SQL, for tests and callers that hold the cards anyway.
    pub fn tally<'a>(
        query: &PlacementQuery,
        cards: impl IntoIterator<Item = &'a Card>,
        exclude: Option<CardId>,
    ) -> Self {
        let mut counts = Self::default();
        let held = |set: &Option<CellSet>, c: &Card| {
            set.as_ref()
                .is_some_and(|set| set.holds(c.column_id, c.lane_id))
        };
        for card in cards.into_iter().filter(|c| Some(c.id) != exclude) {
            counts.wip += u32::from(held(&query.wip, card));
            counts.expedite += u32::from(held(&query.expedite, card));
            if held(&query.committed, card) {
                counts.committed += 1;
                counts.committed_debt += u32::from(card.card_type == CardType::TechDebt);
            }
        }
        counts
    }
}

/// Every rule that placing `mover` at (`column`, `lane`) would break, given the counts of the
/// cards its limits cover ([`PlacementQuery::of`] the same placement, the mover left out).
///
/// A rule is only broken when the placement adds to a count that is already at or over its
/// limit: a card moving within a column that is over its limit (after a lowered limit or an
/// override) is not refused.
pub fn check_placement(
    board: &Board,
    mover: Mover,
    column: ColumnId,
    lane: LaneId,
    counts: &PlacementCounts,
) -> Vec<Violation> {
    let Some(target) = board.column(column) else {
        return Vec::new();
    };
    let query = PlacementQuery::of(board, column, lane);
    let already_in = |set: &CellSet| mover.from.is_some_and(|(c, l)| set.holds(c, l));
    let violation = |rule, limit, current| Violation {
        rule,
        column_id: column,
        column_name: target.name.clone(),
        limit,
        current,
        reserved: None,
        debt_cards: None,
        person: None,
    };
    let mut violations = Vec::new();

    // Column WIP limit.
    if let (Some(set), Some(limit)) = (&query.wip, target.wip_limit)
        && !already_in(set)
        && counts.wip >= limit
    {
        violations.push(violation(Rule::WipLimit, limit, counts.wip));
    }

    // Expedite lane limit: a card moving within the column's Expedite cell stays in it.
    if let (Some(_), Some(limit)) = (&query.expedite, board.policy.expedite_limit)
        && mover.from != Some((column, lane))
        && counts.expedite >= limit
    {
        violations.push(violation(Rule::ExpediteLimit, limit, counts.expedite));
    }

    // Committed capacity and the tech-debt allocation, over all active columns.
    if let (Some(set), Some(capacity)) = (&query.committed, board.policy.committed_capacity)
        && !already_in(set)
    {
        let current = counts.committed;
        if current >= capacity {
            violations.push(violation(Rule::CommittedCapacity, capacity, current));
        }
        if mover.card_type != CardType::TechDebt {
            let reserved = board.policy.reserved_slots().min(capacity);
            let non_debt_limit = capacity - reserved;
            let debt = counts.committed_debt;
            let non_debt = current.saturating_sub(debt);
            if non_debt >= non_debt_limit {
                violations.push(Violation {
                    reserved: Some(reserved),
                    debt_cards: Some(debt),
                    ..violation(Rule::TechDebtAllocation, non_debt_limit, non_debt)
                });
            }
        }
    }
    violations
}
