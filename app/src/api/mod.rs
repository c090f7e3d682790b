//! Server functions, one module per area. Each body fetches the store from the request
//! context, lets the store (and through it the domain) do the work, and maps errors once.

pub mod boards;
pub mod cards;

pub use boards::*;
pub use cards::*;

use crate::error::AppError;

/// Reads an optional id from a form field; empty means absent.
pub(crate) fn parse_optional_id<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::Invalid {
            field: field.to_owned(),
            message: format!("\"{s}\" is not a valid id"),
        }),
    }
}

/// Reads a required id from a form field.
pub(crate) fn parse_id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, AppError> {
    parse_optional_id(field, Some(raw))?.ok_or_else(|| AppError::Invalid {
        field: field.to_owned(),
        message: "is required".to_owned(),
    })
}

/// Who the browser user is. Until accounts exist every browser user is the same anonymous
/// person; the events still say it came from the web UI.
#[cfg(feature = "ssr")]
pub(crate) fn web_actor() -> domain::Actor {
    domain::Actor::user("anonymous (web)")
}
