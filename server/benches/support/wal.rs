//! PostgreSQL's write-ahead log during a measured run: how much the run wrote, and how many
//! of the 16 MB segment files it filled were ready beforehand.
//!
//! Why: a commit that needs a WAL segment no checkpoint left ready waits while PostgreSQL
//! creates it and writes it full of zeros (`wal_init_zero`, the default), about 40 ms on
//! these machines, and every other commit waits behind it. Card moves without think time
//! write a segment a second, so whether a run found segments ready decided its p99
//! (bench/HISTORY.md, session 22): the report says which case each run was.

use sqlx::{Connection, PgConnection, Row};

/// Where the log stood when a run began.
pub struct WalProbe {
    conn: PgConnection,
    lsn: i64,
    segment: i64,
    ahead: i64,
}

/// The log's position, its segment size, and how many segment files lie ahead of the
/// current one (recycled by a checkpoint, ready to be written without being created).
const STATE: &str = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, \
     (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'), \
     (SELECT count(*) FROM pg_ls_waldir() \
      WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_lsn()))";

impl WalProbe {
    /// Reads the log's state now, or `None` when it cannot be read (`pg_ls_waldir` needs a
    /// superuser or `pg_monitor`): the report then says nothing about the log.
    pub async fn start(url: &str) -> Option<Self> {
        let mut conn = PgConnection::connect(url).await.ok()?;
        let (lsn, size, ahead) = state(&mut conn).await?;
        Some(Self {
            conn,
            lsn,
            segment: size,
            ahead,
        })
    }

    /// "WAL 170 MB, 1.40 KB per move; 11 segments entered, 9 of them ready beforehand", for
    /// the `count` requests made since [`WalProbe::start`].
    pub async fn finish(mut self, count: u64, what: &str) -> Option<String> {
        let (lsn, _, _) = state(&mut self.conn).await?;
        let _ = self.conn.close().await;
        let written = lsn - self.lsn;
        let segments = lsn / self.segment - self.lsn / self.segment;
        Some(format!(
            "WAL {:.0} MB, {:.2} KB per {what}; {segments} segments entered, {} of them ready beforehand",
            written as f64 / 1e6,
            written as f64 / 1e3 / count.max(1) as f64,
            self.ahead.min(segments),
        ))
    }
}

async fn state(conn: &mut PgConnection) -> Option<(i64, i64, i64)> {
    let row = sqlx::query(STATE).fetch_one(conn).await.ok()?;
    Some((
        row.try_get(0).ok()?,
        row.try_get(1).ok()?,
        row.try_get(2).ok()?,
    ))
}
