//! Storage of retrospectives: notes and action items per board and period. A supertrait of
//! [`super::Store`], like [`super::AccountStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::metrics::Window;
use domain::retro::{ActionItem, Retrospective};
use domain::{ActionItemId, Actor, BoardId, Card};

use super::StoreError;

/// Retrospectives and their action items.
#[async_trait]
pub trait RetroStore: Send + Sync + 'static {
    /// The board's retrospective for `period`; an empty one when nobody wrote in it yet.
    async fn retrospective(
        &self,
        board: BoardId,
        period: Window,
    ) -> Result<Retrospective, StoreError>;

    /// Replaces the notes (already checked with `domain::retro::check_notes`).
    async fn save_retro_notes(
        &self,
        board: BoardId,
        period: Window,
        notes: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Retrospective, StoreError>;

    /// Adds an action item (text already checked with `domain::retro::check_action`).
    async fn add_retro_action(
        &self,
        board: BoardId,
        period: Window,
        text: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ActionItem, StoreError>;

    /// Makes the action item's tech-debt card and links it, in one transaction. An item that
    /// already has its card is a conflict (a double click makes one card, not two).
    async fn action_to_card(
        &self,
        board: BoardId,
        action: ActionItemId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError>;
}
