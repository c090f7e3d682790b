//! Server-only parts of the app: the storage interface and HTML rendering of markdown.

mod accounts;
pub mod auth;
mod changes;
mod deliveries;
pub mod delivery;
pub mod forms;
mod markdown;
mod retros;
mod store;

pub use accounts::{AccountStore, Credentials, SessionRecord, TOKEN_TOUCH_EVERY};
pub use changes::ChangeFeed;
pub use deliveries::{DeliveryStore, DeploymentOutcome};
pub use markdown::render_markdown;
pub use retros::RetroStore;
pub use store::{
    AlertOutcome, BoardChange, BoardRef, IncidentOutcome, Store, StoreError, WriteRefusal,
    shared_store,
};

/// Gives the current response (a server function's or a page's) the error's HTTP status, so
/// API clients and browsers see 401/403/404 rather than a blanket 500.
pub fn with_status(error: crate::error::AppError) -> crate::error::AppError {
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        options.set_status(status);
    }
    error
}

/// Sends the page's Content-Security-Policy. Scripts run only from this origin or with this
/// response's nonce (which Leptos puts on its hydration scripts); WebAssembly may compile
/// (`'wasm-unsafe-eval'`); styles may be inline attributes (the board grid's column template)
/// but come from this origin otherwise; nothing may frame the page.
pub fn set_page_csp() {
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
