//! The days a report covers: one checked window type that the flow metrics, the delivery
//! view and the retrospective all take, so none of them depends on another for it.

use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, Utc};

use crate::error::DomainError;

const DAY_S: i64 = 86_400;

/// Longest window, in calendar years. It bounds the daily series (CFD, WIP, throughput) to
/// about 1,100 points, so one request cannot ask for an unbounded amount of work or output.
pub const MAX_WINDOW_YEARS: u32 = 3;

/// The dates a report covers, both inclusive. Checked once here, so the metrics (`crate::metrics::compute`)
/// never have to deal with a reversed or unbounded range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    from: NaiveDate,
    to: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    days: usize,
}

impl Window {
    /// The window `from..=to`. Refuses `to` before `from`, and windows longer than
    /// [`MAX_WINDOW_YEARS`] (both reported on field `to`, the one people usually adjust).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, DomainError> {
        if to < from {
            return Err(DomainError::invalid("to", "must not be before `from`"));
        }
        let (Some(after), Some(limit)) = (
            to.checked_add_days(Days::new(1)),
            from.checked_add_months(Months::new(12 * MAX_WINDOW_YEARS)),
        ) else {
            return Err(DomainError::invalid("to", "is outside the supported dates"));
        };
        if after > limit {
            return Err(DomainError::invalid(
                "to",
                format!("a window covers at most {MAX_WINDOW_YEARS} years"),
            ));
        }
        Ok(Self {
            from,
            to,
            start: from.and_time(NaiveTime::MIN).and_utc(),
            end: after.and_time(NaiveTime::MIN).and_utc(),
            days: usize::try_from((after - from).num_days()).unwrap_or(1),
        })
    }

    /// First day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day, included.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The first instant inside the window: `from` at 00:00 UTC.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the window: the day after `to` at 00:00 UTC.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Number of days, at least 1.
    pub fn days(&self) -> usize {
        self.days
    }

    /// `from`–`to` where either may be left out: a missing `to` is `today`, a missing `from`
    /// makes the window `days` long. What every report does when a person asks for "recent".
    pub fn or_last(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
        days: u64,
    ) -> Result<Self, DomainError> {
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub_days(Days::new(days.max(1) - 1))
                .ok_or_else(|| DomainError::invalid("to", "is outside the supported dates"))?,
        };
        Self::new(from, to)
    }

    /// The window as long as this one that ends the day before it starts: what a report
    /// compares itself with.
    pub fn previous(&self) -> Result<Self, DomainError> {
        let too_early = || DomainError::invalid("from", "is outside the supported dates");
        let to = self
            .from
            .checked_sub_days(Days::new(1))
            .ok_or_else(too_early)?;
        let from = self
            .from
            .checked_sub_days(Days::new(self.days as u64))
            .ok_or_else(too_early)?;
        Self::new(from, to)
    }

    /// Whether an instant falls inside the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// Index of the day holding `at`, counted from `from`; negative before the window. Whole
    /// seconds suffice: day boundaries are whole seconds, so flooring never crosses one.
    pub(crate) fn day_of(&self, at: DateTime<Utc>) -> i64 {
        (at.timestamp() - self.start.timestamp()).div_euclid(DAY_S)
    }
}
