//! The storage interface. The server provides one implementation per database (SQLite,
//! PostgreSQL); both pass the same conformance tests. Each method is one transaction, and
//! every method that changes a card also appends to the card event log in that transaction.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::board::ColumnSpec;
use domain::import::HistoryImport;
use domain::{
    Actor, Board, BoardSummary, Card, CardEvent, CardId, CardPatch, DomainError, MoveRequest,
    NewBoard, NewCard,
};

pub use domain::board::BoardRef;

use crate::error::AppError;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist; the string names it (`board "ops"`).
    #[error("{0} not found")]
    NotFound(String),
    /// The request breaks a rule of the domain.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// A flow policy refuses the placement and no override reason was given.
    #[error("refused by flow policy: {}", .0.first().map(|v| v.message()).unwrap_or_default())]
    Policy(Vec<domain::policy::Violation>),
    /// The request clashes with stored data (a unique name taken, for example).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else the database said; logged, never shown to users.
    #[error("database error: {0}")]
    Internal(String),
}

/// Everything the application needs from a database.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// All boards, by name.
    async fn list_boards(&self) -> Result<Vec<BoardSummary>, StoreError>;

    /// Makes a board with the default columns and lanes.
    async fn create_board(&self, new: &NewBoard, now: DateTime<Utc>) -> Result<Board, StoreError>;

    /// One board with its columns, lanes and cards.
    async fn board(&self, board: &BoardRef) -> Result<Board, StoreError>;

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

    /// Makes a card and records its `created` event.
    async fn create_card(
        &self,
        board: &BoardRef,
        card: &NewCard,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// One card by id.
    async fn card(&self, id: CardId) -> Result<Card, StoreError>;

    /// One card by its number on a board (`#42`).
    async fn card_by_number(&self, board: &BoardRef, number: i64) -> Result<Card, StoreError>;

    /// Changes a card's fields and records `edited`, `blocked` or `unblocked` events.
    async fn update_card(
        &self,
        id: CardId,
        patch: &CardPatch,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Moves a card to another column, lane or position and records a `moved` event.
    async fn move_card(
        &self,
        id: CardId,
        request: &MoveRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// A card's event log, oldest first.
    async fn card_events(&self, id: CardId) -> Result<Vec<CardEvent>, StoreError>;

    /// Every event of the board before `until`, in log order: the input of the flow metrics.
    async fn board_events(
        &self,
        board: domain::BoardId,
        until: DateTime<Utc>,
    ) -> Result<Vec<CardEvent>, StoreError>;

    /// The event logs of the board's cards that are in a `done` column and entered it at or
    /// after `since` (recently finished work), in log order.
    async fn finished_card_events(
        &self,
        board: domain::BoardId,
        since: DateTime<Utc>,
    ) -> Result<Vec<CardEvent>, StoreError>;

    /// Imports cards with their past column transitions, all or nothing. Returns how many
    /// cards were made.
    async fn import_history(
        &self,
        board: &BoardRef,
        import: &HistoryImport,
        actor: &Actor,
    ) -> Result<usize, StoreError>;
}

/// The store the server put into the request context.
pub fn shared_store() -> Result<Arc<dyn Store>, AppError> {
    leptos::prelude::use_context::<Arc<dyn Store>>().ok_or_else(|| {
        tracing::error!("no store in the request context");
        AppError::Internal
    })
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => AppError::NotFound(format!("No such {what}.")),
            StoreError::Invalid(e) => AppError::Invalid {
                field: e.field().to_owned(),
                message: match &e {
                    DomainError::Invalid { message, .. }
                    | DomainError::Reference { message, .. } => message.clone(),
                },
            },
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::Policy(violations) => AppError::Policy {
                message: violations
                    .iter()
                    .map(|v| v.message())
                    .collect::<Vec<_>>()
                    .join(" "),
                rules: violations
                    .iter()
                    .map(|v| v.rule.as_str().to_owned())
                    .collect(),
            },
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                AppError::Unavailable
            }
            StoreError::Internal(detail) => {
                tracing::error!(%detail, "storage failed");
                AppError::Internal
            }
        }
    }
}
