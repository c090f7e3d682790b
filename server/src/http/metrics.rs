//! `/api/v1/boards/{board}/metrics` and `/history`: flow metrics computed from the card event
//! log, and the import of past work into that log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use domain::board::BoardRef;
use domain::import::HistoryImport;
use domain::metrics::{FlowMetrics, Window};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, Problem};

/// The window of a metrics request; both dates inclusive, UTC.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WindowQuery {
    /// First day (`YYYY-MM-DD`); 13 days before `to` when absent.
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`); today when absent.
    pub to: Option<NaiveDate>,
}

/// How many cards an import made.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// Cards made.
    pub imported: usize,
}

/// Flow metrics of a board for a window: population, cycle and lead time, time in column,
/// throughput, cumulative flow, WIP, flow distribution, tech-debt share, flow efficiency,
/// aging WIP, incidents and policy overrides. Definitions are in the README.
#[utoipa::path(get, path = "/boards/{board}/metrics", tag = "metrics",
    params(("board" = String, Path, description = "Board slug or id"), WindowQuery),
    responses(
        (status = 200, description = "The metrics", body = FlowMetrics),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<WindowQuery>,
) -> Result<Json<FlowMetrics>, ApiError> {
    let now = Utc::now();
    let to = query.to.unwrap_or_else(|| now.date_naive());
    let from = query.from.unwrap_or(to - Duration::days(13));
    let window = Window::new(from, to)?;
    let board = state.store.board(&BoardRef::parse(&board)).await?;
    let events = state.store.board_events(board.id, window.end()).await?;
    Ok(Json(domain::metrics::compute(
        &board, &events, window, now,
    )?))
}

/// Imports past work: cards with the columns they went through. All or nothing: one bad card
/// (unknown column, time going backwards) refuses the whole import with a 422 naming it.
#[utoipa::path(post, path = "/boards/{board}/history", tag = "metrics", request_body = HistoryImport,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 201, description = "Imported", body = ImportResult),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A card is invalid; nothing was imported", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_history(
    State(state): State<AppState>,
    Path(board): Path<String>,
    ApiJson(import): ApiJson<HistoryImport>,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let actor = domain::Actor::system("import");
    let imported = state
        .store
        .import_history(&BoardRef::parse(&board), &import, &actor)
        .await?;
    Ok((StatusCode::CREATED, Json(ImportResult { imported })))
}
