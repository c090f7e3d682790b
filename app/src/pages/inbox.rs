//! `/inbox`: what the signed-in person was told of, newest first. Rendered on the server with
//! plain forms (`render::inbox_html`).

use leptos::prelude::*;

use super::query_params;
use crate::api::get_inbox_html;
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/inbox?page=`.
#[component]
pub fn InboxPage() -> impl IntoView {
    let param = query_params();
    let page = Resource::new(
        move || (param("page"), param(ERROR_PATH), param(ERROR)),
        |(page, path, error)| get_inbox_html(page, path, error),
    );
    view! {
        <RenderedView page title=|_| "Inbox".to_owned() loading="Loading your inbox…" class="inbox"/>
    }
}
