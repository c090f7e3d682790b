//! Discarding a card and restoring it, from plain forms on the card's page and on the
//! board's discarded-cards page (rendered on the server: `render::discard`).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use chrono::Utc;

/// The discarded-cards page's query key naming a card just restored (`#12`), for its notice.
pub const RESTORED: &str = "restored";
/// The discarded-cards page's query key naming the card whose restore a policy refused, for
/// its override form.
pub const REFUSED_RESTORE: &str = "refused_restore";

/// Discards card `card_id`: `reason` is one of `domain::discard::REASONS`, or `other` with
/// the words in `other`.
#[server(prefix = "/fn", endpoint = "discard_card", output = crate::api::codec::JsonAnswer)]
pub async fn discard_card(
    card_id: String,
    reason: String,
    other: Option<String>,
) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("card_id", &card_id)?;
    let reason = match reason.as_str() {
        "other" => other.unwrap_or_default(),
        _ => reason,
    };
    let request = domain::discard::DiscardRequest { reason };
    application::cards::discard_card(store.as_ref(), &caller, id, &request, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[RESTORED, REFUSED_RESTORE], None);
    Ok(())
}

/// Restores discarded card `card_id` to the cell it left; an admin forces a refused restore
/// with `override_reason`. A plain form comes back with the card's number: restored
/// ([`RESTORED`]) or refused ([`REFUSED_RESTORE`]).
#[server(prefix = "/fn", endpoint = "restore_card", output = crate::api::codec::JsonAnswer)]
pub async fn restore_card(
    card_id: String,
    override_reason: Option<String>,
) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("card_id", &card_id)?;
    let request = domain::discard::RestoreRequest {
        override_reason: override_reason.filter(|r| !r.trim().is_empty()),
    };
    let answer =
        application::cards::restore_card(store.as_ref(), &caller, id, &request, Utc::now())
            .await
            .map_err(AppError::from);
    match &answer {
        Ok(card) => crate::ssr::plain_form::back_after_success(
            &[REFUSED_RESTORE],
            Some((RESTORED, &card.number.to_string())),
        ),
        Err(error) => crate::ssr::plain_form::back_with_error::<RestoreCard>(
            error,
            (REFUSED_RESTORE, &card_id),
        ),
    }
    answer.map(|_| ())
}

/// The discarded-cards page's query key naming a card just deleted (`#12`), for its notice.
pub const DELETED: &str = "deleted";

/// Deletes card `card_id` outright (board admins), once `confirm` is `yes`. A plain form
/// goes on to the board `slug`'s discarded-cards page, which lists the deletion: the card's
/// own page is gone.
#[server(prefix = "/fn", endpoint = "delete_card", output = crate::api::codec::JsonAnswer)]
pub async fn delete_card(
    card_id: String,
    slug: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("card_id", &card_id)?;
    if confirm.as_deref() != Some("yes") {
        return Err(AppError::Invalid {
            field: "confirm".into(),
            message: "Tick the box to confirm that the card and its history go for good.".into(),
        });
    }
    let event = application::cards::delete_card(store.as_ref(), &caller, id, Utc::now()).await?;
    let domain::BoardEventKind::CardDeleted { number } = event.kind;
    let slug = crate::components::query_value(&slug);
    crate::ssr::plain_form::go_after_success(&format!(
        "/boards/{slug}/discarded?{DELETED}={number}"
    ));
    Ok(())
}

/// The board's discarded cards, most recently discarded first, and the cards deleted, with
/// what the page's last form came back with.
#[server(prefix = "/fn", endpoint = "get_discarded", output = crate::api::codec::JsonAnswer)]
pub async fn get_discarded(
    slug: String,
    restored: Option<String>,
    deleted: Option<String>,
    refused: Option<String>,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug.clone());
    let ((layout, cards), log) = tokio::try_join!(
        application::cards::discarded_cards(store.as_ref(), &caller, &board),
        application::cards::board_log(store.as_ref(), &caller, &board),
    )?;
    let role = application::access::effective_role(store.as_ref(), &caller, layout.id).await?;
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &[RestoreCard::PATH],
    );
    let outcome = crate::render::discard::Outcome {
        restored: restored.and_then(|n| n.parse().ok()),
        deleted: deleted.and_then(|n| n.parse().ok()),
        refused: refused.and_then(|id| id.parse().ok()),
        error,
    };
    Ok(crate::api::RenderedPage {
        html: crate::render::discard::discarded_html(&layout, (&cards, &log), role, &outcome),
        board_name: layout.name,
        live: None,
    })
}
