//! What a use case fails with. The REST API maps it once to problem+json
//! (`server/src/http/error.rs`) and the UI once to its messages (`app/src/ssr/mod.rs`).

use std::time::Duration;

use domain::DomainError;
use domain::access::Denied;
use domain::policy::Violation;

use crate::ports::{StoreError, WriteRefusal};

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No (valid) credentials: 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// A known caller without the right: 403.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts (sign-in): 429, with how long to wait.
    #[error("{message}")]
    TooMany {
        /// What to tell the person.
        message: String,
        /// How long until trying again makes sense.
        retry_after: Duration,
    },
    /// The thing asked for does not exist; the string names it (`board "ops"`).
    #[error("{0} not found")]
    NotFound(String),
    /// The request breaks a rule of the domain (a field's value).
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// A flow policy refuses the placement and no override reason was given.
    #[error("refused by flow policy: {}", .0.first().map(Violation::message).unwrap_or_default())]
    Policy(Vec<Violation>),
    /// The request clashes with stored data (a unique name taken, for example).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database serves reads but refuses every write until an operator steps in.
    #[error("database refuses writes ({reason}): {detail}")]
    WritesRefused {
        /// Why.
        reason: WriteRefusal,
        /// What the database said, for the log.
        detail: String,
    },
    /// Anything else; logged, never shown to users.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Denied> for Error {
    fn from(denied: Denied) -> Self {
        Self::Forbidden(denied.to_string())
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Invalid(e) => Self::Invalid(e),
            StoreError::Policy(violations) => Self::Policy(violations),
            StoreError::Conflict(message) => Self::Conflict(message),
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            StoreError::WritesRefused { reason, detail } => Self::WritesRefused { reason, detail },
            StoreError::Internal(detail) => Self::Internal(detail),
        }
    }
}

/// A use case's answer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
