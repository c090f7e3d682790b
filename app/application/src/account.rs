//! One's own account: who is signed in, the one-time set-up of the first admin, and a
//! password change. Signing in itself is [`crate::access::check_credentials`].

use chrono::{DateTime, Utc};
use domain::access::{NewUser, Principal, User};
use domain::{DomainError, UserId};

use crate::Error;
use crate::access::{hash_password, verify_password};
use crate::error::Result;
use crate::ports::Store;

/// Who is asking, as the sign-in page and the header show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Me {
    /// The signed-in person's account (`None`: nobody, or a token).
    pub user: Option<User>,
    /// No account exists yet and this request may create the first.
    pub setup_open: bool,
}

/// The caller's account, and whether the first admin may still be created: only while no
/// account exists, only by nobody signed in, and only from the server itself (`local`: a
/// loopback request), so a fresh instance on a network cannot be claimed by a stranger.
pub async fn whoami(store: &dyn Store, caller: Option<&Principal>, local: bool) -> Result<Me> {
    let user = match caller {
        Some(Principal::User { id, .. }) => Some(store.user(*id).await?),
        _ => None,
    };
    let setup_open = user.is_none() && local && store.count_users().await? == 0;
    Ok(Me { user, setup_open })
}

/// Makes the first account, an instance admin (see [`whoami`] for when that is allowed). The
/// store refuses a second set-up, also one racing this one.
pub async fn set_up(
    store: &dyn Store,
    local: bool,
    mut new: NewUser,
    now: DateTime<Utc>,
) -> Result<User> {
    if !local {
        return Err(Error::Forbidden(
            "The first admin can only be created from the server itself (loopback), or with \
             `flowboard user create --role admin`."
                .into(),
        ));
    }
    new.instance_admin = true;
    let new = new.validate()?;
    let hash = hash_password(new.password.clone()).await?;
    Ok(store.create_user(&new, &hash, true, now).await?)
}

/// Changes the caller's own password after checking the current one, and ends the caller's
/// sessions everywhere (a stolen cookie, a forgotten browser): the transport starts a fresh
/// one for this browser. Answers whose password it was.
pub async fn change_password(
    store: &dyn Store,
    caller: &Principal,
    current: String,
    new_password: String,
) -> Result<UserId> {
    let id = caller
        .user_id()
        .ok_or_else(|| Error::Forbidden("Tokens have no password.".into()))?;
    let user = store.user(id).await?;
    let creds = store
        .credentials(&user.email)
        .await?
        .ok_or_else(|| Error::Internal(format!("no credentials for user {id}")))?;
    if !verify_password(creds.password_hash, current).await {
        return Err(DomainError::Invalid {
            field: "current",
            message: "is not your current password".into(),
        }
        .into());
    }
    domain::access::validate_password(&new_password)?;
    let hash = hash_password(new_password).await?;
    store.set_password(id, &hash).await?;
    store.end_user_sessions(id).await?;
    Ok(id)
}
