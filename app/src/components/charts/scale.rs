//! The arithmetic behind the charts: scales, axis ticks and the words on them. Kept apart from
//! the SVG so it can be tested without rendering anything.

use chrono::{Datelike, Days, NaiveDate};

/// Seconds in an hour and in a day.
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// Maps a domain (data values) linearly onto a range (SVG coordinates).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Linear {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Linear {
    /// A scale from `domain` to `range`; ranges may run backwards (y grows downwards in SVG).
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    /// Where `value` lands. An empty domain (one value) maps everything to the range's start
    /// rather than dividing by zero.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let span = d1 - d0;
        if span == 0.0 || !span.is_finite() {
            return r0;
        }
        r0 + (value - d0) / span * (r1 - r0)
    }
}

/// Round tick values covering `min..=max`, stepping by 1, 2 or 5 × 10^k, 4 to 8 of them:
/// people read "0, 5, 10, 15" at a glance and "0, 3.7, 7.4" not at all.
pub fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    nice_ticks_min_step(min, max, 0.0)
}

/// [`nice_ticks`] that never steps below `min_step` (1 for counts of cards, which have no
/// halves); may then give fewer than 4 ticks.
pub fn nice_ticks_min_step(min: f64, max: f64, min_step: f64) -> Vec<f64> {
    let (lo, hi) = match (min.is_finite(), max.is_finite()) {
        (true, true) if max > min => (min, max),
        (true, true) if max < min => (max, min),
        (true, true) => (min, min + 1.0),
        _ => (0.0, 1.0),
    };
    let start = (hi - lo).log10().floor() as i32 - 2;
    for exponent in start..start + 40 {
        for multiple in [1_i64, 2, 5] {
            // Integer multiples divided by a power of ten keep 0.1 steps from drifting.
            let value = |i: i64| match exponent {
                e if e < 0 => (i * multiple) as f64 / 10_f64.powi(-e),
                e => (i * multiple) as f64 * 10_f64.powi(e),
            };
            let step = value(1);
            if step < min_step {
                continue;
            }
            let first = (lo / step).floor() as i64;
            let last = (hi / step).ceil() as i64;
            if last - first <= 7 {
                return (first..=last).map(value).collect();
            }
        }
    }
    vec![lo, hi]
}

/// A tick value as written on an axis: no trailing zeros ("5", "2.5").
pub fn number_label(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// The unit of a duration axis, chosen from the longest duration shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
}

impl DurationUnit {
    /// Days once the axis spans two days or more, hours from two hours, minutes below.
    pub fn for_max(max_seconds: i64) -> Self {
        match max_seconds {
            s if s >= 2 * DAY => Self::Days,
            s if s >= 2 * HOUR => Self::Hours,
            _ => Self::Minutes,
        }
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            Self::Minutes => 60,
            Self::Hours => HOUR,
            Self::Days => DAY,
        }
    }

    /// The unit's abbreviation on labels.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Minutes => "min",
            Self::Hours => "h",
            Self::Days => "d",
        }
    }
}

/// Ticks for a duration axis from zero to at least `max_seconds`, in seconds, with the unit
/// their labels use: round numbers of days (or hours) rather than round numbers of seconds.
pub fn duration_ticks(max_seconds: i64) -> (Vec<i64>, DurationUnit) {
    let unit = DurationUnit::for_max(max_seconds);
    let per = unit.seconds() as f64;
    let ticks = nice_ticks(0.0, max_seconds.max(1) as f64 / per)
        .into_iter()
        .map(|v| (v * per).round() as i64)
        .collect();
    (ticks, unit)
}

/// A duration in a given unit, for axis labels: "2.5 d", "6 h", "0".
pub fn duration_label(seconds: i64, unit: DurationUnit) -> String {
    if seconds == 0 {
        return "0".to_owned();
    }
    let value = seconds as f64 / unit.seconds() as f64;
    format!(
        "{} {}",
        number_label((value * 10.0).round() / 10.0),
        unit.suffix()
    )
}

/// A duration in the largest unit that fits, one decimal at most: "2.5 d", "6 h", "45 min".
pub fn short_duration(seconds: i64) -> String {
    let unit = match seconds.max(0) {
        s if s >= DAY => DurationUnit::Days,
        s if s >= HOUR => DurationUnit::Hours,
        _ => DurationUnit::Minutes,
    };
    duration_label(seconds.max(0), unit)
}

/// Seconds as days with one decimal ("3.1"): cycle times are planned in days, and one decimal
/// is as precise as a forecast deserves.
pub fn days_value(seconds: i64) -> String {
    format!("{:.1}", seconds.max(0) as f64 / DAY as f64)
}

/// Seconds as days with one decimal and the word, for readings: "3.1 days".
pub fn format_days(seconds: i64) -> String {
    format!("{} days", days_value(seconds))
}

/// Dates to label on a time axis from `first` to `last`: every day for a week, every other
/// day for a fortnight, then Mondays, every week or every few weeks so at most 8 remain.
pub fn date_ticks(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let (first, last) = if last < first {
        (last, first)
    } else {
        (first, last)
    };
    let span = (last - first).num_days();
    let (start, step) = match span {
        0..=7 => (first, 1),
        8..=14 => (first, 2),
        _ => {
            let to_monday = (7 - u64::from(first.weekday().num_days_from_monday())) % 7;
            let monday = first + Days::new(to_monday);
            let mondays = (last - monday).num_days() / 7 + 1;
            (monday, 7 * ((mondays + 7) / 8))
        }
    };
    let step = Days::new(step.unsigned_abs());
    std::iter::successors(Some(start), |d| d.checked_add_days(step))
        .take_while(|d| *d <= last)
        .collect()
}

/// A date on an axis or in a tooltip: "Mar 2".
pub fn date_label(date: NaiveDate) -> String {
    date.format("%b %-d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("valid date")
    }

    #[test]
    fn linear_scales_map_and_survive_empty_domains() {
        let s = Linear::new((0.0, 10.0), (200.0, 0.0));
        assert_eq!(s.map(0.0), 200.0);
        assert_eq!(s.map(5.0), 100.0);
        assert_eq!(s.map(10.0), 0.0);
        assert_eq!(Linear::new((3.0, 3.0), (10.0, 20.0)).map(3.0), 10.0);
    }

    #[test]
    fn nice_ticks_are_round_and_few() {
        assert_eq!(nice_ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(0.0, 0.9), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(0.0, 37.0), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        for max in [
            0.3, 1.0, 3.0, 7.0, 11.0, 13.0, 99.0, 101.0, 1234.0, 86_400.0,
        ] {
            let ticks = nice_ticks(0.0, max);
            assert!((4..=8).contains(&ticks.len()), "{max}: {ticks:?}");
            assert!(
                ticks[0] <= 0.0 && *ticks.last().expect("ticks") >= max,
                "{max}: {ticks:?}"
            );
        }
        assert_eq!(nice_ticks(5.0, 5.0).len(), 6);
        assert_eq!(nice_ticks_min_step(0.0, 2.0, 1.0), vec![0.0, 1.0, 2.0]);
        assert_eq!(nice_ticks_min_step(0.0, 0.0, 1.0), vec![0.0, 1.0]);
        assert_eq!(number_label(2.5), "2.5");
        assert_eq!(number_label(40.0), "40");
        assert_eq!(number_label(0.30000000000000004), "0.3");
    }

    #[test]
    fn duration_axes_pick_a_unit() {
        let (ticks, unit) = duration_ticks(9 * DAY);
        assert_eq!(unit, DurationUnit::Days);
        assert_eq!(ticks, vec![0, 2 * DAY, 4 * DAY, 6 * DAY, 8 * DAY, 10 * DAY]);
        let (ticks, unit) = duration_ticks(5 * HOUR);
        assert_eq!(unit, DurationUnit::Hours);
        assert_eq!(ticks.last(), Some(&(5 * HOUR)));
        assert_eq!(duration_ticks(0).1, DurationUnit::Minutes);
        assert_eq!(duration_label(DAY * 5 / 2, DurationUnit::Days), "2.5 d");
        assert_eq!(duration_label(6 * HOUR, DurationUnit::Hours), "6 h");
        assert_eq!(duration_label(0, DurationUnit::Days), "0");
        assert_eq!(short_duration(6 * HOUR), "6 h");
        assert_eq!(short_duration(DAY * 5 / 2), "2.5 d");
        assert_eq!(short_duration(45 * 60), "45 min");
        assert_eq!(days_value(267_840), "3.1");
        assert_eq!(format_days(-5), "0.0 days");
    }

    #[test]
    fn date_ticks_space_out_with_the_span() {
        assert_eq!(date_ticks(date(3, 2), date(3, 2)), vec![date(3, 2)]);
        assert_eq!(date_ticks(date(3, 2), date(3, 9)).len(), 8);
        let fortnight = date_ticks(date(3, 2), date(3, 15));
        assert_eq!(fortnight.first(), Some(&date(3, 2)));
        assert_eq!(fortnight.get(1), Some(&date(3, 4)));
        // 2026-03-04 is a Wednesday: weekly ticks start on Monday the 9th.
        let weeks = date_ticks(date(3, 4), date(4, 20));
        assert_eq!(weeks.first(), Some(&date(3, 9)));
        assert!(weeks.windows(2).all(|w| (w[1] - w[0]).num_days() == 7));
        let year = date_ticks(date(1, 1), date(12, 31));
        assert!((2..=8).contains(&year.len()), "{year:?}");
        assert!(year.iter().all(|d| d.weekday() == chrono::Weekday::Mon));
        assert_eq!(date_label(date(3, 2)), "Mar 2");
    }
}
