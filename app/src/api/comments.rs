//! Server functions for comments on a card's page and for the inbox page. The pages are
//! rendered on the server with plain forms (see `render::card_html`, `render::inbox_html`):
//! each change posts and comes back to its page.

#[cfg(feature = "ssr")]
use chrono::Utc;
use leptos::prelude::*;

use crate::error::AppError;

/// Comments on a card (members and up).
#[server(prefix = "/fn", endpoint = "add_comment", output = crate::api::codec::JsonAnswer)]
pub async fn add_comment(card_id: String, body: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("card_id", &card_id)?;
    application::comments::add_comment(store.as_ref(), &caller, id, &body, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[crate::api::REFUSED_OWNER], None);
    Ok(())
}

/// Replaces the text of one's own comment.
#[server(prefix = "/fn", endpoint = "edit_comment", output = crate::api::codec::JsonAnswer)]
pub async fn edit_comment(comment_id: String, body: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("comment_id", &comment_id)?;
    application::comments::edit_comment(store.as_ref(), &caller, id, &body, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[crate::api::REFUSED_OWNER], None);
    Ok(())
}

/// Deletes a comment (its author, or a board admin).
#[server(prefix = "/fn", endpoint = "delete_comment", output = crate::api::codec::JsonAnswer)]
pub async fn delete_comment(comment_id: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("comment_id", &comment_id)?;
    application::comments::delete_comment(store.as_ref(), &caller, id, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[crate::api::REFUSED_OWNER], None);
    Ok(())
}

/// Marks one inbox entry read (`id`), or all of them (no `id`).
#[server(prefix = "/fn", endpoint = "mark_read", output = crate::api::codec::JsonAnswer)]
pub async fn mark_read(id: Option<String>) -> Result<(), AppError> {
    use crate::ssr::forms::parse_optional_id;
    let (store, caller) = crate::ssr::auth::caller()?;
    let which = parse_optional_id("id", id.as_deref())?;
    application::comments::mark_read(store.as_ref(), &caller, which, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// The inbox page (`page` from 1), rendered on the server, with what its last form came
/// back with.
#[server(prefix = "/fn", endpoint = "get_inbox_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_inbox_html(
    page: Option<String>,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use server_fn::ServerFn;
    let (store, caller) = crate::ssr::auth::caller()?;
    let page = page.and_then(|p| p.trim().parse().ok()).unwrap_or(1);
    let (entries, unread) = application::comments::inbox(store.as_ref(), &caller, page).await?;
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &[MarkRead::PATH],
    );
    Ok(crate::api::RenderedPage {
        live: None,
        html: crate::render::inbox_html(&entries, unread, error),
        board_name: String::new(),
    })
}

/// How many of the signed-in person's inbox entries are unread (0 for nobody).
#[server(prefix = "/fn", endpoint = "unread_count", output = crate::api::codec::JsonAnswer)]
pub async fn unread_count() -> Result<u64, AppError> {
    let Ok((store, caller)) = crate::ssr::auth::caller() else {
        return Ok(0);
    };
    Ok(application::comments::unread(store.as_ref(), &caller).await?)
}
