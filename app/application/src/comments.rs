//! Use cases of comments on cards and of one's inbox.
//!
//! Anyone who may see a board reads its cards' comments; members and up (and tokens with
//! `boards:write`) write them. A comment is edited only by its author; it is deleted by its
//! author or a board admin. The inbox is a person's own: API tokens have none.

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal, Role};
use domain::comment::{Comment, CommentAuthor, CommentId, check_body};
use domain::inbox::{INBOX_PAGE, Notification};
use domain::{ActorKind, CardId, NotificationId, UserId};

use crate::access::{authorize_card, effective_role};
use crate::error::{Error, Result};
use crate::ports::Store;

/// How many comments one page shows.
pub const COMMENTS_PAGE: usize = 50;

/// One page of a list, and where it is in the whole.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Items in all.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
}

fn pages(total: usize, per: usize) -> usize {
    total.div_ceil(per).max(1)
}

impl<T> Page<T> {
    /// Page `page` (from 1; past the last, the last) of `all`, `per` to a page.
    pub fn cut(all: Vec<T>, page: usize, per: usize) -> Self {
        let total = all.len();
        let pages = pages(total, per);
        let page = page.clamp(1, pages);
        let items = all.into_iter().skip((page - 1) * per).take(per).collect();
        Self {
            items,
            total,
            page,
            pages,
        }
    }
}

/// Page `page` (from 1) of card `card`'s comments, oldest first (viewers and up).
pub async fn comments(
    store: &dyn Store,
    caller: &Principal,
    card: CardId,
    page: usize,
) -> Result<Page<Comment>> {
    let card = authorize_card(store, caller, card, Action::ViewBoard).await?;
    let page = page.max(1);
    let (items, total) = store
        .comments(card.id, (page - 1) * COMMENTS_PAGE, COMMENTS_PAGE)
        .await?;
    Ok(Page {
        items,
        total,
        page,
        pages: pages(total, COMMENTS_PAGE),
    })
}

/// Who `caller` is as a comment's author.
pub fn author_of(caller: &Principal) -> CommentAuthor {
    match caller {
        Principal::User { id, name, .. } => CommentAuthor {
            kind: ActorKind::User,
            id: Some(id.0),
            name: name.clone(),
        },
        Principal::Token { id, name, .. } => CommentAuthor {
            kind: ActorKind::Token,
            id: Some(id.0),
            name: name.clone(),
        },
    }
}

/// Comments on card `card` (members and up): Markdown, 1–20,000 characters. Members it
/// mentions and the card's owners are told in their inbox.
pub async fn add_comment(
    store: &dyn Store,
    caller: &Principal,
    card: CardId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Comment> {
    let card = authorize_card(store, caller, card, Action::EditCards).await?;
    let body = check_body(body)?;
    Ok(store
        .add_comment(card.id, &body, &author_of(caller), &caller.actor(), now)
        .await?)
}

/// The comment `id` once `caller` may change it: its author may; to delete, a board admin
/// may too.
async fn changeable(
    store: &dyn Store,
    caller: &Principal,
    id: CommentId,
    deleting: bool,
) -> Result<Comment> {
    let comment = store.comment(id).await?;
    let card = authorize_card(store, caller, comment.card_id, Action::EditCards).await?;
    let me = author_of(caller);
    if comment.author.kind == me.kind && comment.author.id == me.id {
        return Ok(comment);
    }
    if deleting && effective_role(store, caller, card.board_id).await? >= Role::Admin {
        return Ok(comment);
    }
    Err(Error::Forbidden(if deleting {
        "Only its author or a board admin can delete a comment.".into()
    } else {
        "Only its author can edit a comment.".into()
    }))
}

/// Replaces the text of a comment (its author only); the earlier text is not kept.
pub async fn edit_comment(
    store: &dyn Store,
    caller: &Principal,
    id: CommentId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Comment> {
    let body = check_body(body)?;
    changeable(store, caller, id, false).await?;
    Ok(store.edit_comment(id, &body, &caller.actor(), now).await?)
}

/// Deletes a comment (its author, or a board admin); the timeline keeps who and when.
pub async fn delete_comment(
    store: &dyn Store,
    caller: &Principal,
    id: CommentId,
    now: DateTime<Utc>,
) -> Result<Comment> {
    changeable(store, caller, id, true).await?;
    Ok(store.delete_comment(id, &caller.actor(), now).await?)
}

/// The signed-in person, or why a token has no inbox.
fn reader(caller: &Principal) -> Result<UserId> {
    caller
        .user_id()
        .ok_or_else(|| Error::Forbidden("API tokens have no inbox; sign in as a person.".into()))
}

/// Page `page` (from 1) of the caller's inbox, newest first, with how many are unread.
pub async fn inbox(
    store: &dyn Store,
    caller: &Principal,
    page: usize,
) -> Result<(Page<Notification>, u64)> {
    let user = reader(caller)?;
    let page = page.max(1);
    let (items, total) = store
        .inbox(user, (page - 1) * INBOX_PAGE, INBOX_PAGE)
        .await?;
    let unread = store.unread_count(user).await?;
    Ok((
        Page {
            items,
            total,
            page,
            pages: pages(total, INBOX_PAGE),
        },
        unread,
    ))
}

/// How many of the caller's inbox entries are unread (0 for tokens: they have none).
pub async fn unread(store: &dyn Store, caller: &Principal) -> Result<u64> {
    match caller.user_id() {
        Some(user) => Ok(store.unread_count(user).await?),
        None => Ok(0),
    }
}

/// Marks one of the caller's entries read, or (`None`) all of them.
pub async fn mark_read(
    store: &dyn Store,
    caller: &Principal,
    which: Option<NotificationId>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let user = reader(caller)?;
    Ok(store.mark_read(user, which, now).await?)
}

/// A live header's subscription to the caller's inbox.
#[derive(Debug)]
pub struct InboxWatch {
    /// Whose inbox.
    pub user: UserId,
    /// Every change committed from now on (all boards': see [`InboxWatch::concerns`]).
    pub changes: tokio::sync::broadcast::Receiver<crate::ports::BoardChange>,
    /// Unread entries when the watch began.
    pub unread: u64,
}

impl InboxWatch {
    /// Whether `change` may change the unread count: a new entry of this person's, entries
    /// they read (in another tab, say), or a resync (changes may have been missed).
    pub fn concerns(&self, change: &crate::ports::BoardChange) -> bool {
        change.is_resync() || change.user_id == Some(self.user)
    }
}

/// Starts watching the caller's inbox (signed-in people only).
pub async fn watch_inbox(store: &dyn Store, caller: &Principal) -> Result<InboxWatch> {
    let user = reader(caller)?;
    // Subscribed before the count is read: an entry in between is then both in the count
    // and in the stream, never in neither.
    let changes = store.changes().subscribe();
    let unread = store.unread_count(user).await?;
    Ok(InboxWatch {
        user,
        changes,
        unread,
    })
}
