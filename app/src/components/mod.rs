//! Pieces the pages share.

mod auth;
mod badges;
mod card_tile;
// Server-rendered only (the retrospective and delivery pages send them as HTML), so they
// are not compiled into the browser bundle.
#[cfg(feature = "ssr")]
pub mod charts;
#[cfg(feature = "ssr")]
mod delivery;
mod form;
mod format;
mod inbox;
mod live;
mod mentions;
mod people;
mod rendered;
#[cfg(feature = "ssr")]
mod static_html;
mod tokens;

pub use auth::{
    Auth, DemoBanner, RequireSignIn, UserMenu, encode_query_value, login_path, mark_hydrated,
    use_auth,
};
pub use badges::{ErrorPanel, SeverityBadge, TypeBadge};
pub use card_tile::{TileContext, Untold, tile_of, tiles_html};
#[cfg(feature = "ssr")]
pub use delivery::{FourKeysPanel, ValueStreamView};
#[cfg(feature = "hydrate")]
pub use form::post_fields;
pub use form::{
    ERROR, ERROR_PATH, FormAction, PostForm, came_back_with, forget_form_outcome, url_error,
};
pub use format::{
    column_name, escape_attr, escape_text, escaped, human_duration, query_value, short_time,
    textarea_text, web_link,
};
pub use inbox::InboxLink;
pub use live::{Catch, LiveUpdates, Notice, triage};
pub use mentions::MentionArea;
pub use people::{Avatar, initials, owners_html, person_name};
pub use rendered::RenderedView;
#[cfg(feature = "ssr")]
pub use static_html::StaticHtml;
pub use tokens::{TokenManager, TokenState, client_now};
