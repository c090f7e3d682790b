//! The storage interface for people and access: accounts, board roles, API tokens and
//! sessions. A supertrait of [`super::Store`], so one `Arc<dyn Store>` serves everything and
//! both databases run the same conformance tests for it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::access::{ApiToken, Member, NewToken, NewUser, Role, User};
use domain::{BoardId, TokenId, UserId};

use super::StoreError;

/// An account with what sign-in needs to check.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Failed sign-ins in a row.
    pub failed_logins: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A stored session (tower-sessions' record, as JSON).
#[derive(Clone, Debug)]
pub struct SessionRecord {
    /// The cookie's value.
    pub id: String,
    /// The session data as JSON.
    pub data: String,
    /// The signed-in user, if any (kept beside the data so all of a user's sessions can end).
    pub user_id: Option<UserId>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// Accounts, roles, tokens and sessions.
/// How often a token's `last_used_at` is written at most: a busy integration should not turn
/// every request into a write.
pub const TOKEN_TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// How many accounts exist (0 means the one-time set-up is open).
    async fn count_users(&self) -> Result<i64, StoreError>;

    /// Makes an account. `first_admin` makes it only if no account exists yet, atomically:
    /// a second concurrent set-up gets `Conflict`. `new` must be validated already.
    async fn create_user(
        &self,
        new: &NewUser,
        password_hash: &str,
        first_admin: bool,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;

    /// One account.
    async fn user(&self, id: UserId) -> Result<User, StoreError>;

    /// Every account, by email.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// An account and its password hash, by (normalised) email.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError>;

    /// Counts a failed sign-in and sets the lock `lock_for(failures)` asks for; returns the
    /// new failure count and lock.
    async fn record_login_failure(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        lock_for: fn(u32) -> Option<chrono::TimeDelta>,
    ) -> Result<(u32, Option<DateTime<Utc>>), StoreError>;

    /// Clears failures after a successful sign-in.
    async fn record_login_success(&self, id: UserId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Replaces the password hash (and clears any lock).
    async fn set_password(&self, id: UserId, password_hash: &str) -> Result<(), StoreError>;

    /// Grants or withdraws instance admin, enables or disables an account. Refuses to leave
    /// the instance without an enabled admin.
    async fn set_user_flags(
        &self,
        id: UserId,
        instance_admin: bool,
        disabled: bool,
    ) -> Result<User, StoreError>;

    /// The user's role on the board, if any.
    async fn board_role(&self, board: BoardId, user: UserId) -> Result<Option<Role>, StoreError>;

    /// The boards the user belongs to, with the role.
    async fn user_boards(&self, user: UserId) -> Result<Vec<(BoardId, Role)>, StoreError>;

    /// The board's members, by name.
    async fn board_members(&self, board: BoardId) -> Result<Vec<Member>, StoreError>;

    /// Adds a member or changes their role. Refuses to demote the board's last admin.
    async fn set_board_role(
        &self,
        board: BoardId,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Removes a member. Refuses to remove the board's last admin. Their open cards (not in a
    /// `done` column) are unassigned from them in the same transaction, each with an
    /// `unassigned` event by `actor`; the cards they finished keep them.
    async fn remove_board_member(
        &self,
        board: BoardId,
        user: UserId,
        actor: &domain::Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Stores a token's record; `secret_hash` is the SHA-256 of its secret.
    async fn create_token(
        &self,
        new: &NewToken,
        prefix: &str,
        secret_hash: &str,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError>;

    /// The token whose secret hashes to `secret_hash` (revoked and expired ones too).
    async fn token_by_hash(&self, secret_hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Tokens bound to `board`, or with `None` instance-wide ones, newest first.
    async fn list_tokens(&self, board: Option<BoardId>) -> Result<Vec<ApiToken>, StoreError>;

    /// One token by id.
    async fn token(&self, id: TokenId) -> Result<ApiToken, StoreError>;

    /// Notes a use of the token (at most once per [`TOKEN_TOUCH_EVERY`]).
    async fn touch_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Revokes a token; revoking twice is fine.
    async fn revoke_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<ApiToken, StoreError>;

    /// Stores a new session; `Ok(false)` if the id is taken.
    async fn session_create(&self, record: &SessionRecord) -> Result<bool, StoreError>;

    /// Saves a session, creating or replacing it.
    async fn session_save(&self, record: &SessionRecord) -> Result<(), StoreError>;

    /// Ends every session of `user` (a new password, a disabled account); returns how many.
    async fn end_user_sessions(&self, user: UserId) -> Result<u64, StoreError>;

    /// Loads a session that has not expired at `now`.
    async fn session_load(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Deletes a session.
    async fn session_delete(&self, id: &str) -> Result<(), StoreError>;

    /// Deletes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
