//! Card order inside a cell. Positions are floating-point sort keys, so a move writes one row
//! instead of renumbering every card below the drop point.

/// Gap under which two neighbours are considered too close to split again.
const MIN_GAP: f64 = 1e-9;

/// The sort key for a card dropped at `index` among `existing` keys (sorted ascending, the
/// moving card excluded). Returns `None` when the neighbours are too close to split: the
/// caller then renumbers the cell with [`renumbered`] and asks again.
pub fn key_at(existing: &[f64], index: usize) -> Option<f64> {
    let index = index.min(existing.len());
    let before = index.checked_sub(1).and_then(|i| existing.get(i)).copied();
    let after = existing.get(index).copied();
    match (before, after) {
        (None, None) => Some(1.0),
        (Some(b), None) => Some(b + 1.0),
        (None, Some(a)) => Some(a - 1.0),
        (Some(b), Some(a)) if a - b > MIN_GAP => Some(b + (a - b) / 2.0),
        _ => None,
    }
}

/// Evenly spaced keys for `n` cards: 1.0, 2.0, ...
pub fn renumbered(n: usize) -> Vec<f64> {
    (1..=n).map(|i| i as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_land_where_asked() {
        assert_eq!(key_at(&[], 0), Some(1.0));
        assert_eq!(key_at(&[1.0, 2.0], 0), Some(0.0));
        assert_eq!(key_at(&[1.0, 2.0], 1), Some(1.5));
        assert_eq!(key_at(&[1.0, 2.0], 2), Some(3.0));
        assert_eq!(key_at(&[1.0, 2.0], 99), Some(3.0), "past the end appends");
        assert_eq!(key_at(&[1.0, 1.0], 1), None, "no room between equal keys");
    }

    proptest! {
        /// Inserting at any index keeps the cell sorted with the new card at that index,
        /// renumbering whenever the keys run out of room.
        #[test]
        fn inserts_keep_order(indices in proptest::collection::vec(0usize..40, 1..200)) {
            let mut keys: Vec<f64> = Vec::new();
            let mut labels: Vec<usize> = Vec::new();
            for (label, index) in indices.into_iter().enumerate() {
                let index = index.min(keys.len());
                let key = match key_at(&keys, index) {
                    Some(k) => k,
                    None => {
                        keys = renumbered(keys.len());
                        key_at(&keys, index).expect("room after renumbering")
                    }
                };
                let at = keys.partition_point(|k| *k < key);
                prop_assert_eq!(at, index);
                keys.insert(at, key);
                labels.insert(index, label);
            }
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
