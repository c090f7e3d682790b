//! The domain's one error type. Each variant names the offending field so that the REST layer
//! can point at it and the UI can show it next to the right input.

use thiserror::Error;

/// A rule of the domain was broken by what a user or client sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A field's value is not acceptable; `field` names it as clients spell it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field as it appears in requests, e.g. `title`.
        field: &'static str,
        /// What is wrong, in words a user understands.
        message: String,
    },
    /// A referenced column or lane does not belong to the card's board.
    #[error("{field}: {message}")]
    Reference {
        /// The field holding the bad reference, e.g. `column_id`.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn reference(field: &'static str, message: impl Into<String>) -> Self {
        Self::Reference {
            field,
            message: message.into(),
        }
    }

    /// The request field this error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Invalid { field, .. } | Self::Reference { field, .. } => field,
        }
    }
}
