//! `/api/v1/cards/{id}/comments`: a card's comments, a page at a time, and writing, editing
//! and deleting them; `/api/v1/inbox`: the signed-in person's inbox.

use application::comments;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use domain::comment::{Comment, CommentId};
use domain::inbox::Notification;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::cards::card_id;
use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, Problem};

/// Which page of a list (from 1; the first when absent).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1)]
    pub page: Option<usize>,
}

/// A comment's text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// Markdown, 1–20,000 characters; `@handle` mentions a member of the board.
    pub body: String,
}

/// One page of a card's comments, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentsPage {
    /// This page's comments (deleted ones without their text).
    pub comments: Vec<Comment>,
    /// Comments in all.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// Pages in all.
    pub pages: usize,
}

/// One page of the inbox, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxPage {
    /// This page's entries.
    pub entries: Vec<Notification>,
    /// Entries in all.
    pub total: usize,
    /// Unread entries in all.
    pub unread: u64,
    /// This page, from 1.
    pub page: usize,
    /// Pages in all.
    pub pages: usize,
}

fn comment_id(raw: &str) -> Result<CommentId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("comment \"{raw}\"")))
}

/// The comment `comment` of card `card`, or 404 when it is another card's.
async fn of_card(state: &AppState, card: &str, comment: &str) -> Result<CommentId, ApiError> {
    let (card, id) = (card_id(card)?, comment_id(comment)?);
    let found = state
        .store()
        .comment(id)
        .await
        .map_err(application::Error::from)?;
    if found.card_id != card {
        return Err(ApiError::NotFound(format!(
            "comment \"{comment}\" on this card"
        )));
    }
    Ok(id)
}

/// A card's comments, oldest first, 50 to a page.
#[utoipa::path(get, path = "/cards/{id}/comments", tag = "comments",
    params(("id" = String, Path, description = "Card id"), PageQuery),
    responses(
        (status = 200, description = "The page", body = CommentsPage),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page that is not a whole number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_comments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CommentsPage>, ApiError> {
    let page = query.page.unwrap_or(1);
    let found = comments::comments(state.store(), &caller.0, card_id(&id)?, page).await?;
    Ok(Json(CommentsPage {
        comments: found.items,
        total: found.total,
        page: found.page,
        pages: found.pages,
    }))
}

/// Comments on a card. Members it mentions (`@handle`) and the card's owners are told in
/// their inbox.
#[utoipa::path(post, path = "/cards/{id}/comments", tag = "comments", request_body = CommentBody,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 201, description = "Created", body = Comment),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or over 20,000 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<CommentBody>,
) -> Result<impl IntoResponse, ApiError> {
    let card = card_id(&id)?;
    let comment =
        comments::add_comment(state.store(), &caller.0, card, &new.body, Utc::now()).await?;
    let location = format!("/api/v1/cards/{card}/comments/{}", comment.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(comment),
    ))
}

/// Replaces a comment's text (its author only); the earlier text is not kept.
#[utoipa::path(patch, path = "/cards/{id}/comments/{comment_id}", tag = "comments",
    request_body = CommentBody,
    params(
        ("id" = String, Path, description = "Card id"),
        ("comment_id" = String, Path, description = "Comment id"),
    ),
    responses(
        (status = 200, description = "The comment", body = Comment),
        (status = 404, description = "No such comment on this card, or deleted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or over 20,000 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn edit_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path((card, comment)): Path<(String, String)>,
    ApiJson(new): ApiJson<CommentBody>,
) -> Result<Json<Comment>, ApiError> {
    let id = of_card(&state, &card, &comment).await?;
    Ok(Json(
        comments::edit_comment(state.store(), &caller.0, id, &new.body, Utc::now()).await?,
    ))
}

/// Deletes a comment (its author, or a board admin): its text goes, who deleted it and
/// when stay.
#[utoipa::path(delete, path = "/cards/{id}/comments/{comment_id}", tag = "comments",
    params(
        ("id" = String, Path, description = "Card id"),
        ("comment_id" = String, Path, description = "Comment id"),
    ),
    responses(
        (status = 200, description = "The deleted comment", body = Comment),
        (status = 404, description = "No such comment on this card, or deleted already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path((card, comment)): Path<(String, String)>,
) -> Result<Json<Comment>, ApiError> {
    let id = of_card(&state, &card, &comment).await?;
    Ok(Json(
        comments::delete_comment(state.store(), &caller.0, id, Utc::now()).await?,
    ))
}

/// The signed-in person's inbox, newest first, 50 to a page (API tokens have none: 403).
#[utoipa::path(get, path = "/inbox", tag = "comments",
    params(PageQuery),
    responses(
        (status = 200, description = "The page", body = InboxPage),
        (status = 422, description = "A page that is not a whole number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    let (page, unread) = comments::inbox(state.store(), &caller.0, query.page.unwrap_or(1)).await?;
    Ok(Json(InboxPage {
        entries: page.items,
        total: page.total,
        unread,
        page: page.page,
        pages: page.pages,
    }))
}

/// The signed-in person's unread count, live (`text/event-stream`): an `unread` event
/// (`{"unread": n}`) when the stream opens and whenever a new entry arrives in their inbox,
/// from this instance or (PostgreSQL) any other.
#[utoipa::path(get, path = "/inbox/live", tag = "comments",
    responses(
        (status = 200, description = "Server-sent events", content_type = "text/event-stream"),
    ))]
pub async fn inbox_live(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<
    axum::response::sse::Sse<
        impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    ApiError,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let watch = comments::watch_inbox(state.store(), &caller.0).await?;
    let first = Some(watch.unread);
    let (store, shutdown) = (state.store.clone(), state.shutdown.clone());
    let event = |n: u64| {
        Event::default()
            .event("unread")
            .data(format!("{{\"unread\":{n}}}"))
    };
    let stream = futures::stream::unfold(
        (watch, shutdown, first),
        move |(mut watch, mut shutdown, first)| {
            let store = store.clone();
            async move {
                if let Some(n) = first {
                    return Some((Ok(event(n)), (watch, shutdown, None)));
                }
                loop {
                    let change = tokio::select! {
                        received = watch.changes.recv() => received,
                        _ = shutdown.wait_for(|stop| *stop) => return None,
                    };
                    match change {
                        Ok(c) if watch.concerns(&c) => {}
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    }
                    // A count the database cannot give now is skipped: the next one will do.
                    if let Ok(n) = store.unread_count(watch.user).await {
                        return Some((Ok(event(n)), (watch, shutdown, None)));
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))))
}
