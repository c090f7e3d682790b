//! The REST API's caller: a Bearer token or, for browsers, the session's user. Handlers take
//! [`Caller`] as an extractor (401 when there is none) and ask it for each action (403).

use app::ssr::Store;
use app::ssr::auth::{RequestAuth, require};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::access::{Action, Principal};
use domain::board::BoardRef;
use domain::{BoardId, Card, CardId};

use super::ApiError;

/// Who is calling the API.
#[derive(Clone, Debug)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let auth = parts
            .extensions
            .get::<RequestAuth>()
            .cloned()
            .unwrap_or_default();
        match auth.principal {
            Some(p) => Ok(Caller(p)),
            None => Err(ApiError::Unauthorized(auth.token_problem.unwrap_or_else(
                || "send `Authorization: Bearer <token>` with an API token (or sign in)".into(),
            ))),
        }
    }
}

impl Caller {
    /// Refuses with 403 unless the caller may do `action` (on `board`).
    pub async fn may(
        &self,
        store: &dyn Store,
        action: Action,
        board: Option<BoardId>,
    ) -> Result<(), ApiError> {
        Ok(require(store, &self.0, action, board).await?)
    }

    /// The board's id once the caller may do `action` on it (404 if there is no such board).
    pub async fn on_board(
        &self,
        store: &dyn Store,
        board: &str,
        action: Action,
    ) -> Result<BoardId, ApiError> {
        let id = store.board_id(&BoardRef::parse(board)).await?;
        self.may(store, action, Some(id)).await?;
        Ok(id)
    }

    /// The card's board once the caller may do `action` on it; reads no card where the
    /// store keeps cards' boards (see `Store::card_board`).
    pub async fn on_card_board(
        &self,
        store: &dyn Store,
        card: CardId,
        action: Action,
    ) -> Result<BoardId, ApiError> {
        let board = store.card_board(card).await?;
        self.may(store, action, Some(board)).await?;
        Ok(board)
    }

    /// The card once the caller may do `action` on its board.
    pub async fn on_card(
        &self,
        store: &dyn Store,
        card: CardId,
        action: Action,
    ) -> Result<Card, ApiError> {
        let card = store.card(card).await?;
        self.may(store, action, Some(card.board_id)).await?;
        Ok(card)
    }

    /// The actor recorded on what this caller changes.
    pub fn actor(&self) -> domain::Actor {
        self.0.actor()
    }
}
