//! The storage port for the card event log: what the flow metrics read, and past history
//! imported into it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::import::HistoryImport;
use domain::{Actor, CardEvent, CardId};

use super::{BoardRef, StoreError};

/// The event log and the card facts the flow metrics read.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// What the flow metrics need of every card of the board, in board order (position,
    /// then number): on a board of 20,000 cards, about half the time of reading the cards.
    async fn metric_cards(
        &self,
        board: domain::BoardId,
    ) -> Result<Vec<domain::metrics::MetricCard>, StoreError>;

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
