//! Comments on cards (with the mentions they make and the card's count kept in step) and
//! everyone's inbox: entries written in the transaction of the change that causes them, read
//! a page at a time, marked read.

use application::ports::{BoardChange, CommentStore, InboxStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::comment::{Comment, CommentAuthor, CommentId, Mentionable, mentioned};
use domain::inbox::{NewNotice, Notification, comment_notices, tell};
use domain::{Actor, ActorKind, BoardId, Card, CardId, NotificationId, UserId};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::corrupt;
use super::rows::people::{CommentRow, NotificationRow};
use super::sql::{SqlStore, WriteTx};

/// The select list of `card_comments` that [`CommentRow`] reads.
const COMMENT_COLUMNS: &str = "id, card_id, author_kind, author_id, author_name, body, \
                               created_at, edited_at, deleted_at, deleted_by";

fn comment_of(row: CommentRow) -> Result<Comment, StoreError> {
    let (id, card, kind, author_id, author_name, body, created_at, edited_at, deleted_at, by) = row;
    Ok(Comment {
        id: CommentId(id),
        card_id: CardId(card),
        author: CommentAuthor {
            kind: ActorKind::parse(&kind).ok_or_else(|| corrupt("author kind", &kind))?,
            id: author_id,
            name: author_name,
        },
        body,
        created_at,
        edited_at,
        deleted_at,
        deleted_by: by,
    })
}

impl<B: Backend> SqlStore<B> {
    /// The board's members who can be mentioned (see `mentionable_among`).
    async fn mentionables(
        conn: &mut Conn<B>,
        board: BoardId,
    ) -> Result<Vec<Mentionable>, StoreError> {
        let members = Self::members_of(conn, board).await?;
        Ok(domain::comment::mentionable_among(&members))
    }

    /// Writes inbox entries about `card` by `actor`; each reader's header hears of theirs
    /// when the write commits.
    pub(super) async fn write_notices(
        tx: &mut WriteTx<B>,
        card: &Card,
        actor: &Actor,
        notices: Vec<NewNotice>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let told: Vec<BoardChange> = notices
            .iter()
            .map(|n| BoardChange::notified(card.board_id, card.id, n.user))
            .collect();
        let conn: &mut Conn<B> = tx;
        for notice in notices {
            B::sql(
                "INSERT INTO notifications (id, user_id, board_id, card_id, kind, actor_name, \
                 detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(NotificationId::new().0)
            .bind(notice.user.0)
            .bind(card.board_id.0)
            .bind(card.id.0)
            .bind(notice.kind.as_str())
            .bind(actor.name.as_str())
            .bind(notice.detail.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        tx.tell(told);
        Ok(())
    }

    /// Tells the members of `card`'s board of a new incident, as the board's incident
    /// settings ask (`notify`).
    pub(super) async fn tell_of_incident(
        conn: &mut WriteTx<B>,
        card: &Card,
        notify: domain::inbox::IncidentNotices,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if card.card_type != domain::CardType::Incident || !notify.tells(card.severity) {
            return Ok(());
        }
        let members: Vec<UserId> = Self::mentionables(conn, card.board_id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let detail = card.severity.map(|s| s.as_str()).unwrap_or_default();
        let notices = tell(
            &members,
            actor.user_id,
            domain::inbox::NoticeKind::Incident,
            detail,
        );
        Self::write_notices(conn, card, actor, notices, now).await
    }

    /// One comment, read under the write lock of its card's board when `conn` holds it.
    async fn comment_row(conn: &mut Conn<B>, id: CommentId) -> Result<Comment, StoreError> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM card_comments WHERE id = $1");
        let row: Option<CommentRow> = B::sql(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(conn)
            .await?;
        comment_of(row.ok_or_else(|| StoreError::NotFound(format!("comment {id}")))?)
    }

    /// The comment `id` (not deleted) and its card, the card's board locked.
    async fn lock_comment(
        conn: &mut Conn<B>,
        id: CommentId,
    ) -> Result<(Comment, Card), StoreError> {
        let found: Option<(Uuid,)> = B::sql("SELECT card_id FROM card_comments WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
        let (card,) = found.ok_or_else(|| StoreError::NotFound(format!("comment {id}")))?;
        Self::lock_card_board_row(conn, CardId(card)).await?;
        let comment = Self::comment_row(conn, id).await?;
        if comment.deleted_at.is_some() {
            return Err(StoreError::NotFound(format!("comment {id} (deleted)")));
        }
        let card = Self::card_row(conn, CardId(card)).await?;
        Ok((comment, card))
    }

    /// Moves the card's comment count by `by` and stamps it changed (its tile shows the
    /// count).
    async fn count_comment(
        conn: &mut Conn<B>,
        card: &mut Card,
        by: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        B::sql(
            "UPDATE cards SET comment_count = comment_count + $1, updated_at = $2 WHERE id = $3",
        )
        .bind(by)
        .bind(now)
        .bind(card.id.0)
        .execute(conn)
        .await?;
        card.comment_count = card.comment_count.saturating_add_signed(by);
        card.updated_at = now;
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> CommentStore for SqlStore<B> {
    async fn comments(
        &self,
        card: CardId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Comment>, usize), StoreError> {
        let mut conn = self.read().await?;
        Self::card_row(&mut conn, card).await?;
        // `card_comments_card_idx` (card_id, created_at, id).
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM card_comments WHERE card_id = $1 \
             ORDER BY created_at, id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<CommentRow> = B::sql(sqlx::AssertSqlSafe(sql))
            .bind(card.0)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut conn)
            .await?;
        let (total,): (i64,) = B::sql("SELECT COUNT(*) FROM card_comments WHERE card_id = $1")
            .bind(card.0)
            .fetch_one(&mut conn)
            .await?;
        let comments = rows.into_iter().map(comment_of).collect::<Result<_, _>>()?;
        Ok((comments, usize::try_from(total).unwrap_or(0)))
    }

    async fn comment(&self, id: CommentId) -> Result<Comment, StoreError> {
        let mut conn = self.read().await?;
        Self::comment_row(&mut conn, id).await
    }

    async fn add_comment(
        &self,
        card: CardId,
        body: &str,
        author: &CommentAuthor,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError> {
        let mut tx = self.write_tx().await?;
        Self::lock_card_board_row(&mut tx, card).await?;
        let mut card = Self::card_row(&mut tx, card).await?;
        let members = Self::mentionables(&mut tx, card.board_id).await?;
        let comment = Comment {
            id: CommentId::new(),
            card_id: card.id,
            author: author.clone(),
            body: body.to_owned(),
            created_at: now,
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
        };
        B::sql(
            "INSERT INTO card_comments (id, card_id, board_id, author_kind, author_id, \
             author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(comment.id.0)
        .bind(card.id.0)
        .bind(card.board_id.0)
        .bind(author.kind.as_str())
        .bind(author.id)
        .bind(author.name.as_str())
        .bind(body)
        .bind(now)
        .execute(&mut tx)
        .await?;
        Self::count_comment(&mut tx, &mut card, 1, now).await?;
        let told = comment_notices(
            &mentioned(body, &members),
            &card.assignees,
            actor.user_id,
            body,
        );
        Self::write_notices(&mut tx, &card, actor, told, now).await?;
        self.commit(tx, BoardChange::card(&card, "comment_added"))
            .await?;
        Ok(comment)
    }

    async fn edit_comment(
        &self,
        id: CommentId,
        body: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError> {
        let mut tx = self.write_tx().await?;
        let (mut comment, card) = Self::lock_comment(&mut tx, id).await?;
        if comment.body == body {
            return Ok(comment);
        }
        let members = Self::mentionables(&mut tx, card.board_id).await?;
        let before = mentioned(&comment.body, &members);
        let newly: Vec<UserId> = mentioned(body, &members)
            .into_iter()
            .filter(|u| !before.contains(u))
            .collect();
        B::sql("UPDATE card_comments SET body = $1, edited_at = $2 WHERE id = $3")
            .bind(body)
            .bind(now)
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        let told = comment_notices(&newly, &[], actor.user_id, body);
        Self::write_notices(&mut tx, &card, actor, told, now).await?;
        comment.body = body.to_owned();
        comment.edited_at = Some(now);
        self.commit(tx, BoardChange::card(&card, "comment_edited"))
            .await?;
        Ok(comment)
    }

    async fn delete_comment(
        &self,
        id: CommentId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Comment, StoreError> {
        let mut tx = self.write_tx().await?;
        let (mut comment, mut card) = Self::lock_comment(&mut tx, id).await?;
        B::sql(
            "UPDATE card_comments SET body = '', deleted_at = $1, deleted_by = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(actor.name.as_str())
        .bind(id.0)
        .execute(&mut tx)
        .await?;
        Self::count_comment(&mut tx, &mut card, -1, now).await?;
        comment.body = String::new();
        comment.deleted_at = Some(now);
        comment.deleted_by = Some(actor.name.clone());
        self.commit(tx, BoardChange::card(&card, "comment_deleted"))
            .await?;
        Ok(comment)
    }
}

#[async_trait]
impl<B: Backend> InboxStore for SqlStore<B> {
    async fn inbox(
        &self,
        user: UserId,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Notification>, usize), StoreError> {
        let mut conn = self.read().await?;
        // `notifications_user_idx` (user_id, created_at DESC), then board and card by key.
        let rows: Vec<NotificationRow> = B::sql(
            "SELECT n.id, n.kind, n.board_id, b.slug, n.card_id, c.number, c.title, \
             n.actor_name, n.detail, n.created_at, n.read_at FROM notifications n \
             JOIN boards b ON b.id = n.board_id JOIN cards c ON c.id = n.card_id \
             WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user.0)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut conn)
        .await?;
        let (total,): (i64,) = B::sql("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&mut conn)
            .await?;
        let entries = rows
            .into_iter()
            .map(|r| {
                let (id, kind, board, slug, card, number, title, actor, detail, at, read) = r;
                Ok(Notification {
                    id: NotificationId(id),
                    kind: domain::inbox::NoticeKind::parse(&kind)
                        .ok_or_else(|| corrupt("notification kind", &kind))?,
                    board_id: BoardId(board),
                    board_slug: slug,
                    card_id: CardId(card),
                    card_number: number,
                    card_title: title,
                    actor,
                    detail,
                    created_at: at,
                    read_at: read,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((entries, usize::try_from(total).unwrap_or(0)))
    }

    async fn unread_count(&self, user: UserId) -> Result<u64, StoreError> {
        let mut conn = self.read().await?;
        // `notifications_unread_idx`.
        let (n,): (i64,) =
            B::sql("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(user.0)
                .fetch_one(&mut conn)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn mark_read(
        &self,
        user: UserId,
        which: Option<NotificationId>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // A write of its own, so that the person's other tabs hear of it when it commits.
        let mut tx = self.write_tx().await?;
        let done =
            match which {
                Some(id) => {
                    B::sql(
                        "UPDATE notifications SET read_at = $1 \
                     WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
                    )
                    .bind(now)
                    .bind(id.0)
                    .bind(user.0)
                    .execute(&mut tx)
                    .await?
                }
                None => B::sql(
                    "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
                )
                .bind(now)
                .bind(user.0)
                .execute(&mut tx)
                .await?,
            };
        let told = if done > 0 {
            vec![BoardChange::inbox_read(user)]
        } else {
            Vec::new()
        };
        self.commit_all(tx, told).await?;
        Ok(done)
    }
}
