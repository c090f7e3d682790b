//! Cards: reading them, making them (numbered, placed at the end of their cell), editing
//! them, and the entry points of moves (checked and written in `placement`).

use application::ports::{BoardChange, BoardRef, CardStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::discard::{DiscardRequest, RestoreRequest};
use domain::inbox::NoticeKind;
use domain::people::AssigneeEdit;
use domain::policy::Mover;
use domain::{
    Actor, Board, BoardId, Card, CardId, CardPatch, ColumnId, ColumnKind, EventKind, LaneId,
    MoveRequest, NewCard, UserId,
};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::placement::end_of_cell_key;
use super::rows::people::CountRow;
use super::rows::{CardRow, card_columns};
use super::sql::{SqlStore, WriteTx};

impl<B: Backend> SqlStore<B> {
    /// One card by id, with its owners.
    pub(super) async fn card_row(conn: &mut Conn<B>, id: CardId) -> Result<Card, StoreError> {
        let row: Option<CardRow> = B::sql(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        let card = row
            .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?
            .try_into()?;
        Self::with_owners_and_labels(conn, card).await
    }

    /// Makes a card on a locked board (loaded without its cards: the policies count the few
    /// that bear on the placement): validation, policies (overrides recorded), number,
    /// position, `created` event. `link` is kept for incidents.
    pub(super) async fn add_card(
        conn: &mut WriteTx<B>,
        board: &Board,
        new: &NewCard,
        actor: &Actor,
        now: DateTime<Utc>,
        link: Option<String>,
    ) -> Result<Card, StoreError> {
        let draft = new.validate(board)?;
        let mover = Mover::new_card(draft.card_type);
        let cell = (draft.column_id, draft.lane_id);
        let reason = new.override_reason.as_deref();
        // The owners are checked once they are known to be members (`change_assignees`).
        let overrides = Self::enforce(conn, board, mover, cell, &[], reason).await?;
        let number = Self::next_numbers(conn, board.id, 1).await?;
        let position =
            Self::key_for(conn, board.id, draft.column_id, draft.lane_id, None, None).await?;
        let reported = draft.source.is_some();
        let mut card = Card {
            comment_count: 0,
            labels: Vec::new(),
            discarded: None,
            id: CardId::new(),
            board_id: board.id,
            number,
            title: draft.title,
            description: draft.description,
            card_type: draft.card_type,
            column_id: draft.column_id,
            lane_id: draft.lane_id,
            position,
            blocked: false,
            blocked_reason: None,
            severity: draft.severity,
            service: draft.service,
            source: draft.source,
            dedup_key: draft.dedup_key,
            created_at: now,
            updated_at: now,
            column_entered_at: now,
            occurrences: 1,
            last_seen_at: reported.then_some(now),
            alert_resolved_at: None,
            link,
            caused_by: None,
            assignees: Vec::new(),
        };
        let open = board
            .column(card.column_id)
            .is_some_and(|c| c.kind != ColumnKind::Done);
        Self::insert_card(conn, &card, open).await?;
        let created = EventKind::Created {
            column_id: card.column_id,
            lane_id: card.lane_id,
        };
        Self::insert_event(conn, board.id, card.id, now, actor, &created).await?;
        Self::record_overrides(conn, board.id, card.id, now, actor, overrides).await?;
        Self::tell_of_incident(conn, &card, board.incidents.notify, actor, now).await?;
        if !new.assignees.is_empty() {
            let edit = AssigneeEdit::Set(new.assignees.clone());
            if let Some(owners) =
                Self::change_assignees(conn, board, &card, &edit, reason, actor, now).await?
            {
                card.assignees = owners;
            }
        }
        Ok(card)
    }

    /// Takes the board's next `count` card numbers; answers the first.
    pub(super) async fn next_numbers(
        conn: &mut Conn<B>,
        board: BoardId,
        count: i64,
    ) -> Result<i64, StoreError> {
        let (first,) = B::sql(
            "UPDATE boards SET next_card_number = next_card_number + $2 WHERE id = $1 \
             RETURNING next_card_number - $2",
        )
        .bind(board.0)
        .bind(count)
        .fetch_one(conn)
        .await?;
        Ok(first)
    }

    /// The sort key for index `index` of a cell (`None`: its end), renumbering the cell if it
    /// ran out of room.
    pub(super) async fn key_for(
        conn: &mut Conn<B>,
        board: BoardId,
        column: ColumnId,
        lane: LaneId,
        except: Option<CardId>,
        index: Option<u32>,
    ) -> Result<f64, StoreError> {
        let except = except.map_or(Uuid::nil(), |c| c.0);
        let Some(index) = index else {
            // At the end (every new card): after the last key, whatever the cell holds,
            // without reading its keys (a `done` cell holds years of cards).
            let (key,) = B::sql(concat!("SELECT ", end_of_cell_key!("$4", "$3")))
                .bind(column.0)
                .bind(lane.0)
                .bind(except)
                .bind(board.0)
                .fetch_one(conn)
                .await?;
            return Ok(key);
        };
        // The cell's keys, the moving card left out: a search of `cards_cell_idx`.
        let cell: Vec<(Uuid, f64)> = B::sql(
            "SELECT id, position FROM cards WHERE board_id = $4 AND column_id = $1 \
             AND lane_id = $2 AND id <> $3 AND discarded_at IS NULL ORDER BY position, number",
        )
        .bind(column.0)
        .bind(lane.0)
        .bind(except)
        .bind(board.0)
        .fetch_all(conn)
        .await?;
        let keys: Vec<f64> = cell.iter().map(|(_, k)| *k).collect();
        let index = index as usize;
        if let Some(key) = domain::position::key_at(&keys, index) {
            return Ok(key);
        }
        let fresh = domain::position::renumbered(keys.len());
        for ((id, _), key) in cell.iter().zip(&fresh) {
            B::sql("UPDATE cards SET position = $1 WHERE id = $2")
                .bind(*key)
                .bind(*id)
                .execute(conn)
                .await?;
        }
        domain::position::key_at(&fresh, index)
            .ok_or_else(|| StoreError::Internal("no room in a renumbered cell".into()))
    }

    /// Writes a new card; `open` says whether it holds its dedup key as an open incident's
    /// (a card made straight into a done column does not).
    pub(super) async fn insert_card(
        conn: &mut Conn<B>,
        card: &Card,
        open: bool,
    ) -> Result<(), StoreError> {
        B::sql(concat!(
            "INSERT INTO cards (",
            card_columns!(),
            ", open_dedup_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
        ))
        .bind(card.id.0)
        .bind(card.board_id.0)
        .bind(card.number)
        .bind(card.title.as_str())
        .bind(card.description.as_str())
        .bind(card.card_type.as_str())
        .bind(card.column_id.0)
        .bind(card.lane_id.0)
        .bind(card.position)
        .bind(card.blocked)
        .bind(card.blocked_reason.as_deref())
        .bind(card.severity.map(|s| s.as_str()))
        .bind(card.service.as_deref())
        .bind(card.source.as_deref())
        .bind(card.dedup_key.as_deref())
        .bind(card.created_at)
        .bind(card.updated_at)
        .bind(card.column_entered_at)
        .bind(card.occurrences as i32)
        .bind(card.last_seen_at)
        .bind(card.alert_resolved_at)
        .bind(card.link.as_deref())
        .bind(card.caused_by.map(|d| d.0))
        .bind(card.comment_count as i32)
        .bind(card.discarded.as_ref().map(|d| d.at))
        .bind(card.discarded.as_ref().map(|d| d.reason.as_str()))
        .bind(card.discarded.as_ref().map(|d| d.by.as_str()))
        .bind(if open {
            card.dedup_key.as_deref()
        } else {
            None
        })
        .execute(conn)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "an open incident with dedup_key {:?} already exists on this board",
                card.dedup_key.as_deref().unwrap_or_default()
            )),
            other => other,
        })?;
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> CardStore for SqlStore<B> {
    async fn create_card(
        &self,
        board: &BoardRef,
        new: &NewCard,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::load_board(&mut tx, board, false).await?;
        let mut card = Self::add_card(&mut tx, &board, new, actor, now, None).await?;
        if let Some(labels) =
            Self::change_labels(&mut tx, &board, &card, &new.labels, actor, now).await?
        {
            card.labels = labels;
        }
        self.commit(tx, BoardChange::card(&card, "card_created"))
            .await?;
        Ok(card)
    }

    async fn card(&self, id: CardId) -> Result<Card, StoreError> {
        let mut conn = self.read().await?;
        Self::card_row(&mut conn, id).await
    }

    async fn card_board(&self, id: CardId) -> Result<BoardId, StoreError> {
        if let Some(board) = self.accel.card_board(id) {
            return Ok(board);
        }
        let mut conn = self.read().await?;
        let found: Option<(Uuid,)> = B::sql("SELECT board_id FROM cards WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut conn)
            .await?;
        let (board,) = found.ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
        self.accel.keep_card_board(id, BoardId(board));
        Ok(BoardId(board))
    }

    async fn card_by_number(&self, board: &BoardRef, number: i64) -> Result<Card, StoreError> {
        let mut conn = self.read().await?;
        let board_row = Self::read_board_row(&mut conn, board).await?;
        let row: Option<CardRow> = B::sql(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE board_id = $1 AND number = $2"
        ))
        .bind(board_row.id)
        .bind(number)
        .fetch_optional(&mut conn)
        .await?;
        let card = row
            .ok_or_else(|| StoreError::NotFound(format!("card #{number} on {board}")))?
            .try_into()?;
        Self::with_owners_and_labels(&mut conn, card).await
    }

    async fn update_card(
        &self,
        id: CardId,
        patch: &CardPatch,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::lock_card_board(&mut tx, id).await?;
        let card = Self::card_row(&mut tx, id).await?;
        let mut patched = patch.apply(&card, now)?;
        if let Some(wanted) = &patch.assignees {
            let edit = AssigneeEdit::Set(wanted.clone());
            let reason = patch.override_reason.as_deref();
            if let Some(owners) =
                Self::change_assignees(&mut tx, &board, &card, &edit, reason, actor, now).await?
            {
                patched.card.assignees = owners;
                patched.card.updated_at = now;
            }
        }
        if let Some(wanted) = &patch.labels
            && let Some(labels) =
                Self::change_labels(&mut tx, &board, &card, wanted, actor, now).await?
        {
            patched.card.labels = labels;
            patched.card.updated_at = now;
        }
        let next = &patched.card;
        if next == &card {
            return Ok(card);
        }
        B::sql(
            "UPDATE cards SET title = $1, description = $2, card_type = $3, severity = $4, \
             service = $5, blocked = $6, blocked_reason = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(next.title.as_str())
        .bind(next.description.as_str())
        .bind(next.card_type.as_str())
        .bind(next.severity.map(|s| s.as_str()))
        .bind(next.service.as_deref())
        .bind(next.blocked)
        .bind(next.blocked_reason.as_deref())
        .bind(next.updated_at)
        .bind(id.0)
        .execute(&mut tx)
        .await?;
        let mut events = Vec::new();
        if !patched.changed.is_empty() {
            let fields = patched.changed.iter().map(|f| (*f).to_owned()).collect();
            events.push(EventKind::Edited { fields });
        }
        if let Some(reason) = patched.blocked_now.clone() {
            let owners = &patched.card.assignees;
            let told = domain::inbox::tell(owners, actor.user_id, NoticeKind::Blocked, &reason);
            Self::write_notices(&mut tx, &patched.card, actor, told, now).await?;
            events.push(EventKind::Blocked { reason });
        }
        if patched.unblocked {
            events.push(EventKind::Unblocked);
        }
        for kind in &events {
            Self::insert_event(&mut tx, board.id, id, now, actor, kind).await?;
        }
        self.commit(tx, BoardChange::card(&patched.card, "card_edited"))
            .await?;
        Ok(patched.card)
    }

    async fn edit_assignees(
        &self,
        id: CardId,
        edit: &AssigneeEdit,
        override_reason: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::lock_card_board(&mut tx, id).await?;
        let mut card = Self::card_row(&mut tx, id).await?;
        let Some(owners) =
            Self::change_assignees(&mut tx, &board, &card, edit, override_reason, actor, now)
                .await?
        else {
            return Ok(card);
        };
        // A change of owners is a change of the card: its row version moves on too, so a
        // move that read the card before it re-reads (see `placement::move_in`).
        B::sql("UPDATE cards SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        card.assignees = owners;
        card.updated_at = now;
        self.commit(tx, BoardChange::card(&card, "card_edited"))
            .await?;
        Ok(card)
    }

    async fn assigned_cards(
        &self,
        board: BoardId,
        user: UserId,
    ) -> Result<Vec<CardId>, StoreError> {
        let mut conn = self.read().await?;
        // `card_assignees_board_user_idx`.
        let rows: Vec<(Uuid,)> =
            B::sql("SELECT card_id FROM card_assignees WHERE board_id = $1 AND user_id = $2")
                .bind(board.0)
                .bind(user.0)
                .fetch_all(&mut conn)
                .await?;
        Ok(rows.into_iter().map(|(id,)| CardId(id)).collect())
    }

    async fn open_assigned_counts(&self, user: UserId) -> Result<Vec<(BoardId, i64)>, StoreError> {
        let mut conn = self.read().await?;
        // `card_assignees_user_idx`, then each card and its column by primary key.
        let rows: Vec<CountRow> = B::sql(
            "SELECT a.board_id, COUNT(*) FROM card_assignees a \
             JOIN cards c ON c.id = a.card_id \
             JOIN board_columns col ON col.id = c.column_id \
             WHERE a.user_id = $1 AND col.kind <> 'done' AND c.discarded_at IS NULL \
             GROUP BY a.board_id",
        )
        .bind(user.0)
        .fetch_all(&mut conn)
        .await?;
        Ok(rows.into_iter().map(|(b, n)| (BoardId(b), n)).collect())
    }

    async fn move_card(
        &self,
        id: CardId,
        request: &MoveRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        // The time as the database keeps it: the answer is then what a read gives.
        let now = chrono::SubsecRound::trunc_subsecs(now, B::STORED_SUBSEC_DIGITS);
        let mut tx = self.write_tx().await?;
        let (card, announced) = self.move_in(&mut tx, id, request, actor, now).await?;
        let change = BoardChange::card(&card, "card_moved");
        self.commit_all(tx, if announced { Vec::new() } else { vec![change] })
            .await?;
        Ok(card)
    }

    async fn discard_card(
        &self,
        id: CardId,
        request: &DiscardRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        self.discard(id, request, actor, now).await
    }

    async fn restore_card(
        &self,
        id: CardId,
        request: &RestoreRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        self.restore(id, request, actor, now).await
    }

    async fn discarded_cards(&self, board: BoardId) -> Result<Vec<Card>, StoreError> {
        self.discarded_of(board).await
    }

    async fn discarded_card_ids(&self, board: BoardId) -> Result<Vec<CardId>, StoreError> {
        let mut conn = self.read().await?;
        // `cards_discarded_idx`: a board holds few.
        let rows: Vec<(Uuid,)> =
            B::sql("SELECT id FROM cards WHERE board_id = $1 AND discarded_at IS NOT NULL")
                .bind(board.0)
                .fetch_all(&mut conn)
                .await?;
        Ok(rows.into_iter().map(|(id,)| CardId(id)).collect())
    }

    async fn delete_card(
        &self,
        id: CardId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<domain::BoardEvent, StoreError> {
        self.delete(id, actor, now).await
    }

    async fn board_log(&self, board: BoardId) -> Result<Vec<domain::BoardEvent>, StoreError> {
        self.board_log_of(board).await
    }
}
