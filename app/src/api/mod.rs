//! Server functions, one module per area. Each body fetches the store from the request
//! context, lets the store (and through it the domain) do the work, and maps errors once.
//! Server-only helpers live in `crate::ssr` and are imported inside the bodies.

pub mod access;
pub mod account;
pub mod boards;
pub mod cards;
pub mod codec;
pub mod comments;
pub mod delivery;
pub mod discard;
pub mod labels;
pub mod retro;
pub mod settings;

pub use access::*;
pub use account::*;
pub use boards::*;
pub use cards::*;
pub use comments::*;
pub use delivery::*;
pub use discard::*;
pub use labels::*;
pub use retro::*;
pub use settings::*;
