//! Pieces the pages share.

mod badges;
mod card_tile;
mod format;

pub use badges::{ErrorPanel, SeverityBadge, TypeBadge};
pub use card_tile::CardTile;
pub use format::{human_duration, short_time, textarea_text};
