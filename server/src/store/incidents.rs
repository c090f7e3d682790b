//! Incidents: reported (opened, or the open one with the same key refreshed), resolved,
//! applied in batches from monitoring, and each board's incident settings.

use application::ports::{
    AlertOutcome, BoardChange, BoardRef, IncidentOutcome, IncidentStore, StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::delivery::{DeploymentId, DeploymentRef};
use domain::incident::{IncidentReport, IncidentSettings, Signal, SignalStatus};
use domain::{Actor, Board, BoardId, Card, CardId, DomainError, EventKind, MoveRequest};
use sqlx::types::Json;
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::CardRow;
use super::sql::{SqlStore, WriteTx};

impl<B: Backend> SqlStore<B> {
    /// Opens an incident or refreshes the open one with its key, on a locked board. The
    /// board's layout is only loaded (for the policies) when a new card is made, so the
    /// refreshes of an alert storm stay cheap. A `caused_by` naming no deployment of the
    /// board is refused when `strict` (someone named it on purpose) and dropped otherwise.
    async fn report_in(
        conn: &mut WriteTx<B>,
        board_id: BoardId,
        report: &IncidentReport,
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
        strict: bool,
    ) -> Result<IncidentOutcome, StoreError> {
        let cause = match &report.caused_by {
            None => None,
            Some(named) => match Self::find_deployment(conn, board_id, named).await? {
                Some(found) => Some(found),
                None if strict => {
                    return Err(DomainError::Reference {
                        field: "caused_by",
                        message: "names no deployment reported to this board".into(),
                    }
                    .into());
                }
                None => None,
            },
        };
        let outcome =
            Self::report_new_or_recurring(conn, board_id, report, source, actor, now).await?;
        let Some(cause) = cause else {
            return Ok(outcome);
        };
        // A refreshed incident keeps a cause someone already named (perhaps by hand).
        let linked = B::sql("UPDATE cards SET caused_by = $1 WHERE id = $2 AND caused_by IS NULL")
            .bind(cause.0)
            .bind(outcome.card.id.0)
            .execute(conn)
            .await?;
        if linked == 0 {
            return Ok(outcome);
        }
        if !outcome.created {
            let kind = EventKind::Edited {
                fields: vec!["caused_by".into()],
            };
            Self::insert_event(conn, board_id, outcome.card.id, now, actor, &kind).await?;
        }
        let mut card = outcome.card;
        card.caused_by = Some(cause);
        Ok(IncidentOutcome {
            card,
            created: outcome.created,
        })
    }

    /// The deployment of the board a reference names: by id, or the latest deployment of the
    /// service at that version, production first (where incidents hurt users).
    async fn find_deployment(
        conn: &mut Conn<B>,
        board: BoardId,
        named: &DeploymentRef,
    ) -> Result<Option<DeploymentId>, StoreError> {
        let found: Option<(Uuid,)> = match named.validate("caused_by")? {
            DeploymentRef::Id(id) => {
                B::sql("SELECT id FROM deployments WHERE id = $1 AND board_id = $2")
                    .bind(id.0)
                    .bind(board.0)
                    .fetch_optional(conn)
                    .await?
            }
            DeploymentRef::Release(release) => {
                B::sql(
                    "SELECT id FROM deployments \
                     WHERE board_id = $1 AND service = $2 AND version = $3 \
                     ORDER BY CASE WHEN environment = $4 THEN 0 ELSE 1 END, \
                     deployed_at DESC, id DESC LIMIT 1",
                )
                .bind(board.0)
                .bind(release.service.as_str())
                .bind(release.version.as_str())
                .bind(domain::delivery::PRODUCTION)
                .fetch_optional(conn)
                .await?
            }
        };
        Ok(found.map(|(id,)| DeploymentId(id)))
    }

    /// [`Self::report_in`] without the cause.
    async fn report_new_or_recurring(
        conn: &mut WriteTx<B>,
        board_id: BoardId,
        report: &IncidentReport,
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError> {
        if let Some(key) = report.dedup_key.as_deref() {
            // The open card with the key, refreshed, read back and its event written, in one
            // round trip (`Backend::RECUR_AND_LOG`): an alert storm is mostly these.
            let template = EventKind::IncidentRecurred { occurrences: 0 };
            let refreshed: Vec<CardRow> = B::sql(B::RECUR_AND_LOG)
                .bind(now)
                .bind(now)
                .bind(board_id.0)
                .bind(key)
                .bind(template.name())
                .bind(actor.kind.as_str())
                .bind(actor.name.as_str())
                .bind(Json(&template))
                .fetch_all(conn)
                .await?;
            if let Some(row) = refreshed.into_iter().next() {
                let card = Self::with_owners_and_labels(conn, Card::try_from(row)?).await?;
                return Ok(IncidentOutcome {
                    card,
                    created: false,
                });
            }
        }
        let board = Self::load_board(conn, &BoardRef::Id(board_id), false).await?;
        let new = report.new_card(source);
        let card = Self::add_card(conn, &board, &new, actor, now, report.link.clone()).await?;
        Ok(IncidentOutcome {
            card,
            created: true,
        })
    }

    /// Marks the open incident `key` resolved at the alert's `ends_at` when that is plausible
    /// (`domain::incident::resolution_time`), else at `now` (`updated_at` is `now` either way,
    /// as it says when the row changed), and moves it to the board's resolve column if one is
    /// set; on a locked board. `None` when no open incident has the key.
    async fn resolve_in(
        conn: &mut WriteTx<B>,
        board_id: BoardId,
        key: &str,
        ends_at: Option<DateTime<Utc>>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Card>, StoreError> {
        let Some(id) = Self::open_incident(conn, board_id, key).await? else {
            return Ok(None);
        };
        let resolved_at = match ends_at {
            None => now,
            Some(_) => {
                let opened_at = Self::card_row(conn, id).await?.created_at;
                domain::incident::resolution_time(ends_at, opened_at, now)
            }
        };
        B::sql("UPDATE cards SET alert_resolved_at = $1, updated_at = $2 WHERE id = $3")
            .bind(resolved_at)
            .bind(now)
            .bind(id.0)
            .execute(conn)
            .await?;
        Self::insert_event(
            conn,
            board_id,
            id,
            resolved_at,
            actor,
            &EventKind::AlertResolved,
        )
        .await?;
        let row = Self::board_row(conn, &BoardRef::Id(board_id)).await?;
        let card = Self::card_row(conn, id).await?;
        if let Some(column) = row.incidents().resolve_column_id
            && card.column_id != column
        {
            let board = Self::load_board(conn, &BoardRef::Id(board_id), false).await?;
            if board.column(column).is_some() {
                return Self::move_resolved(conn, &board, card, column, actor, now)
                    .await
                    .map(Some);
            }
        }
        Ok(Some(card))
    }

    /// Moves a resolved incident to the board's resolve column, past any limit there.
    async fn move_resolved(
        conn: &mut WriteTx<B>,
        board: &Board,
        card: Card,
        column: domain::ColumnId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let request = MoveRequest {
            column_id: column,
            lane_id: None,
            position: None,
            override_reason: Some(
                "the alert resolved; the board moves resolved incidents here".into(),
            ),
        };
        let id = card.id;
        let planned = Self::plan_move(conn, board, card, &request, now).await?;
        Self::write_move(conn, board, planned, actor, now)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("card {id}")))
    }

    /// The open card with this dedup key on the board, if any (`cards_open_dedup_idx`).
    async fn open_incident(
        conn: &mut Conn<B>,
        board: BoardId,
        key: &str,
    ) -> Result<Option<CardId>, StoreError> {
        let id: Option<(Uuid,)> =
            B::sql("SELECT id FROM cards WHERE board_id = $1 AND open_dedup_key = $2")
                .bind(board.0)
                .bind(key)
                .fetch_optional(conn)
                .await?;
        Ok(id.map(|(id,)| CardId(id)))
    }
}

#[async_trait]
impl<B: Backend> IncidentStore for SqlStore<B> {
    async fn report_incident(
        &self,
        board: &BoardRef,
        report: &IncidentReport,
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError> {
        report.validate()?;
        let mut tx = self.write_tx().await?;
        let board_id = BoardId(Self::board_row(&mut tx, board).await?.id);
        let outcome = Self::report_in(&mut tx, board_id, report, source, actor, now, true).await?;
        let what = if outcome.created {
            "incident_opened"
        } else {
            "incident_recurred"
        };
        self.commit(tx, BoardChange::card(&outcome.card, what))
            .await?;
        Ok(outcome)
    }

    async fn resolve_incident(
        &self,
        board: &BoardRef,
        dedup_key: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        let board_id = BoardId(Self::board_row(&mut tx, board).await?.id);
        let card = Self::resolve_in(&mut tx, board_id, dedup_key, None, actor, now)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!("open incident with dedup_key {dedup_key:?}"))
            })?;
        self.commit(tx, BoardChange::card(&card, "alert_resolved"))
            .await?;
        Ok(card)
    }

    async fn apply_alerts(
        &self,
        board: &BoardRef,
        signals: &[Signal],
        source: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertOutcome>, StoreError> {
        for signal in signals {
            signal.report.validate()?;
        }
        let mut tx = self.write_tx().await?;
        let board_id = match board {
            // Where the write turn is the lock (SQLite), a caller that already resolved the
            // board (the webhooks) need not read its row again: a storm is mostly refreshes,
            // and this was one statement of five in each.
            BoardRef::Id(id) if !B::LOCKS_ROWS => *id,
            _ => BoardId(Self::board_row(&mut tx, board).await?.id),
        };
        let mut outcomes = Vec::with_capacity(signals.len());
        for signal in signals {
            let report = &signal.report;
            outcomes.push(match signal.status {
                SignalStatus::Firing => {
                    let done =
                        Self::report_in(&mut tx, board_id, report, source, actor, now, false)
                            .await?;
                    if done.created {
                        AlertOutcome::Created(done.card)
                    } else {
                        AlertOutcome::Refreshed(done.card)
                    }
                }
                SignalStatus::Resolved => {
                    let key = report.dedup_key.as_deref().unwrap_or_default();
                    let ends_at = signal.ends_at;
                    match Self::resolve_in(&mut tx, board_id, key, ends_at, actor, now).await? {
                        Some(card) => AlertOutcome::Resolved(card),
                        None => AlertOutcome::Ignored,
                    }
                }
            });
        }
        self.commit(tx, BoardChange::board(board_id, "alerts_applied"))
            .await?;
        Ok(outcomes)
    }

    async fn incident_settings(&self, board: BoardId) -> Result<IncidentSettings, StoreError> {
        // Every webhook call asks; a recent copy answers (see `accel::recent`).
        if let Some(settings) = self.accel.incident_settings(board) {
            return Ok(settings);
        }
        let ticket = self.accel.incident_settings_ticket();
        let mut conn = self.read().await?;
        let settings = Self::read_board_row(&mut conn, &BoardRef::Id(board))
            .await?
            .incidents();
        self.accel.keep_incident_settings(ticket, board, &settings);
        Ok(settings)
    }

    async fn set_incident_settings(
        &self,
        board: &BoardRef,
        settings: &IncidentSettings,
    ) -> Result<Board, StoreError> {
        settings.validate()?;
        let mut tx = self.write_tx().await?;
        let current = Self::load_board(&mut tx, board, false).await?;
        if let Some(column) = settings.resolve_column_id
            && current.column(column).is_none()
        {
            return Err(DomainError::Reference {
                field: "resolve_column_id",
                message: "is not a column of this board".into(),
            }
            .into());
        }
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::Internal(e.to_string()))?;
        B::sql("UPDATE boards SET incident_settings = $1 WHERE id = $2")
            .bind(json)
            .bind(current.id.0)
            .execute(&mut tx)
            .await?;
        let board = Self::load_board(&mut tx, &BoardRef::Id(current.id), true).await?;
        self.commit(
            tx,
            BoardChange::board(board.id, "incident_settings_changed"),
        )
        .await?;
        // After the commit: dropped before it, a read in between could keep the old (and a
        // read under way now keeps nothing: see `Recent::put`).
        self.accel.forget_incident_settings(Some(board.id));
        Ok(board)
    }
}
