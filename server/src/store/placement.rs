//! Where a card goes: the flow policies checked on counts (`domain::policy` says which
//! counts; this module counts them through `cards_cell_idx`), and moves planned and written.

use std::sync::Arc;

use application::ports::{BoardChange, BoardRef, StoreError};
use chrono::{DateTime, Utc};
use domain::inbox::NoticeKind;
use domain::policy::{
    CellSet, Lanes, Mover, PlacementCounts, PlacementQuery, Violation, check_placement,
};
use domain::{
    Actor, Board, BoardId, Card, CardId, ColumnId, ColumnKind, EventKind, LaneId, MoveRequest,
    UserId,
};
use sqlx::types::Json;
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::VersionedCardRow;
use super::sql::{SqlStore, WriteTx};

/// The key after the last card of the cell `$1` (column), `$2` (lane) of board `$board`
/// other than the card `$except`, or 1 in an empty cell: where a card goes when no place in
/// the cell is asked for. One expression for the card made and the card moved (`key_for` and
/// [`move_update`]). The board is named so that the read is a search of `cards_cell_idx`
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
pub(crate) use end_of_cell_key;

/// A move's `UPDATE`: card `$4` to column `$1`, lane `$2`, key `$3` (NULL: the end of the
/// cell), at `$5`, in its column since `$6`, if `$guard` holds: the backend's check that the
/// row is still the version `$14` read before the lock (NULL: whatever it is), so a card
/// changed since it was read is not moved on stale facts.
macro_rules! move_update {
    ($guard:literal) => {
        concat!(
            "UPDATE cards SET column_id = $1, lane_id = $2, position = COALESCE($3, ",
            $crate::store::placement::end_of_cell_key!("$7", "$4"),
            "), updated_at = $5, column_entered_at = $6 WHERE id = $4 AND ",
            $guard
        )
    };
}
pub(crate) use move_update;

/// A move's event: on board `$7`, kind `$8`, by `$9` `$10`, from column `$11` and lane
/// `$12`, data `$13` (the rest as in [`move_update`]); a `SELECT`, which each backend gives
/// the condition that the card was moved.
macro_rules! move_event {
    () => {
        "INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, actor_name, \
         column_id, lane_id, from_column_id, from_lane_id, data) \
         SELECT $7, $4, $8, $5, $9, $10, $1, $2, $11, $12, $13"
    };
}
pub(crate) use move_event;

/// A card move checked against the board and not yet written (see
/// [`SqlStore::plan_move`]).
pub(super) struct PlannedMove {
    /// The card as the move leaves it, but for its position key (written by the UPDATE).
    card: Card,
    from: (ColumnId, LaneId),
    /// The key for the asked place in the cell; `None`: at the end of the cell.
    position: Option<f64>,
    overrides: Vec<(Violation, String)>,
    /// The card's row version as read, when it was read before the board was locked: the
    /// write happens only if it is unchanged. `None`: read under the lock.
    read_version: Option<String>,
}

impl PlannedMove {
    /// The `moved` event: from where the card was to where it goes.
    fn event(&self) -> EventKind {
        EventKind::Moved {
            from_column_id: self.from.0,
            from_lane_id: self.from.1,
            to_column_id: self.card.column_id,
            to_lane_id: self.card.lane_id,
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// Moves card `id` inside a write transaction: the card read, its board locked, the
    /// board's layout read at its version, the move checked against the counts its limits
    /// need and written with its events.
    ///
    /// Where the board's row is locked (PostgreSQL), the card is read before the lock, so
    /// that the lock, which every write to the board waits for, is held for as few round trips
    /// as possible: the counts the limits need (none without limits), the write, the commit.
    /// The change is announced (NOTIFY) before the lock too. The write then moves the card
    /// only if its row is the version read (PostgreSQL's `xmin`: every write to the card
    /// makes a new one); if another write changed it meanwhile, it is read again under the
    /// lock and the move planned again. On SQLite the write lock is held from `BEGIN
    /// IMMEDIATE` on, so the card is read under it anyway.
    ///
    /// Answers the moved card and whether the move is announced already (else the caller
    /// announces it after the commit, see [`Backend::notify`]).
    pub(super) async fn move_in(
        &self,
        conn: &mut WriteTx<B>,
        id: CardId,
        request: &MoveRequest,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Card, bool), StoreError> {
        let (version, row_version, card) = Self::versioned_card(conn, id).await?;
        // Announced before the board's lock is taken, to hold it one round trip less: what
        // the change will say is known already (the card, its board, `now`), and a NOTIFY
        // is delivered only if the transaction commits, so a refused move announces nothing.
        let mut change = BoardChange::card(&card, "card_moved");
        change.updated_at = Some(now);
        let announced = B::notify(conn, std::slice::from_ref(&change)).await?;
        let (version, read_version) = match Self::lock_board(conn, card.board_id).await? {
            Some(locked) => (locked, row_version),
            None => (version, None),
        };
        let board = self.layout_at(conn, card.board_id, version).await?;
        let mut planned = Self::plan_move(conn, &board, card, request, now).await?;
        planned.read_version = read_version;
        if let Some(moved) = Self::write_move(conn, &board, planned, actor, now).await? {
            return Ok((moved, announced));
        }
        let (_, _, card) = Self::versioned_card(conn, id).await?;
        let planned = Self::plan_move(conn, &board, card, request, now).await?;
        let moved = Self::write_move(conn, &board, planned, actor, now)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
        Ok((moved, announced))
    }

    /// Card `id` with the version of its board's layout and its row's version (where the
    /// database has one), in one statement.
    pub(super) async fn versioned_card(
        conn: &mut Conn<B>,
        id: CardId,
    ) -> Result<(i64, Option<String>, Card), StoreError> {
        let row: Option<VersionedCardRow> = B::sql(B::VERSIONED_CARD)
            .bind(id.0)
            .fetch_optional(conn)
            .await?;
        let row = row.ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
        // Its owners in a read of their own: the move answers them, and the per-person
        // limit counts them. A change of owners stamps the card's row, so owners read
        // before the board's lock are checked by the row version like the rest of the card.
        let card = Self::with_owners_and_labels(conn, Card::try_from(row.card)?).await?;
        Ok((row.layout_version, row.row_version, card))
    }

    /// The board's layout (no cards) at `version`: kept by the accelerator when it was read
    /// at that version, else read (and kept).
    async fn layout_at(
        &self,
        conn: &mut Conn<B>,
        board_id: BoardId,
        version: i64,
    ) -> Result<Arc<Board>, StoreError> {
        if let Some(board) = self.accel.layout(board_id, version) {
            return Ok(board);
        }
        let board = Arc::new(Self::load_board(conn, &BoardRef::Id(board_id), false).await?);
        self.accel.keep_layout(version, Arc::clone(&board));
        Ok(board)
    }

    /// Applies the flow policies to placing `mover`, owned by `owners`, at (`column`,
    /// `lane`) on a locked board: refused without an override reason, naming every rule it
    /// breaks, otherwise the violations to record once the card is written.
    pub(super) async fn enforce(
        conn: &mut Conn<B>,
        board: &Board,
        mover: Mover,
        (column, lane): (ColumnId, LaneId),
        owners: &[UserId],
        override_reason: Option<&str>,
    ) -> Result<Vec<(Violation, String)>, StoreError> {
        let query = PlacementQuery::of(board, column, lane);
        let counts = Self::placement_counts(conn, board.id, &query, mover.id).await?;
        let mut violations = check_placement(board, mover, column, lane, &counts);
        let from = mover.from.map(|(column, _)| column);
        violations
            .extend(Self::person_violations(conn, board, (from, column), owners, mover.id).await?);
        Self::judge(violations, override_reason)
    }

    /// The counts `query` asks for on `board`, card `exclude` left out, in one statement of a
    /// scalar count per limit that applies; no statement at all when no limit applies. Each
    /// count is a search of `cards_cell_idx` over the cells its limit covers, so it costs what
    /// those cells hold (at most about the limit, unless overridden), not what the board
    /// holds.
    async fn placement_counts(
        conn: &mut Conn<B>,
        board: BoardId,
        query: &PlacementQuery,
        exclude: Option<CardId>,
    ) -> Result<PlacementCounts, StoreError> {
        if query.is_empty() {
            return Ok(PlacementCounts::default());
        }
        let mut next = 3;
        let mut binds = Vec::new();
        let mut count = |set: &Option<CellSet>, what: &str| match set {
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
        let mut statement = B::sql(sqlx::AssertSqlSafe(sql))
            .bind(board.0)
            .bind(exclude.map_or(Uuid::nil(), |id| id.0));
        for id in binds {
            statement = statement.bind(id);
        }
        let (wip, expedite, committed, committed_debt): (i64, i64, i64, i64) =
            statement.fetch_one(conn).await?;
        let to_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(PlacementCounts {
            wip: to_u32(wip),
            expedite: to_u32(expedite),
            committed: to_u32(committed),
            committed_debt: to_u32(committed_debt),
        })
    }

    /// Checks a move of `card` on its locked board and works out where it goes, with reads
    /// only: a move refused here (a policy, an unknown column or lane) has written nothing.
    pub(super) async fn plan_move(
        conn: &mut Conn<B>,
        board: &Board,
        mut card: Card,
        request: &MoveRequest,
        now: DateTime<Utc>,
    ) -> Result<PlannedMove, StoreError> {
        if card.discarded.is_some() {
            return Err(StoreError::Conflict(format!(
                "card #{} is discarded: restore it before moving it",
                card.number
            )));
        }
        let (column, lane) = request.target(board, &card)?;
        let mover = Mover::card(&card);
        let reason = request.override_reason.as_deref();
        let cell = (column, lane);
        let overrides = Self::enforce(conn, board, mover, cell, &card.assignees, reason).await?;
        // A key for a given place in the cell is worked out first; at the end of the cell
        // (most moves) the UPDATE computes it (`end_of_cell_key`): one statement less.
        let position = match request.position {
            Some(index) => {
                let except = Some(card.id);
                Some(Self::key_for(conn, board.id, column, lane, except, Some(index)).await?)
            }
            None => None,
        };
        let from = (card.column_id, card.lane_id);
        if column != card.column_id {
            card.column_entered_at = now;
        }
        card.column_id = column;
        card.lane_id = lane;
        card.updated_at = now;
        Ok(PlannedMove {
            card,
            from,
            position,
            overrides,
            read_version: None,
        })
    }

    /// Keeps the open dedup key of `card`, placed where it now is on `board`, in step: an
    /// incident in a done column holds none (a new alert with its key makes a new card); one
    /// anywhere else takes its key back unless another open incident took it meanwhile.
    /// Nothing for a card without a key.
    pub(super) async fn keep_open_dedup_key(
        conn: &mut Conn<B>,
        board: &Board,
        card: &Card,
    ) -> Result<(), StoreError> {
        let Some(key) = card.dedup_key.as_deref() else {
            return Ok(());
        };
        let done = board
            .column(card.column_id)
            .is_some_and(|c| c.kind == ColumnKind::Done);
        let statement = if done {
            "UPDATE cards SET open_dedup_key = NULL WHERE id = $1 AND $2 <> ''"
        } else {
            "UPDATE cards SET open_dedup_key = $2 WHERE id = $1 AND NOT EXISTS \
             (SELECT 1 FROM cards o WHERE o.board_id = $3 AND o.open_dedup_key = $2)"
        };
        B::sql(statement)
            .bind(card.id.0)
            .bind(key)
            .bind(board.id.0)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Writes a planned move: the card, its `moved` event, the overrides; keeps its open
    /// dedup key in step: cleared in a done column, restored when it leaves one unless
    /// another open incident took the key meanwhile. `None`, with nothing written, when the
    /// card was read before the lock and changed since (see [`Self::move_in`]).
    pub(super) async fn write_move(
        conn: &mut WriteTx<B>,
        board: &Board,
        planned: PlannedMove,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Card>, StoreError> {
        let moved = planned.event();
        let PlannedMove {
            mut card,
            from,
            position,
            overrides,
            read_version,
        } = planned;
        let (column, lane) = (card.column_id, card.lane_id);
        // The UPDATE and its `moved` event in one round trip (`Backend::MOVE_AND_LOG`); `$3`
        // NULL: at the end of the cell.
        let keys: Vec<(f64,)> = B::sql(B::MOVE_AND_LOG)
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
            .bind(read_version)
            .fetch_all(conn)
            .await?;
        let Some((key,)) = keys.first() else {
            return Ok(None);
        };
        card.position = *key;
        Self::keep_open_dedup_key(conn, board, &card).await?;
        Self::record_overrides(conn, board.id, card.id, now, actor, overrides).await?;
        // A card sent back to an earlier column: its owners are told (rework).
        let place = |id: ColumnId| board.column(id).map(|c| c.position);
        if place(column) < place(from.0) && !card.assignees.is_empty() {
            let to = board.column(column).map_or("", |c| c.name.as_str());
            let detail = format!("back to {to}");
            let told = domain::inbox::tell(
                &card.assignees,
                actor.user_id,
                NoticeKind::SentBack,
                &detail,
            );
            Self::write_notices(conn, &card, actor, told, now).await?;
        }
        Ok(Some(card))
    }
}

/// The condition and the values to bind for the cards of `board` (`$1`) in `set`, other than
/// `$2` and discarded ones: a search of `cards_cell_idx` (board, column, lane) per column.
/// Placeholders are numbered from `next` on.
pub(crate) fn cell_set_condition(set: &CellSet, next: &mut usize, binds: &mut Vec<Uuid>) -> String {
    let mut list = |ids: &mut dyn Iterator<Item = Uuid>| {
        let first = binds.len();
        binds.extend(ids);
        let added = binds.len() - first;
        let out = super::people::placeholders(*next, added);
        *next += added;
        out
    };
    let columns = list(&mut set.columns.iter().map(|c| c.0));
    let lanes = match &set.lanes {
        Lanes::All => String::new(),
        Lanes::Except(lanes) if lanes.is_empty() => String::new(),
        Lanes::Except(lanes) => format!(
            " AND lane_id NOT IN ({})",
            list(&mut lanes.iter().map(|l| l.0))
        ),
        Lanes::Only(lanes) if lanes.is_empty() => " AND 1 = 0".to_owned(),
        Lanes::Only(lanes) => format!(" AND lane_id IN ({})", list(&mut lanes.iter().map(|l| l.0))),
    };
    format!(
        "board_id = $1 AND id <> $2 AND column_id IN ({columns}){lanes} AND discarded_at IS NULL"
    )
}
