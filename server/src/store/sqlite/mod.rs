//! The embedded default: one SQLite file, WAL mode, foreign keys on.
//!
//! Writes begin with `BEGIN IMMEDIATE`, which takes SQLite's single write lock at the start of
//! the transaction instead of at its first write, so two writers never both read stale state
//! and then fail to upgrade their locks.

use std::str::FromStr;
use std::time::Duration;

use application::ports::{BoardChange, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _};

mod readers;

use self::readers::{board_cards, event_log, metric_cards, search_cards};
use crate::store::accel::AccelSettings;
use crate::store::backend::{Backend, Conn};
use crate::store::error::{db_error, migrate_error};
use crate::store::placement::{move_event, move_update};
use crate::store::rows::{board_columns, card_columns};
use crate::store::sql::SqlStore;

/// Storage in a SQLite database file.
pub type SqliteStore = SqlStore<Sqlite>;

/// The SQLite backend (see [`Backend`]).
#[derive(Clone, Copy, Debug)]
pub struct Sqlite;

impl SqlStore<Sqlite> {
    /// Opens (creating if needed) the database at `url` (`sqlite://path/to/file.db`) and
    /// runs the migrations. A request waits at most `acquire_timeout` for a connection.
    ///
    /// A file that cannot be written (read-only file, directory or file system) fails here,
    /// naming the file: the WAL set-up and the migrations write, and a server that could only
    /// refuse changes is better not started.
    pub async fn connect(
        url: &str,
        acquire_timeout: Duration,
        accel: &AccelSettings,
    ) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // SQLite's default page cache (2 MB per connection): a 32 MB cache was tried for
            // reading a year of events and changed nothing measurable (bench/HISTORY.md),
            // while 8 connections' worth of it took the server past 100 MB under load.
            // Sorts stay in memory.
            .pragma("temp_store", "memory")
            // No connection checkpoints the WAL when it commits: the checkpoint fsyncs the
            // database file, which took 20-30 ms here, and a commit that ran it held up every
            // queued writer (p99 of a lone client 23 ms at a p50 of 0.9 ms). A background
            // task checkpoints instead ([`checkpoint_now_and_then`]); the WAL is cut back to
            // `journal_size_limit` when it restarts.
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", "67108864");
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let file = options.get_filename().to_owned();
        let pool = sqlite_pool(8, acquire_timeout)
            .connect_with(options.clone())
            .await
            .map_err(|e| unwritable(&file).unwrap_or_else(|| naming(&file, db_error(e))))?;
        let writer = sqlite_pool(1, acquire_timeout)
            .connect_with(options)
            .await
            .map_err(|e| unwritable(&file).unwrap_or_else(|| naming(&file, db_error(e))))?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| naming(&file, migrate_error(e)))?;
        let store = Self::new(pool, writer, Default::default(), accel);
        if let Some(write_turn) = &store.write_turn {
            tokio::spawn(checkpoint_now_and_then(
                store.pool.clone(),
                std::sync::Arc::clone(write_turn),
            ));
        }
        Ok(store)
    }

    /// Writes a consistent copy of the live database to `target` (which must not exist) with
    /// SQLite's `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile and the
    /// copy is compact and self-contained (no WAL beside it). Then checks the copy's
    /// integrity, so a backup that reports success can be restored.
    pub async fn backup_into(&self, target: &std::path::Path) -> Result<u64, StoreError> {
        if target.exists() {
            return Err(StoreError::Conflict(format!(
                "{} already exists; choose a new file",
                target.display()
            )));
        }
        let path = target.to_str().ok_or_else(|| {
            StoreError::Conflict(format!("{} is not a UTF-8 path", target.display()))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let mut copy = SqliteConnectOptions::new()
            .filename(target)
            .read_only(true)
            .connect()
            .await
            .map_err(db_error)?;
        let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut copy)
            .await
            .map_err(db_error)?;
        // The verdict is in; a failure to close the read-only copy changes nothing in it.
        let _ = copy.close().await;
        if verdict != "ok" {
            return Err(StoreError::Internal(format!(
                "the copy failed its integrity check: {verdict}"
            )));
        }
        Ok(std::fs::metadata(target).map(|m| m.len()).unwrap_or(0))
    }
}

/// Why SQLite could not open `file`, when the reason is that it cannot write there: the file
/// or its directory (where the WAL and shared-memory files go) is read-only, by its mode or
/// its file system. SQLite itself only says "unable to open database file".
fn unwritable(file: &std::path::Path) -> Option<StoreError> {
    use std::io::ErrorKind;
    let refused = |what: &std::path::Path, e: std::io::Error| match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            Some(StoreError::WritesRefused {
                reason: application::ports::WriteRefusal::ReadOnly,
                detail: format!(
                    "cannot open {} for writing: {} is read-only ({e})",
                    file.display(),
                    what.display()
                ),
            })
        }
        _ => None,
    };
    if file.exists()
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(file)
    {
        return refused(file, e);
    }
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let probe = dir.join(format!(".flowboard-write-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => refused(dir, e),
    }
}

/// Names the database file in an error from opening it: operators need to know which file.
fn naming(file: &std::path::Path, err: StoreError) -> StoreError {
    let file = file.display();
    match err {
        StoreError::Unavailable(detail) => {
            StoreError::Unavailable(format!("cannot open {file}: {detail}"))
        }
        StoreError::WritesRefused { reason, detail } => StoreError::WritesRefused {
            reason,
            detail: format!("cannot open {file}: {detail}"),
        },
        StoreError::Internal(detail) => {
            StoreError::Internal(format!("cannot open {file}: {detail}"))
        }
        other => other,
    }
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// WAL frames (pages) left after a passive checkpoint above which the writers are paused for
/// a second one, so that the WAL starts over: 4,096 frames are 16 MB with 4 KB pages.
const CHECKPOINT_CATCH_UP: i64 = 4096;

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] on a read connection, off the writers'
/// path. A passive checkpoint copies what no reader still needs and never blocks a writer,
/// but under a steady stream of writes it never catches up with the end of the WAL, and the
/// WAL only starts over once all of it is copied (it grew by 25 MB a second under the
/// ingestion benchmark). So when the WAL has grown past [`CHECKPOINT_CATCH_UP`], a second
/// checkpoint copies the little the first one left while this process's writers wait their
/// turn; the next write then starts the WAL over. Ends when the pool closes (closing the last
/// connection checkpoints one last time).
async fn checkpoint_now_and_then(
    pool: sqlx::SqlitePool,
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A failure is logged when it starts and when it changes, not four times a second (a
    // database opened read-only fails every time).
    let mut failing: Option<String> = None;
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        let outcome = match checkpoint(&pool).await {
            Ok(frames) if frames < CHECKPOINT_CATCH_UP => Ok(()),
            Ok(_) => {
                let _turn = write_turn.lock().await;
                checkpoint(&pool).await.map(|_| ())
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => failing = None,
            Err(_) if pool.is_closed() => return,
            Err(e) => {
                let message = e.to_string();
                if failing.as_ref() != Some(&message) {
                    tracing::warn!(error = %message, "WAL checkpoint failed; retrying");
                    failing = Some(message);
                }
            }
        }
    }
}

/// One passive checkpoint; the WAL's size in frames.
async fn checkpoint(pool: &sqlx::SqlitePool) -> Result<i64, sqlx::Error> {
    let (_busy, frames, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await?;
    Ok(frames)
}

/// Pool options both pools share.
fn sqlite_pool(connections: u32, acquire_timeout: Duration) -> SqlitePoolOptions {
    crate::store::no_reaper(SqlitePoolOptions::new())
        .max_connections(connections)
        .acquire_timeout(acquire_timeout)
        // SQLite rolls a transaction back by itself when a write fails with SQLITE_FULL
        // (or an I/O error). sqlx still counts it as open: the rollback of the dropped
        // transaction then fails and every later `BEGIN IMMEDIATE` on that connection
        // fails with "begin_with at non-zero transaction depth", so writes answered 500
        // even after space was freed (found by tests/faults.rs). Such a connection is
        // closed instead of going back to the pool. A connection still counted in a
        // transaction is pinged first: the ping runs after the rollback a dropped transaction
        // queued, so only a connection SQLite really left broken is closed.
        .after_release(|conn, _| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    conn.ping().await?;
                }
                Ok(!conn.is_in_transaction())
            })
        })
        // A connection to a local file does not go stale the way a network connection does,
        // and the ping sqlx sends before handing one out costs a round trip to the
        // connection's worker thread: on the writer, one more step in every write's path.
        .test_before_acquire(false)
}

impl Backend for Sqlite {
    type Db = sqlx::Sqlite;

    const BEGIN_WRITE: Option<&'static str> = Some("BEGIN IMMEDIATE");
    const LOCKS_ROWS: bool = false;
    // sqlx writes SQLite's times as text to the nanosecond.
    const STORED_SUBSEC_DIGITS: u16 = 9;
    const BOARD_BY_ID_FOR_WRITE: &'static str =
        concat!(board_columns!(), " FROM boards WHERE id = $1");
    const BOARD_BY_SLUG_FOR_WRITE: &'static str =
        concat!(board_columns!(), " FROM boards WHERE slug = $1");
    const LOCK_BOARD: &'static str = "SELECT layout_version FROM boards WHERE id = $1";
    // SQLite runs both statements of one string; sqlx binds `$n` to the n-th value in both.
    // `changes()`: the rows the UPDATE changed, so no event is logged for a move not made.
    const VERSIONED_CARD: &'static str = concat!(
        "SELECT (SELECT layout_version FROM boards WHERE id = c.board_id) AS layout_version, \
         NULL AS row_version, ",
        card_columns!(),
        " FROM cards c WHERE id = $1"
    );
    // No row version: the card is read under the write lock.
    const MOVE_AND_LOG: &'static str = concat!(
        move_update!("$14 IS NULL"),
        " RETURNING position; ",
        move_event!(),
        " WHERE changes() = 1"
    );
    // The count is patched in SQL because it is only known there; serde writes the rest of
    // the event, as for every other event.
    const RECUR_AND_LOG: &'static str = concat!(
        "UPDATE cards SET occurrences = occurrences + 1, last_seen_at = $1, \
         alert_resolved_at = NULL, updated_at = $2 \
         WHERE board_id = $3 AND open_dedup_key = $4 RETURNING ",
        card_columns!(),
        "; INSERT INTO card_events (board_id, card_id, kind, at, actor_kind, actor_name, data) \
         SELECT $3, id, $5, $1, $6, $7, json_set($8, '$.occurrences', occurrences) \
         FROM cards WHERE board_id = $3 AND open_dedup_key = $4"
    );

    fn executor(conn: &mut Conn<Self>) -> impl sqlx::Executor<'_, Database = Self::Db> {
        conn
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    /// One process owns the file: the store tells its own live views after the commit.
    async fn notify(_: &mut Conn<Self>, _: &[BoardChange]) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn board_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::Card>, StoreError> {
        board_cards(conn, board).await
    }

    async fn search_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::search::SearchCard>, StoreError> {
        search_cards(conn, board).await
    }

    async fn metric_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
        metric_cards(conn, board).await
    }

    async fn event_log(
        conn: &mut Conn<Self>,
        board: domain::BoardId,
        after: i64,
    ) -> Result<Vec<domain::CardEvent>, StoreError> {
        event_log(conn, board, after).await
    }
}

#[cfg(test)]
mod tests {
    //! The layout version a move relies on (`versioned_card` in `placement.rs`) and the plans
    //! of a write's reads, tested where the store's private helpers are in reach; the
    //! store's behaviour on both databases is tested in `server/tests/`.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use application::ports::{BoardRef, BoardStore as _, CardStore as _};
    use chrono::Utc;

    use crate::store::placement::{cell_set_condition, end_of_cell_key};
    use domain::{Actor, CardId, ColumnId, MoveRequest, NewBoard, NewCard};

    /// The layout version as a move of `card` reads it.
    async fn version(store: &SqliteStore, card: CardId) -> i64 {
        let mut conn = store.pool.acquire().await.unwrap();
        let (version, _, _) = SqliteStore::versioned_card(&mut conn, card).await.unwrap();
        version
    }

    #[tokio::test]
    async fn a_move_is_checked_against_the_layout_as_changed_since_the_last_move() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("layout.db").display());
        let store = SqliteStore::connect(&url, Duration::from_secs(5), &AccelSettings::default())
            .await
            .unwrap();
        let actor = Actor::system("test");
        let new = NewBoard {
            name: "Layout".into(),
            ..Default::default()
        };
        let board = store.create_board(&new, None, Utc::now()).await.unwrap();
        let at = BoardRef::Id(board.id);
        let mut cards = Vec::new();
        for title in ["First", "Second"] {
            let card = NewCard {
                title: title.into(),
                ..Default::default()
            };
            cards.push(
                store
                    .create_card(&at, &card, &actor, Utc::now())
                    .await
                    .unwrap(),
            );
        }
        let first = version(&store, cards[0].id).await;

        // A move caches the layout; writes to cards leave the version alone.
        let to_ready = MoveRequest {
            column_id: board.columns[1].id,
            lane_id: None,
            position: None,
            override_reason: None,
        };
        store
            .move_card(cards[0].id, &to_ready, &actor, Utc::now())
            .await
            .unwrap();
        assert_eq!(version(&store, cards[0].id).await, first);

        // A policy change bumps it, and so does a column change.
        let mut policy = board.policy.clone();
        policy.committed_capacity = Some(9);
        store.set_policy(&at, &policy).await.unwrap();
        let second = version(&store, cards[0].id).await;
        assert!(second > first, "{second} after {first}");
        let mut specs = app::ssr::forms::specs_of(&board);
        specs[1].wip_limit = Some(1);
        store.set_columns(&at, &specs).await.unwrap();
        let third = version(&store, cards[0].id).await;
        assert!(third > second, "{third} after {second}");

        // So the next move sees the new WIP limit of 1, not the cached layout without it.
        let refused = store
            .move_card(cards[1].id, &to_ready, &actor, Utc::now())
            .await;
        assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");
    }

    /// The plan SQLite makes for `sql` (`EXPLAIN QUERY PLAN`), one line per step.
    async fn plan_of(store: &SqliteStore, sql: &str) -> Vec<String> {
        let mut conn = store.pool.acquire().await.unwrap();
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(explain));
        for _ in 0..sql.matches('$').count() {
            query = query.bind(uuid::Uuid::nil());
        }
        let rows = query.fetch_all(&mut *conn).await.unwrap();
        rows.into_iter().map(|(_, _, _, detail)| detail).collect()
    }

    /// A write's reads are searches of the cells index, never a scan of a board's cards: the
    /// end of a cell (every new card, every move to the end of a cell) and the counts of the
    /// limits that apply (`placement_counts`). `make bench`'s scaling rows measure the same.
    #[tokio::test]
    async fn writes_read_cells_through_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plans.db").display());
        let store = SqliteStore::connect(&url, Duration::from_secs(5), &AccelSettings::default())
            .await
            .unwrap();
        let end = plan_of(&store, concat!("SELECT ", end_of_cell_key!("$4", "$3"))).await;
        assert!(
            end.iter()
                .any(|step| step.starts_with("SEARCH o USING INDEX cards_cell_idx")),
            "{end:?}"
        );
        assert!(
            !end.iter()
                .any(|step| step.contains("SCAN o") || step.contains("TEMP B-TREE")),
            "{end:?}"
        );
        // The committed area's count, as `placement_counts` writes it: two active columns,
        // the Expedite lane left out.
        let committed = domain::policy::CellSet {
            columns: vec![ColumnId::new(), ColumnId::new()],
            lanes: domain::policy::Lanes::Except(vec![domain::LaneId::new()]),
        };
        let (mut next, mut binds) = (3, Vec::new());
        let condition = cell_set_condition(&committed, &mut next, &mut binds);
        let count = plan_of(
            &store,
            &format!("SELECT COUNT(*) FROM cards WHERE {condition}"),
        )
        .await;
        assert!(
            count.iter().all(|step| !step.starts_with("SCAN")),
            "{count:?}"
        );
        assert!(
            count.iter().any(|step| step.contains("cards_cell_idx")),
            "{count:?}"
        );
    }
}
