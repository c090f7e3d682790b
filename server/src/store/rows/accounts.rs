//! Rows of the account tables and their conversion into domain types.

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::BoardId;
use sqlx::FromRow;
use uuid::Uuid;

use super::corrupt;

/// Columns of `users` that [`UserRow`] reads.
macro_rules! user_columns {
    () => {
        "id, email, name, instance_admin, disabled, created_at, last_login_at"
    };
}
pub(crate) use user_columns;

/// Columns of `api_tokens` that [`TokenRow`] reads.
macro_rules! token_columns {
    () => {
        "id, name, prefix, scopes, board_id, created_at, created_by, last_used_at, expires_at, \
         revoked_at"
    };
}
pub(crate) use token_columns;

#[derive(FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for domain::access::User {
    fn from(r: UserRow) -> Self {
        Self {
            id: domain::UserId(r.id),
            email: r.email,
            name: r.name,
            instance_admin: r.instance_admin,
            disabled: r.disabled,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        }
    }
}

#[derive(FromRow)]
pub struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl From<CredentialsRow> for application::ports::Credentials {
    fn from(r: CredentialsRow) -> Self {
        Self {
            user: r.user.into(),
            password_hash: r.password_hash,
            failed_logins: u32::try_from(r.failed_logins).unwrap_or(0),
            locked_until: r.locked_until,
        }
    }
}

#[derive(FromRow)]
pub struct MemberRow {
    pub role: String,
    #[sqlx(flatten)]
    pub user: UserRow,
}

impl TryFrom<MemberRow> for domain::access::Member {
    type Error = StoreError;
    fn try_from(r: MemberRow) -> Result<Self, StoreError> {
        Ok(Self {
            role: domain::access::Role::parse(&r.role).ok_or_else(|| corrupt("role", &r.role))?,
            user: r.user.into(),
        })
    }
}

#[derive(FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub board_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for domain::access::ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        let scopes = domain::access::parse_scopes(&r.scopes)
            .map_err(|_| corrupt("token scopes", &r.scopes))?;
        Ok(Self {
            id: domain::TokenId(r.id),
            name: r.name,
            prefix: r.prefix,
            scopes,
            board_id: r.board_id.map(BoardId),
            created_at: r.created_at,
            created_by: r.created_by,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}
