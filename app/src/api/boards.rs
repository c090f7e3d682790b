//! Server functions of the boards list, the board page (its board, its live reads, the
//! tech-debt share) and the finished cards' page; the settings page's are in `settings`.

use chrono::{DateTime, Utc};
use domain::{Board, BoardSummary, Card, CardId, CardType, ColumnId, LaneId, Severity};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A board as the board page shows it, with the server's clock so that ages rendered on the
/// server and in the browser agree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoardSnapshot {
    /// The board without its cards (`board.cards` is empty): they are in `cards`.
    pub board: Board,
    /// Its cards as their tiles show them, in board order (column, lane, position).
    pub cards: Vec<TileCard>,
    /// When the snapshot was taken (just before the board was read).
    pub now: DateTime<Utc>,
    /// Tech-debt share of the last 28 days' finished work.
    pub tech_debt: domain::policy::TechDebtShare,
    /// What the viewer may do here (the UI hides what they may not).
    pub role: domain::access::Role,
    /// Finished cards left out of `cards`, per `done` cell (see [`DONE_SHOWN`]).
    #[serde(default)]
    pub hidden: Vec<HiddenCards>,
    /// The board's members who may own cards, by name: the names on the tiles' avatars.
    #[serde(default)]
    pub people: Vec<domain::people::Person>,
    /// The viewer, when signed in (their own cards are one click away).
    #[serde(default)]
    pub me: Option<domain::UserId>,
    /// The filter bar's query (`?q=`), when there is one.
    #[serde(default)]
    pub filter: Option<BoardFilter>,
}

/// The query the board was read with and what came of it. Tiles it does not find are
/// marked [`TileCard::unmatched`]; finished cards it does not find are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BoardFilter {
    /// As typed.
    pub q: String,
    /// Why it could not be read (the board is then shown whole).
    pub error: Option<String>,
    /// Names in it the board does not know.
    pub notes: Vec<String>,
}

impl BoardFilter {
    /// Whether the query was read and filters the board.
    pub fn applies(&self) -> bool {
        self.error.is_none()
    }
}

impl BoardSnapshot {
    /// Every card in a column, those left out of `cards` included.
    pub fn column_total(&self, column: ColumnId) -> usize {
        self.cards.iter().filter(|c| c.column_id == column).count()
            + self
                .hidden
                .iter()
                .filter(|h| h.column_id == column)
                .map(|h| h.count)
                .sum::<usize>()
    }
}

/// A card as its tile on the board shows it. The board page sends these rather than whole
/// cards: the page carries its data twice (as HTML and as the data the browser hydrates
/// from), and descriptions, monitoring details and timestamps no tile shows were most of the
/// data of a 2,000-card board (bench/HISTORY.md, session 5). The card page has the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TileCard {
    /// Its id.
    pub id: CardId,
    /// Short number on its board.
    pub number: i64,
    /// One line saying what the work is.
    pub title: String,
    /// Feature, incident or tech debt.
    pub card_type: CardType,
    /// The column it is in.
    pub column_id: ColumnId,
    /// The lane it is in.
    pub lane_id: LaneId,
    /// Whether something outside the team stops the work.
    pub blocked: bool,
    /// Why it is blocked.
    pub blocked_reason: Option<String>,
    /// Incidents only: how bad.
    pub severity: Option<Severity>,
    /// Incidents only: the affected service.
    pub service: Option<String>,
    /// When it entered its current column (its age there).
    pub column_entered_at: DateTime<Utc>,
    /// Its place in its cell (ascending): where a card the browser hears about goes.
    pub position: f64,
    /// Who owns it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<domain::UserId>,
    /// How many comments it has.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub comment_count: u32,
    /// Its labels (the board's names and colours for them are in its layout).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<domain::LabelId>,
    /// The board's filter does not find it: hidden, or dimmed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unmatched: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<Card> for TileCard {
    fn from(card: Card) -> Self {
        Self {
            id: card.id,
            number: card.number,
            title: card.title,
            card_type: card.card_type,
            column_id: card.column_id,
            lane_id: card.lane_id,
            blocked: card.blocked,
            blocked_reason: card.blocked_reason,
            severity: card.severity,
            service: card.service,
            column_entered_at: card.column_entered_at,
            position: card.position,
            assignees: card.assignees,
            comment_count: card.comment_count,
            labels: card.labels,
            unmatched: false,
        }
    }
}

/// How many finished cards of one cell the board page leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenCards {
    /// The `done` column.
    pub column_id: domain::ColumnId,
    /// The lane.
    pub lane_id: domain::LaneId,
    /// Cards left out.
    pub count: usize,
    /// Of those, the ones the board's filter finds (all of them without a filter).
    #[serde(default)]
    pub matching: usize,
}

/// The period the board header's tech-debt share looks back over.
pub use domain::policy::SHARE_DAYS;

/// How many cards a `done` cell shows: the most recently finished ones (the last in board
/// order). A board with years of finished work would otherwise send every one of them to
/// each viewer; they stay reachable from their card pages, the API and the metrics.
pub const DONE_SHOWN: usize = 12;

/// How many cards any other cell shows until it is opened (`?open=<column>:<lane>`): a
/// backlog of 900 cards drawn whole was most of a 2,000-card board's page, and every move
/// out of it redrew them all. The first ones (the top of the queue) are the ones pulled next.
pub const CELL_SHOWN: usize = 50;

/// The board's query key that shows one cell whole: `?open=<column id>:<lane id>`.
pub const OPEN_CELL: &str = "open";

/// Leaves all but the last [`DONE_SHOWN`] cards of each `done` cell out of `board.cards`
/// (cells of a `done` column with a WIP limit are kept whole, as the limit counts them), and
/// says how many were left out where. Finished cards in `unmatched` (the filter does not
/// find them) are all left out, so the cell shows the last ones it does find.
#[cfg(feature = "ssr")]
fn trim_finished(
    board: &mut Board,
    unmatched: &std::collections::HashSet<CardId>,
) -> Vec<HiddenCards> {
    use std::collections::HashMap;
    let trimmed: Vec<domain::ColumnId> = board
        .columns
        .iter()
        .filter(|c| c.kind == domain::ColumnKind::Done && c.wip_limit.is_none())
        .map(|c| c.id)
        .collect();
    // Per cell: the finished cards the filter finds, and those it does not.
    let mut per_cell: HashMap<(domain::ColumnId, domain::LaneId), (usize, usize)> = HashMap::new();
    for card in board
        .cards
        .iter()
        .filter(|c| trimmed.contains(&c.column_id))
    {
        let cell = per_cell.entry((card.column_id, card.lane_id)).or_default();
        if unmatched.contains(&card.id) {
            cell.1 += 1;
        } else {
            cell.0 += 1;
        }
    }
    let mut seen: HashMap<(domain::ColumnId, domain::LaneId), usize> = HashMap::new();
    board.cards.retain(|card| {
        let cell = (card.column_id, card.lane_id);
        let Some(&(matching, _)) = per_cell.get(&cell) else {
            return true;
        };
        if unmatched.contains(&card.id) {
            return false;
        }
        let index = seen.entry(cell).or_default();
        *index += 1;
        *index > matching.saturating_sub(DONE_SHOWN)
    });
    let mut hidden: Vec<HiddenCards> = per_cell
        .into_iter()
        .map(|((column_id, lane_id), (matching, other))| {
            let matching = matching.saturating_sub(DONE_SHOWN);
            HiddenCards {
                column_id,
                lane_id,
                count: matching + other,
                matching,
            }
        })
        .filter(|h| h.count > 0)
        .collect();
    hidden.sort_by_key(|h| (h.column_id.0, h.lane_id.0));
    hidden
}

/// The boards the caller may see: all for instance admins, else those they belong to.
#[server(prefix = "/fn", endpoint = "list_boards", output = crate::api::codec::JsonAnswer)]
pub async fn list_boards() -> Result<Vec<BoardSummary>, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    Ok(application::boards::list_boards(store.as_ref(), &caller).await?)
}

/// Makes a board and opens it.
#[server(prefix = "/fn", endpoint = "create_board", output = crate::api::codec::JsonAnswer)]
pub async fn create_board(name: String, description: Option<String>) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let new = domain::NewBoard {
        name,
        slug: None,
        description,
    };
    let board =
        application::boards::create_board(store.as_ref(), &caller, &new, Utc::now()).await?;
    leptos_axum::redirect(&format!("/boards/{}", board.slug));
    Ok(())
}

/// One board with everything on it, filtered by the query `q` when there is one (a query
/// that cannot be read is said, and the board shown whole).
#[server(prefix = "/fn", endpoint = "get_board", output = crate::api::codec::JsonAnswer)]
pub async fn get_board(slug: String, q: Option<String>) -> Result<BoardSnapshot, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board_ref = domain::board::BoardRef::Slug(slug);
    let now = Utc::now();
    let application::boards::BoardView {
        mut board,
        role,
        tech_debt,
        people,
    } = application::boards::board_view(store.as_ref(), &caller, &board_ref, now).await?;
    let (filter, filtered) = match application::search::read(q.as_deref()) {
        Ok(None) => (None, application::search::Filtered::default()),
        Ok(Some(query)) => {
            let filtered = application::search::filter(
                store.as_ref(),
                &caller,
                &board,
                &board.cards,
                &query,
                now,
            )
            .await?;
            let filter = BoardFilter {
                q: q.unwrap_or_default(),
                error: None,
                notes: filtered.notes.clone(),
            };
            (Some(filter), filtered)
        }
        Err(error) => {
            let filter = BoardFilter {
                q: q.unwrap_or_default(),
                error: Some(error.to_string()),
                notes: Vec::new(),
            };
            (Some(filter), application::search::Filtered::default())
        }
    };
    let hidden = trim_finished(&mut board, &filtered.unmatched);
    let cards = std::mem::take(&mut board.cards)
        .into_iter()
        .map(|card| TileCard {
            unmatched: filtered.unmatched.contains(&card.id),
            ..TileCard::from(card)
        })
        .collect();
    Ok(BoardSnapshot {
        board,
        cards,
        now,
        tech_debt,
        role,
        hidden,
        people,
        me: caller.user_id(),
        filter,
    })
}

/// A card's tile with the version it shows (the card's `updated_at`): what a board page
/// gets for its own move and for a card the live stream said changed. The version lets the
/// page know the stream's news of its own move as its own, and keep a newer tile over an
/// older answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangedTile {
    /// The card as its tile shows it.
    pub tile: TileCard,
    /// The card's `updated_at`.
    pub updated_at: DateTime<Utc>,
}

impl From<Card> for ChangedTile {
    fn from(card: Card) -> Self {
        Self {
            updated_at: card.updated_at,
            tile: card.into(),
        }
    }
}

/// Cards of a board a live view heard changed, as their tiles show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangedCards {
    /// The cards still on the board.
    pub cards: Vec<ChangedTile>,
    /// The ids asked for that are not on the board (any more).
    pub gone: Vec<CardId>,
}

/// The tiles of the cards `ids` (comma-separated) of a board: what a board page reads when
/// its live stream says those cards changed, instead of the whole board.
#[server(prefix = "/fn", endpoint = "board_cards", output = crate::api::codec::JsonAnswer)]
pub async fn board_cards(
    slug: String,
    ids: String,
    q: Option<String>,
) -> Result<ChangedCards, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let ids = ids
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| crate::ssr::forms::parse_id("ids", id))
        .collect::<Result<Vec<CardId>, AppError>>()?;
    let board = domain::board::BoardRef::Slug(slug);
    // The page's filter marks the tiles it does not find (a query the page could not read
    // filters nothing there either).
    let query = application::search::read(q.as_deref()).ok().flatten();
    let found = application::boards::board_cards(
        store.as_ref(),
        &caller,
        &board,
        (&ids, query.as_ref()),
        Utc::now(),
    )
    .await?;
    Ok(ChangedCards {
        cards: found
            .cards
            .into_iter()
            .map(|card| {
                let mut changed = ChangedTile::from(card);
                changed.tile.unmatched = found.unmatched.contains(&changed.tile.id);
                changed
            })
            .collect(),
        gone: found.gone,
    })
}

/// The board's tech-debt share of the last [`SHARE_DAYS`], for the allocation in its header
/// after a card shown there was finished or reopened.
#[server(prefix = "/fn", endpoint = "board_share", output = crate::api::codec::JsonAnswer)]
pub async fn board_share(slug: String) -> Result<domain::policy::TechDebtShare, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    Ok(application::boards::tech_debt_share(store.as_ref(), &caller, &board, Utc::now()).await?)
}

/// The "earlier cards" page: only text and links, so the server renders it (see
/// `render::finished_html`).
pub type FinishedView = crate::api::RenderedPage;

/// One page of the board's finished cards, newest first, in one lane (`lane`, an id) or all;
/// `page` counts from 1.
#[server(prefix = "/fn", endpoint = "get_finished", output = crate::api::codec::JsonAnswer)]
pub async fn get_finished(
    slug: String,
    lane: Option<String>,
    q: Option<String>,
    page: Option<String>,
) -> Result<FinishedView, AppError> {
    use crate::ssr::forms::parse_optional_id;
    let (store, caller) = crate::ssr::auth::caller()?;
    let lane = parse_optional_id::<LaneId>("lane", lane.as_deref())?;
    // A page number that is not one shows the first page, as a bad `?page=` in a shared
    // link should not be an error page.
    let page = page
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1);
    let board = domain::board::BoardRef::Slug(slug.clone());
    // A query that cannot be read lists every finished card, and says why.
    let (query, error) = match application::search::read(q.as_deref()) {
        Ok(query) => (query, None),
        Err(error) => (None, Some(error.to_string())),
    };
    let finished = application::boards::finished_cards(
        store.as_ref(),
        &caller,
        &board,
        (lane, query.as_ref()),
        page,
        Utc::now(),
    )
    .await?;
    let asked = crate::render::finished::Asked {
        q: q.as_deref().unwrap_or_default(),
        error: error.as_deref(),
    };
    Ok(FinishedView {
        live: None,
        html: crate::render::finished_html(&slug, &finished, asked),
        board_name: finished.board.name,
    })
}
