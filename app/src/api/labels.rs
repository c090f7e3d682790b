//! Labels from plain forms: a board's own on its settings page (board admins), a card's on
//! its page (members). Both pages are rendered on the server (`render::labels`).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use chrono::Utc;

/// Makes a label on board `slug` (`label_id` empty) or renames and recolours one.
#[server(prefix = "/fn", endpoint = "save_label", output = crate::api::codec::JsonAnswer)]
pub async fn save_label(
    slug: String,
    label_id: Option<String>,
    name: String,
    colour: String,
) -> Result<(), AppError> {
    use crate::ssr::forms::parse_optional_id;
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = parse_optional_id::<domain::LabelId>("label_id", label_id.as_deref())?;
    let colour = domain::label::LabelColour::parse(&colour).ok_or_else(|| AppError::Invalid {
        field: "colour".into(),
        message: format!("\"{colour}\" is not a colour of the palette"),
    })?;
    let spec = domain::label::LabelSpec { name, colour };
    let board = domain::board::BoardRef::Slug(slug);
    application::labels::save_label(store.as_ref(), &caller, &board, id, &spec, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Removes label `label_id` from board `slug` and from its cards.
#[server(prefix = "/fn", endpoint = "delete_label", output = crate::api::codec::JsonAnswer)]
pub async fn delete_label(slug: String, label_id: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id::<domain::LabelId>("label_id", &label_id)?;
    let board = domain::board::BoardRef::Slug(slug);
    application::labels::delete_label(store.as_ref(), &caller, &board, id, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Puts label `label_id` on card `card_id` (`on` is `true`) or takes it off.
#[server(prefix = "/fn", endpoint = "set_card_label", output = crate::api::codec::JsonAnswer)]
pub async fn set_card_label(card_id: String, label_id: String, on: String) -> Result<(), AppError> {
    use crate::ssr::forms::parse_id;
    let (store, caller) = crate::ssr::auth::caller()?;
    let (card, label) = (
        parse_id("card_id", &card_id)?,
        parse_id("label_id", &label_id)?,
    );
    let on = on == "true";
    application::cards::set_label(store.as_ref(), &caller, card, label, on, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}
