//! Labels: a board's own (made, renamed, recoloured, removed under the board's write lock)
//! and a card's (read with the card, changed inside the card's write with `labelled` and
//! `unlabelled` events).

use std::collections::HashMap;

use application::ports::{BoardChange, BoardRef, LabelStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::label::{Label, LabelSpec};
use domain::{Actor, Board, BoardId, Card, CardId, EventKind, LabelId};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::sql::SqlStore;

impl<B: Backend> SqlStore<B> {
    /// The labels of card `id`, in the board's order (by name) (`card_labels_pkey`).
    pub(super) async fn labels_of(
        conn: &mut Conn<B>,
        id: CardId,
    ) -> Result<Vec<LabelId>, StoreError> {
        let rows: Vec<(Uuid,)> = B::sql(
            "SELECT c.label_id FROM card_labels c JOIN labels l ON l.id = c.label_id \
             WHERE c.card_id = $1 ORDER BY lower(l.name), l.id",
        )
        .bind(id.0)
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(|(l,)| LabelId(l)).collect())
    }

    /// The labels of every labelled card of board `board`, by card, in the board's order:
    /// one read (`card_labels_board_label_idx`).
    pub(super) async fn labellings(
        conn: &mut Conn<B>,
        board: BoardId,
    ) -> Result<HashMap<Uuid, Vec<LabelId>>, StoreError> {
        let rows: Vec<(Uuid, Uuid)> = B::sql(
            "SELECT c.card_id, c.label_id FROM card_labels c JOIN labels l ON l.id = c.label_id \
             WHERE c.board_id = $1 ORDER BY lower(l.name), l.id",
        )
        .bind(board.0)
        .fetch_all(conn)
        .await?;
        let mut labels: HashMap<Uuid, Vec<LabelId>> = HashMap::new();
        for (card, label) in rows {
            labels.entry(card).or_default().push(LabelId(label));
        }
        Ok(labels)
    }

    /// Gives `card` of the locked `board` the labels `wanted` (labels of the board, else
    /// `Invalid` naming `labels`), with a `labelled` or `unlabelled` event per label. `None`
    /// when that changes nothing; else the card's labels now.
    pub(super) async fn change_labels(
        conn: &mut Conn<B>,
        board: &Board,
        card: &Card,
        wanted: &[LabelId],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<LabelId>>, StoreError> {
        let change = domain::label::change(&card.labels, wanted, &board.labels)?;
        if change.is_empty() {
            return Ok(None);
        }
        for label in &change.removed {
            B::sql("DELETE FROM card_labels WHERE card_id = $1 AND label_id = $2")
                .bind(card.id.0)
                .bind(label.id.0)
                .execute(&mut *conn)
                .await?;
            let kind = EventKind::Unlabelled {
                label_id: label.id,
                name: label.name.clone(),
            };
            Self::insert_event(conn, board.id, card.id, now, actor, &kind).await?;
        }
        for label in &change.added {
            B::sql("INSERT INTO card_labels (card_id, label_id, board_id) VALUES ($1, $2, $3)")
                .bind(card.id.0)
                .bind(label.id.0)
                .bind(board.id.0)
                .execute(&mut *conn)
                .await?;
            let kind = EventKind::Labelled {
                label_id: label.id,
                name: label.name.clone(),
            };
            Self::insert_event(conn, board.id, card.id, now, actor, &kind).await?;
        }
        Ok(Some(change.labels))
    }

    /// Writes label `label` of the locked `board`: new, or changed in place.
    async fn write_label(
        conn: &mut Conn<B>,
        board: &Board,
        label: &Label,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statement = if board.label(label.id).is_some() {
            "UPDATE labels SET name = $2, colour = $3 WHERE id = $1 AND board_id = $4"
        } else {
            "INSERT INTO labels (id, name, colour, board_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        };
        B::sql(statement)
            .bind(label.id.0)
            .bind(label.name.as_str())
            .bind(label.colour.as_str())
            .bind(board.id.0)
            .bind(now)
            .execute(conn)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "the board has a label called \"{}\" already",
                    label.name
                )),
                other => other,
            })?;
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> LabelStore for SqlStore<B> {
    async fn save_label(
        &self,
        board: &BoardRef,
        id: Option<LabelId>,
        spec: &LabelSpec,
        now: DateTime<Utc>,
    ) -> Result<Label, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::load_board(&mut tx, board, false).await?;
        let id = match id {
            Some(id) if board.label(id).is_none() => {
                return Err(StoreError::NotFound(format!("label {id}")));
            }
            Some(id) => id,
            None => LabelId(Uuid::now_v7()),
        };
        let label = spec.validate(id, &board.labels)?;
        Self::write_label(&mut tx, &board, &label, now).await?;
        self.commit(tx, BoardChange::board(board.id, "labels_changed"))
            .await?;
        Ok(label)
    }

    async fn delete_label(
        &self,
        board: &BoardRef,
        id: LabelId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::load_board(&mut tx, board, false).await?;
        let label = board
            .label(id)
            .ok_or_else(|| StoreError::NotFound(format!("label {id}")))?;
        // Each card that carried it says so in its history.
        let carriers: Vec<(Uuid,)> = B::sql("SELECT card_id FROM card_labels WHERE label_id = $1")
            .bind(id.0)
            .fetch_all(&mut tx)
            .await?;
        let kind = EventKind::Unlabelled {
            label_id: id,
            name: label.name.clone(),
        };
        for (card,) in carriers {
            Self::insert_event(&mut tx, board.id, CardId(card), now, actor, &kind).await?;
        }
        B::sql("DELETE FROM labels WHERE id = $1")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        self.commit(tx, BoardChange::board(board.id, "labels_changed"))
            .await?;
        Ok(())
    }

    async fn labelled_cards(
        &self,
        board: BoardId,
        label: LabelId,
    ) -> Result<Vec<CardId>, StoreError> {
        let mut conn = self.read().await?;
        // `card_labels_board_label_idx`.
        let rows: Vec<(Uuid,)> =
            B::sql("SELECT card_id FROM card_labels WHERE board_id = $1 AND label_id = $2")
                .bind(board.0)
                .bind(label.0)
                .fetch_all(&mut conn)
                .await?;
        Ok(rows.into_iter().map(|(id,)| CardId(id)).collect())
    }
}
