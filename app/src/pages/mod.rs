//! One module per route.

mod account;
mod board;
mod boards;
mod card;
mod delivery;
mod login;
mod members;
mod not_found;
mod retro;
mod settings;
mod setup;
mod tokens;
mod users;

pub use account::AccountPage;
pub use board::BoardPage;
pub use boards::BoardsPage;
pub use card::CardPage;
#[cfg(feature = "ssr")]
pub use card::card_history_html;
pub use delivery::DeliveryPage;
#[cfg(feature = "ssr")]
pub use delivery::delivery_view;
pub use login::LoginPage;
pub use members::BoardMembersPage;
pub use not_found::NotFound;
pub use retro::RetroPage;
#[cfg(feature = "ssr")]
pub use retro::retro_view;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use tokens::{BoardTokensPage, InstanceTokensPage};
pub use users::UsersPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:slug` route parameter.
pub(crate) fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("slug").unwrap_or_default())
}
