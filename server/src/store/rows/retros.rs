//! Rows of the retrospective tables, as tuples.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A retrospective row: id, notes, updated by, updated at.
pub type RetroRow = (Uuid, String, Option<String>, Option<DateTime<Utc>>);

/// An action row: id, text, created by, created at, card id, card number.
pub type ActionRow = (
    Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<Uuid>,
    Option<i64>,
);

/// An action row with its retrospective's period.
pub type PeriodActionRow = (
    Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<Uuid>,
    Option<i64>,
    NaiveDate,
    NaiveDate,
);
