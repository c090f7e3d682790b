//! Delivery: deployments reported by CI/CD, the DORA four keys computed from them and from
//! incidents, and the value stream from a card's first column to production.
//!
//! Deployments come from outside (a pipeline's last step posts a [`DeploymentReport`]), so,
//! like incident reports and card requests, they are checked once into a typed
//! [`NewDeployment`] and every refusal names the field a client has to fix. Everything after
//! that ([`four_keys`], [`compare`], [`value_stream`]) is pure arithmetic over slices the
//! caller loaded: nothing here reads the clock or storage.
//!
//! # Layout
//! - this file: the report, its validation, the stored [`Deployment`], incidents as the keys
//!   read them, and the [`Scope`] (which service and environment) shared by every computation;
//! - `keys`: the four keys, their performance bands and the trend between two windows;
//! - `value_stream`: time per board column from the event log, then commit → deployment.

mod keys;
mod value_stream;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::CardId;
pub use crate::ids::DeploymentId;

pub use keys::{
    BAND_LIMITS, Band, BandLimits, ChangeFailureRate, DeploymentFrequency, Direction, FourKeys,
    KeyTrend, LeadTimeForChanges, TimeToRestore, Trend, compare, four_keys,
};
pub use value_stream::{DeliveryStage, StreamColumn, ValueStream, value_stream};

/// A board's delivery view for one window: the four keys, the same keys for the window as
/// long just before it, how each moved, and the value stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The four keys of the window.
    pub four_keys: FourKeys,
    /// The four keys of the window of the same length just before it.
    pub previous: FourKeys,
    /// How each key moved from `previous` to `four_keys`.
    pub trend: Trend,
    /// Where the work finished in the window spent its time, column by column, then from
    /// commit to deployment.
    pub value_stream: ValueStream,
}

/// The delivery view of `current`, from the board's columns, its event log (up to the end of
/// `current`), its deployments (from well before the earlier window, so commits can find their
/// first deployment) and its incident records (over both windows).
pub fn delivery(
    columns: &[crate::Column],
    events: &[crate::CardEvent],
    deployments: &[Deployment],
    incidents: &[IncidentRecord],
    current: crate::window::Window,
    scope: &Scope,
) -> Result<Delivery, DomainError> {
    let now_keys = four_keys(deployments, incidents, current, scope);
    let before = four_keys(deployments, incidents, current.previous()?, scope);
    Ok(Delivery {
        trend: compare(&now_keys, &before),
        value_stream: value_stream(columns, events, deployments, current, scope)?,
        four_keys: now_keys,
        previous: before,
    })
}

/// Longest service, environment and version name: they are labels, not documents.
pub const MAX_LABEL_CHARS: usize = 200;
/// Most commits one report may list. A deployment of more is a release train whose lead
/// times say little per change, and the bound keeps one request's work small.
pub const MAX_COMMITS: usize = 1000;
/// Most card references one report may list, for the same reason.
pub const MAX_CARDS: usize = 1000;
/// How far `deployed_at` may lie ahead of `now` (the rule every reported time follows).
pub use crate::clock::MAX_CLOCK_SKEW;
/// The environment the four keys look at unless told otherwise: DORA measures delivery to
/// users, and users see production.
pub const PRODUCTION: &str = "production";

/// Whether a deployment went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeploymentStatus {
    /// The pipeline finished and the version runs.
    Success,
    /// The pipeline failed or the version was rolled back: a failed change.
    Failure,
}

/// One commit shipped by a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commit {
    /// Its hash, 7–64 hexadecimal characters (abbreviated SHA-1 up to full SHA-256);
    /// lowercased once validated.
    pub sha: String,
    /// When it was committed: lead time for changes starts here.
    pub committed_at: DateTime<Utc>,
}

/// A deployment as CI/CD reports it: `POST /api/v1/deployments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeploymentReport {
    /// The deployed service, 1–200 characters.
    pub service: String,
    /// Where it went (`production`, `staging`…), 1–200 characters; compared lowercased.
    pub environment: String,
    /// The version, tag or image digest, 1–200 characters.
    pub version: String,
    /// When it finished; the time the report arrives when absent.
    #[serde(default)]
    pub deployed_at: Option<DateTime<Utc>>,
    /// Whether it went out.
    pub status: DeploymentStatus,
    /// The commits it shipped that no earlier deployment of the service shipped.
    #[serde(default)]
    pub commits: Vec<Commit>,
    /// Cards it delivers: ids, keys such as `PLAT-12`, or numbers (`#12`, `12`).
    #[serde(default)]
    pub cards: Option<Vec<String>>,
}

/// A card named by a deployment. Pipelines know the card from a branch name or a commit
/// message (`PLAT-12`, `#12`), rarely its id, so both forms are kept and storage resolves
/// numbers on the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CardRef {
    /// The card's id.
    Id(CardId),
    /// The card's number on its board (shown as `#12`).
    Number(u32),
}

impl CardRef {
    /// Reads a card id, `#12`, `12` or a key `<anything>-12`; `None` for anything else,
    /// including number 0, which no card has.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if let Ok(id) = raw.parse::<CardId>() {
            return Some(Self::Id(id));
        }
        let digits = match raw.strip_prefix('#') {
            Some(number) => number,
            None => match raw.rsplit_once('-') {
                Some((key, number)) if !key.is_empty() => number,
                Some(_) => return None,
                None => raw,
            },
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|&n| n > 0).map(Self::Number)
    }
}

/// A deployment as an incident report names its cause: its id, or the service and version
/// monitoring sees running (alerts rarely know a deployment id, but often carry a `version`
/// label). Storage resolves a release to the latest deployment of that version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeploymentRef {
    /// The deployment's id.
    Id(DeploymentId),
    /// A service and version.
    Release(Release),
}

/// A service at a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    /// The deployed service, as deployments name it.
    pub service: String,
    /// Its version, as deployments name it.
    pub version: String,
}

impl DeploymentRef {
    /// Checks a release's names as a report's labels are checked (`field` names the
    /// reference in the request, e.g. `caused_by`) and trims them.
    pub fn validate(&self, field: &'static str) -> Result<Self, DomainError> {
        match self {
            Self::Id(id) => Ok(Self::Id(*id)),
            Self::Release(r) => Ok(Self::Release(Release {
                service: check_label(field, &r.service)?,
                version: check_label(field, &r.version)?,
            })),
        }
    }
}

/// A checked report, ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDeployment {
    /// Trimmed service name.
    pub service: String,
    /// Trimmed, lowercased environment.
    pub environment: String,
    /// Trimmed version.
    pub version: String,
    /// When it finished.
    pub deployed_at: DateTime<Utc>,
    /// Whether it went out.
    pub status: DeploymentStatus,
    /// Its commits, hashes lowercased, none twice.
    pub commits: Vec<Commit>,
    /// The cards it names, each once, in the order given.
    pub cards: Vec<CardRef>,
}

/// A stored deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    /// Its id.
    pub id: DeploymentId,
    /// The deployed service.
    pub service: String,
    /// Where it went, lowercased.
    pub environment: String,
    /// The version.
    pub version: String,
    /// When it finished.
    pub deployed_at: DateTime<Utc>,
    /// Whether it went out.
    pub status: DeploymentStatus,
    /// Its commits.
    pub commits: Vec<Commit>,
    /// The cards it names.
    pub cards: Vec<CardRef>,
    /// Incident cards people linked to this deployment as its consequence. Any link makes it
    /// a failed change, whatever its status: a deployment that went out and broke
    /// production failed all the same.
    #[serde(default)]
    pub caused_incidents: Vec<CardId>,
}

impl NewDeployment {
    /// The deployment as stored under `id`, linked to no incident yet.
    pub fn into_deployment(self, id: DeploymentId) -> Deployment {
        Deployment {
            id,
            service: self.service,
            environment: self.environment,
            version: self.version,
            deployed_at: self.deployed_at,
            status: self.status,
            commits: self.commits,
            cards: self.cards,
            caused_incidents: Vec::new(),
        }
    }
}

impl DeploymentReport {
    /// Checks the report into a [`NewDeployment`]. `now` stands in for a missing
    /// `deployed_at` and bounds it (see [`MAX_CLOCK_SKEW`]); a commit may not be younger
    /// than the deployment that shipped it, or its lead time would be negative. Errors about
    /// one list entry use the list's field (`commits.sha`, `cards`) and name the entry by
    /// index in the message (`commits[3]: …`), as clients number it.
    pub fn validate(self, now: DateTime<Utc>) -> Result<NewDeployment, DomainError> {
        let service = check_label("service", &self.service)?;
        let environment = check_label("environment", &self.environment)?.to_lowercase();
        let version = check_label("version", &self.version)?;
        let deployed_at = self.deployed_at.unwrap_or(now);
        crate::clock::check_not_future("deployed_at", "", deployed_at, now)?;
        if self.commits.len() > MAX_COMMITS {
            return Err(DomainError::invalid(
                "commits",
                format!("at most {MAX_COMMITS} commits per deployment"),
            ));
        }
        let mut seen = HashSet::with_capacity(self.commits.len());
        let mut commits = Vec::with_capacity(self.commits.len());
        for (i, commit) in self.commits.into_iter().enumerate() {
            let sha = commit.sha.trim().to_ascii_lowercase();
            if !(7..=64).contains(&sha.len()) || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DomainError::invalid(
                    "commits.sha",
                    format!("commits[{i}]: must be 7 to 64 hexadecimal characters"),
                ));
            }
            if !seen.insert(sha.clone()) {
                return Err(DomainError::invalid(
                    "commits.sha",
                    format!("commits[{i}]: {sha} is listed twice"),
                ));
            }
            if commit.committed_at > deployed_at {
                return Err(DomainError::invalid(
                    "commits.committed_at",
                    format!("commits[{i}]: must not be after deployed_at"),
                ));
            }
            commits.push(Commit {
                sha,
                committed_at: commit.committed_at,
            });
        }
        let raw_cards = self.cards.unwrap_or_default();
        if raw_cards.len() > MAX_CARDS {
            return Err(DomainError::invalid(
                "cards",
                format!("at most {MAX_CARDS} cards per deployment"),
            ));
        }
        let mut cards: Vec<CardRef> = Vec::with_capacity(raw_cards.len());
        for (i, raw) in raw_cards.iter().enumerate() {
            let card = CardRef::parse(raw).ok_or_else(|| {
                DomainError::invalid(
                    "cards",
                    format!("cards[{i}]: give a card id, a key such as PLAT-12, or #12"),
                )
            })?;
            if !cards.contains(&card) {
                cards.push(card);
            }
        }
        Ok(NewDeployment {
            service,
            environment,
            version,
            deployed_at,
            status: self.status,
            commits,
            cards,
        })
    }
}

fn check_label(field: &'static str, raw: &str) -> Result<String, DomainError> {
    crate::text::check_no_nul(field, raw)?;
    let label = raw.trim();
    let chars = label.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if chars > MAX_LABEL_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {MAX_LABEL_CHARS} characters (got {chars})"),
        ));
    }
    Ok(label.to_owned())
}

/// An incident as the stability keys read it; storage derives it from incident cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentRecord {
    /// The incident card.
    pub card_id: CardId,
    /// The affected service, when known.
    pub service: Option<String>,
    /// When the incident was opened: service degraded from here.
    pub created_at: DateTime<Utc>,
    /// When service was restored (the alert resolved or the card reached done); `None` while
    /// it is not.
    pub restored_at: Option<DateTime<Utc>>,
    /// The deployment people blamed for it; that deployment then counts as a failed change.
    pub caused_by: Option<DeploymentId>,
}

/// Which deployments a computation looks at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scope {
    /// One service (exact name), or every service when `None`.
    pub service: Option<String>,
    /// The environment whose deployments count, compared without case; [`PRODUCTION`] by
    /// default.
    pub environment: String,
}

impl Default for Scope {
    /// Every service, production.
    fn default() -> Self {
        Self {
            service: None,
            environment: PRODUCTION.to_owned(),
        }
    }
}

impl Scope {
    /// One service in production.
    pub fn service(name: impl Into<String>) -> Self {
        Self {
            service: Some(name.into()),
            ..Self::default()
        }
    }

    /// Whether the deployment is of the scope's service (any environment).
    fn has_service(&self, d: &Deployment) -> bool {
        self.service.as_deref().is_none_or(|s| s == d.service)
    }

    /// Whether the deployment is of the scope's service and environment.
    pub fn covers(&self, d: &Deployment) -> bool {
        self.has_service(d) && d.environment.eq_ignore_ascii_case(&self.environment)
    }
}

/// Whole seconds from `from` to `to`, never negative: clocks of different systems disagree
/// a little, and a negative duration would only drag medians below what really happened.
fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().max(0)
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
