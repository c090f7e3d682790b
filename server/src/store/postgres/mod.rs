//! PostgreSQL, for teams that run several stateless Flowboard instances on one database.
//!
//! Writes lock the board row with `SELECT ... FOR UPDATE`: instances serialise their writes to
//! one board while writes to different boards proceed in parallel.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use application::ports::{BoardChange, StoreError};

use crate::store::ConnectOptions;
use crate::store::accel::Accelerator;
use crate::store::backend::{Backend, Conn};
use crate::store::error::{db_error, migrate_error};
use crate::store::placement::{move_event, move_update};
use crate::store::rows::{LogRow, board_columns, card_columns, log_columns};
use crate::store::sql::SqlStore;

/// Storage in a PostgreSQL database.
pub type PostgresStore = SqlStore<Postgres>;

/// Storage in a PostgreSQL database behind a transaction pooler (`--database-pooling
/// transaction`).
pub type PooledPostgresStore = SqlStore<PooledPostgres>;

/// The PostgreSQL backend (see [`Backend`]); `POOLED`: behind a transaction pooler such as
/// PgBouncer's `pool_mode = transaction`, which lends a server connection for one transaction
/// at a time. There statements are unnamed (a name prepared on one server connection means
/// nothing on the next) and reads run in a transaction too: sqlx sends an unnamed statement
/// in two exchanges (parse, then bind and execute), and between them the pooler may lend the
/// server connection to another client, whose unnamed statement would then run with these
/// arguments (measured: 680 of 1,200 reads answered another client's statement when 4
/// clients shared one server connection; none inside transactions).
#[derive(Clone, Copy, Debug)]
pub struct Pg<const POOLED: bool>;

/// PostgreSQL, directly or through a session pooler.
pub type Postgres = Pg<false>;

/// PostgreSQL through a transaction pooler.
pub type PooledPostgres = Pg<true>;

/// The NOTIFY channel instances announce board changes on.
const CHANNEL: &str = "flowboard_changes";

/// How long PostgreSQL lets one of Flowboard's sessions sit inside a transaction doing
/// nothing before it ends the session (and so rolls back and releases its locks). Flowboard's
/// own transactions never wait between statements; the limit is for the one way a session can
/// be left in a transaction: sqlx 0.9.0 does not roll back a `BEGIN` whose request was
/// cancelled in flight (a client closing its connection), and hands that connection out
/// again (transact-rs/sqlx#4393). Its later statements then held row locks until sqlx closed
/// the idle connection; one board page waited 1,165 s in the load bench.
const IDLE_IN_TRANSACTION_LIMIT: &str = "30s";

impl<const POOLED: bool> SqlStore<Pg<POOLED>> {
    /// Connects to `url` (`postgres://...`) and runs the migrations. A request waits at most
    /// `options.acquire_timeout` for a connection (also while PostgreSQL is unreachable, when
    /// sqlx keeps retrying to connect): then it gets `StoreError::Unavailable`. The change
    /// listener connects to `options.listen_url` when given (required with transaction
    /// pooling: see [`ConnectOptions::check`]).
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let pool = crate::store::ping_when_idle(crate::store::no_reaper(PgPoolOptions::new()))
            .max_connections(16)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(Self::pooled_connect_options(url)?)
            .await
            .map_err(db_error)?;
        let listen_pool = match &options.listen_url {
            // A LISTEN lasts as long as its session: one direct connection, kept.
            Some(listen_url) => crate::store::no_reaper(PgPoolOptions::new())
                .max_connections(1)
                .acquire_timeout(options.acquire_timeout)
                .connect_lazy_with(Self::connect_options(listen_url)?),
            None => pool.clone(),
        };
        // sqlx's migrator holds a session-level advisory lock while it works, and names its
        // statements: through a transaction pooler the lock would stay on whichever server
        // connection took it, blocking every later start-up. So there they run on the direct
        // connection (`check` made sure there is one), before it starts listening.
        let migrate_on = if POOLED { &listen_pool } else { &pool };
        sqlx::migrate!("../migrations/postgres")
            .run(migrate_on)
            .await
            .map_err(migrate_error)?;
        warn_without_idle_limit(&pool).await;
        let listener = listen(&listen_pool).await.map_err(db_error)?;
        let store = Self::new(pool.clone(), pool, Default::default(), &options.accel)
            .with_session_pool(listen_pool.clone());
        // Every change from here on is heard: what the feed reports as "no change since"
        // starts now, not before the listener was connected.
        store.changes.publish(BoardChange::resync());
        tokio::spawn(forward_notifications(
            listen_pool,
            listener,
            Heard {
                changes: std::sync::Arc::clone(&store.changes),
                accel: std::sync::Arc::clone(&store.accel),
            },
        ));
        Ok(store)
    }

    /// The options every direct connection to `url` is opened with: the URL's own, plus a
    /// limit on idling inside a transaction ([`IDLE_IN_TRANSACTION_LIMIT`]).
    pub fn connect_options(url: &str) -> Result<PgConnectOptions, StoreError> {
        Ok(url
            .parse::<PgConnectOptions>()
            .map_err(db_error)?
            .options([(
                "idle_in_transaction_session_timeout",
                IDLE_IN_TRANSACTION_LIMIT,
            )]))
    }

    /// The options the request pool's connections to `url` are opened with. Through a
    /// transaction pooler they carry only the startup parameters PgBouncer passes on: it
    /// refuses a connection that sends any other (`unsupported startup parameter`), and
    /// those listed in its `ignore_startup_parameters` it drops without a word. So neither
    /// `options` (the idle-in-transaction limit: set it on the role instead, see the README)
    /// nor sqlx's `extra_float_digits` is sent; the latter changes only floats in text
    /// results, and Flowboard reads results in binary (PostgreSQL 12 and later print floats
    /// exactly anyway).
    pub fn pooled_connect_options(url: &str) -> Result<PgConnectOptions, StoreError> {
        if POOLED {
            Ok(url
                .parse::<PgConnectOptions>()
                .map_err(db_error)?
                .extra_float_digits(None))
        } else {
            Self::connect_options(url)
        }
    }
}

/// The board's events with an id above `after`, in log order, without decoding the JSON of
/// creations and moves (see [`LogRow`]).
async fn event_log(
    conn: &mut sqlx::PgConnection,
    board: domain::BoardId,
    after: i64,
    named: bool,
) -> Result<Vec<domain::CardEvent>, StoreError> {
    type Row = (
        i64,
        uuid::Uuid,
        chrono::DateTime<chrono::Utc>,
        String,
        String,
        String,
        Option<uuid::Uuid>,
        Option<uuid::Uuid>,
        Option<uuid::Uuid>,
        Option<uuid::Uuid>,
        Option<sqlx::types::Json<domain::EventKind>>,
    );
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        log_columns!("data"),
        " FROM card_events WHERE board_id = $1 AND id > $2 ORDER BY id"
    ))
    .persistent(named)
    .bind(board.0)
    .bind(after)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    rows.into_iter()
        .map(
            |(id, card_id, at, actor_kind, actor_name, kind, c, l, fc, fl, data)| {
                LogRow {
                    id,
                    card_id,
                    at,
                    actor_kind,
                    actor_name,
                    kind,
                    column_id: c,
                    lane_id: l,
                    from_column_id: fc,
                    from_lane_id: fl,
                    data: data.map(|d| d.0),
                }
                .into_event(board)
            },
        )
        .collect()
}

/// The board's cards in board order (position, then number).
async fn board_cards(
    conn: &mut sqlx::PgConnection,
    board: uuid::Uuid,
    named: bool,
) -> Result<Vec<domain::Card>, StoreError> {
    sqlx::query_as::<_, crate::store::rows::CardRow>(concat!(
        "SELECT ",
        card_columns!(),
        " FROM cards WHERE board_id = $1 AND discarded_at IS NULL ORDER BY position, number"
    ))
    .persistent(named)
    .bind(board)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .map(domain::Card::try_from)
    .collect()
}

/// What a search reads of every card of the board.
async fn search_cards(
    conn: &mut sqlx::PgConnection,
    board: uuid::Uuid,
    named: bool,
) -> Result<Vec<domain::search::SearchCard>, StoreError> {
    sqlx::query_as::<_, crate::store::rows::SearchCardRow>(
        "SELECT id, number, title, description, card_type, severity, service, lane_id, \
         blocked, column_entered_at, updated_at FROM cards \
         WHERE board_id = $1 AND discarded_at IS NULL",
    )
    .persistent(named)
    .bind(board)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .map(domain::search::SearchCard::try_from)
    .collect()
}

/// The metric facts of every card of the board, in board order.
async fn metric_cards(
    conn: &mut sqlx::PgConnection,
    board: uuid::Uuid,
    named: bool,
) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
    sqlx::query_as::<_, crate::store::rows::MetricCardRow>(
        "SELECT id, number, card_type, column_id, created_at, discarded_at FROM cards \
         WHERE board_id = $1 ORDER BY position, number",
    )
    .persistent(named)
    .bind(board)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .map(domain::metrics::MetricCard::try_from)
    .collect()
}

/// What a notification from another instance updates in this one.
struct Heard {
    /// The live views.
    changes: std::sync::Arc<application::ChangeFeed>,
    /// The store's copies: incident settings saved on another instance apply here as soon as
    /// the change's notification arrives, not up to a second later (see
    /// [`crate::store::accel::recent`]).
    accel: std::sync::Arc<Accelerator>,
}

impl Heard {
    fn publish(&self, change: BoardChange) {
        match change.board_id {
            Some(board) if change.what == "incident_settings_changed" => {
                self.accel.forget_incident_settings(Some(board));
            }
            Some(_) => {}
            // Changes may have been missed: nothing kept may be trusted.
            None if change.is_resync() => self.accel.forget_incident_settings(None),
            // About one person's inbox.
            None => {}
        }
        self.changes.publish(change);
    }
}

/// Relays NOTIFY payloads from every instance to this instance's live views (and drops what
/// it keeps that they make stale). Notifications sent while the listening connection is down
/// are lost, so after a lost connection this reconnects at once (retrying every second while
/// PostgreSQL is away) and, as soon as it listens again, tells every view to reload
/// (`resync`): what was missed is caught up without waiting for the next change. Ends when
/// the pool closes.
async fn forward_notifications(pool: PgPool, listener: PgListener, heard: Heard) {
    let mut listener = Some(listener);
    loop {
        let Some(current) = listener.as_mut() else {
            match listen(&pool).await {
                Ok(fresh) => {
                    tracing::info!("listening for PostgreSQL notifications again");
                    listener = Some(fresh);
                    heard.publish(BoardChange::resync());
                }
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "PostgreSQL notifications unavailable; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            continue;
        };
        match current.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<BoardChange>(n.payload()) {
                Ok(change) => heard.publish(change),
                Err(e) => tracing::warn!(error = %e, "unreadable board change notification"),
            },
            Ok(None) => {
                tracing::warn!("lost the PostgreSQL notification connection; reconnecting");
                listener = None;
            }
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "PostgreSQL notification connection failed; reconnecting");
                listener = None;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Logs a warning when the request pool's sessions may sit inside a transaction for ever:
/// the limit Flowboard asks for at connect time (see [`IDLE_IN_TRANSACTION_LIMIT`]) did not
/// reach the server, as through a pooler that drops or refuses the `options` startup
/// parameter. One query, in the simple protocol: a single message a transaction pooler
/// cannot split between server connections.
async fn warn_without_idle_limit(pool: &PgPool) {
    use sqlx::Row;
    let limit = sqlx::raw_sql("SHOW idle_in_transaction_session_timeout")
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<String, _>(0));
    match limit {
        Ok(limit) if limit == "0" => tracing::warn!(
            "PostgreSQL sessions have no idle_in_transaction_session_timeout (through a \
             connection pooler Flowboard's own is not sent, or dropped): a session left inside a transaction \
             holds its locks until the connection closes; set it on the role: ALTER ROLE \
             <user> SET idle_in_transaction_session_timeout = '30s' (or use PgBouncer's \
             idle_transaction_timeout)"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read idle_in_transaction_session_timeout"),
    }
}

/// A listening connection on the changes channel, from `pool`: the request pool, or the
/// listener's own pool of one direct connection.
async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

impl<const POOLED: bool> Backend for Pg<POOLED> {
    type Db = sqlx::Postgres;

    const NAMED_STATEMENTS: bool = !POOLED;
    const READS_IN_TRANSACTION: bool = POOLED;
    const BEGIN_WRITE: Option<&'static str> = None;
    const LOCKS_ROWS: bool = true;
    // PostgreSQL keeps microseconds.
    const STORED_SUBSEC_DIGITS: u16 = 6;
    const BOARD_BY_ID_FOR_WRITE: &'static str = BOARD_BY_ID_FOR_WRITE;
    const BOARD_BY_SLUG_FOR_WRITE: &'static str = BOARD_BY_SLUG_FOR_WRITE;
    const LOCK_BOARD: &'static str = LOCK_BOARD;
    const VERSIONED_CARD: &'static str = VERSIONED_CARD;
    const MOVE_AND_LOG: &'static str = MOVE_AND_LOG;
    const RECUR_AND_LOG: &'static str = RECUR_AND_LOG;

    fn executor(conn: &mut Conn<Self>) -> impl sqlx::Executor<'_, Database = Self::Db> {
        conn
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    async fn notify(conn: &mut Conn<Self>, changes: &[BoardChange]) -> Result<bool, StoreError> {
        notify::<Self>(conn, changes).await
    }

    async fn board_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::Card>, StoreError> {
        board_cards(conn, board, Self::NAMED_STATEMENTS).await
    }

    async fn search_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::search::SearchCard>, StoreError> {
        search_cards(conn, board, Self::NAMED_STATEMENTS).await
    }

    async fn metric_cards(
        conn: &mut Conn<Self>,
        board: uuid::Uuid,
    ) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
        metric_cards(conn, board, Self::NAMED_STATEMENTS).await
    }

    async fn event_log(
        conn: &mut Conn<Self>,
        board: domain::BoardId,
        after: i64,
    ) -> Result<Vec<domain::CardEvent>, StoreError> {
        event_log(conn, board, after, Self::NAMED_STATEMENTS).await
    }
}

/// The board row with id `$1`, locked: writes to one board are serialised across instances.
const BOARD_BY_ID_FOR_WRITE: &str =
    concat!(board_columns!(), " FROM boards WHERE id = $1 FOR UPDATE");

/// The board row with slug `$1`, locked.
const BOARD_BY_SLUG_FOR_WRITE: &str =
    concat!(board_columns!(), " FROM boards WHERE slug = $1 FOR UPDATE");

/// Locks board `$1`'s row, answering its layout version.
const LOCK_BOARD: &str = "SELECT layout_version FROM boards WHERE id = $1 FOR UPDATE";

/// Card `$1` with its board's layout version and its row's `xmin`, the transaction that
/// wrote the row version: any later write to the card makes a new one.
const VERSIONED_CARD: &str = concat!(
    "SELECT (SELECT layout_version FROM boards WHERE id = c.board_id) AS layout_version, \
     c.xmin::text AS row_version, ",
    card_columns!(),
    " FROM cards c WHERE id = $1"
);

/// A move's `UPDATE` and its event: PostgreSQL takes one statement per query, so the event
/// is a data-modifying `WITH`, inserted only if the card was moved (its row the version
/// read, `$14`, when one was).
const MOVE_AND_LOG: &str = concat!(
    "WITH moved AS (",
    move_update!("($14::text IS NULL OR xmin::text = $14)"),
    " RETURNING position), logged AS (",
    move_event!(),
    " FROM moved) SELECT position FROM moved"
);

/// An open incident reported again and its event (see `Backend::RECUR_AND_LOG`): the count
/// is patched in SQL because it is only known there.
const RECUR_AND_LOG: &str = concat!(
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
);

/// Announces `changes` with `pg_notify` inside the transaction, in one statement:
/// `SELECT pg_notify(channel, p) FROM (VALUES ($1), ($2), ...) AS v(p)`.
async fn notify<B: Backend>(
    conn: &mut Conn<B>,
    changes: &[BoardChange],
) -> Result<bool, StoreError> {
    let payloads = changes
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let values = (1..=payloads.len())
        .map(|n| format!("(${n})"))
        .collect::<Vec<_>>()
        .join(", ");
    let statement = format!("SELECT pg_notify('{CHANNEL}', p) FROM (VALUES {values}) AS v(p)");
    let mut query = B::sql(sqlx::AssertSqlSafe(statement));
    for payload in payloads {
        query = query.bind(payload);
    }
    query.execute(conn).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    //! The plans PostgreSQL makes for a write's reads, checked where the store's private
    //! statements are in reach; runs when `FLOWBOARD_TEST_POSTGRES_URL` is set.
    #![allow(clippy::unwrap_used)]
    use domain::ColumnId;

    use crate::store::placement::{cell_set_condition, end_of_cell_key};

    /// The generic plan of `sql` (what a prepared statement runs once its plan is cached),
    /// in a fresh schema with the tables and no statistics: the plan must not count on them.
    async fn generic_plan(sql: &str) -> Option<String> {
        let base = std::env::var("FLOWBOARD_TEST_POSTGRES_URL").ok()?;
        let schema = format!("plan_{}", uuid::Uuid::new_v4().simple());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
            .await
            .unwrap();
        for statement in [
            format!("CREATE SCHEMA {schema}"),
            format!("SET search_path = {schema}"),
            "CREATE TABLE cards (id uuid PRIMARY KEY, board_id uuid, column_id uuid, \
             lane_id uuid, position float8, card_type text, discarded_at timestamptz)"
                .to_owned(),
            "CREATE INDEX cards_cell_idx ON cards (board_id, column_id, lane_id, position)"
                .to_owned(),
            "SET plan_cache_mode = force_generic_plan".to_owned(),
            format!("PREPARE probe AS {sql}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let params = vec!["NULL"; sql.matches('$').count()].join(", ");
        let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN EXECUTE probe({params})"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut conn)
            .await
            .unwrap();
        Some(lines.join("\n"))
    }

    /// The end of a cell is read from the end of the cells index, one entry, not by
    /// aggregating the cell: with `MAX(position)` and no statistics PostgreSQL aggregated
    /// all 12,500 cards of a cell of a 50,000-card board for each new card.
    #[tokio::test]
    async fn the_end_of_a_cell_is_one_entry_of_its_index() {
        let Some(plan) = generic_plan(concat!("SELECT ", end_of_cell_key!("$4", "$3"))).await
        else {
            return;
        };
        assert!(plan.contains("Limit"), "{plan}");
        assert!(
            plan.contains("Index Scan Backward using cards_cell_idx"),
            "{plan}"
        );
        assert!(
            !plan.contains("Aggregate") && !plan.contains("Seq Scan"),
            "{plan}"
        );
    }

    /// A limit's count is a search of the cells index over the cells it covers.
    #[tokio::test]
    async fn placement_counts_search_the_cells_index() {
        let committed = domain::policy::CellSet {
            columns: vec![ColumnId::new(), ColumnId::new()],
            lanes: domain::policy::Lanes::Except(vec![domain::LaneId::new()]),
        };
        let (mut next, mut binds) = (3, Vec::new());
        let condition = cell_set_condition(&committed, &mut next, &mut binds);
        let sql = format!("SELECT COUNT(*) FROM cards WHERE {condition}");
        let Some(plan) = generic_plan(&sql).await else {
            return;
        };
        assert!(plan.contains("cards_cell_idx"), "{plan}");
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
}
