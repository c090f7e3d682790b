//! The retrospective of a board for a period (default: the last 14 days, compared with the 14
//! before): flow charts, key figures against the period before, overrides, incidents, a
//! forecast, and the team's notes and action items; action items become tech-debt cards with
//! one click.
//!
//! The server renders all of it (`render::retro_view`), the notes and action items as plain
//! forms that post and come back to the page, and the page puts the HTML in place with
//! `inner_html`: the charts, the metrics' decoders and the forms stay out of the browser
//! bundle (issue 8), and the page works the same without JavaScript.

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::get_retro;
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/boards/:slug/retro?from=&to=&items=&by=&assignee=`.
#[component]
pub fn RetroPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || {
            (
                slug.get(),
                [
                    param("from"),
                    param("to"),
                    param("items"),
                    param("by"),
                    param("assignee"),
                    param("label"),
                ],
                (param(ERROR_PATH), param(ERROR)),
            )
        },
        |(slug, [from, to, items, by, assignee, label], (path, error))| {
            get_retro(slug, from, to, items, by, assignee, label, path, error)
        },
    );
    view! {
        <RenderedView page title=|name| format!("Retrospective · {name}")
            loading="Loading the retrospective…" class="retro"/>
    }
}
