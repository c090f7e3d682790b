//! PostgreSQL, for teams that run several stateless Flowboard instances on one database.
//!
//! Writes lock the board row with `SELECT ... FOR UPDATE`: instances serialise their writes to
//! one board while writes to different boards proceed in parallel.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

/// Storage in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://...`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(db_error)?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(PostgresStore, sqlx::Postgres, begin: "", lock_board: " FOR UPDATE");
