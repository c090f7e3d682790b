//! The embedded default: one SQLite file, WAL mode, foreign keys on.
//!
//! Writes begin with `BEGIN IMMEDIATE`, which takes SQLite's single write lock at the start of
//! the transaction instead of at its first write, so two writers never both read stale state
//! and then fail to upgrade their locks.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Storage in a SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    /// Committed changes, for live board views in this process (one process owns the file).
    changes: tokio::sync::broadcast::Sender<app::ssr::BoardChange>,
    /// One writer at a time, in arrival order.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path/to/file.db`) and
    /// runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(db_error)?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?;
        let (changes, _) = tokio::sync::broadcast::channel(1024);
        Ok(Self {
            pool,
            changes,
            write_turn: Some(Default::default()),
        })
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(SqliteStore, sqlx::Sqlite, begin: "BEGIN IMMEDIATE", lock_board: "", notify: "");
impl_retro_store!(SqliteStore);
impl_account_store!(SqliteStore, sqlx::Sqlite);
impl_delivery_store!(SqliteStore, sqlx::Sqlite);
