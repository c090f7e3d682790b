//! `/boards/:slug/members`: who has which role on a board. Everyone on the board sees the
//! list; board admins also add people, change roles and take people off. Rendered on the
//! server with plain forms (`render::members_html`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::slug_param;
use crate::api::get_members_html;
use crate::components::RenderedView;

/// `/boards/:slug/members`.
#[component]
pub fn BoardMembersPage() -> impl IntoView {
    let slug = slug_param();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || (slug.get(), param("__path"), param("__err")),
        |(slug, path, error)| get_members_html(slug, path, error),
    );
    view! {
        <RenderedView page title=|board| format!("Members · {board}") loading="Loading members…"
            class="members"/>
    }
}
