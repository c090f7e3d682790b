//! The DORA four keys of a window, their performance bands, and the trend between windows.
//!
//! # Definitions
//! Only deployments in the [`Scope`] count: its environment (production by default) and, when
//! it names one, its service. A deployment is *in the window* when `deployed_at` is.
//! - **Deployment frequency**: deployments in the window, successful and failed alike (both
//!   put a change in front of users); per day = count / window days, per week = count /
//!   (window days / 7).
//! - **Lead time for changes**: for every commit of every deployment in the window,
//!   `deployed_at − committed_at`, in seconds; p50 and p85 by nearest rank, as the flow
//!   metrics compute them ([`Stats`]).
//! - **Change failure rate**: failed deployments / deployments in the window. A deployment
//!   failed when its status is `failure`, when it lists caused incidents, or when any given
//!   incident (whatever its dates) names it in `caused_by`. `None` without deployments.
//! - **Time to restore service**: for incidents created in the window and restored,
//!   `restored_at − created_at` (count, mean, p50…). With a service in the scope, an incident
//!   counts when its `service` is that service or its `caused_by` is one of its deployments.
//! - **Failed deployment recovery time**: for each failed deployment in the window, the time
//!   until the next deployment of the same service, in the same environment, whose status is
//!   `success` (which may come after the window); failed ones with no such successor yet are
//!   counted as `unrecovered`.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Deployment, DeploymentId, DeploymentStatus, IncidentRecord, Scope, count_u32, seconds,
};
use crate::metrics::Stats;
use crate::window::Window;

const HOUR_S: i64 = 3_600;
const DAY_S: i64 = 24 * HOUR_S;

/// A DORA performance level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Band {
    /// The best cluster of the survey.
    Elite,
    /// The second.
    High,
    /// The third.
    Medium,
    /// Everything slower or less stable than Medium.
    Low,
}

/// What a key must reach for one band; every limit is inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandLimits {
    /// The band.
    pub band: Band,
    /// Longest average interval between deployments (window days / deployments), in days.
    pub deploy_interval_days: u64,
    /// Longest median lead time for changes, in seconds.
    pub lead_time_s: i64,
    /// Highest change failure rate, in percent.
    pub change_failure_pct: u64,
    /// Longest median time to restore service, in seconds.
    pub restore_s: i64,
}

/// The performance levels of the *Accelerate State of DevOps Report 2023* (DORA, Google
/// Cloud), table "Software delivery performance levels", read as limits; a key below the
/// Medium row is Low. The report states:
///
/// | level  | deployment frequency            | change lead time  | failure rate | recovery time      |
/// |--------|---------------------------------|-------------------|--------------|--------------------|
/// | Elite  | on demand                       | less than one day | 5%           | less than one hour |
/// | High   | once per day to once per week   | one day to a week | 10%          | less than one day  |
/// | Medium | once per week to once per month | a week to a month | 15%          | one day to a week  |
/// | Low    | once per week to once per month | a week to a month | 64%          | one to six months  |
///
/// How it is read, so each band is a plain limit: the ranges share their endpoints, and a
/// value on a shared endpoint takes the better band (deploying exactly once a day is Elite);
/// a month is 30 days; the failure rates are the clusters' typical values, taken as upper
/// limits; the Low row repeats Medium's throughput ranges (its cluster differs only on
/// stability), so for every key Low is simply "beyond Medium". The 2023 table is used rather
/// than 2024's because its failure rates rise from Elite to Low (2024's High row is above
/// its Medium row), so a lower rate never lands in a worse band. The table above was checked
/// cell by cell against an independent public transcription of the 2023 levels.
pub const BAND_LIMITS: [BandLimits; 3] = [
    BandLimits {
        band: Band::Elite,
        deploy_interval_days: 1,
        lead_time_s: DAY_S,
        change_failure_pct: 5,
        restore_s: HOUR_S,
    },
    BandLimits {
        band: Band::High,
        deploy_interval_days: 7,
        lead_time_s: 7 * DAY_S,
        change_failure_pct: 10,
        restore_s: DAY_S,
    },
    BandLimits {
        band: Band::Medium,
        deploy_interval_days: 30,
        lead_time_s: 30 * DAY_S,
        change_failure_pct: 15,
        restore_s: 7 * DAY_S,
    },
];

/// The first band whose limit the key meets, Low when none does.
fn band_where(meets: impl Fn(&BandLimits) -> bool) -> Band {
    BAND_LIMITS
        .iter()
        .find(|limits| meets(limits))
        .map_or(Band::Low, |limits| limits.band)
}

/// How often the scope deployed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeploymentFrequency {
    /// Deployments in the window.
    pub deployments: u32,
    /// Of those, with status `success`.
    pub successful: u32,
    /// Deployments / window days.
    pub per_day: f64,
    /// Deployments / (window days / 7).
    pub per_week: f64,
    /// `None` without deployments: a service that reports none may simply not be wired up,
    /// and calling it Low would blame the team for the integration.
    pub band: Option<Band>,
}

/// Commit → deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadTimeForChanges {
    /// Over every commit of every deployment in the window.
    pub time: Stats,
    /// From the median; `None` without commits.
    pub band: Option<Band>,
}

/// Share of deployments that failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeFailureRate {
    /// Deployments in the window.
    pub deployments: u32,
    /// Of those, failed (status, caused incidents, or named by an incident).
    pub failed: u32,
    /// Failed / deployments; `None` without deployments.
    pub rate: Option<f64>,
    /// `None` without deployments.
    pub band: Option<Band>,
}

/// How fast service came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeToRestore {
    /// Restored − created, over incidents created in the window and restored.
    pub incidents: Stats,
    /// Incidents created in the window and not restored.
    pub unrestored: u32,
    /// Next successful deployment − failed deployment, over failed deployments in the window.
    pub failed_deployment_recovery: Stats,
    /// Failed deployments in the window with no successful one after them yet.
    pub unrecovered: u32,
    /// From the incidents' median (the key as DORA names it); `None` without restored ones.
    pub band: Option<Band>,
}

/// The four keys of one scope over one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FourKeys {
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// The service, or `None` for all.
    pub service: Option<String>,
    /// The environment.
    pub environment: String,
    /// Throughput: how often.
    pub deployment_frequency: DeploymentFrequency,
    /// Throughput: how fast.
    pub lead_time: LeadTimeForChanges,
    /// Stability: how often it breaks.
    pub change_failure_rate: ChangeFailureRate,
    /// Stability: how fast it comes back.
    pub time_to_restore: TimeToRestore,
}

/// Computes the four keys (see the module's definitions). `deployments` may hold every
/// service and environment and dates outside the window: the scope and window pick, and
/// deployments after the window still recover failures inside it.
pub fn four_keys(
    deployments: &[Deployment],
    incidents: &[IncidentRecord],
    window: Window,
    scope: &Scope,
) -> FourKeys {
    let blamed: HashSet<DeploymentId> = incidents.iter().filter_map(|i| i.caused_by).collect();
    let failed = |d: &Deployment| {
        d.status == DeploymentStatus::Failure
            || !d.caused_incidents.is_empty()
            || blamed.contains(&d.id)
    };
    let mut scoped: Vec<&Deployment> = deployments.iter().filter(|d| scope.covers(d)).collect();
    scoped
        .sort_by(|a, b| (&a.service, a.deployed_at, a.id).cmp(&(&b.service, b.deployed_at, b.id)));
    let in_window: Vec<usize> = (0..scoped.len())
        .filter(|&i| window.contains(scoped[i].deployed_at))
        .collect();

    let count = in_window.len();
    let days = window.days().max(1);
    let successful = in_window
        .iter()
        .filter(|&&i| scoped[i].status == DeploymentStatus::Success)
        .count();
    let per_day = count as f64 / days as f64;
    let frequency_band = (count > 0).then(|| {
        band_where(|l| (count as u64).saturating_mul(l.deploy_interval_days) >= days as u64)
    });

    let mut lead: Vec<i64> = in_window
        .iter()
        .flat_map(|&i| {
            let d = scoped[i];
            d.commits
                .iter()
                .map(|c| seconds(c.committed_at, d.deployed_at))
        })
        .collect();
    let lead = Stats::from_seconds(&mut lead);
    let lead_band = lead.p50_s.map(|p50| band_where(|l| p50 <= l.lead_time_s));

    let mut failures = 0usize;
    let (mut recovery, mut unrecovered) = (Vec::new(), 0usize);
    for &i in &in_window {
        let d = scoped[i];
        if !failed(d) {
            continue;
        }
        failures += 1;
        let next = scoped[i + 1..]
            .iter()
            .take_while(|n| n.service == d.service)
            .find(|n| n.status == DeploymentStatus::Success);
        match next {
            Some(n) => recovery.push(seconds(d.deployed_at, n.deployed_at)),
            None => unrecovered += 1,
        }
    }
    let rate = (count > 0).then(|| failures as f64 / count as f64);
    let failure_band = (count > 0).then(|| {
        band_where(|l| (failures as u64).saturating_mul(100) <= l.change_failure_pct * count as u64)
    });

    let service_ids: HashSet<DeploymentId> = deployments
        .iter()
        .filter(|d| scope.has_service(d))
        .map(|d| d.id)
        .collect();
    let mut restore = Vec::new();
    let mut unrestored = 0usize;
    for incident in incidents {
        let concerned = scope.service.is_none()
            || incident.service.as_deref() == scope.service.as_deref()
            || incident
                .caused_by
                .is_some_and(|id| service_ids.contains(&id));
        if !concerned || !window.contains(incident.created_at) {
            continue;
        }
        match incident.restored_at {
            Some(at) => restore.push(seconds(incident.created_at, at)),
            None => unrestored += 1,
        }
    }
    let restore = Stats::from_seconds(&mut restore);
    let restore_band = restore.p50_s.map(|p50| band_where(|l| p50 <= l.restore_s));

    FourKeys {
        from: window.from(),
        to: window.to(),
        service: scope.service.clone(),
        environment: scope.environment.clone(),
        deployment_frequency: DeploymentFrequency {
            deployments: count_u32(count),
            successful: count_u32(successful),
            per_day,
            per_week: count as f64 * 7.0 / days as f64,
            band: frequency_band,
        },
        lead_time: LeadTimeForChanges {
            time: lead,
            band: lead_band,
        },
        change_failure_rate: ChangeFailureRate {
            deployments: count_u32(count),
            failed: count_u32(failures),
            rate,
            band: failure_band,
        },
        time_to_restore: TimeToRestore {
            incidents: restore,
            unrestored: count_u32(unrestored),
            failed_deployment_recovery: Stats::from_seconds(&mut recovery),
            unrecovered: count_u32(unrecovered),
            band: restore_band,
        },
    }
}

/// Which way a key moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Direction {
    /// Better than before.
    Improved,
    /// The same value.
    Unchanged,
    /// Worse than before.
    Worsened,
}

/// One key in two windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyTrend {
    /// This window's value.
    pub current: Option<f64>,
    /// The earlier window's value.
    pub previous: Option<f64>,
    /// Current − previous; `None` when either is undefined.
    pub delta: Option<f64>,
    /// `None` when either is undefined.
    pub direction: Option<Direction>,
}

/// How the keys moved between two windows. Compared values: deployments per week (so
/// windows of different lengths compare), the lead time median in seconds, the failure rate,
/// and the incidents' time-to-restore median in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    /// Higher is better.
    pub deployment_frequency: KeyTrend,
    /// Lower is better.
    pub lead_time: KeyTrend,
    /// Lower is better.
    pub change_failure_rate: KeyTrend,
    /// Lower is better.
    pub time_to_restore: KeyTrend,
}

/// Compares two windows' keys, usually a window and the one just before it.
pub fn compare(current: &FourKeys, previous: &FourKeys) -> Trend {
    let seconds = |s: Option<i64>| s.map(|v| v as f64);
    Trend {
        deployment_frequency: trend(
            Some(current.deployment_frequency.per_week),
            Some(previous.deployment_frequency.per_week),
            true,
        ),
        lead_time: trend(
            seconds(current.lead_time.time.p50_s),
            seconds(previous.lead_time.time.p50_s),
            false,
        ),
        change_failure_rate: trend(
            current.change_failure_rate.rate,
            previous.change_failure_rate.rate,
            false,
        ),
        time_to_restore: trend(
            seconds(current.time_to_restore.incidents.p50_s),
            seconds(previous.time_to_restore.incidents.p50_s),
            false,
        ),
    }
}

fn trend(current: Option<f64>, previous: Option<f64>, higher_is_better: bool) -> KeyTrend {
    let delta = current.zip(previous).map(|(c, p)| c - p);
    let direction =
        delta
            .and_then(|d| d.partial_cmp(&0.0))
            .map(|order| match (order, higher_is_better) {
                (Ordering::Equal, _) => Direction::Unchanged,
                (Ordering::Greater, true) | (Ordering::Less, false) => Direction::Improved,
                (Ordering::Greater, false) | (Ordering::Less, true) => Direction::Worsened,
            });
    KeyTrend {
        current,
        previous,
        delta,
        direction,
    }
}
