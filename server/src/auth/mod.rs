//! Who is calling and what the browser may do: sessions (tower-sessions over our own
//! database), resolving a request's principal from its session or Bearer token, CSRF
//! protection, and security headers. Decisions about roles and scopes are not made here but
//! in `domain::access`, asked through `application::access::require`.

pub mod csrf;
mod headers;
mod resolve;
mod session_store;

pub use csrf::csrf_guard;
pub use headers::security_headers;
pub use resolve::{AuthState, TokenLimiter, resolve_principal, token_limiter};
pub use session_store::DbSessionStore;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "flowboard_session";
