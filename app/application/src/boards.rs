//! Use cases of boards: list the ones a caller sees, make one, read one, and configure its
//! columns, flow policies and incident handling.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal, Role};
use domain::board::ColumnSpec;
use domain::incident::IncidentSettings;
use domain::policy::BoardPolicy;
use domain::{Board, BoardId, BoardSummary, NewBoard};

use crate::access::{authorize_board, effective_role, require, visible_boards};
use crate::error::{Error, Result};
use crate::ports::{BoardRef, Store};

/// The boards `caller` may see, by name; for a signed-in person, with how many open cards
/// they own on each.
pub async fn list_boards(store: &dyn Store, caller: &Principal) -> Result<Vec<BoardSummary>> {
    let mut boards = visible_boards(store, caller).await?;
    if let Some(user) = caller.user_id() {
        let counts = store.open_assigned_counts(user).await?;
        for board in &mut boards {
            let mine = counts.iter().find(|(b, _)| *b == board.id).map(|(_, n)| *n);
            board.assigned_to_me = Some(mine.unwrap_or(0));
        }
    }
    Ok(boards)
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

/// Applies one edit to the board's column layout (add, rename, move, remove a column, set a
/// kind or a limit) and saves the result, the caller authorized once; the store checks the
/// whole layout again (names, limits, no column removed with cards).
pub async fn change_columns<E: From<Error>>(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    edit: impl FnOnce(&mut Vec<ColumnSpec>) -> std::result::Result<(), E>,
) -> std::result::Result<Board, E> {
    let id = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    let board = BoardRef::Id(id);
    // The layout only: a settings change has no use for the board's cards.
    let layout = store.board_layout(&board).await.map_err(Error::from)?;
    let mut specs = domain::board::column_specs(&layout);
    edit(&mut specs)?;
    Ok(store
        .set_columns(&board, &specs)
        .await
        .map_err(Error::from)?)
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

/// The board's members who may own its cards (members and admins, not viewers), by name.
pub async fn owners_to_be(
    store: &dyn Store,
    board: BoardId,
) -> Result<Vec<domain::people::Person>, crate::ports::StoreError> {
    Ok(owners_among(&store.board_members(board).await?))
}

/// Those of `members` who may own cards (members and admins, not viewers or disabled
/// accounts).
pub fn owners_among(members: &[domain::access::Member]) -> Vec<domain::people::Person> {
    members
        .iter()
        .filter(|m| m.role >= Role::Member && !m.user.disabled)
        .map(|m| domain::people::Person {
            id: m.user.id,
            name: m.user.name.clone(),
        })
        .collect()
}

/// Sets which new incidents the board's members are told of, keeping the rest of its
/// incident settings.
pub async fn set_incident_notices(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    notify: domain::inbox::IncidentNotices,
) -> Result<Board> {
    let id = authorize_board(store, caller, board, Action::ConfigureBoard).await?;
    let board = BoardRef::Id(id);
    let mut settings = store.board_layout(&board).await?.incidents;
    settings.notify = notify;
    Ok(store.set_incident_settings(&board, &settings).await?)
}

/// A live view's subscription to one board's changes.
#[derive(Debug)]
pub struct BoardWatch {
    /// The board watched.
    pub board: BoardId,
    /// Every change committed from now on (all boards': see [`BoardWatch::concerns`]).
    pub changes: tokio::sync::broadcast::Receiver<crate::ports::BoardChange>,
    /// Nothing changed on the board after this time: a view read earlier should reload.
    pub changed_at: DateTime<Utc>,
}

impl BoardWatch {
    /// Whether `change` is for this board's view (its own, or a resync of every board).
    pub fn concerns(&self, change: &crate::ports::BoardChange) -> bool {
        change.board_id == Some(self.board) || change.is_resync()
    }
}

/// Starts watching a board's changes (members and tokens that may view it).
pub async fn watch(store: &dyn Store, caller: &Principal, board: &BoardRef) -> Result<BoardWatch> {
    let board = authorize_board(store, caller, board, Action::ViewBoard).await?;
    // Subscribed before the time is read: a change in between is then both in the time and
    // in the stream, never in neither.
    let changes = store.changes().subscribe();
    let changed_at = store.changes().last_change(board);
    Ok(BoardWatch {
        board,
        changes,
        changed_at,
    })
}

/// What the board page shows: the board with its cards, the caller's role, and the
/// tech-debt share of the work finished in the last [`domain::policy::SHARE_DAYS`].
#[derive(Clone, Debug)]
pub struct BoardView {
    /// The board with its cards.
    pub board: Board,
    /// What the caller may do on it.
    pub role: Role,
    /// The share of finished work that was tech debt.
    pub tech_debt: domain::policy::TechDebtShare,
    /// The members who may own cards (the board's owners are among them, or left it).
    pub people: Vec<domain::people::Person>,
}

/// The board page's data (viewers and up). `now` is taken before the read: the live stream
/// compares it with the board's last change, and a change during the read must count as
/// after it.
pub async fn board_view(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    now: DateTime<Utc>,
) -> Result<BoardView> {
    let (id, role) = viewer_role(store, caller, board).await?;
    let board = store.board(&BoardRef::Id(id)).await?;
    let since = now - chrono::Duration::days(domain::policy::SHARE_DAYS);
    let events = store.finished_card_events(board.id, since).await?;
    let tech_debt = domain::policy::tech_debt_share(&board, &events, since, now);
    let people = owners_to_be(store, id).await?;
    Ok(BoardView {
        board,
        role,
        tech_debt,
        people,
    })
}

/// The cards of a board a live view was told about: those still on the board, and the ids
/// of those that are not (discarded, or never there).
#[derive(Clone, Debug)]
pub struct BoardCards {
    /// The cards still on the board.
    pub cards: Vec<domain::Card>,
    /// The ids asked for that are not on the board.
    pub gone: Vec<domain::CardId>,
    /// Of `cards`, those the view's query does not find.
    pub unmatched: std::collections::HashSet<domain::CardId>,
}

/// At most this many cards are read one by one for a live view; a view that heard of more
/// reads the whole board instead.
pub const BOARD_CARDS_MAX: usize = 100;

/// Reads the cards `ids` of a board (viewers and up), so a live view brings what it heard
/// changed up to date without reading the whole board; with the view's query, says which it
/// does not find.
pub async fn board_cards(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    (ids, query): (&[domain::CardId], Option<&domain::search::Query>),
    now: DateTime<Utc>,
) -> Result<BoardCards> {
    if ids.len() > BOARD_CARDS_MAX {
        return Err(Error::Invalid(domain::DomainError::Invalid {
            field: "ids",
            message: format!("at most {BOARD_CARDS_MAX} cards at a time"),
        }));
    }
    let (board, _) = viewer_role(store, caller, board).await?;
    let mut found = BoardCards {
        cards: Vec::with_capacity(ids.len()),
        gone: Vec::new(),
        unmatched: Default::default(),
    };
    for &id in ids {
        match store.card(id).await {
            Ok(card) if card.board_id == board && card.discarded.is_none() => {
                found.cards.push(card)
            }
            Ok(_) | Err(crate::ports::StoreError::NotFound(_)) => found.gone.push(id),
            Err(other) => return Err(other.into()),
        }
    }
    if let Some(query) = query.filter(|_| !found.cards.is_empty()) {
        let layout = store.board_layout(&BoardRef::Id(board)).await?;
        let filtered =
            crate::search::filter(store, caller, &layout, &found.cards, query, now).await?;
        found.unmatched = filtered.unmatched;
    }
    Ok(found)
}

/// The tech-debt share of the work finished on the board in the last
/// [`domain::policy::SHARE_DAYS`] (viewers and up): what the board page's allocation shows,
/// asked for again when a card it shows was finished or reopened.
pub async fn tech_debt_share(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    now: DateTime<Utc>,
) -> Result<domain::policy::TechDebtShare> {
    Ok(board_view(store, caller, board, now).await?.tech_debt)
}

/// How many finished cards one page of the "earlier cards" list shows.
pub const FINISHED_PAGE: usize = 50;

/// One page of a board's finished cards, newest first (see [`finished_cards`]).
#[derive(Clone, Debug)]
pub struct FinishedCards {
    /// The board, its `cards` left empty: for its name, columns and lanes.
    pub board: Board,
    /// The lane asked for; `None` lists every lane's.
    pub lane: Option<domain::LaneId>,
    /// This page's cards.
    pub cards: Vec<domain::Card>,
    /// Finished cards in the lane (or on the board) in all, of those the query finds.
    pub total: usize,
    /// Names the query gave that the board does not know, in words.
    pub notes: Vec<String>,
    /// The page shown, from 1; a page past the last shows the last.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
}

/// The board's finished cards, in one lane or all, newest first, [`FINISHED_PAGE`] at a
/// time (viewers and up): what the board's Done cells leave out behind "+ N earlier". With
/// a query, only the cards it finds.
pub async fn finished_cards(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    (lane, query): (Option<domain::LaneId>, Option<&domain::search::Query>),
    page: usize,
    now: DateTime<Utc>,
) -> Result<FinishedCards> {
    let (id, _) = viewer_role(store, caller, board).await?;
    let mut board = store.board(&BoardRef::Id(id)).await?;
    if let Some(lane) = lane.filter(|&l| board.lane(l).is_none()) {
        return Err(Error::NotFound(format!("lane {lane}")));
    }
    let mut finished = board.finished_cards(lane);
    let mut notes = Vec::new();
    if let Some(query) = query {
        let search = crate::search::BoardSearch::new(store, caller, &board, query, now).await?;
        finished.retain(|c| search.matches_card(c));
        notes = search.notes().to_vec();
    }
    let crate::comments::Page {
        items,
        total,
        page,
        pages,
    } = crate::comments::Page::cut(finished, page, FINISHED_PAGE);
    let cards = items.into_iter().cloned().collect();
    board.cards = Vec::new();
    Ok(FinishedCards {
        board,
        lane,
        cards,
        total,
        notes,
        page,
        pages,
    })
}
