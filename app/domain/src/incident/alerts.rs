//! Alertmanager (webhook version 4) and Grafana (unified alerting) payloads, and what each
//! alert in them means for the board. Both send a list of alerts with labels, annotations and
//! a fingerprint; a firing alert opens or refreshes the incident with its fingerprint, a
//! resolved one marks it resolved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{IncidentReport, IncidentSettings, fit_title};
use crate::DomainError;
use crate::card::MAX_SHORT_CHARS;
use crate::delivery::{DeploymentId, DeploymentRef, Release};

/// The webhook body Alertmanager posts (`version: "4"`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertmanagerPayload {
    /// The payload version; Alertmanager sends `"4"`.
    pub version: String,
    /// `firing` or `resolved` for the group.
    #[serde(default)]
    pub status: String,
    /// The receiver's name in Alertmanager's configuration.
    #[serde(default)]
    pub receiver: String,
    /// Alertmanager's own address.
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    /// The alerts of the group.
    pub alerts: Vec<WebhookAlert>,
}

/// The webhook body of a Grafana contact point of type "webhook".
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrafanaPayload {
    /// `firing` or `resolved` for the group.
    #[serde(default)]
    pub status: String,
    /// The contact point's name.
    #[serde(default)]
    pub receiver: String,
    /// Grafana's notification title.
    #[serde(default)]
    pub title: String,
    /// Grafana's own address.
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    /// The alerts of the group.
    pub alerts: Vec<WebhookAlert>,
}

/// One alert, in the shape both Alertmanager and Grafana use.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAlert {
    /// Whether the alert fires or has resolved.
    pub status: SignalStatus,
    /// Identifying labels (`alertname`, `severity`, `service`, `job`, `instance`, …).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Human text (`summary`, `description`, `runbook_url`, …).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing.
    #[serde(default, rename = "startsAt")]
    pub starts_at: Option<DateTime<Utc>>,
    /// When it resolved (zero time while firing).
    #[serde(default, rename = "endsAt")]
    pub ends_at: Option<DateTime<Utc>>,
    /// The query behind the alert.
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    /// Stable identity of the alert (a hash of its labels).
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Grafana: the dashboard of the alert rule.
    #[serde(default, rename = "dashboardURL")]
    pub dashboard_url: Option<String>,
    /// Grafana: the panel of the alert rule.
    #[serde(default, rename = "panelURL")]
    pub panel_url: Option<String>,
    /// Grafana: the values that triggered it, as text.
    #[serde(default, rename = "valueString")]
    pub value_string: Option<String>,
}

/// An alert's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SignalStatus {
    /// Firing: open or refresh the incident.
    Firing,
    /// Resolved: mark the incident's alert side resolved.
    Resolved,
}

/// What one alert asks of the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// Open/refresh or resolve.
    pub status: SignalStatus,
    /// The incident it opens or refreshes (its `dedup_key` names the incident to resolve).
    pub report: IncidentReport,
    /// Resolved alerts: when the alert says it ended (`endsAt`), which is when the incident's
    /// alert side resolved, not when the notification arrived (minutes later with
    /// Alertmanager's `group_interval`). [`resolution_time`] decides whether to believe it.
    pub ends_at: Option<DateTime<Utc>>,
}

/// When an incident's alert resolved: the alert's `ends_at` if it is plausible, else `now`.
/// Implausible are a missing time, Alertmanager's zero time (`0001-01-01T00:00:00Z`, sent
/// while firing), a time in the future (the sender's clock is ahead; the incident cannot have
/// resolved later than the notice of it) and a time before the incident card was made
/// (`opened_at`), which would give a negative time to restore.
pub fn resolution_time(
    ends_at: Option<DateTime<Utc>>,
    opened_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    ends_at
        .filter(|end| *end >= opened_at && *end <= now)
        .unwrap_or(now)
}

/// Labels that say where an alert comes from, most telling first; they go into titles built
/// from `alertname`.
const TELLING: [&str; 6] = ["service", "job", "instance", "namespace", "pod", "cluster"];

impl AlertmanagerPayload {
    /// The signals of every alert, under the board's severity mapping.
    pub fn signals(&self, settings: &IncidentSettings) -> Result<Vec<Signal>, DomainError> {
        if self.version != "4" {
            return Err(DomainError::invalid(
                "version",
                format!(
                    "Alertmanager webhook version 4 expected, got {:?}",
                    self.version
                ),
            ));
        }
        Ok(self
            .alerts
            .iter()
            .map(|a| a.signal("alertmanager", settings, a.generator_url.as_deref()))
            .collect())
    }
}

impl GrafanaPayload {
    /// The signals of every alert, under the board's severity mapping.
    pub fn signals(&self, settings: &IncidentSettings) -> Vec<Signal> {
        self.alerts
            .iter()
            .map(|a| {
                let link = a
                    .panel_url
                    .as_deref()
                    .or(a.dashboard_url.as_deref())
                    .or(a.generator_url.as_deref());
                a.signal("grafana", settings, link)
            })
            .collect()
    }
}

impl WebhookAlert {
    /// What the alert asks of the board. Always a report that passes validation: monitoring
    /// is never refused, so text the card rules would refuse is fitted rather than rejected
    /// (NUL characters dropped, the service and the dedup key kept within their limits).
    pub(super) fn signal(
        &self,
        source: &str,
        settings: &IncidentSettings,
        link: Option<&str>,
    ) -> Signal {
        if self.has_nul() {
            // `link` borrows from `self`; a link with NUL is dropped below.
            return self.without_nul().signal(source, settings, link);
        }
        let label = |k: &str| {
            self.labels
                .get(k)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let annotation = |k: &str| {
            self.annotations
                .get(k)
                .map(String::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        let title = match annotation("summary") {
            Some(summary) => fit_title(summary),
            None => fit_title(&self.built_title()),
        };
        let link = link
            .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
            .filter(|l| l.len() <= 2000 && !l.contains('\0'))
            .map(str::to_owned);
        let fingerprint = self
            .fingerprint
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map_or_else(|| labels_fingerprint(&self.labels), str::to_owned);
        let mut dedup_key = format!("{source}:{fingerprint}");
        if dedup_key.chars().count() > MAX_SHORT_CHARS {
            // Still one key per fingerprint, within the card limit.
            dedup_key = format!("{source}:{}", fnv1a([fingerprint.as_bytes()]));
        }
        let service = label("service")
            .or(label("job"))
            .map(|s| s.trim().chars().take(MAX_SHORT_CHARS).collect::<String>())
            .filter(|s| !s.trim().is_empty());
        Signal {
            status: self.status,
            ends_at: match self.status {
                SignalStatus::Resolved => self.ends_at,
                SignalStatus::Firing => None,
            },
            report: IncidentReport {
                title,
                severity: settings.severity_of(label("severity")),
                service,
                description: Some(self.description(annotation("description"), link.as_deref())),
                dedup_key: Some(dedup_key),
                link,
                caused_by: self.caused_by(),
            },
        }
    }

    fn has_nul(&self) -> bool {
        let nul = |s: &str| s.contains('\0');
        let opt = |s: &Option<String>| s.as_deref().is_some_and(nul);
        self.labels.iter().any(|(k, v)| nul(k) || nul(v))
            || self.annotations.iter().any(|(k, v)| nul(k) || nul(v))
            || opt(&self.fingerprint)
            || opt(&self.value_string)
    }

    /// The alert with NUL characters removed from its text (PostgreSQL cannot store them).
    /// URLs are left alone: a link with NUL is dropped instead of rewritten.
    fn without_nul(&self) -> Self {
        let clean = |s: &String| s.replace('\0', "");
        let map =
            |m: &BTreeMap<String, String>| m.iter().map(|(k, v)| (clean(k), clean(v))).collect();
        Self {
            labels: map(&self.labels),
            annotations: map(&self.annotations),
            fingerprint: self.fingerprint.as_ref().map(clean),
            value_string: self.value_string.as_ref().map(clean),
            ..self.clone()
        }
    }

    /// The deployment the alert's labels blame: `deployment` (a deployment id), else
    /// `version` with the service (`service` or `job`, as for the card). Labels that name
    /// nothing usable give no cause rather than a refused alert: monitoring is never refused.
    fn caused_by(&self) -> Option<DeploymentRef> {
        let label = |k: &str| {
            self.labels
                .get(k)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        if let Some(id) = label("deployment").and_then(|d| d.parse::<DeploymentId>().ok()) {
            return Some(DeploymentRef::Id(id));
        }
        let release = DeploymentRef::Release(Release {
            service: label("service").or(label("job"))?.to_owned(),
            version: label("version")?.to_owned(),
        });
        release.validate("caused_by").ok()
    }

    /// `alertname` and the labels that say where: "HighErrorRate (service=payments, instance=…)".
    fn built_title(&self) -> String {
        let name = self
            .labels
            .get("alertname")
            .filter(|n| !n.trim().is_empty())
            .map_or("Alert", String::as_str);
        let telling: Vec<String> = TELLING
            .iter()
            .filter_map(|k| self.labels.get(*k).map(|v| format!("{k}={v}")))
            .take(3)
            .collect();
        if telling.is_empty() {
            name.to_owned()
        } else {
            format!("{name} ({})", telling.join(", "))
        }
    }

    /// The card description: the alert's own description, Grafana's values, every label, and
    /// the links.
    fn description(&self, described: Option<&str>, link: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(d) = described {
            parts.push(d.trim().to_owned());
        }
        if let Some(v) = self
            .value_string
            .as_deref()
            .filter(|v| !v.trim().is_empty())
        {
            parts.push(format!("**Values:** `{}`", v.trim().replace('`', "'")));
        }
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("`{k}={}`", v.replace('`', "'")))
                .collect();
            parts.push(format!("**Labels:** {}", labels.join(" ")));
        }
        let mut links = Vec::new();
        if let Some(l) = link {
            links.push(format!("[Alert source]({l})"));
        }
        if let Some(r) = self
            .annotations
            .get("runbook_url")
            .filter(|r| r.starts_with("http"))
        {
            links.push(format!("[Runbook]({r})"));
        }
        if !links.is_empty() {
            parts.push(links.join(" · "));
        }
        let text = parts.join("\n\n");
        // Card descriptions are capped at 20,000 characters; alerts do not get to fill them.
        text.chars().take(10_000).collect()
    }
}

/// A stable identity for an alert that came without a fingerprint: FNV-1a over its sorted
/// labels (the same labels always give the same key, on every instance and every release).
fn labels_fingerprint(labels: &BTreeMap<String, String>) -> String {
    fnv1a(
        labels
            .iter()
            .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]),
    )
}

/// FNV-1a over byte strings, each followed by a 0 byte, as 16 hex digits.
fn fnv1a<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain([&0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
