//! Rules every text field shares, whatever it belongs to (a card, a board, a deployment).

use crate::error::DomainError;

/// Refuses text with a NUL character. Every other character, control characters included, is
/// stored as sent; NUL alone is refused because PostgreSQL `text` cannot hold it (the insert
/// would fail with a database error), and both backends must accept the same input.
pub(crate) fn check_no_nul(field: &'static str, text: &str) -> Result<(), DomainError> {
    if text.contains('\0') {
        return Err(DomainError::invalid(
            field,
            "must not contain NUL (U+0000) characters",
        ));
    }
    Ok(())
}
