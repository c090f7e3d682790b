//! The SQL both backends share. SQLite and PostgreSQL accept the same statements here
//! (`$n` placeholders, `RETURNING`), so one body serves both; `impl_store!` stamps it out for
//! each concrete sqlx database type, which keeps the code free of sqlx's generic bounds.
//!
//! What differs is passed in: how a write transaction starts (`BEGIN IMMEDIATE` on SQLite
//! takes the write lock up front), how the board row is locked (`FOR UPDATE` on
//! PostgreSQL), and the `dialect` of the few statements that write two things in one round
//! trip (`move_and_log_sql`, `recur_and_log_sql`: two statements in one string on SQLite, a
//! data-modifying `WITH` on PostgreSQL). Every write takes the board lock first, so writes to
//! one board are serialised and the checks made inside them (numbering, positions, later WIP
//! limits) hold.
//!
//! sqlx binds `$n` to the n-th bound value on both backends, wherever it appears; on SQLite
//! that holds across the statements of one string too (`move_and_log_sql`).

/// Columns of `boards` that [`super::rows::BoardRow`] reads.
macro_rules! board_columns {
    () => {
        "SELECT id, slug, name, description, created_at, committed_capacity, tech_debt_share, \
         expedite_limit, expedite_counts_toward_wip, incident_settings"
    };
}

/// Columns of `cards` in the order [`super::rows::CardRow`] reads them.
macro_rules! card_columns {
    () => {
        "id, board_id, number, title, description, card_type, column_id, lane_id, position, \
         blocked, blocked_reason, severity, service, source, dedup_key, created_at, updated_at, \
         column_entered_at, occurrences, last_seen_at, alert_resolved_at, link, caused_by"
    };
}

/// The key after the last card of the cell `$1` (column), `$2` (lane) of board `$board`
/// other than the card `$except`, or 1 in an empty cell: where a card goes when no place in
/// the cell is asked for. One expression for the card made and the card moved (`key_for` and
/// `move_update`). The board is named so that the read is a search of `cards_cell_idx`
/// (board, column, lane, position): without it, SQLite scanned that whole index, every card
/// of every board, for each move and each new card. And it reads the cell's index from its
/// end (`ORDER BY position DESC LIMIT 1`), not `MAX(position)`: with `id <> ...` beside it,
/// PostgreSQL without fresh statistics aggregated the whole cell (12,500 rows, 10-20 ms on a
/// board of 50,000 cards; `bench/HISTORY.md`, session 23), where the end is one index entry.
macro_rules! end_of_cell_key {
    ($board:literal, $except:literal) => {
        concat!(
            "COALESCE((SELECT o.position FROM cards o WHERE o.board_id = ",
            $board,
            " AND o.column_id = $1 AND o.lane_id = $2 AND o.id <> ",
            $except,
            " ORDER BY o.position DESC LIMIT 1) + 1.0, 1.0)"
        )
    };
}

/// A move's `UPDATE`: card `$4` to column `$1`, lane `$2`, key `$3` (NULL: the end of the
/// cell), at `$5`, in its column since `$6`.
macro_rules! move_update {
    () => {
        concat!(
            "UPDATE cards SET column_id = $1, lane_id = $2, position = COALESCE($3, ",
            end_of_cell_key!("$7", "$4"),
            "), updated_at = $5, column_entered_at = $6 WHERE id = $4"
        )
    };
}

/// A move's event: on board `$7`, kind `$8`, by `$9` `$10`, from column `$11` and lane
/// `$12`, data `$13` (the rest as in [`move_update`]).
macro_rules! move_event {
    () => {
        "INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, actor_name, \
         column_id, lane_id, from_column_id, from_lane_id, data) \
         VALUES ($7, $4, $8, $5, $9, $10, $1, $2, $11, $12, $13)"
    };
}

/// A move's `UPDATE` and its event in one round trip, returning the card's new key. SQLite
/// runs both statements of one string; PostgreSQL takes one statement per query, so there the
/// event is a data-modifying `WITH`.
macro_rules! move_and_log_sql {
    (sqlite) => {
        concat!(move_update!(), " RETURNING position; ", move_event!())
    };
    (postgres) => {
        concat!(
            "WITH moved AS (",
            move_update!(),
            " RETURNING position), logged AS (",
            move_event!(),
            ") SELECT position FROM moved"
        )
    };
}

/// An open incident reported again, and its `incident_recurred` event, in one round trip:
/// the card on board `$3` with open key `$4` counted once more, seen at `$1` (`$2`), read
/// back; the event by `$6` `$7` at `$1`, kind `$5`, its data `$8` (the event with any count)
/// with the count the card now has. The count is patched in SQL because it is only known
/// there; serde writes the rest of the event, as for every other event.
macro_rules! recur_and_log_sql {
    (sqlite) => {
        concat!(
            "UPDATE cards SET occurrences = occurrences + 1, last_seen_at = $1, \
             alert_resolved_at = NULL, updated_at = $2 \
             WHERE board_id = $3 AND open_dedup_key = $4 RETURNING ",
            card_columns!(),
            "; INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, actor_name, data) \
             SELECT $3, id, $5, $1, $6, $7, json_set($8, '$.occurrences', occurrences) \
             FROM cards WHERE board_id = $3 AND open_dedup_key = $4"
        )
    };
    (postgres) => {
        concat!(
            "WITH recurred AS (UPDATE cards SET occurrences = occurrences + 1, last_seen_at = $1, \
             alert_resolved_at = NULL, updated_at = $2 \
             WHERE board_id = $3 AND open_dedup_key = $4 RETURNING ",
            card_columns!(),
            "), logged AS (INSERT INTO card_events \
             (board_id, card_id, kind, at, actor_kind, actor_name, data) \
             SELECT $3, id, $5, $1, $6, $7, jsonb_set($8, '{occurrences}', to_jsonb(occurrences)) \
             FROM recurred) SELECT ",
            card_columns!(),
            " FROM recurred"
        )
    };
}

macro_rules! impl_store {
    ($store:ident, $db:ty, begin: $begin:literal, lock_board: $lock:literal, notify: $notify:literal, dialect: $dialect:ident) => {
        use std::collections::HashMap;

        use application::ports::{BoardRef, Store, StoreError};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use domain::board::{BoardDraft, ColumnSpec, plan_columns};
        use domain::import::HistoryImport;
        use domain::incident::{IncidentReport, IncidentSettings};
        use application::ports::{AlertOutcome, BoardChange, IncidentOutcome};
        use domain::incident::{Signal, SignalStatus};
        use domain::policy::{
            BoardPolicy, Lanes, Mover, PlacementCounts, PlacementQuery, Violation,
            check_override_reason, check_placement,
        };
        use domain::{
            Actor, Board, BoardId, BoardSummary, Card, CardEvent, CardId, CardPatch, Column,
            ColumnId, EventKind, LaneId, MoveRequest, NewBoard, NewCard,
        };
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::store::rows::{
            BoardRow, CardRow, EventRow, Layout, LayoutRow, SummaryRow, VersionedCardRow, db_error,
        };

        type Conn = <$db as sqlx::Database>::Connection;
        type Tx = crate::store::WriteTx<$db>;

        impl $store {
            /// Commits a write and announces it to live board views: on PostgreSQL with
            /// `pg_notify` inside the transaction (delivered to every instance's listener, only
            /// if the commit succeeds); on SQLite to this process after the commit.
            async fn commit(&self, tx: Tx, change: BoardChange) -> Result<(), StoreError> {
                self.commit_all(tx, vec![change]).await
            }

            /// [`Self::commit`] for a write of several changes: on PostgreSQL their
            /// notifications are sent in one statement.
            ///
            /// The commit and the announcement run to their end on their own task, even if the
            /// request is dropped meanwhile (its client hung up): cut off there, SQLite could
            /// commit a change no live view is told of.
            async fn commit_all(&self, tx: Tx, changes: Vec<BoardChange>) -> Result<(), StoreError> {
                let store = self.clone();
                tokio::spawn(async move { store.commit_here(tx, changes).await })
                    .await
                    .map_err(|e| StoreError::Internal(format!("commit task: {e}")))?
            }

            /// [`Self::commit_all`] on the calling task.
            async fn commit_here(&self, mut tx: Tx, changes: Vec<BoardChange>) -> Result<(), StoreError> {
                if !$notify.is_empty() && !changes.is_empty() {
                    let payloads = changes
                        .iter()
                        .map(serde_json::to_string)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    // `SELECT pg_notify(channel, p) FROM (VALUES ($1), ($2), ...) AS v(p)`.
                    let values = (1..=payloads.len())
                        .map(|n| format!("(${n})"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let statement =
                        format!("{} FROM (VALUES {values}) AS v(p)", $notify.replace("$1", "p"));
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement));
                    for payload in payloads {
                        query = query.bind(payload);
                    }
                    query.execute(&mut **tx).await.map_err(db_error)?;
                }
                tx.commit().await.map_err(db_error)?;
                if $notify.is_empty() {
                    for change in changes {
                        self.changes.publish(change);
                    }
                }
                Ok(())
            }

            /// Starts a write transaction, after waiting for this process's write turn where
            /// the store has one (SQLite: one writer at a time anyway, and a fair queue here
            /// beats SQLite's busy-wait, which lets unlucky writers time out under load).
            async fn write_tx(&self) -> Result<Tx, StoreError> {
                let turn = match &self.write_turn {
                    Some(turn) => Some(turn.clone().lock_owned().await),
                    None => None,
                };
                let tx = if $begin.is_empty() {
                    self.write_pool().begin().await
                } else {
                    self.write_pool().begin_with($begin).await
                };
                Ok(crate::store::WriteTx::new(tx.map_err(db_error)?, turn))
            }
        }

        impl $store {
            /// The board's layout (no cards) at `version`: from the cache when it was read at
            /// that version (see `layout_cache`), else read and kept.
            async fn layout_at(
                &self,
                conn: &mut Conn,
                board_id: BoardId,
                version: i64,
            ) -> Result<std::sync::Arc<Board>, StoreError> {
                if let Some(board) = self.layouts.get(board_id, version) {
                    return Ok(board);
                }
                let board = std::sync::Arc::new(load_board(conn, &BoardRef::Id(board_id), false).await?);
                self.layouts.put(version, std::sync::Arc::clone(&board));
                Ok(board)
            }

            /// Moves card `id` inside a write transaction: the board locked first (on
            /// PostgreSQL; SQLite's write lock is held since `BEGIN IMMEDIATE`), then the card
            /// and the board's layout read, the move checked against the counts its limits need
            /// (see [`placement_counts`]) and written with its events.
            async fn move_in(
                &self,
                conn: &mut Conn,
                id: CardId,
                request: &MoveRequest,
                actor: &Actor,
                now: DateTime<Utc>,
            ) -> Result<Card, StoreError> {
                if !$lock.is_empty() {
                    lock_board_of_card(conn, id).await?;
                }
                let (version, card) = versioned_card(conn, id).await?;
                let board = self.layout_at(conn, card.board_id, version).await?;
                let planned = plan_move(conn, &board, card, request, now).await?;
                write_move(conn, &board, planned, actor, now).await
            }
        }

        /// Card `id` with the version of its board's layout, in one statement.
        async fn versioned_card(conn: &mut Conn, id: CardId) -> Result<(i64, Card), StoreError> {
            let row = sqlx::query_as::<_, VersionedCardRow>(concat!(
                "SELECT (SELECT layout_version FROM boards WHERE id = c.board_id) AS layout_version, ",
                card_columns!(),
                " FROM cards c WHERE id = $1"
            ))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
            Ok((row.layout_version, Card::try_from(row.card)?))
        }

        /// `sql` and the values to bind for the cards of `board` in `set`, other than
        /// `exclude`: a search of `cards_cell_idx` (board, column, lane) per column.
        fn cell_set_condition(set: &domain::policy::CellSet, next: &mut usize, binds: &mut Vec<Uuid>) -> String {
            let mut list = |ids: &mut dyn Iterator<Item = Uuid>| {
                let mut out = Vec::new();
                for id in ids {
                    binds.push(id);
                    out.push(format!("${next}"));
                    *next += 1;
                }
                out.join(", ")
            };
            let columns = list(&mut set.columns.iter().map(|c| c.0));
            let lanes = match &set.lanes {
                Lanes::All => String::new(),
                Lanes::Except(lanes) if lanes.is_empty() => String::new(),
                Lanes::Except(lanes) => format!(" AND lane_id NOT IN ({})", list(&mut lanes.iter().map(|l| l.0))),
                Lanes::Only(lanes) if lanes.is_empty() => " AND 1 = 0".to_owned(),
                Lanes::Only(lanes) => format!(" AND lane_id IN ({})", list(&mut lanes.iter().map(|l| l.0))),
            };
            format!("board_id = $1 AND id <> $2 AND column_id IN ({columns}){lanes}")
        }

        /// The counts `query` asks for on `board`, card `exclude` left out, in one statement of
        /// a scalar count per limit that applies (see `domain::policy::PlacementQuery`); no
        /// statement at all when no limit applies. Each count is a search of
        /// `cards_cell_idx` over the cells its limit covers, so it costs what those cells hold
        /// (at most about the limit, unless overridden), not what the board holds.
        async fn placement_counts(
            conn: &mut Conn,
            board: BoardId,
            query: &PlacementQuery,
            exclude: Option<CardId>,
        ) -> Result<PlacementCounts, StoreError> {
            if query.is_empty() {
                return Ok(PlacementCounts::default());
            }
            let mut next = 3;
            let mut binds = Vec::new();
            let mut count = |set: &Option<domain::policy::CellSet>, what: &str| match set {
                Some(set) => format!(
                    "(SELECT {what} FROM cards WHERE {})",
                    cell_set_condition(set, &mut next, &mut binds)
                ),
                // Typed, so that PostgreSQL reads it as the counts' BIGINT.
                None => "CAST(0 AS BIGINT)".to_owned(),
            };
            let sql = format!(
                "SELECT {} AS wip, {} AS expedite, {} AS committed, {} AS committed_debt",
                count(&query.wip, "COUNT(*)"),
                count(&query.expedite, "COUNT(*)"),
                count(&query.committed, "COUNT(*)"),
                count(
                    &query.committed,
                    "COALESCE(SUM(CASE WHEN card_type = 'tech_debt' THEN 1 ELSE 0 END), 0)"
                ),
            );
            let mut statement = sqlx::query_as::<_, (i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql))
                .bind(board.0)
                .bind(exclude.map_or(Uuid::nil(), |id| id.0));
            for id in binds {
                statement = statement.bind(id);
            }
            let (wip, expedite, committed, committed_debt) =
                statement.fetch_one(&mut *conn).await.map_err(db_error)?;
            let to_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
            Ok(PlacementCounts {
                wip: to_u32(wip),
                expedite: to_u32(expedite),
                committed: to_u32(committed),
                committed_debt: to_u32(committed_debt),
            })
        }

        /// Applies the flow policies to placing `mover` at (`column`, `lane`) on a locked
        /// board: refused without an override reason, otherwise the violations to record once
        /// the card is written.
        async fn enforce(
            conn: &mut Conn,
            board: &Board,
            mover: Mover,
            (column, lane): (ColumnId, LaneId),
            override_reason: Option<&str>,
        ) -> Result<Vec<(Violation, String)>, StoreError> {
            let query = PlacementQuery::of(board, column, lane);
            let counts = placement_counts(conn, board.id, &query, mover.id).await?;
            let violations = check_placement(board, mover, column, lane, &counts);
            if violations.is_empty() {
                return Ok(Vec::new());
            }
            match check_override_reason(override_reason)? {
                Some(reason) => Ok(violations.into_iter().map(|v| (v, reason.clone())).collect()),
                None => Err(StoreError::Policy(violations)),
            }
        }

        /// Checks a move of `card` on its locked board and works out where it goes, with reads
        /// only: a move refused here (a policy, an unknown column or lane) has written nothing.
        async fn plan_move(
            conn: &mut Conn,
            board: &Board,
            mut card: Card,
            request: &MoveRequest,
            now: DateTime<Utc>,
        ) -> Result<PlannedMove, StoreError> {
            let (column, lane) = request.target(board, &card)?;
            let mover = Mover::card(&card);
            let overrides =
                enforce(conn, board, mover, (column, lane), request.override_reason.as_deref()).await?;
            // A key for a given place in the cell is worked out first; at the end of the cell
            // (most moves) the UPDATE computes it (`end_of_cell_key`): one statement less.
            let position = match request.position {
                Some(index) => Some(key_for(conn, board.id, column, lane, Some(card.id), Some(index)).await?),
                None => None,
            };
            let from = (card.column_id, card.lane_id);
            if column != card.column_id {
                card.column_entered_at = now;
            }
            card.column_id = column;
            card.lane_id = lane;
            card.updated_at = now;
            Ok(PlannedMove { card, from, position, overrides })
        }

        /// The board's row, its write lock taken where the backend has row locks (`FOR UPDATE`
        /// on PostgreSQL): how a write to a board begins.
        async fn board_row(conn: &mut Conn, board: &BoardRef) -> Result<BoardRow, StoreError> {
            fetch_board_row(conn, board, true).await
        }

        /// The board's row for a read: no lock, so a read never waits for a write in progress
        /// (nor, on PostgreSQL, writes a row lock of its own).
        async fn read_board_row(conn: &mut Conn, board: &BoardRef) -> Result<BoardRow, StoreError> {
            fetch_board_row(conn, board, false).await
        }

        async fn fetch_board_row(
            conn: &mut Conn,
            board: &BoardRef,
            lock: bool,
        ) -> Result<BoardRow, StoreError> {
            let (by_id, by_slug) = if lock {
                (
                    concat!(board_columns!(), " FROM boards WHERE id = $1", $lock),
                    concat!(board_columns!(), " FROM boards WHERE slug = $1", $lock),
                )
            } else {
                (
                    concat!(board_columns!(), " FROM boards WHERE id = $1"),
                    concat!(board_columns!(), " FROM boards WHERE slug = $1"),
                )
            };
            let row = match board {
                BoardRef::Id(id) => {
                    sqlx::query_as::<_, BoardRow>(by_id).bind(id.0).fetch_optional(&mut *conn).await
                }
                BoardRef::Slug(slug) => {
                    sqlx::query_as::<_, BoardRow>(by_slug)
                        .bind(slug.as_str())
                        .fetch_optional(&mut *conn)
                        .await
                }
            };
            row.map_err(db_error)?.ok_or_else(|| StoreError::NotFound(board.to_string()))
        }

        /// Loads a board for a write, its lock taken (see [`board_row`]); with `with_cards`
        /// false its card list stays empty.
        async fn load_board(
            conn: &mut Conn,
            board: &BoardRef,
            with_cards: bool,
        ) -> Result<Board, StoreError> {
            let row = board_row(conn, board).await?;
            complete_board(conn, row, with_cards).await
        }

        /// Loads a board for a read (no lock); with `with_cards` false its card list stays
        /// empty.
        async fn read_board(
            conn: &mut Conn,
            board: &BoardRef,
            with_cards: bool,
        ) -> Result<Board, StoreError> {
            let row = read_board_row(conn, board).await?;
            complete_board(conn, row, with_cards).await
        }

        /// Takes the row lock of card `id`'s board where the backend has row locks (a move
        /// on PostgreSQL, before it reads the cards its placement is checked against).
        async fn lock_board_of_card(conn: &mut Conn, id: CardId) -> Result<(), StoreError> {
            sqlx::query_scalar::<_, Uuid>(concat!(
                "SELECT id FROM boards WHERE id = (SELECT board_id FROM cards WHERE id = $1)",
                $lock
            ))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?
            .map(|_| ())
            .ok_or_else(|| StoreError::NotFound(format!("card {id}")))
        }

        /// A board from its row: its columns and lanes read, and its cards if `with_cards`.
        async fn complete_board(
            conn: &mut Conn,
            row: BoardRow,
            with_cards: bool,
        ) -> Result<Board, StoreError> {
            // Columns and lanes in one statement: on SQLite every statement is a round trip
            // to the connection's thread.
            let mut columns = Vec::new();
            let mut lanes = Vec::new();
            let layout = sqlx::query_as::<_, LayoutRow>(
                "SELECT 0 AS part, id, name, kind, wip_limit, position FROM board_columns \
                 WHERE board_id = $1 \
                 UNION ALL SELECT 1 AS part, id, name, kind, NULL, position FROM lanes \
                 WHERE board_id = $1 ORDER BY part, position",
            )
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
            for part in layout {
                match part.into_layout()? {
                    Layout::Column(c) => columns.push(c),
                    Layout::Lane(l) => lanes.push(l),
                }
            }
            let cards = if with_cards {
                // Each backend reads the cards its own fastest way (see `board_cards`).
                board_cards(conn, row.id).await?
            } else {
                Vec::new()
            };
            let policy = row.policy();
            let incidents = row.incidents();
            Ok(Board {
                id: BoardId(row.id),
                slug: row.slug,
                name: row.name,
                description: row.description,
                created_at: row.created_at,
                policy,
                incidents,
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
        /// Locks the board of card `id` and loads it without its cards.
        async fn lock_card_board(conn: &mut Conn, id: CardId) -> Result<Board, StoreError> {
            let board_id: Option<Uuid> =
                sqlx::query_scalar("SELECT board_id FROM cards WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_error)?;
            let board_id = board_id.ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
            load_board(conn, &BoardRef::Id(BoardId(board_id)), false).await
        }




        /// The `moved` event of a planned move: from where the card was to where it goes.
        fn moved_event(planned: &PlannedMove) -> EventKind {
            EventKind::Moved {
                from_column_id: planned.from.0,
                from_lane_id: planned.from.1,
                to_column_id: planned.card.column_id,
                to_lane_id: planned.card.lane_id,
            }
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

        /// A card move checked against the board and not yet written (see [`plan_move`]).
        struct PlannedMove {
            /// The card as the move leaves it, but for its position key (written by the
            /// UPDATE).
            card: Card,
            from: (ColumnId, LaneId),
            /// The key for the asked place in the cell; `None`: at the end of the cell.
            position: Option<f64>,
            overrides: Vec<(Violation, String)>,
        }

        /// Writes a planned move: the card, its `moved` event, the overrides; keeps its open
        /// dedup key in step: cleared in a done column, restored when it leaves one unless
        /// another open incident took the key meanwhile.
        async fn write_move(
            conn: &mut Conn,
            board: &Board,
            planned: PlannedMove,
            actor: &Actor,
            now: DateTime<Utc>,
        ) -> Result<Card, StoreError> {
            let moved = moved_event(&planned);
            let PlannedMove { mut card, from, position, overrides } = planned;
            let (column, lane) = (card.column_id, card.lane_id);
            // The UPDATE and its `moved` event in one round trip (`move_and_log_sql`); `$3`
            // NULL: at the end of the cell.
            let keys: Vec<f64> = sqlx::query_scalar(move_and_log_sql!($dialect))
                .bind(column.0)
                .bind(lane.0)
                .bind(position)
                .bind(card.id.0)
                .bind(now)
                .bind(card.column_entered_at)
                .bind(board.id.0)
                .bind(moved.name())
                .bind(actor.kind.as_str())
                .bind(actor.name.as_str())
                .bind(from.0.0)
                .bind(from.1.0)
                .bind(Json(&moved))
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            card.position = keys
                .first()
                .copied()
                .ok_or_else(|| StoreError::NotFound(format!("card {}", card.id)))?;
            if let Some(key) = card.dedup_key.as_deref() {
                let done = board.column(column).is_some_and(|c| c.kind == domain::ColumnKind::Done);
                let query = if done {
                    "UPDATE cards SET open_dedup_key = NULL WHERE id = $1 AND $2 <> ''"
                } else {
                    "UPDATE cards SET open_dedup_key = $2 WHERE id = $1 AND NOT EXISTS \
                     (SELECT 1 FROM cards o WHERE o.board_id = $3 AND o.open_dedup_key = $2)"
                };
                sqlx::query(query)
                    .bind(card.id.0)
                    .bind(key)
                    .bind(board.id.0)
                    .execute(&mut *conn)
                    .await
                    .map_err(db_error)?;
            }
            record_overrides(conn, board.id, card.id, now, actor, overrides).await?;
            Ok(card)
        }

        /// Makes a card on a locked board (loaded without its cards: the policies read the few
        /// that bear on the placement): validation, policies (overrides recorded), number,
        /// position, `created` event. `link` is kept for incidents.
        async fn add_card(
            conn: &mut Conn,
            board: &Board,
            new: &NewCard,
            actor: &Actor,
            now: DateTime<Utc>,
            link: Option<String>,
        ) -> Result<Card, StoreError> {
            let draft = new.validate(board)?;
            let mover = Mover::new_card(draft.card_type);
            let cell = (draft.column_id, draft.lane_id);
            let overrides = enforce(conn, board, mover, cell, new.override_reason.as_deref()).await?;
            let number = next_number(conn, board.id).await?;
            let position = key_for(conn, board.id, draft.column_id, draft.lane_id, None, None).await?;
            let reported = draft.source.is_some();
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
                occurrences: 1,
                last_seen_at: reported.then_some(now),
                alert_resolved_at: None,
                link,
                caused_by: None,
            };
            let open = board
                .column(card.column_id)
                .is_some_and(|c| c.kind != domain::ColumnKind::Done);
            insert_card(conn, &card, open).await?;
            let created = EventKind::Created { column_id: card.column_id, lane_id: card.lane_id };
            insert_event(conn, board.id, card.id, now, actor, &created).await?;
            record_overrides(conn, board.id, card.id, now, actor, overrides).await?;
            Ok(card)
        }

        /// Opens an incident or refreshes the open one with its key, on a locked board. The
        /// cards are only loaded (for the policies) when a new card is made, so the refreshes
        /// of an alert storm stay cheap. A `caused_by` naming no deployment of the board is
        /// refused when `strict` (someone named it on purpose) and dropped otherwise.
        async fn report_in(
            conn: &mut Conn,
            board_id: BoardId,
            report: &IncidentReport,
            source: &str,
            actor: &Actor,
            now: DateTime<Utc>,
            strict: bool,
        ) -> Result<IncidentOutcome, StoreError> {
            let cause = match &report.caused_by {
                None => None,
                Some(named) => match find_deployment(conn, board_id, named).await? {
                    Some(found) => Some(found),
                    None if strict => {
                        return Err(domain::DomainError::Reference {
                            field: "caused_by",
                            message: "names no deployment reported to this board".into(),
                        }
                        .into());
                    }
                    None => None,
                },
            };
            let outcome = report_new_or_recurring(conn, board_id, report, source, actor, now).await?;
            let Some(cause) = cause else { return Ok(outcome) };
            // A refreshed incident keeps a cause someone already named (perhaps by hand).
            let linked = sqlx::query(
                "UPDATE cards SET caused_by = $1 WHERE id = $2 AND caused_by IS NULL",
            )
            .bind(cause.0)
            .bind(outcome.card.id.0)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?
            .rows_affected();
            if linked == 0 {
                return Ok(outcome);
            }
            if !outcome.created {
                let kind = EventKind::Edited { fields: vec!["caused_by".into()] };
                insert_event(conn, board_id, outcome.card.id, now, actor, &kind).await?;
            }
            let mut card = outcome.card;
            card.caused_by = Some(cause);
            Ok(IncidentOutcome { card, created: outcome.created })
        }

        /// The deployment of the board a reference names: by id, or the latest deployment of
        /// the service at that version, production first (where incidents hurt users).
        async fn find_deployment(
            conn: &mut Conn,
            board: BoardId,
            named: &domain::delivery::DeploymentRef,
        ) -> Result<Option<domain::delivery::DeploymentId>, StoreError> {
            use domain::delivery::{DeploymentId, DeploymentRef};
            let found: Option<Uuid> = match named.validate("caused_by")? {
                DeploymentRef::Id(id) => {
                    sqlx::query_scalar("SELECT id FROM deployments WHERE id = $1 AND board_id = $2")
                        .bind(id.0)
                        .bind(board.0)
                        .fetch_optional(&mut *conn)
                        .await
                }
                DeploymentRef::Release(release) => {
                    sqlx::query_scalar(
                        "SELECT id FROM deployments WHERE board_id = $1 AND service = $2 AND version = $3 \
                         ORDER BY CASE WHEN environment = $4 THEN 0 ELSE 1 END, deployed_at DESC, id DESC \
                         LIMIT 1",
                    )
                    .bind(board.0)
                    .bind(release.service.as_str())
                    .bind(release.version.as_str())
                    .bind(domain::delivery::PRODUCTION)
                    .fetch_optional(&mut *conn)
                    .await
                }
            }
            .map_err(db_error)?;
            Ok(found.map(DeploymentId))
        }

        /// [`report_in`] without the cause.
        async fn report_new_or_recurring(
            conn: &mut Conn,
            board_id: BoardId,
            report: &IncidentReport,
            source: &str,
            actor: &Actor,
            now: DateTime<Utc>,
        ) -> Result<IncidentOutcome, StoreError> {
            if let Some(key) = report.dedup_key.as_deref() {
                // The open card with the key, refreshed, read back and its event written, in
                // one round trip (`recur_and_log_sql`): an alert storm is mostly these.
                let template = EventKind::IncidentRecurred { occurrences: 0 };
                let refreshed = sqlx::query_as::<_, CardRow>(recur_and_log_sql!($dialect))
                    .bind(now)
                    .bind(now)
                    .bind(board_id.0)
                    .bind(key)
                    .bind(template.name())
                    .bind(actor.kind.as_str())
                    .bind(actor.name.as_str())
                    .bind(Json(&template))
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db_error)?;
                if let Some(row) = refreshed.into_iter().next() {
                    let card = Card::try_from(row)?;
                    return Ok(IncidentOutcome { card, created: false });
                }
            }
            let board = load_board(conn, &BoardRef::Id(board_id), false).await?;
            let new = report.new_card(source);
            let card = add_card(conn, &board, &new, actor, now, report.link.clone()).await?;
            Ok(IncidentOutcome { card, created: true })
        }

        /// Marks the open incident with `key` resolved (and moves it to the board's resolve
        /// column, if set), on a locked board; `None` when no open incident has the key.
        /// Marks the open incident `key` resolved at the alert's `ends_at` when that is
        /// plausible (`domain::incident::resolution_time`), else at `now`; `updated_at` is
        /// `now` either way, as it says when the row changed.
        async fn resolve_in(
            conn: &mut Conn,
            board_id: BoardId,
            key: &str,
            ends_at: Option<DateTime<Utc>>,
            actor: &Actor,
            now: DateTime<Utc>,
        ) -> Result<Option<Card>, StoreError> {
            let Some(id) = open_incident(conn, board_id, key).await? else {
                return Ok(None);
            };
            let resolved_at = match ends_at {
                None => now,
                Some(_) => {
                    let opened_at = card_row(conn, id).await?.created_at;
                    domain::incident::resolution_time(ends_at, opened_at, now)
                }
            };
            sqlx::query("UPDATE cards SET alert_resolved_at = $1, updated_at = $2 WHERE id = $3")
                .bind(resolved_at)
                .bind(now)
                .bind(id.0)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            insert_event(conn, board_id, id, resolved_at, actor, &EventKind::AlertResolved).await?;
            let row = board_row(conn, &BoardRef::Id(board_id)).await?;
            let card = card_row(conn, id).await?;
            if let Some(column) = row.incidents().resolve_column_id
                && card.column_id != column
            {
                let board = load_board(conn, &BoardRef::Id(board_id), false).await?;
                if board.column(column).is_some() {
                    let request = MoveRequest {
                        column_id: column,
                        lane_id: None,
                        position: None,
                        override_reason: Some(
                            "the alert resolved; the board moves resolved incidents here".into(),
                        ),
                    };
                    let planned = plan_move(conn, &board, card, &request, now).await?;
                    return write_move(conn, &board, planned, actor, now).await.map(Some);
                }
            }
            Ok(Some(card))
        }

        /// The open card with this dedup key on the board, if any.
        async fn open_incident(
            conn: &mut Conn,
            board: BoardId,
            key: &str,
        ) -> Result<Option<CardId>, StoreError> {
            let id: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM cards WHERE board_id = $1 AND open_dedup_key = $2",
            )
            .bind(board.0)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(id.map(CardId))
        }

        async fn next_number(conn: &mut Conn, board: BoardId) -> Result<i64, StoreError> {
            next_numbers(conn, board, 1).await
        }

        /// Takes the board's next `count` card numbers; answers the first.
        async fn next_numbers(conn: &mut Conn, board: BoardId, count: i64) -> Result<i64, StoreError> {
            sqlx::query_scalar(
                "UPDATE boards SET next_card_number = next_card_number + $2 WHERE id = $1 \
                 RETURNING next_card_number - $2",
            )
            .bind(board.0)
            .bind(count)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error)
        }

        /// Sort keys of a cell, the moving card left out.
        async fn cell_keys(
            conn: &mut Conn,
            board: BoardId,
            column: ColumnId,
            lane: LaneId,
            except: Option<CardId>,
        ) -> Result<Vec<(Uuid, f64)>, StoreError> {
            sqlx::query_as::<_, (Uuid, f64)>(
                "SELECT id, position FROM cards WHERE board_id = $4 AND column_id = $1 \
                 AND lane_id = $2 AND id <> $3 ORDER BY position, number",
            )
            .bind(column.0)
            .bind(lane.0)
            .bind(except.map(|c| c.0).unwrap_or(Uuid::nil()))
            .bind(board.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)
        }

        /// The sort key for index `index` of a cell, renumbering the cell if it ran out of room.
        async fn key_for(
            conn: &mut Conn,
            board: BoardId,
            column: ColumnId,
            lane: LaneId,
            except: Option<CardId>,
            index: Option<u32>,
        ) -> Result<f64, StoreError> {
            let Some(index) = index else {
                // At the end (every new card): after the last key, whatever the cell holds,
                // without reading its keys (a `done` cell holds years of cards).
                return sqlx::query_scalar(concat!("SELECT ", end_of_cell_key!("$4", "$3")))
                    .bind(column.0)
                    .bind(lane.0)
                    .bind(except.map(|c| c.0).unwrap_or(Uuid::nil()))
                    .bind(board.0)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db_error);
            };
            let cell = cell_keys(conn, board, column, lane, except).await?;
            let keys: Vec<f64> = cell.iter().map(|(_, k)| *k).collect();
            let index = index as usize;
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

        async fn insert_card(conn: &mut Conn, card: &Card, open: bool) -> Result<(), StoreError> {
            sqlx::query(concat!(
                "INSERT INTO cards (",
                card_columns!(),
                ", open_dedup_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                 $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
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
            // New cards start open (a card made straight into a done column is not).
            .bind(if open { card.dedup_key.as_deref() } else { None })
            .execute(&mut *conn)
            .await
            .map_err(|e| match db_error(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "an open incident with dedup_key {:?} already exists on this board",
                    card.dedup_key.as_deref().unwrap_or_default()
                )),
                other => other,
            })?;
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

            async fn create_board(
                &self,
                new: &NewBoard,
                owner: Option<domain::UserId>,
                now: DateTime<Utc>,
            ) -> Result<Board, StoreError> {
                let draft = new.validate(Uuid::now_v7)?;
                let mut tx = self.write_tx().await?;
                let id = insert_board(&mut tx, &draft, now).await?;
                if let Some(owner) = owner {
                    sqlx::query(
                        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES ($1, $2, 'admin', $3)",
                    )
                    .bind(id.0)
                    .bind(owner.0)
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                }
                let board = load_board(&mut tx, &BoardRef::Id(id), true).await?;
                self.commit(tx, BoardChange::board(id, "board_created")).await?;
                Ok(board)
            }

            fn changes(&self) -> &application::ChangeFeed {
                &self.changes
            }

            async fn board_id(&self, board: &BoardRef) -> Result<BoardId, StoreError> {
                let slug = match board {
                    BoardRef::Id(id) => return Ok(*id),
                    BoardRef::Slug(slug) => slug.as_str(),
                };
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                let row = sqlx::query_scalar::<_, Uuid>("SELECT id FROM boards WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_error)?;
                row.map(BoardId).ok_or_else(|| StoreError::NotFound(board.to_string()))
            }

            async fn board(&self, board: &BoardRef) -> Result<Board, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                read_board(&mut conn, board, true).await
            }

            async fn board_layout(&self, board: &BoardRef) -> Result<Board, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                read_board(&mut conn, board, false).await
            }

            async fn metric_cards(
                &self,
                board: BoardId,
            ) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                metric_cards(&mut conn, board.0).await
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
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
                let board = load_board(&mut tx, &BoardRef::Id(BoardId(row.id)), true).await?;
                self.commit(tx, BoardChange::board(board.id, "policy_changed")).await?;
                Ok(board)
            }

            async fn set_columns(&self, board: &BoardRef, specs: &[ColumnSpec]) -> Result<Board, StoreError> {
                let mut tx = self.write_tx().await?;
                let current = load_board(&mut tx, board, true).await?;
                let planned = plan_columns(&current.columns, &current.cards, specs, Uuid::now_v7)?;
                for gone in current.columns.iter().filter(|c| planned.iter().all(|p| p.id != c.id)) {
                    sqlx::query("DELETE FROM board_columns WHERE id = $1")
                        .bind(gone.id.0)
                        .execute(&mut **tx)
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
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    } else {
                        insert_column(&mut tx, current.id.0, column).await?;
                    }
                }
                let board = load_board(&mut tx, &BoardRef::Id(current.id), true).await?;
                self.commit(tx, BoardChange::board(board.id, "columns_changed")).await?;
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
                let board = load_board(&mut tx, board, false).await?;
                let card = add_card(&mut tx, &board, new, actor, now, None).await?;
                self.commit(tx, BoardChange::card(&card, "card_created")).await?;
                Ok(card)
            }

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
                let board_id = BoardId(board_row(&mut tx, board).await?.id);
                let outcome = report_in(&mut tx, board_id, report, source, actor, now, true).await?;
                let what = if outcome.created { "incident_opened" } else { "incident_recurred" };
                self.commit(tx, BoardChange::card(&outcome.card, what)).await?;
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
                let board_id = BoardId(board_row(&mut tx, board).await?.id);
                let card = resolve_in(&mut tx, board_id, dedup_key, None, actor, now).await?.ok_or_else(|| {
                    StoreError::NotFound(format!("open incident with dedup_key {dedup_key:?}"))
                })?;
                self.commit(tx, BoardChange::card(&card, "alert_resolved")).await?;
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
                    // Where the write turn is the lock (SQLite), a caller that already
                    // resolved the board (the webhooks) need not read its row again: a storm
                    // is mostly refreshes, and this was one statement of five in each.
                    BoardRef::Id(id) if $lock.is_empty() => *id,
                    _ => BoardId(board_row(&mut tx, board).await?.id),
                };
                let mut outcomes = Vec::with_capacity(signals.len());
                for signal in signals {
                    outcomes.push(match signal.status {
                        SignalStatus::Firing => {
                            let done =
                                report_in(&mut tx, board_id, &signal.report, source, actor, now, false).await?;
                            if done.created {
                                AlertOutcome::Created(done.card)
                            } else {
                                AlertOutcome::Refreshed(done.card)
                            }
                        }
                        SignalStatus::Resolved => {
                            let key = signal.report.dedup_key.as_deref().unwrap_or_default();
                            match resolve_in(&mut tx, board_id, key, signal.ends_at, actor, now).await? {
                                Some(card) => AlertOutcome::Resolved(card),
                                None => AlertOutcome::Ignored,
                            }
                        }
                    });
                }
                self.commit(tx, BoardChange::board(board_id, "alerts_applied")).await?;
                Ok(outcomes)
            }

            async fn incident_settings(&self, board: BoardId) -> Result<IncidentSettings, StoreError> {
                // Every webhook call asks; a recent copy answers (see `recent`).
                if let Some(settings) = self.incident_settings.get(&board) {
                    return Ok(settings);
                }
                let ticket = self.incident_settings.ticket();
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                let settings = read_board_row(&mut conn, &BoardRef::Id(board)).await?.incidents();
                self.incident_settings.put(ticket, board, settings.clone());
                Ok(settings)
            }

            async fn set_incident_settings(
                &self,
                board: &BoardRef,
                settings: &IncidentSettings,
            ) -> Result<Board, StoreError> {
                settings.validate()?;
                let mut tx = self.write_tx().await?;
                let current = load_board(&mut tx, board, false).await?;
                if let Some(column) = settings.resolve_column_id
                    && current.column(column).is_none()
                {
                    return Err(domain::DomainError::Reference {
                        field: "resolve_column_id",
                        message: "is not a column of this board".into(),
                    }
                    .into());
                }
                let json = serde_json::to_string(settings)
                    .map_err(|e| StoreError::Internal(e.to_string()))?;
                sqlx::query("UPDATE boards SET incident_settings = $1 WHERE id = $2")
                    .bind(json)
                    .bind(current.id.0)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                let board = load_board(&mut tx, &BoardRef::Id(current.id), true).await?;
                self.commit(tx, BoardChange::board(board.id, "incident_settings_changed")).await?;
                // After the commit: dropped before it, a read in between could keep the old
                // (and a read under way now keeps nothing: see `Recent::put`).
                self.incident_settings.forget(&board.id);
                Ok(board)
            }

            async fn card(&self, id: CardId) -> Result<Card, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                card_row(&mut conn, id).await
            }

            async fn card_board(&self, id: CardId) -> Result<BoardId, StoreError> {
                if let Some(board) = self.card_boards.get(id) {
                    return Ok(board);
                }
                let board: Uuid = sqlx::query_scalar("SELECT board_id FROM cards WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
                self.card_boards.put(id, BoardId(board));
                Ok(BoardId(board))
            }

            async fn card_by_number(&self, board: &BoardRef, number: i64) -> Result<Card, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(db_error)?;
                let board_row = read_board_row(&mut conn, board).await?;
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
                .execute(&mut **tx)
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
                self.commit(tx, BoardChange::card(&patched.card, "card_edited")).await?;
                Ok(patched.card)
            }

            async fn move_card(
                &self,
                id: CardId,
                request: &MoveRequest,
                actor: &Actor,
                now: DateTime<Utc>,
            ) -> Result<Card, StoreError> {
                // The time as the database keeps it: the answer is then what a read gives.
                let now = chrono::SubsecRound::trunc_subsecs(now, STORED_SUBSEC_DIGITS);
                let mut tx = self.write_tx().await?;
                let card = self.move_in(&mut tx, id, request, actor, now).await?;
                self.commit(tx, BoardChange::card(&card, "card_moved")).await?;
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

            async fn board_events(&self, board: BoardId, until: DateTime<Utc>) -> Result<std::sync::Arc<Vec<CardEvent>>, StoreError> {
                // The cached copy, brought up to date (see `log_cache` for why it is exact).
                let slot = self.log_cache.slot(board);
                let mut slot = slot.lock().await;
                if slot.len() > 0 {
                    let stored: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM card_events WHERE board_id = $1 AND id <= $2",
                    )
                    .bind(board.0)
                    .bind(slot.last_id())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?;
                    if usize::try_from(stored).ok() != Some(slot.len()) {
                        tracing::warn!(%board, cached = slot.len(), stored, "cached event log out of step; reading it whole");
                        slot.clear();
                    }
                }
                // Each backend reads the log its own fastest way (see `event_log`).
                let fresh = self.event_log(board, slot.last_id()).await?;
                slot.append(fresh);
                let events = slot.before(until);
                drop(slot);
                self.log_cache.trim();
                Ok(events)
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
                now: DateTime<Utc>,
            ) -> Result<usize, StoreError> {
                let mut tx = self.write_tx().await?;
                let board = load_board(&mut tx, board, false).await?;
                let planned = import.plan(&board, now)?;
                // Each cell's last key: the imported cards go after the cards there.
                let mut ends: HashMap<(ColumnId, LaneId), f64> = sqlx::query_as::<_, (Uuid, Uuid, f64)>(
                    "SELECT column_id, lane_id, MAX(position) FROM cards WHERE board_id = $1 \
                     GROUP BY column_id, lane_id",
                )
                .bind(board.id.0)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(|(column, lane, end)| ((ColumnId(column), LaneId(lane)), end))
                .collect();
                // The numbers of all the cards at once: an update of the board's row per card
                // left PostgreSQL a chain of row versions to walk that grew with each card of
                // the transaction (50,000 cards took minutes).
                let count = i64::try_from(planned.len()).unwrap_or(i64::MAX);
                let first = next_numbers(&mut tx, board.id, count).await?;
                for (number, plan) in (first..).zip(&planned) {
                    // A plan always has a step (the import checks it); none would leave a gap.
                    let Some(&(last_column, last_at)) = plan.steps.last() else { continue };
                    let (first_column, first_at) = plan.steps[0];
                    let end = ends.entry((last_column, plan.lane_id)).or_insert(0.0);
                    *end += 1.0;
                    let card = Card {
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
                    insert_card(&mut tx, &card, false).await?;
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
                self.commit(tx, BoardChange::board(board.id, "history_imported")).await?;
                Ok(planned.len())
            }
        }
    };
}
