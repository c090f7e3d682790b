//! Flow policies: WIP limits per column, the committed capacity of the active columns, the
//! Expedite lane's own limit, and the share of capacity reserved for tech debt.
//!
//! [`check_placement`] is the one decision every path (UI, REST API, integrations) goes
//! through, inside the same transaction that writes the move, so a limit cannot be passed by
//! two requests racing each other. A refused placement can be forced with a reason; the
//! override is then recorded as an event per broken rule.

use serde::{Deserialize, Serialize};

mod person;
mod placement;

use crate::board::{Board, ColumnKind};
use crate::card::CardType;
use crate::error::DomainError;
use crate::ids::{CardId, ColumnId};

pub use person::{PersonLoad, PersonQuery, check_person_limit};
pub use placement::{CellSet, Lanes, Mover, PlacementCounts, PlacementQuery, check_placement};

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
    /// Most cards one person may own in `active` columns; `None` (the default) for no limit.
    #[serde(default)]
    pub person_wip_limit: Option<u32>,
}

impl Default for BoardPolicy {
    fn default() -> Self {
        Self {
            committed_capacity: None,
            tech_debt_share: DEFAULT_TECH_DEBT_SHARE,
            expedite_limit: Some(DEFAULT_EXPEDITE_LIMIT),
            expedite_counts_toward_wip: false,
            person_wip_limit: None,
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
            ("person_wip_limit", self.person_wip_limit),
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
    /// The most cards one person may own in active columns.
    PersonWipLimit,
}

impl Rule {
    /// The spelling used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WipLimit => "wip_limit",
            Self::CommittedCapacity => "committed_capacity",
            Self::ExpediteLimit => "expedite_limit",
            Self::TechDebtAllocation => "tech_debt_allocation",
            Self::PersonWipLimit => "person_wip_limit",
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
    /// The per-person WIP limit only: whose limit, and the cards they own in active columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonLoad>,
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
            Rule::PersonWipLimit => {
                let (name, cards) =
                    self.person
                        .as_ref()
                        .map_or(("This person", String::new()), |p| {
                            let numbers: Vec<String> =
                                p.cards.iter().map(|n| format!("#{n}")).collect();
                            (p.name.as_str(), numbers.join(", "))
                        });
                format!(
                    "{name} already has {} of {} card(s) in progress ({cards}). Stop starting, start finishing: help finish one of those first, or override with a reason.",
                    self.current, self.limit
                )
            }
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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

/// How many days back the board's tech-debt share is measured (the allocation bar).
pub const SHARE_DAYS: i64 = 28;

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
mod tests;
