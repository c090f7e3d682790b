//! `/admin/users`: every account, making accounts, and switching instance admin and disabled
//! per account (instance admins only; the server refuses everyone else). Rendered on the
//! server with plain forms (`render::users_html`).

use super::query_params;
use leptos::prelude::*;

use crate::api::{CREATED_USER, get_users_html};
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/admin/users?created=`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let param = query_params();
    let page = Resource::new(
        move || (param(CREATED_USER), param(ERROR_PATH), param(ERROR)),
        |(created, path, error)| get_users_html(created, path, error),
    );
    view! {
        <RenderedView page title=|_| "Users".to_owned() loading="Loading users…" class="users"/>
    }
}
