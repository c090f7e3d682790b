//! `/account`: who you are signed in as, and changing your password. Rendered on the server
//! with a plain form (`render::account_html`).

use super::query_params;
use leptos::prelude::*;

use crate::api::{PASSWORD_CHANGED, get_account_html};
use crate::components::{ERROR, ERROR_PATH, RenderedView};

/// `/account?changed=`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let param = query_params();
    let page = Resource::new(
        move || (param(PASSWORD_CHANGED), param(ERROR_PATH), param(ERROR)),
        |(changed, path, error)| get_account_html(changed, path, error),
    );
    view! {
        <RenderedView page title=|_| "Account".to_owned() loading="Loading…" class="account"/>
    }
}
