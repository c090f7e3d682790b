//! Storage backends behind `application::ports::Store`. The backend is chosen by the URL scheme:
//! `sqlite:` (the default) or `postgres:`/`postgresql:`.

mod accel;
mod accounts;
mod backend;
mod boards;
mod cards;
mod deployments;
mod error;
mod events;
mod incidents;
mod placement;
mod postgres;
mod retros;
mod rows;
mod sql;
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use application::ports::{Store, StoreError};

pub use accel::{AccelSettings, Clock, SystemClock};
pub use postgres::{Postgres, PostgresStore};
pub use sql::SqlStore;
pub use sqlite::{Sqlite, SqliteStore};

/// An open database of either kind.
#[derive(Clone, Debug)]
pub enum Database {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL server.
    Postgres(PostgresStore),
}

impl Database {
    /// How long a request waits for a database connection by default before it is answered
    /// with 503 (`--database-timeout-secs`).
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

    /// Opens the database at `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, Self::DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Opens the database at `url`, bringing its schema up to date; a request waits at most
    /// `acquire_timeout` for a connection (also while the database is unreachable).
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> Result<Self, StoreError> {
        Self::connect_accelerated(url, acquire_timeout, &AccelSettings::default()).await
    }

    /// [`Self::connect_with`], the store keeping copies as `accel` says (the conformance
    /// suite runs with them on and off).
    pub async fn connect_accelerated(
        url: &str,
        acquire_timeout: Duration,
        accel: &AccelSettings,
    ) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(
                PostgresStore::connect(url, acquire_timeout, accel).await?,
            ))
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(
                SqliteStore::connect(url, acquire_timeout, accel).await?,
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
        }
    }

    /// Closes connections cleanly (on shutdown).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(p) => p.close().await,
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
