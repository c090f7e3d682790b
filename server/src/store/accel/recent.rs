//! Short-lived copies of rows that API requests read every time and that hardly ever change:
//! API tokens by their secret's hash, and boards' incident settings.
//!
//! Why: every webhook call read both before its write. On SQLite each read is a round trip to
//! a connection's own thread, and a profile of the alert storm had the server spend more than
//! half its CPU time switching threads (`bench/HISTORY.md`, session 8).
//!
//! How stale a copy may be: a change made through this process drops the copy at once
//! (a revoked token, new incident settings), and a read already under way then keeps nothing
//! (it may have read the row before the change). A change made elsewhere (another instance on
//! the same PostgreSQL database, or `flowboard token revoke` run beside a server) reaches this
//! process within [`KEPT_FOR`]: a copy's age counts from when its read began. (Incident
//! settings saved on another PostgreSQL instance arrive sooner: the change's notification
//! drops the copy, see `postgres::Heard`.) Expiry is
//! checked on the copy at each use, so an expired token is refused on time.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a copy is used before the row is read again.
pub const KEPT_FOR: Duration = Duration::from_secs(1);

/// More copies than this and the expired ones are dropped (unknown secrets are never kept,
/// so only real tokens and boards count).
const MOST: usize = 4096;

/// Copies of values by key, each used for at most [`KEPT_FOR`] after the read that made it
/// began.
pub(crate) struct Recent<K, V> {
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    /// Bumped by every [`Recent::forget`] and [`Recent::clear`]: a read that began before
    /// one may have read what it dropped, so its copy is not kept.
    generation: u64,
    entries: HashMap<K, (Instant, V)>,
}

/// Taken before reading a row to keep a copy of: when the read began, and what it may keep.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    generation: u64,
    at: Instant,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                generation: 0,
                entries: HashMap::new(),
            }),
        }
    }
}

impl<K, V> std::fmt::Debug for Recent<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent")
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The copy for `key`, if the read that made it began less than [`KEPT_FOR`] before
    /// `now`.
    pub fn get<Q>(&self, key: &Q, now: Instant) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.inner()
            .entries
            .get(key)
            .filter(|(read, _)| now.saturating_duration_since(*read) < KEPT_FOR)
            .map(|(_, value)| value.clone())
    }

    /// A ticket for a read about to begin at `now`.
    pub fn ticket(&self, now: Instant) -> Ticket {
        let generation = self.inner().generation;
        Ticket {
            generation,
            at: now,
        }
    }

    /// Keeps `value`, read with `ticket`, as the copy for `key`, unless a copy was dropped
    /// since the read began (it may have read the row as it was before that change).
    pub fn put(&self, ticket: Ticket, key: K, value: V, now: Instant) {
        let mut inner = self.inner();
        if inner.generation != ticket.generation {
            return;
        }
        if inner.entries.len() >= MOST {
            inner
                .entries
                .retain(|_, (read, _)| now.saturating_duration_since(*read) < KEPT_FOR);
        }
        inner.entries.insert(key, (ticket.at, value));
    }

    /// Changes every copy with `change`, keeping its age: for a write this process made that
    /// the copies must show (a token's last use).
    pub fn update(&self, mut change: impl FnMut(&mut V)) {
        for (_, value) in self.inner().entries.values_mut() {
            change(value);
        }
    }

    /// Drops the copy for `key`, and any copy a read already under way would keep.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.entries.remove(key);
    }

    /// Drops every copy, and any copy a read already under way would keep.
    pub fn clear(&self) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_used_for_kept_for_after_its_read_began() {
        let recent: Recent<String, u32> = Recent::default();
        let start = Instant::now();
        assert_eq!(recent.get("a", start), None);
        recent.put(recent.ticket(start), "a".into(), 1, start);
        assert_eq!(recent.get("a", start + KEPT_FOR / 2), Some(1));
        assert_eq!(recent.get("a", start + KEPT_FOR), None, "too old");
    }

    #[test]
    fn changes_made_here_reach_the_copies_at_once() {
        let now = Instant::now();
        let recent: Recent<String, u32> = Recent::default();
        recent.put(recent.ticket(now), "a".into(), 1, now);
        recent.put(recent.ticket(now), "b".into(), 2, now);
        recent.update(|v| *v += 10);
        assert_eq!(recent.get("a", now), Some(11));
        recent.forget("a");
        assert_eq!(recent.get("a", now), None);
        assert_eq!(recent.get("b", now), Some(12));
        recent.clear();
        assert_eq!(recent.get("b", now), None);
    }

    #[test]
    fn a_read_under_way_when_a_copy_is_dropped_keeps_nothing() {
        let now = Instant::now();
        let recent: Recent<String, u32> = Recent::default();
        let before_revoke = recent.ticket(now);
        recent.clear();
        recent.put(before_revoke, "a".into(), 1, now);
        assert_eq!(
            recent.get("a", now),
            None,
            "read before the change: not kept"
        );
        let before_forget = recent.ticket(now);
        recent.forget("b");
        recent.put(before_forget, "a".into(), 1, now);
        assert_eq!(recent.get("a", now), None);
        recent.put(recent.ticket(now), "a".into(), 2, now);
        assert_eq!(recent.get("a", now), Some(2), "read after it: kept");
    }

    #[test]
    fn a_full_cache_drops_its_expired_copies() {
        let recent: Recent<usize, usize> = Recent::default();
        let long_ago = Instant::now();
        let now = long_ago + KEPT_FOR;
        for i in 0..MOST {
            recent.put(recent.ticket(long_ago), i, i, long_ago);
        }
        recent.put(recent.ticket(now), MOST, MOST, now);
        assert_eq!(recent.inner().entries.len(), 1);
    }
}
