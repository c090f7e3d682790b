//! Flowboard's web application: the pages people use and the server functions behind them.
//! The use cases and the storage port they ask are the `application` crate's.
//!
//! # Layout
//! - [`pages`]: one module per route (boards list, board, card detail, board settings and
//!   members and tokens, sign-in, set-up, account, users, instance tokens).
//! - [`components`]: pieces pages share (card tile, badges, the token manager, and `auth`:
//!   who is signed in, the route guard, the user menu).
//! - [`api`]: server functions, one file per area; each decodes its form and calls a use case.
//! - [`error`]: [`error::AppError`], the error type server functions return and the UI shows.
//! - `render` (server only): views the server renders to HTML for the server functions
//!   (card history, delivery dashboard, retrospective), so `api` never imports `pages`.
//! - `ssr` (server only): the caller of a request, form parsing, markdown rendering, and the
//!   one mapping of the use cases' errors (`application::Error`) to [`error::AppError`].
//!
//! The rules themselves live in the `domain` crate, re-exported here as [`domain`].

#![recursion_limit = "512"]

// The server's HTML and the browser's hydration must come from the same kind of views: a
// build without the setting (a RUSTFLAGS in the environment replaces the config's list)
// would render markup the other side cannot hydrate.
#[cfg(not(erase_components))]
compile_error!(
    "Flowboard is built with `--cfg erase_components` (.cargo/config.toml); \
     a RUSTFLAGS variable replaces that setting: add `--cfg erase_components` to it"
);

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use domain;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::components::{Auth, DemoBanner, RequireSignIn, UserMenu};
use crate::pages::{
    AccountPage, BoardMembersPage, BoardPage, BoardTokensPage, BoardsPage, CardPage, DeliveryPage,
    DiscardedPage, FinishedPage, InboxPage, InstanceTokensPage, LoginPage, NotFound, RetroPage,
    SettingsPage, SetupPage, UsersPage,
};

/// The HTML document around the app; the server renders it for every page. `stylesheet` is
/// the styles' URL, which carries their hash (the server's `assets` module): it is linked
/// here, in the part of the page only the server renders, so the browser never needs it.
pub fn shell(options: LeptosOptions, stylesheet: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="flowboard" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The document title as it is rendered. The server writes it into `<title>` unescaped (a
/// leptos_meta 0.8 quirk: a card titled `</title><script>…` would become markup), so it is
/// escaped there; the browser sets `document.title`, which takes plain text.
#[cfg(feature = "ssr")]
fn document_title(title: String) -> String {
    components::escaped(&title)
}

/// The document title as it is rendered: the browser takes plain text.
#[cfg(not(feature = "ssr"))]
fn document_title(title: String) -> String {
    title
}

/// The application: routes and the page chrome.
///
/// Routes render with [`SsrMode::Async`]: the server waits for the data and sends complete
/// HTML, so every page is readable before (or without) the WebAssembly bundle. It also means
/// the guard's `<Redirect>` can still become a 302: headers go out after the render.
///
/// `/login` and `/setup` stand outside the guard (and never redirect), so nothing loops; every
/// other page sits under [`RequireSignIn`].
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Auth::provide();
    view! {
        <Title formatter=|page: String| {
            document_title(
                if page.is_empty() { "Flowboard".to_owned() } else { format!("{page} · Flowboard") },
            )
        }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▦"</span>
                    " Flowboard"
                </a>
                <nav class="topnav" aria-label="Main">
                    <a href="/">"Boards"</a>
                    <a href="/api/v1/openapi.json">"API"</a>
                </nav>
                <UserMenu/>
            </header>
            <DemoBanner/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=RequireSignIn ssr=SsrMode::Async>
                        <Route path=path!("/") view=BoardsPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/inbox") view=InboxPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                        <Route
                            path=path!("/admin/tokens")
                            view=InstanceTokensPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/boards/:slug") view=BoardPage ssr=SsrMode::Async/>
                        <Route
                            path=path!("/boards/:slug/settings")
                            view=SettingsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/members")
                            view=BoardMembersPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/tokens")
                            view=BoardTokensPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/delivery")
                            view=DeliveryPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/discarded")
                            view=DiscardedPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/finished")
                            view=FinishedPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/retro")
                            view=RetroPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/boards/:slug/cards/:number")
                            view=CardPage
                            ssr=SsrMode::Async
                        />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// Entry point of the WebAssembly bundle: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // The release bundle aborts on panic without a message (-Cpanic=immediate-abort, see
    // scripts/build-site.sh), so the hook would never run there: debug builds only.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
