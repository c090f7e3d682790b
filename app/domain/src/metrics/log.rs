//! One pass over the event log: each card's column entries (its timeline), and the counts
//! read off the timelines day by day (see the module documentation of [`super`] for how gaps
//! in the log are read).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::blocked::Blocks;
use super::{MetricCard, Window};
use crate::board::Board;
use crate::error::DomainError;
use crate::event::{CardEvent, EventKind};
use crate::ids::{CardId, ColumnId};

/// A card's entry into a column.
#[derive(Clone, Copy, Debug)]
pub(super) struct Step {
    pub(super) at: DateTime<Utc>,
    pub(super) column_id: ColumnId,
    /// Index in `board.columns`; `None` for a column no longer on the board.
    pub(super) column: Option<usize>,
}

/// What one pass over the log yields.
pub(super) struct Log {
    /// Each card's column entries, indexed like `cards`.
    pub(super) timelines: Vec<Vec<Step>>,
    /// Each card's blocked spells, indexed like `cards`.
    pub(super) blocks: Vec<Blocks>,
    /// Policy overrides inside the window, by rule.
    pub(super) overrides: BTreeMap<String, u32>,
}

/// Reads the log once: every card's column entries and the overrides in the window.
pub(super) fn read_log(
    board: &Board,
    cards: &[MetricCard],
    events: &[CardEvent],
    window: Window,
) -> Result<Log, DomainError> {
    let columns: HashMap<ColumnId, usize> = board
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let index: HashMap<CardId, usize> = cards.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let enter = |timeline: &mut Vec<Step>, at: DateTime<Utc>, column_id: ColumnId| {
        let previous = timeline.last().copied();
        if previous.is_some_and(|p| p.column_id == column_id) {
            return;
        }
        timeline.push(Step {
            at: previous.map_or(at, |p| at.max(p.at)),
            column_id,
            column: columns.get(&column_id).copied(),
        });
    };

    // Log order is by id; sorting an already sorted list is a linear check.
    let mut ordered: Vec<&CardEvent> = events.iter().collect();
    ordered.sort_by_key(|e| e.id);
    let mut timelines: Vec<Vec<Step>> = vec![Vec::new(); cards.len()];
    let mut blocks: Vec<Blocks> = vec![Blocks::default(); cards.len()];
    let mut overrides: BTreeMap<String, u32> = BTreeMap::new();
    for event in ordered {
        if event.board_id != board.id {
            return Err(DomainError::reference(
                "events",
                format!("event {} belongs to another board", event.id),
            ));
        }
        let Some(&i) = index.get(&event.card_id) else {
            continue;
        };
        let Some(timeline) = timelines.get_mut(i) else {
            continue;
        };
        match &event.kind {
            EventKind::PolicyOverridden { rule, .. } => {
                if window.contains(event.at) {
                    let n = overrides.entry(rule.as_str().to_owned()).or_insert(0);
                    *n = n.saturating_add(1);
                }
            }
            EventKind::Moved {
                from_column_id,
                to_column_id,
                ..
            } => {
                if timeline.is_empty()
                    && let Some(card) = cards.get(i)
                {
                    enter(timeline, card.created_at.min(event.at), *from_column_id);
                }
                enter(timeline, event.at, *to_column_id);
            }
            EventKind::Created { column_id, .. } => enter(timeline, event.at, *column_id),
            // Stamped no earlier than the card's last column entry, as moves are.
            EventKind::Blocked { .. } => {
                if let Some(spells) = blocks.get_mut(i) {
                    spells.block(timeline.last().map_or(event.at, |s| event.at.max(s.at)));
                }
            }
            EventKind::Unblocked => {
                if let Some(spells) = blocks.get_mut(i) {
                    spells.unblock(timeline.last().map_or(event.at, |s| event.at.max(s.at)));
                }
            }
            EventKind::Edited { .. }
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
    }
    for (card, timeline) in cards.iter().zip(&mut timelines) {
        if timeline.is_empty() {
            enter(timeline, card.created_at, card.column_id);
        }
    }
    Ok(Log {
        timelines,
        blocks,
        overrides,
    })
}

/// Cards per column at the end of each day (`[day][column]`). Each stay in a column covers a
/// run of day ends, added with a difference array, so a card costs O(its entries) whatever
/// the window's length.
pub(super) fn cfd_counts(timelines: &[Vec<Step>], window: Window, columns: usize) -> Vec<Vec<u32>> {
    let days = window.days();
    let last_day = i64::try_from(days).unwrap_or(i64::MAX) - 1;
    let mut diff = vec![vec![0i64; days + 1]; columns];
    for timeline in timelines {
        for (k, step) in timeline.iter().enumerate() {
            let Some(column) = step.column.and_then(|c| diff.get_mut(c)) else {
                continue;
            };
            // The card is in this column at the end of day d when the step happened before
            // that day's end and the next step did not.
            let first = window.day_of(step.at).max(0);
            let last = timeline
                .get(k + 1)
                .map_or(last_day, |next| (window.day_of(next.at) - 1).min(last_day));
            let (Ok(first), Ok(last)) = (usize::try_from(first), usize::try_from(last)) else {
                continue;
            };
            if first > last {
                continue;
            }
            column[first] += 1;
            column[last + 1] -= 1;
        }
    }
    let mut running = vec![0i64; columns];
    (0..days)
        .map(|day| {
            running
                .iter_mut()
                .zip(&diff)
                .map(|(sum, column)| {
                    *sum += column[day];
                    u32::try_from((*sum).max(0)).unwrap_or(u32::MAX)
                })
                .collect()
        })
        .collect()
}
