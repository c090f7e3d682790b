//! Loads what a delivery view needs from storage and lets the domain compute it: shared by
//! the REST API (`GET /boards/{board}/delivery`), the delivery dashboard and the
//! retrospective, so all three show the same numbers.

use chrono::Days;
use domain::delivery::{Delivery, Deployment, Scope};
use domain::metrics::Window;
use domain::{Board, CardEvent};

use super::{Store, StoreError};

/// How far before the earlier window deployments are read: a commit's first deployment (to
/// staging, say) may precede its production deployment by a while, and the stage
/// "deployment" measures commit → that first one. A commit first deployed longer ago than
/// this is measured from its earliest deployment inside the span.
pub const STAGING_LOOKBACK: Days = Days::new(90);

/// The delivery view of `board` for `current`, with the deployments it read (oldest first).
/// `events` is the board's event log up to the end of `current` (callers often have it
/// already).
pub async fn load_delivery(
    store: &dyn Store,
    board: &Board,
    events: &[CardEvent],
    current: Window,
    scope: &Scope,
) -> Result<(Delivery, Vec<Deployment>), StoreError> {
    let previous = current.previous()?;
    let since = previous
        .start()
        .checked_sub_days(STAGING_LOOKBACK)
        .unwrap_or(previous.start());
    // Deployments after the window still recover failures inside it, so there is no end.
    let deployments = store.deployments(board.id, since, None).await?;
    let incidents = store
        .incident_records(board.id, previous.start(), current.end())
        .await?;
    let delivery = domain::delivery::delivery(
        &board.columns,
        events,
        &deployments,
        &incidents,
        current,
        scope,
    )?;
    Ok((delivery, deployments))
}
