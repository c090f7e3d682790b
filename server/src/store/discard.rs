//! Cards leaving the board: discarded and restored (see `domain::discard`), or deleted.
//!
//! A discarded card keeps its row, its history and its cell (`column_id`, `lane_id`);
//! `discarded_at` set takes it off the board: every read of the board's cards, every count a
//! limit makes and the metrics' card list leave it out (the last marks it instead, so the
//! metrics can count it apart). A deleted card is gone with everything that hangs on it (its
//! log, comments, owners, notices: the foreign keys cascade); the board's own log keeps its
//! number and who deleted it.

use application::ports::{BoardChange, StoreError};
use chrono::{DateTime, Utc};
use domain::discard::{DiscardRequest, RestoreRequest};
use domain::policy::Mover;
use domain::{Actor, BoardEvent, BoardEventKind, BoardId, Card, CardId, EventKind};
use sqlx::types::Json;

use super::backend::Backend;
use super::rows::{BoardEventRow, CardRow, card_columns};
use super::sql::SqlStore;

impl<B: Backend> SqlStore<B> {
    /// Takes card `id` off its board with the request's reason, recording `discarded`. An
    /// incident gives up its open dedup key: a new alert with the same key makes a new card.
    pub(super) async fn discard(
        &self,
        id: CardId,
        request: &DiscardRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let reason = request.reason()?;
        let now = chrono::SubsecRound::trunc_subsecs(now, B::STORED_SUBSEC_DIGITS);
        let mut tx = self.write_tx().await?;
        let board = Self::lock_card_board_row(&mut tx, id).await?;
        let mut card = Self::card_row(&mut tx, id).await?;
        if card.discarded.is_some() {
            return Err(StoreError::Conflict(format!(
                "card #{} is discarded already",
                card.number
            )));
        }
        B::sql(
            "UPDATE cards SET discarded_at = $1, discarded_reason = $2, discarded_by = $3, \
             updated_at = $1, open_dedup_key = NULL WHERE id = $4",
        )
        .bind(now)
        .bind(reason.as_str())
        .bind(actor.name.as_str())
        .bind(id.0)
        .execute(&mut tx)
        .await?;
        let kind = EventKind::Discarded {
            reason: reason.clone(),
            column_id: card.column_id,
            lane_id: card.lane_id,
        };
        Self::insert_event(&mut tx, BoardId(board.id), id, now, actor, &kind).await?;
        card.discarded = Some(domain::discard::Discard {
            at: now,
            reason,
            by: actor.name.clone(),
        });
        card.updated_at = now;
        self.commit(tx, BoardChange::card(&card, "card_discarded"))
            .await?;
        Ok(card)
    }

    /// Brings discarded card `id` back to the cell it left, at the cell's end, as if it
    /// entered it from off the board: the flow policies apply (refused without an override
    /// reason, recorded with one). An incident takes its dedup key back unless another open
    /// incident holds it now.
    pub(super) async fn restore(
        &self,
        id: CardId,
        request: &RestoreRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, B::STORED_SUBSEC_DIGITS);
        let mut tx = self.write_tx().await?;
        let board = Self::lock_card_board(&mut tx, id).await?;
        let mut card = Self::card_row(&mut tx, id).await?;
        if card.discarded.is_none() {
            return Err(StoreError::Conflict(format!(
                "card #{} is not discarded",
                card.number
            )));
        }
        let cell = (card.column_id, card.lane_id);
        let mover = Mover::new_card(card.card_type);
        let reason = request.override_reason.as_deref();
        let overrides =
            Self::enforce(&mut tx, &board, mover, cell, &card.assignees, reason).await?;
        let position = Self::key_for(&mut tx, board.id, cell.0, cell.1, Some(id), None).await?;
        B::sql(
            "UPDATE cards SET discarded_at = NULL, discarded_reason = NULL, discarded_by = NULL, \
             position = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(position)
        .bind(now)
        .bind(id.0)
        .execute(&mut tx)
        .await?;
        Self::keep_open_dedup_key(&mut tx, &board, &card).await?;
        let kind = EventKind::Restored {
            column_id: cell.0,
            lane_id: cell.1,
        };
        Self::insert_event(&mut tx, board.id, id, now, actor, &kind).await?;
        Self::record_overrides(&mut tx, board.id, id, now, actor, overrides).await?;
        card.discarded = None;
        card.position = position;
        card.updated_at = now;
        self.commit(tx, BoardChange::card(&card, "card_restored"))
            .await?;
        Ok(card)
    }

    /// The board's discarded cards, most recently discarded first (`cards_discarded_idx`).
    pub(super) async fn discarded_of(&self, board: BoardId) -> Result<Vec<Card>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<CardRow> = B::sql(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE board_id = $1 AND discarded_at IS NOT NULL \
             ORDER BY discarded_at DESC, number DESC"
        ))
        .bind(board.0)
        .fetch_all(&mut conn)
        .await?;
        let mut cards = rows
            .into_iter()
            .map(Card::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        if !cards.is_empty() {
            Self::fill_owners_and_labels(&mut conn, board, &mut cards).await?;
        }
        Ok(cards)
    }

    /// Deletes card `id` outright and records `card_deleted` in the board's log, in one
    /// transaction. The number stays taken: `next_card_number` never goes back.
    pub(super) async fn delete(
        &self,
        id: CardId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BoardEvent, StoreError> {
        let now = chrono::SubsecRound::trunc_subsecs(now, B::STORED_SUBSEC_DIGITS);
        let mut tx = self.write_tx().await?;
        let board = BoardId(Self::lock_card_board_row(&mut tx, id).await?.id);
        let mut card = Self::card_row(&mut tx, id).await?;
        B::sql("DELETE FROM cards WHERE id = $1")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        let kind = BoardEventKind::CardDeleted {
            number: card.number,
        };
        let (event_id,): (i64,) = B::sql(
            "INSERT INTO board_events (board_id, kind, at, actor_kind, actor_name, data) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(board.0)
        .bind(kind.name())
        .bind(now)
        .bind(actor.kind.as_str())
        .bind(actor.name.as_str())
        .bind(Json(&kind))
        .fetch_one(&mut tx)
        .await?;
        // Newer than any version of the card a live view holds, so it asks and hears it is gone.
        card.updated_at = now;
        self.commit(tx, BoardChange::card(&card, "card_deleted"))
            .await?;
        Ok(BoardEvent {
            id: event_id,
            board_id: board,
            at: now,
            actor: Actor {
                user_id: None,
                ..actor.clone()
            },
            kind,
        })
    }

    /// The board's own log, newest first.
    pub(super) async fn board_log_of(&self, board: BoardId) -> Result<Vec<BoardEvent>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<BoardEventRow> = B::sql(
            "SELECT id, at, actor_kind, actor_name, data FROM board_events \
             WHERE board_id = $1 ORDER BY id DESC",
        )
        .bind(board.0)
        .fetch_all(&mut conn)
        .await?;
        rows.into_iter().map(|row| row.into_event(board)).collect()
    }
}
