//! `/api/v1/cards/{id}/discard`, `/restore` and `/boards/{board}/discarded`: cards taken off
//! the board unfinished, and brought back; `DELETE /cards/{id}` and `/boards/{board}/log`:
//! cards deleted outright, and the board's record of it.

use application::cards;
use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use domain::board::BoardRef;
use domain::discard::{DiscardRequest, RestoreRequest};
use domain::{BoardEvent, Card};

use super::auth::Caller;
use super::cards::card_id;
use super::extract::ApiJson;
use super::{ApiError, AppState, Problem};

/// Discards a card: it leaves the board with a reason (`duplicate`, `won't do`, `obsolete` or
/// your own words), keeps its history and the cell it left, and is left out of the flow
/// metrics, which count it apart. Any member may.
#[utoipa::path(post, path = "/cards/{id}/discard", tag = "cards", request_body = DiscardRequest,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The discarded card (`discarded` says when, why and by whom)", body = Card),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The card is discarded already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or one over 200 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn discard_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DiscardRequest>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::discard_card(state.store(), &caller.0, id, &request, Utc::now()).await?,
    ))
}

/// Restores a discarded card to the end of the cell it left. The flow policies apply as to a
/// card entering that cell; an admin may force a refused restore with `override_reason`.
#[utoipa::path(post, path = "/cards/{id}/restore", tag = "cards", request_body = RestoreRequest,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The card, back on the board", body = Card),
        (status = 403, description = "Overriding a flow policy needs a board admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The card is not discarded, or a flow policy refuses it (resend with override_reason to force)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid override reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn restore_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RestoreRequest>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::restore_card(state.store(), &caller.0, id, &request, Utc::now()).await?,
    ))
}

/// The board's discarded cards, most recently discarded first.
#[utoipa::path(get, path = "/boards/{board}/discarded", tag = "cards",
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "Discarded cards", body = [Card]),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn discarded_cards(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
) -> Result<Json<Vec<Card>>, ApiError> {
    let board = BoardRef::parse(&board);
    let (_, found) = cards::discarded_cards(state.store(), &caller.0, &board).await?;
    Ok(Json(found))
}

/// Deletes a card outright, with its history, comments and owners (board admins). For content
/// that must not stay, such as personal data put on a card by mistake; work the team will not
/// do is discarded instead. The board's log keeps the card's number and who deleted it.
#[utoipa::path(delete, path = "/cards/{id}", tag = "cards",
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "Deleted; the board's log entry for it", body = BoardEvent),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BoardEvent>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::delete_card(state.store(), &caller.0, id, Utc::now()).await?,
    ))
}

/// The board's own log, newest first: the cards deleted outright, by number, with who and when.
#[utoipa::path(get, path = "/boards/{board}/log", tag = "boards",
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The board's log", body = [BoardEvent]),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn board_log(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
) -> Result<Json<Vec<BoardEvent>>, ApiError> {
    let board = BoardRef::parse(&board);
    Ok(Json(
        cards::board_log(state.store(), &caller.0, &board).await?,
    ))
}
