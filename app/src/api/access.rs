//! Server functions for who may do what: board members, API tokens, and (for instance
//! admins) user accounts.

use domain::access::{ApiToken, Member, Role, User};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A board's members page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersPage {
    /// The board's name.
    pub board_name: String,
    /// Everyone with a role on the board.
    pub members: Vec<Member>,
    /// The viewer's own role (only admins may change members).
    pub role: Role,
}

/// A board's members.
#[server(prefix = "/fn", endpoint = "list_members", output = crate::api::codec::JsonAnswer)]
pub async fn list_members(slug: String) -> Result<MembersPage, AppError> {
    use crate::ssr::auth::authorize_board;
    use application::access::effective_role;
    let board = domain::board::BoardRef::Slug(slug);
    let (store, principal, id) = authorize_board(&board, domain::access::Action::ViewBoard).await?;
    let role = effective_role(store.as_ref(), &principal, id).await?;
    let summary = store.board_layout(&domain::board::BoardRef::Id(id)).await?;
    Ok(MembersPage {
        board_name: summary.name,
        members: store.board_members(id).await?,
        role,
    })
}

/// Gives the account with `email` a role on the board (adding or changing it).
#[server(prefix = "/fn", endpoint = "set_member", output = crate::api::codec::JsonAnswer)]
pub async fn set_member(slug: String, email: String, role: String) -> Result<(), AppError> {
    use crate::ssr::auth::authorize_board;
    let board = domain::board::BoardRef::Slug(slug);
    let (store, _, id) = authorize_board(&board, domain::access::Action::ManageMembers).await?;
    let role = parse_role(&role)?;
    let email = domain::access::normalize_email(&email).map_err(application::Error::from)?;
    let user = store.credentials(&email).await?.ok_or_else(|| {
        crate::ssr::with_status(AppError::NotFound(format!(
            "No account for {email}. An instance admin can create it under Users."
        )))
    })?;
    store
        .set_board_role(id, user.user.id, role, chrono::Utc::now())
        .await?;
    Ok(())
}

/// Takes a person off the board.
#[server(prefix = "/fn", endpoint = "remove_member", output = crate::api::codec::JsonAnswer)]
pub async fn remove_member(slug: String, user_id: String) -> Result<(), AppError> {
    use crate::ssr::auth::authorize_board;
    use crate::ssr::forms::parse_id;
    let board = domain::board::BoardRef::Slug(slug);
    let (store, _, id) = authorize_board(&board, domain::access::Action::ManageMembers).await?;
    store
        .remove_board_member(id, parse_id("user_id", &user_id)?)
        .await?;
    Ok(())
}

/// A token just made: its record and the secret, shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The stored record.
    pub token: ApiToken,
    /// The secret for the `Authorization: Bearer` header; not stored, not shown again.
    pub secret: String,
}

/// The board's API tokens (board admins), or with no slug the instance-wide ones (instance
/// admins).
#[server(prefix = "/fn", endpoint = "list_tokens", output = crate::api::codec::JsonAnswer)]
pub async fn list_tokens(slug: Option<String>) -> Result<Vec<ApiToken>, AppError> {
    let (store, _, board) = token_scope(slug).await?;
    Ok(store.list_tokens(board).await?)
}

/// Makes a token for the board (or the instance, with no slug). Each scope is a checkbox.
#[server(prefix = "/fn", endpoint = "create_token", output = crate::api::codec::JsonAnswer)]
#[allow(clippy::too_many_arguments)]
pub async fn create_token(
    slug: Option<String>,
    name: String,
    incidents_write: Option<String>,
    deployments_write: Option<String>,
    boards_read: Option<String>,
    boards_write: Option<String>,
    admin: Option<String>,
    expires_in_days: Option<String>,
) -> Result<CreatedToken, AppError> {
    use domain::access::Scope;
    let (store, principal, board) = token_scope(slug).await?;
    let scopes = [
        (incidents_write, Scope::IncidentsWrite),
        (deployments_write, Scope::DeploymentsWrite),
        (boards_read, Scope::BoardsRead),
        (boards_write, Scope::BoardsWrite),
        (admin, Scope::Admin),
    ]
    .into_iter()
    .filter_map(|(on, scope)| on.map(|_| scope))
    .collect();
    let now = chrono::Utc::now();
    let expires_at = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(days) => {
            let days: i64 = days
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| AppError::Invalid {
                    field: "expires_in_days".into(),
                    message: "enter a number of days from 1 to 3650, or leave empty".into(),
                })?;
            Some(now + chrono::Duration::days(days))
        }
    };
    let new = domain::access::NewToken {
        name,
        scopes,
        board_id: board,
        expires_at,
    }
    .validate(now)
    .map_err(application::Error::from)?;
    let by = principal.actor().name;
    let (token, secret) = application::access::issue_token(store.as_ref(), &new, &by, now).await?;
    Ok(CreatedToken { token, secret })
}

/// Revokes a token at once; requests with it get 401 from then on.
#[server(prefix = "/fn", endpoint = "revoke_token", output = crate::api::codec::JsonAnswer)]
pub async fn revoke_token(token_id: String) -> Result<ApiToken, AppError> {
    use crate::ssr::auth::current_principal;
    use crate::ssr::forms::parse_id;
    use application::access::require;
    use domain::access::Action;
    let store = crate::ssr::shared_store()?;
    let principal = current_principal()?;
    let token = store.token(parse_id("token_id", &token_id)?).await?;
    match token.board_id {
        Some(board) => {
            require(
                store.as_ref(),
                &principal,
                Action::ManageTokens,
                Some(board),
            )
            .await?
        }
        None => require(store.as_ref(), &principal, Action::ManageInstance, None).await?,
    }
    Ok(store.revoke_token(token.id, chrono::Utc::now()).await?)
}

/// Every account (instance admins).
#[server(prefix = "/fn", endpoint = "list_users", output = crate::api::codec::JsonAnswer)]
pub async fn list_users() -> Result<Vec<User>, AppError> {
    let store = instance_admin_store().await?;
    Ok(store.list_users().await?)
}

/// Makes an account (instance admins). The password is given to the person out of band;
/// they can change it under Account.
#[server(prefix = "/fn", endpoint = "create_user", output = crate::api::codec::JsonAnswer)]
pub async fn create_user(
    email: String,
    name: String,
    password: String,
    instance_admin: Option<String>,
) -> Result<User, AppError> {
    let store = instance_admin_store().await?;
    let new = domain::access::NewUser {
        email,
        name,
        password,
        instance_admin: instance_admin.is_some(),
    }
    .validate()
    .map_err(application::Error::from)?;
    let hash = application::access::hash_password(new.password.clone()).await?;
    Ok(store
        .create_user(&new, &hash, false, chrono::Utc::now())
        .await?)
}

/// Grants or withdraws instance admin, enables or disables an account (instance admins).
#[server(prefix = "/fn", endpoint = "set_user_flags", output = crate::api::codec::JsonAnswer)]
pub async fn set_user_flags(
    user_id: String,
    instance_admin: Option<String>,
    disabled: Option<String>,
) -> Result<User, AppError> {
    use crate::ssr::forms::parse_id;
    let store = instance_admin_store().await?;
    let id = parse_id("user_id", &user_id)?;
    let user = store
        .set_user_flags(id, instance_admin.is_some(), disabled.is_some())
        .await?;
    if user.disabled {
        // Signed out everywhere at once, not only at the next request.
        store.end_user_sessions(id).await?;
    }
    Ok(user)
}

#[cfg(feature = "ssr")]
fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| AppError::Invalid {
        field: "role".into(),
        message: "choose viewer, member or admin".into(),
    })
}

/// The store once the caller is an instance admin.
#[cfg(feature = "ssr")]
async fn instance_admin_store() -> Result<std::sync::Arc<dyn application::ports::Store>, AppError> {
    use crate::ssr::auth::current_principal;
    use application::access::require;
    let store = crate::ssr::shared_store()?;
    let principal = current_principal()?;
    require(
        store.as_ref(),
        &principal,
        domain::access::Action::ManageInstance,
        None,
    )
    .await?;
    Ok(store)
}

/// Who may manage tokens here: board admins for a board's tokens, instance admins for
/// instance-wide ones.
#[cfg(feature = "ssr")]
async fn token_scope(
    slug: Option<String>,
) -> Result<
    (
        std::sync::Arc<dyn application::ports::Store>,
        domain::access::Principal,
        Option<domain::BoardId>,
    ),
    AppError,
> {
    use crate::ssr::auth::{authorize_board, current_principal};
    use application::access::require;
    use domain::access::Action;
    match slug.filter(|s| !s.is_empty()) {
        Some(slug) => {
            let (store, principal, id) =
                authorize_board(&domain::board::BoardRef::Slug(slug), Action::ManageTokens).await?;
            Ok((store, principal, Some(id)))
        }
        None => {
            let store = crate::ssr::shared_store()?;
            let principal = current_principal()?;
            require(store.as_ref(), &principal, Action::ManageInstance, None).await?;
            Ok((store, principal, None))
        }
    }
}
