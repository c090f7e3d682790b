//! Retrospectives: a board's notes and action items per period, and an action item turned
//! into a card (under the same policies, numbering and event log as any other card).

use application::ports::{BoardChange, BoardRef, RetroStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::metrics::Window;
use domain::retro::{ActionItem, Retrospective};
use domain::{ActionItemId, Actor, BoardId, Card, CardId};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::retros::{ActionRow, PeriodActionRow, RetroRow};
use super::sql::SqlStore;

fn action(row: ActionRow) -> ActionItem {
    let (id, text, created_by, created_at, card, number) = row;
    ActionItem {
        id: ActionItemId(id),
        text,
        created_by,
        created_at,
        card: card.zip(number).map(|(c, n)| (CardId(c), n)),
    }
}

impl<B: Backend> SqlStore<B> {
    /// The retrospective's id, making an empty one first if there is none.
    async fn retro_id(
        conn: &mut Conn<B>,
        board: BoardId,
        period: Window,
    ) -> Result<Uuid, StoreError> {
        B::sql(
            "INSERT INTO retrospectives (id, board_id, period_from, period_to) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (board_id, period_from, period_to) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(board.0)
        .bind(period.from())
        .bind(period.to())
        .execute(conn)
        .await?;
        let (id,) = B::sql(
            "SELECT id FROM retrospectives \
             WHERE board_id = $1 AND period_from = $2 AND period_to = $3",
        )
        .bind(board.0)
        .bind(period.from())
        .bind(period.to())
        .fetch_one(conn)
        .await?;
        Ok(id)
    }

    async fn read_retro(
        conn: &mut Conn<B>,
        board: BoardId,
        period: Window,
    ) -> Result<Retrospective, StoreError> {
        let row: Option<RetroRow> = B::sql(
            "SELECT id, notes, updated_by, updated_at FROM retrospectives \
             WHERE board_id = $1 AND period_from = $2 AND period_to = $3",
        )
        .bind(board.0)
        .bind(period.from())
        .bind(period.to())
        .fetch_optional(conn)
        .await?;
        let mut retro = Retrospective::empty(board, period);
        let Some((id, notes, updated_by, updated_at)) = row else {
            return Ok(retro);
        };
        retro.notes = notes;
        retro.updated = updated_by.zip(updated_at);
        let actions: Vec<ActionRow> = B::sql(
            "SELECT a.id, a.text, a.created_by, a.created_at, a.card_id, c.number \
             FROM retro_actions a LEFT JOIN cards c ON c.id = a.card_id \
             WHERE a.retro_id = $1 ORDER BY a.created_at, a.id",
        )
        .bind(id)
        .fetch_all(conn)
        .await?;
        retro.actions = actions.into_iter().map(action).collect();
        Ok(retro)
    }
}

#[async_trait]
impl<B: Backend> RetroStore for SqlStore<B> {
    async fn retrospective(
        &self,
        board: BoardId,
        period: Window,
    ) -> Result<Retrospective, StoreError> {
        let mut conn = self.read().await?;
        Self::read_retro(&mut conn, board, period).await
    }

    async fn save_retro_notes(
        &self,
        board: BoardId,
        period: Window,
        notes: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Retrospective, StoreError> {
        let notes = domain::retro::check_notes(notes)?;
        let mut tx = self.write_tx().await?;
        B::sql(
            "INSERT INTO retrospectives \
             (id, board_id, period_from, period_to, notes, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (board_id, period_from, period_to) DO UPDATE SET \
             notes = excluded.notes, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(Uuid::now_v7())
        .bind(board.0)
        .bind(period.from())
        .bind(period.to())
        .bind(notes.as_str())
        .bind(actor.name.as_str())
        .bind(now)
        .execute(&mut tx)
        .await?;
        let retro = Self::read_retro(&mut tx, board, period).await?;
        self.commit(tx, BoardChange::board(board, "retro_notes"))
            .await?;
        Ok(retro)
    }

    async fn add_retro_action(
        &self,
        board: BoardId,
        period: Window,
        text: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ActionItem, StoreError> {
        let text = domain::retro::check_action(text)?;
        let mut tx = self.write_tx().await?;
        let retro = Self::retro_id(&mut tx, board, period).await?;
        let item = ActionItem {
            id: ActionItemId::new(),
            text,
            created_by: actor.name.clone(),
            created_at: now,
            card: None,
        };
        B::sql(
            "INSERT INTO retro_actions (id, retro_id, text, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(item.id.0)
        .bind(retro)
        .bind(item.text.as_str())
        .bind(item.created_by.as_str())
        .bind(now)
        .execute(&mut tx)
        .await?;
        self.commit(tx, BoardChange::board(board, "retro_action"))
            .await?;
        Ok(item)
    }

    async fn action_to_card(
        &self,
        board: BoardId,
        action_id: ActionItemId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        // The board's write lock first: two clicks on one item queue up here, and the second
        // sees the first one's card.
        let locked = Self::load_board(&mut tx, &BoardRef::Id(board), false).await?;
        let row: Option<PeriodActionRow> = B::sql(
            "SELECT a.id, a.text, a.created_by, a.created_at, a.card_id, c.number, \
             r.period_from, r.period_to \
             FROM retro_actions a JOIN retrospectives r ON r.id = a.retro_id \
             LEFT JOIN cards c ON c.id = a.card_id \
             WHERE a.id = $1 AND r.board_id = $2",
        )
        .bind(action_id.0)
        .bind(board.0)
        .fetch_optional(&mut tx)
        .await?;
        let Some((id, text, by, at, card, number, from, to)) = row else {
            return Err(StoreError::NotFound(format!("action item {action_id}")));
        };
        let item = action((id, text, by, at, card, number));
        if let Some((_, number)) = item.card {
            return Err(StoreError::Conflict(format!(
                "this action item is already card #{number}"
            )));
        }
        let new = item.to_card(from, to);
        let card = Self::add_card(&mut tx, &locked, &new, actor, now, None).await?;
        B::sql("UPDATE retro_actions SET card_id = $1 WHERE id = $2")
            .bind(card.id.0)
            .bind(action_id.0)
            .execute(&mut tx)
            .await?;
        self.commit(tx, BoardChange::card(&card, "card_created"))
            .await?;
        Ok(card)
    }
}
