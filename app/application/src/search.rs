//! Finding cards with the query language (`domain::search`): on one board (its page, its
//! API, its finished cards) and across the boards a caller can see.
//!
//! A query is matched against the board's own names (lanes, people) and, when it asks
//! `aging:`, against the cards the board's flow metrics count as aging: in progress longer
//! than the 85th percentile cycle time of the default metrics period, the same figure as the
//! metrics page's aging chart.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::access::Principal;
use domain::people::Person;
use domain::search::{Matcher, Query, Scope, SearchCard};
use domain::{Board, Card, CardId, UserId};

use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// A query resolved against one board, with what it needs to match the board's cards.
#[derive(Debug)]
pub struct BoardSearch {
    matcher: Matcher,
    me: Option<UserId>,
    people: Vec<Person>,
    lanes: Vec<domain::Lane>,
    labels: Vec<domain::label::Label>,
    now: DateTime<Utc>,
    aging: Option<HashSet<CardId>>,
}

impl BoardSearch {
    /// Resolves `query` against `board` for `caller` (who has already been allowed to see
    /// it). Reads the board's members, and its flow metrics only for `aging:`.
    pub async fn new(
        store: &dyn Store,
        caller: &Principal,
        board: &Board,
        query: &Query,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let members = store.board_members(board.id).await?;
        let people: Vec<Person> = members
            .into_iter()
            .map(|m| Person {
                id: m.user.id,
                name: m.user.name,
            })
            .collect();
        let aging = if query.asks_aging() {
            Some(aging_cards(store, caller, board, now).await?)
        } else {
            None
        };
        let me = caller.user_id();
        let matcher = query.matcher(&Scope {
            me,
            people: &people,
            lanes: &board.lanes,
            labels: &board.labels,
            now,
            aging: aging.as_ref(),
        });
        Ok(Self {
            matcher,
            me,
            people,
            lanes: board.lanes.clone(),
            labels: board.labels.clone(),
            now,
            aging,
        })
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            me: self.me,
            people: &self.people,
            lanes: &self.lanes,
            labels: &self.labels,
            now: self.now,
            aging: self.aging.as_ref(),
        }
    }

    /// Whether the query finds `card`.
    pub fn matches(&self, card: &SearchCard) -> bool {
        self.matcher.matches(card, &self.scope())
    }

    /// Whether the query finds `card`, read whole.
    pub fn matches_card(&self, card: &Card) -> bool {
        self.matches(&SearchCard::from(card))
    }

    /// Names in the query that the board does not know, in words.
    pub fn notes(&self) -> &[String] {
        &self.matcher.notes
    }
}

/// The cards of `board` in progress longer than its 85th percentile cycle time over the
/// default metrics period.
async fn aging_cards(
    store: &dyn Store,
    caller: &Principal,
    board: &Board,
    now: DateTime<Utc>,
) -> Result<HashSet<CardId>> {
    let window = domain::metrics::Window::or_last(
        None,
        None,
        now.date_naive(),
        domain::retro::DEFAULT_PERIOD_DAYS,
    )?;
    let (_, metrics) = crate::reports::flow_metrics(
        store,
        caller,
        &BoardRef::Id(board.id),
        (window, &crate::reports::Slice::default()),
        now,
    )
    .await?;
    let Some(p85) = metrics.cycle_time.p85_s else {
        return Ok(HashSet::new());
    };
    Ok(metrics
        .aging_wip
        .iter()
        .filter(|c| c.age_s > p85)
        .map(|c| c.card_id)
        .collect())
}

/// Reads a query as typed (`q`): blank is no query. A query that cannot be read is an
/// invalid `q`.
pub fn parse(q: Option<&str>) -> Result<Option<Query>> {
    Ok(read(q).map_err(domain::DomainError::from)?)
}

/// Reads a query as typed (`q`), for a page that shows why it could not be read rather than
/// failing: blank is no query.
pub fn read(q: Option<&str>) -> std::result::Result<Option<Query>, domain::search::QueryError> {
    match q.filter(|q| !q.trim().is_empty()) {
        Some(text) => Query::parse(text).map(Some),
        None => Ok(None),
    }
}

/// The cards of `cards` (on `board`) that a query leaves out, and the names it did not know.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filtered {
    /// Cards that do not match.
    pub unmatched: HashSet<CardId>,
    /// Names in the query the board does not know, in words.
    pub notes: Vec<String>,
}

/// What `query` leaves out of `cards` on `board` (which `caller` may see).
pub async fn filter(
    store: &dyn Store,
    caller: &Principal,
    board: &Board,
    cards: &[Card],
    query: &Query,
    now: DateTime<Utc>,
) -> Result<Filtered> {
    let search = BoardSearch::new(store, caller, board, query, now).await?;
    Ok(Filtered {
        unmatched: cards
            .iter()
            .filter(|c| !search.matches_card(c))
            .map(|c| c.id)
            .collect(),
        notes: search.notes().to_vec(),
    })
}

/// Board `board` with only the cards `query` finds (viewers and up): `GET
/// /boards/{board}?q=`.
pub async fn board_matching(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    query: &Query,
    now: DateTime<Utc>,
) -> Result<(Board, Vec<String>)> {
    let mut board = crate::boards::board(store, caller, board).await?;
    let search = BoardSearch::new(store, caller, &board, query, now).await?;
    board.cards.retain(|c| search.matches_card(c));
    Ok((board, search.notes().to_vec()))
}

/// How many cards one page of a search across boards holds.
pub const SEARCH_PAGE: usize = 50;

/// A card a search across boards found, with its board.
#[derive(Clone, Debug)]
pub struct FoundCard {
    /// The board's slug.
    pub board: String,
    /// The board's name.
    pub board_name: String,
    /// The card.
    pub card: Card,
}

/// One page of a search across boards, most recently changed first.
#[derive(Clone, Debug)]
pub struct Found {
    /// This page's cards.
    pub cards: Vec<FoundCard>,
    /// Cards found in all.
    pub total: usize,
    /// The page shown, from 1 (a page past the last shows the last).
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// Names the query gave that none of the boards knows, in words.
    pub notes: Vec<String>,
}

/// The cards `query` finds on `board`, or on every board `caller` can see, [`SEARCH_PAGE`]
/// at a time.
pub async fn cards(
    store: &dyn Store,
    caller: &Principal,
    (query, board): (&Query, Option<&BoardRef>),
    page: usize,
    now: DateTime<Utc>,
) -> Result<Found> {
    let boards = match board {
        Some(board) => vec![crate::boards::viewer_role(store, caller, board).await?.0],
        None => crate::access::visible_boards(store, caller)
            .await?
            .into_iter()
            .map(|b| b.id)
            .collect(),
    };
    // What a query reads of each card, then the page's cards whole: a board of 10,000
    // cards is searched without reading them all.
    let mut found: Vec<(SearchCard, usize)> = Vec::new();
    let mut layouts: Vec<Board> = Vec::new();
    // A note counts only if no board knew the name.
    let mut notes: Option<Vec<String>> = None;
    for id in boards {
        let layout = store.board_layout(&BoardRef::Id(id)).await?;
        let search = BoardSearch::new(store, caller, &layout, query, now).await?;
        let seen = notes.get_or_insert_with(|| search.notes().to_vec());
        seen.retain(|n| search.notes().contains(n));
        let which = layouts.len();
        found.extend(
            store
                .search_cards(id)
                .await?
                .into_iter()
                .filter(|c| search.matches(c))
                .map(|c| (c, which)),
        );
        layouts.push(layout);
    }
    found.sort_by_key(|(c, _)| std::cmp::Reverse((c.updated_at, c.id.0)));
    let crate::comments::Page {
        items,
        total,
        page,
        pages,
    } = crate::comments::Page::cut(found, page, SEARCH_PAGE);
    let mut cards = Vec::with_capacity(items.len());
    for (card, which) in items {
        let board = &layouts[which];
        // A card deleted since it was found is left out of the page.
        let card = match store.card(card.id).await {
            Ok(card) => card,
            Err(crate::ports::StoreError::NotFound(_)) => continue,
            Err(other) => return Err(other.into()),
        };
        cards.push(FoundCard {
            board: board.slug.clone(),
            board_name: board.name.clone(),
            card,
        });
    }
    Ok(Found {
        cards,
        total,
        page,
        pages,
        notes: notes.unwrap_or_default(),
    })
}
