//! `/boards/:slug/cards/:number`: a card's page (its facts, owners, description, history and
//! the forms that change them), rendered on the server with plain forms
//! (`render::card_html`): each change posts, and the page comes back with its outcome, with
//! or without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::query_params;
use crate::api::{REFUSED_OWNER, get_card_html};
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/boards/:slug/cards/:number`.
#[component]
pub fn CardPage() -> impl IntoView {
    let params = use_params_map();
    let param = query_params();
    let page = Resource::new(
        move || {
            let (slug, number) = params.with(|p| {
                (
                    p.get("slug").unwrap_or_default(),
                    p.get("number").unwrap_or_default(),
                )
            });
            (
                slug,
                number,
                param(ERROR_PATH),
                param(ERROR),
                param(REFUSED_OWNER),
            )
        },
        |(slug, number, path, error, owner)| get_card_html(slug, number, path, error, owner),
    );
    view! {
        <RenderedView page title=|title| title.to_owned() loading="Loading card…" class="card-view"/>
    }
}
