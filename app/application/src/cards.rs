//! Use cases of one card: make it, read it, change it, block it, move it, name its cause.
//!
//! Each checks the caller's right on the card's board first ([`crate::access`]); forcing a
//! refused placement (`override_reason`) needs the override right as well. The flow policies
//! themselves are checked by the domain inside the store's write transaction, so a limit
//! holds against racing requests.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal};
use domain::delivery::DeploymentId;
use domain::{Card, CardEvent, CardId, CardPatch, MoveRequest, NewCard};

use crate::access::{authorize_board, authorize_card, authorize_card_board, require_override};
use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// Makes a card on `board`: the first column and the lane its type calls for unless `new`
/// names them.
pub async fn create_card(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    new: &NewCard,
    now: DateTime<Utc>,
) -> Result<Card> {
    let board = authorize_board(store, caller, board, Action::EditCards).await?;
    require_override(store, caller, new.override_reason.as_deref(), board).await?;
    Ok(store
        .create_card(&BoardRef::Id(board), new, &caller.actor(), now)
        .await?)
}

/// One card, for anyone who may see its board.
pub async fn card(store: &dyn Store, caller: &Principal, id: CardId) -> Result<Card> {
    authorize_card(store, caller, id, Action::ViewBoard).await
}

/// A card's event log, oldest first.
pub async fn card_events(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
) -> Result<Vec<CardEvent>> {
    let card = authorize_card(store, caller, id, Action::ViewBoard).await?;
    Ok(store.card_events(card.id).await?)
}

/// Changes a card's fields (blocking and unblocking included); fields left out stay.
pub async fn update_card(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    patch: &CardPatch,
    now: DateTime<Utc>,
) -> Result<Card> {
    let card = authorize_card(store, caller, id, Action::EditCards).await?;
    Ok(store
        .update_card(card.id, patch, &caller.actor(), now)
        .await?)
}

/// Blocks a card with `reason`, or unblocks it when there is none.
pub async fn set_blocked(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Card> {
    let patch = CardPatch {
        blocked: Some(reason.is_some()),
        blocked_reason: reason,
        ..CardPatch::default()
    };
    update_card(store, caller, id, &patch, now).await
}

/// Moves a card to another column, lane or place in its cell.
pub async fn move_card(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    request: &MoveRequest,
    now: DateTime<Utc>,
) -> Result<Card> {
    let board = authorize_card_board(store, caller, id, Action::EditCards).await?;
    require_override(store, caller, request.override_reason.as_deref(), board).await?;
    Ok(store.move_card(id, request, &caller.actor(), now).await?)
}

/// Names the deployment that caused an incident, or clears it (`None`).
pub async fn set_cause(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    deployment: Option<DeploymentId>,
    now: DateTime<Utc>,
) -> Result<Card> {
    let card = authorize_card(store, caller, id, Action::EditCards).await?;
    Ok(store
        .set_caused_by(card.id, deployment, &caller.actor(), now)
        .await?)
}

/// What a card's page shows: the card, its history, the board's layout (no cards: a card's
/// page costs the same on a board of 50,000 cards as on one of 500), the caller's role, and
/// for an incident the deployments it may be blamed on.
#[derive(Clone, Debug)]
pub struct CardView {
    /// The board without its cards.
    pub board: domain::Board,
    /// The card.
    pub card: Card,
    /// Its event log, oldest first.
    pub events: Vec<CardEvent>,
    /// What the caller may do on the board.
    pub role: domain::access::Role,
    /// For an incident: the deployments offered as its cause, latest first.
    pub causes: Vec<domain::delivery::Deployment>,
}

/// How many deployments an incident's page offers as its cause.
const CAUSES_OFFERED: usize = 50;

/// The page of card `number` on `board` (viewers and up).
pub async fn card_view(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    number: i64,
) -> Result<CardView> {
    let (board_id, role) = crate::boards::viewer_role(store, caller, board).await?;
    let layout = store.board_layout(&BoardRef::Id(board_id)).await?;
    let card = store
        .card_by_number(&BoardRef::Id(board_id), number)
        .await?;
    let events = store.card_events(card.id).await?;
    let causes = if card.card_type == domain::CardType::Incident {
        possible_causes(store, board_id, &card).await?
    } else {
        Vec::new()
    };
    Ok(CardView {
        board: layout,
        card,
        events,
        role,
        causes,
    })
}

/// The deployments an incident may be blamed on, latest first: those to production in the
/// 30 days before it was opened (and the hour after: a deployment's report can arrive late),
/// and the one already named.
async fn possible_causes(
    store: &dyn Store,
    board: domain::BoardId,
    incident: &Card,
) -> Result<Vec<domain::delivery::Deployment>> {
    let since = incident.created_at - chrono::Duration::days(30);
    let until = incident.created_at + chrono::Duration::hours(1);
    let mut found = store.deployments(board, since, Some(until)).await?;
    found.retain(|d| {
        d.environment == domain::delivery::PRODUCTION || Some(d.id) == incident.caused_by
    });
    Ok(found.into_iter().rev().take(CAUSES_OFFERED).collect())
}
