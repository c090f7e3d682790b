//! Use cases of the people and credentials around a board: its members and their roles, the
//! instance's accounts, and API tokens (a board's, or instance-wide ones).

use chrono::{DateTime, Utc};
use domain::access::{Action, ApiToken, Member, NewToken, NewUser, Principal, Role, User};
use domain::{BoardId, TokenId, UserId};

use crate::access::{authorize_board, effective_role, hash_password, issue_token, require};
use crate::error::{Error, Result};
use crate::ports::{BoardRef, Store};

/// A board's members, its name, and the role the caller acts with there.
#[derive(Debug)]
pub struct Members {
    /// The board's name.
    pub board_name: String,
    /// Everyone with a role on the board.
    pub members: Vec<Member>,
    /// The caller's role (only admins may change members).
    pub role: Role,
}

/// The members of `board`, for anyone who may see it.
pub async fn members(store: &dyn Store, caller: &Principal, board: &BoardRef) -> Result<Members> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let role = effective_role(store, caller, id).await?;
    let layout = store.board_layout(&BoardRef::Id(id)).await?;
    Ok(Members {
        board_name: layout.name,
        members: store.board_members(id).await?,
        role,
    })
}

/// Gives the account with `email` `role` on the board (adding or changing it).
pub async fn set_member(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = authorize_board(store, caller, board, Action::ManageMembers).await?;
    let email = domain::access::normalize_email(email)?;
    let user = store.credentials(&email).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "account {email} (an instance admin can create it under Users)"
        ))
    })?;
    Ok(store.set_board_role(id, user.user.id, role, now).await?)
}

/// Takes a person off the board; the open cards they own are unassigned from them, recorded
/// as the caller's doing.
pub async fn remove_member(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = authorize_board(store, caller, board, Action::ManageMembers).await?;
    Ok(store
        .remove_board_member(id, user, &caller.actor(), now)
        .await?)
}

/// Every account (instance admins).
pub async fn users(store: &dyn Store, caller: &Principal) -> Result<Vec<User>> {
    require(store, caller, Action::ManageInstance, None).await?;
    Ok(store.list_users().await?)
}

/// Makes an account (instance admins); the password is hashed here, never stored.
pub async fn create_user(
    store: &dyn Store,
    caller: &Principal,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<User> {
    require(store, caller, Action::ManageInstance, None).await?;
    let new = new.validate()?;
    let hash = hash_password(new.password.clone()).await?;
    Ok(store.create_user(&new, &hash, false, now).await?)
}

/// Grants or withdraws instance admin, enables or disables an account (instance admins). A
/// disabled account is signed out everywhere at once, not only at its next request.
pub async fn set_user_flags(
    store: &dyn Store,
    caller: &Principal,
    user: UserId,
    instance_admin: bool,
    disabled: bool,
) -> Result<User> {
    require(store, caller, Action::ManageInstance, None).await?;
    let user = store.set_user_flags(user, instance_admin, disabled).await?;
    if user.disabled {
        store.end_user_sessions(user.id).await?;
    }
    Ok(user)
}

/// Which tokens a request is about: `board`'s (its admins manage them) or, with none, the
/// instance-wide ones (instance admins).
pub async fn token_scope(
    store: &dyn Store,
    caller: &Principal,
    board: Option<&BoardRef>,
) -> Result<Option<BoardId>> {
    match board {
        Some(board) => Ok(Some(
            authorize_board(store, caller, board, Action::ManageTokens).await?,
        )),
        None => {
            require(store, caller, Action::ManageInstance, None).await?;
            Ok(None)
        }
    }
}

/// The tokens of `board`, or the instance-wide ones.
pub async fn tokens(
    store: &dyn Store,
    caller: &Principal,
    board: Option<&BoardRef>,
) -> Result<Vec<ApiToken>> {
    let board = token_scope(store, caller, board).await?;
    Ok(store.list_tokens(board).await?)
}

/// Makes a token (its board is `new.board_id`, checked against the caller's rights); answers
/// its record and its secret, which exists nowhere else.
pub async fn create_token(
    store: &dyn Store,
    caller: &Principal,
    new: NewToken,
    now: DateTime<Utc>,
) -> Result<(ApiToken, String)> {
    let board = new.board_id.map(BoardRef::Id);
    token_scope(store, caller, board.as_ref()).await?;
    let new = new.validate(now)?;
    Ok(issue_token(store, &new, &caller.actor().name, now).await?)
}

/// Revokes a token at once (its board's admins, or instance admins for an instance-wide one).
pub async fn revoke_token(
    store: &dyn Store,
    caller: &Principal,
    token: TokenId,
    now: DateTime<Utc>,
) -> Result<ApiToken> {
    let token = store.token(token).await?;
    let board = token.board_id.map(BoardRef::Id);
    token_scope(store, caller, board.as_ref()).await?;
    Ok(store.revoke_token(token.id, now).await?)
}
