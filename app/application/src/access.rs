//! Who may do what: the permission check every use case makes ([`require`] and the
//! `authorize_*` helpers built on it), the role a caller acts with, the boards they see, and
//! the credentials behind a principal (passwords, API token secrets, the sign-in limits).
//!
//! The rules themselves (which role or scope allows which action) are the domain's
//! (`domain::access::authorize`); this module looks up what they need.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use domain::access::{Action, Principal, Role, Scope, User, authorize, lockout_after_failures};
use domain::{BoardId, BoardSummary, Card, CardId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ports::{BoardRef, Store, StoreError};

/// The prefix of every API token secret, so leaked tokens are easy to grep for.
pub const TOKEN_PREFIX: &str = "fbt_";

/// Checks that `principal` may do `action` (on `board`), looking up the user's board role:
/// the one permission check every use case makes before it acts.
pub async fn require(
    store: &dyn Store,
    principal: &Principal,
    action: Action,
    board: Option<BoardId>,
) -> Result<()> {
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
    authorize(principal, action, board, role).map_err(Error::from)
}

/// The board's id once `principal` may do `action` on it (`NotFound` when there is no such
/// board, before any permission is looked at: a board's existence is not a secret worth a
/// second answer).
pub async fn authorize_board(
    store: &dyn Store,
    principal: &Principal,
    board: &BoardRef,
    action: Action,
) -> Result<BoardId> {
    let id = store.board_id(board).await?;
    require(store, principal, action, Some(id)).await?;
    Ok(id)
}

/// The card once `principal` may do `action` on its board.
pub async fn authorize_card(
    store: &dyn Store,
    principal: &Principal,
    card: CardId,
    action: Action,
) -> Result<Card> {
    let card = store.card(card).await?;
    require(store, principal, action, Some(card.board_id)).await?;
    Ok(card)
}

/// [`authorize_card`] for a use case that needs only the card's board (a move): the store may
/// know it without reading the card.
pub async fn authorize_card_board(
    store: &dyn Store,
    principal: &Principal,
    card: CardId,
    action: Action,
) -> Result<BoardId> {
    let board = store.card_board(card).await?;
    require(store, principal, action, Some(board)).await?;
    Ok(board)
}

/// Checks that forcing a refused placement is allowed: an override reason needs the
/// `OverridePolicy` right on the board as well as the right to change its cards.
pub async fn require_override(
    store: &dyn Store,
    principal: &Principal,
    reason: Option<&str>,
    board: BoardId,
) -> Result<()> {
    if reason.is_some() {
        require(store, principal, Action::OverridePolicy, Some(board)).await?;
    }
    Ok(())
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
    pub fn check(&self, ip: IpAddr) -> Result<()> {
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::TooMany {
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
) -> Result<User> {
    if let Some(ip) = client {
        limiter.check(ip)?;
    }
    let email = domain::access::normalize_email(email)
        .map_err(|_| Error::Unauthenticated(BAD_CREDENTIALS.into()))?;
    let Some(creds) = store.credentials(&email).await? else {
        verify_password(DUMMY_HASH.into(), password).await;
        return Err(Error::Unauthenticated(BAD_CREDENTIALS.into()));
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
            None => Error::Unauthenticated(BAD_CREDENTIALS.into()),
        });
    }
    if creds.user.disabled {
        return Err(Error::Forbidden(
            "This account is disabled. Ask an instance admin.".into(),
        ));
    }
    store.record_login_success(creds.user.id, now).await?;
    Ok(creds.user)
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> Error {
    // Rounded up: "locked for 30 seconds" right after the fifth failure, never "0 seconds".
    let secs = ((until - now).num_milliseconds() + 999)
        .div_euclid(1000)
        .max(1);
    let wait = if secs >= 120 {
        format!("{} minutes", (secs + 59) / 60)
    } else {
        format!("{secs} seconds")
    };
    Error::TooMany {
        message: format!(
            "Too many failed sign-ins for this account. It is locked for {wait}; try again then."
        ),
        retry_after: Duration::from_secs(secs.unsigned_abs()),
    }
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
