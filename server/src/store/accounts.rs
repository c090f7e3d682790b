//! SQL for [`application::ports::AccountStore`], shared by both backends the same way as `sql.rs`:
//! `impl_account_store!` stamps the bodies out per concrete database type.

/// Columns of `users` that [`super::rows::UserRow`] reads.
macro_rules! user_columns {
    () => {
        "id, email, name, instance_admin, disabled, created_at, last_login_at"
    };
}

/// Columns of `api_tokens` that [`super::rows::TokenRow`] reads.
macro_rules! token_columns {
    () => {
        "id, name, prefix, scopes, board_id, created_at, created_by, last_used_at, expires_at, \
         revoked_at"
    };
}

macro_rules! impl_account_store {
    ($store:ident, $db:ty) => {
        mod accounts_impl {
            use application::ports::{AccountStore, Credentials, SessionRecord, StoreError};
            use async_trait::async_trait;
            use chrono::{DateTime, TimeDelta, Utc};
            use domain::access::{ApiToken, Member, NewToken, NewUser, Role, User};
            use domain::{BoardId, TokenId, UserId};

            use super::$store;
            use crate::store::rows::{CredentialsRow, MemberRow, TokenRow, UserRow, db_error};

            use application::ports::TOKEN_TOUCH_EVERY as TOUCH_EVERY;

            #[async_trait]
            impl AccountStore for $store {
                async fn count_users(&self) -> Result<i64, StoreError> {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_error)
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
                        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                            .fetch_one(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        // The key decides between concurrent set-ups; the count covers accounts
                        // made by the CLI.
                        let taken = sqlx::query(
                            "INSERT INTO instance_setup (id, done_at) VALUES (1, $1)",
                        )
                        .bind(now)
                        .execute(&mut **tx)
                        .await;
                        if existing > 0 || taken.is_err() {
                            return Err(StoreError::Conflict(
                                "Flowboard is already set up; sign in instead".into(),
                            ));
                        }
                    }
                    let id = UserId::new();
                    let row = sqlx::query_as::<_, UserRow>(concat!(
                        "INSERT INTO users (id, email, name, password_hash, instance_admin, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                        user_columns!()
                    ))
                    .bind(id.0)
                    .bind(new.email.as_str())
                    .bind(new.name.as_str())
                    .bind(password_hash)
                    .bind(new.instance_admin || first_admin)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(|e| match db_error(e) {
                        StoreError::Conflict(_) => {
                            StoreError::Conflict(format!("an account for {} already exists", new.email))
                        }
                        other => other,
                    })?;
                    tx.commit().await.map_err(db_error)?;
                    Ok(row.into())
                }

                async fn user(&self, id: UserId) -> Result<User, StoreError> {
                    sqlx::query_as::<_, UserRow>(concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                    .map(User::from)
                    .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
                }

                async fn list_users(&self) -> Result<Vec<User>, StoreError> {
                    Ok(sqlx::query_as::<_, UserRow>(concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users ORDER BY email"
                    ))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?
                    .into_iter()
                    .map(User::from)
                    .collect())
                }

                async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
                    Ok(sqlx::query_as::<_, CredentialsRow>(concat!(
                        "SELECT ",
                        user_columns!(),
                        ", password_hash, failed_logins, locked_until FROM users WHERE email = $1"
                    ))
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                    .map(Credentials::from))
                }

                async fn record_login_failure(
                    &self,
                    id: UserId,
                    now: DateTime<Utc>,
                    lock_for: fn(u32) -> Option<TimeDelta>,
                ) -> Result<(u32, Option<DateTime<Utc>>), StoreError> {
                    let mut tx = self.write_tx().await?;
                    let failures: i32 = sqlx::query_scalar(
                        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 \
                         RETURNING failed_logins",
                    )
                    .bind(id.0)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db_error)?;
                    let failures = u32::try_from(failures).unwrap_or(0);
                    let until = lock_for(failures).map(|d| now + d);
                    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                        .bind(until)
                        .bind(id.0)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    tx.commit().await.map_err(db_error)?;
                    Ok((failures, until))
                }

                async fn record_login_success(
                    &self,
                    id: UserId,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 \
                         WHERE id = $2",
                    )
                    .bind(now)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(())
                }

                async fn set_password(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
                    let done = sqlx::query(
                        "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL \
                         WHERE id = $2",
                    )
                    .bind(password_hash)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    if done.rows_affected() == 0 {
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
                    let row = sqlx::query_as::<_, UserRow>(concat!(
                        "UPDATE users SET instance_admin = $1, disabled = $2 WHERE id = $3 RETURNING ",
                        user_columns!()
                    ))
                    .bind(instance_admin)
                    .bind(disabled)
                    .bind(id.0)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
                    let admins: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM users WHERE instance_admin = $1 AND disabled = $2",
                    )
                    .bind(true)
                    .bind(false)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db_error)?;
                    if admins == 0 {
                        return Err(StoreError::Conflict(
                            "Flowboard needs at least one enabled instance admin".into(),
                        ));
                    }
                    tx.commit().await.map_err(db_error)?;
                    Ok(row.into())
                }

                async fn board_role(
                    &self,
                    board: BoardId,
                    user: UserId,
                ) -> Result<Option<Role>, StoreError> {
                    let role: Option<String> = sqlx::query_scalar(
                        "SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2",
                    )
                    .bind(board.0)
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(role.as_deref().and_then(Role::parse))
                }

                async fn user_boards(&self, user: UserId) -> Result<Vec<(BoardId, Role)>, StoreError> {
                    let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as(
                        "SELECT board_id, role FROM board_members WHERE user_id = $1",
                    )
                    .bind(user.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(rows
                        .into_iter()
                        .filter_map(|(b, r)| Role::parse(&r).map(|r| (BoardId(b), r)))
                        .collect())
                }

                async fn board_members(&self, board: BoardId) -> Result<Vec<Member>, StoreError> {
                    sqlx::query_as::<_, MemberRow>(concat!(
                        "SELECT m.role, ",
                        "u.id, u.email, u.name, u.instance_admin, u.disabled, u.created_at, u.last_login_at",
                        " FROM board_members m JOIN users u ON u.id = m.user_id \
                          WHERE m.board_id = $1 ORDER BY u.name, u.email"
                    ))
                    .bind(board.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?
                    .into_iter()
                    .map(Member::try_from)
                    .collect()
                }

                async fn set_board_role(
                    &self,
                    board: BoardId,
                    user: UserId,
                    role: Role,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let mut tx = self.write_tx().await?;
                    let before = role_for_update(&mut tx, board, user).await?;
                    sqlx::query(
                        "INSERT INTO board_members (board_id, user_id, role, added_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role",
                    )
                    .bind(board.0)
                    .bind(user.0)
                    .bind(role.as_str())
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| match db_error(e) {
                        StoreError::Internal(_) => StoreError::NotFound(format!("user {user}")),
                        other => other,
                    })?;
                    if before == Some(Role::Admin) && role != Role::Admin {
                        keep_an_admin(&mut tx, board).await?;
                    }
                    tx.commit().await.map_err(db_error)
                }

                async fn remove_board_member(
                    &self,
                    board: BoardId,
                    user: UserId,
                ) -> Result<(), StoreError> {
                    let mut tx = self.write_tx().await?;
                    let before = role_for_update(&mut tx, board, user).await?;
                    sqlx::query("DELETE FROM board_members WHERE board_id = $1 AND user_id = $2")
                        .bind(board.0)
                        .bind(user.0)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    if before == Some(Role::Admin) {
                        keep_an_admin(&mut tx, board).await?;
                    }
                    tx.commit().await.map_err(db_error)
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
                    sqlx::query_as::<_, TokenRow>(concat!(
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
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?
                    .try_into()
                }

                async fn token_by_hash(&self, secret_hash: &str) -> Result<Option<ApiToken>, StoreError> {
                    // Every API request asks; a recent copy answers (see `recent`).
                    if let Some(token) = self.tokens.get(secret_hash) {
                        return Ok(Some(token));
                    }
                    let ticket = self.tokens.ticket();
                    let token = sqlx::query_as::<_, TokenRow>(concat!(
                        "SELECT ",
                        token_columns!(),
                        " FROM api_tokens WHERE secret_hash = $1"
                    ))
                    .bind(secret_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                    .map(ApiToken::try_from)
                    .transpose()?;
                    // Unknown secrets are not kept: guessing must not fill the memory.
                    if let Some(token) = &token {
                        self.tokens.put(ticket, secret_hash.to_owned(), token.clone());
                    }
                    Ok(token)
                }

                async fn list_tokens(&self, board: Option<BoardId>) -> Result<Vec<ApiToken>, StoreError> {
                    let rows = match board {
                        Some(b) => {
                            sqlx::query_as::<_, TokenRow>(concat!(
                                "SELECT ",
                                token_columns!(),
                                " FROM api_tokens WHERE board_id = $1 ORDER BY created_at DESC"
                            ))
                            .bind(b.0)
                            .fetch_all(&self.pool)
                            .await
                        }
                        None => {
                            sqlx::query_as::<_, TokenRow>(concat!(
                                "SELECT ",
                                token_columns!(),
                                " FROM api_tokens WHERE board_id IS NULL ORDER BY created_at DESC"
                            ))
                            .fetch_all(&self.pool)
                            .await
                        }
                    };
                    rows.map_err(db_error)?
                        .into_iter()
                        .map(ApiToken::try_from)
                        .collect()
                }

                async fn token(&self, id: TokenId) -> Result<ApiToken, StoreError> {
                    sqlx::query_as::<_, TokenRow>(concat!(
                        "SELECT ",
                        token_columns!(),
                        " FROM api_tokens WHERE id = $1"
                    ))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?
                    .try_into()
                }

                async fn touch_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
                         AND (last_used_at IS NULL OR last_used_at < $3)",
                    )
                    .bind(now)
                    .bind(id.0)
                    .bind(now - TOUCH_EVERY)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    // The copies show the use too, or each request would touch again.
                    self.tokens.update(|token| {
                        if token.id == id && token.last_used_at.is_none_or(|last| last < now) {
                            token.last_used_at = Some(now);
                        }
                    });
                    Ok(())
                }

                async fn revoke_token(&self, id: TokenId, now: DateTime<Utc>) -> Result<ApiToken, StoreError> {
                    sqlx::query(
                        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    // Refused from now on in this process; elsewhere within `recent::KEPT_FOR`.
                    self.tokens.clear();
                    self.token(id).await
                }

                async fn session_create(&self, record: &SessionRecord) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(record.id.as_str())
                    .bind(record.data.as_str())
                    .bind(record.expires_at)
                    .bind(record.user_id.map(|u| u.to_string()))
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn session_save(&self, record: &SessionRecord) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
                         expires_at = excluded.expires_at, user_id = excluded.user_id",
                    )
                    .bind(record.id.as_str())
                    .bind(record.data.as_str())
                    .bind(record.expires_at)
                    .bind(record.user_id.map(|u| u.to_string()))
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(())
                }

                async fn end_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user.to_string())
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?
                        .rows_affected())
                }

                async fn session_load(
                    &self,
                    id: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<SessionRecord>, StoreError> {
                    let row: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
                        "SELECT id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
                    )
                    .bind(id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?;
                    // The user id is read back from the data itself; the column is for finding.
                    Ok(row.map(|(id, data, expires_at)| SessionRecord {
                        id,
                        data,
                        user_id: None,
                        expires_at,
                    }))
                }

                async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM sessions WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    Ok(())
                }

                async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?
                        .rows_affected())
                }
            }

            type Conn = <$db as sqlx::Database>::Connection;

            /// Takes the board's write lock (membership changes are serialised per board so
            /// the last-admin check holds), checks the board exists, and reads the user's role.
            async fn role_for_update(
                conn: &mut Conn,
                board: BoardId,
                user: UserId,
            ) -> Result<Option<Role>, StoreError> {
                super::board_row(conn, &application::ports::BoardRef::Id(board)).await?;
                let role: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2",
                )
                .bind(board.0)
                .bind(user.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?;
                Ok(role.as_deref().and_then(Role::parse))
            }

            /// Refuses a change that leaves a board without an admin.
            async fn keep_an_admin(conn: &mut Conn, board: BoardId) -> Result<(), StoreError> {
                let admins: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM board_members WHERE board_id = $1 AND role = 'admin'",
                )
                .bind(board.0)
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)?;
                if admins == 0 {
                    return Err(StoreError::Conflict(
                        "a board needs at least one admin; make someone else admin first".into(),
                    ));
                }
                Ok(())
            }
        }
    };
}
