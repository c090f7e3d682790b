//! One module per route.

mod board;
mod boards;
mod card;
mod not_found;
mod settings;

pub use board::BoardPage;
pub use boards::BoardsPage;
pub use card::CardPage;
pub use not_found::NotFound;
pub use settings::SettingsPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:slug` route parameter.
pub(crate) fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("slug").unwrap_or_default())
}
