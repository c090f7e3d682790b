//! Authentication and authorisation on the server: password hashing, token secrets, the
//! principal of the current request, and the one `require` check every server function and
//! REST handler makes before acting.
//!
//! The server's middleware (server/src/auth) resolves who is calling, from the session cookie
//! or a Bearer token, into [`RequestAuth`] in the request's extensions; this module reads it.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use domain::access::{
    Action, Denied, Principal, Role, Scope, User, authorize, lockout_after_failures,
};
use domain::{BoardId, BoardSummary, Card, CardId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{BoardRef, Store, StoreError, shared_store};
use crate::error::AppError;

/// The session key holding the signed-in user's id.
pub const SESSION_USER_KEY: &str = "user_id";
/// The session key holding whether the session was opened by demo mode.
pub const SESSION_DEMO_KEY: &str = "demo";
/// The prefix of every API token secret, so leaked tokens are easy to grep for.
pub const TOKEN_PREFIX: &str = "fbt_";

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

/// Why access was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No (valid) credentials: 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// Known caller without the right: 403.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts: 429, with how long to wait.
    #[error("{message}")]
    TooMany {
        /// What to tell the person.
        message: String,
        /// How long until trying again makes sense.
        retry_after: Duration,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Denied> for AuthError {
    fn from(d: Denied) -> Self {
        Self::Forbidden(d.to_string())
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        super::with_status(match e {
            AuthError::Unauthenticated(m) => AppError::Unauthorized(m),
            AuthError::Forbidden(m) => AppError::Forbidden(m),
            AuthError::TooMany { message, .. } => AppError::TooManyRequests(message),
            AuthError::Store(s) => s.into(),
        })
    }
}

/// Checks that `principal` may do `action` (on `board`), looking up the user's board role.
pub async fn require(
    store: &dyn Store,
    principal: &Principal,
    action: Action,
    board: Option<BoardId>,
) -> Result<(), AuthError> {
    let role = match (principal, board) {
        (
            Principal::User {
                id,
                instance_admin: false,
                ..
            },
            Some(board),
        ) => store.board_role(board, *id).await?,
        _ => None,
    };
    authorize(principal, action, board, role).map_err(AuthError::from)
}

/// The auth facts of the current request (server functions and SSR).
pub fn request_auth() -> RequestAuth {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestAuth>().cloned())
        .unwrap_or_default()
}

/// The caller, or 401 when nobody is signed in.
pub fn current_principal() -> Result<Principal, AuthError> {
    request_auth()
        .principal
        .ok_or_else(|| AuthError::Unauthenticated("Sign in to continue.".into()))
}

/// The store, the caller and the board's id, once the caller may do `action` on the board.
pub async fn authorize_board(
    board: &BoardRef,
    action: Action,
) -> Result<(Arc<dyn Store>, Principal, BoardId), AppError> {
    let store = shared_store()?;
    let principal = current_principal()?;
    let id = store.board_id(board).await?;
    require(store.as_ref(), &principal, action, Some(id)).await?;
    Ok((store, principal, id))
}

/// The store, the caller and the card, once the caller may do `action` on the card's board.
pub async fn authorize_card(
    card: CardId,
    action: Action,
) -> Result<(Arc<dyn Store>, Principal, Card), AppError> {
    let store = shared_store()?;
    let principal = current_principal()?;
    let card = store.card(card).await?;
    require(store.as_ref(), &principal, action, Some(card.board_id)).await?;
    Ok((store, principal, card))
}

/// [`authorize_card`] for a call that needs only the card's board (a move): the store may
/// know it without reading the card.
pub async fn authorize_card_board(
    card: CardId,
    action: Action,
) -> Result<(Arc<dyn Store>, Principal, BoardId), AppError> {
    let store = shared_store()?;
    let principal = current_principal()?;
    let board = store.card_board(card).await?;
    require(store.as_ref(), &principal, action, Some(board)).await?;
    Ok((store, principal, board))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommended minimum).
/// Runs on the blocking pool: a hash takes tens of milliseconds of CPU.
pub async fn hash_password(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| StoreError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| StoreError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash (false for a malformed hash).
pub async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fresh token secret: `fbt_` and 32 base62 characters (190 bits). Returns the secret,
/// the prefix shown in lists, and the hash stored.
pub fn new_token_secret() -> (String, String, String) {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let body: String = (0..32)
        .map(|_| ALPHABET[(rng.next_u32() % 62) as usize] as char)
        .collect();
    let secret = format!("{TOKEN_PREFIX}{body}");
    let prefix = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let hash = hash_token(&secret);
    (secret, prefix, hash)
}

/// SHA-256 of a token secret, hex.
pub fn hash_token(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Per-address limit on sign-in attempts; the per-account lock is in the database.
#[derive(Debug)]
pub struct LoginLimiter(DefaultKeyedRateLimiter<IpAddr>);

impl LoginLimiter {
    /// Allows `per_minute` attempts a minute per client address, in a burst of as many.
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self(RateLimiter::keyed(Quota::per_minute(per_minute)))
    }

    /// Counts an attempt from `ip`; refuses with the wait when over the limit.
    pub fn check(&self, ip: IpAddr) -> Result<(), AuthError> {
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AuthError::TooMany {
                message: format!(
                    "Too many sign-in attempts from your address. Try again in {} seconds.",
                    wait.as_secs().max(1)
                ),
                retry_after: wait,
            }
        })
    }
}

/// The wrong-credentials message: the same for an unknown email and a wrong password, so it
/// does not tell which accounts exist.
const BAD_CREDENTIALS: &str = "Wrong email or password.";

/// A hash of a password nobody has, verified when the email is unknown so both failures take
/// the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                          0D2ZbJH8kvUb6tTRU0XvoV9ldTGtKEqsUtXvqPDJrWU";

/// Checks an email and password: the per-address limit, the account lock, the hash. Failures
/// are counted against the account; success clears them.
pub async fn check_credentials(
    store: &dyn Store,
    limiter: &LoginLimiter,
    client: Option<IpAddr>,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<User, AuthError> {
    if let Some(ip) = client {
        limiter.check(ip)?;
    }
    let email = domain::access::normalize_email(email)
        .map_err(|_| AuthError::Unauthenticated(BAD_CREDENTIALS.into()))?;
    let Some(creds) = store.credentials(&email).await? else {
        verify_password(DUMMY_HASH.into(), password).await;
        return Err(AuthError::Unauthenticated(BAD_CREDENTIALS.into()));
    };
    if let Some(until) = creds.locked_until.filter(|t| *t > now) {
        return Err(locked(until, now));
    }
    if !verify_password(creds.password_hash.clone(), password).await {
        let (_, until) = store
            .record_login_failure(creds.user.id, now, lockout_after_failures)
            .await?;
        return Err(match until {
            Some(until) => locked(until, now),
            None => AuthError::Unauthenticated(BAD_CREDENTIALS.into()),
        });
    }
    if creds.user.disabled {
        return Err(AuthError::Forbidden(
            "This account is disabled. Ask an instance admin.".into(),
        ));
    }
    store.record_login_success(creds.user.id, now).await?;
    Ok(creds.user)
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AuthError {
    // Rounded up: "locked for 30 seconds" right after the fifth failure, never "0 seconds".
    let secs = ((until - now).num_milliseconds() + 999)
        .div_euclid(1000)
        .max(1);
    let wait = if secs >= 120 {
        format!("{} minutes", (secs + 59) / 60)
    } else {
        format!("{secs} seconds")
    };
    AuthError::TooMany {
        message: format!(
            "Too many failed sign-ins for this account. It is locked for {wait}; try again then."
        ),
        retry_after: Duration::from_secs(secs.unsigned_abs()),
    }
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

/// The role the caller acts with on a board: instance admins are admins everywhere, tokens
/// act as the role their scopes amount to. Callers have checked `ViewBoard` already, so
/// there is always at least `viewer`.
pub async fn effective_role(
    store: &dyn Store,
    principal: &Principal,
    board: BoardId,
) -> Result<Role, StoreError> {
    Ok(match principal {
        Principal::User {
            instance_admin: true,
            ..
        } => Role::Admin,
        Principal::User { id, .. } => store.board_role(board, *id).await?.unwrap_or(Role::Viewer),
        Principal::Token { scopes, .. } => {
            if scopes.contains(&Scope::Admin) {
                Role::Admin
            } else if scopes.contains(&Scope::BoardsWrite) {
                Role::Member
            } else {
                Role::Viewer
            }
        }
    })
}

/// The boards a principal may see: every board for instance admins and instance-wide
/// tokens, the member boards for users, the bound board for board tokens.
pub async fn visible_boards(
    store: &dyn Store,
    principal: &Principal,
) -> Result<Vec<BoardSummary>, StoreError> {
    let all = store.list_boards().await?;
    Ok(match principal {
        Principal::User {
            instance_admin: true,
            ..
        }
        | Principal::Token { board: None, .. } => all,
        Principal::User { id, .. } => {
            let mine: Vec<BoardId> = store
                .user_boards(*id)
                .await?
                .into_iter()
                .map(|(b, _)| b)
                .collect();
            all.into_iter().filter(|b| mine.contains(&b.id)).collect()
        }
        Principal::Token {
            board: Some(bound), ..
        } => all.into_iter().filter(|b| b.id == *bound).collect(),
    })
}

/// Set at sign-out in demo mode so the browser is not signed straight back in.
pub const DEMO_OFF_COOKIE: &str = "flowboard_demo=off; Path=/; HttpOnly; SameSite=Lax";

/// Makes a token: a fresh secret, its hash stored. Returns the record and the secret (the
/// only time it exists outside the caller's hands).
pub async fn issue_token(
    store: &dyn Store,
    new: &domain::access::NewToken,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(domain::access::ApiToken, String), StoreError> {
    let (secret, prefix, hash) = new_token_secret();
    let token = store
        .create_token(new, &prefix, &hash, created_by, now)
        .await?;
    Ok((token, secret))
}
