//! The storage port for incidents: reported by people and monitoring, deduplicated by their
//! open key, resolved, and each board's incident settings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::incident::{IncidentReport, IncidentSettings, Signal};
use domain::{Actor, Board, Card};

use super::{BoardRef, StoreError};

/// What one alert of a notification did.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertOutcome {
    /// A new incident card.
    Created(Card),
    /// The open incident with the alert's key, reported again.
    Refreshed(Card),
    /// The open incident, its alert resolved.
    Resolved(Card),
    /// A resolved alert with no open incident.
    Ignored,
}

/// What reporting an incident did.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentOutcome {
    /// The incident's card, as stored now.
    pub card: Card,
    /// A new card was made (else the open one with the same key was refreshed).
    pub created: bool,
}

/// Incidents and how boards treat them.
#[async_trait]
pub trait IncidentStore: Send + Sync + 'static {
    /// Opens an incident, or refreshes the open one with the same `dedup_key` (occurrences up,
    /// last seen now, alert resolution cleared, an `incident_recurred` event). One transaction;
    /// a unique index on open dedup keys makes duplicates impossible even under races. A
    /// `caused_by` that names no deployment of the board is `Invalid` (field `caused_by`): a
    /// person or script named it on purpose.
    async fn report_incident(
        &self,
        board: &BoardRef,
        report: &IncidentReport,
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError>;

    /// Marks the alert side of the open incident with `dedup_key` resolved (an
    /// `alert_resolved` event) and, if the board says so, moves it to the resolve column.
    /// `NotFound` when no open incident has the key.
    async fn resolve_incident(
        &self,
        board: &BoardRef,
        dedup_key: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Applies a monitoring notification's alerts in one transaction: firing ones open or
    /// refresh incidents, resolved ones resolve them (or are ignored when nothing is open).
    /// A cause the labels name that matches no deployment is dropped, not refused:
    /// monitoring is never refused.
    async fn apply_alerts(
        &self,
        board: &BoardRef,
        signals: &[Signal],
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertOutcome>, StoreError>;

    /// How the board treats incidents (read without loading its cards).
    async fn incident_settings(
        &self,
        board: domain::BoardId,
    ) -> Result<IncidentSettings, StoreError>;

    /// Changes how the board treats incidents from monitoring.
    async fn set_incident_settings(
        &self,
        board: &BoardRef,
        settings: &IncidentSettings,
    ) -> Result<Board, StoreError>;
}
