//! Accounts: users and their sign-in state, board memberships, API tokens and browser
//! sessions.

use application::ports::{
    AccountStore, BoardChange, BoardRef, Credentials, SessionRecord, StoreError, TOKEN_TOUCH_EVERY,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::access::{ApiToken, Member, NewToken, NewUser, Role, User};
use domain::{BoardId, TokenId, UserId};

use super::backend::{Backend, Conn};
use super::rows::accounts::{
    CredentialsRow, MemberRow, TokenRow, UserRow, token_columns, user_columns,
};
use super::sql::SqlStore;

impl<B: Backend> SqlStore<B> {
    /// The board's members with their accounts, by name.
    pub(super) async fn members_of(
        conn: &mut Conn<B>,
        board: BoardId,
    ) -> Result<Vec<Member>, StoreError> {
        let rows: Vec<MemberRow> = B::sql(
            "SELECT m.role, u.id, u.email, u.name, u.instance_admin, u.disabled, u.created_at, \
             u.last_login_at FROM board_members m JOIN users u ON u.id = m.user_id \
             WHERE m.board_id = $1 ORDER BY u.name, u.email",
        )
        .bind(board.0)
        .fetch_all(conn)
        .await?;
        rows.into_iter().map(Member::try_from).collect()
    }

    /// Takes the board's write lock (membership changes are serialised per board so the
    /// last-admin check holds), checks the board exists, and reads the user's role.
    async fn role_for_update(
        conn: &mut Conn<B>,
        board: BoardId,
        user: UserId,
    ) -> Result<Option<Role>, StoreError> {
        Self::board_row(conn, &BoardRef::Id(board)).await?;
        Self::role_in(conn, board, user).await
    }

    /// The user's role on the board, if a member.
    async fn role_in(
        conn: &mut Conn<B>,
        board: BoardId,
        user: UserId,
    ) -> Result<Option<Role>, StoreError> {
        let role: Option<(String,)> =
            B::sql("SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2")
                .bind(board.0)
                .bind(user.0)
                .fetch_optional(conn)
                .await?;
        Ok(role.and_then(|(role,)| Role::parse(&role)))
    }

    /// Refuses a change that leaves a board without an admin.
    async fn keep_an_admin(conn: &mut Conn<B>, board: BoardId) -> Result<(), StoreError> {
        let (admins,): (i64,) =
            B::sql("SELECT COUNT(*) FROM board_members WHERE board_id = $1 AND role = 'admin'")
                .bind(board.0)
                .fetch_one(conn)
                .await?;
        if admins == 0 {
            return Err(StoreError::Conflict(
                "a board needs at least one admin; make someone else admin first".into(),
            ));
        }
        Ok(())
    }

    /// Claims the instance's one first set-up; `Conflict` once anyone has an account.
    async fn claim_setup(conn: &mut Conn<B>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (existing,): (i64,) = B::sql("SELECT COUNT(*) FROM users").fetch_one(conn).await?;
        // The key decides between concurrent set-ups; the count covers accounts made by the
        // CLI.
        let taken = B::sql("INSERT INTO instance_setup (id, done_at) VALUES (1, $1)")
            .bind(now)
            .execute(conn)
            .await;
        if existing > 0 || taken.is_err() {
            return Err(StoreError::Conflict(
                "Flowboard is already set up; sign in instead".into(),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn count_users(&self) -> Result<i64, StoreError> {
        let mut conn = self.read().await?;
        let (count,) = B::sql("SELECT COUNT(*) FROM users")
            .fetch_one(&mut conn)
            .await?;
        Ok(count)
    }

    async fn create_user(
        &self,
        new: &NewUser,
        password_hash: &str,
        first_admin: bool,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write_tx().await?;
        if first_admin {
            Self::claim_setup(&mut tx, now).await?;
        }
        let row: UserRow = B::sql(concat!(
            "INSERT INTO users (id, email, name, password_hash, instance_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            user_columns!()
        ))
        .bind(UserId::new().0)
        .bind(new.email.as_str())
        .bind(new.name.as_str())
        .bind(password_hash)
        .bind(new.instance_admin || first_admin)
        .bind(now)
        .fetch_one(&mut tx)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("an account for {} already exists", new.email))
            }
            other => other,
        })?;
        tx.commit().await?;
        Ok(row.into())
    }

    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        let mut conn = self.read().await?;
        let row: Option<UserRow> = B::sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut conn)
        .await?;
        row.map(User::from)
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<UserRow> = B::sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY email"
        ))
        .fetch_all(&mut conn)
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let mut conn = self.read().await?;
        let row: Option<CredentialsRow> = B::sql(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash, failed_logins, locked_until FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&mut conn)
        .await?;
        Ok(row.map(Credentials::from))
    }

    async fn record_login_failure(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        lock_for: fn(u32) -> Option<TimeDelta>,
    ) -> Result<(u32, Option<DateTime<Utc>>), StoreError> {
        let mut tx = self.write_tx().await?;
        let (failures,): (i32,) = B::sql(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 \
             RETURNING failed_logins",
        )
        .bind(id.0)
        .fetch_one(&mut tx)
        .await?;
        let failures = u32::try_from(failures).unwrap_or(0);
        let until = lock_for(failures).map(|d| now + d);
        B::sql("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(until)
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok((failures, until))
    }

    async fn record_login_success(&self, id: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        B::sql(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 \
             WHERE id = $2",
        )
        .bind(now)
        .bind(id.0)
        .execute(&mut conn)
        .await?;
        conn.commit().await
    }

    async fn set_password(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        let changed = B::sql(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL \
             WHERE id = $2",
        )
        .bind(password_hash)
        .bind(id.0)
        .execute(&mut conn)
        .await?;
        conn.commit().await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        Ok(())
    }

    async fn set_user_flags(
        &self,
        id: UserId,
        instance_admin: bool,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let mut tx = self.write_tx().await?;
        let row: Option<UserRow> = B::sql(concat!(
            "UPDATE users SET instance_admin = $1, disabled = $2 WHERE id = $3 RETURNING ",
            user_columns!()
        ))
        .bind(instance_admin)
        .bind(disabled)
        .bind(id.0)
        .fetch_optional(&mut tx)
        .await?;
        let row = row.ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let (admins,): (i64,) =
            B::sql("SELECT COUNT(*) FROM users WHERE instance_admin = $1 AND disabled = $2")
                .bind(true)
                .bind(false)
                .fetch_one(&mut tx)
                .await?;
        if admins == 0 {
            return Err(StoreError::Conflict(
                "Flowboard needs at least one enabled instance admin".into(),
            ));
        }
        tx.commit().await?;
        Ok(row.into())
    }

    async fn board_role(&self, board: BoardId, user: UserId) -> Result<Option<Role>, StoreError> {
        let mut conn = self.read().await?;
        Self::role_in(&mut conn, board, user).await
    }

    async fn user_boards(&self, user: UserId) -> Result<Vec<(BoardId, Role)>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<(uuid::Uuid, String)> =
            B::sql("SELECT board_id, role FROM board_members WHERE user_id = $1")
                .bind(user.0)
                .fetch_all(&mut conn)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(b, r)| Role::parse(&r).map(|r| (BoardId(b), r)))
            .collect())
    }

    async fn board_members(&self, board: BoardId) -> Result<Vec<Member>, StoreError> {
        let mut conn = self.read().await?;
        Self::members_of(&mut conn, board).await
    }

    async fn set_board_role(
        &self,
        board: BoardId,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let before = Self::role_for_update(&mut tx, board, user).await?;
        B::sql(
            "INSERT INTO board_members (board_id, user_id, role, added_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(board.0)
        .bind(user.0)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut tx)
        .await
        .map_err(|e| match e {
            // The user's foreign key: no such user.
            StoreError::Internal(_) => StoreError::NotFound(format!("user {user}")),
            other => other,
        })?;
        if before == Some(Role::Admin) && role != Role::Admin {
            Self::keep_an_admin(&mut tx, board).await?;
        }
        tx.commit().await
    }

    async fn remove_board_member(
        &self,
        board: BoardId,
        user: UserId,
        actor: &domain::Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let before = Self::role_for_update(&mut tx, board, user).await?;
        B::sql("DELETE FROM board_members WHERE board_id = $1 AND user_id = $2")
            .bind(board.0)
            .bind(user.0)
            .execute(&mut tx)
            .await?;
        if before == Some(Role::Admin) {
            Self::keep_an_admin(&mut tx, board).await?;
        }
        let released = Self::release_open_cards(&mut tx, board, user, actor, now).await?;
        let changes = released
            .into_iter()
            .map(|card| BoardChange {
                card_id: Some(card),
                updated_at: Some(now),
                ..BoardChange::board(board, "card_edited")
            })
            .collect();
        self.commit_all(tx, changes).await
    }

    async fn create_token(
        &self,
        new: &NewToken,
        prefix: &str,
        secret_hash: &str,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        let scopes = new
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let mut conn = self.read().await?;
        let row: TokenRow = B::sql(concat!(
            "INSERT INTO api_tokens (id, name, prefix, secret_hash, scopes, board_id, \
             created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING ",
            token_columns!()
        ))
        .bind(TokenId::new().0)
        .bind(new.name.as_str())
        .bind(prefix)
        .bind(secret_hash)
        .bind(scopes)
        .bind(new.board_id.map(|b| b.0))
        .bind(now)
        .bind(created_by)
        .bind(new.expires_at)
        .fetch_one(&mut conn)
        .await?;
        conn.commit().await?;
        row.try_into()
    }

    async fn token_by_hash(&self, secret_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        // Every API request asks; a recent copy answers (see `accel::recent`).
        if let Some(token) = self.accel.token(secret_hash) {
            return Ok(Some(token));
        }
        let ticket = self.accel.token_ticket();
        let mut conn = self.read().await?;
        let row: Option<TokenRow> = B::sql(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE secret_hash = $1"
        ))
        .bind(secret_hash)
        .fetch_optional(&mut conn)
        .await?;
        let token = row.map(ApiToken::try_from).transpose()?;
        // Unknown secrets are not kept: guessing must not fill the memory.
        if let Some(token) = &token {
            self.accel.keep_token(ticket, secret_hash, token);
        }
        Ok(token)
    }

    async fn list_tokens(&self, board: Option<BoardId>) -> Result<Vec<ApiToken>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<TokenRow> = match board {
            Some(b) => {
                B::sql(concat!(
                    "SELECT ",
                    token_columns!(),
                    " FROM api_tokens WHERE board_id = $1 ORDER BY created_at DESC"
                ))
                .bind(b.0)
                .fetch_all(&mut conn)
                .await?
            }
            None => {
                B::sql(concat!(
                    "SELECT ",
                    token_columns!(),
                    " FROM api_tokens WHERE board_id IS NULL ORDER BY created_at DESC"
                ))
                .fetch_all(&mut conn)
                .await?
            }
        };
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    async fn token(&self, id: TokenId) -> Result<ApiToken, StoreError> {
        let mut conn = self.read().await?;
        let row: Option<TokenRow> = B::sql(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut conn)
        .await?;
        row.ok_or_else(|| StoreError::NotFound(format!("token {id}")))?
            .try_into()
    }

    async fn touch_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        B::sql(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(id.0)
        .bind(now - TOKEN_TOUCH_EVERY)
        .execute(&mut conn)
        .await?;
        conn.commit().await?;
        self.accel.token_used(id, now);
        Ok(())
    }

    async fn revoke_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<ApiToken, StoreError> {
        let mut conn = self.read().await?;
        B::sql("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id.0)
            .execute(&mut conn)
            .await?;
        conn.commit().await?;
        // Refused from now on in this process; elsewhere within `recent::KEPT_FOR`.
        self.accel.forget_tokens();
        self.token(id).await
    }

    async fn session_create(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        let made = B::sql(
            "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(record.id.as_str())
        .bind(record.data.as_str())
        .bind(record.expires_at)
        .bind(record.user_id.map(|u| u.to_string()))
        .execute(&mut conn)
        .await?;
        conn.commit().await?;
        Ok(made == 1)
    }

    async fn session_save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        B::sql(
            "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
             expires_at = excluded.expires_at, user_id = excluded.user_id",
        )
        .bind(record.id.as_str())
        .bind(record.data.as_str())
        .bind(record.expires_at)
        .bind(record.user_id.map(|u| u.to_string()))
        .execute(&mut conn)
        .await?;
        conn.commit().await
    }

    async fn end_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        let mut conn = self.read().await?;
        let ended = B::sql("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut conn)
            .await?;
        conn.commit().await?;
        Ok(ended)
    }

    async fn session_load(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let mut conn = self.read().await?;
        let row: Option<(String, String, DateTime<Utc>)> =
            B::sql("SELECT id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(now)
                .fetch_optional(&mut conn)
                .await?;
        // The user id is read back from the data itself; the column is for finding.
        Ok(row.map(|(id, data, expires_at)| SessionRecord {
            id,
            data,
            user_id: None,
            expires_at,
        }))
    }

    async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        B::sql("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut conn)
            .await?;
        conn.commit().await
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut conn = self.read().await?;
        let deleted = B::sql("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut conn)
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }
}
