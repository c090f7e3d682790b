//! The per-person WIP limit: at most N cards in `active` columns per owner ("stop starting,
//! start finishing"). A person's load grows in two ways: a card they own enters an active
//! column, or they become an owner of a card already in one. Both go through
//! [`PersonQuery::of`] and [`check_person_limit`], inside the write's transaction like every
//! other flow policy.

use serde::{Deserialize, Serialize};

use crate::board::{Board, ColumnKind};
use crate::card::Card;
use crate::ids::{CardId, ColumnId, UserId};

use super::{Rule, Violation, count};

/// Whose load a placement or an assignment adds to, and where that load is counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonQuery {
    /// The board's active columns.
    pub columns: Vec<ColumnId>,
    /// The people whose load grows.
    pub users: Vec<UserId>,
}

impl PersonQuery {
    /// What the limit needs counted when the card owned by `users` comes to `column` from
    /// `from` (`None`: a new card, or people newly assigned to a card that is already in
    /// `column`). `None` when nobody's load grows: no limit, no owners, a column that is not
    /// active, or a card that was in an active column already.
    pub fn of(
        board: &Board,
        from: Option<ColumnId>,
        column: ColumnId,
        users: &[UserId],
    ) -> Option<Self> {
        board.policy.person_wip_limit?;
        let active = |id: ColumnId| {
            board
                .column(id)
                .is_some_and(|c| c.kind == ColumnKind::Active)
        };
        if users.is_empty() || !active(column) || from.is_some_and(active) {
            return None;
        }
        Some(Self {
            columns: board
                .columns
                .iter()
                .filter(|c| c.kind == ColumnKind::Active)
                .map(|c| c.id)
                .collect(),
            users: users.to_vec(),
        })
    }
}

/// One person's load: the cards they own in active columns (the card being placed left
/// out), by number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonLoad {
    /// The person.
    pub user_id: UserId,
    /// Their name, for messages.
    pub name: String,
    /// Numbers of the cards they own in active columns.
    pub cards: Vec<i64>,
}

impl PersonLoad {
    /// The loads of `query.users` among `cards` (at least those in active columns), leaving
    /// out `exclude`: the in-memory form of what the store counts in SQL, for tests.
    pub fn tally<'a>(
        query: &PersonQuery,
        names: impl Fn(UserId) -> String,
        cards: impl IntoIterator<Item = &'a Card> + Clone,
        exclude: Option<CardId>,
    ) -> Vec<Self> {
        query
            .users
            .iter()
            .map(|&user_id| Self {
                user_id,
                name: names(user_id),
                cards: cards
                    .clone()
                    .into_iter()
                    .filter(|c| Some(c.id) != exclude)
                    .filter(|c| query.columns.contains(&c.column_id))
                    .filter(|c| c.assignees.contains(&user_id))
                    .map(|c| c.number)
                    .collect(),
            })
            .collect()
    }
}

/// Every person whose limit placing a card in `column` (or assigning them to it there)
/// would break, given their loads ([`PersonQuery::of`] the same change).
pub fn check_person_limit(board: &Board, column: ColumnId, loads: &[PersonLoad]) -> Vec<Violation> {
    let (Some(limit), Some(target)) = (board.policy.person_wip_limit, board.column(column)) else {
        return Vec::new();
    };
    loads
        .iter()
        .filter(|load| count(load.cards.len()) >= limit)
        .map(|load| Violation {
            rule: Rule::PersonWipLimit,
            column_id: column,
            column_name: target.name.clone(),
            limit,
            current: count(load.cards.len()),
            reserved: None,
            debt_cards: None,
            person: Some(load.clone()),
        })
        .collect()
}
