//! Rows of the card owners' table and of the reads around it, as tuples.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An account asked to own a card: id, name, disabled, role on the board (if a member).
pub type CandidateRow = (Uuid, String, bool, Option<String>);

/// A card an owner holds in an active column: owner id, owner name, card number.
pub type LoadRow = (Uuid, String, i64);

/// How many cards of a board someone owns: board id, count.
pub type CountRow = (Uuid, i64);

/// A comment: id, card id, author kind, author id, author name, body, created, edited,
/// deleted, deleted by.
pub type CommentRow = (
    Uuid,
    Uuid,
    String,
    Option<Uuid>,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
);

/// An inbox entry with its board's slug and its card's number and title.
pub type NotificationRow = (
    Uuid,
    String,
    Uuid,
    String,
    Uuid,
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);
