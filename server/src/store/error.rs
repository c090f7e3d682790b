//! Driver errors mapped to storage errors, once for both databases.

use application::ports::{StoreError, WriteRefusal};

/// Maps a driver error to the storage error users and operators can act on. This is the one
/// place driver errors are classified, for both backends:
/// - a unique index refused the row: `Conflict`;
/// - there is no database to talk to right now (no connection within the acquire timeout,
///   connection refused or dropped, PostgreSQL shutting down or out of connections, SQLite
///   still locked after its busy timeout or failing to read its file): `Unavailable`, which a
///   retry may cure;
/// - the database reads but refuses writes (SQLite's file or file system is read-only or its
///   disk full; PostgreSQL's disk full or a read-only standby): `WritesRefused`, which needs
///   an operator;
/// - anything else: `Internal`.
pub(crate) fn db_error(err: sqlx::Error) -> StoreError {
    let unavailable = |err: &sqlx::Error| StoreError::Unavailable(err.to_string());
    let refused = |reason, err: &sqlx::Error| StoreError::WritesRefused {
        reason,
        detail: err.to_string(),
    };
    match &err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => unavailable(&err),
        sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(format!(
            "already exists ({})",
            e.constraint().unwrap_or("unique")
        )),
        sqlx::Error::Database(e) => {
            if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite reports extended result codes; the primary code is the low byte.
                let primary = e
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                match primary {
                    Some(SQLITE_READONLY) => refused(WriteRefusal::ReadOnly, &err),
                    Some(SQLITE_FULL) => refused(WriteRefusal::Full, &err),
                    Some(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_CANTOPEN) => {
                        unavailable(&err)
                    }
                    _ => StoreError::Internal(err.to_string()),
                }
            } else {
                match e.code().as_deref() {
                    // disk_full
                    Some("53100") => refused(WriteRefusal::Full, &err),
                    // read_only_sql_transaction: a standby after a failover
                    Some("25006") => refused(WriteRefusal::ReadOnly, &err),
                    // connection exceptions; admin_shutdown, crash_shutdown,
                    // cannot_connect_now; too_many_connections
                    Some(code)
                        if code.starts_with("08")
                            || matches!(code, "57P01" | "57P02" | "57P03" | "53300") =>
                    {
                        unavailable(&err)
                    }
                    _ => StoreError::Internal(err.to_string()),
                }
            }
        }
        _ => StoreError::Internal(err.to_string()),
    }
}

/// Maps a failed migration: the database's own errors as [`db_error`] does (a read-only file
/// is then named as such), anything else (a changed or missing migration) as `Internal`.
pub(crate) fn migrate_error(err: sqlx::migrate::MigrateError) -> StoreError {
    match err {
        sqlx::migrate::MigrateError::Execute(e) => match db_error(e) {
            StoreError::Internal(detail) => {
                StoreError::Internal(format!("migration failed: {detail}"))
            }
            other => other,
        },
        other => StoreError::Internal(format!("migration failed: {other}")),
    }
}

// SQLite's primary result codes (https://www.sqlite.org/rescode.html).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
