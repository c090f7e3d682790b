//! Storage backends behind `application::ports::Store`. The backend is chosen by the URL scheme:
//! `sqlite:` (the default) or `postgres:`/`postgresql:`.

mod accel;
mod accounts;
mod backend;
mod boards;
mod cards;
mod comments;
mod deployments;
mod discard;
mod error;
mod events;
mod incidents;
mod labels;
mod people;
mod placement;
mod postgres;
mod retros;
mod rows;
mod sql;
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use application::ports::{Store, StoreError};

pub use accel::recent::KEPT_FOR as COPIES_KEPT_FOR;
pub use accel::{AccelSettings, Clock, SystemClock};
pub use postgres::{Pg, PooledPostgres, PooledPostgresStore, Postgres, PostgresStore};
pub use sql::SqlStore;
pub use sqlite::{Sqlite, SqliteStore};

/// An open database of any kind.
#[derive(Clone, Debug)]
pub enum Database {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL server, directly or through a session pooler.
    Postgres(PostgresStore),
    /// A PostgreSQL server through a transaction pooler.
    PooledPostgres(PooledPostgresStore),
}

/// What sits between Flowboard and PostgreSQL (`--database-pooling`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Pooling {
    /// PostgreSQL itself, or a pooler that gives each connection a server connection of its
    /// own for as long as it lasts (PgBouncer's `pool_mode = session`).
    #[default]
    Session,
    /// A pooler that lends a server connection for one transaction at a time (PgBouncer's
    /// `pool_mode = transaction`): statements must be unnamed, nothing may rely on session
    /// state, and the change listener needs a direct connection (`--database-listen-url`).
    Transaction,
}

/// How to open the database, beyond its URL.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// How long a request waits for a database connection before it is answered with 503.
    pub acquire_timeout: Duration,
    /// What sits between Flowboard and PostgreSQL.
    pub pooling: Pooling,
    /// A direct PostgreSQL connection for what needs a session of its own: the change
    /// listener's `LISTEN` and, with transaction pooling, the migrations (their advisory lock
    /// is held by the session). `None`: the database URL.
    pub listen_url: Option<String>,
    /// Whether the store keeps copies of what requests read again and again (on by default;
    /// the storage conformance suite runs with them on and off).
    pub accel: AccelSettings,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            acquire_timeout: Database::DEFAULT_ACQUIRE_TIMEOUT,
            pooling: Pooling::Session,
            listen_url: None,
            accel: AccelSettings::default(),
        }
    }
}

impl ConnectOptions {
    /// Whether these options fit a database at `url`; if not, why, in words for the operator.
    pub fn check(&self, url: &str) -> Result<(), String> {
        let postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if !postgres(url) {
            if self.pooling == Pooling::Transaction {
                return Err("--database-pooling transaction is for PostgreSQL behind a \
                            transaction pooler; this database is not PostgreSQL"
                    .to_owned());
            }
            if self.listen_url.is_some() {
                return Err(
                    "--database-listen-url is for PostgreSQL; this database is not \
                            PostgreSQL"
                        .to_owned(),
                );
            }
            return Ok(());
        }
        match &self.listen_url {
            Some(listen) if !postgres(listen) => Err(format!(
                "--database-listen-url must be a postgres:// URL, not {:?}",
                listen.split_once("://").map_or("", |(scheme, _)| scheme)
            )),
            None if self.pooling == Pooling::Transaction => Err(
                "--database-pooling transaction needs --database-listen-url \
                 (FLOWBOARD_DATABASE_LISTEN_URL), a direct connection to PostgreSQL: live \
                 updates across instances arrive through LISTEN, which lasts as long as the \
                 session, and a transaction pooler hands the server connection to other \
                 clients after each transaction, so a LISTEN through it would hear nothing"
                    .to_owned(),
            ),
            _ => Ok(()),
        }
    }
}

impl Database {
    /// How long a request waits for a database connection by default before it is answered
    /// with 503 (`--database-timeout-secs`).
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

    /// Opens the database at `url` (PostgreSQL directly or through a session pooler) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &ConnectOptions::default()).await
    }

    /// Opens the database at `url`, bringing its schema up to date; a request waits at most
    /// `options.acquire_timeout` for a connection (also while the database is unreachable).
    /// Settings that do not fit the URL ([`ConnectOptions::check`]) are refused before
    /// anything is opened.
    pub async fn connect_with(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        options.check(url).map_err(StoreError::Unavailable)?;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(match options.pooling {
                Pooling::Session => Self::Postgres(PostgresStore::connect(url, options).await?),
                Pooling::Transaction => {
                    Self::PooledPostgres(PooledPostgresStore::connect(url, options).await?)
                }
            })
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(
                SqliteStore::connect(url, options.acquire_timeout, &options.accel).await?,
            ))
        } else {
            Err(StoreError::Unavailable(format!(
                "unsupported database URL {url:?}: use sqlite://FILE or postgres://..."
            )))
        }
    }

    /// The store interface the application uses.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            Self::Postgres(p) => Arc::new(p.clone()),
            Self::PooledPostgres(p) => Arc::new(p.clone()),
        }
    }

    /// Closes connections cleanly (on shutdown).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(p) => p.close().await,
            Self::PooledPostgres(p) => p.close().await,
        }
    }
}

/// `options` without sqlx's idle-connection reaper, the task that closes connections past
/// their idle timeout or lifetime. sqlx 0.9.0's reaper loops `0..num_idle()` without
/// yielding, and `num_idle` can wrap below zero (to `usize::MAX`): a returned connection is
/// queued before it is counted, and a request that takes it in between counts it out first.
/// A reaper run that reads the count then spins a runtime worker for good, stranding the
/// tasks queued on it (risingwave#24991 traced the same hang). A test server hung that way
/// in CI; with a 1 ms idle timeout, eight tasks taking turns on a pool stalled it within
/// 15 s, a worker spinning in the reaper, and did not in 20 s without the reaper. Nothing
/// here needs the reaper: a SQLite connection to a local file never goes stale, and
/// PostgreSQL connections are tested before they are handed out (see [`ping_when_idle`]),
/// so a dead one is replaced then.
pub(crate) fn no_reaper<DB: sqlx::Database>(
    options: sqlx::pool::PoolOptions<DB>,
) -> sqlx::pool::PoolOptions<DB> {
    options.idle_timeout(None).max_lifetime(None)
}

/// How long a pooled connection may have been idle and still be handed out untested.
const UNTESTED_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// `options` testing (pinging) a pooled connection before handing it out only when it has
/// been idle longer than [`UNTESTED_IDLE`], where sqlx by default pings every time. Why: the
/// ping is a round trip before every transaction, and a batch of card moves on PostgreSQL
/// waited on it with every other move queued behind (`bench/HISTORY.md`, session 17). A
/// connection in use within the last second was alive then; if the database has gone since,
/// its first statement fails as the database being away (503), and sqlx tests it on release
/// (that test it always makes) and drops it, so a restarted database gets fresh connections.
pub(crate) fn ping_when_idle<DB: sqlx::Database>(
    options: sqlx::pool::PoolOptions<DB>,
) -> sqlx::pool::PoolOptions<DB> {
    options
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > UNTESTED_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}
