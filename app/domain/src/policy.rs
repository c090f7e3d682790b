//! Flow policies: WIP limits per column, the committed capacity of the active columns, the
//! Expedite lane's own limit, and the share of capacity reserved for tech debt.
//!
//! [`check_placement`] is the one decision every path (UI, REST API, integrations) goes
//! through, inside the same transaction that writes the move, so a limit cannot be passed by
//! two requests racing each other. A refused placement can be forced with a reason; the
//! override is then recorded as an event per broken rule.

use serde::{Deserialize, Serialize};

use crate::board::{Board, ColumnKind, LaneKind};
use crate::card::{Card, CardType};
use crate::error::DomainError;
use crate::ids::{CardId, ColumnId, LaneId};

/// The default share of committed capacity reserved for tech debt (DevOps Handbook: 20%).
pub const DEFAULT_TECH_DEBT_SHARE: f64 = 0.20;
/// The default Expedite limit per column: expediting must stay rare.
pub const DEFAULT_EXPEDITE_LIMIT: u32 = 1;

/// A board's policy settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BoardPolicy {
    /// Most Standard-lane cards in all `active` columns together; `None` for no limit.
    pub committed_capacity: Option<u32>,
    /// Share of the committed capacity reserved for tech debt, 0–1 (default 0.2). Only applies
    /// when `committed_capacity` is set.
    pub tech_debt_share: f64,
    /// Most Expedite-lane cards per column; `None` for no limit (default 1).
    pub expedite_limit: Option<u32>,
    /// Whether Expedite cards also count against the columns' WIP limits (default: no).
    pub expedite_counts_toward_wip: bool,
}

impl Default for BoardPolicy {
    fn default() -> Self {
        Self {
            committed_capacity: None,
            tech_debt_share: DEFAULT_TECH_DEBT_SHARE,
            expedite_limit: Some(DEFAULT_EXPEDITE_LIMIT),
            expedite_counts_toward_wip: false,
        }
    }
}

impl BoardPolicy {
    /// Checks settings sent by a client.
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(0.0..=1.0).contains(&self.tech_debt_share) || self.tech_debt_share.is_nan() {
            return Err(DomainError::invalid(
                "tech_debt_share",
                "must be between 0 and 1",
            ));
        }
        for (field, value) in [
            ("committed_capacity", self.committed_capacity),
            ("expedite_limit", self.expedite_limit),
        ] {
            if value.is_some_and(|v| !(1..=crate::board::MAX_WIP_LIMIT).contains(&v)) {
                return Err(DomainError::invalid(
                    field,
                    "must be between 1 and 999, or empty",
                ));
            }
        }
        Ok(())
    }

    /// Slots of the committed capacity reserved for tech debt: ceil(share × capacity).
    pub fn reserved_slots(&self) -> u32 {
        self.committed_capacity.map_or(0, |c| {
            (self.tech_debt_share * f64::from(c) - 1e-9).ceil().max(0.0) as u32
        })
    }
}

/// Which rule a placement breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rule {
    /// A column's WIP limit (Standard lane).
    WipLimit,
    /// The committed capacity of all active columns.
    CommittedCapacity,
    /// The Expedite lane's limit per column.
    ExpediteLimit,
    /// The slots reserved for tech debt.
    TechDebtAllocation,
}

impl Rule {
    /// The spelling used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WipLimit => "wip_limit",
            Self::CommittedCapacity => "committed_capacity",
            Self::ExpediteLimit => "expedite_limit",
            Self::TechDebtAllocation => "tech_debt_allocation",
        }
    }
}

/// A broken rule with the numbers that show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The column concerned (the target column; for committed capacity and allocation too).
    pub column_id: ColumnId,
    /// Its name, for messages.
    pub column_name: String,
    /// The limit that applies.
    pub limit: u32,
    /// Cards counted against it now, before the placement.
    pub current: u32,
    /// Tech-debt allocation only: slots reserved for tech debt.
    pub reserved: Option<u32>,
    /// Tech-debt allocation only: tech-debt cards holding committed slots now.
    pub debt_cards: Option<u32>,
}

impl Violation {
    /// A sentence for people, saying what the rule is and what they can do.
    pub fn message(&self) -> String {
        match self.rule {
            Rule::WipLimit => format!(
                "{} is at its WIP limit ({} of {}). Finish or move a card out first, or override with a reason.",
                self.column_name, self.current, self.limit
            ),
            Rule::CommittedCapacity => format!(
                "The committed area (all active columns) is at its capacity ({} of {}). Finish work before starting more, or override with a reason.",
                self.current, self.limit
            ),
            Rule::ExpediteLimit => format!(
                "The Expedite lane of {} already holds {} of {} card(s). Expedite only what cannot wait, or override with a reason.",
                self.column_name, self.current, self.limit
            ),
            Rule::TechDebtAllocation => format!(
                "{} of the committed slots are reserved for tech debt and {} tech-debt card(s) hold them; other work already fills the remaining {} slot(s). Pull a tech-debt card instead, or override with a reason.",
                self.reserved.unwrap_or(0),
                self.debt_cards.unwrap_or(0),
                self.limit
            ),
        }
    }
}

/// The card being placed, as the policies see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mover {
    /// The card, or `None` for a card being created.
    pub id: Option<CardId>,
    /// Its type.
    pub card_type: CardType,
}

/// Which cards count, given the board's lanes and policy.
struct Counting<'a> {
    board: &'a Board,
    exclude: Option<CardId>,
}

impl Counting<'_> {
    fn lane_kind(&self, lane: LaneId) -> LaneKind {
        self.board.lane(lane).map_or(LaneKind::Standard, |l| l.kind)
    }

    fn counts_toward_wip(&self, lane: LaneId) -> bool {
        self.board.counts_toward_wip(lane)
    }

    fn others(&self) -> impl Iterator<Item = &crate::card::Card> {
        self.board
            .cards
            .iter()
            .filter(move |c| Some(c.id) != self.exclude)
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Every rule that placing `mover` at (`column`, `lane`) would break, given the board's
/// current cards (`board.cards`, which may include the mover at its old place).
///
/// A rule is only broken when the placement adds to a count that is already at or over its
/// limit: a card moving within a column that is over its limit (after a lowered limit or an
/// override) is not refused.
pub fn check_placement(
    board: &Board,
    mover: Mover,
    column: ColumnId,
    lane: LaneId,
) -> Vec<Violation> {
    let counting = Counting {
        board,
        exclude: mover.id,
    };
    let Some(target) = board.column(column) else {
        return Vec::new();
    };
    let mut violations = Vec::new();
    let standard = counting.lane_kind(lane) == LaneKind::Standard;
    let was = mover
        .id
        .and_then(|id| board.cards.iter().find(|c| c.id == id));
    let violation = |rule, limit, current| Violation {
        rule,
        column_id: column,
        column_name: target.name.clone(),
        limit,
        current,
        reserved: None,
        debt_cards: None,
    };

    // Column WIP limit.
    if let Some(limit) = target.wip_limit
        && counting.counts_toward_wip(lane)
    {
        let already_here =
            was.is_some_and(|c| c.column_id == column && counting.counts_toward_wip(c.lane_id));
        let current = count(
            counting
                .others()
                .filter(|c| c.column_id == column && counting.counts_toward_wip(c.lane_id))
                .count(),
        );
        if !already_here && current >= limit {
            violations.push(violation(Rule::WipLimit, limit, current));
        }
    }

    // Expedite lane limit.
    if !standard && let Some(limit) = board.policy.expedite_limit {
        let already_here = was.is_some_and(|c| c.column_id == column && c.lane_id == lane);
        let current = count(
            counting
                .others()
                .filter(|c| {
                    c.column_id == column && counting.lane_kind(c.lane_id) == LaneKind::Expedite
                })
                .count(),
        );
        if !already_here && current >= limit {
            violations.push(violation(Rule::ExpediteLimit, limit, current));
        }
    }

    // Committed capacity and the tech-debt allocation, over all active columns.
    if let Some(capacity) = board.policy.committed_capacity
        && target.kind == ColumnKind::Active
        && standard
    {
        let committed: Vec<_> = counting
            .others()
            .filter(|c| board.is_committed(c.column_id, c.lane_id))
            .collect();
        let already_committed = was.is_some_and(|c| board.is_committed(c.column_id, c.lane_id));
        let current = count(committed.len());
        if !already_committed && current >= capacity {
            violations.push(violation(Rule::CommittedCapacity, capacity, current));
        }
        if mover.card_type != CardType::TechDebt && !already_committed {
            let reserved = board.policy.reserved_slots().min(capacity);
            let non_debt_limit = capacity - reserved;
            let debt = count(
                committed
                    .iter()
                    .filter(|c| c.card_type == CardType::TechDebt)
                    .count(),
            );
            let non_debt = current - debt;
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

/// Whether `card` can change what [`check_placement`] says about placing `mover` in
/// `column`: the moving card itself, cards in an `active` column, and cards in that column
/// that one of its limits counts (all of them under its WIP limit, those in the Expedite lane
/// under that lane's limit). Every other card (the backlog, years of finished work) is
/// irrelevant, so the store loads only these for a placement and a move costs the same on a
/// board with a long history.
pub fn bears_on_placement(
    board: &Board,
    column: ColumnId,
    mover: Option<CardId>,
    card: &Card,
) -> bool {
    let active = |id| {
        board
            .column(id)
            .is_some_and(|c| c.kind == ColumnKind::Active)
    };
    let expedite = |id| board.lane(id).is_some_and(|l| l.kind == LaneKind::Expedite);
    Some(card.id) == mover
        || active(card.column_id)
        || (card.column_id == column
            && (board.column(column).is_some_and(|c| c.wip_limit.is_some())
                || (board.policy.expedite_limit.is_some() && expedite(card.lane_id))))
}

/// Where the cards that [`bears_on_placement`] picks for placing a card in `column` lie,
/// besides the moving card itself: whole columns (the active ones, and `column` when it has a
/// WIP limit) and cells (`column` in each Expedite lane, when the board limits Expedite and
/// the column is not read whole). The store reads a batch of moves' cards by these, through
/// the cells index, where the same rule written as one SQL condition made PostgreSQL scan
/// every card of every board (`bench/HISTORY.md`, session 17).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacementScope {
    pub columns: Vec<ColumnId>,
    pub cells: Vec<(ColumnId, LaneId)>,
}

impl PlacementScope {
    /// The scope of placing a card in `column` on `board`.
    pub fn of(board: &Board, column: ColumnId) -> Self {
        let columns: Vec<ColumnId> = board
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Active || (c.id == column && c.wip_limit.is_some()))
            .map(|c| c.id)
            .collect();
        let cells = if board.policy.expedite_limit.is_some() && !columns.contains(&column) {
            board
                .lanes
                .iter()
                .filter(|l| l.kind == LaneKind::Expedite)
                .map(|l| (column, l.id))
                .collect()
        } else {
            Vec::new()
        };
        Self { columns, cells }
    }

    /// Whether `card` lies in the scope.
    pub fn holds(&self, card: &Card) -> bool {
        self.columns.contains(&card.column_id)
            || self.cells.contains(&(card.column_id, card.lane_id))
    }
}

/// Checks an override reason: required to force a refused placement.
pub fn check_override_reason(reason: Option<&str>) -> Result<Option<String>, DomainError> {
    match reason.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) if r.chars().count() > 500 => Err(DomainError::invalid(
            "override_reason",
            "must be at most 500 characters",
        )),
        Some(r) => Ok(Some(r.to_owned())),
    }
}

/// How much of the recently finished work was tech debt, against the board's target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TechDebtShare {
    /// Cards finished in the period (in a `done` column, entered during it).
    pub finished: u32,
    /// Share of those that are tech debt, by count; `None` when nothing finished.
    pub by_count: Option<f64>,
    /// Share of their time in `active` columns that tech-debt cards account for; `None` when
    /// they spent no active time.
    pub by_active_time: Option<f64>,
    /// The board's target share.
    pub target: f64,
}

/// Computes the tech-debt share of the cards finished since `since`. `events` holds the event
/// logs of (at least) those cards, in log order.
pub fn tech_debt_share(
    board: &Board,
    events: &[crate::event::CardEvent],
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> TechDebtShare {
    let kind = |id: ColumnId| board.column(id).map(|c| c.kind);
    let finished: Vec<_> = board
        .cards
        .iter()
        .filter(|c| kind(c.column_id) == Some(ColumnKind::Done) && c.column_entered_at >= since)
        .collect();
    let debt = finished
        .iter()
        .filter(|c| c.card_type == CardType::TechDebt)
        .count();
    let mut by_card: std::collections::HashMap<CardId, Vec<crate::event::CardEvent>> =
        std::collections::HashMap::new();
    for e in events {
        by_card.entry(e.card_id).or_default().push(e.clone());
    }
    let (mut debt_time, mut all_time) = (0i64, 0i64);
    for card in &finished {
        let own = by_card.get(&card.id).map_or(&[][..], Vec::as_slice);
        let active = crate::history::seconds_in(own, |c| kind(c) == Some(ColumnKind::Active), now);
        all_time += active;
        if card.card_type == CardType::TechDebt {
            debt_time += active;
        }
    }
    TechDebtShare {
        finished: count(finished.len()),
        by_count: (!finished.is_empty()).then(|| debt as f64 / finished.len() as f64),
        by_active_time: (all_time > 0).then(|| debt_time as f64 / all_time as f64),
        target: board.policy.tech_debt_share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{Lane, NewBoard};
    use crate::card::Card;
    use crate::ids::BoardId;
    use chrono::Utc;
    use proptest::prelude::*;

    /// Default columns: Backlog, Ready (6), In Progress (4), Review (3), Done.
    fn board(policy: BoardPolicy) -> Board {
        let d = NewBoard {
            name: "P".into(),
            ..Default::default()
        }
        .validate()
        .expect("ok");
        Board {
            id: BoardId::new(),
            slug: d.slug,
            name: d.name,
            description: String::new(),
            created_at: Utc::now(),
            columns: d.columns,
            lanes: d.lanes,
            policy,
            incidents: Default::default(),
            cards: vec![],
        }
    }

    fn expedite(b: &Board) -> &Lane {
        &b.lanes[0]
    }

    fn standard(b: &Board) -> &Lane {
        &b.lanes[1]
    }

    #[test]
    fn committed_slots_are_active_columns_in_the_standard_lane() {
        let b = board(BoardPolicy::default());
        let (ready, in_progress) = (b.columns[1].id, b.columns[2].id);
        assert!(b.is_committed(in_progress, standard(&b).id));
        assert!(!b.is_committed(in_progress, expedite(&b).id));
        assert!(!b.is_committed(ready, standard(&b).id));
        // A lane the board does not know counts as Standard; a column it does not know, never.
        assert!(b.is_committed(in_progress, crate::ids::LaneId::new()));
        assert!(!b.is_committed(ColumnId::new(), standard(&b).id));
    }

    fn add(b: &mut Board, column: usize, lane: LaneId, card_type: CardType) -> CardId {
        let now = Utc::now();
        let id = CardId::new();
        b.cards.push(Card {
            id,
            number: b.cards.len() as i64 + 1,
            title: "c".into(),
            card_type,
            ..Card::sample((b.id, b.columns[column].id, lane), now)
        });
        id
    }

    fn rules(v: &[Violation]) -> Vec<Rule> {
        v.iter().map(|v| v.rule).collect()
    }

    const IN_PROGRESS: usize = 2;
    const REVIEW: usize = 3;

    #[test]
    fn wip_limit_counts_the_standard_lane() {
        let mut b = board(BoardPolicy::default());
        let std_lane = standard(&b).id;
        let exp_lane = expedite(&b).id;
        for _ in 0..4 {
            add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
        }
        let newcomer = Mover {
            id: None,
            card_type: CardType::Feature,
        };
        let col = b.columns[IN_PROGRESS].id;
        let v = check_placement(&b, newcomer, col, std_lane);
        assert_eq!(rules(&v), vec![Rule::WipLimit]);
        assert_eq!((v[0].limit, v[0].current, v[0].column_id), (4, 4, col));
        assert!(
            v[0].message()
                .contains("In Progress is at its WIP limit (4 of 4)")
        );
        // Expedite cards do not count against the column limit; they have their own.
        assert!(check_placement(&b, newcomer, col, exp_lane).is_empty());
        add(&mut b, IN_PROGRESS, exp_lane, CardType::Incident);
        assert_eq!(
            rules(&check_placement(&b, newcomer, col, exp_lane)),
            vec![Rule::ExpediteLimit]
        );
        // Columns without a limit take anything.
        assert!(check_placement(&b, newcomer, b.columns[0].id, std_lane).is_empty());
    }

    #[test]
    fn the_column_count_shown_is_the_count_the_limit_checks() {
        for counts in [false, true] {
            let policy = BoardPolicy {
                expedite_counts_toward_wip: counts,
                ..Default::default()
            };
            let mut b = board(policy);
            let (exp_lane, std_lane) = (expedite(&b).id, standard(&b).id);
            add(&mut b, REVIEW, std_lane, CardType::Feature);
            add(&mut b, REVIEW, exp_lane, CardType::Incident);
            // A card in a lane the board does not know still counts (never left out).
            add(
                &mut b,
                REVIEW,
                LaneId(uuid::Uuid::from_u128(99)),
                CardType::Feature,
            );
            let column = b.columns[REVIEW].id;
            assert_eq!(b.wip_count(column), if counts { 3 } else { 2 });
            let limit = u32::try_from(b.wip_count(column)).unwrap_or(u32::MAX);
            b.columns[REVIEW].wip_limit = Some(limit);
            let newcomer = Mover {
                id: None,
                card_type: CardType::Feature,
            };
            let v = check_placement(&b, newcomer, column, std_lane);
            assert_eq!(rules(&v), vec![Rule::WipLimit], "counts {counts}");
            assert_eq!(v[0].current, limit);
        }
    }

    #[test]
    fn expedite_can_be_made_to_count() {
        let policy = BoardPolicy {
            expedite_counts_toward_wip: true,
            expedite_limit: None,
            ..Default::default()
        };
        let mut b = board(policy);
        let exp_lane = expedite(&b).id;
        for _ in 0..3 {
            add(&mut b, REVIEW, exp_lane, CardType::Incident);
        }
        let v = check_placement(
            &b,
            Mover {
                id: None,
                card_type: CardType::Feature,
            },
            b.columns[REVIEW].id,
            standard(&b).id,
        );
        assert_eq!(rules(&v), vec![Rule::WipLimit]);
    }

    #[test]
    fn moves_within_a_full_or_overfull_column_are_allowed() {
        let mut b = board(BoardPolicy::default());
        let std_lane = standard(&b).id;
        let ids: Vec<_> = (0..5)
            .map(|_| add(&mut b, REVIEW, std_lane, CardType::Feature))
            .collect();
        let mover = Mover {
            id: Some(ids[0]),
            card_type: CardType::Feature,
        };
        assert!(check_placement(&b, mover, b.columns[REVIEW].id, std_lane).is_empty());
        // But another card cannot join the over-full column.
        let other = add(&mut b, 0, std_lane, CardType::Feature);
        let v = check_placement(
            &b,
            Mover {
                id: Some(other),
                card_type: CardType::Feature,
            },
            b.columns[REVIEW].id,
            std_lane,
        );
        assert_eq!((v[0].limit, v[0].current), (3, 5));
    }

    #[test]
    fn reserved_slots_round_up() {
        let with = |c, s| BoardPolicy {
            committed_capacity: Some(c),
            tech_debt_share: s,
            ..Default::default()
        };
        assert_eq!(with(10, 0.2).reserved_slots(), 2);
        assert_eq!(with(4, 0.2).reserved_slots(), 1);
        assert_eq!(with(5, 0.2).reserved_slots(), 1);
        assert_eq!(
            with(15, 0.2).reserved_slots(),
            3,
            "0.2 × 15 is 3.0000000000000004 in floats"
        );
        assert_eq!(with(7, 0.0).reserved_slots(), 0);
        assert_eq!(with(7, 1.0).reserved_slots(), 7);
        assert_eq!(
            BoardPolicy::default().reserved_slots(),
            0,
            "no capacity, no reservation"
        );
    }

    #[test]
    fn tech_debt_allocation_table() {
        // (features committed, debt committed, mover type, expected rules); capacity 5, share
        // 0.2: one slot reserved for tech debt, four for the rest.
        let cases: &[(usize, usize, CardType, &[Rule])] = &[
            (3, 0, CardType::Feature, &[]),
            (4, 0, CardType::Feature, &[Rule::TechDebtAllocation]),
            (4, 0, CardType::Incident, &[Rule::TechDebtAllocation]),
            (4, 0, CardType::TechDebt, &[]),
            (3, 1, CardType::Feature, &[]),
            (2, 2, CardType::Feature, &[]),
            (4, 1, CardType::TechDebt, &[Rule::CommittedCapacity]),
            (
                4,
                1,
                CardType::Feature,
                &[Rule::CommittedCapacity, Rule::TechDebtAllocation],
            ),
            (1, 4, CardType::TechDebt, &[Rule::CommittedCapacity]),
        ];
        for &(features, debt, mover, expected) in cases {
            let mut policy = BoardPolicy {
                committed_capacity: Some(5),
                ..Default::default()
            };
            policy.expedite_limit = None;
            let mut b = board(policy);
            for c in &mut b.columns {
                c.wip_limit = None;
            }
            let std_lane = standard(&b).id;
            for i in 0..features {
                add(&mut b, IN_PROGRESS + i % 2, std_lane, CardType::Feature);
            }
            for _ in 0..debt {
                add(&mut b, REVIEW, std_lane, CardType::TechDebt);
            }
            let v = check_placement(
                &b,
                Mover {
                    id: None,
                    card_type: mover,
                },
                b.columns[IN_PROGRESS].id,
                std_lane,
            );
            assert_eq!(
                rules(&v),
                expected,
                "{features} features, {debt} debt, moving {mover:?}"
            );
            if let Some(alloc) = v.iter().find(|v| v.rule == Rule::TechDebtAllocation) {
                assert_eq!(alloc.reserved, Some(1));
                assert_eq!(alloc.debt_cards, Some(debt as u32));
                assert!(alloc.message().contains("Pull a tech-debt card"));
            }
        }
    }

    #[test]
    fn moving_between_active_columns_is_not_new_commitment() {
        let mut b = board(BoardPolicy {
            committed_capacity: Some(2),
            ..Default::default()
        });
        let std_lane = standard(&b).id;
        let a = add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
        add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
        let v = check_placement(
            &b,
            Mover {
                id: Some(a),
                card_type: CardType::Feature,
            },
            b.columns[REVIEW].id,
            std_lane,
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn policy_settings_are_checked() {
        assert!(BoardPolicy::default().validate().is_ok());
        let bad = BoardPolicy {
            tech_debt_share: 1.5,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().field(), "tech_debt_share");
        let bad = BoardPolicy {
            committed_capacity: Some(0),
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().field(), "committed_capacity");
        assert_eq!(check_override_reason(Some("  ")).expect("ok"), None);
        assert!(check_override_reason(Some(&"x".repeat(501))).is_err());
    }

    #[test]
    fn tech_debt_share_by_count_and_active_time() {
        use crate::event::{Actor, CardEvent, EventKind};
        use chrono::{Duration, TimeZone};
        let t = |h: i64| {
            Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
                .single()
                .expect("t")
                + Duration::hours(h)
        };
        let mut b = board(BoardPolicy::default());
        let lane = standard(&b).id;
        let (backlog, doing, done) = (b.columns[0].id, b.columns[IN_PROGRESS].id, b.columns[4].id);
        let mut events = Vec::new();
        // A feature active 6h, a tech-debt card active 2h, both finished at hour 10; an old
        // tech-debt card finished before the period does not count.
        for (card_type, start, finished_at) in [
            (CardType::Feature, 4, 10),
            (CardType::TechDebt, 8, 10),
            (CardType::TechDebt, 0, 1),
        ] {
            let id = add(&mut b, 4, lane, card_type);
            let card = b.cards.iter_mut().find(|c| c.id == id).expect("card");
            card.column_entered_at = t(finished_at);
            let ev = |n: i64, at, kind| CardEvent {
                id: n,
                card_id: id,
                board_id: b.id,
                at,
                actor: Actor::system("t"),
                kind,
            };
            events.push(ev(
                1,
                t(0),
                EventKind::Created {
                    column_id: backlog,
                    lane_id: lane,
                },
            ));
            events.push(ev(
                2,
                t(start),
                EventKind::Moved {
                    from_column_id: backlog,
                    from_lane_id: lane,
                    to_column_id: doing,
                    to_lane_id: lane,
                },
            ));
            events.push(ev(
                3,
                t(finished_at),
                EventKind::Moved {
                    from_column_id: doing,
                    from_lane_id: lane,
                    to_column_id: done,
                    to_lane_id: lane,
                },
            ));
        }
        let share = tech_debt_share(&b, &events, t(5), t(12));
        assert_eq!(share.finished, 2);
        assert_eq!(share.by_count, Some(0.5));
        assert_eq!(share.by_active_time, Some(2.0 / 8.0));
        assert_eq!(share.target, 0.2);
        let none = tech_debt_share(&b, &events, t(11), t(12));
        assert_eq!(
            (none.finished, none.by_count, none.by_active_time),
            (0, None, None)
        );
    }

    proptest! {
        /// No sequence of accepted placements leaves a column, the Expedite lane or the
        /// committed area over its limit by more than the overrides recorded for it.
        #[test]
        fn limits_hold_except_by_recorded_override(
            capacity in proptest::option::of(2u32..8),
            share in 0.0f64..0.6,
            expedite_limit in proptest::option::of(1u32..3),
            expedite_counts_toward_wip in proptest::bool::ANY,
            ops in proptest::collection::vec((0usize..12, 0usize..5, 0usize..2, 0usize..3, proptest::bool::weighted(0.15)), 1..120),
        ) {
            let mut b = board(BoardPolicy {
                committed_capacity: capacity,
                tech_debt_share: share,
                expedite_limit,
                expedite_counts_toward_wip,
            });
            let mut overrides: std::collections::HashMap<(Rule, ColumnId), u32> = Default::default();
            let types = [CardType::Feature, CardType::Incident, CardType::TechDebt];
            for (card, column, lane, kind, force) in ops {
                let lane = b.lanes[lane].id;
                let column = b.columns[column].id;
                let existing = b.cards.get(card).map(|c| (c.id, c.card_type));
                let mover = match existing {
                    Some((id, card_type)) => Mover { id: Some(id), card_type },
                    None => Mover { id: None, card_type: types[kind] },
                };
                let violations = check_placement(&b, mover, column, lane);
                // The store checks with only the cards that bear on the placement.
                let mut relevant = b.clone();
                relevant.cards.retain(|c| bears_on_placement(&b, column, mover.id, c));
                prop_assert_eq!(&check_placement(&relevant, mover, column, lane), &violations);
                // The scope the store reads a batch's cards by picks the same cards.
                let scope = PlacementScope::of(&b, column);
                for c in &b.cards {
                    prop_assert_eq!(
                        bears_on_placement(&b, column, mover.id, c),
                        Some(c.id) == mover.id || scope.holds(c)
                    );
                }
                if !violations.is_empty() && !force {
                    continue;
                }
                for v in &violations {
                    let key = if v.rule == Rule::CommittedCapacity || v.rule == Rule::TechDebtAllocation {
                        (v.rule, ColumnId(uuid::Uuid::nil()))
                    } else {
                        (v.rule, v.column_id)
                    };
                    *overrides.entry(key).or_default() += 1;
                }
                match existing {
                    Some((id, _)) => {
                        let c = b.cards.iter_mut().find(|c| c.id == id).expect("card");
                        c.column_id = column;
                        c.lane_id = lane;
                    }
                    None => {
                        let idx = b.columns.iter().position(|c| c.id == column).expect("column");
                        add(&mut b, idx, lane, types[kind]);
                    }
                }
                let std_lane = b.lanes[1].id;
                for col in &b.columns {
                    if let Some(limit) = col.wip_limit {
                        let n = b.cards.iter()
                            .filter(|c| c.column_id == col.id && (c.lane_id == std_lane || expedite_counts_toward_wip))
                            .count() as u32;
                        let allowed = limit + overrides.get(&(Rule::WipLimit, col.id)).copied().unwrap_or(0);
                        prop_assert!(n <= allowed, "{} holds {} > {}", col.name, n, allowed);
                    }
                    if let Some(limit) = expedite_limit {
                        let exp = b.cards.iter().filter(|c| c.column_id == col.id && c.lane_id != std_lane).count() as u32;
                        let allowed = limit + overrides.get(&(Rule::ExpediteLimit, col.id)).copied().unwrap_or(0);
                        prop_assert!(exp <= allowed);
                    }
                }
                if let Some(cap) = capacity {
                    let active: Vec<_> = b.cards.iter()
                        .filter(|c| c.lane_id == std_lane && b.column(c.column_id).is_some_and(|col| col.kind == ColumnKind::Active))
                        .collect();
                    let nil = ColumnId(uuid::Uuid::nil());
                    let allowed = cap + overrides.get(&(Rule::CommittedCapacity, nil)).copied().unwrap_or(0);
                    prop_assert!(active.len() as u32 <= allowed);
                    let non_debt = active.iter().filter(|c| c.card_type != CardType::TechDebt).count() as u32;
                    let reserved = b.policy.reserved_slots().min(cap);
                    let allowed = cap - reserved + overrides.get(&(Rule::TechDebtAllocation, nil)).copied().unwrap_or(0);
                    prop_assert!(non_debt <= allowed, "non-debt {} > {}", non_debt, allowed);
                }
            }
        }
    }
}
