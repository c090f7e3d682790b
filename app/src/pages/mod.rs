//! One module per route.

mod account;
mod board;
mod boards;
mod card;
mod delivery;
mod discarded;
mod finished;
mod inbox;
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
pub use delivery::DeliveryPage;
pub use discarded::DiscardedPage;
pub use finished::FinishedPage;
pub use inbox::InboxPage;
pub use login::LoginPage;
pub use members::BoardMembersPage;
pub use not_found::NotFound;
pub use retro::RetroPage;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use tokens::{BoardTokensPage, InstanceTokensPage};
pub use users::UsersPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The page's query values by name, an empty one counting as absent (a GET form's field left
/// blank): what the pages key their data on.
pub(crate) fn query_params() -> impl Fn(&str) -> Option<String> + Copy + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move |name: &str| query.read().get(name).filter(|v| !v.is_empty())
}

/// The `:slug` route parameter.
pub(crate) fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("slug").unwrap_or_default())
}
