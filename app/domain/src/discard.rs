//! Discarding a card: work the team decided not to do (a duplicate, something that will not be
//! done, something overtaken by events) leaves the board without being finished.
//!
//! A discarded card keeps its history and the cell it left, so it can be restored there. It is
//! not a completion: the flow metrics leave it out entirely, as if it had never been on the
//! board (see [`crate::metrics`]), and count it on its own instead. Finishing it would have
//! inflated throughput and pulled cycle times down.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::card::MAX_SHORT_CHARS;
use crate::error::DomainError;

/// The reasons offered in forms; any other text is accepted as well.
pub const REASONS: [&str; 3] = ["duplicate", "won't do", "obsolete"];

/// Why, when and by whom a card was discarded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discard {
    /// When it left the board.
    pub at: DateTime<Utc>,
    /// Why: `duplicate`, `won't do`, `obsolete` or the team's own words.
    pub reason: String,
    /// Who discarded it, as the event log names them.
    pub by: String,
}

/// What a client sends to discard a card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscardRequest {
    /// Why: `duplicate`, `won't do`, `obsolete` or any text (1–200 characters).
    pub reason: String,
}

impl DiscardRequest {
    /// The reason, trimmed; refused when empty, too long or holding NUL (field `reason`).
    pub fn reason(&self) -> Result<String, DomainError> {
        crate::text::check_no_nul("reason", &self.reason)?;
        let reason = self.reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "say why the card is discarded (duplicate, won't do, obsolete or your own words)",
            ));
        }
        if reason.chars().count() > MAX_SHORT_CHARS {
            return Err(DomainError::invalid(
                "reason",
                format!("must be at most {MAX_SHORT_CHARS} characters"),
            ));
        }
        Ok(reason.to_owned())
    }
}

/// What a client sends to restore a discarded card to the cell it left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// Forces a restore that a flow policy refuses (the cell's column is at its WIP limit,
    /// say); recorded with the card.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Result<String, DomainError> {
        DiscardRequest {
            reason: text.into(),
        }
        .reason()
    }

    #[test]
    fn a_reason_is_trimmed_and_required() {
        assert_eq!(reason("  duplicate ").as_deref(), Ok("duplicate"));
        assert_eq!(
            reason("not needed after the redesign").as_deref(),
            Ok("not needed after the redesign")
        );
        for bad in ["", "   ", "a\0b", &"x".repeat(201)] {
            let error = reason(bad).expect_err(bad);
            assert!(error.to_string().contains("reason"), "{error}");
        }
        assert!(reason(&"é".repeat(200)).is_ok(), "characters, not bytes");
    }
}
