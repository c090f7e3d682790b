//! Short-lived copies of rows that API requests read every time and that hardly ever change:
//! API tokens by their secret's hash, and boards' incident settings.
//!
//! Why: every webhook call read both before its write. On SQLite each read is a round trip to
//! a connection's own thread, and a profile of the alert storm had the server spend more than
//! half its CPU time switching threads (`bench/HISTORY.md`, session 8).
//!
//! How stale a copy may be: a change made through this process drops the copy at once
//! (a revoked token, new incident settings). A change made elsewhere (another instance on the
//! same PostgreSQL database, or `flowboard token revoke` run beside a server) reaches this
//! process within [`KEPT_FOR`], when the copy is read again. Expiry is checked on the copy at
//! each use, so an expired token is refused on time.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a copy is used before the row is read again.
pub(crate) const KEPT_FOR: Duration = Duration::from_secs(1);

/// More copies than this and the expired ones are dropped (unknown secrets are never kept,
/// so only real tokens and boards count).
const MOST: usize = 4096;

/// Copies of values by key, each used for at most [`KEPT_FOR`].
pub(crate) struct Recent<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K, V> std::fmt::Debug for Recent<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent")
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// The copy for `key`, if one was kept less than [`KEPT_FOR`] ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.get_at(key, Instant::now())
    }

    fn get_at<Q>(&self, key: &Q, now: Instant) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(kept, _)| now.duration_since(*kept) < KEPT_FOR)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` as the copy for `key`, read just now.
    pub fn put(&self, key: K, value: V) {
        self.put_at(key, value, Instant::now());
    }

    fn put_at(&self, key: K, value: V, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MOST {
            entries.retain(|_, (kept, _)| now.duration_since(*kept) < KEPT_FOR);
        }
        entries.insert(key, (now, value));
    }

    /// Changes every copy with `change`, keeping its age: for a write this process made that
    /// the copies must show (a token's last use).
    pub fn update(&self, mut change: impl FnMut(&mut V)) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, value) in entries.values_mut() {
            change(value);
        }
    }

    /// Drops the copy for `key`.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(key);
    }

    /// Drops every copy.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_used_for_kept_for_and_then_read_again() {
        let recent: Recent<String, u32> = Recent::default();
        let start = Instant::now();
        assert_eq!(recent.get_at("a", start), None);
        recent.put_at("a".into(), 1, start);
        assert_eq!(recent.get_at("a", start + KEPT_FOR / 2), Some(1));
        assert_eq!(recent.get_at("a", start + KEPT_FOR), None, "too old");
    }

    #[test]
    fn changes_made_here_reach_the_copies_at_once() {
        let recent: Recent<String, u32> = Recent::default();
        recent.put("a".into(), 1);
        recent.put("b".into(), 2);
        recent.update(|v| *v += 10);
        assert_eq!(recent.get("a"), Some(11));
        recent.forget("a");
        assert_eq!(recent.get("a"), None);
        assert_eq!(recent.get("b"), Some(12));
        recent.clear();
        assert_eq!(recent.get("b"), None);
    }

    #[test]
    fn a_full_cache_drops_its_expired_copies() {
        let recent: Recent<usize, usize> = Recent::default();
        let start = Instant::now();
        for i in 0..MOST {
            recent.put_at(i, i, start);
        }
        let later = start + KEPT_FOR;
        recent.put_at(MOST, MOST, later);
        let entries = recent
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        assert_eq!(entries.len(), 1);
    }
}
