//! `/admin/users`: every account, making accounts, and switching instance admin and disabled
//! per account (instance admins only; the server refuses everyone else). Rendered on the
//! server with plain forms (`render::users_html`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{CREATED_USER, get_users_html};
use crate::components::RenderedView;

/// `/admin/users?created=`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || (param(CREATED_USER), param("__path"), param("__err")),
        |(created, path, error)| get_users_html(created, path, error),
    );
    view! {
        <RenderedView page title=|_| "Users".to_owned() loading="Loading users…" class="users"/>
    }
}
