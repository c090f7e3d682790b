//! The storage interface for delivery: deployments reported by CI/CD, and incidents as the
//! DORA four keys read them. A supertrait of [`super::Store`], as [`super::AccountStore`] is,
//! so one `Arc<dyn Store>` serves everything and both databases pass the same conformance
//! tests for it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::delivery::{Deployment, DeploymentId, IncidentRecord, NewDeployment};
use domain::{Actor, BoardId, Card, CardId};

use super::StoreError;

/// What recording a deployment did.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentOutcome {
    /// The deployment as stored, its cards as ids.
    pub deployment: Deployment,
    /// A new deployment was stored; `false` when the same report (board, service,
    /// environment, version, `deployed_at`) had been stored before and this is that one.
    pub created: bool,
}

/// Deployments and the incident side of the four keys.
#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Records a deployment with its commits and cards in one transaction, and appends a
    /// `deployed` event to each card. Card references are ids or numbers of cards on this
    /// board; if any names no such card, nothing is stored (`Invalid`, field `cards`). A
    /// report identical in board, service, environment, version and `deployed_at` to a
    /// stored one (a pipeline retrying) stores nothing and returns the stored one.
    async fn record_deployment(
        &self,
        board: BoardId,
        new: &NewDeployment,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<DeploymentOutcome, StoreError>;

    /// The board's deployments with `from <= deployed_at < until` (no upper bound when
    /// `until` is `None`), by `deployed_at`, with their commits, cards and the incident cards
    /// blamed on them.
    async fn deployments(
        &self,
        board: BoardId,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Deployment>, StoreError>;

    /// Blames an incident card on a deployment of its board, or (`None`) clears the blame,
    /// recording an `edited` event (field `caused_by`). Only incident cards take a cause
    /// (`Invalid`, field `card_type`); a deployment of another board or none at all is
    /// `Invalid` (field `deployment_id`).
    async fn set_caused_by(
        &self,
        card: CardId,
        deployment: Option<DeploymentId>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// The board's incident cards created in `[from, until)`, as the four keys read them:
    /// restored at the earlier of their alert's resolution and their completion (their
    /// entry into the run of `done` columns they are still in), if either happened.
    async fn incident_records(
        &self,
        board: BoardId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<IncidentRecord>, StoreError>;
}
