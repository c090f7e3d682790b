//! The whole storage port, [`Store`], and what every area shares: the error type and the
//! change announced to live views. The server provides one implementation per database
//! (SQLite, PostgreSQL); both pass the same conformance tests. Each method is one
//! transaction, and every method that changes a card also appends to the card event log in
//! that transaction.

use async_trait::async_trait;
use domain::{Card, CardId, DomainError};

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
    /// The card's `updated_at` after the change, when one card changed: a browser that made
    /// the change itself knows it from its own answer and need not read the card again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For `notified`: whose inbox has a new entry (their header's count changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<domain::UserId>,
}

impl BoardChange {
    /// A change to one card.
    pub fn card(card: &Card, what: &str) -> Self {
        Self {
            board_id: Some(card.board_id),
            card_id: Some(card.id),
            what: what.to_owned(),
            updated_at: Some(card.updated_at),
            user_id: None,
        }
    }

    /// A change to the board as a whole.
    pub fn board(board: domain::BoardId, what: &str) -> Self {
        Self {
            board_id: Some(board),
            card_id: None,
            what: what.to_owned(),
            updated_at: None,
            user_id: None,
        }
    }

    /// `user` has a new inbox entry about `card` on `board`.
    pub fn notified(board: domain::BoardId, card: CardId, user: domain::UserId) -> Self {
        Self {
            board_id: Some(board),
            card_id: Some(card),
            what: "notified".to_owned(),
            updated_at: None,
            user_id: Some(user),
        }
    }

    /// `user` read entries of their inbox (their header's count falls).
    pub fn inbox_read(user: domain::UserId) -> Self {
        Self {
            board_id: None,
            card_id: None,
            what: "inbox_read".to_owned(),
            updated_at: None,
            user_id: Some(user),
        }
    }

    /// Whether every view should reload (changes may have been missed): no board and no
    /// person named.
    pub fn is_resync(&self) -> bool {
        self.board_id.is_none() && self.user_id.is_none()
    }

    /// Views of every board should reload.
    pub fn resync() -> Self {
        Self {
            board_id: None,
            card_id: None,
            what: "resync".to_owned(),
            updated_at: None,
            user_id: None,
        }
    }
}

/// Everything the application needs from a database, area by area (each supertrait in its
/// own module).
#[async_trait]
pub trait Store:
    super::BoardStore
    + super::CardStore
    + super::CommentStore
    + super::InboxStore
    + super::EventStore
    + super::IncidentStore
    + super::AccountStore
    + super::DeliveryStore
    + super::RetroStore
    + super::LabelStore
{
    /// Changes committed by this instance or (PostgreSQL) any other, for live views.
    fn changes(&self) -> &crate::ChangeFeed;

    /// Checks that the database answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
}
