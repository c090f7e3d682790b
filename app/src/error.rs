//! The error type of the UI layer. Server functions return it; pages show it with
//! [`AppError::user_message`]. Storage errors are mapped into it once, in `ssr`.

use crate::api::codec::JsonText;
use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Something a server function could not do, in terms the UI can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The board, card or column does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A field's value was refused; `field` lets a form show it beside the input.
    #[error("{message}")]
    Invalid {
        /// The field, as the form names it.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A flow policy (WIP limit, Expedite limit, tech-debt allocation) refused the change; it
    /// can be forced with an override reason.
    #[error("{message}")]
    Policy {
        /// What the policy says and what the user can do.
        message: String,
        /// The broken rules, e.g. `wip_limit`.
        rules: Vec<String>,
    },
    /// The request clashes with what is stored (a taken slug, a column still holding cards).
    #[error("{0}")]
    Conflict(String),
    /// Nobody is signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// The signed-in person's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts (sign-in); the message says how long to wait.
    #[error("{0}")]
    TooManyRequests(String),
    /// The server is up but cannot reach its database.
    #[error("Flowboard cannot reach its database right now. Try again in a moment.")]
    Unavailable,
    /// The database is read-only or full (the string says which): changes are refused,
    /// reading still works.
    #[error(
        "Flowboard's database is {0}, so changes cannot be saved; reading still works. Ask the administrator."
    )]
    WritesRefused(String),
    /// Anything else on the server; details are in the server log, not here.
    #[error("Something went wrong on the server. It has been logged.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("Could not reach Flowboard: {0}")]
    Transport(String),
}

impl AppError {
    /// The sentence to show a person.
    pub fn user_message(&self) -> String {
        match self {
            Self::Invalid { field, message } => format!("{}: {message}", field_label(field)),
            other => other.to_string(),
        }
    }
}

/// Field names as people read them.
fn field_label(field: &str) -> String {
    let name = field.rsplit('.').next().unwrap_or(field);
    let mut label = name.replace('_', " ");
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

impl AppError {
    /// The HTTP status that fits this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound(_) => 404,
            Self::Invalid { .. } => 422,
            Self::Policy { .. } | Self::Conflict(_) => 409,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable | Self::WritesRefused(_) => 503,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    // Read as text like every answer (see `api::codec`).
    type Encoder = JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_read_like_labels() {
        let e = AppError::Invalid {
            field: "columns.wip_limit".into(),
            message: "too big".into(),
        };
        assert_eq!(e.user_message(), "Wip limit: too big");
    }
}
