//! The storage port for cards: made, read, edited and moved; every change appends to the
//! card's event log in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::discard::{DiscardRequest, RestoreRequest};
use domain::{Actor, Card, CardId, CardPatch, MoveRequest, NewCard};

use super::{BoardRef, StoreError};

/// Cards and their moves.
#[async_trait]
pub trait CardStore: Send + Sync + 'static {
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

    /// Changes a card's fields and records `edited`, `blocked` or `unblocked` events; a patch
    /// with `assignees` changes the owners as [`Self::edit_assignees`] does, in the same
    /// transaction.
    async fn update_card(
        &self,
        id: CardId,
        patch: &CardPatch,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Changes a card's owners and records an `assigned` or `unassigned` event per person.
    /// Someone who may not own the card (unknown, disabled, not a member or a viewer of its
    /// board) MUST give `StoreError::Invalid` naming `assignees`, with nothing stored; an
    /// owner taken past the per-person WIP limit MUST give `StoreError::Policy` unless
    /// `override_reason` is given, and then the override is recorded.
    async fn edit_assignees(
        &self,
        id: CardId,
        edit: &domain::people::AssigneeEdit,
        override_reason: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// The cards of `board` that `user` owns now, open or finished (what metrics sliced by
    /// assignee cover).
    async fn assigned_cards(
        &self,
        board: domain::BoardId,
        user: domain::UserId,
    ) -> Result<Vec<CardId>, StoreError>;

    /// How many open cards (not in a `done` column) `user` owns, per board they own any on.
    async fn open_assigned_counts(
        &self,
        user: domain::UserId,
    ) -> Result<Vec<(domain::BoardId, i64)>, StoreError>;

    /// Moves a card to another column, lane or position and records a `moved` event. A
    /// discarded card MUST give `StoreError::Conflict`: it is restored first.
    async fn move_card(
        &self,
        id: CardId,
        request: &MoveRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Takes card `id` off its board, keeping its cell for a restore, and records a
    /// `discarded` event. A reason the domain refuses MUST give `StoreError::Invalid` naming
    /// `reason`, a card discarded already `StoreError::Conflict`, with nothing stored.
    async fn discard_card(
        &self,
        id: CardId,
        request: &DiscardRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// Brings discarded card `id` back to the end of the cell it left and records a
    /// `restored` event. The flow policies apply as to a card entering the cell:
    /// `StoreError::Policy` unless the request carries an override reason, which is then
    /// recorded. A card not discarded MUST give `StoreError::Conflict`.
    async fn restore_card(
        &self,
        id: CardId,
        request: &RestoreRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;

    /// The discarded cards of `board`, most recently discarded first.
    async fn discarded_cards(&self, board: domain::BoardId) -> Result<Vec<Card>, StoreError>;

    /// The ids of the discarded cards of `board`: what a report leaves out, without reading
    /// the cards.
    async fn discarded_card_ids(&self, board: domain::BoardId) -> Result<Vec<CardId>, StoreError>;

    /// Deletes card `id` with everything that hangs on it (its log, comments, owners,
    /// notices) and records `card_deleted` with its number in its board's log, in one
    /// transaction.
    async fn delete_card(
        &self,
        id: CardId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<domain::BoardEvent, StoreError>;

    /// The board's own log (cards deleted), newest first.
    async fn board_log(
        &self,
        board: domain::BoardId,
    ) -> Result<Vec<domain::BoardEvent>, StoreError>;
}
