//! Server-only parts of the app: the storage interface and HTML rendering of markdown.

pub mod forms;
mod markdown;
mod store;

pub use markdown::render_markdown;
pub use store::{BoardRef, Store, StoreError, shared_store};
