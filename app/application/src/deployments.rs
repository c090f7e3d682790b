//! Use cases of deployments reported by CI/CD: record one (idempotently) and list a board's.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal};
use domain::delivery::{Deployment, DeploymentReport};
use domain::metrics::Window;

use crate::access::authorize_board;
use crate::error::Result;
use crate::ports::{BoardRef, DeploymentOutcome, Store};

/// Records a deployment of `board` as reported by a pipeline, checked by the domain at `now`
/// (a missing `deployed_at` is `now`); the same report sent again stores nothing.
pub async fn record(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    report: DeploymentReport,
    now: DateTime<Utc>,
) -> Result<DeploymentOutcome> {
    let id = authorize_board(store, caller, board, Action::PostDeployments).await?;
    let new = report.validate(now)?;
    Ok(store
        .record_deployment(id, &new, &caller.actor(), now)
        .await?)
}

/// The board's deployments in `window` (by `deployed_at`), oldest first.
pub async fn list(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    window: Window,
) -> Result<Vec<Deployment>> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    Ok(store
        .deployments(id, window.start(), Some(window.end()))
        .await?)
}
