//! The SQL both backends share. SQLite and PostgreSQL accept the same statements here
//! (`$n` placeholders, `RETURNING`), so one body serves both; `impl_store!` stamps it out for
//! each concrete sqlx database type, which keeps the code free of sqlx's generic bounds.
//!
//! What differs is passed in: how a write transaction starts (`BEGIN IMMEDIATE` on SQLite
//! takes the write lock up front) and how the board row is locked (`FOR UPDATE` on
//! PostgreSQL). Every write takes the board lock first, so writes to one board are serialised
//! and the checks made inside them (numbering, positions, later WIP limits) hold.
//!
//! SQLite numbers `$n` parameters by first appearance, so each statement uses `$1`, `$2`, ...
//! in ascending order of first use.

/// Columns of `boards` that [`super::rows::BoardRow`] reads.
macro_rules! board_columns {
    () => {
        "SELECT id, slug, name, description, created_at, committed_capacity, tech_debt_share, \
         expedite_limit, expedite_counts_toward_wip"
    };
}

/// Columns of `cards` in the order [`super::rows::CardRow`] reads them.
macro_rules! card_columns {
    () => {
        "id, board_id, number, title, description, card_type, column_id, lane_id, position, \
         blocked, blocked_reason, severity, service, source, dedup_key, created_at, updated_at, \
         column_entered_at"
    };
}

macro_rules! impl_store {
    ($store:ident, $db:ty, begin: $begin:literal, lock_board: $lock:literal) => {
        use std::collections::HashMap;

        use app::ssr::{BoardRef, Store, StoreError};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use domain::board::{BoardDraft, ColumnSpec, plan_columns};
        use domain::import::HistoryImport;
        use domain::policy::{BoardPolicy, Mover, Violation, check_override_reason, check_placement};
        use domain::{
            Actor, Board, BoardId, BoardSummary, Card, CardEvent, CardId, CardPatch, Column,
            ColumnId, EventKind, Lane, LaneId, MoveRequest, NewBoard, NewCard,
        };
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::store::rows::{
            BoardRow, CardRow, ColumnRow, EventRow, LaneRow, SummaryRow, db_error,
        };

        type Conn = <$db as sqlx::Database>::Connection;
        type Tx = sqlx::Transaction<'static, $db>;

        impl $store {
            /// Starts a write transaction.
            async fn write_tx(&self) -> Result<Tx, StoreError> {
                if $begin.is_empty() {
                    self.pool.begin().await.map_err(db_error)
                } else {
                    self.pool.begin_with($begin).await.map_err(db_error)
                }
            }
        }

        async fn board_row(conn: &mut Conn, board: &BoardRef) -> Result<BoardRow, StoreError> {
            let row = match board {
                BoardRef::Id(id) => {
                    sqlx::query_as::<_, BoardRow>(concat!(
                        concat!(board_columns!(), " FROM boards WHERE id = $1"),
                        $lock
                    ))
                    .bind(id.0)
                    .fetch_optional(&mut *conn)
                    .await
                }
                BoardRef::Slug(slug) => {
                    sqlx::query_as::<_, BoardRow>(concat!(
                        concat!(board_columns!(), " FROM boards WHERE slug = $1"),
                        $lock
                    ))
                    .bind(slug.as_str())
                    .fetch_optional(&mut *conn)
                    .await
                }
            };
            row.map_err(db_error)?.ok_or_else(|| StoreError::NotFound(board.to_string()))
        }

        /// Loads a board; with `with_cards` false its card list stays empty.
        async fn load_board(
            conn: &mut Conn,
            board: &BoardRef,
            with_cards: bool,
        ) -> Result<Board, StoreError> {
            let row = board_row(conn, board).await?;
            let columns = sqlx::query_as::<_, ColumnRow>(
                "SELECT id, name, kind, wip_limit, position FROM board_columns \
                 WHERE board_id = $1 ORDER BY position",
            )
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(Column::try_from)
            .collect::<Result<Vec<_>, _>>()?;
            let lanes = sqlx::query_as::<_, LaneRow>(
                "SELECT id, name, kind, position FROM lanes WHERE board_id = $1 ORDER BY position",
            )
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(Lane::try_from)
            .collect::<Result<Vec<_>, _>>()?;
            let cards = if with_cards {
                sqlx::query_as::<_, CardRow>(concat!(
                    "SELECT ",
                    card_columns!(),
                    " FROM cards WHERE board_id = $1 ORDER BY position, number"
                ))
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(Card::try_from)
                .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            let policy = row.policy();
            Ok(Board {
                id: BoardId(row.id),
                slug: row.slug,
                name: row.name,
                description: row.description,
                created_at: row.created_at,
                policy,
                columns,
                lanes,
                cards,
            })
        }

        async fn card_row(conn: &mut Conn, id: CardId) -> Result<Card, StoreError> {
            sqlx::query_as::<_, CardRow>(concat!("SELECT ", card_columns!(), " FROM cards WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?
                .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?
                .try_into()
        }

        /// Takes the board's write lock for a card's board and returns the board with its cards.
        async fn lock_card_board(conn: &mut Conn, id: CardId) -> Result<Board, StoreError> {
            let board_id: Option<Uuid> =
                sqlx::query_scalar("SELECT board_id FROM cards WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_error)?;
            let board_id = board_id.ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
            load_board(conn, &BoardRef::Id(BoardId(board_id)), true).await
        }

        async fn insert_column(conn: &mut Conn, board: Uuid, c: &Column) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO board_columns (id, board_id, name, kind, wip_limit, position) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(c.id.0)
            .bind(board)
            .bind(c.name.as_str())
            .bind(c.kind.as_str())
            .bind(c.wip_limit.map(|l| l as i32))
            .bind(c.position)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(())
        }

        async fn insert_event(
            conn: &mut Conn,
            board: BoardId,
            card: CardId,
            at: DateTime<Utc>,
            actor: &Actor,
            kind: &EventKind,
        ) -> Result<(), StoreError> {
            let (from_column, from_lane) = match kind {
                EventKind::Moved { from_column_id, from_lane_id, .. } => {
                    (Some(from_column_id.0), Some(from_lane_id.0))
                }
                _ => (None, None),
            };
            sqlx::query(
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
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(())
        }

        /// Applies the flow policies to a placement: refused without an override reason,
        /// otherwise the violations to record once the card is written.
        fn enforce(
            board: &Board,
            mover: Mover,
            column: ColumnId,
            lane: LaneId,
            override_reason: Option<&str>,
        ) -> Result<Vec<(Violation, String)>, StoreError> {
            let violations = check_placement(board, mover, column, lane);
            if violations.is_empty() {
                return Ok(Vec::new());
            }
            match check_override_reason(override_reason)? {
                Some(reason) => Ok(violations.into_iter().map(|v| (v, reason.clone())).collect()),
                None => Err(StoreError::Policy(violations)),
            }
        }

        async fn record_overrides(
            conn: &mut Conn,
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
                };
                insert_event(conn, board, card, at, actor, &kind).await?;
            }
            Ok(())
        }

        async fn next_number(conn: &mut Conn, board: BoardId) -> Result<i64, StoreError> {
            sqlx::query_scalar(
                "UPDATE boards SET next_card_number = next_card_number + 1 WHERE id = $1 \
                 RETURNING next_card_number - 1",
            )
            .bind(board.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error)
        }

        /// Sort keys of a cell, the moving card left out.
        async fn cell_keys(
            conn: &mut Conn,
            column: ColumnId,
            lane: LaneId,
            except: Option<CardId>,
        ) -> Result<Vec<(Uuid, f64)>, StoreError> {
            sqlx::query_as::<_, (Uuid, f64)>(
                "SELECT id, position FROM cards WHERE column_id = $1 AND lane_id = $2 \
                 AND id <> $3 ORDER BY position, number",
            )
            .bind(column.0)
            .bind(lane.0)
            .bind(except.map(|c| c.0).unwrap_or(Uuid::nil()))
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)
        }

        /// The sort key for index `index` of a cell, renumbering the cell if it ran out of room.
        async fn key_for(
            conn: &mut Conn,
            column: ColumnId,
            lane: LaneId,
            except: Option<CardId>,
            index: Option<u32>,
        ) -> Result<f64, StoreError> {
            let cell = cell_keys(conn, column, lane, except).await?;
            let keys: Vec<f64> = cell.iter().map(|(_, k)| *k).collect();
            let index = index.map_or(keys.len(), |i| i as usize);
            if let Some(key) = domain::position::key_at(&keys, index) {
                return Ok(key);
            }
            let fresh = domain::position::renumbered(keys.len());
            for ((id, _), key) in cell.iter().zip(&fresh) {
                sqlx::query("UPDATE cards SET position = $1 WHERE id = $2")
                    .bind(*key)
                    .bind(*id)
                    .execute(&mut *conn)
                    .await
                    .map_err(db_error)?;
            }
            domain::position::key_at(&fresh, index)
                .ok_or_else(|| StoreError::Internal("no room in a renumbered cell".into()))
        }

        async fn insert_card(conn: &mut Conn, card: &Card) -> Result<(), StoreError> {
            sqlx::query(concat!(
                "INSERT INTO cards (",
                card_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
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
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(())
        }

        async fn insert_board(
            conn: &mut Conn,
            draft: &BoardDraft,
            now: DateTime<Utc>,
        ) -> Result<BoardId, StoreError> {
            let id = BoardId::new();
            sqlx::query(
                "INSERT INTO boards (id, slug, name, description, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(draft.slug.as_str())
            .bind(draft.name.as_str())
            .bind(draft.description.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(|e| match db_error(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "a board with the address \"{}\" already exists; choose another name or slug",
                    draft.slug
                )),
                other => other,
            })?;
            for column in &draft.columns {
                insert_column(conn, id.0, column).await?;
            }
            for lane in &draft.lanes {
                sqlx::query(
                    "INSERT INTO lanes (id, board_id, name, kind, position) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(lane.id.0)
                .bind(id.0)
                .bind(lane.name.as_str())
                .bind(lane.kind.as_str())
                .bind(lane.position)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            }
            Ok(id)
        }

        #[async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error)?;
                Ok(())
            }

            async fn list_boards(&self) -> Result<Vec<BoardSummary>, StoreError> {
                let rows = sqlx::query_as::<_, SummaryRow>(
                    "SELECT b.id, b.slug, b.name, b.description, \
                     COUNT(c.id) AS total_cards, \
                     COALESCE(SUM(CASE WHEN col.kind <> 'done' THEN 1 ELSE 0 END), 0) AS open_cards \
                     FROM boards b \
                     LEFT JOIN cards c ON c.board_id = b.id \
                     LEFT JOIN board_columns col ON col.id = c.column_id \
                     GROUP BY b.id, b.slug, b.name, b.description \
                     ORDER BY b.name, b.slug",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                Ok(rows.into_iter().map(BoardSummary::from).collect())
            }

            async fn create_board(&self, new: &NewBoard, now: DateTime<Utc>) -> Result<Board, StoreError> {
                let draft = new.validate()?;
                let mut tx = self.write_tx().await?;
                let id = insert_board(&mut tx, &draft, now).await?;
                let board = load_board(&mut tx, &BoardRef::Id(id), true).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(board)
            }

            async fn board(&self, board: &BoardRef) -> Result<Board, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                load_board(&mut conn, board, true).await
            }

            async fn set_policy(&self, board: &BoardRef, policy: &BoardPolicy) -> Result<Board, StoreError> {
                policy.validate()?;
                let mut tx = self.write_tx().await?;
                let row = board_row(&mut tx, board).await?;
                let limit = |v: Option<u32>| v.map(|v| v as i32);
                sqlx::query(
                    "UPDATE boards SET committed_capacity = $1, tech_debt_share = $2, expedite_limit = $3, \
                     expedite_counts_toward_wip = $4 WHERE id = $5",
                )
                .bind(limit(policy.committed_capacity))
                .bind(policy.tech_debt_share)
                .bind(limit(policy.expedite_limit))
                .bind(policy.expedite_counts_toward_wip)
                .bind(row.id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                let board = load_board(&mut tx, &BoardRef::Id(BoardId(row.id)), true).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(board)
            }

            async fn set_columns(&self, board: &BoardRef, specs: &[ColumnSpec]) -> Result<Board, StoreError> {
                let mut tx = self.write_tx().await?;
                let current = load_board(&mut tx, board, true).await?;
                let planned = plan_columns(&current.columns, &current.cards, specs)?;
                for gone in current.columns.iter().filter(|c| planned.iter().all(|p| p.id != c.id)) {
                    sqlx::query("DELETE FROM board_columns WHERE id = $1")
                        .bind(gone.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_error)?;
                }
                for column in &planned {
                    if current.column(column.id).is_some() {
                        sqlx::query(
                            "UPDATE board_columns SET name = $1, kind = $2, wip_limit = $3, position = $4 \
                             WHERE id = $5",
                        )
                        .bind(column.name.as_str())
                        .bind(column.kind.as_str())
                        .bind(column.wip_limit.map(|l| l as i32))
                        .bind(column.position)
                        .bind(column.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_error)?;
                    } else {
                        insert_column(&mut tx, current.id.0, column).await?;
                    }
                }
                let board = load_board(&mut tx, &BoardRef::Id(current.id), true).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(board)
            }

            async fn create_card(
                &self,
                board: &BoardRef,
                new: &NewCard,
                actor: &Actor,
                now: DateTime<Utc>,
            ) -> Result<Card, StoreError> {
                let mut tx = self.write_tx().await?;
                let board = load_board(&mut tx, board, true).await?;
                let draft = new.validate(&board)?;
                let mover = Mover { id: None, card_type: draft.card_type };
                let overrides =
                    enforce(&board, mover, draft.column_id, draft.lane_id, new.override_reason.as_deref())?;
                let number = next_number(&mut tx, board.id).await?;
                let position = key_for(&mut tx, draft.column_id, draft.lane_id, None, None).await?;
                let card = Card {
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
                };
                insert_card(&mut tx, &card).await?;
                let created = EventKind::Created { column_id: card.column_id, lane_id: card.lane_id };
                insert_event(&mut tx, board.id, card.id, now, actor, &created).await?;
                record_overrides(&mut tx, board.id, card.id, now, actor, overrides).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(card)
            }

            async fn card(&self, id: CardId) -> Result<Card, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                card_row(&mut conn, id).await
            }

            async fn card_by_number(&self, board: &BoardRef, number: i64) -> Result<Card, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                let board_row = board_row(&mut conn, board).await?;
                sqlx::query_as::<_, CardRow>(concat!(
                    "SELECT ",
                    card_columns!(),
                    " FROM cards WHERE board_id = $1 AND number = $2"
                ))
                .bind(board_row.id)
                .bind(number)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?
                .ok_or_else(|| StoreError::NotFound(format!("card #{number} on {board}")))?
                .try_into()
            }

            async fn update_card(
                &self,
                id: CardId,
                patch: &CardPatch,
                actor: &Actor,
                now: DateTime<Utc>,
            ) -> Result<Card, StoreError> {
                let mut tx = self.write_tx().await?;
                let board = lock_card_board(&mut tx, id).await?;
                let card = card_row(&mut tx, id).await?;
                let patched = patch.apply(&card, now)?;
                let next = &patched.card;
                if next == &card {
                    return Ok(card);
                }
                sqlx::query(
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
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                if !patched.changed.is_empty() {
                    let fields = patched.changed.iter().map(|f| (*f).to_owned()).collect();
                    insert_event(&mut tx, board.id, id, now, actor, &EventKind::Edited { fields }).await?;
                }
                if let Some(reason) = patched.blocked_now.clone() {
                    insert_event(&mut tx, board.id, id, now, actor, &EventKind::Blocked { reason }).await?;
                }
                if patched.unblocked {
                    insert_event(&mut tx, board.id, id, now, actor, &EventKind::Unblocked).await?;
                }
                tx.commit().await.map_err(db_error)?;
                Ok(patched.card)
            }

            async fn move_card(
                &self,
                id: CardId,
                request: &MoveRequest,
                actor: &Actor,
                now: DateTime<Utc>,
            ) -> Result<Card, StoreError> {
                let mut tx = self.write_tx().await?;
                let board = lock_card_board(&mut tx, id).await?;
                let mut card = card_row(&mut tx, id).await?;
                let (column, lane) = request.target(&board, &card)?;
                let mover = Mover { id: Some(card.id), card_type: card.card_type };
                let overrides =
                    enforce(&board, mover, column, lane, request.override_reason.as_deref())?;
                let position = key_for(&mut tx, column, lane, Some(id), request.position).await?;
                let moved = EventKind::Moved {
                    from_column_id: card.column_id,
                    from_lane_id: card.lane_id,
                    to_column_id: column,
                    to_lane_id: lane,
                };
                if column != card.column_id {
                    card.column_entered_at = now;
                }
                card.column_id = column;
                card.lane_id = lane;
                card.position = position;
                card.updated_at = now;
                sqlx::query(
                    "UPDATE cards SET column_id = $1, lane_id = $2, position = $3, updated_at = $4, \
                     column_entered_at = $5 WHERE id = $6",
                )
                .bind(column.0)
                .bind(lane.0)
                .bind(position)
                .bind(now)
                .bind(card.column_entered_at)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                insert_event(&mut tx, board.id, id, now, actor, &moved).await?;
                record_overrides(&mut tx, board.id, id, now, actor, overrides).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(card)
            }

            async fn card_events(&self, id: CardId) -> Result<Vec<CardEvent>, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                card_row(&mut conn, id).await?;
                sqlx::query_as::<_, EventRow>(
                    "SELECT id, card_id, board_id, at, actor_kind, actor_name, data \
                     FROM card_events WHERE card_id = $1 ORDER BY id",
                )
                .bind(id.0)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(CardEvent::try_from)
                .collect()
            }

            async fn board_events(&self, board: BoardId, until: DateTime<Utc>) -> Result<Vec<CardEvent>, StoreError> {
                sqlx::query_as::<_, EventRow>(
                    "SELECT id, card_id, board_id, at, actor_kind, actor_name, data \
                     FROM card_events WHERE board_id = $1 AND at < $2 ORDER BY id",
                )
                .bind(board.0)
                .bind(until)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(CardEvent::try_from)
                .collect()
            }

            async fn finished_card_events(
                &self,
                board: BoardId,
                since: DateTime<Utc>,
            ) -> Result<Vec<CardEvent>, StoreError> {
                sqlx::query_as::<_, EventRow>(
                    "SELECT e.id, e.card_id, e.board_id, e.at, e.actor_kind, e.actor_name, e.data \
                     FROM card_events e \
                     JOIN cards c ON c.id = e.card_id \
                     JOIN board_columns col ON col.id = c.column_id \
                     WHERE c.board_id = $1 AND col.kind = 'done' AND c.column_entered_at >= $2 \
                     ORDER BY e.id",
                )
                .bind(board.0)
                .bind(since)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(CardEvent::try_from)
                .collect()
            }

            async fn import_history(
                &self,
                board: &BoardRef,
                import: &HistoryImport,
                actor: &Actor,
            ) -> Result<usize, StoreError> {
                let mut tx = self.write_tx().await?;
                let board = load_board(&mut tx, board, true).await?;
                let planned = import.plan(&board)?;
                let mut ends: HashMap<(ColumnId, LaneId), f64> = HashMap::new();
                for card in &board.cards {
                    let end = ends.entry((card.column_id, card.lane_id)).or_insert(0.0);
                    *end = end.max(card.position);
                }
                for plan in &planned {
                    let Some(&(last_column, last_at)) = plan.steps.last() else { continue };
                    let (first_column, first_at) = plan.steps[0];
                    let end = ends.entry((last_column, plan.lane_id)).or_insert(0.0);
                    *end += 1.0;
                    let card = Card {
                        id: CardId::new(),
                        board_id: board.id,
                        number: next_number(&mut tx, board.id).await?,
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
                    };
                    insert_card(&mut tx, &card).await?;
                    let created = EventKind::Created { column_id: first_column, lane_id: plan.lane_id };
                    insert_event(&mut tx, board.id, card.id, first_at, actor, &created).await?;
                    for pair in plan.steps.windows(2) {
                        let ((from, _), (to, at)) = (pair[0], pair[1]);
                        let moved = EventKind::Moved {
                            from_column_id: from,
                            from_lane_id: plan.lane_id,
                            to_column_id: to,
                            to_lane_id: plan.lane_id,
                        };
                        insert_event(&mut tx, board.id, card.id, at, actor, &moved).await?;
                    }
                }
                tx.commit().await.map_err(db_error)?;
                Ok(planned.len())
            }
        }
    };
}
