//! Flowboard's web application: the pages people use, the server functions behind them, and
//! the storage interface the server implements.
//!
//! # Layout
//! - [`pages`]: one module per route (boards list, board, card detail, board settings).
//! - [`components`]: pieces pages share (card tile, forms, badges).
//! - [`api`]: server functions, one file per area; bodies fetch the store, call the domain, save.
//! - [`error`]: [`error::AppError`], the error type server functions return and the UI shows.
//! - `ssr` (server only): the [`ssr::Store`] trait, its [`ssr::StoreError`], markdown rendering.
//!
//! The rules themselves live in the `domain` crate, re-exported here as [`domain`].

#![recursion_limit = "512"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use domain;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::pages::{BoardPage, BoardsPage, CardPage, NotFound, SettingsPage};

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: routes and the page chrome.
///
/// Routes render with [`SsrMode::Async`]: the server waits for the data and sends complete
/// HTML, so every page is readable before (or without) the WebAssembly bundle.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="flowboard" href="/pkg/flowboard.css"/>
        <Title formatter=|page: String| {
            if page.is_empty() { "Flowboard".to_owned() } else { format!("{page} · Flowboard") }
        }/>
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▦"</span>
                    " Flowboard"
                </a>
                <nav class="topnav" aria-label="Main">
                    <a href="/">"Boards"</a>
                    <a href="/api/v1/openapi.json">"API"</a>
                </nav>
            </header>
            <main id="main">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=BoardsPage ssr=SsrMode::Async/>
                    <Route path=path!("/boards/:slug") view=BoardPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/boards/:slug/settings")
                        view=SettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/boards/:slug/cards/:number")
                        view=CardPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// Entry point of the WebAssembly bundle: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
