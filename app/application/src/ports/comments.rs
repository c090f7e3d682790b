//! The storage port for comments on cards and for everyone's inbox. Every write that tells
//! someone of something writes their inbox entry in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::comment::{Comment, CommentAuthor, CommentId};
use domain::inbox::Notification;
use domain::{Actor, CardId, NotificationId, UserId};

use super::StoreError;

/// Comments on cards.
#[async_trait]
pub trait CommentStore: Send + Sync + 'static {
    /// Card `card`'s comments, oldest first: `limit` of them from `offset` on, and how many
    /// there are in all (deleted ones included: they stay in the timeline, without text).
    async fn comments(
        &self,
        card: CardId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Comment>, usize), StoreError>;

    /// One comment.
    async fn comment(&self, id: CommentId) -> Result<Comment, StoreError>;

    /// Adds a comment (its text checked already) to `card`, counts it on the card, and tells
    /// the members it mentions and the card's owners (not the author) in their inbox.
    async fn add_comment(
        &self,
        card: CardId,
        body: &str,
        author: &CommentAuthor,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError>;

    /// Replaces a comment's text (checked already); members it mentions now and did not
    /// before are told. A deleted comment MUST give `StoreError::NotFound`.
    async fn edit_comment(
        &self,
        id: CommentId,
        body: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError>;

    /// Deletes a comment's text, keeping who deleted it and when; the card counts it no more.
    /// Deleting twice MUST give `StoreError::NotFound`.
    async fn delete_comment(
        &self,
        id: CommentId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError>;
}

/// Everyone's inbox.
#[async_trait]
pub trait InboxStore: Send + Sync + 'static {
    /// `user`'s entries, newest first: `limit` from `offset` on, with how many there are.
    async fn inbox(
        &self,
        user: UserId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Notification>, usize), StoreError>;

    /// How many of `user`'s entries are unread.
    async fn unread_count(&self, user: UserId) -> Result<u64, StoreError>;

    /// Marks one of `user`'s entries read (`Some`), or all of them (`None`); answers how many
    /// changed. Someone else's entry changes nothing.
    async fn mark_read(
        &self,
        user: UserId,
        which: Option<NotificationId>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
