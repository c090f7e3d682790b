//! What a delivery view reads besides the board and its event log, and the domain's
//! computation over it: shared by the metrics, the delivery view and the retrospective (see
//! `crate::reports`), so all three show the same numbers.

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::Days;
use domain::delivery::{Delivery, Deployment, IncidentRecord, Scope};
use domain::metrics::Window;
use domain::{Board, BoardId, CardEvent, CardId};

use crate::ports::{Store, StoreError};

/// How far before the earlier window deployments are read: a commit's first deployment (to
/// staging, say) may precede its production deployment by a while, and the stage
/// "deployment" measures commit → that first one. A commit first deployed longer ago than
/// this is measured from its earliest deployment inside the span.
pub const STAGING_LOOKBACK: Days = Days::new(90);

/// What the delivery side reads besides the board and its event log.
pub struct DeliveryReads {
    /// The deployments from before the earlier window on (oldest first): deployments after
    /// the window still recover failures inside it, so there is no end.
    pub deployments: Vec<Deployment>,
    /// The incidents made in `current` and the window before it.
    pub incidents: Vec<IncidentRecord>,
    /// The board's discarded cards: their events are left out, as the flow metrics leave
    /// the cards out.
    pub discarded: HashSet<CardId>,
}

impl DeliveryReads {
    /// Reads them for `current`, the two reads at once (each on a connection of its own):
    /// on a year of history each takes tens of milliseconds.
    pub async fn read(
        store: &dyn Store,
        board: BoardId,
        current: Window,
    ) -> Result<Self, StoreError> {
        let previous = current.previous()?;
        let since = previous
            .start()
            .checked_sub_days(STAGING_LOOKBACK)
            .unwrap_or(previous.start());
        let (deployments, incidents, discarded) = tokio::try_join!(
            store.deployments(board, since, None),
            store.incident_records(board, previous.start(), current.end()),
            store.discarded_card_ids(board),
        )?;
        Ok(Self {
            deployments,
            incidents,
            discarded: discarded.into_iter().collect(),
        })
    }

    /// The delivery view of `board` for `current` from them. `events` is the board's event
    /// log up to the end of `current`.
    pub fn delivery(
        &self,
        board: &Board,
        events: &[CardEvent],
        current: Window,
        scope: &Scope,
    ) -> Result<Delivery, StoreError> {
        let kept: Cow<'_, [CardEvent]> = if self.discarded.is_empty() {
            Cow::Borrowed(events)
        } else {
            events
                .iter()
                .filter(|e| !self.discarded.contains(&e.card_id))
                .cloned()
                .collect()
        };
        Ok(domain::delivery::delivery(
            &board.columns,
            &kept,
            &self.deployments,
            &self.incidents,
            current,
            scope,
        )?)
    }
}
