//! Who is calling a server function or rendering a page. The server's middleware
//! (server/src/auth) resolves it from the session cookie or a Bearer token into
//! [`RequestAuth`] in the request's extensions; this module reads it and hands the principal
//! to the use cases, whose `access` module decides what it may do.

use std::net::IpAddr;
use std::sync::Arc;

use application::ports::Store;
use domain::access::Principal;

use super::shared_store;
use crate::error::AppError;

/// The session key holding the signed-in user's id.
pub const SESSION_USER_KEY: &str = "user_id";
/// The session key holding whether the session was opened by demo mode.
pub const SESSION_DEMO_KEY: &str = "demo";

/// Who is calling, as the server's middleware worked it out.
#[derive(Clone, Debug, Default)]
pub struct RequestAuth {
    /// The signed-in user or the Bearer token's principal.
    pub principal: Option<Principal>,
    /// Why a Bearer token was refused (unknown, revoked, expired), for a precise 401.
    pub token_problem: Option<String>,
    /// The session was opened automatically by `--demo`.
    pub demo: bool,
    /// The peer's address (for the sign-in rate limit and the loopback-only set-up).
    pub client_ip: Option<IpAddr>,
    /// The request names a client behind a proxy (`Forwarded`, `X-Forwarded-For`,
    /// `X-Real-IP`): the peer is then a proxy, so a loopback peer says nothing about the
    /// person.
    pub forwarded: bool,
}

impl RequestAuth {
    /// Whether the person is on this machine: a loopback peer that no proxy stands in for.
    /// The one-time set-up page and the demo sign-in are offered only then, so a reverse
    /// proxy on the same host never opens them to the network.
    pub fn is_local(&self) -> bool {
        !self.forwarded && is_loopback(self.client_ip)
    }
}

/// The auth facts of the current request (server functions and SSR).
pub fn request_auth() -> RequestAuth {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestAuth>().cloned())
        .unwrap_or_default()
}

/// The caller, or 401 when nobody is signed in.
pub fn current_principal() -> Result<Principal, AppError> {
    request_auth().principal.ok_or_else(|| {
        AppError::from(application::Error::Unauthenticated(
            "Sign in to continue.".into(),
        ))
    })
}

/// The store and the caller: what every server function hands its use case.
pub fn caller() -> Result<(Arc<dyn Store>, Principal), AppError> {
    Ok((shared_store()?, current_principal()?))
}

/// Whether the address is this machine (the one-time set-up and demo sign-in only work there).
pub fn is_loopback(ip: Option<IpAddr>) -> bool {
    ip.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    })
}

/// Set at sign-out in demo mode so the browser is not signed straight back in.
pub const DEMO_OFF_COOKIE: &str = "flowboard_demo=off; Path=/; HttpOnly; SameSite=Lax";
