//! Accounts, memberships and API tokens as stored and shown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Role, Scope};
use crate::DomainError;
use crate::ids::{BoardId, TokenId, UserId};

/// A person's account (never with its password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The account.
    pub id: UserId,
    /// Sign-in address, lower-case.
    pub email: String,
    /// Name shown on cards and in histories.
    pub name: String,
    /// Manages users and every board.
    pub instance_admin: bool,
    /// Disabled accounts cannot sign in and their sessions stop working.
    pub disabled: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// The last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user's role on a board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The person.
    pub user: User,
    /// What they may do on the board.
    pub role: Role,
}

/// An API token's record. The secret itself is never stored, only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// The token.
    pub id: TokenId,
    /// What it is for ("alertmanager-prod"); shown as the actor of what it does.
    pub name: String,
    /// The first characters of the secret, so people can tell tokens apart.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The board it is bound to; `None` for the whole instance.
    pub board_id: Option<BoardId>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: Option<String>,
    /// Its last use (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// After this it no longer works.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Why the token cannot be used at `now`, if it cannot.
    pub fn unusable_at(&self, now: DateTime<Utc>) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("the token has been revoked")
        } else if self.expires_at.is_some_and(|t| t <= now) {
            Some("the token has expired")
        } else {
            None
        }
    }
}

/// A token someone asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// Its name.
    pub name: String,
    /// Its scopes (at least one).
    pub scopes: Vec<Scope>,
    /// The board it is bound to, if any.
    pub board_id: Option<BoardId>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewToken {
    /// Checks the fields: a name of 1..=80 characters, at least one scope (duplicates
    /// dropped), an expiry in the future.
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.chars().count() > 80 {
            return Err(DomainError::invalid("name", "must be 1 to 80 characters"));
        }
        self.scopes.sort();
        self.scopes.dedup();
        if self.scopes.is_empty() {
            return Err(DomainError::invalid("scopes", "choose at least one scope"));
        }
        if self.expires_at.is_some_and(|t| t <= now) {
            return Err(DomainError::invalid("expires_at", "must be in the future"));
        }
        Ok(self)
    }
}

/// Parses a comma- or space-separated scope list (`"incidents:write, boards:read"`).
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, DomainError> {
    list.split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Scope::parse(s).ok_or_else(|| {
                DomainError::invalid(
                    "scopes",
                    format!(
                        "unknown scope {:?}; use incidents:write, deployments:write, boards:read, boards:write or admin",
                        s.trim()
                    ),
                )
            })
        })
        .collect()
}

/// A signed-in session as the UI sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The account.
    pub user: User,
    /// Signed in automatically by `--demo` on loopback; the UI says so.
    pub demo: bool,
}
