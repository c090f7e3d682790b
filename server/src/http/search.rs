//! `GET /api/v1/cards?q=`: finding cards with the query language, on one board or on every
//! board the caller can see.

use application::search;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use domain::Card;
use domain::board::BoardRef;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::extract::ApiQuery;
use super::{ApiError, AppState, Problem};

/// What to find, where, and which page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A query (README, *Finding cards*), e.g. `type:incident severity:sev1,sev2 "timeout"`.
    pub q: String,
    /// One board's slug or id; every board the caller can see when absent.
    pub board: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1)]
    pub page: Option<usize>,
}

/// A card found, with its board.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FoundCard {
    /// The board's slug.
    pub board: String,
    /// The board's name.
    pub board_name: String,
    /// The card.
    pub card: Card,
}

/// One page of cards found, most recently changed first.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// This page's cards.
    pub cards: Vec<FoundCard>,
    /// Cards found in all.
    pub total: usize,
    /// The page shown (a page past the last shows the last).
    pub page: usize,
    /// Pages in all (at least 1).
    pub pages: usize,
    /// Names in the query that no board searched knows (a label, lane or person): those
    /// terms match no card.
    pub notes: Vec<String>,
}

/// Cards a query finds, 50 to a page, most recently changed first.
#[utoipa::path(get, path = "/cards", tag = "cards", params(SearchQuery),
    responses(
        (status = 200, description = "The cards found", body = SearchPage),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query that cannot be read (the problem's detail names the term), or a page that is not a whole number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_cards(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchPage>, ApiError> {
    let parsed = search::parse(Some(&query.q))?.unwrap_or_default();
    let board = query.board.as_deref().map(BoardRef::parse);
    let found = search::cards(
        state.store(),
        &caller.0,
        (&parsed, board.as_ref()),
        query.page.unwrap_or(1),
        Utc::now(),
    )
    .await?;
    Ok(Json(SearchPage {
        cards: found
            .cards
            .into_iter()
            .map(|f| FoundCard {
                board: f.board,
                board_name: f.board_name,
                card: f.card,
            })
            .collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
        notes: found.notes,
    }))
}
