//! [`SqlStore`], the storage port implemented once for every [`Backend`]: what a store holds
//! (pools, the change feed, the write turn, the accelerator), how a write transaction begins
//! and how it ends (commit, then announce). Each area's SQL is in its own module (`boards`,
//! `cards`, `placement`, `incidents`, `events`, `deployments`, `retros`, `accounts`).
//!
//! Every write takes its board's lock first (see `boards::board_row`), so writes to one board
//! are serialised and the checks made inside them (numbering, positions, WIP limits) hold.

use std::sync::Arc;

use application::ChangeFeed;
use application::ports::{BoardChange, Store, StoreError};
use async_trait::async_trait;
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::accel::{AccelSettings, Accelerator};
use super::backend::{Backend, Conn, Pool};
use super::error::db_error;

/// Storage in a database of backend `B` (see [`super::SqliteStore`],
/// [`super::PostgresStore`]).
#[derive(Debug)]
pub struct SqlStore<B: Backend> {
    /// Connections for reads (and the few single-statement writes outside a write turn).
    pub(crate) pool: Pool<B>,
    /// The pool write transactions take their connection from. SQLite: one connection of its
    /// own (SQLite writes one at a time anyway, and a connection keeps its page cache only
    /// while no other connection has changed the file: with writes spread over the read pool,
    /// each write transaction began by re-reading the pages it touched; bench/HISTORY.md).
    /// PostgreSQL: the same pool as reads.
    pub(crate) writer: Pool<B>,
    /// Committed changes, for live board views: on SQLite this process's own; on PostgreSQL
    /// every instance's, as this instance's listener hears them.
    pub(crate) changes: Arc<ChangeFeed>,
    /// One writer at a time, in arrival order, where the database has one write lock
    /// (SQLite): a fair queue here beats SQLite's busy-wait, which lets unlucky writers time
    /// out under load. `None` where rows are locked instead (PostgreSQL).
    pub(crate) write_turn: Option<Arc<Mutex<()>>>,
    /// What the store keeps in memory to answer faster (see [`super::accel`]).
    pub(crate) accel: Arc<Accelerator>,
    /// Connections of their own for what needs a session (PostgreSQL's change listener,
    /// behind a transaction pooler); closed with the store.
    session_pool: Option<Pool<B>>,
    _backend: std::marker::PhantomData<B>,
}

impl<B: Backend> Clone for SqlStore<B> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            writer: self.writer.clone(),
            changes: Arc::clone(&self.changes),
            write_turn: self.write_turn.clone(),
            accel: Arc::clone(&self.accel),
            session_pool: self.session_pool.clone(),
            _backend: std::marker::PhantomData,
        }
    }
}

/// A write transaction, holding the store's write turn (if it has one) until it ends.
pub(crate) struct WriteTx<B: Backend> {
    // Field order matters: the transaction ends (rolls back if not committed) before the turn
    // passes to the next writer.
    tx: sqlx::Transaction<'static, B::Db>,
    _turn: Option<OwnedMutexGuard<()>>,
    /// Changes the write announces besides its own once it commits (someone's inbox has a
    /// new entry): collected where they happen, announced with the commit or not at all.
    told: Vec<BoardChange>,
}

impl<B: Backend> WriteTx<B> {
    /// Announces `changes` too when the write commits.
    pub(crate) fn tell(&mut self, changes: impl IntoIterator<Item = BoardChange>) {
        self.told.extend(changes);
    }

    /// Commits a write that announces nothing (accounts), then gives up the write turn.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(db_error)
    }
}

impl<B: Backend> std::ops::Deref for WriteTx<B> {
    type Target = Conn<B>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<B: Backend> std::ops::DerefMut for WriteTx<B> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// A connection a read runs on.
pub(crate) enum ReadConn<B: Backend> {
    /// A pooled connection.
    Plain(sqlx::pool::PoolConnection<B::Db>),
    /// A transaction, never committed: a read changes nothing.
    InTransaction(sqlx::Transaction<'static, B::Db>),
}

impl<B: Backend> ReadConn<B> {
    /// Ends a single-statement write made on a read connection (a token touched, a session
    /// saved): commits it where it ran in a transaction. Without this, such a write would be
    /// rolled back behind a transaction pooler.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Plain(_) => Ok(()),
            Self::InTransaction(tx) => tx.commit().await.map_err(db_error),
        }
    }
}

impl<B: Backend> std::ops::Deref for ReadConn<B> {
    type Target = Conn<B>;
    fn deref(&self) -> &Self::Target {
        match self {
            Self::Plain(conn) => conn,
            Self::InTransaction(tx) => tx,
        }
    }
}

impl<B: Backend> std::ops::DerefMut for ReadConn<B> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Self::Plain(conn) => conn,
            Self::InTransaction(tx) => tx,
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// A store over `pool` (reads) and `writer` (write transactions).
    pub(crate) fn new(
        pool: Pool<B>,
        writer: Pool<B>,
        changes: Arc<ChangeFeed>,
        accel: &AccelSettings,
    ) -> Self {
        Self {
            pool,
            writer,
            changes,
            write_turn: (!B::LOCKS_ROWS).then(Arc::default),
            accel: Arc::new(Accelerator::new(accel)),
            session_pool: None,
            _backend: std::marker::PhantomData,
        }
    }

    /// The store, closing `pool` with its own.
    pub(crate) fn with_session_pool(mut self, pool: Pool<B>) -> Self {
        self.session_pool = Some(pool);
        self
    }

    /// A connection for reads, and for writes of one statement that need no write turn (in a
    /// transaction where the backend needs one: see [`Backend::READS_IN_TRANSACTION`]; it is
    /// rolled back when dropped, so a write ends with [`ReadConn::commit`]).
    pub(crate) async fn read(&self) -> Result<ReadConn<B>, StoreError> {
        let conn = if B::READS_IN_TRANSACTION {
            ReadConn::InTransaction(self.pool.begin().await.map_err(db_error)?)
        } else {
            ReadConn::Plain(self.pool.acquire().await.map_err(db_error)?)
        };
        Ok(conn)
    }

    /// Starts a write transaction, after waiting for this process's write turn where the
    /// store has one.
    pub(crate) async fn write_tx(&self) -> Result<WriteTx<B>, StoreError> {
        let turn = match &self.write_turn {
            Some(turn) => Some(Arc::clone(turn).lock_owned().await),
            None => None,
        };
        let tx = match B::BEGIN_WRITE {
            Some(begin) => self.writer.begin_with(begin).await,
            None => self.writer.begin().await,
        };
        Ok(WriteTx {
            tx: tx.map_err(db_error)?,
            _turn: turn,
            told: Vec::new(),
        })
    }

    /// Commits a write and announces it to live board views (see [`Self::commit_all`]).
    pub(crate) async fn commit(
        &self,
        tx: WriteTx<B>,
        change: BoardChange,
    ) -> Result<(), StoreError> {
        self.commit_all(tx, vec![change]).await
    }

    /// Commits a write of several changes and announces them: on PostgreSQL by `NOTIFY` inside
    /// the transaction (delivered to every instance's listener, only if the commit succeeds);
    /// on SQLite to this process after the commit.
    ///
    /// The commit and the announcement run to their end on their own task, even if the request
    /// is dropped meanwhile (its client hung up): cut off there, SQLite could commit a change
    /// no live view is told of.
    pub(crate) async fn commit_all(
        &self,
        mut tx: WriteTx<B>,
        mut changes: Vec<BoardChange>,
    ) -> Result<(), StoreError> {
        changes.append(&mut tx.told);
        let feed = Arc::clone(&self.changes);
        tokio::spawn(async move { commit_and_announce(tx, changes, &feed).await })
            .await
            .map_err(|e| StoreError::Internal(format!("commit task: {e}")))?
    }

    /// Closes the pools (on SQLite the last connection checkpoints the WAL).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
        if let Some(pool) = &self.session_pool {
            pool.close().await;
        }
    }
}

/// [`SqlStore::commit_all`] on the calling task.
async fn commit_and_announce<B: Backend>(
    mut tx: WriteTx<B>,
    changes: Vec<BoardChange>,
    feed: &ChangeFeed,
) -> Result<(), StoreError> {
    let announced = changes.is_empty() || B::notify(&mut tx, &changes).await?;
    tx.tx.commit().await.map_err(db_error)?;
    if !announced {
        for change in changes {
            feed.publish(change);
        }
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        B::sql("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }
}
