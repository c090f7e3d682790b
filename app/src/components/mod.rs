//! Pieces the pages share.

mod auth;
mod badges;
mod card_tile;
pub mod charts;
mod delivery;
mod format;
mod live;
mod tokens;

pub use auth::{
    Auth, DemoBanner, RequireSignIn, UserMenu, encode_query_value, login_path, mark_hydrated,
    use_auth,
};
pub use badges::{ErrorPanel, SeverityBadge, TypeBadge};
pub use card_tile::CardTile;
pub use delivery::{FourKeysPanel, ValueStreamView};
pub use format::{human_duration, short_time, textarea_text};
pub use live::LiveUpdates;
pub use tokens::{TokenManager, TokenState, client_now};
