//! `/api/v1/.../cards`: create, read, update and move cards, and read their history.

use application::cards;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use domain::board::BoardRef;
use domain::{Card, CardEvent, CardId, CardPatch, MoveRequest, NewCard, UserId};

use super::auth::Caller;
use super::extract::ApiJson;
use super::{ApiError, AppState, Problem};

pub(super) fn card_id(raw: &str) -> Result<CardId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("card \"{raw}\"")))
}

/// Makes a card on a board. Without `column_id` it goes to the first column; without
/// `lane_id`, sev1/sev2 incidents go to Expedite and everything else to Standard.
#[utoipa::path(post, path = "/boards/{board}/cards", tag = "cards", request_body = NewCard,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 201, description = "Created", body = Card),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused by a flow policy; resend with override_reason to force", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid card", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(new): ApiJson<NewCard>,
) -> Result<impl IntoResponse, ApiError> {
    let board = BoardRef::parse(&board);
    let card = cards::create_card(state.store(), &caller.0, &board, &new, Utc::now()).await?;
    let location = format!("/api/v1/cards/{}", card.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(card),
    ))
}

/// One card.
#[utoipa::path(get, path = "/cards/{id}", tag = "cards",
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The card", body = Card),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Card>, ApiError> {
    Ok(Json(
        cards::card(state.store(), &caller.0, card_id(&id)?).await?,
    ))
}

/// Changes a card; fields left out stay as they are. `{"blocked": true, "blocked_reason":
/// "..."}` blocks it, `{"blocked": false}` unblocks it.
#[utoipa::path(patch, path = "/cards/{id}", tag = "cards", request_body = CardPatch,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The updated card", body = Card),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An assignee is at the per-person WIP limit; resend with override_reason to force", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change (an assignee who is not a member of the board, for one)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<CardPatch>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::update_card(state.store(), &caller.0, id, &patch, Utc::now()).await?,
    ))
}

/// Moves a card to a column (and optionally a lane and a 0-based position in that cell).
#[utoipa::path(post, path = "/cards/{id}/move", tag = "cards", request_body = MoveRequest,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The moved card", body = Card),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused by a flow policy (WIP limit, committed capacity, Expedite limit, tech-debt allocation, an owner's per-person WIP limit); resend with override_reason to force", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Column or lane not on the card's board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn move_card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<MoveRequest>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::move_card(state.store(), &caller.0, id, &request, Utc::now()).await?,
    ))
}

/// A card's event log, oldest first.
#[utoipa::path(get, path = "/cards/{id}/events", tag = "cards",
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "Events", body = [CardEvent]),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn card_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<CardEvent>>, ApiError> {
    let id = card_id(&id)?;
    Ok(Json(
        cards::card_events(state.store(), &caller.0, id).await?,
    ))
}

/// Whom to add to a card's owners.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignee {
    /// The user's id; they must be a member or an admin of the card's board.
    pub user_id: UserId,
    /// Forces an assignment the per-person WIP limit refuses (board admins); recorded.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Adds one owner to a card (nothing changes if they own it already).
#[utoipa::path(post, path = "/cards/{id}/assignees", tag = "cards", request_body = NewAssignee,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The card with its owners", body = Card),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is at the per-person WIP limit; resend with override_reason to force", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown user, or not a member of the card's board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_assignee(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<NewAssignee>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    let reason = new.override_reason.as_deref();
    let card = cards::set_assignee(
        state.store(),
        &caller.0,
        id,
        new.user_id,
        true,
        reason,
        Utc::now(),
    )
    .await?;
    Ok(Json(card))
}

/// Takes one owner off a card (nothing changes if they do not own it).
#[utoipa::path(delete, path = "/cards/{id}/assignees/{user_id}", tag = "cards",
    params(
        ("id" = String, Path, description = "Card id"),
        ("user_id" = String, Path, description = "The owner's user id"),
    ),
    responses(
        (status = 200, description = "The card with its owners", body = Card),
        (status = 404, description = "No such card or user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_assignee(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<Json<Card>, ApiError> {
    let id = card_id(&id)?;
    let user: UserId = user
        .parse()
        .map_err(|_| ApiError::NotFound(format!("user \"{user}\"")))?;
    let card =
        cards::set_assignee(state.store(), &caller.0, id, user, false, None, Utc::now()).await?;
    Ok(Json(card))
}
