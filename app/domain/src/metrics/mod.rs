//! Flow metrics of a board over a window of days, computed from the card event log.
//!
//! The log, not the cards' current fields, says where each card was at any moment, so every
//! number here can be recomputed for any past window and agrees with the others (the CFD, the
//! WIP line and the population are all read from the same column entries).
//!
//! # Definitions
//! - **Window**: dates `from..=to`, the instants `[from 00:00 UTC, to + 1 day 00:00 UTC)`.
//!   "At the end of a day" means after every event stamped before the next midnight.
//! - **Completed**: the card's last entry into a `done` column, if it is still in a `done`
//!   column at the end of the window. Moving on between `done` columns (Done → Released) is
//!   not a new completion: the completion is the start of the card's final stay in `done`.
//!   The **population** is the cards completed inside the window.
//! - **Commitment**: the first entry into an `active` column. **Cycle time** is completed −
//!   commitment (cards never committed are counted in `uncommitted` and left out);
//!   **lead time** is completed − the card's `created_at`.
//! - **Time in column**: per card, the sum of all its visits to the column before completion;
//!   per column, over the population cards that visited it.
//! - **Percentiles**: nearest rank, the value at 1-based position ceil(p/100 × n).
//! - **Throughput**: population cards per completion day, by type, every day of the window.
//! - **CFD**: cards in each column at the end of each day; **WIP**: cards in `active` columns.
//! - **Flow efficiency**: worked time over cycle time (the lead time from commitment), summed
//!   over the committed population; `None` when the cycle times add up to 0. Worked time is
//!   time in `active` columns while not blocked (a `blocked` event until the next `unblocked`
//!   one): a blocked card is waiting, wherever it sits. This is Flowboard's one definition of
//!   the name; the value stream's figure from the request on is its *activity ratio*.
//! - **Tech-debt share by active time**: time in `active` columns, blocked or not, of
//!   tech-debt cards over that of the whole population (capacity the work held).
//! - **Aging WIP**: cards in `active` columns at the end of the window, aged from commitment
//!   to min(window end, `now`), oldest first.
//! - **Incidents**: incident cards created in the window; time to restore is the lead time
//!   of the incident cards in the population.
//! - **Overrides**: `policy_overridden` events inside the window, per rule.
//! - **Discarded**: a card discarded now (and not restored) is left out of every figure above,
//!   for every window, as if it had never been on the board: it is not a completion, and it
//!   would otherwise inflate throughput and pull cycle times down. The cards discarded inside
//!   the window are counted on their own ([`Discarded`]): how many, how many after commitment,
//!   and the time they had taken. A restored card counts as if it had never been discarded,
//!   the time away spent in the column it left and came back to.
//!
//! Durations are whole seconds; an empty population gives counts of 0 and `None` statistics.
//!
//! # Reading the log
//! Events are grouped by card in one pass and folded into each card's column entries, the
//! same way [`crate::history::column_visits`] does (a move inside a column is not a new
//! visit). Every metric is read off those entries, so the work grows linearly with cards and
//! events, plus days × columns for the daily series, and no card is looked for in the whole
//! log. Gaps in the log are read as far as they go rather than refused, because a
//! metrics page must not fail on a board whose history is imperfect:
//! - events of cards missing from `cards` (made after the cards were read) are ignored;
//! - a card whose `created` event is missing was in the column its first move left, or in its
//!   current column if it never moved, from its `created_at`;
//! - an event stamped earlier than the card's previous one (a clock stepping back) is taken
//!   to happen at the previous one's time, so a card is never in two columns at once;
//! - columns that are no longer on the board count towards no column and no kind;
//! - a card's type is its current type.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::board::{Board, ColumnKind};
use crate::card::{Card, CardType};
use crate::error::DomainError;
use crate::event::CardEvent;
use crate::ids::{CardId, ColumnId};
use crate::policy::TechDebtShare;

pub use crate::window::{MAX_WINDOW_YEARS, Window};

pub(crate) mod blocked;
mod discarded;
mod log;
mod stats;

pub use self::discarded::Discarded;
pub use self::stats::{Stats, TypeCounts};
use self::stats::{count_u32, seconds};

use self::log::{Log, Step, cfd_counts, read_log};

/// Time the population spent in one column: shows where work waits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ColumnTime {
    /// The column.
    pub column_id: ColumnId,
    /// Its name, so a chart needs nothing else.
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
    /// Per population card that visited it before completion: the sum of its visits.
    pub time_in_column: Stats,
}

/// Cards completed on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyThroughput {
    /// The UTC day.
    pub date: NaiveDate,
    /// Population cards completed that day.
    pub total: u32,
    /// The same, by type.
    pub by_type: TypeCounts,
}

/// One day of the cumulative flow diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CfdDay {
    /// The UTC day.
    pub date: NaiveDate,
    /// Cards in each column at the end of the day, keyed by column id; every column is
    /// present, so a chart's bands never start or stop mid-way.
    pub counts: BTreeMap<String, u32>,
}

/// Work in progress at the end of one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyWip {
    /// The UTC day.
    pub date: NaiveDate,
    /// Cards in `active` columns at the end of the day.
    pub count: u32,
}

/// A card in progress and how long ago it was committed: old items are where delivery risk
/// hides, so they are listed first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingCard {
    /// The card.
    pub card_id: CardId,
    /// The `active` column it is in.
    pub column_id: ColumnId,
    /// Seconds from commitment to min(window end, now).
    pub age_s: i64,
}

/// How the board handled incidents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incidents {
    /// Incident cards created in the window.
    pub created: u32,
    /// Incident cards in the population (completed in the window).
    pub restored: u32,
    /// Completed − created of those.
    pub time_to_restore: Stats,
}

/// One card of the population: a dot on the cycle-time scatterplot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    /// The card.
    pub card_id: CardId,
    /// Its number on the board (`#12`).
    pub number: i64,
    /// Its type.
    pub card_type: CardType,
    /// When it was completed (its last entry into a `done` column).
    pub completed_at: DateTime<Utc>,
    /// Completed − commitment; `None` for a card never committed.
    pub cycle_s: Option<i64>,
    /// Completed − created.
    pub lead_s: i64,
}

/// Every flow metric of a board for one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowMetrics {
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// Cards completed in the window.
    pub population: u32,
    /// Of those, cards that never entered an `active` column (no cycle time).
    pub uncommitted: u32,
    /// Time in each column, in board order.
    pub columns: Vec<ColumnTime>,
    /// Completed − commitment, over the committed population.
    pub cycle_time: Stats,
    /// Completed − created, over the population.
    pub lead_time: Stats,
    /// One entry per day of the window, zero days included.
    pub throughput: Vec<DailyThroughput>,
    /// One entry per day of the window.
    pub cfd: Vec<CfdDay>,
    /// One entry per day of the window.
    pub wip: Vec<DailyWip>,
    /// Population by type.
    pub flow_distribution: TypeCounts,
    /// The population's tech-debt share by count and by active time, against the target.
    pub tech_debt_share: TechDebtShare,
    /// Worked time (in `active` columns, not blocked) over cycle time (from commitment),
    /// summed over the committed population; `None` when the cycle times add up to 0.
    pub flow_efficiency: Option<f64>,
    /// Cards in `active` columns at the end of the window, oldest first.
    pub aging_wip: Vec<AgingCard>,
    /// Incidents created and restored.
    pub incidents: Incidents,
    /// Policy overrides in the window, by rule (`wip_limit`, …); rules never overridden are
    /// absent.
    pub overrides: BTreeMap<String, u32>,
    /// The population card by card, in order of completion (the scatterplot's dots).
    pub completions: Vec<Completion>,
    /// Cards discarded in the window (and not restored since): left out of every figure
    /// above, counted here.
    #[serde(default)]
    pub discarded: Discarded,
}

impl FlowMetrics {
    /// The bottleneck: the `queue` or `active` column where population cards spent the
    /// longest median time (ties go to the earlier column). Work waits longest there, so
    /// that is where a team looks first; `done` columns are where work ends, not where it
    /// waits. `None` when no card passed through such a column.
    pub fn bottleneck(&self) -> Option<&ColumnTime> {
        self.columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Queue | ColumnKind::Active))
            .filter_map(|c| c.time_in_column.p50_s.map(|p50| (p50, c)))
            .fold(
                None,
                |best: Option<(i64, &ColumnTime)>, (p50, c)| match best {
                    Some((b, _)) if b >= p50 => best,
                    _ => Some((p50, c)),
                },
            )
            .map(|(_, c)| c)
    }
}

/// What the flow metrics need to know of a card beyond its events: a store can read just
/// this for every card of a big board in about half the time whole cards take
/// (descriptions, incident fields, timestamps the metrics never look at).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricCard {
    /// The card.
    pub id: CardId,
    /// Its number: ties in the aging list are broken by it.
    pub number: i64,
    /// Its current type.
    pub card_type: CardType,
    /// Its current column: where a card without events has been since its creation.
    pub column_id: ColumnId,
    /// When it was made: lead time starts here.
    pub created_at: DateTime<Utc>,
    /// When it was discarded, while it is: the card is then left out of every flow figure.
    #[serde(default)]
    pub discarded_at: Option<DateTime<Utc>>,
}

impl From<&Card> for MetricCard {
    fn from(card: &Card) -> Self {
        Self {
            id: card.id,
            number: card.number,
            card_type: card.card_type,
            column_id: card.column_id,
            created_at: card.created_at,
            discarded_at: card.discarded.as_ref().map(|d| d.at),
        }
    }
}

impl MetricCard {
    /// The metric facts of whole cards (a board already read with its cards).
    pub fn of(cards: &[Card]) -> Vec<Self> {
        cards.iter().map(Self::from).collect()
    }
}

/// Computes the board's flow metrics for `window`.
///
/// `board` gives the id, the columns and the policy (its own `cards` are not read, so a
/// board read without them will do); `cards` holds every card of the board; `events` holds
/// those cards' event log in log order, possibly interleaved across cards. `now` only bounds the
/// age of work in progress when the window reaches past it. Events of another board are
/// refused (field `events`): mixing boards is a bug in the caller, and silently wrong metrics
/// would hide it.
pub fn compute(
    board: &Board,
    cards: &[MetricCard],
    events: &[CardEvent],
    window: Window,
    now: DateTime<Utc>,
) -> Result<FlowMetrics, DomainError> {
    if !cards.iter().any(|c| c.discarded_at.is_some()) {
        return flow(board, cards, events, window, now);
    }
    // Discarded cards are left out of every flow figure, as if they had never been on the
    // board, and counted on their own.
    let (gone, kept): (Vec<MetricCard>, Vec<MetricCard>) = cards
        .iter()
        .cloned()
        .partition(|c| c.discarded_at.is_some());
    let mut metrics = flow(board, &kept, events, window, now)?;
    metrics.discarded = discarded::count(board, &gone, events, window)?;
    Ok(metrics)
}

/// The flow metrics of cards none of which is discarded.
fn flow(
    board: &Board,
    cards: &[MetricCard],
    events: &[CardEvent],
    window: Window,
    now: DateTime<Utc>,
) -> Result<FlowMetrics, DomainError> {
    let Log {
        timelines,
        blocks,
        overrides,
    } = read_log(board, cards, events, window)?;
    let kinds: Vec<ColumnKind> = board.columns.iter().map(|c| c.kind).collect();
    let kind_of = |s: &Step| s.column.and_then(|c| kinds.get(c).copied());
    let aging_end = window.end().min(now);

    let mut time_in: Vec<Vec<i64>> = vec![Vec::new(); kinds.len()];
    let (mut cycle, mut lead, mut restore) = (Vec::new(), Vec::new(), Vec::new());
    let mut throughput = vec![TypeCounts::default(); window.days()];
    let mut distribution = TypeCounts::default();
    let mut uncommitted = 0usize;
    let (mut active_all, mut active_debt, mut cycle_sum) = (0i64, 0i64, 0i64);
    let mut worked_all = 0i64;
    let mut aging: Vec<(Reverse<i64>, i64, AgingCard)> = Vec::new();
    let mut incidents_created = 0usize;
    let mut visits: Vec<(usize, i64)> = Vec::new();
    let mut completions: Vec<Completion> = Vec::new();

    for ((card, timeline), spells) in cards.iter().zip(&timelines).zip(&blocks) {
        if card.card_type == CardType::Incident && window.contains(card.created_at) {
            incidents_created += 1;
        }
        let placed = &timeline[..timeline.partition_point(|s| s.at < window.end())];
        let Some(last) = placed.last() else {
            continue;
        };
        match kind_of(last) {
            Some(ColumnKind::Done) => {
                let done_from = placed
                    .iter()
                    .rposition(|s| kind_of(s) != Some(ColumnKind::Done))
                    .map_or(0, |i| i + 1);
                let Some(completion) = placed.get(done_from) else {
                    continue;
                };
                let completed = completion.at;
                if completed < window.start() {
                    continue;
                }
                let before = &placed[..=done_from];
                visits.clear();
                for pair in before.windows(2) {
                    let Some(column) = pair[0].column else {
                        continue;
                    };
                    let spent = seconds(pair[1].at - pair[0].at);
                    match visits.iter_mut().find(|(c, _)| *c == column) {
                        Some((_, total)) => *total += spent,
                        None => visits.push((column, spent)),
                    }
                }
                let active: i64 = visits
                    .iter()
                    .filter(|(c, _)| kinds.get(*c) == Some(&ColumnKind::Active))
                    .map(|(_, s)| s)
                    .sum();
                let worked: i64 = before
                    .windows(2)
                    .filter(|pair| kind_of(&pair[0]) == Some(ColumnKind::Active))
                    .map(|pair| spells.unblocked_between(pair[0].at, pair[1].at))
                    .sum();
                for &(column, spent) in &visits {
                    if let Some(values) = time_in.get_mut(column) {
                        values.push(spent);
                    }
                }
                distribution.add(card.card_type);
                if let Some(day) = usize::try_from(window.day_of(completed))
                    .ok()
                    .and_then(|d| throughput.get_mut(d))
                {
                    day.add(card.card_type);
                }
                let lead_s = seconds(completed - card.created_at);
                lead.push(lead_s);
                if card.card_type == CardType::Incident {
                    restore.push(lead_s);
                }
                let cycle_s = match before
                    .iter()
                    .find(|s| kind_of(s) == Some(ColumnKind::Active))
                {
                    Some(commitment) => {
                        let cycle_s = seconds(completed - commitment.at);
                        cycle.push(cycle_s);
                        cycle_sum += cycle_s;
                        Some(cycle_s)
                    }
                    None => {
                        uncommitted += 1;
                        None
                    }
                };
                completions.push(Completion {
                    card_id: card.id,
                    number: card.number,
                    card_type: card.card_type,
                    completed_at: completed,
                    cycle_s,
                    lead_s,
                });
                active_all += active;
                worked_all += worked;
                if card.card_type == CardType::TechDebt {
                    active_debt += active;
                }
            }
            Some(ColumnKind::Active) => {
                if let Some(commitment) = placed
                    .iter()
                    .find(|s| kind_of(s) == Some(ColumnKind::Active))
                {
                    let age_s = seconds(aging_end - commitment.at);
                    aging.push((
                        Reverse(age_s),
                        card.number,
                        AgingCard {
                            card_id: card.id,
                            column_id: last.column_id,
                            age_s,
                        },
                    ));
                }
            }
            Some(ColumnKind::Queue) | None => {}
        }
    }

    let dates: Vec<NaiveDate> = window.from().iter_days().take(window.days()).collect();
    let per_day = cfd_counts(&timelines, window, kinds.len());
    let keys: Vec<String> = board.columns.iter().map(|c| c.id.to_string()).collect();
    let cfd = dates
        .iter()
        .zip(&per_day)
        .map(|(&date, counts)| CfdDay {
            date,
            counts: keys.iter().cloned().zip(counts.iter().copied()).collect(),
        })
        .collect();
    let wip = dates
        .iter()
        .zip(&per_day)
        .map(|(&date, counts)| DailyWip {
            date,
            count: kinds
                .iter()
                .zip(counts)
                .filter(|(kind, _)| **kind == ColumnKind::Active)
                .fold(0u32, |sum, (_, &n)| sum.saturating_add(n)),
        })
        .collect();
    let throughput = dates
        .iter()
        .zip(throughput)
        .map(|(&date, by_type)| DailyThroughput {
            date,
            total: by_type.total(),
            by_type,
        })
        .collect();

    let population = distribution.total();
    completions.sort_by_key(|c| (c.completed_at, c.number));
    aging.sort_unstable_by_key(|(age, number, _)| (*age, *number));
    let restored = count_u32(restore.len());

    Ok(FlowMetrics {
        from: window.from(),
        to: window.to(),
        population,
        uncommitted: count_u32(uncommitted),
        columns: board
            .columns
            .iter()
            .zip(&mut time_in)
            .map(|(column, values)| ColumnTime {
                column_id: column.id,
                name: column.name.clone(),
                kind: column.kind,
                time_in_column: Stats::from_seconds(values),
            })
            .collect(),
        cycle_time: Stats::from_seconds(&mut cycle),
        lead_time: Stats::from_seconds(&mut lead),
        throughput,
        cfd,
        wip,
        flow_distribution: distribution,
        tech_debt_share: TechDebtShare {
            finished: population,
            by_count: (population > 0)
                .then(|| f64::from(distribution.tech_debt) / f64::from(population)),
            by_active_time: (active_all > 0).then(|| active_debt as f64 / active_all as f64),
            target: board.policy.tech_debt_share,
        },
        flow_efficiency: (cycle_sum > 0).then(|| worked_all as f64 / cycle_sum as f64),
        aging_wip: aging.into_iter().map(|(_, _, card)| card).collect(),
        incidents: Incidents {
            created: count_u32(incidents_created),
            restored,
            time_to_restore: Stats::from_seconds(&mut restore),
        },
        overrides,
        completions,
        discarded: Discarded::default(),
    })
}

#[cfg(test)]
mod tests;
