//! The storage's performance machinery, in one place behind one switch: copies of what
//! requests read again and again and that hardly ever change. Each copy says in its module
//! why it pays for itself and why it is never used stale.
//!
//! The storage code asks the [`Accelerator`] first and reads the database when it has no
//! answer. Switched off (`Accelerator::off`), it never has one and keeps nothing, so every
//! read goes to the database: the storage conformance suite runs each case both ways, on
//! both databases, to prove the fast path answers what the plain one does. Time comes from an
//! injectable [`Clock`], so tests of the expiry never sleep.

mod card_boards;
mod layouts;
pub(crate) mod logs;
pub(crate) mod recent;

use std::sync::Arc;
use std::time::Instant;

use domain::access::ApiToken;
use domain::incident::IncidentSettings;
use domain::{Board, BoardId, CardEvent, CardId};

use self::card_boards::CardBoards;
use self::layouts::LayoutCache;
use self::logs::LogCache;
use self::recent::{Recent, Ticket};

/// Where the copies take the time from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, on a clock that never goes back.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Whether the store keeps copies, and on what clock.
#[derive(Clone, Debug)]
pub struct AccelSettings {
    /// Copies kept and used (`true`, the default) or every read from the database.
    pub on: bool,
    /// The clock copies age by.
    pub clock: Arc<dyn Clock>,
}

impl Default for AccelSettings {
    fn default() -> Self {
        Self {
            on: true,
            clock: Arc::new(SystemClock),
        }
    }
}

impl AccelSettings {
    /// No copies: every read goes to the database.
    pub fn off() -> Self {
        Self {
            on: false,
            ..Self::default()
        }
    }
}

/// The copies one store keeps (shared by its clones).
#[derive(Debug)]
pub(crate) struct Accelerator {
    on: bool,
    clock: Arc<dyn Clock>,
    /// Boards' layouts as last read by a move (see [`layouts`]).
    layouts: LayoutCache,
    /// Boards' event logs as last read (see [`logs`]).
    logs: LogCache,
    /// API tokens by secret hash, as recently read (see [`recent`]).
    tokens: Recent<String, ApiToken>,
    /// Which board each card is on (see [`card_boards`]).
    card_boards: CardBoards,
    /// Boards' incident settings, as recently read (see [`recent`]).
    incident_settings: Recent<BoardId, IncidentSettings>,
}

impl Accelerator {
    /// An accelerator as `settings` say.
    pub(crate) fn new(settings: &AccelSettings) -> Self {
        Self {
            on: settings.on,
            clock: Arc::clone(&settings.clock),
            layouts: LayoutCache::default(),
            logs: LogCache::default(),
            tokens: Recent::default(),
            card_boards: CardBoards::default(),
            incident_settings: Recent::default(),
        }
    }

    /// The board's layout if it was kept at `version`.
    pub(crate) fn layout(&self, board: BoardId, version: i64) -> Option<Arc<Board>> {
        self.on.then(|| self.layouts.get(board, version)).flatten()
    }

    /// Keeps `layout` (a board without cards) as read at `version`.
    pub(crate) fn keep_layout(&self, version: i64, layout: Arc<Board>) {
        if self.on {
            self.layouts.put(version, layout);
        }
    }

    /// The board a card is on, if kept.
    pub(crate) fn card_board(&self, card: CardId) -> Option<BoardId> {
        self.on.then(|| self.card_boards.get(card)).flatten()
    }

    /// Keeps which board a card is on.
    pub(crate) fn keep_card_board(&self, card: CardId, board: BoardId) {
        if self.on {
            self.card_boards.put(card, board);
        }
    }

    /// The token with this secret hash, if a recent copy is kept.
    pub(crate) fn token(&self, secret_hash: &str) -> Option<ApiToken> {
        let now = self.clock.now();
        self.on.then(|| self.tokens.get(secret_hash, now)).flatten()
    }

    /// A ticket for a token read about to begin (see [`Recent::ticket`]).
    pub(crate) fn token_ticket(&self) -> Ticket {
        self.tokens.ticket(self.clock.now())
    }

    /// Keeps a token read with `ticket`.
    pub(crate) fn keep_token(&self, ticket: Ticket, secret_hash: &str, token: &ApiToken) {
        if self.on {
            let now = self.clock.now();
            self.tokens
                .put(ticket, secret_hash.to_owned(), token.clone(), now);
        }
    }

    /// Shows a token's use in the kept copies (or each request would record it again).
    pub(crate) fn token_used(&self, id: domain::TokenId, at: chrono::DateTime<chrono::Utc>) {
        self.tokens.update(|token| {
            if token.id == id && token.last_used_at.is_none_or(|last| last < at) {
                token.last_used_at = Some(at);
            }
        });
    }

    /// Drops every token copy (one was revoked).
    pub(crate) fn forget_tokens(&self) {
        self.tokens.clear();
    }

    /// The board's incident settings, if a recent copy is kept.
    pub(crate) fn incident_settings(&self, board: BoardId) -> Option<IncidentSettings> {
        let now = self.clock.now();
        self.on
            .then(|| self.incident_settings.get(&board, now))
            .flatten()
    }

    /// A ticket for an incident settings read about to begin.
    pub(crate) fn incident_settings_ticket(&self) -> Ticket {
        self.incident_settings.ticket(self.clock.now())
    }

    /// Keeps incident settings read with `ticket`.
    pub(crate) fn keep_incident_settings(
        &self,
        ticket: Ticket,
        board: BoardId,
        settings: &IncidentSettings,
    ) {
        if self.on {
            let now = self.clock.now();
            self.incident_settings
                .put(ticket, board, settings.clone(), now);
        }
    }

    /// Drops the copy of one board's incident settings (`None`: every board's, after changes
    /// may have been missed).
    pub(crate) fn forget_incident_settings(&self, board: Option<BoardId>) {
        match board {
            Some(board) => self.incident_settings.forget(&board),
            None => self.incident_settings.clear(),
        }
    }

    /// The board's event log slot, when logs are kept.
    pub(crate) fn log_slot(&self, board: BoardId) -> Option<Arc<tokio::sync::Mutex<logs::Slot>>> {
        self.on.then(|| self.logs.slot(board))
    }

    /// Keeps the log cache within its budget.
    pub(crate) fn trim_logs(&self) {
        self.logs.trim();
    }

    /// A log read whole, for when logs are not kept.
    pub(crate) fn uncached(
        events: Vec<CardEvent>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Arc<Vec<CardEvent>> {
        Arc::new(events.into_iter().filter(|e| e.at < until).collect())
    }
}
