//! Use cases of boards: list the ones a caller sees, make one, read one, and configure its
//! columns, flow policies and incident handling.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal, Role};
use domain::board::ColumnSpec;
use domain::incident::IncidentSettings;
use domain::policy::BoardPolicy;
use domain::{Board, BoardId, BoardSummary, NewBoard};

use crate::access::{authorize_board, effective_role, require, visible_boards};
use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// The boards `caller` may see, by name.
pub async fn list_boards(store: &dyn Store, caller: &Principal) -> Result<Vec<BoardSummary>> {
    Ok(visible_boards(store, caller).await?)
}

/// Makes a board with the default columns and lanes; a signed-in maker becomes its admin.
pub async fn create_board(
    store: &dyn Store,
    caller: &Principal,
    new: &NewBoard,
    now: DateTime<Utc>,
) -> Result<Board> {
    require(store, caller, Action::CreateBoard, None).await?;
    Ok(store.create_board(new, caller.user_id(), now).await?)
}

/// One board with its columns, lanes and cards.
pub async fn board(store: &dyn Store, caller: &Principal, board: &BoardRef) -> Result<Board> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    Ok(store.board(&BoardRef::Id(id)).await?)
}

/// The board's id and the role `caller` acts with on it, once they may see it: what a page
/// of the board needs before it reads anything else.
pub async fn viewer_role(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
) -> Result<(BoardId, Role)> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let role = effective_role(store, caller, id).await?;
    Ok((id, role))
}

/// Replaces the board's column layout in one step (removing a column that holds cards is
/// refused).
pub async fn set_columns(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    columns: &[ColumnSpec],
) -> Result<Board> {
    let id = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    Ok(store.set_columns(&BoardRef::Id(id), columns).await?)
}

/// Sets the board's flow policies.
pub async fn set_policy(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    policy: &BoardPolicy,
) -> Result<Board> {
    let id = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    Ok(store.set_policy(&BoardRef::Id(id), policy).await?)
}

/// Sets how the board treats incidents from monitoring.
pub async fn set_incident_settings(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    settings: &IncidentSettings,
) -> Result<Board> {
    let id = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    Ok(store
        .set_incident_settings(&BoardRef::Id(id), settings)
        .await?)
}
