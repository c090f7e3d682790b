//! Card owners: reading them with the cards, changing them inside a card's write (members
//! checked, the per-person WIP limit judged, `assigned`/`unassigned` events written), letting
//! go of a member's open cards when they leave a board, and counting a person's cards.

use std::collections::HashMap;

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::people::{AssigneeEdit, Candidate, check_assignees};
use domain::policy::{
    PersonLoad, PersonQuery, Violation, check_override_reason, check_person_limit,
};
use domain::{Actor, Board, BoardId, Card, CardId, ColumnId, EventKind, UserId};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::corrupt;
use super::rows::people::{CandidateRow, LoadRow};
use super::sql::{SqlStore, WriteTx};

/// `$first, $first+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<B: Backend> SqlStore<B> {
    /// The owners of card `id`, in the order they were assigned (`card_assignees_pkey`).
    pub(super) async fn assignees_of(
        conn: &mut Conn<B>,
        id: CardId,
    ) -> Result<Vec<UserId>, StoreError> {
        let rows: Vec<(Uuid,)> = B::sql(
            "SELECT user_id FROM card_assignees WHERE card_id = $1 ORDER BY assigned_at, user_id",
        )
        .bind(id.0)
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
    }

    /// `card` with its owners and its labels read.
    pub(super) async fn with_owners_and_labels(
        conn: &mut Conn<B>,
        mut card: Card,
    ) -> Result<Card, StoreError> {
        card.assignees = Self::assignees_of(conn, card.id).await?;
        card.labels = Self::labels_of(conn, card.id).await?;
        Ok(card)
    }

    /// The owners of every card of board `board` that has any, by card, in the order they
    /// were assigned: one read of the board's assignments (`card_assignees_board_user_idx`).
    pub(super) async fn assignments(
        conn: &mut Conn<B>,
        board: BoardId,
    ) -> Result<HashMap<Uuid, Vec<UserId>>, StoreError> {
        let rows: Vec<(Uuid, Uuid)> = B::sql(
            "SELECT card_id, user_id FROM card_assignees WHERE board_id = $1 \
             ORDER BY assigned_at, user_id",
        )
        .bind(board.0)
        .fetch_all(conn)
        .await?;
        let mut owners: HashMap<Uuid, Vec<UserId>> = HashMap::new();
        for (card, user) in rows {
            owners.entry(card).or_default().push(UserId(user));
        }
        Ok(owners)
    }

    /// Fills in the owners and the labels of `cards`, all of board `board`
    /// ([`Self::assignments`], [`Self::labellings`]): what a board read adds to reading its
    /// cards.
    pub(super) async fn fill_owners_and_labels(
        conn: &mut Conn<B>,
        board: BoardId,
        cards: &mut [Card],
    ) -> Result<(), StoreError> {
        let mut owners = Self::assignments(conn, board).await?;
        let mut labels = Self::labellings(conn, board).await?;
        for card in cards {
            if let Some(list) = owners.remove(&card.id.0) {
                card.assignees = list;
            }
            if let Some(list) = labels.remove(&card.id.0) {
                card.labels = list;
            }
        }
        Ok(())
    }

    /// The accounts `ids` with their role on `board` (those that exist).
    async fn candidates(
        conn: &mut Conn<B>,
        board: BoardId,
        ids: &[UserId],
    ) -> Result<Vec<Candidate>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT u.id, u.name, u.disabled, m.role FROM users u \
             LEFT JOIN board_members m ON m.user_id = u.id AND m.board_id = $1 \
             WHERE u.id IN ({})",
            placeholders(2, ids.len())
        );
        let mut statement = B::sql(sqlx::AssertSqlSafe(sql)).bind(board.0);
        for id in ids {
            statement = statement.bind(id.0);
        }
        let rows: Vec<CandidateRow> = statement.fetch_all(conn).await?;
        rows.into_iter()
            .map(|(id, name, disabled, role)| {
                let role = match role {
                    Some(r) => Some(Role::parse(&r).ok_or_else(|| corrupt("role", &r))?),
                    None => None,
                };
                Ok(Candidate {
                    id: UserId(id),
                    name,
                    role,
                    disabled,
                })
            })
            .collect()
    }

    /// Changes the owners of `card` (read with its owners) on its locked board: the people
    /// added checked against the board's members as they are now and against the per-person
    /// WIP limit, the rows written with an `assigned` or `unassigned` event each and the
    /// overrides recorded. Answers the owners after the change, or `None` when the edit
    /// changes nothing (nothing written). The caller stamps the card's `updated_at`.
    pub(super) async fn change_assignees(
        conn: &mut WriteTx<B>,
        board: &Board,
        card: &Card,
        edit: &AssigneeEdit,
        override_reason: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<UserId>>, StoreError> {
        let change = edit.against(&card.assignees)?;
        if change.is_empty() {
            return Ok(None);
        }
        let mut asked = change.added.clone();
        asked.extend(change.removed.iter().copied());
        let found = Self::candidates(conn, board.id, &asked).await?;
        let added = check_assignees(&change.added, &found)?;
        let entering = (None, card.column_id);
        let violations =
            Self::person_violations(conn, board, entering, &change.added, Some(card.id)).await?;
        let overrides = Self::judge(violations, override_reason)?;
        let name_of = |id: UserId| {
            found
                .iter()
                .find(|c| c.id == id)
                .map_or_else(String::new, |c| c.name.clone())
        };
        for &user in &change.removed {
            B::sql("DELETE FROM card_assignees WHERE card_id = $1 AND user_id = $2")
                .bind(card.id.0)
                .bind(user.0)
                .execute(&mut *conn)
                .await?;
            let kind = EventKind::Unassigned {
                user_id: user,
                name: name_of(user),
            };
            Self::insert_event(conn, board.id, card.id, now, actor, &kind).await?;
        }
        let told = domain::inbox::tell(
            &change.added,
            actor.user_id,
            domain::inbox::NoticeKind::Assigned,
            "",
        );
        Self::write_notices(conn, card, actor, told, now).await?;
        for person in added {
            B::sql(
                "INSERT INTO card_assignees (card_id, user_id, board_id, assigned_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(card.id.0)
            .bind(person.id.0)
            .bind(board.id.0)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let kind = EventKind::Assigned {
                user_id: person.id,
                name: person.name,
            };
            Self::insert_event(conn, board.id, card.id, now, actor, &kind).await?;
        }
        Self::record_overrides(conn, board.id, card.id, now, actor, overrides).await?;
        let mut after: Vec<UserId> = card
            .assignees
            .iter()
            .filter(|u| !change.removed.contains(u))
            .copied()
            .collect();
        after.extend(change.added);
        Ok(Some(after))
    }

    /// What the per-person WIP limit says of the card `exclude` (or a new one) coming to
    /// `column` from `from` (`None`: new, or its owners newly assigned) with the owners
    /// `users`: the people it would take past their limit.
    pub(super) async fn person_violations(
        conn: &mut Conn<B>,
        board: &Board,
        (from, column): (Option<ColumnId>, ColumnId),
        users: &[UserId],
        exclude: Option<CardId>,
    ) -> Result<Vec<Violation>, StoreError> {
        let Some(query) = PersonQuery::of(board, from, column, users) else {
            return Ok(Vec::new());
        };
        let loads = Self::person_loads(conn, board.id, &query, exclude).await?;
        Ok(check_person_limit(board, column, &loads))
    }

    /// Violations refused without an override reason, or paired with it to be recorded.
    pub(super) fn judge(
        violations: Vec<Violation>,
        override_reason: Option<&str>,
    ) -> Result<Vec<(Violation, String)>, StoreError> {
        if violations.is_empty() {
            return Ok(Vec::new());
        }
        match check_override_reason(override_reason)? {
            Some(reason) => Ok(violations
                .into_iter()
                .map(|v| (v, reason.clone()))
                .collect()),
            None => Err(StoreError::Policy(violations)),
        }
    }

    /// The cards each of `query.users` owns in the board's active columns, card `exclude`
    /// left out: a search of `cards_cell_idx` over the active columns (what they hold, not
    /// what the board holds), each card's owners found by `card_assignees_pkey`.
    async fn person_loads(
        conn: &mut Conn<B>,
        board: BoardId,
        query: &PersonQuery,
        exclude: Option<CardId>,
    ) -> Result<Vec<PersonLoad>, StoreError> {
        if query.columns.is_empty() {
            return Ok(Vec::new());
        }
        let columns = placeholders(3, query.columns.len());
        let users = placeholders(3 + query.columns.len(), query.users.len());
        let sql = format!(
            "SELECT a.user_id, u.name, c.number FROM cards c \
             JOIN card_assignees a ON a.card_id = c.id \
             JOIN users u ON u.id = a.user_id \
             WHERE c.board_id = $1 AND c.id <> $2 AND c.column_id IN ({columns}) \
             AND c.discarded_at IS NULL AND a.user_id IN ({users}) ORDER BY c.number"
        );
        let mut statement = B::sql(sqlx::AssertSqlSafe(sql))
            .bind(board.0)
            .bind(exclude.map_or(Uuid::nil(), |id| id.0));
        for column in &query.columns {
            statement = statement.bind(column.0);
        }
        for user in &query.users {
            statement = statement.bind(user.0);
        }
        let rows: Vec<LoadRow> = statement.fetch_all(conn).await?;
        let mut loads: Vec<PersonLoad> = Vec::new();
        for (user, name, number) in rows {
            match loads.iter_mut().find(|l| l.user_id.0 == user) {
                Some(load) => load.cards.push(number),
                None => loads.push(PersonLoad {
                    user_id: UserId(user),
                    name,
                    cards: vec![number],
                }),
            }
        }
        Ok(loads)
    }

    /// Unassigns `user` from the open cards (not in a `done` column) of the locked `board`,
    /// recording an `unassigned` event on each: what leaving a board does. Cards they
    /// finished keep them. Answers the cards changed.
    pub(super) async fn release_open_cards(
        conn: &mut Conn<B>,
        board: BoardId,
        user: UserId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<CardId>, StoreError> {
        // `card_assignees_board_user_idx`, then each card and its column by primary key.
        let open: Vec<(Uuid, String)> = B::sql(
            "SELECT a.card_id, u.name FROM card_assignees a \
             JOIN cards c ON c.id = a.card_id \
             JOIN board_columns col ON col.id = c.column_id \
             JOIN users u ON u.id = a.user_id \
             WHERE a.board_id = $1 AND a.user_id = $2 AND col.kind <> 'done' \
             AND c.discarded_at IS NULL",
        )
        .bind(board.0)
        .bind(user.0)
        .fetch_all(&mut *conn)
        .await?;
        for (card, name) in &open {
            B::sql("DELETE FROM card_assignees WHERE card_id = $1 AND user_id = $2")
                .bind(*card)
                .bind(user.0)
                .execute(&mut *conn)
                .await?;
            B::sql("UPDATE cards SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(*card)
                .execute(&mut *conn)
                .await?;
            let kind = EventKind::Unassigned {
                user_id: user,
                name: name.clone(),
            };
            Self::insert_event(conn, board, CardId(*card), now, actor, &kind).await?;
        }
        Ok(open.into_iter().map(|(card, _)| CardId(card)).collect())
    }
}
