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
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let page = application::people::members(store.as_ref(), &caller, &board).await?;
    Ok(MembersPage {
        board_name: page.board_name,
        members: page.members,
        role: page.role,
    })
}

/// A board's members page, rendered on the server (see `render::members_html`). `error_path`
/// and `error` are the page's `__path` and `__err`: what its last form came back with.
#[server(prefix = "/fn", endpoint = "get_members_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_members_html(
    slug: String,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use server_fn::ServerFn;
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug.clone());
    let members = application::people::members(store.as_ref(), &caller, &board).await?;
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &[SetMember::PATH, RemoveMember::PATH],
    );
    Ok(crate::api::RenderedPage {
        live: None,
        html: crate::render::members_html(&slug, &members, error),
        board_name: members.board_name,
    })
}

/// Gives the account with `email` a role on the board (adding or changing it).
#[server(prefix = "/fn", endpoint = "set_member", output = crate::api::codec::JsonAnswer)]
pub async fn set_member(slug: String, email: String, role: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let (role, now) = (parse_role(&role)?, chrono::Utc::now());
    Ok(application::people::set_member(store.as_ref(), &caller, &board, &email, role, now).await?)
}

/// Takes a person off the board.
#[server(prefix = "/fn", endpoint = "remove_member", output = crate::api::codec::JsonAnswer)]
pub async fn remove_member(slug: String, user_id: String) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let user = crate::ssr::forms::parse_id("user_id", &user_id)?;
    let now = chrono::Utc::now();
    Ok(application::people::remove_member(store.as_ref(), &caller, &board, user, now).await?)
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
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = board_of(slug);
    Ok(application::people::tokens(store.as_ref(), &caller, board.as_ref()).await?)
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
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = match board_of(slug) {
        Some(board) => Some(store.board_id(&board).await?),
        None => None,
    };
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
    };
    let (token, secret) =
        application::people::create_token(store.as_ref(), &caller, new, now).await?;
    Ok(CreatedToken { token, secret })
}

/// Revokes a token at once; requests with it get 401 from then on.
#[server(prefix = "/fn", endpoint = "revoke_token", output = crate::api::codec::JsonAnswer)]
pub async fn revoke_token(token_id: String) -> Result<ApiToken, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let token = crate::ssr::forms::parse_id("token_id", &token_id)?;
    let now = chrono::Utc::now();
    Ok(application::people::revoke_token(store.as_ref(), &caller, token, now).await?)
}

/// The query key the accounts page names an account just made with (its id), for its notice.
pub const CREATED_USER: &str = "created";

/// The accounts page (instance admins), rendered on the server (see `render::users_html`).
/// `created` is the page's [`CREATED_USER`]; `error_path` and `error` are its `__path` and
/// `__err`: what its last form came back with.
#[server(prefix = "/fn", endpoint = "get_users_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_users_html(
    created: Option<String>,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use server_fn::ServerFn;
    let (store, caller) = crate::ssr::auth::caller()?;
    let users = application::people::users(store.as_ref(), &caller).await?;
    let created = created.and_then(|id| id.parse().ok());
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &[CreateUser::PATH, SetUserFlags::PATH],
    );
    Ok(crate::api::RenderedPage {
        live: None,
        html: crate::render::users_html(&users, caller.user_id(), created, error),
        board_name: String::new(),
    })
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
    let (store, caller) = crate::ssr::auth::caller()?;
    let new = domain::access::NewUser {
        email,
        name,
        password,
        instance_admin: instance_admin.is_some(),
    };
    let now = chrono::Utc::now();
    let user = application::people::create_user(store.as_ref(), &caller, new, now).await?;
    let id = user.id.to_string();
    crate::ssr::plain_form::back_after_success(&[CREATED_USER], Some((CREATED_USER, &id)));
    Ok(user)
}

/// Grants or withdraws instance admin, enables or disables an account (instance admins).
#[server(prefix = "/fn", endpoint = "set_user_flags", output = crate::api::codec::JsonAnswer)]
pub async fn set_user_flags(
    user_id: String,
    instance_admin: Option<String>,
    disabled: Option<String>,
) -> Result<User, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("user_id", &user_id)?;
    let (admin, disabled) = (instance_admin.is_some(), disabled.is_some());
    let user =
        application::people::set_user_flags(store.as_ref(), &caller, id, admin, disabled).await?;
    crate::ssr::plain_form::back_after_success(&[CREATED_USER], None);
    Ok(user)
}

#[cfg(feature = "ssr")]
fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| AppError::Invalid {
        field: "role".into(),
        message: "choose viewer, member or admin".into(),
    })
}

/// The board a token form names (no slug: the instance-wide tokens).
#[cfg(feature = "ssr")]
fn board_of(slug: Option<String>) -> Option<domain::board::BoardRef> {
    slug.filter(|s| !s.is_empty())
        .map(domain::board::BoardRef::Slug)
}
