//! Views rendered to HTML on the server only: the server functions answer with their HTML,
//! and the pages put it in place. Kept apart from `pages` so the server functions (`api`)
//! never import a page, and the browser bundle carries none of this code.

mod account;
mod card;
mod card_history;
mod delivery;
pub mod discard;
pub mod finished;
mod inbox;
pub mod labels;
mod people;
pub mod retro;
mod settings;

pub use account::account_html;
pub use card::{CardPageData, card_html, comment_html};
pub use card_history::{TimelineEntry, card_timeline_html};
pub use delivery::delivery_view;
pub use finished::finished_html;
pub use inbox::inbox_html;
pub use people::{members_html, users_html};
pub use retro::retro_view;
pub use settings::settings_html;
