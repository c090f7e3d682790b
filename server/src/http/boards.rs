//! `/api/v1/boards`: list, create and read boards, and set their columns.

use application::boards;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use domain::board::{BoardRef, ColumnSpec};
use domain::policy::BoardPolicy;
use domain::{Board, BoardSummary, NewBoard};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, Problem};

/// The columns of a board, left to right.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnsRequest {
    /// The full layout: listed columns are kept (in this order), new ones (no `id`) are
    /// added, and existing ones left out are removed, which is refused while they hold cards.
    pub columns: Vec<ColumnSpec>,
}

/// The boards the caller may see (a board-bound token sees its board).
#[utoipa::path(get, path = "/boards", tag = "boards",
    responses((status = 200, description = "Boards", body = [BoardSummary])))]
pub async fn list_boards(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<BoardSummary>>, ApiError> {
    Ok(Json(boards::list_boards(state.store(), &caller.0).await?))
}

/// Makes a board with the default columns (Backlog, Ready, In Progress, Review, Done) and
/// lanes (Expedite, Standard).
#[utoipa::path(post, path = "/boards", tag = "boards", request_body = NewBoard,
    responses(
        (status = 201, description = "Created", body = Board),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_board(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewBoard>,
) -> Result<impl IntoResponse, ApiError> {
    let board = boards::create_board(state.store(), &caller.0, &new, Utc::now()).await?;
    let location = format!("/api/v1/boards/{}", board.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(board),
    ))
}

/// `?q=` on a board.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Only the cards this query finds (README, *Finding cards*); every card when absent.
    pub q: Option<String>,
}

/// One board with its columns, lanes and cards; with `q`, only the cards the query finds
/// (`GET /cards?q=&board=` says which names in it the board does not know).
#[utoipa::path(get, path = "/boards/{board}", tag = "boards",
    params(("board" = String, Path, description = "Board slug or id"), BoardQuery),
    responses(
        (status = 200, description = "The board", body = Board),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query that cannot be read (the problem's detail names the term)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_board(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> Result<Json<Board>, ApiError> {
    let board = BoardRef::parse(&board);
    match application::search::parse(query.q.as_deref())? {
        Some(q) => {
            let (board, _) = application::search::board_matching(
                state.store(),
                &caller.0,
                &board,
                &q,
                Utc::now(),
            )
            .await?;
            Ok(Json(board))
        }
        None => Ok(Json(boards::board(state.store(), &caller.0, &board).await?)),
    }
}

/// Replaces the board's column layout in one step.
#[utoipa::path(put, path = "/boards/{board}/columns", tag = "boards", request_body = ColumnsRequest,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The board with its new columns", body = Board),
        (status = 422, description = "Invalid layout", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_columns(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(request): ApiJson<ColumnsRequest>,
) -> Result<Json<Board>, ApiError> {
    let board = BoardRef::parse(&board);
    Ok(Json(
        boards::set_columns(state.store(), &caller.0, &board, &request.columns).await?,
    ))
}

/// Sets the board's flow policies: committed capacity, tech-debt share, Expedite limit, and
/// whether Expedite cards count toward column WIP limits. Lowering a limit below the current
/// count is allowed; the board then shows the column as over its limit.
#[utoipa::path(put, path = "/boards/{board}/policy", tag = "boards", request_body = BoardPolicy,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The board with its new policy", body = Board),
        (status = 422, description = "Invalid policy", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(policy): ApiJson<BoardPolicy>,
) -> Result<Json<Board>, ApiError> {
    let board = BoardRef::parse(&board);
    Ok(Json(
        boards::set_policy(state.store(), &caller.0, &board, &policy).await?,
    ))
}

/// A member of a board, as the API shows them: whom cards can be assigned to.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BoardMember {
    /// Their user id (what `assignees` takes).
    pub id: domain::UserId,
    /// Their name.
    pub name: String,
    /// Their sign-in address.
    pub email: String,
    /// `viewer`, `member` or `admin`: members and admins may own cards.
    pub role: domain::access::Role,
}

/// The board's members, by name.
#[utoipa::path(get, path = "/boards/{board}/members", tag = "boards",
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The members", body = [BoardMember]),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn board_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
) -> Result<Json<Vec<BoardMember>>, ApiError> {
    let board = BoardRef::parse(&board);
    let page = application::people::members(state.store(), &caller.0, &board).await?;
    Ok(Json(
        page.members
            .into_iter()
            .map(|m| BoardMember {
                id: m.user.id,
                name: m.user.name,
                email: m.user.email,
                role: m.role,
            })
            .collect(),
    ))
}
