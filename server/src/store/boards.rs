//! Boards: their rows, layouts (columns and lanes) and policies, and the board lock every
//! write takes first.

use application::ports::{BoardChange, BoardRef, BoardStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::board::{BoardDraft, ColumnSpec, plan_columns};
use domain::policy::BoardPolicy;
use domain::{Board, BoardId, BoardSummary, CardId, Column, NewBoard, UserId};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::{BoardRow, Layout, LayoutRow, SummaryRow, board_columns};
use super::sql::SqlStore;

/// The board row with id `$1`, unlocked.
const BOARD_BY_ID: &str = concat!(board_columns!(), " FROM boards WHERE id = $1");
/// The board row with slug `$1`, unlocked.
const BOARD_BY_SLUG: &str = concat!(board_columns!(), " FROM boards WHERE slug = $1");

impl<B: Backend> SqlStore<B> {
    /// The board's row, its write lock taken where the backend locks rows (`FOR UPDATE` on
    /// PostgreSQL): how a write to a board begins.
    pub(super) async fn board_row(
        conn: &mut Conn<B>,
        board: &BoardRef,
    ) -> Result<BoardRow, StoreError> {
        Self::find_board_row(conn, board, true).await
    }

    /// The board's row for a read: no lock, so a read never waits for a write in progress
    /// (nor, on PostgreSQL, writes a row lock of its own).
    pub(super) async fn read_board_row(
        conn: &mut Conn<B>,
        board: &BoardRef,
    ) -> Result<BoardRow, StoreError> {
        Self::find_board_row(conn, board, false).await
    }

    /// The board's row by id or slug, locked for a write or not.
    async fn find_board_row(
        conn: &mut Conn<B>,
        board: &BoardRef,
        for_write: bool,
    ) -> Result<BoardRow, StoreError> {
        let (by_id, by_slug) = if for_write {
            (B::BOARD_BY_ID_FOR_WRITE, B::BOARD_BY_SLUG_FOR_WRITE)
        } else {
            (BOARD_BY_ID, BOARD_BY_SLUG)
        };
        let found = match board {
            BoardRef::Id(id) => B::sql(by_id).bind(id.0).fetch_optional(conn).await?,
            BoardRef::Slug(slug) => {
                B::sql(by_slug)
                    .bind(slug.as_str())
                    .fetch_optional(conn)
                    .await?
            }
        };
        found.ok_or_else(|| StoreError::NotFound(board.to_string()))
    }

    /// Loads a board for a write, its lock taken (see [`Self::board_row`]); with `with_cards`
    /// false its card list stays empty.
    pub(super) async fn load_board(
        conn: &mut Conn<B>,
        board: &BoardRef,
        with_cards: bool,
    ) -> Result<Board, StoreError> {
        let row = Self::board_row(conn, board).await?;
        Self::complete_board(conn, row, with_cards).await
    }

    /// Loads a board for a read (no lock); with `with_cards` false its card list stays empty.
    pub(super) async fn read_board(
        conn: &mut Conn<B>,
        board: &BoardRef,
        with_cards: bool,
    ) -> Result<Board, StoreError> {
        let row = Self::read_board_row(conn, board).await?;
        Self::complete_board(conn, row, with_cards).await
    }

    /// Takes board `board`'s write lock where the backend locks rows, answering its layout
    /// version as it is under the lock; `None` where rows are not locked (SQLite: the write
    /// lock is held since the transaction began).
    pub(super) async fn lock_board(
        conn: &mut Conn<B>,
        board: BoardId,
    ) -> Result<Option<i64>, StoreError> {
        if !B::LOCKS_ROWS {
            return Ok(None);
        }
        let locked: Option<(i64,)> = B::sql(B::LOCK_BOARD)
            .bind(board.0)
            .fetch_optional(conn)
            .await?;
        let (version,) = locked.ok_or_else(|| StoreError::NotFound(board.to_string()))?;
        Ok(Some(version))
    }

    /// Locks the board of card `id` and loads it without its cards.
    pub(super) async fn lock_card_board(
        conn: &mut Conn<B>,
        id: CardId,
    ) -> Result<Board, StoreError> {
        let board = Self::lock_card_board_row(conn, id).await?;
        Self::complete_board(conn, board, false).await
    }

    /// Locks the board of card `id`, answering its row: for a write that needs the lock but
    /// not the layout.
    pub(super) async fn lock_card_board_row(
        conn: &mut Conn<B>,
        id: CardId,
    ) -> Result<BoardRow, StoreError> {
        let board: Option<(Uuid,)> = B::sql("SELECT board_id FROM cards WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
        let (board,) = board.ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
        Self::board_row(conn, &BoardRef::Id(BoardId(board))).await
    }

    /// A board from its row: its columns and lanes read, and its cards if `with_cards`.
    pub(super) async fn complete_board(
        conn: &mut Conn<B>,
        row: BoardRow,
        with_cards: bool,
    ) -> Result<Board, StoreError> {
        // Columns, lanes and labels in one statement: on SQLite every statement is a round
        // trip to the connection's thread.
        let layout: Vec<LayoutRow> = B::sql(
            "SELECT 0 AS part, id, name, kind, wip_limit, position FROM board_columns \
             WHERE board_id = $1 \
             UNION ALL SELECT 1 AS part, id, name, kind, NULL, position FROM lanes \
             WHERE board_id = $1 \
             UNION ALL SELECT 2 AS part, id, name, colour, NULL, 0 FROM labels \
             WHERE board_id = $1 ORDER BY part, position",
        )
        .bind(row.id)
        .fetch_all(conn)
        .await?;
        let mut columns = Vec::new();
        let mut lanes = Vec::new();
        let mut labels = Vec::new();
        for part in layout {
            match part.into_layout()? {
                Layout::Column(c) => columns.push(c),
                Layout::Lane(l) => lanes.push(l),
                Layout::Label(l) => labels.push(l),
            }
        }
        labels.sort_by_cached_key(|l: &domain::label::Label| (l.name.to_lowercase(), l.id));
        let cards = if with_cards {
            // Each backend reads the cards its own fastest way; their owners and labels in
            // one more read each.
            let mut cards = B::board_cards(conn, row.id).await?;
            Self::fill_owners_and_labels(conn, BoardId(row.id), &mut cards).await?;
            cards
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
            labels,
            cards,
        })
    }

    async fn insert_board(
        conn: &mut Conn<B>,
        draft: &BoardDraft,
        now: DateTime<Utc>,
    ) -> Result<BoardId, StoreError> {
        let id = BoardId::new();
        B::sql(
            "INSERT INTO boards (id, slug, name, description, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(draft.slug.as_str())
        .bind(draft.name.as_str())
        .bind(draft.description.as_str())
        .bind(now)
        .execute(conn)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "a board with the address \"{}\" already exists; choose another name or slug",
                draft.slug
            )),
            other => other,
        })?;
        for column in &draft.columns {
            Self::insert_column(conn, id.0, column).await?;
        }
        for lane in &draft.lanes {
            B::sql(
                "INSERT INTO lanes (id, board_id, name, kind, position) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(lane.id.0)
            .bind(id.0)
            .bind(lane.name.as_str())
            .bind(lane.kind.as_str())
            .bind(lane.position)
            .execute(conn)
            .await?;
        }
        Ok(id)
    }

    async fn insert_column(conn: &mut Conn<B>, board: Uuid, c: &Column) -> Result<(), StoreError> {
        B::sql(
            "INSERT INTO board_columns (id, board_id, name, kind, wip_limit, position) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id.0)
        .bind(board)
        .bind(c.name.as_str())
        .bind(c.kind.as_str())
        .bind(c.wip_limit.map(|l| l as i32))
        .bind(c.position)
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> BoardStore for SqlStore<B> {
    async fn list_boards(&self) -> Result<Vec<BoardSummary>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<SummaryRow> = B::sql(
            "SELECT b.id, b.slug, b.name, b.description, \
             COUNT(c.id) AS total_cards, \
             COALESCE(SUM(CASE WHEN col.kind <> 'done' THEN 1 ELSE 0 END), 0) AS open_cards \
             FROM boards b \
             LEFT JOIN cards c ON c.board_id = b.id AND c.discarded_at IS NULL \
             LEFT JOIN board_columns col ON col.id = c.column_id \
             GROUP BY b.id, b.slug, b.name, b.description \
             ORDER BY b.name, b.slug",
        )
        .fetch_all(&mut conn)
        .await?;
        Ok(rows.into_iter().map(BoardSummary::from).collect())
    }

    async fn create_board(
        &self,
        new: &NewBoard,
        owner: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<Board, StoreError> {
        let draft = new.validate(Uuid::now_v7)?;
        let mut tx = self.write_tx().await?;
        let id = Self::insert_board(&mut tx, &draft, now).await?;
        if let Some(owner) = owner {
            B::sql(
                "INSERT INTO board_members (board_id, user_id, role, added_at) \
                 VALUES ($1, $2, 'admin', $3)",
            )
            .bind(id.0)
            .bind(owner.0)
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        let board = Self::load_board(&mut tx, &BoardRef::Id(id), true).await?;
        self.commit(tx, BoardChange::board(id, "board_created"))
            .await?;
        Ok(board)
    }

    async fn board_id(&self, board: &BoardRef) -> Result<BoardId, StoreError> {
        let slug = match board {
            BoardRef::Id(id) => return Ok(*id),
            BoardRef::Slug(slug) => slug.as_str(),
        };
        let mut conn = self.read().await?;
        let found: Option<(Uuid,)> = B::sql("SELECT id FROM boards WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut conn)
            .await?;
        found
            .map(|(id,)| BoardId(id))
            .ok_or_else(|| StoreError::NotFound(board.to_string()))
    }

    async fn board(&self, board: &BoardRef) -> Result<Board, StoreError> {
        let mut conn = self.read().await?;
        Self::read_board(&mut conn, board, true).await
    }

    async fn board_layout(&self, board: &BoardRef) -> Result<Board, StoreError> {
        let mut conn = self.read().await?;
        Self::read_board(&mut conn, board, false).await
    }

    async fn search_cards(
        &self,
        board: BoardId,
    ) -> Result<Vec<domain::search::SearchCard>, StoreError> {
        let mut conn = self.read().await?;
        let mut cards = B::search_cards(&mut conn, board.0).await?;
        let mut owners = Self::assignments(&mut conn, board).await?;
        let mut labels = Self::labellings(&mut conn, board).await?;
        for card in &mut cards {
            if let Some(list) = owners.remove(&card.id.0) {
                card.assignees = list;
            }
            if let Some(list) = labels.remove(&card.id.0) {
                card.labels = list;
            }
        }
        Ok(cards)
    }

    async fn set_policy(
        &self,
        board: &BoardRef,
        policy: &BoardPolicy,
    ) -> Result<Board, StoreError> {
        policy.validate()?;
        let mut tx = self.write_tx().await?;
        let row = Self::board_row(&mut tx, board).await?;
        let limit = |v: Option<u32>| v.map(|v| v as i32);
        B::sql(
            "UPDATE boards SET committed_capacity = $1, tech_debt_share = $2, \
             expedite_limit = $3, expedite_counts_toward_wip = $4, person_wip_limit = $5 \
             WHERE id = $6",
        )
        .bind(limit(policy.committed_capacity))
        .bind(policy.tech_debt_share)
        .bind(limit(policy.expedite_limit))
        .bind(policy.expedite_counts_toward_wip)
        .bind(limit(policy.person_wip_limit))
        .bind(row.id)
        .execute(&mut tx)
        .await?;
        let board = Self::load_board(&mut tx, &BoardRef::Id(BoardId(row.id)), true).await?;
        self.commit(tx, BoardChange::board(board.id, "policy_changed"))
            .await?;
        Ok(board)
    }

    async fn set_columns(
        &self,
        board: &BoardRef,
        specs: &[ColumnSpec],
    ) -> Result<Board, StoreError> {
        let mut tx = self.write_tx().await?;
        let current = Self::load_board(&mut tx, board, true).await?;
        let planned = plan_columns(&current.columns, &current.cards, specs, Uuid::now_v7)?;
        let gone = current
            .columns
            .iter()
            .filter(|c| planned.iter().all(|p| p.id != c.id));
        // Discarded cards are off the board, so they do not keep a column from being
        // removed: the first column is where they come back to instead.
        let first = planned.iter().min_by_key(|c| c.position).map(|c| c.id);
        for column in gone {
            if let Some(first) = first {
                B::sql(
                    "UPDATE cards SET column_id = $1 WHERE board_id = $2 AND column_id = $3 \
                     AND discarded_at IS NOT NULL",
                )
                .bind(first.0)
                .bind(current.id.0)
                .bind(column.id.0)
                .execute(&mut tx)
                .await?;
            }
            B::sql("DELETE FROM board_columns WHERE id = $1")
                .bind(column.id.0)
                .execute(&mut tx)
                .await?;
        }
        for column in &planned {
            if current.column(column.id).is_some() {
                B::sql(
                    "UPDATE board_columns SET name = $1, kind = $2, wip_limit = $3, \
                     position = $4 WHERE id = $5",
                )
                .bind(column.name.as_str())
                .bind(column.kind.as_str())
                .bind(column.wip_limit.map(|l| l as i32))
                .bind(column.position)
                .bind(column.id.0)
                .execute(&mut tx)
                .await?;
            } else {
                Self::insert_column(&mut tx, current.id.0, column).await?;
            }
        }
        let board = Self::load_board(&mut tx, &BoardRef::Id(current.id), true).await?;
        self.commit(tx, BoardChange::board(board.id, "columns_changed"))
            .await?;
        Ok(board)
    }
}
