//! Incidents reported by monitoring: the generic report, the board's incident settings (how
//! alert severities map to ours, where resolved incidents go), and the translation of
//! Alertmanager and Grafana webhook payloads into reports. Deduplication itself is storage's
//! job (a unique index on open dedup keys); this module decides *what* each alert means.

mod alerts;

use serde::{Deserialize, Serialize};

use crate::card::{NewCard, Severity};
use crate::delivery::DeploymentRef;
use crate::ids::ColumnId;
use crate::{CardType, DomainError};

pub use alerts::{
    AlertmanagerPayload, GrafanaPayload, Signal, SignalStatus, WebhookAlert, resolution_time,
};

/// The longest title a card may have; longer alert titles are shortened.
const MAX_TITLE: usize = 200;

/// An incident as a monitoring system (or a person with a script) reports it:
/// `POST /api/v1/incidents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentReport {
    /// What is wrong, 1–200 characters.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// The affected service.
    #[serde(default)]
    pub service: Option<String>,
    /// Details (markdown).
    #[serde(default)]
    pub description: Option<String>,
    /// Identifies the alert: while a card with this key is open on the board, reports with the
    /// same key refresh it instead of making a new card.
    #[serde(default)]
    pub dedup_key: Option<String>,
    /// A link to the alert, dashboard or runbook (http or https).
    #[serde(default)]
    pub link: Option<String>,
    /// The deployment that caused it: a deployment id, or `{"service", "version"}`. The
    /// deployment then counts as a failed change. A new card takes it; an open one takes it
    /// only if nobody has named a cause yet.
    #[serde(default)]
    pub caused_by: Option<DeploymentRef>,
}

impl IncidentReport {
    /// Checks the fields that [`NewCard`] does not: the link and the cause.
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(link) = &self.link
            && (link.len() > 2000
                || link.contains('\0')
                || !(link.starts_with("https://") || link.starts_with("http://")))
        {
            return Err(DomainError::invalid(
                "link",
                "must be an http:// or https:// address of at most 2000 characters, without NUL",
            ));
        }
        if let Some(cause) = &self.caused_by {
            cause.validate("caused_by")?;
        }
        Ok(())
    }

    /// The card this report makes when no open incident has its key. Monitoring is never
    /// refused by flow policies: the override is recorded with `override_reason`.
    pub fn new_card(&self, source: &str) -> NewCard {
        NewCard {
            assignees: Vec::new(),
            labels: Vec::new(),
            title: self.title.clone(),
            description: self.description.clone(),
            card_type: CardType::Incident,
            column_id: None,
            lane_id: None,
            severity: Some(self.severity),
            service: self.service.clone().filter(|s| !s.trim().is_empty()),
            source: Some(source.to_owned()),
            dedup_key: self.dedup_key.clone(),
            override_reason: Some(format!(
                "incident reported by {source}: monitoring is never refused; reprioritise on the board"
            )),
        }
    }
}

/// How a board treats incidents from monitoring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentSettings {
    /// Alert `severity` label values and the severity they become, checked in order
    /// (case-insensitive). Anything unlisted becomes `fallback`.
    pub severity_map: Vec<SeverityRule>,
    /// The severity of alerts whose label is missing or unlisted.
    pub fallback: Severity,
    /// When the alert side resolves, move the card to this column (e.g. Done); `None` leaves
    /// it where it is for people to close.
    pub resolve_column_id: Option<ColumnId>,
    /// Which new incidents the board's members are told of in their inbox: `all`, `urgent`
    /// (sev1 and sev2, the default) or `none`.
    #[serde(default)]
    pub notify: crate::inbox::IncidentNotices,
}

/// One line of the severity mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SeverityRule {
    /// The alert's `severity` label value, e.g. `critical`.
    pub label: String,
    /// The severity it becomes.
    pub severity: Severity,
}

impl Default for IncidentSettings {
    /// critical → sev1, error and major → sev2, warning → sev3, anything else → sev4.
    fn default() -> Self {
        let rule = |label: &str, severity| SeverityRule {
            label: label.into(),
            severity,
        };
        Self {
            severity_map: vec![
                rule("critical", Severity::Sev1),
                rule("error", Severity::Sev2),
                rule("major", Severity::Sev2),
                rule("warning", Severity::Sev3),
                rule("info", Severity::Sev4),
            ],
            fallback: Severity::Sev4,
            resolve_column_id: None,
            notify: crate::inbox::IncidentNotices::default(),
        }
    }
}

impl IncidentSettings {
    /// The severity an alert label maps to.
    pub fn severity_of(&self, label: Option<&str>) -> Severity {
        label
            .map(str::trim)
            .and_then(|l| {
                self.severity_map
                    .iter()
                    .find(|r| r.label.eq_ignore_ascii_case(l))
            })
            .map_or(self.fallback, |r| r.severity)
    }

    /// Checks the mapping: labels non-empty and distinct.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut seen = Vec::new();
        for r in &self.severity_map {
            let l = r.label.trim().to_lowercase();
            if l.is_empty() || l.len() > 50 {
                return Err(DomainError::invalid(
                    "severity_map",
                    "labels must be 1 to 50 characters",
                ));
            }
            if seen.contains(&l) {
                return Err(DomainError::invalid(
                    "severity_map",
                    format!("label {l:?} is listed twice"),
                ));
            }
            seen.push(l);
        }
        Ok(())
    }
}

/// Shortens a title to the card limit on a character boundary, marking the cut.
pub(crate) fn fit_title(title: &str) -> String {
    let title = title.trim();
    if title.chars().count() <= MAX_TITLE {
        return title.to_owned();
    }
    let mut cut: String = title.chars().take(MAX_TITLE - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
