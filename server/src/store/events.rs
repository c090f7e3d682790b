//! The card event log: appending to it, reading it (a card's, a board's for the flow
//! metrics, recently finished cards'), and importing past history into it.

use std::collections::HashMap;
use std::sync::Arc;

use application::ports::{BoardChange, BoardRef, EventStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::import::HistoryImport;
use domain::policy::Violation;
use domain::{Actor, BoardId, Card, CardEvent, CardId, ColumnId, EventKind, LaneId};
use sqlx::types::Json;
use uuid::Uuid;

use super::accel::Accelerator;
use super::backend::{Backend, Conn};
use super::rows::EventRow;
use super::sql::SqlStore;

impl<B: Backend> SqlStore<B> {
    /// Appends an event to the log. A move's source and target are copied out of the JSON
    /// into columns of their own, which the metrics read without decoding the JSON.
    pub(super) async fn insert_event(
        conn: &mut Conn<B>,
        board: BoardId,
        card: CardId,
        at: DateTime<Utc>,
        actor: &Actor,
        kind: &EventKind,
    ) -> Result<(), StoreError> {
        let (from_column, from_lane) = match kind {
            EventKind::Moved {
                from_column_id,
                from_lane_id,
                ..
            } => (Some(from_column_id.0), Some(from_lane_id.0)),
            _ => (None, None),
        };
        B::sql(
            "INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, actor_name, \
             column_id, lane_id, from_column_id, from_lane_id, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(board.0)
        .bind(card.0)
        .bind(kind.name())
        .bind(at)
        .bind(actor.kind.as_str())
        .bind(actor.name.as_str())
        .bind(kind.column_after().map(|c| c.0))
        .bind(kind.lane_after().map(|l| l.0))
        .bind(from_column)
        .bind(from_lane)
        .bind(Json(kind))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records the policies a placement broke with the reason given for each.
    pub(super) async fn record_overrides(
        conn: &mut Conn<B>,
        board: BoardId,
        card: CardId,
        at: DateTime<Utc>,
        actor: &Actor,
        overrides: Vec<(Violation, String)>,
    ) -> Result<(), StoreError> {
        for (v, reason) in overrides {
            let kind = EventKind::PolicyOverridden {
                rule: v.rule,
                column_id: v.column_id,
                limit: v.limit,
                current: v.current,
                reason,
                user_id: v.person.map(|p| p.user_id),
            };
            Self::insert_event(conn, board, card, at, actor, &kind).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> EventStore for SqlStore<B> {
    async fn card_events(&self, id: CardId) -> Result<Vec<CardEvent>, StoreError> {
        let mut conn = self.read().await?;
        Self::card_row(&mut conn, id).await?;
        // `card_events_card_idx` (card_id, id).
        let rows: Vec<EventRow> = B::sql(
            "SELECT id, card_id, board_id, at, actor_kind, actor_name, data \
             FROM card_events WHERE card_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut conn)
        .await?;
        rows.into_iter().map(CardEvent::try_from).collect()
    }

    async fn board_events(
        &self,
        board: BoardId,
        until: DateTime<Utc>,
    ) -> Result<Arc<Vec<CardEvent>>, StoreError> {
        let mut conn = self.read().await?;
        let Some(slot) = self.accel.log_slot(board) else {
            let events = B::event_log(&mut conn, board, 0).await?;
            return Ok(Accelerator::uncached(events, until));
        };
        // The kept copy, brought up to date (see `accel::logs` for why it is exact).
        let mut slot = slot.lock().await;
        if slot.len() > 0 {
            let (stored,): (i64,) =
                B::sql("SELECT count(*) FROM card_events WHERE board_id = $1 AND id <= $2")
                    .bind(board.0)
                    .bind(slot.last_id())
                    .fetch_one(&mut conn)
                    .await?;
            if usize::try_from(stored).ok() != Some(slot.len()) {
                tracing::warn!(
                    %board,
                    cached = slot.len(),
                    stored,
                    "cached event log out of step; reading it whole"
                );
                slot.clear();
            }
        }
        let fresh = B::event_log(&mut conn, board, slot.last_id()).await?;
        slot.append(fresh);
        let events = slot.before(until);
        drop(slot);
        self.accel.trim_logs();
        Ok(events)
    }

    async fn finished_card_events(
        &self,
        board: BoardId,
        since: DateTime<Utc>,
    ) -> Result<Vec<CardEvent>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<EventRow> = B::sql(
            "SELECT e.id, e.card_id, e.board_id, e.at, e.actor_kind, e.actor_name, e.data \
             FROM card_events e \
             JOIN cards c ON c.id = e.card_id \
             JOIN board_columns col ON col.id = c.column_id \
             WHERE c.board_id = $1 AND col.kind = 'done' AND c.column_entered_at >= $2 \
             AND c.discarded_at IS NULL ORDER BY e.id",
        )
        .bind(board.0)
        .bind(since)
        .fetch_all(&mut conn)
        .await?;
        rows.into_iter().map(CardEvent::try_from).collect()
    }

    async fn metric_cards(
        &self,
        board: BoardId,
    ) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
        let mut conn = self.read().await?;
        B::metric_cards(&mut conn, board.0).await
    }

    async fn import_history(
        &self,
        board: &BoardRef,
        import: &HistoryImport,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = Self::load_board(&mut tx, board, false).await?;
        let planned = import.plan(&board, now)?;
        // Each cell's last key: the imported cards go after the cards there.
        let ends: Vec<(Uuid, Uuid, f64)> = B::sql(
            "SELECT column_id, lane_id, MAX(position) FROM cards WHERE board_id = $1 \
             GROUP BY column_id, lane_id",
        )
        .bind(board.id.0)
        .fetch_all(&mut tx)
        .await?;
        let mut ends: HashMap<(ColumnId, LaneId), f64> = ends
            .into_iter()
            .map(|(column, lane, end)| ((ColumnId(column), LaneId(lane)), end))
            .collect();
        // The numbers of all the cards at once: an update of the board's row per card left
        // PostgreSQL a chain of row versions to walk that grew with each card of the
        // transaction (50,000 cards took minutes).
        let count = i64::try_from(planned.len()).unwrap_or(i64::MAX);
        let first = Self::next_numbers(&mut tx, board.id, count).await?;
        for (number, plan) in (first..).zip(&planned) {
            // A plan always has a step (the import checks it); none would leave a gap.
            let Some(&(last_column, last_at)) = plan.steps.last() else {
                continue;
            };
            let (first_column, first_at) = plan.steps[0];
            let end = ends.entry((last_column, plan.lane_id)).or_insert(0.0);
            *end += 1.0;
            let card = Card {
                comment_count: 0,
                labels: Vec::new(),
                discarded: None,
                assignees: Vec::new(),
                id: CardId::new(),
                board_id: board.id,
                number,
                title: plan.title.clone(),
                description: plan.description.clone(),
                card_type: plan.card_type,
                column_id: last_column,
                lane_id: plan.lane_id,
                position: *end,
                blocked: false,
                blocked_reason: None,
                severity: plan.severity,
                service: plan.service.clone(),
                source: None,
                dedup_key: None,
                created_at: plan.created_at,
                updated_at: last_at,
                column_entered_at: plan
                    .steps
                    .iter()
                    .rev()
                    .take_while(|(c, _)| *c == last_column)
                    .last()
                    .map_or(last_at, |(_, at)| *at),
                occurrences: 1,
                last_seen_at: None,
                alert_resolved_at: None,
                link: None,
                caused_by: None,
            };
            Self::insert_card(&mut tx, &card, false).await?;
            let created = EventKind::Created {
                column_id: first_column,
                lane_id: plan.lane_id,
            };
            Self::insert_event(&mut tx, board.id, card.id, first_at, actor, &created).await?;
            for pair in plan.steps.windows(2) {
                let ((from, _), (to, at)) = (pair[0], pair[1]);
                let moved = EventKind::Moved {
                    from_column_id: from,
                    from_lane_id: plan.lane_id,
                    to_column_id: to,
                    to_lane_id: plan.lane_id,
                };
                Self::insert_event(&mut tx, board.id, card.id, at, actor, &moved).await?;
            }
        }
        self.commit(tx, BoardChange::board(board.id, "history_imported"))
            .await?;
        Ok(planned.len())
    }
}
