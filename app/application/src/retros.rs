//! Use cases of a retrospective's own content: its notes and action items, and the tech-debt
//! card an action item becomes. (What a retrospective shows is `crate::reports`.)

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal};
use domain::metrics::Window;
use domain::{ActionItemId, Card};

use crate::access::authorize_board;
use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// Saves the notes of `board`'s retrospective for `period` (members and admins).
pub async fn save_notes(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    period: Window,
    notes: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = authorize_board(store, caller, board, Action::EditCards).await?;
    store
        .save_retro_notes(id, period, notes, &caller.actor(), now)
        .await?;
    Ok(())
}

/// Adds an action item to `board`'s retrospective for `period` (members and admins).
pub async fn add_action(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    period: Window,
    text: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = authorize_board(store, caller, board, Action::EditCards).await?;
    store
        .add_retro_action(id, period, text, &caller.actor(), now)
        .await?;
    Ok(())
}

/// Makes an action item's tech-debt card, once (members and admins).
pub async fn action_to_card(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    action: ActionItemId,
    now: DateTime<Utc>,
) -> Result<Card> {
    let id = authorize_board(store, caller, board, Action::EditCards).await?;
    Ok(store
        .action_to_card(id, action, &caller.actor(), now)
        .await?)
}
