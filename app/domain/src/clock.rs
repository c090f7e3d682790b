//! Times clients report about the past (a deployment, imported history) against the server's
//! clock: one rule for how far ahead of `now` they may lie, so every endpoint that takes a
//! past time answers the same.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::DomainError;

/// How far a reported time may lie ahead of `now`: clients' clocks drift, but a deployment or a
/// card transition dated later than this would count in a window that has not happened yet.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Refuses `at` when it lies more than [`MAX_CLOCK_SKEW`] after `now`. `field` is the field the
/// error names; `entry` (e.g. `card 3: `) says which entry of a list it is about.
pub fn check_not_future(
    field: &'static str,
    entry: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    // A difference, not `now + MAX_CLOCK_SKEW`: that sum overflows (and panics) for a `now`
    // at the end of chrono's range, which fuzzing passes.
    if at.signed_duration_since(now) > MAX_CLOCK_SKEW {
        return Err(DomainError::invalid(
            field,
            format!(
                "{entry}must not be more than {} minutes in the future",
                MAX_CLOCK_SKEW.num_minutes()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_minutes_ahead_is_drift_more_is_refused() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert!(check_not_future("at", "", now + MAX_CLOCK_SKEW, now).is_ok());
        assert!(check_not_future("at", "", now - TimeDelta::days(400), now).is_ok());
        let err = check_not_future(
            "at",
            "card 2: ",
            now + MAX_CLOCK_SKEW + TimeDelta::seconds(1),
            now,
        )
        .unwrap_err();
        assert_eq!(err.field(), "at");
        assert_eq!(
            err.to_string(),
            "at: card 2: must not be more than 5 minutes in the future"
        );
    }
}
