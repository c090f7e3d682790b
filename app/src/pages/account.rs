//! `/account`: who you are signed in as, and changing your password. Rendered on the server
//! with a plain form (`render::account_html`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{PASSWORD_CHANGED, get_account_html};
use crate::components::RenderedView;

/// `/account?changed=`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || (param(PASSWORD_CHANGED), param("__path"), param("__err")),
        |(changed, path, error)| get_account_html(changed, path, error),
    );
    view! {
        <RenderedView page title=|_| "Account".to_owned() loading="Loading…" class="account"/>
    }
}
