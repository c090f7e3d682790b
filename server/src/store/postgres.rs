//! PostgreSQL, for teams that run several stateless Flowboard instances on one database.
//!
//! Writes lock the board row with `SELECT ... FOR UPDATE`: instances serialise their writes to
//! one board while writes to different boards proceed in parallel.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use super::recent::Recent;

// `BoardChange` comes in with the shared SQL below.

/// Storage in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
    /// Where this instance's change listener takes its connection from: `pool` itself, or a
    /// pool of one direct connection (`--database-listen-url`).
    listen_pool: sqlx::PgPool,
    /// What sits between Flowboard and PostgreSQL.
    // TODO(store rewrite): unnamed statements when Transaction.
    #[expect(
        dead_code,
        reason = "the store rewrite reads it to choose unnamed statements"
    )]
    pooling: super::Pooling,
    /// Committed changes from every instance, as this instance's listener receives them.
    changes: std::sync::Arc<application::ChangeFeed>,
    /// Unused: PostgreSQL serialises writes per board with row locks, across instances.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Boards' event logs as last read (see [`super::log_cache`]).
    log_cache: std::sync::Arc<super::log_cache::LogCache>,
    /// Boards' layouts as last read by a move (see [`super::layout_cache`]).
    layouts: std::sync::Arc<super::layout_cache::LayoutCache>,
    /// API tokens by secret hash, as recently read (see [`super::recent`]).
    tokens: std::sync::Arc<Recent<String, domain::access::ApiToken>>,
    /// Which board each card is on (see [`super::card_boards`]).
    card_boards: std::sync::Arc<super::card_boards::CardBoards>,
    /// Boards' incident settings, as recently read (see [`super::recent`]).
    incident_settings: std::sync::Arc<Recent<domain::BoardId, domain::incident::IncidentSettings>>,
}

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

impl PostgresStore {
    /// Connects to `url` (`postgres://...`) and runs the migrations. A request waits at most
    /// `options.acquire_timeout` for a connection (also while PostgreSQL is unreachable, when
    /// sqlx keeps retrying to connect): then it gets `StoreError::Unavailable`. The change
    /// listener connects to `options.listen_url` when given (required with transaction
    /// pooling: see [`super::ConnectOptions::check`]).
    pub async fn connect(url: &str, options: &super::ConnectOptions) -> Result<Self, StoreError> {
        let pooling = options.pooling;
        let pool = super::ping_when_idle(super::no_reaper(PgPoolOptions::new()))
            .max_connections(16)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(Self::pooled_connect_options(url, pooling)?)
            .await
            .map_err(db_error)?;
        let listen_pool = match &options.listen_url {
            // A LISTEN lasts as long as its session: one direct connection, kept.
            Some(listen_url) => super::no_reaper(PgPoolOptions::new())
                .max_connections(1)
                .acquire_timeout(options.acquire_timeout)
                .connect_lazy_with(Self::connect_options(listen_url)?),
            None => pool.clone(),
        };
        // sqlx's migrator holds a session-level advisory lock while it works, and names its
        // statements: through a transaction pooler the lock would stay on whichever server
        // connection took it, blocking every later start-up. So there they run on the direct
        // connection (`check` made sure there is one), before it starts listening.
        let migrate_on = match pooling {
            super::Pooling::Session => &pool,
            super::Pooling::Transaction => &listen_pool,
        };
        sqlx::migrate!("../migrations/postgres")
            .run(migrate_on)
            .await
            .map_err(super::rows::migrate_error)?;
        warn_without_idle_limit(&pool).await;
        let changes = std::sync::Arc::<application::ChangeFeed>::default();
        let incident_settings = std::sync::Arc::<Recent<_, _>>::default();
        let listener = listen(&listen_pool).await.map_err(db_error)?;
        // Every change from here on is heard: what the feed reports as "no change since"
        // starts now, not before the listener was connected.
        changes.publish(BoardChange::resync());
        tokio::spawn(forward_notifications(
            listen_pool.clone(),
            listener,
            Heard {
                changes: std::sync::Arc::clone(&changes),
                incident_settings: std::sync::Arc::clone(&incident_settings),
            },
        ));
        Ok(Self {
            pool,
            listen_pool,
            pooling,
            changes,
            write_turn: None,
            log_cache: Default::default(),
            layouts: Default::default(),
            tokens: Default::default(),
            card_boards: Default::default(),
            incident_settings,
        })
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
    pub fn pooled_connect_options(
        url: &str,
        pooling: super::Pooling,
    ) -> Result<PgConnectOptions, StoreError> {
        match pooling {
            super::Pooling::Session => Self::connect_options(url),
            super::Pooling::Transaction => Ok(url
                .parse::<PgConnectOptions>()
                .map_err(db_error)?
                .extra_float_digits(None)),
        }
    }

    /// The pool write transactions take their connection from: the one pool.
    fn write_pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// Closes the pool (and the listener's, when it has its own).
    pub async fn close(&self) {
        self.pool.close().await;
        self.listen_pool.close().await;
    }
}

impl PostgresStore {
    /// The board's events with an id above `after`, in log order, without decoding the JSON of
    /// creations and moves (see [`super::rows::LogRow`]).
    async fn event_log(
        &self,
        board: domain::BoardId,
        after: i64,
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
            super::rows::log_columns!("data"),
            " FROM card_events WHERE board_id = $1 AND id > $2 ORDER BY id"
        ))
        .bind(board.0)
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .map_err(super::rows::db_error)?;
        rows.into_iter()
            .map(
                |(id, card_id, at, actor_kind, actor_name, kind, c, l, fc, fl, data)| {
                    super::rows::LogRow {
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
}

/// The board's cards in board order (position, then number).
async fn board_cards(
    conn: &mut sqlx::PgConnection,
    board: uuid::Uuid,
) -> Result<Vec<domain::Card>, StoreError> {
    sqlx::query_as::<_, super::rows::CardRow>(concat!(
        "SELECT ",
        card_columns!(),
        " FROM cards WHERE board_id = $1 ORDER BY position, number"
    ))
    .bind(board)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?
    .into_iter()
    .map(domain::Card::try_from)
    .collect()
}

/// The metric facts of every card of the board, in board order.
async fn metric_cards(
    conn: &mut sqlx::PgConnection,
    board: uuid::Uuid,
) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
    sqlx::query_as::<_, super::rows::MetricCardRow>(
        "SELECT id, number, card_type, column_id, created_at FROM cards WHERE board_id = $1 \
         ORDER BY position, number",
    )
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
    /// The recent copies of incident settings: a change saved on another instance applies
    /// here as soon as its notification arrives, not up to a second later (see
    /// [`super::recent`]).
    incident_settings: std::sync::Arc<Recent<domain::BoardId, domain::incident::IncidentSettings>>,
}

impl Heard {
    fn publish(&self, change: BoardChange) {
        match change.board_id {
            Some(board) if change.what == "incident_settings_changed" => {
                self.incident_settings.forget(&board);
            }
            Some(_) => {}
            // Changes may have been missed: nothing kept may be trusted.
            None => self.incident_settings.clear(),
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

/// The digits of a second kept in stored times (PostgreSQL keeps microseconds).
const STORED_SUBSEC_DIGITS: u16 = 6;

impl_store!(PostgresStore, sqlx::Postgres, begin: "", lock_board: " FOR UPDATE", notify: "SELECT pg_notify('flowboard_changes', $1)", dialect: postgres);
impl_retro_store!(PostgresStore);
impl_account_store!(PostgresStore, sqlx::Postgres);
impl_delivery_store!(PostgresStore, sqlx::Postgres);

#[cfg(test)]
mod tests {
    //! The plans PostgreSQL makes for a write's reads, checked where the store's private
    //! statements are in reach; runs when `FLOWBOARD_TEST_POSTGRES_URL` is set.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::ColumnId;

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
             lane_id uuid, position float8, card_type text)"
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
