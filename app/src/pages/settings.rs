//! `/boards/:slug/settings`: the columns, their kinds and WIP limits, and the flow policies
//! (board admins only). Rendered on the server with plain forms (`render::settings_html`).

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::get_settings_html;
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/boards/:slug/settings`.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || (slug.get(), param(ERROR_PATH), param(ERROR)),
        |(slug, path, error)| get_settings_html(slug, path, error),
    );
    view! {
        <RenderedView page title=|name| format!("Settings · {name}") loading="Loading settings…" class="settings"/>
    }
}
