//! The value stream of a board over a window: where the finished work spent its time, column
//! by column, how much of it was work and how much waiting, and how long its commits then
//! took to reach users.
//!
//! # Definitions
//! - **Population**, **completion** and **time in column** as [`crate::metrics`] defines
//!   them: the cards whose final entry into a `done` column falls in the window, and per card
//!   the sum of its visits to a column before completion. A card is known here only through
//!   its events: its creation is its `created` event, or its first event when that is missing.
//! - **Active time** (process time): time in an `active` column while the card was not
//!   blocked. **Waiting time**: everything else before completion — `queue` columns, blocked
//!   time inside `active` columns (a `blocked` event until the next `unblocked` one, or
//!   completion), and `done` columns left again. Shares are per column, over the summed time
//!   of the population there; `None` when that sum is 0.
//! - **Rework rate**: of the population cards that visited a column, the share that moved
//!   from it straight to a column earlier in board order (the order of `columns`).
//! - **Lead time**: completion − creation; **activity ratio**: summed process time over
//!   summed lead time, `None` when the lead times add up to 0 (the value stream map's
//!   "activity ratio", from the request to done). It is not flow efficiency, which
//!   [`crate::metrics`] measures from commitment: time waiting in the backlog before anyone
//!   committed to the work lowers this ratio but not flow efficiency, so the two differ and
//!   carry different names.
//! - **Delivery stages**, when deployments are given: for each commit (per service) of a
//!   successful deployment in the scope's service, the time from the commit to its first
//!   successful deployment anywhere (`deployment`), and to its first successful deployment to
//!   the scope's environment (named after it, `production` by default); a commit counts in a
//!   stage when it reached that stage inside the window.
//!
//! The log is read as the flow metrics read it: per card in log order, a move inside a column
//! is not a new visit, an event stamped before the card's previous one happens at the previous
//! one's time, and columns missing from `columns` count towards none (their time is waiting).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Deployment, DeploymentStatus, Scope, count_u32, seconds};
use crate::board::{Column, ColumnKind};
use crate::error::DomainError;
use crate::event::{CardEvent, EventKind};
use crate::ids::{CardId, ColumnId};
use crate::metrics::Stats;
use crate::metrics::blocked::Blocks;
use crate::window::Window;

/// One column of the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamColumn {
    /// The column.
    pub column_id: ColumnId,
    /// Its name.
    pub name: String,
    /// Its kind, which decides whether its time is work or waiting.
    pub kind: ColumnKind,
    /// Population cards that visited it before completion.
    pub visited: u32,
    /// Per visiting card, the sum of its visits.
    pub time_in_column: Stats,
    /// Seconds of work in it, summed over the population.
    pub active_s: i64,
    /// Seconds of waiting in it, summed over the population.
    pub waiting_s: i64,
    /// Active / (active + waiting).
    pub active_share: Option<f64>,
    /// Waiting / (active + waiting).
    pub waiting_share: Option<f64>,
    /// Visiting cards sent back from it to an earlier column.
    pub reworked: u32,
    /// Reworked / visited; `None` when no card visited.
    pub rework_rate: Option<f64>,
}

/// Commits on their way to users after the board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryStage {
    /// `deployment`, or the environment's name.
    pub name: String,
    /// Commit → first successful deployment there, per commit that got there in the window.
    pub commit_to_stage: Stats,
}

/// The value stream of one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueStream {
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// Cards completed in the window.
    pub population: u32,
    /// One block per column, in board order.
    pub columns: Vec<StreamColumn>,
    /// `deployment` then the scope's environment; empty when no deployments were given.
    pub delivery: Vec<DeliveryStage>,
    /// Completion − creation, over the population.
    pub lead_time: Stats,
    /// Active time per population card.
    pub process_time: Stats,
    /// Lead times summed.
    pub lead_time_total_s: i64,
    /// Active times summed.
    pub process_time_total_s: i64,
    /// Activity ratio: process time over lead time (from creation), both summed over the
    /// population; `None` when the lead times add up to 0. Not flow efficiency, which counts
    /// from commitment (see the flow metrics).
    pub activity_ratio: Option<f64>,
}

/// A card's entry into a column.
#[derive(Clone, Copy, Debug)]
struct Step {
    at: DateTime<Utc>,
    column_id: ColumnId,
    /// Index in `columns`; `None` for a column not on the board.
    column: Option<usize>,
}

/// What the log says of one card.
#[derive(Default)]
struct CardLog {
    created_at: Option<DateTime<Utc>>,
    last_at: Option<DateTime<Utc>>,
    steps: Vec<Step>,
    /// Blocked spells.
    blocks: Blocks,
}

/// Per-column sums over the population.
#[derive(Clone, Default)]
struct ColumnSums {
    times: Vec<i64>,
    active: i64,
    waiting: i64,
    reworked: usize,
}

/// Computes the board's value stream for `window` (see the module's definitions). `events`
/// is the board's card event log; events of more than one board are refused (field
/// `events`), as the flow metrics refuse them. `deployments` may hold any service and
/// environment; `scope` picks.
pub fn value_stream(
    columns: &[Column],
    events: &[CardEvent],
    deployments: &[Deployment],
    window: Window,
    scope: &Scope,
) -> Result<ValueStream, DomainError> {
    let logs = read_log(columns, events)?;
    let kind = |c: Option<usize>| c.and_then(|c| columns.get(c)).map(|c| c.kind);
    let mut sums = vec![ColumnSums::default(); columns.len()];
    let (mut lead, mut process) = (Vec::new(), Vec::new());
    let mut visits: Vec<(usize, i64, bool)> = Vec::new();

    for log in &logs {
        let placed = &log.steps[..log.steps.partition_point(|s| s.at < window.end())];
        if placed
            .last()
            .is_none_or(|s| kind(s.column) != Some(ColumnKind::Done))
        {
            continue;
        }
        let done_from = placed
            .iter()
            .rposition(|s| kind(s.column) != Some(ColumnKind::Done))
            .map_or(0, |i| i + 1);
        let Some(completion) = placed.get(done_from) else {
            continue;
        };
        if completion.at < window.start() {
            continue;
        }
        visits.clear();
        let mut active_total = 0i64;
        for pair in placed[..=done_from].windows(2) {
            let (here, next) = (pair[0], pair[1]);
            let Some((c, sum)) = here.column.and_then(|c| sums.get_mut(c).map(|s| (c, s))) else {
                continue;
            };
            let spent = seconds(here.at, next.at);
            let active = if kind(Some(c)) == Some(ColumnKind::Active) {
                log.blocks.unblocked_between(here.at, next.at)
            } else {
                0
            };
            sum.active += active;
            sum.waiting += spent - active;
            active_total += active;
            let back = next.column.is_some_and(|n| n < c);
            match visits.iter_mut().find(|(v, _, _)| *v == c) {
                Some((_, total, reworked)) => {
                    *total += spent;
                    *reworked |= back;
                }
                None => visits.push((c, spent, back)),
            }
        }
        for &(c, spent, reworked) in &visits {
            if let Some(sum) = sums.get_mut(c) {
                sum.times.push(spent);
                sum.reworked += usize::from(reworked);
            }
        }
        let created = log.created_at.unwrap_or(completion.at);
        lead.push(seconds(created, completion.at));
        process.push(active_total);
    }

    let lead_total: i64 = lead.iter().sum();
    let process_total: i64 = process.iter().sum();
    let share = |part: i64, whole: i64| (whole > 0).then(|| part as f64 / whole as f64);
    Ok(ValueStream {
        from: window.from(),
        to: window.to(),
        population: count_u32(lead.len()),
        columns: columns
            .iter()
            .zip(sums)
            .map(|(column, mut sum)| {
                let visited = sum.times.len();
                let spent = sum.active + sum.waiting;
                StreamColumn {
                    column_id: column.id,
                    name: column.name.clone(),
                    kind: column.kind,
                    visited: count_u32(visited),
                    time_in_column: Stats::from_seconds(&mut sum.times),
                    active_s: sum.active,
                    waiting_s: sum.waiting,
                    active_share: share(sum.active, spent),
                    waiting_share: share(sum.waiting, spent),
                    reworked: count_u32(sum.reworked),
                    rework_rate: (visited > 0).then(|| sum.reworked as f64 / visited as f64),
                }
            })
            .collect(),
        delivery: delivery_stages(deployments, window, scope),
        lead_time: Stats::from_seconds(&mut lead),
        process_time: Stats::from_seconds(&mut process),
        lead_time_total_s: lead_total,
        process_time_total_s: process_total,
        activity_ratio: share(process_total, lead_total),
    })
}

/// Groups the log by card (in log order) into column entries and blocked spells.
fn read_log(columns: &[Column], events: &[CardEvent]) -> Result<Vec<CardLog>, DomainError> {
    let index: HashMap<ColumnId, usize> =
        columns.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut ordered: Vec<&CardEvent> = events.iter().collect();
    ordered.sort_by_key(|e| e.id);
    let board = ordered.first().map(|e| e.board_id);
    let mut cards: HashMap<CardId, usize> = HashMap::new();
    let mut logs: Vec<CardLog> = Vec::new();
    for event in ordered {
        if Some(event.board_id) != board {
            return Err(DomainError::reference(
                "events",
                format!("event {} belongs to another board", event.id),
            ));
        }
        let slot = *cards.entry(event.card_id).or_insert_with(|| {
            logs.push(CardLog::default());
            logs.len() - 1
        });
        let Some(log) = logs.get_mut(slot) else {
            continue;
        };
        let at = log.last_at.map_or(event.at, |last| event.at.max(last));
        log.last_at = Some(at);
        let enter = |log: &mut CardLog, column_id: ColumnId| {
            if log.steps.last().is_some_and(|s| s.column_id == column_id) {
                return;
            }
            log.steps.push(Step {
                at,
                column_id,
                column: index.get(&column_id).copied(),
            });
        };
        match &event.kind {
            EventKind::Created { column_id, .. } => enter(log, *column_id),
            EventKind::Moved {
                from_column_id,
                to_column_id,
                ..
            } => {
                if log.steps.is_empty() {
                    enter(log, *from_column_id);
                }
                enter(log, *to_column_id);
            }
            EventKind::Blocked { .. } => log.blocks.block(at),
            EventKind::Unblocked => log.blocks.unblock(at),
            EventKind::Edited { .. }
            | EventKind::PolicyOverridden { .. }
            | EventKind::Assigned { .. }
            | EventKind::Unassigned { .. }
            | EventKind::IncidentRecurred { .. }
            | EventKind::AlertResolved
            | EventKind::Deployed { .. }
            | EventKind::Discarded { .. }
            | EventKind::Restored { .. }
            | EventKind::Labelled { .. }
            | EventKind::Unlabelled { .. } => {}
        }
        log.created_at.get_or_insert(at);
    }
    Ok(logs)
}

/// Commit → first successful deployment anywhere, and to the scope's environment.
fn delivery_stages(
    deployments: &[Deployment],
    window: Window,
    scope: &Scope,
) -> Vec<DeliveryStage> {
    if deployments.is_empty() {
        return Vec::new();
    }
    type Reach = (DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let earliest = |slot: &mut Option<DateTime<Utc>>, at| {
        *slot = Some(slot.map_or(at, |s: DateTime<Utc>| s.min(at)));
    };
    let mut commits: HashMap<(&str, &str), Reach> = HashMap::new();
    for d in deployments
        .iter()
        .filter(|d| d.status == DeploymentStatus::Success && scope.has_service(d))
    {
        for c in &d.commits {
            let reach = commits
                .entry((d.service.as_str(), c.sha.as_str()))
                .or_insert((c.committed_at, None, None));
            reach.0 = reach.0.min(c.committed_at);
            earliest(&mut reach.1, d.deployed_at);
            if scope.covers(d) {
                earliest(&mut reach.2, d.deployed_at);
            }
        }
    }
    let stage = |name: &str, reached: fn(&Reach) -> Option<DateTime<Utc>>| {
        let mut values: Vec<i64> = commits
            .values()
            .filter_map(|r| {
                reached(r)
                    .filter(|&at| window.contains(at))
                    .map(|at| seconds(r.0, at))
            })
            .collect();
        DeliveryStage {
            name: name.to_owned(),
            commit_to_stage: Stats::from_seconds(&mut values),
        }
    };
    vec![
        stage("deployment", |r| r.1),
        stage(&scope.environment, |r| r.2),
    ]
}
