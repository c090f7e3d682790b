//! A card's blocked spells, and how much of a stay was worked rather than blocked.
//!
//! Flow efficiency (in [`super`]) and the value stream's process time
//! ([`crate::delivery::value_stream`]) both count only unblocked time in `active` columns as
//! work, so both read blocked time through this one type rather than each its own way.

use chrono::{DateTime, Utc};

/// The spells a card was blocked, oldest first: each from a `blocked` event to the next
/// `unblocked` one, the last possibly still open.
#[derive(Clone, Debug, Default)]
pub(crate) struct Blocks(Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>);

impl Blocks {
    /// A `blocked` event at `at`; a second one while blocked (a new reason) changes nothing.
    pub(crate) fn block(&mut self, at: DateTime<Utc>) {
        if self.0.last().is_none_or(|(_, end)| end.is_some()) {
            self.0.push((at, None));
        }
    }

    /// An `unblocked` event at `at`; one without a spell open changes nothing.
    pub(crate) fn unblock(&mut self, at: DateTime<Utc>) {
        if let Some((_, end @ None)) = self.0.last_mut() {
            *end = Some(at);
        }
    }

    /// Seconds of `[from, to)` during which the card was blocked.
    pub(crate) fn blocked_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.0
            .iter()
            .map(|&(start, end)| {
                let (start, end) = (start.max(from), end.map_or(to, |e| e.min(to)));
                (end - start).num_seconds().max(0)
            })
            .sum()
    }

    /// Seconds of `[from, to)` during which the card was not blocked.
    pub(crate) fn unblocked_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let spent = (to - from).num_seconds().max(0);
        spent - self.blocked_between(from, to).min(spent)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::Blocks;

    #[test]
    fn only_the_overlap_with_a_stay_counts_and_repeats_change_nothing() {
        let h = |hour: u32| {
            Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0)
                .single()
                .expect("time")
        };
        let mut blocks = Blocks::default();
        blocks.unblock(h(1)); // nothing open: ignored
        blocks.block(h(2));
        blocks.block(h(3)); // already blocked: the spell still starts at 2
        blocks.unblock(h(4));
        blocks.block(h(6)); // still open
        assert_eq!(blocks.blocked_between(h(0), h(5)), 2 * 3600);
        assert_eq!(blocks.blocked_between(h(3), h(7)), 3600 + 3600);
        assert_eq!(
            blocks.unblocked_between(h(0), h(8)),
            8 * 3600 - 2 * 3600 - 2 * 3600
        );
        assert_eq!(blocks.unblocked_between(h(5), h(4)), 0);
    }
}
