//! The storage port for boards: their layouts and flow policies.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::board::ColumnSpec;
use domain::{Board, BoardSummary, NewBoard};

use super::{BoardRef, StoreError};

/// Boards, their columns, lanes and policies.
#[async_trait]
pub trait BoardStore: Send + Sync + 'static {
    /// All boards, by name.
    async fn list_boards(&self) -> Result<Vec<BoardSummary>, StoreError>;

    /// Makes a board with the default columns and lanes; `owner` becomes its admin.
    async fn create_board(
        &self,
        new: &NewBoard,
        owner: Option<domain::UserId>,
        now: DateTime<Utc>,
    ) -> Result<Board, StoreError>;

    /// The id of a board named by slug or id (cheap: no columns or cards).
    async fn board_id(&self, board: &BoardRef) -> Result<domain::BoardId, StoreError>;

    /// One board with its columns, lanes and cards.
    async fn board(&self, board: &BoardRef) -> Result<Board, StoreError>;

    /// One board with its columns and lanes; its `cards` stay empty.
    async fn board_layout(&self, board: &BoardRef) -> Result<Board, StoreError>;

    /// What a search reads of each card of the board (`domain::search::SearchCard`), in no
    /// particular order: a fraction of the time of reading the cards whole.
    async fn search_cards(
        &self,
        board: domain::BoardId,
    ) -> Result<Vec<domain::search::SearchCard>, StoreError>;

    /// Changes the board's flow policies.
    async fn set_policy(
        &self,
        board: &BoardRef,
        policy: &domain::policy::BoardPolicy,
    ) -> Result<Board, StoreError>;

    /// Replaces the board's column layout (add, rename, reorder, set kind and WIP limit,
    /// remove empty columns) in one step.
    async fn set_columns(
        &self,
        board: &BoardRef,
        columns: &[ColumnSpec],
    ) -> Result<Board, StoreError>;
}
