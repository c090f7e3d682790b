//! A card's history as people read it: which columns it visited, when, and for how long.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{CardEvent, EventKind};
use crate::ids::{ColumnId, LaneId};

/// One stay of a card in one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ColumnVisit {
    /// The column.
    pub column_id: ColumnId,
    /// The lane it was in when it entered.
    pub lane_id: LaneId,
    /// When it entered.
    pub entered_at: DateTime<Utc>,
    /// When it left; `None` while it is still there.
    pub left_at: Option<DateTime<Utc>>,
    /// Seconds spent there, up to `now` for the current visit.
    pub duration_s: i64,
}

/// Folds a card's events (in log order) into its column visits.
///
/// A move inside the same column (a lane change or reordering) does not end the visit: time in
/// column is what flow metrics measure, whatever the lane. A card discarded (and not restored
/// since) left its last column when it was discarded; one restored since is read as the flow
/// metrics read it, as if it had stayed where it was.
pub fn column_visits(events: &[CardEvent], now: DateTime<Utc>) -> Vec<ColumnVisit> {
    let mut visits: Vec<ColumnVisit> = Vec::new();
    let mut discarded_at = None;
    for event in events {
        match event.kind {
            EventKind::Discarded { .. } => discarded_at = Some(event.at),
            EventKind::Restored { .. } => discarded_at = None,
            _ => {}
        }
        let (Some(column), Some(lane)) = (event.kind.column_after(), event.kind.lane_after())
        else {
            continue;
        };
        if let Some(open) = visits.last_mut() {
            if open.column_id == column {
                continue;
            }
            open.left_at = Some(event.at);
            open.duration_s = (event.at - open.entered_at).num_seconds().max(0);
        }
        visits.push(ColumnVisit {
            column_id: column,
            lane_id: lane,
            entered_at: event.at,
            left_at: None,
            duration_s: 0,
        });
    }
    if let Some(open) = visits.last_mut() {
        let until = discarded_at.map_or(now, |at| at.max(open.entered_at));
        if discarded_at.is_some() {
            open.left_at = Some(until);
        }
        open.duration_s = (until - open.entered_at).num_seconds().max(0);
    }
    visits
}

/// Seconds a card spent in the given columns, from its events (in log order), up to `until`.
pub fn seconds_in(
    events: &[CardEvent],
    columns: impl Fn(ColumnId) -> bool,
    until: DateTime<Utc>,
) -> i64 {
    column_visits(events, until)
        .iter()
        .filter(|v| columns(v.column_id))
        .map(|v| v.duration_s)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Actor;
    use crate::ids::{BoardId, CardId};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0)
            .single()
            .expect("valid time")
    }

    fn ev(id: i64, h: u32, kind: EventKind) -> CardEvent {
        CardEvent {
            id,
            card_id: CardId(uuid::Uuid::nil()),
            board_id: BoardId(uuid::Uuid::nil()),
            at: at(h),
            actor: Actor::system("test"),
            kind,
        }
    }

    #[test]
    fn visits_follow_moves_including_backward_ones() {
        let (a, b, lane) = (ColumnId::new(), ColumnId::new(), LaneId::new());
        let moved = |from, to| EventKind::Moved {
            from_column_id: from,
            from_lane_id: lane,
            to_column_id: to,
            to_lane_id: lane,
        };
        let events = vec![
            ev(
                1,
                0,
                EventKind::Created {
                    column_id: a,
                    lane_id: lane,
                },
            ),
            ev(2, 2, moved(a, b)),
            ev(
                3,
                3,
                EventKind::Edited {
                    fields: vec!["title".into()],
                },
            ),
            ev(4, 5, moved(b, a)),
            ev(5, 6, moved(a, a)),
        ];
        let visits = column_visits(&events, at(10));
        let summary: Vec<_> = visits.iter().map(|v| (v.column_id, v.duration_s)).collect();
        assert_eq!(summary, vec![(a, 7200), (b, 10800), (a, 5 * 3600)]);
        assert_eq!(visits[2].left_at, None);
    }

    #[test]
    fn a_discarded_card_left_its_column_when_discarded_and_a_restored_one_never_did() {
        let (a, lane) = (ColumnId::new(), LaneId::new());
        let created = EventKind::Created {
            column_id: a,
            lane_id: lane,
        };
        let discarded = EventKind::Discarded {
            reason: "duplicate".into(),
            column_id: a,
            lane_id: lane,
        };
        let restored = EventKind::Restored {
            column_id: a,
            lane_id: lane,
        };
        let gone = column_visits(
            &[ev(1, 0, created.clone()), ev(2, 3, discarded.clone())],
            at(10),
        );
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].duration_s, gone[0].left_at),
            (3 * 3600, Some(at(3)))
        );
        let back = [ev(1, 0, created), ev(2, 3, discarded), ev(3, 4, restored)];
        let back = column_visits(&back, at(10));
        assert_eq!((back[0].duration_s, back[0].left_at), (10 * 3600, None));
    }

    #[test]
    fn no_events_no_visits() {
        assert!(column_visits(&[], at(1)).is_empty());
    }
}
