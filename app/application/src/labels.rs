//! Use cases of a board's labels: its admins make, change and remove them; anyone who sees
//! the board reads them. Putting labels on cards is a card edit (`crate::cards`).

use chrono::{DateTime, Utc};
use domain::LabelId;
use domain::access::{Action, Principal};
use domain::label::{Label, LabelSpec};

use crate::access::authorize_board;
use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// The board's labels, by name (viewers and up).
pub async fn labels(store: &dyn Store, caller: &Principal, board: &BoardRef) -> Result<Vec<Label>> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    Ok(store.board_layout(&BoardRef::Id(id)).await?.labels)
}

/// Makes a label on the board (`id` `None`) or changes label `id` (board admins).
pub async fn save_label(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    id: Option<LabelId>,
    spec: &LabelSpec,
    now: DateTime<Utc>,
) -> Result<Label> {
    let board = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    Ok(store
        .save_label(&BoardRef::Id(board), id, spec, now)
        .await?)
}

/// Removes label `id` from the board and from its cards (board admins).
pub async fn delete_label(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    id: LabelId,
    now: DateTime<Utc>,
) -> Result<()> {
    let board = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    Ok(store
        .delete_label(&BoardRef::Id(board), id, &caller.actor(), now)
        .await?)
}
