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
/// `place_card`). The board is named so that the read is a search of `cards_cell_idx`
/// (board, column, lane, position): without it, SQLite scanned that whole index, every card
/// of every board, for each move and each new card.
macro_rules! end_of_cell_key {
    ($board:literal, $except:literal) => {
        concat!(
            "COALESCE((SELECT MAX(o.position) FROM cards o WHERE o.board_id = ",
            $board,
            " AND o.column_id = $1 AND o.lane_id = $2 AND o.id <> ",
            $except,
            ") + 1.0, 1.0)"
        )
    };
}

/// The cards that bear on placing a card in column `$2` (the SQL form of
/// `domain::policy::bears_on_placement`), each with the version of the board's layout: the
/// card `$1` itself (NULL for a card not made yet), the cards in the active columns and in
/// `$2` when it has a WIP limit, and those in `$2`'s Expedite lanes when the board limits
/// Expedite. `$board` is the board's id or an expression for it. Three indexed reads joined
/// by `UNION`: as one `OR`, the read scanned every card on the board, finished ones included.
/// The policies need nothing else, so a placement reads a handful of cards however much
/// finished work the board holds.
macro_rules! placement_cards_sql {
    ($board:literal) => {
        concat!(
            versioned_cards!($board),
            "id = $1 UNION ",
            versioned_cards!($board),
            "board_id = ",
            $board,
            " AND column_id IN (SELECT id FROM board_columns WHERE board_id = ",
            $board,
            " AND (kind = 'active' OR (id = $2 AND wip_limit IS NOT NULL))) UNION ",
            versioned_cards!($board),
            "board_id = ",
            $board,
            " AND column_id = $2 AND lane_id IN (SELECT id FROM lanes WHERE board_id = ",
            $board,
            " AND kind = 'expedite') AND EXISTS (SELECT 1 FROM boards WHERE id = ",
            $board,
            " AND expedite_limit IS NOT NULL) ORDER BY position, number"
        )
    };
}

/// `$from, $from+1, ...`: `count` placeholders for an `IN` list.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|k| format!("${k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `list` padded to a power of two with repeats of its first item (empty stays empty): the
/// lists a batch's statements read by, so that a handful of statement texts is prepared and
/// cached however many moves a batch holds.
pub(super) fn padded<T: Copy>(list: &[T]) -> Vec<T> {
    let Some(&first) = list.first() else {
        return Vec::new();
    };
    let mut out = list.to_vec();
    out.resize(list.len().next_power_of_two(), first);
    out
}

/// The statement before a batch's notifications on PostgreSQL: the batch's stamp `$1` on its
/// `boards` boards `$2..` (see `super::cards_cache`), set after its writes.
pub(super) fn stamp_cte(boards: usize) -> String {
    format!(
        "WITH stamped AS (UPDATE boards SET cards_stamp = $1 WHERE id IN ({})) ",
        placeholders(2, boards)
    )
}

/// The boards of the cards `$1..$n` with their layout versions, cards' stamps and next card
/// numbers (see `super::cards_cache`), locked with `lock` (`FOR UPDATE`, or nothing) in the order of their
/// ids: two batches sharing boards (from two instances) take them in the same order, so
/// neither holds one the other waits for while it waits for the other's. The locks come
/// before the batch's cards are read, so that they are read as the writes before this batch
/// left them. `stamping` is evaluated with them: on PostgreSQL it tells the database's
/// triggers that this transaction stamps its boards itself (see `STAMPING`).
pub(super) fn batch_boards_sql(n: usize, lock: &str, stamping: &str) -> String {
    format!(
        "SELECT id, layout_version, cards_stamp, next_card_number, {stamping} AS stamping \
         FROM boards WHERE id IN \
         (SELECT board_id FROM cards WHERE id IN ({})) ORDER BY id{lock}",
        placeholders(1, n)
    )
}

/// How many of each list [`batch_cards_sql`] reads by, each list [`padded`] by the caller.
#[derive(Debug, Clone, Copy)]
pub(super) struct BatchLists {
    pub cards: usize,
    pub boards: usize,
    pub columns: usize,
    pub cell_columns: usize,
    pub cell_lanes: usize,
    /// Cells (board, column, lane: three placeholders each) whose last card is read.
    pub ends: usize,
}

/// The cards a batch of moves is checked against (`domain::policy::PlacementScope`, worked
/// out in memory from the boards' layouts): the cards moved, by id, and on the batch's
/// boards those in the scope's columns, and in its cells (every scope column with every
/// scope lane: a column and a lane of two boards hold no card). Placeholders in the order of
/// [`BatchLists`]; an empty list leaves its part out. Each part is a search of an index (the
/// primary key, `cards_cell_idx`); the same rule as one condition, with the columns worked
/// out in SQL, made PostgreSQL scan every card (`bench/HISTORY.md`, session 17). `UNION ALL`:
/// a card read twice is kept once by the caller. Last, the last card of each of the `ends`
/// cells: the batch learns those cells' ends from what it reads (see `super::cell_ends`)
/// without a read of its own for each.
pub(super) fn batch_cards_sql(lists: BatchLists) -> String {
    let select = concat!("SELECT ", card_columns!(), " FROM cards WHERE ");
    let mut next = 1;
    let mut list = |count: usize| {
        let out = placeholders(next, count);
        next += count;
        out
    };
    let cards = list(lists.cards);
    let boards = list(lists.boards);
    let mut sql = format!("{select}id IN ({cards})");
    if lists.columns > 0 {
        let columns = list(lists.columns);
        sql += &format!(" UNION ALL {select}board_id IN ({boards}) AND column_id IN ({columns})");
    }
    if lists.cell_columns > 0 && lists.cell_lanes > 0 {
        let (columns, lanes) = (list(lists.cell_columns), list(lists.cell_lanes));
        sql += &format!(
            " UNION ALL {select}board_id IN ({boards}) AND column_id IN ({columns}) \
             AND lane_id IN ({lanes})"
        );
    }
    for k in 0..lists.ends {
        let first = next + 3 * k;
        sql += &format!(
            " UNION ALL SELECT * FROM ({select}board_id = ${} AND column_id = ${} \
             AND lane_id = ${} ORDER BY position DESC LIMIT 1) AS end{k}",
            first,
            first + 1,
            first + 2
        );
    }
    sql
}

/// `SELECT` the layout version of board `$board` and the card columns `FROM cards WHERE `.
macro_rules! versioned_cards {
    ($board:literal) => {
        concat!(
            "SELECT (SELECT layout_version FROM boards WHERE id = ",
            $board,
            ") AS layout_version, ",
            card_columns!(),
            " FROM cards WHERE "
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

/// The largest key of cell `$1` (board), `$2` (column), `$3` (lane), NULL in an empty cell:
/// what a batch of moves learns a cell's end from (see `super::cell_ends`). A search of
/// `cards_cell_idx` from its end.
macro_rules! cell_max_sql {
    () => {
        "SELECT MAX(position) FROM cards WHERE board_id = $1 AND column_id = $2 AND lane_id = $3"
    };
}

/// A batch's planned moves written in one statement (PostgreSQL; its keys worked out in
/// memory, see `super::cell_ends`): each card to its last place in the batch (`$1`..`$6`:
/// ids, columns, lanes, keys, times, column entry times; one row per card), and one `moved`
/// event per move in the batch's order (`$7`..`$16`: boards, cards, times, actor kinds and
/// names, columns, lanes, from columns and lanes, data; kind `$17`). Answers the number of
/// cards updated: fewer than asked means a card went away, and the batch fails.
macro_rules! bulk_moves_sql {
    () => {
        "WITH m AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], \
         $4::float8[], $5::timestamptz[], $6::timestamptz[]) \
         AS m(id, column_id, lane_id, position, updated_at, column_entered_at)), \
         moved AS (UPDATE cards c SET column_id = m.column_id, lane_id = m.lane_id, \
         position = m.position, updated_at = m.updated_at, \
         column_entered_at = m.column_entered_at FROM m WHERE c.id = m.id RETURNING c.id), \
         logged AS (INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, \
         actor_name, column_id, lane_id, from_column_id, from_lane_id, data) \
         SELECT e.board_id, e.card_id, $17, e.at, e.actor_kind, e.actor_name, e.column_id, \
         e.lane_id, e.from_column_id, e.from_lane_id, e.data::jsonb \
         FROM unnest($7::uuid[], $8::uuid[], $9::timestamptz[], $10::text[], $11::text[], \
         $12::uuid[], $13::uuid[], $14::uuid[], $15::uuid[], $16::text[]) WITH ORDINALITY \
         AS e(board_id, card_id, at, actor_kind, actor_name, column_id, lane_id, \
         from_column_id, from_lane_id, data, n) ORDER BY e.n) \
         SELECT count(*) FROM moved"
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

/// `write_moves`: writes the queued simple moves of a batch (no override to record, no
/// dedup key to keep in step, the key already worked out; see `move_together`). SQLite, in
/// process, writes them one by one as a move alone is; PostgreSQL, a round trip away, in one
/// statement (`bulk_moves_sql`), where a statement per move kept the board locked through a
/// chain of round trips (bench/HISTORY.md, session 16).
macro_rules! write_moves_fn {
    (sqlite) => {
        async fn write_moves(
            conn: &mut Conn,
            moves: Vec<QueuedMove<'_>>,
        ) -> Result<(), StoreError> {
            for queued in moves {
                write_move(
                    conn,
                    &queued.board,
                    queued.planned,
                    queued.actor,
                    queued.now,
                )
                .await?;
            }
            Ok(())
        }
    };
    (postgres) => {
        async fn write_moves(
            conn: &mut Conn,
            moves: Vec<QueuedMove<'_>>,
        ) -> Result<(), StoreError> {
            if moves.is_empty() {
                return Ok(());
            }
            // The cards: each once, at its last place in the batch.
            let mut seen = std::collections::HashSet::new();
            let last: Vec<&Card> = moves
                .iter()
                .rev()
                .map(|queued| &queued.planned.card)
                .filter(|card| seen.insert(card.id))
                .collect();
            let kind = "moved";
            let mut data = Vec::with_capacity(moves.len());
            for queued in &moves {
                let moved = moved_event(&queued.planned);
                debug_assert_eq!(moved.name(), kind);
                data.push(
                    serde_json::to_string(&moved)
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                );
            }
            let each = |f: fn(&QueuedMove<'_>) -> Uuid| moves.iter().map(f).collect::<Vec<_>>();
            let updated: i64 = sqlx::query_scalar(bulk_moves_sql!())
                .bind(last.iter().map(|c| c.id.0).collect::<Vec<_>>())
                .bind(last.iter().map(|c| c.column_id.0).collect::<Vec<_>>())
                .bind(last.iter().map(|c| c.lane_id.0).collect::<Vec<_>>())
                .bind(last.iter().map(|c| c.position).collect::<Vec<_>>())
                .bind(last.iter().map(|c| c.updated_at).collect::<Vec<_>>())
                .bind(last.iter().map(|c| c.column_entered_at).collect::<Vec<_>>())
                .bind(each(|q| q.board.id.0))
                .bind(each(|q| q.planned.card.id.0))
                .bind(moves.iter().map(|q| q.now).collect::<Vec<_>>())
                .bind(
                    moves
                        .iter()
                        .map(|q| q.actor.kind.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    moves
                        .iter()
                        .map(|q| q.actor.name.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(each(|q| q.planned.card.column_id.0))
                .bind(each(|q| q.planned.card.lane_id.0))
                .bind(each(|q| q.planned.from.0.0))
                .bind(each(|q| q.planned.from.1.0))
                .bind(data)
                .bind(kind)
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)?;
            if updated != last.len() as i64 {
                return Err(StoreError::Internal(format!(
                    "a batch of moves updated {updated} of its {} cards",
                    last.len()
                )));
            }
            Ok(())
        }
    };
}

macro_rules! impl_store {
    ($store:ident, $db:ty, begin: $begin:literal, lock_board: $lock:literal, notify: $notify:literal, dialect: $dialect:ident) => {
        use std::collections::{HashMap, HashSet};

        use application::ports::{BoardRef, Store, StoreError};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use domain::board::{BoardDraft, ColumnSpec, plan_columns};
        use domain::import::HistoryImport;
        use domain::incident::{IncidentReport, IncidentSettings};
        use application::ports::{AlertOutcome, BoardChange, IncidentOutcome};
        use domain::incident::{Signal, SignalStatus};
        use domain::policy::{
            BoardPolicy, Mover, PlacementScope, Violation, bears_on_placement, check_override_reason, check_placement,
        };
        use domain::{
            Actor, Board, BoardId, BoardSummary, Card, CardEvent, CardId, CardPatch, Column,
            ColumnId, EventKind, LaneId, MoveRequest, NewBoard, NewCard,
        };
        use sqlx::types::Json;
        use uuid::Uuid;

        use crate::store::cell_ends::{Cell, CellEnds, cell_of};
        use crate::store::batch::{MoveAnswer, PendingMove, Release, batch_failure, refusal, same_error};
        use crate::store::cards_cache::BoardCards;
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
                tokio::spawn(async move { store.commit_here(tx, changes, None).await })
                    .await
                    .map_err(|e| StoreError::Internal(format!("commit task: {e}")))?
            }

            /// [`Self::commit_all`] on the calling task: only for a caller no client can cut
            /// off, a batch of moves (on its own task, see [`crate::store::batch`]), where a
            /// task of its own would be one more wait in the runtime's queue while the board
            /// is locked. With `stamp`, the boards' `cards_stamp` is set first (see
            /// [`crate::store::cards_cache`]): on PostgreSQL in the notify's statement.
            async fn commit_here(
                &self,
                mut tx: Tx,
                changes: Vec<BoardChange>,
                stamp: Option<(Uuid, Vec<Uuid>)>,
            ) -> Result<(), StoreError> {
                if !$notify.is_empty() && !changes.is_empty() {
                    let payloads = changes
                        .iter()
                        .map(serde_json::to_string)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| StoreError::Internal(e.to_string()))?;
                    // `[WITH stamped AS (UPDATE boards ...)] SELECT pg_notify(channel, p)
                    // FROM (VALUES ($k), ($k+1), ...) AS v(p)`.
                    let (first, with) = match &stamp {
                        Some((_, boards)) => {
                            (2 + boards.len(), crate::store::sql::stamp_cte(boards.len()))
                        }
                        None => (1, String::new()),
                    };
                    let values = (first..first + payloads.len())
                        .map(|n| format!("(${n})"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let statement = format!(
                        "{with}{} FROM (VALUES {values}) AS v(p)",
                        $notify.replace("$1", "p")
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement));
                    if let Some((stamp, boards)) = stamp {
                        query = query.bind(stamp);
                        for board in boards {
                            query = query.bind(board);
                        }
                    }
                    for payload in payloads {
                        query = query.bind(payload);
                    }
                    query.execute(&mut **tx).await.map_err(db_error)?;
                } else if let Some((stamp, boards)) = stamp {
                    for board in boards {
                        sqlx::query("UPDATE boards SET cards_stamp = $1 WHERE id = $2")
                            .bind(stamp)
                            .bind(board)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                    }
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
            /// Writes queued card moves (see [`crate::store::batch`]) in one transaction, a
            /// single one too: the boards' copies of their cards (see `cards_cache`) follow
            /// only batches, and a move made alone would clear its board's stamp. A batch the
            /// database fails is rolled back and its moves made one by one, so each move is
            /// answered by its own fate. The next batch may begin once this one is committing
            /// (see [`Release`]), and at the latest when it ends.
            async fn move_batch(&self, jobs: Vec<PendingMove>, mut release: Release) -> Vec<MoveAnswer> {
                if !jobs.is_empty()
                    && let Some(answers) = self.move_together(&jobs, &mut release).await
                {
                    return answers;
                }
                let mut answers = Vec::with_capacity(jobs.len());
                for job in &jobs {
                    answers.push(self.move_alone(job).await);
                }
                answers
            }

            /// One move in its own transaction.
            async fn move_alone(&self, job: &PendingMove) -> MoveAnswer {
                let mut tx = self.write_tx().await?;
                let (board, planned) = self.plan_in(&mut tx, job).await?;
                let card = write_move(&mut tx, &board, planned, &job.actor, job.now).await?;
                self.commit(tx, BoardChange::card(&card, "card_moved")).await?;
                Ok(card)
            }

            /// The moves in one transaction, each checked against the board as the ones before
            /// it left it; a refused move is answered and the others go on. The cards the
            /// moves are checked against are read once, up front (see [`batch_cards`]), and
            /// kept up to date in memory as the moves are planned. A move to the end of a cell
            /// (most moves) gets its key in memory too (see [`crate::store::cell_ends`]), and
            /// is queued: the queue is written at the end, or before a move that reads or
            /// writes more than its card and event (a place asked for in the cell, an override
            /// to record, a dedup key to keep in step), by `write_moves`. When the database
            /// fails before the commit nothing of the batch is written, and `None` asks for
            /// the moves one by one (see [`batch_failure`]).
            ///
            /// On PostgreSQL the next batch is released before the commit: it queues on the
            /// board's lock meanwhile, and the database announces the two batches' moves in
            /// the order they commit. Not on SQLite, where this process announces a batch
            /// after its commit, and a batch released early could announce its moves first.
            async fn move_together(&self, jobs: &[PendingMove], release: &mut Release) -> Option<Vec<MoveAnswer>> {
                let mut tx = match self.write_tx().await {
                    Ok(tx) => tx,
                    Err(error) => return batch_failure(&error, jobs.len()),
                };
                let (mut known, read_ends, stamps) = match self.batch_cards(&mut tx, jobs).await {
                    Ok(read) => read,
                    Err(error) => return batch_failure(&error, jobs.len()),
                };
                let moved: HashSet<CardId> = jobs.iter().map(|job| job.id).collect();
                let mut ends = CellEnds::default();
                for (cell, largest) in read_ends {
                    ends.learn(cell, largest);
                }
                let mut queue: Vec<QueuedMove<'_>> = Vec::new();
                // Whether the batch writes only its moved cards and their events, all that the
                // boards' copies follow (see `cards_cache`): a place asked for in a cell may
                // renumber the cell's cards.
                let mut plain = true;
                let mut answers = Vec::with_capacity(jobs.len());
                let mut changes = Vec::with_capacity(jobs.len());
                for job in jobs {
                    // `key_for` reads the cell: the moves queued before must be in it.
                    if job.request.position.is_some() {
                        plain = false;
                        if let Err(failed) = write_moves(&mut tx, std::mem::take(&mut queue)).await {
                            return batch_failure(&failed, jobs.len());
                        }
                    }
                    let planned = self.plan_batched(&mut tx, job, &known, &mut ends, &moved).await;
                    let (board, planned) = match planned {
                        Ok(plan) => plan,
                        Err(error) => match refusal(error) {
                            Ok(refused) => {
                                answers.push(Err(refused));
                                continue;
                            }
                            Err(failed) => return batch_failure(&failed, jobs.len()),
                        },
                    };
                    let card = if planned.overrides.is_empty() && planned.card.dedup_key.is_none() {
                        let card = planned.card.clone();
                        queue.push(QueuedMove { board, planned, actor: &job.actor, now: job.now });
                        card
                    } else {
                        plain = false;
                        // A failed write may have left part of the move behind: the whole
                        // batch is rolled back (the transaction dropped).
                        let written = match write_moves(&mut tx, std::mem::take(&mut queue)).await {
                            Ok(()) => write_move(&mut tx, &board, planned, &job.actor, job.now).await,
                            Err(failed) => Err(failed),
                        };
                        match written {
                            Ok(card) => card,
                            Err(failed) => return batch_failure(&failed, jobs.len()),
                        }
                    };
                    if let Some((_, kept)) = known.get_mut(&card.id) {
                        *kept = card.clone();
                    }
                    changes.push(BoardChange::card(&card, "card_moved"));
                    answers.push(Ok(card));
                }
                if let Err(failed) = write_moves(&mut tx, queue).await {
                    return batch_failure(&failed, jobs.len());
                }
                if changes.is_empty() {
                    return Some(answers);
                }
                // The boards' copies follow the batch before it commits (the next batch may
                // look at them as soon as the lock is free), under the batch's new stamp.
                let stamp = Uuid::new_v4();
                for (&board, &start) in &stamps {
                    if plain {
                        let written: Vec<Card> = answers
                            .iter()
                            .flatten()
                            .filter(|card| card.board_id == board)
                            .cloned()
                            .collect();
                        self.cards_cache.advance(board, start, stamp, &written);
                    } else {
                        self.cards_cache.forget(board);
                    }
                }
                if !$notify.is_empty() {
                    release.now();
                }
                let boards: Vec<Uuid> = stamps.keys().map(|board| board.0).collect();
                if let Err(error) = self.commit_here(tx, changes, Some((stamp, boards))).await {
                    for answer in answers.iter_mut().filter(|a| a.is_ok()) {
                        *answer = Err(same_error(&error));
                    }
                    for &board in stamps.keys() {
                        self.cards_cache.forget(board);
                    }
                }
                Some(answers)
            }

            /// For a batch (its boards, locked, with their layout versions, the stamps it found
            /// and how many cards each has numbered): every board's cards, as the copy kept with
            /// the board's stamp, or else read whole now and kept (see `cards_cache`); a board
            /// read whole has in `stamps` the stamp its copy was kept under, which the batch
            /// then advances. `None`
            /// when a board has no such copy and may not be read whole now (too big, or read
            /// less than [`crate::store::cards_cache::FILL_INTERVAL`] ago): the batch reads
            /// only the cards it needs.
            async fn board_copies(
                &self,
                conn: &mut Conn,
                boards: &[(Uuid, i64)],
                stamps: &mut Stamps,
                numbered: &HashMap<BoardId, i64>,
            ) -> Result<Option<Vec<(i64, std::sync::Arc<BoardCards>)>>, StoreError> {
                let mut copies = Vec::with_capacity(boards.len());
                let mut missing = Vec::new();
                for &(id, version) in boards {
                    let board = BoardId(id);
                    match self.cards_cache.get(board, stamps.get(&board).copied().flatten()) {
                        Some(copy) => copies.push((version, copy)),
                        None => missing.push((board, version)),
                    }
                }
                let may_fill = |board: BoardId| {
                    let numbered = numbered.get(&board).copied().unwrap_or(i64::MAX);
                    self.cards_cache.wants_fill(board, numbered)
                };
                if !missing.iter().all(|&(board, _)| may_fill(board)) {
                    return Ok(None);
                }
                for (board, version) in missing {
                    let cards: BoardCards = board_cards(conn, board.0)
                        .await?
                        .into_iter()
                        .map(|card| (card.id, card))
                        .collect();
                    let cards = std::sync::Arc::new(cards);
                    let found = stamps.get(&board).copied().flatten();
                    let kept = self.cards_cache.keep(board, found, std::sync::Arc::clone(&cards));
                    stamps.insert(board, Some(kept));
                    copies.push((version, cards));
                }
                Ok(Some(copies))
            }

            /// Plans a move of a batch ([`Self::plan_known`]) and gives the card its key: the
            /// one for the place asked for in the cell (read from the cell, which may renumber
            /// its keys: what was learnt of it is forgotten), or else its key at the end of the
            /// cell worked out in memory from the cards of the batch (`moved`) as `known` has
            /// them and the cell's largest stored key, read with the batch's cards or else once
            /// per cell (see [`crate::store::cell_ends`]).
            async fn plan_batched(
                &self,
                conn: &mut Conn,
                job: &PendingMove,
                known: &KnownCards,
                ends: &mut CellEnds,
                moved: &HashSet<CardId>,
            ) -> Result<(std::sync::Arc<Board>, PlannedMove), StoreError> {
                let (board, mut planned) = self.plan_known(conn, job, known).await?;
                let cell = cell_of(&planned.card);
                let key = match planned.position {
                    Some(key) => {
                        ends.forget(&cell);
                        key
                    }
                    None => {
                        if !ends.knows(&cell) {
                            ends.learn(cell, cell_max(conn, cell).await?);
                        }
                        let batch = moved.iter().filter_map(|id| known.get(id)).map(|(_, card)| card);
                        ends.end_key(&cell, planned.card.id, batch)
                            .ok_or_else(|| StoreError::Internal("a cell's end was not read".into()))?
                    }
                };
                planned.position = Some(key);
                planned.card.position = key;
                Ok((board, planned))
            }

            /// For a batch of moves: the cards that bear on any of their placements, each with
            /// its board's layout version, in two statements. The first reads the batch's
            /// boards and their versions (on PostgreSQL locking them, see
            /// [`crate::store::sql::batch_boards_sql`]); from their layouts and the moves'
            /// columns comes the scope to read ([`PlacementScope`]: all of it for every board
            /// and every column, which is exact, as a column or lane of one board holds no card
            /// of another), and the second reads the cards moved and the cards in that scope,
            /// and the last card of each cell the moves may go to (their columns, in each of the
            /// board's lanes): the batch's cell ends, answered beside the cards (see
            /// [`crate::store::cell_ends`]), where a read per cell was a round trip each.
            async fn batch_cards(
                &self,
                conn: &mut Conn,
                jobs: &[PendingMove],
            ) -> Result<(KnownCards, Vec<(Cell, Option<f64>)>, Stamps), StoreError> {
                use crate::store::sql::{BatchLists, batch_boards_sql, batch_cards_sql, padded};
                if jobs.is_empty() {
                    return Ok((HashMap::new(), Vec::new(), HashMap::new()));
                }
                let ids = padded(&jobs.iter().map(|job| job.id.0).collect::<Vec<_>>());
                let mut query = sqlx::query_as::<_, (Uuid, i64, Option<Uuid>, i64, Option<String>)>(
                    sqlx::AssertSqlSafe(batch_boards_sql(ids.len(), $lock, STAMPING)),
                );
                for id in &ids {
                    query = query.bind(*id);
                }
                let stamped = query.fetch_all(&mut *conn).await.map_err(db_error)?;
                let mut stamps: Stamps =
                    stamped.iter().map(|&(id, _, stamp, _, _)| (BoardId(id), stamp)).collect();
                let boards: Vec<(Uuid, i64)> =
                    stamped.iter().map(|&(id, version, ..)| (id, version)).collect();
                let numbered: HashMap<BoardId, i64> =
                    stamped.iter().map(|&(id, _, _, next, _)| (BoardId(id), next - 1)).collect();
                let targets: Vec<ColumnId> = jobs.iter().map(|job| job.request.column_id).collect();
                let (mut columns, mut cell_columns, mut cell_lanes) = (Vec::new(), Vec::new(), Vec::new());
                let mut ends: Vec<Cell> = Vec::new();
                for &(id, version) in &boards {
                    let board = self.layout_at(conn, BoardId(id), version).await?;
                    for &target in &targets {
                        if board.column(target).is_some() {
                            ends.extend(board.lanes.iter().map(|lane| (board.id, target, lane.id)));
                        }
                        let scope = PlacementScope::of(&board, target);
                        columns.extend(scope.columns.iter().map(|c| c.0));
                        for (column, lane) in scope.cells {
                            cell_columns.push(column.0);
                            cell_lanes.push(lane.0);
                        }
                    }
                }
                let board_ids: Vec<Uuid> = boards.iter().map(|(id, _)| *id).collect();
                // Boards, columns, cells' columns, cells' lanes.
                let mut lists = [board_ids, columns, cell_columns, cell_lanes].map(|mut list| {
                    list.sort_unstable();
                    list.dedup();
                    list
                });
                if lists[2].is_empty() || lists[3].is_empty() {
                    lists[2].clear();
                    lists[3].clear();
                }
                if lists[1].is_empty() && lists[2].is_empty() {
                    // Only the cards moved are read: no list of boards to bind.
                    lists[0].clear();
                }
                ends.sort_unstable_by_key(|&(board, column, lane)| (board.0, column.0, lane.0));
                ends.dedup();
                if let Some(copies) = self.board_copies(conn, &boards, &mut stamps, &numbered).await? {
                    let scope = crate::store::cards_cache::Scope {
                        moved: &ids,
                        columns: &lists[1],
                        cell_columns: &lists[2],
                        cell_lanes: &lists[3],
                        ends: &ends,
                    };
                    let (known, ends) = scope.read(&copies);
                    return Ok((known, ends, stamps));
                }
                let lists = lists.map(|list| padded(&list));
                if ends.len() > MAX_PREREAD_ENDS {
                    // Many cells (many lanes): each read when a move first goes there.
                    ends.clear();
                }
                let read_ends = padded(&ends);
                let sql = batch_cards_sql(BatchLists {
                    cards: ids.len(),
                    boards: lists[0].len(),
                    columns: lists[1].len(),
                    cell_columns: lists[2].len(),
                    cell_lanes: lists[3].len(),
                    ends: read_ends.len(),
                });
                let mut query = sqlx::query_as::<_, CardRow>(sqlx::AssertSqlSafe(sql));
                for id in ids.iter().chain(lists.iter().flatten()) {
                    query = query.bind(*id);
                }
                for (board, column, lane) in read_ends {
                    query = query.bind(board.0).bind(column.0).bind(lane.0);
                }
                let versions: HashMap<Uuid, i64> = boards.into_iter().collect();
                let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
                let known: KnownCards = rows
                    .into_iter()
                    .map(|row| {
                        let card = Card::try_from(row)?;
                        let version = versions.get(&card.board_id.0).copied().ok_or_else(|| {
                            StoreError::Internal(format!("card {} read off the batch's boards", card.id))
                        })?;
                        Ok((card.id, (version, card)))
                    })
                    .collect::<Result<_, StoreError>>()?;
                // A cell's last card was read, so the largest key read in the cell is its end
                // (none read: the cell is empty).
                let ends = ends
                    .into_iter()
                    .map(|cell| {
                        let largest = known
                            .values()
                            .filter(|(_, card)| cell_of(card) == cell)
                            .map(|(_, card)| card.position)
                            .max_by(f64::total_cmp);
                        (cell, largest)
                    })
                    .collect();
                Ok((known, ends, stamps))
            }

            /// Checks a queued move of a batch against the cards the batch read (`known`, as
            /// the moves before it left them): the same cards a move alone reads
            /// ([`cards_for_move`]), picked by `bears_on_placement`, in the same order.
            async fn plan_known(
                &self,
                conn: &mut Conn,
                job: &PendingMove,
                known: &KnownCards,
            ) -> Result<(std::sync::Arc<Board>, PlannedMove), StoreError> {
                let (version, card) = known
                    .get(&job.id)
                    .ok_or_else(|| StoreError::NotFound(format!("card {}", job.id)))?;
                let board = self.layout_at(conn, card.board_id, *version).await?;
                let mut cards: Vec<Card> = known
                    .values()
                    .map(|(_, c)| c)
                    .filter(|c| {
                        c.board_id == card.board_id
                            && bears_on_placement(&board, job.request.column_id, Some(job.id), c)
                    })
                    .cloned()
                    .collect();
                cards.sort_by(|a, b| a.position.total_cmp(&b.position).then(a.number.cmp(&b.number)));
                let planned = plan_move(conn, &board, cards, job.id, &job.request, job.now).await?;
                Ok((board, planned))
            }

            /// Checks a move made alone inside its write transaction (see [`plan_move`]), with
            /// the board it is on. On PostgreSQL the board's row lock comes first, so the cards
            /// read are as the writes before this one left them (SQLite's write lock is held
            /// since `BEGIN IMMEDIATE`).
            async fn plan_in(
                &self,
                conn: &mut Conn,
                job: &PendingMove,
            ) -> Result<(std::sync::Arc<Board>, PlannedMove), StoreError> {
                if !$lock.is_empty() {
                    lock_board_of_card(conn, job.id).await?;
                }
                // The card, the cards its placement is checked against and the version of the
                // board's layout, in one statement.
                let (board_id, version, cards) =
                    cards_for_move(conn, job.id, job.request.column_id).await?;
                let board = self.layout_at(conn, board_id, version).await?;
                let planned = plan_move(conn, &board, cards, job.id, &job.request, job.now).await?;
                Ok((board, planned))
            }

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

        /// The cards that bear on placing `mover` (`None` for a card not made yet) in
        /// `column` on `board` (see [`placement_cards_sql`]).
        async fn placement_cards(
            conn: &mut Conn,
            board: &Board,
            column: ColumnId,
            mover: Option<CardId>,
        ) -> Result<Vec<Card>, StoreError> {
            sqlx::query_as::<_, VersionedCardRow>(placement_cards_sql!("$3"))
                .bind(mover.map(|m| m.0))
                .bind(column.0)
                .bind(board.id.0)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(|row| Card::try_from(row.card))
                .collect()
        }

        /// For a move of card `id` to `column`: its board, the version of that board's
        /// layout and the cards that bear on the placement, the card among them, in one
        /// statement (the board's id and layout come from the card, not from a read before).
        async fn cards_for_move(
            conn: &mut Conn,
            id: CardId,
            column: ColumnId,
        ) -> Result<(BoardId, i64, Vec<Card>), StoreError> {
            let rows = sqlx::query_as::<_, VersionedCardRow>(placement_cards_sql!(
                "(SELECT board_id FROM cards WHERE id = $1)"
            ))
            .bind(id.0)
            .bind(column.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
            let version = rows
                .iter()
                .find(|row| row.card.id == id.0)
                .map(|row| (BoardId(row.card.board_id), row.layout_version))
                .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
            let cards = rows
                .into_iter()
                .map(|row| Card::try_from(row.card))
                .collect::<Result<_, _>>()?;
            Ok((version.0, version.1, cards))
        }

        /// The most cells whose ends a batch reads with its cards (their moves' columns in
        /// every lane of the board), so that the statement stays short.
        const MAX_PREREAD_ENDS: usize = 16;

        /// The cards of a batch of moves, each with its board's layout version, by id.
        type KnownCards = HashMap<CardId, (i64, Card)>;

        /// The `cards_stamp` of each board of a batch as the batch found it.
        type Stamps = HashMap<BoardId, Option<Uuid>>;

        /// The largest key of `cell`, `None` when it is empty (see `cell_max_sql`).
        async fn cell_max(conn: &mut Conn, cell: Cell) -> Result<Option<f64>, StoreError> {
            sqlx::query_scalar(cell_max_sql!())
                .bind(cell.0.0)
                .bind(cell.1.0)
                .bind(cell.2.0)
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)
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

        /// A planned move of a batch waiting to be written by `write_moves`.
        struct QueuedMove<'a> {
            board: std::sync::Arc<Board>,
            planned: PlannedMove,
            actor: &'a Actor,
            now: DateTime<Utc>,
        }

        write_moves_fn!($dialect);


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

        /// Moves card `id` on a locked board (loaded without its cards: `cards` are the few
        /// that bear on the placement, from [`placement_cards`], the card itself among them):
        /// [`plan_move`], then [`write_move`].
        async fn place_card(
            conn: &mut Conn,
            board: &Board,
            cards: Vec<Card>,
            id: CardId,
            request: &MoveRequest,
            actor: &Actor,
            now: DateTime<Utc>,
        ) -> Result<Card, StoreError> {
            let planned = plan_move(conn, board, cards, id, request, now).await?;
            write_move(conn, board, planned, actor, now).await
        }

        /// Checks a move of card `id` (see [`place_card`]) and works out where it goes, with
        /// reads only: a move refused here (the policies, an unknown card, column or lane)
        /// has written nothing, so a batch of moves can go on without it.
        async fn plan_move(
            conn: &mut Conn,
            board: &Board,
            cards: Vec<Card>,
            id: CardId,
            request: &MoveRequest,
            now: DateTime<Utc>,
        ) -> Result<PlannedMove, StoreError> {
            let placing = Board { cards, ..board.clone() };
            let mut card = placing
                .cards
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
            let (column, lane) = request.target(board, &card)?;
            let mover = Mover { id: Some(card.id), card_type: card.card_type };
            let overrides = enforce(&placing, mover, column, lane, request.override_reason.as_deref())?;
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
            let mover = Mover { id: None, card_type: draft.card_type };
            let placing = Board {
                cards: placement_cards(conn, board, draft.column_id, None).await?,
                ..board.clone()
            };
            let overrides =
                enforce(&placing, mover, draft.column_id, draft.lane_id, new.override_reason.as_deref())?;
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
                    let cards = placement_cards(conn, &board, column, Some(card.id)).await?;
                    return place_card(conn, &board, cards, card.id, &request, actor, now)
                        .await
                        .map(Some);
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
                let draft = new.validate()?;
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
                let planned = plan_columns(&current.columns, &current.cards, specs)?;
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
                // The time as the database keeps it: the answer, and the board's copy of its
                // cards (see `cards_cache`), are then what a read gives.
                let now = chrono::SubsecRound::trunc_subsecs(now, STORED_SUBSEC_DIGITS);
                let job = PendingMove { id, request: request.clone(), actor: actor.clone(), now };
                let store = self.clone();
                self.moves
                    .run(job, move |jobs, release| {
                        let store = store.clone();
                        async move { store.move_batch(jobs, release).await }
                    })
                    .await
                    .unwrap_or_else(|| {
                        Err(StoreError::Internal("the batch of moves holding this one ended without an answer".into()))
                    })
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
                let board = load_board(&mut tx, board, true).await?;
                let planned = import.plan(&board, now)?;
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

#[cfg(test)]
mod tests {
    use super::{BatchLists, batch_cards_sql, padded};

    #[test]
    fn padded_lists_repeat_their_first_item_to_a_power_of_two() {
        assert_eq!(padded::<u8>(&[]), Vec::<u8>::new());
        assert_eq!(padded(&[7]), vec![7]);
        assert_eq!(padded(&[1, 2, 3]), vec![1, 2, 3, 1]);
        assert_eq!(padded(&[1, 2, 3, 4, 5]), vec![1, 2, 3, 4, 5, 1, 1, 1]);
    }

    /// The placeholders of `sql`, in the order they first appear.
    fn placeholders_in(sql: &str) -> Vec<usize> {
        let mut seen = Vec::new();
        for part in sql.split('$').skip(1) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            let k = digits.parse().expect("a numbered placeholder");
            if !seen.contains(&k) {
                seen.push(k);
            }
        }
        seen
    }

    /// The statement numbers its placeholders in the order the store binds its lists, each
    /// once, and leaves out the parts whose lists are empty: a count that disagreed with
    /// the binds would fail every batch of moves.
    #[test]
    fn batch_cards_placeholders_follow_the_lists() {
        let lists = BatchLists {
            cards: 4,
            boards: 2,
            columns: 2,
            cell_columns: 1,
            cell_lanes: 1,
            ends: 2,
        };
        let sql = batch_cards_sql(lists);
        let expected: Vec<usize> = (1..=4 + 2 + 2 + 1 + 1 + 2 * 3).collect();
        assert_eq!(placeholders_in(&sql), expected);
        assert_eq!(sql.matches(" UNION ALL ").count(), 4);

        let only_cards = batch_cards_sql(BatchLists {
            cards: 2,
            boards: 0,
            columns: 0,
            cell_columns: 0,
            cell_lanes: 0,
            ends: 1,
        });
        assert_eq!(placeholders_in(&only_cards), vec![1, 2, 3, 4, 5]);
        assert_eq!(only_cards.matches(" UNION ALL ").count(), 1);
    }
}
