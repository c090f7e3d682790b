//! Rows of the card owners' table and of the reads around it, as tuples.

use uuid::Uuid;

/// An account asked to own a card: id, name, disabled, role on the board (if a member).
pub type CandidateRow = (Uuid, String, bool, Option<String>);

/// A card an owner holds in an active column: owner id, owner name, card number.
pub type LoadRow = (Uuid, String, i64);

/// How many cards of a board someone owns: board id, count.
pub type CountRow = (Uuid, i64);
