//! The "earlier cards" page of a board: its finished cards, newest first, a page at a time,
//! reached from "+ N earlier" in a Done cell. Only text and links, so the server renders it
//! (`render::finished_html`).

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::get_finished;
use crate::components::RenderedView;

/// `/boards/:slug/finished?lane=&q=&page=`.
#[component]
pub fn FinishedPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || (slug.get(), param("lane"), param("q"), param("page")),
        |(slug, lane, q, page)| get_finished(slug, lane, q, page),
    );
    view! {
        <RenderedView page title=|board| format!("Finished cards · {board}")
            loading="Loading the finished cards…" class="finished-page"/>
    }
}
