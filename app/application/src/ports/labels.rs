//! The storage port for labels: a board's own, and the cards carrying one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::label::{Label, LabelSpec};
use domain::{Actor, BoardId, CardId, LabelId};

use super::{BoardRef, StoreError};

/// A board's labels.
#[async_trait]
pub trait LabelStore: Send + Sync + 'static {
    /// Makes a label on `board` (`id` `None`) or changes label `id` of it, under the board's
    /// write lock: a name another label of the board has (in any case) MUST give
    /// `StoreError::Invalid` naming `name`, an unknown `id` `StoreError::NotFound`.
    async fn save_label(
        &self,
        board: &BoardRef,
        id: Option<LabelId>,
        spec: &LabelSpec,
        now: DateTime<Utc>,
    ) -> Result<Label, StoreError>;

    /// Removes label `id` from `board` and from every card carrying it, each of which
    /// records an `unlabelled` event.
    async fn delete_label(
        &self,
        board: &BoardRef,
        id: LabelId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The cards of `board` carrying label `label` now, open or finished (what metrics
    /// narrowed by label cover).
    async fn labelled_cards(
        &self,
        board: BoardId,
        label: LabelId,
    ) -> Result<Vec<CardId>, StoreError>;
}
