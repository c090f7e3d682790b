//! The seam between the storage code, written once, and the two databases it runs on.
//!
//! The code in the area modules (`boards`, `cards`, `incidents`, ...) is generic over a
//! [`Backend`]: SQLite ([`super::sqlite::Sqlite`]), PostgreSQL
//! ([`super::postgres::Postgres`]) or PostgreSQL behind a transaction pooler
//! ([`super::postgres::PooledPostgres`]). Both databases accept the same statements for
//! almost everything (`$n` placeholders, `RETURNING`, `ON CONFLICT`); the trait holds what
//! truly differs: how a write transaction starts, how a board row is locked, the few
//! statements that write two things in one round trip, how changes are announced, and the
//! readers each database runs fastest.
//!
//! Why the trait also gathers sqlx bounds ([`Binds`], [`Reads`]): code generic over sqlx's
//! `Database` must state `Uuid: Encode<'_, DB> + Type<DB>` and the like on every function,
//! because Rust does not carry such bounds from a trait to its users (only supertraits and
//! bounds on associated types travel). Stated once here, as bounds on [`Backend::Db`], they
//! hold in every function that names a `B: Backend`. Statements then run through [`Sql`], a
//! thin wrapper over `sqlx::Query` with sqlx's own method names.

use std::future::Future;

use application::ports::{BoardChange, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::database::HasStatementCache;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, SqlSafeStr, Type};
use uuid::Uuid;

use super::error::db_error;
use super::rows::{
    BoardRow, CardRow, EventRow, LayoutRow, MetricCardRow, SummaryRow, VersionedCardRow,
};

/// A database connection of backend `B`.
pub type Conn<B> = <<B as Backend>::Db as Database>::Connection;

/// The pool of backend `B`.
pub type Pool<B> = sqlx::Pool<<B as Backend>::Db>;

/// Values of type `T` can be bound to a statement of this database (`'e`: how long a borrowed
/// value must live for sqlx to encode it; `'static` for owned values).
pub trait Binds<'e, T>: Database {
    /// `query` with `value` bound to its next placeholder.
    fn bind_value(
        query: Query<'static, Self, Self::Arguments>,
        value: T,
    ) -> Query<'static, Self, Self::Arguments>;
}

impl<'e, DB: Database, T: Encode<'e, DB> + Type<DB>> Binds<'e, T> for DB {
    fn bind_value(
        query: Query<'static, Self, Self::Arguments>,
        value: T,
    ) -> Query<'static, Self, Self::Arguments> {
        query.bind(value)
    }
}

/// Rows of this database decode into `R`.
pub trait Reads<R>: Database {
    /// `row` decoded.
    fn read_row(row: &Self::Row) -> Result<R, sqlx::Error>;
}

impl<DB: Database, R: for<'r> FromRow<'r, DB::Row>> Reads<R> for DB {
    fn read_row(row: &Self::Row) -> Result<R, sqlx::Error> {
        R::from_row(row)
    }
}

/// A database Flowboard stores into, and how the storage code talks to it.
pub trait Backend: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// sqlx's database type, with every value type the storage code binds and every row
    /// type it reads (see the module documentation for why they are listed here).
    type Db: Database<Arguments: IntoArguments<Self::Db>>
        + HasStatementCache
        + Binds<'static, Uuid>
        + Binds<'static, Option<Uuid>>
        + Binds<'static, i64>
        + Binds<'static, Option<i64>>
        + Binds<'static, i32>
        + Binds<'static, Option<i32>>
        + Binds<'static, f64>
        + Binds<'static, Option<f64>>
        + Binds<'static, bool>
        + Binds<'static, String>
        + Binds<'static, Option<String>>
        + for<'a> Binds<'a, &'a str>
        + for<'a> Binds<'a, Option<&'a str>>
        + Binds<'static, NaiveDate>
        + Binds<'static, DateTime<Utc>>
        + Binds<'static, Option<DateTime<Utc>>>
        + for<'a> Binds<'a, Json<&'a domain::EventKind>>
        + for<'a> Binds<'a, Json<&'a domain::BoardEventKind>>
        + Reads<(i64,)>
        + Reads<(i32,)>
        + Reads<(f64,)>
        + Reads<(Uuid,)>
        + Reads<(String,)>
        + Reads<(Option<String>,)>
        + Reads<(Uuid, f64)>
        + Reads<(Uuid, Uuid)>
        + Reads<(Uuid, String)>
        + Reads<(Uuid, Uuid, f64)>
        + Reads<(Uuid, String, DateTime<Utc>)>
        + Reads<(String, String, DateTime<Utc>)>
        + Reads<(i64, i64, i64, i64)>
        + Reads<(Uuid, String, Option<String>, Option<DateTime<Utc>>)>
        + Reads<super::rows::BoardEventRow>
        + Reads<super::rows::people::CandidateRow>
        + Reads<super::rows::people::LoadRow>
        + Reads<super::rows::people::CountRow>
        + Reads<super::rows::people::CommentRow>
        + Reads<super::rows::people::NotificationRow>
        + Reads<(Uuid, String, String)>
        + Reads<super::rows::retros::ActionRow>
        + Reads<super::rows::retros::PeriodActionRow>
        + Reads<super::rows::deployments::IncidentRow>
        + Reads<BoardRow>
        + Reads<SummaryRow>
        + Reads<LayoutRow>
        + Reads<CardRow>
        + Reads<VersionedCardRow>
        + Reads<MetricCardRow>
        + Reads<EventRow>
        + Reads<super::rows::deployments::DeploymentRow>
        + Reads<super::rows::accounts::UserRow>
        + Reads<super::rows::accounts::CredentialsRow>
        + Reads<super::rows::accounts::MemberRow>
        + Reads<super::rows::accounts::TokenRow>;

    /// Whether statements are kept prepared on the server under a name (sqlx's default):
    /// one parse per connection instead of one per statement. Not behind a transaction
    /// pooler, which hands each transaction to any server connection, where the name may
    /// already be taken or may not exist.
    const NAMED_STATEMENTS: bool = true;

    /// Whether reads run inside a transaction too (behind a transaction pooler, where an
    /// unnamed statement outside one may be bound to another client's; see
    /// [`super::postgres::Pg`]).
    const READS_IN_TRANSACTION: bool = false;

    /// How a write transaction begins: SQLite's `BEGIN IMMEDIATE` takes the database's write
    /// lock at once instead of at the first write, so two writers never both read stale state
    /// and then fail to upgrade their locks. `None`: a plain `BEGIN`.
    const BEGIN_WRITE: Option<&'static str>;

    /// Whether a write must lock its board's row (`SELECT ... FOR UPDATE`). PostgreSQL: yes,
    /// that serialises the writes to one board across instances. SQLite: no, one write
    /// transaction runs at a time anyway.
    const LOCKS_ROWS: bool;

    /// The digits of a second the database keeps in a stored time.
    const STORED_SUBSEC_DIGITS: u16;

    /// The board row ([`BoardRow`]) with id `$1`, locked for a write where rows are locked.
    const BOARD_BY_ID_FOR_WRITE: &'static str;

    /// The board row ([`BoardRow`]) with slug `$1`, locked for a write where rows are locked.
    const BOARD_BY_SLUG_FOR_WRITE: &'static str;

    /// Locks the row of board `$1`, answering its layout version (unused where rows are not
    /// locked).
    const LOCK_BOARD: &'static str;

    /// Card `$1` with its board's layout version and, where the database has one, its row's
    /// version ([`VersionedCardRow`]).
    const VERSIONED_CARD: &'static str;

    /// A move's `UPDATE` and its `moved` event in one round trip, answering the card's new
    /// position key, or nothing when the card is not as read (see `placement::move_update`).
    const MOVE_AND_LOG: &'static str;

    /// An open incident reported again and its `incident_recurred` event in one round trip,
    /// answering the card (see `incidents::RECUR`).
    const RECUR_AND_LOG: &'static str;

    /// `conn` as sqlx's executor (sqlx implements `Executor` for each connection type, which
    /// generic code cannot name).
    fn executor(conn: &mut Conn<Self>) -> impl Executor<'_, Database = Self::Db>;

    /// The rows an `execute` changed.
    fn rows_affected(result: &<Self::Db as Database>::QueryResult) -> u64;

    /// Announces committed changes where the database carries them to every instance
    /// (PostgreSQL's `NOTIFY`, sent inside the transaction so it is delivered only if the
    /// commit succeeds). `false`: the database does not, and the store tells its own live
    /// views after the commit.
    fn notify(
        conn: &mut Conn<Self>,
        changes: &[BoardChange],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The board's cards in board order (position, then number), read the way this database
    /// answers fastest.
    fn board_cards(
        conn: &mut Conn<Self>,
        board: Uuid,
    ) -> impl Future<Output = Result<Vec<domain::Card>, StoreError>> + Send;

    /// What a search reads of every card of the board, in no particular order, their owners
    /// left empty (the store adds them).
    fn search_cards(
        conn: &mut Conn<Self>,
        board: Uuid,
    ) -> impl Future<Output = Result<Vec<domain::search::SearchCard>, StoreError>> + Send;

    /// What the flow metrics need of every card of the board, in board order.
    fn metric_cards(
        conn: &mut Conn<Self>,
        board: Uuid,
    ) -> impl Future<Output = Result<Vec<domain::metrics::MetricCard>, StoreError>> + Send;

    /// The board's events with an id above `after`, in log order.
    fn event_log(
        conn: &mut Conn<Self>,
        board: domain::BoardId,
        after: i64,
    ) -> impl Future<Output = Result<Vec<domain::CardEvent>, StoreError>> + Send;

    /// A statement of this backend, prepared the way [`Self::NAMED_STATEMENTS`] says.
    fn sql(text: impl SqlSafeStr) -> Sql<Self> {
        Sql {
            query: sqlx::query(text).persistent(Self::NAMED_STATEMENTS),
        }
    }
}

/// A statement with the values bound so far; sqlx's `Query` with sqlx's method names, the
/// row type chosen at the fetch, and driver errors mapped to [`StoreError`] (by
/// [`db_error`], the one place they are classified).
pub struct Sql<B: Backend> {
    query: Query<'static, B::Db, <B::Db as Database>::Arguments>,
}

impl<B: Backend> Sql<B> {
    /// Binds `value` to the next placeholder.
    pub fn bind<'e, T>(self, value: T) -> Self
    where
        B::Db: Binds<'e, T>,
    {
        Self {
            query: <B::Db as Binds<'e, T>>::bind_value(self.query, value),
        }
    }

    /// Runs the statement; answers how many rows it changed.
    pub async fn execute(self, conn: &mut Conn<B>) -> Result<u64, StoreError> {
        let done = self
            .query
            .execute(B::executor(conn))
            .await
            .map_err(db_error)?;
        Ok(B::rows_affected(&done))
    }

    /// The one row the statement answers.
    pub async fn fetch_one<R>(self, conn: &mut Conn<B>) -> Result<R, StoreError>
    where
        B::Db: Reads<R>,
    {
        let row = self
            .query
            .fetch_one(B::executor(conn))
            .await
            .map_err(db_error)?;
        B::Db::read_row(&row).map_err(db_error)
    }

    /// The row the statement answers, if any.
    pub async fn fetch_optional<R>(self, conn: &mut Conn<B>) -> Result<Option<R>, StoreError>
    where
        B::Db: Reads<R>,
    {
        let row = self
            .query
            .fetch_optional(B::executor(conn))
            .await
            .map_err(db_error)?;
        row.map(|row| B::Db::read_row(&row).map_err(db_error))
            .transpose()
    }

    /// Every row the statement answers.
    pub async fn fetch_all<R>(self, conn: &mut Conn<B>) -> Result<Vec<R>, StoreError>
    where
        B::Db: Reads<R>,
    {
        let rows = self
            .query
            .fetch_all(B::executor(conn))
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|row| B::Db::read_row(row).map_err(db_error))
            .collect()
    }
}
