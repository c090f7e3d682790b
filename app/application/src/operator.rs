//! What the operator does from the command line (`flowboard user ...`, `flowboard token
//! ...`): the first admin, scripted set-ups, tokens for monitoring. The operator holds the
//! database URL, so every right already: nothing here checks a caller, and what is recorded
//! names the command line as the actor.

use chrono::{DateTime, Utc};
use domain::access::{ApiToken, NewToken, NewUser, User};

use crate::Error;
use crate::access::{hash_password, issue_token};
use crate::error::Result;
use crate::ports::{BoardRef, Store};

/// The name recorded as the maker of tokens made from the command line.
pub const OPERATOR: &str = "cli";

/// Makes an account; `new.instance_admin` makes it an instance admin.
pub async fn create_user(store: &dyn Store, new: NewUser, now: DateTime<Utc>) -> Result<User> {
    let new = new.validate()?;
    let hash = hash_password(new.password.clone()).await?;
    Ok(store.create_user(&new, &hash, false, now).await?)
}

/// Makes a token for `board` (or the whole instance); answers its record and its secret,
/// which exists nowhere else.
pub async fn create_token(
    store: &dyn Store,
    board: Option<&BoardRef>,
    mut new: NewToken,
    now: DateTime<Utc>,
) -> Result<(ApiToken, String)> {
    new.board_id = match board {
        Some(board) => Some(store.board_id(board).await?),
        None => None,
    };
    let new = new.validate(now)?;
    Ok(issue_token(store, &new, OPERATOR, now).await?)
}

/// The tokens of `board`, or the instance-wide ones.
pub async fn tokens(store: &dyn Store, board: Option<&BoardRef>) -> Result<Vec<ApiToken>> {
    let board = match board {
        Some(board) => Some(store.board_id(board).await?),
        None => None,
    };
    Ok(store.list_tokens(board).await?)
}

/// Revokes the token `wanted` names: its id, or a name no other live token of `board` (or
/// of the instance) has.
pub async fn revoke_token(
    store: &dyn Store,
    wanted: &str,
    board: Option<&BoardRef>,
    now: DateTime<Utc>,
) -> Result<ApiToken> {
    let token = match wanted.parse() {
        Ok(id) => store.token(id).await?,
        Err(_) => live_token_named(store, wanted, board, now).await?,
    };
    Ok(store.revoke_token(token.id, now).await?)
}

/// The one live token of `board` (or of the instance) named `wanted`.
async fn live_token_named(
    store: &dyn Store,
    wanted: &str,
    board: Option<&BoardRef>,
    now: DateTime<Utc>,
) -> Result<ApiToken> {
    let mut live: Vec<ApiToken> = tokens(store, board)
        .await?
        .into_iter()
        .filter(|t| t.name == wanted && t.unusable_at(now).is_none())
        .collect();
    match live.len() {
        1 => Ok(live.remove(0)),
        0 => Err(Error::NotFound(format!(
            "a live token named {wanted:?} (use --board SLUG for a board's tokens)"
        ))),
        n => Err(Error::Conflict(format!(
            "{n} live tokens are named {wanted:?}; revoke by id (flowboard token list)"
        ))),
    }
}
