//! Use cases of incidents from monitoring: a report through the incident API, its
//! resolution, and a notification of alerts from Alertmanager or Grafana.
//!
//! Monitoring names its board in the request or through a token bound to one board
//! ([`target`]). Each call is one transaction: an answer of success means every
//! incident in it is stored, an error means none is.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal};
use domain::incident::{
    AlertmanagerPayload, GrafanaPayload, IncidentReport, IncidentSettings, Signal,
};
use domain::{Actor, Card, DomainError};

use crate::access::authorize_board;
use crate::error::Result;
use crate::ports::{AlertOutcome, BoardRef, IncidentOutcome, Store};

/// Which board an incident request is for: the one it names, else the one its token is
/// bound to.
pub fn target(caller: &Principal, named: Option<&str>) -> Result<BoardRef> {
    match (caller, named) {
        (_, Some(board)) => Ok(BoardRef::parse(board)),
        (Principal::Token { board: Some(b), .. }, None) => Ok(BoardRef::Id(*b)),
        _ => Err(DomainError::Invalid {
            field: "board",
            message: "name the board with ?board=SLUG (or use a token bound to one board)".into(),
        }
        .into()),
    }
}

/// Opens an incident, or refreshes the open one with the same `dedup_key`.
pub async fn report_incident(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    report: &IncidentReport,
    now: DateTime<Utc>,
) -> Result<IncidentOutcome> {
    let id = authorize_board(store, caller, board, Action::PostIncidents).await?;
    Ok(store
        .report_incident(&BoardRef::Id(id), report, "api", &caller.actor(), now)
        .await?)
}

/// Marks the alert side of the open incident with `dedup_key` resolved.
pub async fn resolve_incident(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<Card> {
    let id = authorize_board(store, caller, board, Action::PostIncidents).await?;
    Ok(store
        .resolve_incident(&BoardRef::Id(id), dedup_key, &caller.actor(), now)
        .await?)
}

/// A notification from a monitoring system, as its webhook sent it.
#[derive(Debug)]
pub enum Notification {
    /// Alertmanager's webhook (version 4).
    Alertmanager(AlertmanagerPayload),
    /// Grafana's alerting webhook.
    Grafana(GrafanaPayload),
}

impl Notification {
    /// The integration's name, for the card's `source` and the event's actor.
    pub fn integration(&self) -> &'static str {
        match self {
            Self::Alertmanager(_) => "alertmanager",
            Self::Grafana(_) => "grafana",
        }
    }

    fn signals(&self, settings: &IncidentSettings) -> Result<Vec<Signal>, DomainError> {
        match self {
            Self::Alertmanager(payload) => payload.signals(settings),
            Self::Grafana(payload) => Ok(payload.signals(settings)),
        }
    }
}

/// Applies a notification's alerts to `board` in one transaction, under the board's severity
/// mapping: firing alerts open or refresh incidents, resolved ones resolve them. The actor
/// names the integration and the token that sent it.
pub async fn apply_notification(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    notification: &Notification,
    now: DateTime<Utc>,
) -> Result<Vec<AlertOutcome>> {
    let id = authorize_board(store, caller, board, Action::PostIncidents).await?;
    let settings = store.incident_settings(id).await?;
    let signals = notification.signals(&settings)?;
    let integration = notification.integration();
    let actor = Actor::integration(format!("{integration} ({})", caller.actor().name));
    Ok(store
        .apply_alerts(&BoardRef::Id(id), &signals, integration, &actor, now)
        .await?)
}
