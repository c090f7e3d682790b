//! Use cases of one card: make it, read it, change it, block it, move it, name its cause.
//!
//! Each checks the caller's right on the card's board first ([`crate::access`]); forcing a
//! refused placement (`override_reason`) needs the override right as well. The flow policies
//! themselves are checked by the domain inside the store's write transaction, so a limit
//! holds against racing requests.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal};
use domain::delivery::DeploymentId;
use domain::discard::{DiscardRequest, RestoreRequest};
use domain::people::AssigneeEdit;
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
    let reason = patch.override_reason.as_deref();
    require_override(store, caller, reason, card.board_id).await?;
    Ok(store
        .update_card(card.id, patch, &caller.actor(), now)
        .await?)
}

/// Adds `user` to the card's owners, or (`assign` false) takes them off. Forcing an
/// assignment past the person's WIP limit (`override_reason`) needs the override right.
pub async fn set_assignee(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    user: domain::UserId,
    assign: bool,
    override_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Card> {
    let board = authorize_card_board(store, caller, id, Action::EditCards).await?;
    require_override(store, caller, override_reason, board).await?;
    let edit = if assign {
        AssigneeEdit::Add(user)
    } else {
        AssigneeEdit::Remove(user)
    };
    Ok(store
        .edit_assignees(id, &edit, override_reason, &caller.actor(), now)
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

/// Puts label `label` on the card (`on`) or takes it off; the rest of its labels stay.
pub async fn set_label(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    label: domain::LabelId,
    on: bool,
    now: DateTime<Utc>,
) -> Result<Card> {
    let card = authorize_card(store, caller, id, Action::EditCards).await?;
    let mut labels: Vec<domain::LabelId> = card
        .labels
        .iter()
        .copied()
        .filter(|l| *l != label)
        .collect();
    if on {
        labels.push(label);
    }
    let patch = CardPatch {
        labels: Some(labels),
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

/// Discards a card (any member): it leaves the board with a reason, keeping its history.
pub async fn discard_card(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    request: &DiscardRequest,
    now: DateTime<Utc>,
) -> Result<Card> {
    authorize_card_board(store, caller, id, Action::EditCards).await?;
    Ok(store
        .discard_card(id, request, &caller.actor(), now)
        .await?)
}

/// Restores a discarded card to the cell it left (any member); forcing it past a flow
/// policy (`override_reason`) needs the override right, as a move does.
pub async fn restore_card(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    request: &RestoreRequest,
    now: DateTime<Utc>,
) -> Result<Card> {
    let board = authorize_card_board(store, caller, id, Action::EditCards).await?;
    require_override(store, caller, request.override_reason.as_deref(), board).await?;
    Ok(store
        .restore_card(id, request, &caller.actor(), now)
        .await?)
}

/// The board's discarded cards, most recently discarded first (viewers and up).
pub async fn discarded_cards(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
) -> Result<(domain::Board, Vec<Card>)> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let by_id = BoardRef::Id(id);
    let (layout, cards) = tokio::try_join!(store.board_layout(&by_id), store.discarded_cards(id),)?;
    Ok((layout, cards))
}

/// Deletes a card outright (board admins): its history, comments and owners go with it;
/// the board's log keeps its number and who deleted it. For content that must not stay
/// (personal data by mistake); work the team will not do is discarded instead.
pub async fn delete_card(
    store: &dyn Store,
    caller: &Principal,
    id: CardId,
    now: DateTime<Utc>,
) -> Result<domain::BoardEvent> {
    authorize_card_board(store, caller, id, Action::DeleteCards).await?;
    Ok(store.delete_card(id, &caller.actor(), now).await?)
}

/// The board's own log (cards deleted), newest first (viewers and up).
pub async fn board_log(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
) -> Result<Vec<domain::BoardEvent>> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    Ok(store.board_log(id).await?)
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
    /// For an incident: the deployments offered as its cause, its own service's first, each
    /// group latest first.
    pub causes: Vec<domain::delivery::Deployment>,
    /// How many of `causes`, from the start, are deployments of the incident's own service.
    pub own_service_causes: usize,
    /// The board's members who may own cards (members and admins), by name.
    pub members: Vec<domain::people::Person>,
    /// Everyone on the board who can be mentioned in a comment.
    pub mentionable: Vec<domain::comment::Mentionable>,
    /// The card's comments, oldest first (the first [`CARD_PAGE_COMMENTS`]).
    pub comments: Vec<domain::comment::Comment>,
}

/// How many comments a card's page shows; the API pages through any number.
pub const CARD_PAGE_COMMENTS: usize = 500;

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
    let (causes, own_service_causes) = if card.card_type == domain::CardType::Incident {
        possible_causes(store, board_id, &card).await?
    } else {
        (Vec::new(), 0)
    };
    let all = store.board_members(board_id).await?;
    let members = crate::boards::owners_among(&all);
    let mentionable = domain::comment::mentionable_among(&all);
    let (comments, _) = store.comments(card.id, 0, CARD_PAGE_COMMENTS).await?;
    Ok(CardView {
        mentionable,
        comments,
        board: layout,
        card,
        events,
        role,
        causes,
        own_service_causes,
        members,
    })
}

/// The deployments an incident may be blamed on: those to production in the 30 days before
/// it was opened (and the hour after: a deployment's report can arrive late), and the one
/// already named; the incident's own service's first (see [`own_service_first`]), with how
/// many those are.
async fn possible_causes(
    store: &dyn Store,
    board: domain::BoardId,
    incident: &Card,
) -> Result<(Vec<domain::delivery::Deployment>, usize)> {
    let since = incident.created_at - chrono::Duration::days(30);
    let until = incident.created_at + chrono::Duration::hours(1);
    let mut found = store.deployments(board, since, Some(until)).await?;
    found.retain(|d| {
        d.environment == domain::delivery::PRODUCTION || Some(d.id) == incident.caused_by
    });
    found.reverse();
    Ok(own_service_first(found, incident.service.as_deref()))
}

/// Orders `latest_first` (deployments, latest first) with those of `service` first, each
/// group still latest first, and keeps [`CAUSES_OFFERED`] of them; also says how many of the
/// kept ones are `service`'s.
///
/// A broken service is most often broken by its own last change, so that is what the person
/// on call should see at the top; the other services stay on offer after it because a change
/// upstream can break a service too. The cut comes after the ordering, so a busy neighbour
/// deploying fifty times cannot push the incident's own service off the list. Service names
/// match ignoring case and surrounding spaces: an alert's label and a deploy pipeline's
/// setting are typed by different people.
fn own_service_first(
    latest_first: Vec<domain::delivery::Deployment>,
    service: Option<&str>,
) -> (Vec<domain::delivery::Deployment>, usize) {
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    let (mut own, others): (Vec<_>, Vec<_>) = latest_first
        .into_iter()
        .partition(|d| service.is_some_and(|s| d.service.trim().eq_ignore_ascii_case(s)));
    let own_count = own.len().min(CAUSES_OFFERED);
    own.extend(others);
    own.truncate(CAUSES_OFFERED);
    (own, own_count)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::delivery::{Deployment, DeploymentId, DeploymentStatus};

    use super::{CAUSES_OFFERED, own_service_first};

    fn deployment(service: &str, minute: u32) -> Deployment {
        Deployment {
            id: DeploymentId::new(),
            service: service.to_owned(),
            environment: "production".to_owned(),
            version: format!("v{minute}"),
            deployed_at: Utc
                .with_ymd_and_hms(2026, 3, 2, 10, minute, 0)
                .single()
                .expect("a valid time"),
            status: DeploymentStatus::Success,
            commits: Vec::new(),
            cards: Vec::new(),
            caused_incidents: Vec::new(),
        }
    }

    /// The offered deployments as `service version`, and how many are the own service's.
    fn order(found: &[Deployment], service: Option<&str>) -> (Vec<String>, usize) {
        let (offered, own) = own_service_first(found.to_vec(), service);
        let names = offered
            .into_iter()
            .map(|d| format!("{} {}", d.service, d.version))
            .collect();
        (names, own)
    }

    #[test]
    fn the_incidents_own_service_comes_first_each_group_latest_first() {
        let found = [
            deployment("search", 40),
            deployment("checkout", 30),
            deployment("search", 20),
            deployment("Checkout ", 10),
        ];
        let (offered, own) = order(&found, Some(" checkout"));
        assert_eq!(
            offered,
            ["checkout v30", "Checkout  v10", "search v40", "search v20"]
        );
        assert_eq!(own, 2);
        // Without a service (or an unknown one) the order stays latest first.
        let latest_first = ["search v40", "checkout v30", "search v20", "Checkout  v10"];
        for service in [None, Some("  "), Some("billing")] {
            let (offered, own) = order(&found, service);
            assert_eq!(offered, latest_first, "{service:?}");
            assert_eq!(own, 0, "{service:?}");
        }
    }

    #[test]
    fn a_busy_neighbour_cannot_push_the_own_service_off_the_list() {
        let mut found: Vec<Deployment> = (0..59).rev().map(|m| deployment("search", m)).collect();
        found.push(deployment("checkout", 0));
        let (offered, own) = order(&found, Some("checkout"));
        assert_eq!((offered.len(), own), (CAUSES_OFFERED, 1));
        assert_eq!(offered[0], "checkout v0");
        assert_eq!(offered[1], "search v58");
    }
}
