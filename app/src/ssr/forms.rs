//! Parsing of form fields sent by server functions: the browser sends strings, the domain
//! wants typed values, and a bad value becomes an [`AppError::Invalid`] naming the field.

use domain::board::{BoardRef, ColumnSpec};
use domain::{Board, CardType, ColumnKind, Severity};

use crate::error::AppError;

/// Reads an optional id from a form field; empty means absent.
pub fn parse_optional_id<T: std::str::FromStr>(
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
pub fn parse_id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, AppError> {
    parse_optional_id(field, Some(raw))?.ok_or_else(|| AppError::Invalid {
        field: field.to_owned(),
        message: "is required".to_owned(),
    })
}

/// A `YYYY-MM-DD` form field; empty means absent.
pub fn parse_date(field: &str, raw: Option<&str>) -> Result<Option<chrono::NaiveDate>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::Invalid {
            field: field.to_owned(),
            message: format!("\"{s}\" is not a date (YYYY-MM-DD)"),
        }),
    }
}

/// A card type from its wire spelling.
pub fn parse_type(raw: &str) -> Result<CardType, AppError> {
    CardType::parse(raw).ok_or_else(|| AppError::Invalid {
        field: "card_type".into(),
        message: "choose feature, incident or tech_debt".into(),
    })
}

/// An optional severity; empty means absent.
pub fn parse_severity(raw: Option<&str>) -> Result<Option<Severity>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Severity::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::Invalid {
                field: "severity".into(),
                message: "choose sev1, sev2, sev3 or sev4".into(),
            }),
    }
}

/// A column kind from its wire spelling.
pub fn parse_kind(raw: &str) -> Result<ColumnKind, AppError> {
    ColumnKind::parse(raw).ok_or_else(|| AppError::Invalid {
        field: "kind".into(),
        message: "choose queue, active or done".into(),
    })
}

/// A WIP limit field: empty means no limit.
pub fn parse_limit(raw: &str) -> Result<Option<u32>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| AppError::Invalid {
        field: "wip_limit".into(),
        message: "must be a whole number, or empty for no limit".into(),
    })
}

/// The board's current column layout, as the settings actions edit it.
pub fn specs_of(board: &Board) -> Vec<ColumnSpec> {
    domain::board::column_specs(board)
}

/// Applies one settings change to a board's column layout and saves the result in one step
/// (see `application::boards::change_columns`).
pub async fn change_columns(
    slug: String,
    change: impl FnOnce(&mut Vec<ColumnSpec>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let store = super::shared_store()?;
    let caller = super::auth::current_principal()?;
    let board = BoardRef::Slug(slug);
    application::boards::change_columns(store.as_ref(), &caller, &board, change).await?;
    Ok(())
}

/// Where the column with the id in a form field is in the layout.
pub fn column_index(specs: &[ColumnSpec], column_id: &str) -> Result<usize, AppError> {
    let id: domain::ColumnId = parse_id("column_id", column_id)?;
    specs
        .iter()
        .position(|s| s.id == Some(id))
        .ok_or_else(|| AppError::NotFound("No such column.".into()))
}
