//! `/api/v1/boards/{board}/labels`: a board's labels, made, changed and removed by its admins.

use application::labels;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use domain::LabelId;
use domain::board::BoardRef;
use domain::label::{Label, LabelSpec};

use super::auth::Caller;
use super::extract::ApiJson;
use super::{ApiError, AppState, Problem};

fn label_id(raw: &str) -> Result<LabelId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("label \"{raw}\"")))
}

/// The board's labels, by name.
#[utoipa::path(get, path = "/boards/{board}/labels", tag = "boards",
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The labels", body = [Label]),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_labels(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
) -> Result<Json<Vec<Label>>, ApiError> {
    let board = BoardRef::parse(&board);
    Ok(Json(
        labels::labels(state.store(), &caller.0, &board).await?,
    ))
}

/// Makes a label (board admins): a name unique on the board in any case, 1–60 characters, and
/// a colour of the palette (`grey`, `red`, `orange`, `yellow`, `green`, `teal`, `blue`,
/// `purple`, `pink`).
#[utoipa::path(post, path = "/boards/{board}/labels", tag = "boards", request_body = LabelSpec,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 201, description = "Made", body = Label),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or taken name, unknown colour", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_label(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(spec): ApiJson<LabelSpec>,
) -> Result<impl IntoResponse, ApiError> {
    let board_ref = BoardRef::parse(&board);
    let label = labels::save_label(
        state.store(),
        &caller.0,
        &board_ref,
        None,
        &spec,
        Utc::now(),
    )
    .await?;
    let location = format!("/api/v1/boards/{board}/labels/{}", label.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(label),
    ))
}

/// Renames or recolours a label (board admins); cards keep it.
#[utoipa::path(put, path = "/boards/{board}/labels/{id}", tag = "boards", request_body = LabelSpec,
    params(
        ("board" = String, Path, description = "Board slug or id"),
        ("id" = String, Path, description = "Label id"),
    ),
    responses(
        (status = 200, description = "The label as changed", body = Label),
        (status = 404, description = "No such board or label", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or taken name, unknown colour", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_label(
    State(state): State<AppState>,
    caller: Caller,
    Path((board, id)): Path<(String, String)>,
    ApiJson(spec): ApiJson<LabelSpec>,
) -> Result<Json<Label>, ApiError> {
    let (board, id) = (BoardRef::parse(&board), label_id(&id)?);
    Ok(Json(
        labels::save_label(
            state.store(),
            &caller.0,
            &board,
            Some(id),
            &spec,
            Utc::now(),
        )
        .await?,
    ))
}

/// Removes a label from the board and from every card carrying it (board admins); each such
/// card's history records an `unlabelled` event.
#[utoipa::path(delete, path = "/boards/{board}/labels/{id}", tag = "boards",
    params(
        ("board" = String, Path, description = "Board slug or id"),
        ("id" = String, Path, description = "Label id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such board or label", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_label(
    State(state): State<AppState>,
    caller: Caller,
    Path((board, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (board, id) = (BoardRef::parse(&board), label_id(&id)?);
    labels::delete_label(state.store(), &caller.0, &board, id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
