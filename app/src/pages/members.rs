//! `/boards/:slug/members`: who has which role on a board. Everyone on the board sees the
//! list; board admins also add people, change roles and take people off. Rendered on the
//! server with plain forms (`render::members_html`).

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::get_members_html;
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/boards/:slug/members`.
#[component]
pub fn BoardMembersPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || (slug.get(), param(ERROR_PATH), param(ERROR)),
        |(slug, path, error)| get_members_html(slug, path, error),
    );
    view! {
        <RenderedView page title=|board| format!("Members · {board}") loading="Loading members…"
            class="members"/>
    }
}
