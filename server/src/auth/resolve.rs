//! Works out who is calling, once per request, and leaves it in the request's extensions as
//! [`RequestAuth`] for server functions and REST handlers.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use app::ssr::auth::{RequestAuth, SESSION_DEMO_KEY, SESSION_USER_KEY};
use application::access::{TOKEN_PREFIX, hash_token};
use application::ports::Store;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::access::Principal;
use domain::{TokenId, UserId};
use governor::clock::{Clock, DefaultClock};
use tower_sessions::Session;

use crate::http::ApiError;

/// What the resolver needs.
#[derive(Clone)]
pub struct AuthState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// With `--demo`: the demo admin that loopback visitors are signed in as.
    pub demo_user: Option<UserId>,
    /// Requests per second each API token may make.
    pub token_limiter: Arc<TokenLimiter>,
}

/// Per-token request rate limit (GCRA): a burst of twice the rate, then the rate.
pub type TokenLimiter = governor::DefaultKeyedRateLimiter<TokenId>;

/// A limiter allowing `per_second` requests a second per token.
pub fn token_limiter(per_second: u32) -> TokenLimiter {
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
    governor::RateLimiter::keyed(governor::Quota::per_second(rate).allow_burst(burst))
}

/// Session key of the last time (in 5-minute steps) the session was seen; writing it renews
/// the idle expiry without a database write on every request.
const SEEN_KEY: &str = "seen";

/// Paths that never need a principal (assets, health checks): no session lookup for them.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/healthz" || path == "/readyz"
}

/// Resolves the principal: a Bearer token if the request has an `Authorization` header, else
/// the session's user; in demo mode, a loopback browser without a session is signed in as the
/// demo admin.
pub async fn resolve_principal(
    State(state): State<AuthState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| request.headers().contains_key(*h));
    let mut auth = RequestAuth {
        client_ip,
        forwarded,
        ..RequestAuth::default()
    };
    let path = request.uri().path().to_owned();
    if !is_public_asset(&path) {
        if let Some(value) = request.headers().get(header::AUTHORIZATION) {
            match bearer_principal(state.store.as_ref(), value.to_str().unwrap_or("")).await {
                Ok(principal) => {
                    if let Principal::Token { id, name, .. } = &principal
                        && let Err(not_until) = state.token_limiter.check_key(id)
                    {
                        let wait = not_until.wait_time_from(DefaultClock::default().now());
                        tracing::warn!(token = %name, "token over its rate limit");
                        return ApiError::TooManyRequests {
                            message: format!(
                                "this token is over its rate limit; retry in {} s",
                                wait.as_secs().max(1)
                            ),
                            retry_after: wait.as_secs().max(1),
                        }
                        .into_response();
                    }
                    auth.principal = Some(principal);
                }
                Err(TokenRefused::Unusable(problem)) => auth.token_problem = Some(problem),
                // Not the caller's fault: 503 (or 500), never a 401 that would make a
                // monitoring system think its token is bad while the database is away.
                Err(TokenRefused::Store(e)) => return ApiError::from(e).into_response(),
            }
        } else {
            // Demo sign-in only for page visits, never for API or server-function calls.
            let may_demo = request.method() == Method::GET
                && !path.starts_with("/api/")
                && !path.starts_with("/fn/")
                && !demo_switched_off(&request);
            session_principal(&state, &session, may_demo, &mut auth).await;
        }
    }
    request.extensions_mut().insert(auth);
    next.run(request).await
}

/// Why a Bearer token gives no principal.
enum TokenRefused {
    /// Malformed, unknown, revoked or expired: the reason, for a 401.
    Unusable(String),
    /// The token could not be looked up.
    Store(application::ports::StoreError),
}

async fn bearer_principal(store: &dyn Store, value: &str) -> Result<Principal, TokenRefused> {
    let secret = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|s| s.starts_with(TOKEN_PREFIX))
        .ok_or_else(|| {
            TokenRefused::Unusable("use `Authorization: Bearer fbt_…` with an API token".into())
        })?;
    let token = match store.token_by_hash(&hash_token(secret)).await {
        Ok(Some(t)) => t,
        Ok(None) => return Err(TokenRefused::Unusable("unknown API token".into())),
        Err(e) => return Err(TokenRefused::Store(e)),
    };
    let now = Utc::now();
    if let Some(why) = token.unusable_at(now) {
        return Err(TokenRefused::Unusable(why.into()));
    }
    // Only when the stored time is old enough: the store's UPDATE would skip it anyway, but
    // on SQLite even an UPDATE that changes nothing takes the write lock, and an alert storm
    // would queue every request behind it.
    if token
        .last_used_at
        .is_none_or(|last| now - last >= application::ports::TOKEN_TOUCH_EVERY)
        && let Err(e) = store.touch_token(token.id, now).await
    {
        tracing::warn!(error = %e, "could not record a token's use");
    }
    Ok(Principal::Token {
        id: token.id,
        name: token.name,
        board: token.board_id,
        scopes: token.scopes,
    })
}

async fn session_principal(
    state: &AuthState,
    session: &Session,
    may_demo: bool,
    auth: &mut RequestAuth,
) {
    let user_id = session.get::<UserId>(SESSION_USER_KEY).await.ok().flatten();
    if let Some(id) = user_id {
        match state.store.user(id).await {
            Ok(user) if !user.disabled => {
                auth.demo = session
                    .get::<bool>(SESSION_DEMO_KEY)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(false);
                auth.principal = Some(Principal::User {
                    id: user.id,
                    name: user.name,
                    instance_admin: user.instance_admin,
                });
                renew(session).await;
            }
            // Disabled or deleted: the session ends here.
            _ => {
                let _ = session.flush().await;
            }
        }
        return;
    }
    if let Some(demo) = state.demo_user
        && may_demo
        && auth.is_local()
        && let Ok(user) = state.store.user(demo).await
        && !user.disabled
        && session.cycle_id().await.is_ok()
        && session.insert(SESSION_USER_KEY, demo).await.is_ok()
        && session.insert(SESSION_DEMO_KEY, true).await.is_ok()
    {
        auth.demo = true;
        auth.principal = Some(Principal::User {
            id: user.id,
            name: user.name,
            instance_admin: user.instance_admin,
        });
    }
}

/// Marks the session seen in this 5-minute step; tower-sessions then saves it with a fresh
/// idle expiry (and a fresh cookie). At most one write per session per 5 minutes.
async fn renew(session: &Session) {
    let step = Utc::now().timestamp() / 300;
    if session.get::<i64>(SEEN_KEY).await.ok().flatten() != Some(step) {
        let _ = session.insert(SEEN_KEY, step).await;
    }
}

fn demo_switched_off(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == "flowboard_demo=off")
}
