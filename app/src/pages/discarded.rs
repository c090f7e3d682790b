//! `/boards/:slug/discarded`: the board's discarded cards, most recent first, each with its
//! restore form. Only text, links and plain forms, so the server renders it
//! (`render::discard`).

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::{DELETED, REFUSED_RESTORE, RESTORED, get_discarded};
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/boards/:slug/discarded`.
#[component]
pub fn DiscardedPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || {
            let outcome = (param(RESTORED), param(DELETED), param(REFUSED_RESTORE));
            (slug.get(), outcome, param(ERROR_PATH), param(ERROR))
        },
        |(slug, (restored, deleted, refused), path, error)| {
            get_discarded(slug, restored, deleted, refused, path, error)
        },
    );
    view! {
        <RenderedView page title=|board| format!("Discarded cards · {board}")
            loading="Loading the discarded cards…" class="discarded-view"/>
    }
}
