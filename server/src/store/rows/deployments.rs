//! Rows of the deployment tables.

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::corrupt;

/// An incident card as the delivery metrics read it: id, service, opened, alert resolved,
/// cause, completed.
pub type IncidentRow = (
    Uuid,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
    Option<DateTime<Utc>>,
);

#[derive(FromRow)]
pub struct DeploymentRow {
    pub id: Uuid,
    pub service: String,
    pub environment: String,
    pub version: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
}

impl TryFrom<DeploymentRow> for domain::delivery::Deployment {
    type Error = StoreError;
    /// The deployment without its commits, cards and incidents, which come from their own
    /// tables.
    fn try_from(r: DeploymentRow) -> Result<Self, StoreError> {
        use domain::delivery::DeploymentStatus;
        let status = match r.status.as_str() {
            "success" => DeploymentStatus::Success,
            "failure" => DeploymentStatus::Failure,
            other => return Err(corrupt("deployment status", other)),
        };
        Ok(Self {
            id: domain::delivery::DeploymentId(r.id),
            service: r.service,
            environment: r.environment,
            version: r.version,
            deployed_at: r.deployed_at,
            status,
            commits: Vec::new(),
            cards: Vec::new(),
            caused_incidents: Vec::new(),
        })
    }
}
