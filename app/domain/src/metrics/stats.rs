//! The summaries every figure is made of: statistics of durations and counts by type.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::card::CardType;

/// Summary of a list of durations. Means and nearest-rank percentiles rather than
/// interpolated ones, so every percentile is a duration some card actually had.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Number of values.
    pub count: u32,
    /// Mean, rounded to whole seconds (halves away from zero); `None` without values.
    pub mean_s: Option<i64>,
    /// Median (nearest rank); `None` without values.
    pub p50_s: Option<i64>,
    /// 85th percentile (nearest rank), the usual service-level expectation; `None` without values.
    pub p85_s: Option<i64>,
    /// 95th percentile (nearest rank); `None` without values.
    pub p95_s: Option<i64>,
}

impl Stats {
    /// Summarises durations in seconds. Sorts `values` in place, which is why it takes them
    /// mutably: callers hand over lists they no longer need, and no copy is made. (Takes a
    /// slice, so `&mut Vec<i64>` works as well.)
    pub fn from_seconds(values: &mut [i64]) -> Stats {
        if values.is_empty() {
            return Stats::default();
        }
        values.sort_unstable();
        let n = values.len();
        let count = i128::try_from(n).unwrap_or(i128::MAX);
        let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
        let (quotient, remainder) = (sum / count, sum % count);
        let mean = if 2 * remainder.abs() >= count {
            quotient + sum.signum()
        } else {
            quotient
        };
        Stats {
            count: count_u32(n),
            mean_s: i64::try_from(mean).ok(),
            p50_s: nearest_rank(values, 50),
            p85_s: nearest_rank(values, 85),
            p95_s: nearest_rank(values, 95),
        }
    }
}

/// The value at 1-based position ceil(p/100 × n) of sorted values.
fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

pub(super) fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn seconds(d: TimeDelta) -> i64 {
    d.num_seconds().max(0)
}

/// Cards per type: the three kinds of work compete for the same capacity, so every count is
/// split by them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeCounts {
    /// Features.
    pub feature: u32,
    /// Incidents.
    pub incident: u32,
    /// Tech debt.
    pub tech_debt: u32,
}

impl TypeCounts {
    pub(super) fn add(&mut self, card_type: CardType) {
        let slot = match card_type {
            CardType::Feature => &mut self.feature,
            CardType::Incident => &mut self.incident,
            CardType::TechDebt => &mut self.tech_debt,
        };
        *slot = slot.saturating_add(1);
    }

    /// All types together.
    pub fn total(&self) -> u32 {
        self.feature
            .saturating_add(self.incident)
            .saturating_add(self.tech_debt)
    }
}
