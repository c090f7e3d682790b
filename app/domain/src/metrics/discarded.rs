//! The cards discarded in a window: left out of every flow figure (see [`super::compute`]) and
//! counted here, so that work thrown away is visible rather than silently missing.

use serde::{Deserialize, Serialize};

use super::log::{Log, read_log};
use super::stats::{count_u32, seconds};
use super::{MetricCard, Stats, TypeCounts, Window};
use crate::board::{Board, ColumnKind};
use crate::error::DomainError;
use crate::event::CardEvent;

/// Cards discarded inside the window and not restored since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discarded {
    /// How many.
    pub count: u32,
    /// Of those, cards discarded after commitment (after they had entered an `active`
    /// column): work started and then thrown away.
    pub after_commitment: u32,
    /// The same count by type.
    pub by_type: TypeCounts,
    /// Created → discarded, over every discarded card.
    pub time_spent: Stats,
    /// Commitment → discarded, over the cards discarded after commitment.
    pub committed_time: Stats,
}

/// Counts the cards of `gone` (discarded ones) discarded inside `window`, reading their
/// commitment off `events` as the flow metrics do.
pub(super) fn count(
    board: &Board,
    gone: &[MetricCard],
    events: &[CardEvent],
    window: Window,
) -> Result<Discarded, DomainError> {
    let inside: Vec<MetricCard> = gone
        .iter()
        .filter(|c| c.discarded_at.is_some_and(|at| window.contains(at)))
        .cloned()
        .collect();
    let mut counts = Discarded::default();
    if inside.is_empty() {
        return Ok(counts);
    }
    let Log { timelines, .. } = read_log(board, &inside, events, window)?;
    let (mut spent, mut committed) = (Vec::new(), Vec::new());
    for (card, timeline) in inside.iter().zip(&timelines) {
        let Some(discarded_at) = card.discarded_at else {
            continue;
        };
        counts.by_type.add(card.card_type);
        spent.push(seconds(discarded_at - card.created_at));
        let commitment = timeline.iter().find(|step| {
            step.at <= discarded_at
                && step
                    .column
                    .and_then(|c| board.columns.get(c))
                    .is_some_and(|c| c.kind == ColumnKind::Active)
        });
        if let Some(step) = commitment {
            committed.push(seconds(discarded_at - step.at));
        }
    }
    counts.count = count_u32(inside.len());
    counts.after_commitment = count_u32(committed.len());
    counts.time_spent = Stats::from_seconds(&mut spent);
    counts.committed_time = Stats::from_seconds(&mut committed);
    Ok(counts)
}
