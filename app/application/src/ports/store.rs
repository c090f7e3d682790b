//! The storage port for boards, cards and incidents. The server provides one implementation
//! per database (SQLite, PostgreSQL); both pass the same conformance tests. Each method is
//! one transaction, and every method that changes a card also appends to the card event log
//! in that transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::board::ColumnSpec;
use domain::import::HistoryImport;
use domain::incident::{IncidentReport, IncidentSettings, Signal};
use domain::{
    Actor, Board, BoardSummary, Card, CardEvent, CardId, CardPatch, DomainError, MoveRequest,
    NewBoard, NewCard,
};

pub use domain::board::BoardRef;

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
    /// The database answers reads but refuses every write: its file is read-only or its disk
    /// is full. Unlike `Unavailable`, retrying does not help until an operator steps in.
    #[error("database refuses writes ({reason}): {detail}")]
    WritesRefused {
        /// Why.
        reason: WriteRefusal,
        /// What the database said, for the log.
        detail: String,
    },
    /// Anything else the database said; logged, never shown to users.
    #[error("database error: {0}")]
    Internal(String),
}

/// Why a database refuses writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteRefusal {
    /// The file, its directory or its file system is read-only.
    ReadOnly,
    /// The disk (or the file's size limit) is full.
    Full,
}

impl std::fmt::Display for WriteRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ReadOnly => "read-only",
            Self::Full => "full",
        })
    }
}

/// Something changed on a board: what live board views are told (server-sent events), and
/// what PostgreSQL's NOTIFY carries between instances.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BoardChange {
    /// The board; `None` means "every board" (a listener reconnected and may have missed
    /// changes: views should reload).
    pub board_id: Option<domain::BoardId>,
    /// The card, when one card changed.
    pub card_id: Option<CardId>,
    /// What happened (`card_moved`, `incident_opened`, `resync`, ...).
    pub what: String,
}

impl BoardChange {
    /// A change to one card.
    pub fn card(card: &Card, what: &str) -> Self {
        Self {
            board_id: Some(card.board_id),
            card_id: Some(card.id),
            what: what.to_owned(),
        }
    }

    /// A change to the board as a whole.
    pub fn board(board: domain::BoardId, what: &str) -> Self {
        Self {
            board_id: Some(board),
            card_id: None,
            what: what.to_owned(),
        }
    }

    /// Views of every board should reload.
    pub fn resync() -> Self {
        Self {
            board_id: None,
            card_id: None,
            what: "resync".to_owned(),
        }
    }
}

/// What one alert of a notification did.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertOutcome {
    /// A new incident card.
    Created(Card),
    /// The open incident with the alert's key, reported again.
    Refreshed(Card),
    /// The open incident, its alert resolved.
    Resolved(Card),
    /// A resolved alert with no open incident.
    Ignored,
}

/// What reporting an incident did.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentOutcome {
    /// The incident's card, as stored now.
    pub card: Card,
    /// A new card was made (else the open one with the same key was refreshed).
    pub created: bool,
}

/// Everything the application needs from a database (accounts and access in the
/// [`super::AccountStore`] supertrait, deployments in [`super::DeliveryStore`],
/// retrospectives in [`super::RetroStore`]).
#[async_trait]
pub trait Store: super::AccountStore + super::DeliveryStore + super::RetroStore {
    /// Changes committed by this instance or (PostgreSQL) any other, for live views.
    fn changes(&self) -> &crate::ChangeFeed;

    /// Checks that the database answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

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

    /// What the flow metrics need of every card of the board, in board order (position,
    /// then number): on a board of 20,000 cards, about half the time of reading the cards.
    async fn metric_cards(
        &self,
        board: domain::BoardId,
    ) -> Result<Vec<domain::metrics::MetricCard>, StoreError>;

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

    /// The board card `id` is on. A card never changes board, so a store may keep the
    /// answer (the SQL stores do: a move's permission check then reads nothing).
    async fn card_board(&self, id: CardId) -> Result<domain::BoardId, StoreError> {
        Ok(self.card(id).await?.board_id)
    }

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
    /// Shared (`Arc`) because a store may hand out the log it keeps in memory without a copy.
    async fn board_events(
        &self,
        board: domain::BoardId,
        until: DateTime<Utc>,
    ) -> Result<std::sync::Arc<Vec<CardEvent>>, StoreError>;

    /// The event logs of the board's cards that are in a `done` column and entered it at or
    /// after `since` (recently finished work), in log order.
    async fn finished_card_events(
        &self,
        board: domain::BoardId,
        since: DateTime<Utc>,
    ) -> Result<Vec<CardEvent>, StoreError>;

    /// Opens an incident, or refreshes the open one with the same `dedup_key` (occurrences up,
    /// last seen now, alert resolution cleared, an `incident_recurred` event). One transaction;
    /// a unique index on open dedup keys makes duplicates impossible even under races. A
    /// `caused_by` that names no deployment of the board is `Invalid` (field `caused_by`): a
    /// person or script named it on purpose.
    async fn report_incident(
        &self,
        board: &BoardRef,
        report: &IncidentReport,
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError>;

    /// Marks the alert side of the open incident with `dedup_key` resolved (an
    /// `alert_resolved` event) and, if the board says so, moves it to the resolve column.
    /// `NotFound` when no open incident has the key.
    async fn resolve_incident(
        &self,
        board: &BoardRef,
        dedup_key: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Applies a monitoring notification's alerts in one transaction: firing ones open or
    /// refresh incidents, resolved ones resolve them (or are ignored when nothing is open).
    /// A cause the labels name that matches no deployment is dropped, not refused:
    /// monitoring is never refused.
    async fn apply_alerts(
        &self,
        board: &BoardRef,
        signals: &[Signal],
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertOutcome>, StoreError>;

    /// How the board treats incidents (read without loading its cards).
    async fn incident_settings(
        &self,
        board: domain::BoardId,
    ) -> Result<IncidentSettings, StoreError>;

    /// Changes how the board treats incidents from monitoring.
    async fn set_incident_settings(
        &self,
        board: &BoardRef,
        settings: &IncidentSettings,
    ) -> Result<Board, StoreError>;

    /// Imports cards with their past column transitions, all or nothing. Returns how many
    /// cards were made. `now` bounds the times (see `HistoryImport::plan`); a card the plan
    /// refuses MUST give `StoreError::Invalid` and store nothing.
    async fn import_history(
        &self,
        board: &BoardRef,
        import: &HistoryImport,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
}
