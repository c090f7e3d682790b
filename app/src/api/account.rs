//! Server functions for signing in and out, the one-time set-up, and one's own account.

use domain::access::SessionUser;
use leptos::prelude::*;

use crate::error::AppError;

/// Who is signed in (`None` when nobody), and whether Flowboard still needs its first admin.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WhoAmI {
    /// The signed-in person.
    pub session: Option<SessionUser>,
    /// No account exists yet and this request may create the first (loopback only).
    pub setup_open: bool,
    /// How many of the signed-in person's inbox entries are unread.
    #[serde(default)]
    pub unread: u64,
}

/// The signed-in person, if any.
#[server(prefix = "/fn", endpoint = "whoami", output = crate::api::codec::JsonAnswer)]
pub async fn whoami() -> Result<WhoAmI, AppError> {
    use crate::ssr::auth::request_auth;
    let store = crate::ssr::shared_store()?;
    let auth = request_auth();
    let me = application::account::whoami(store.as_ref(), auth.principal.as_ref(), auth.is_local())
        .await?;
    let unread = match auth.principal.as_ref() {
        Some(principal) => application::comments::unread(store.as_ref(), principal).await?,
        None => 0,
    };
    Ok(WhoAmI {
        unread,
        session: me.user.map(|user| SessionUser {
            user,
            demo: auth.demo,
        }),
        setup_open: me.setup_open,
    })
}

/// Signs in with email and password, then goes to `next` (a path on this site) or home.
#[server(prefix = "/fn", endpoint = "login", output = crate::api::codec::JsonAnswer)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::auth::request_auth;
    use application::access::{LoginLimiter, check_credentials};
    let store = crate::ssr::shared_store()?;
    let limiter = use_context::<std::sync::Arc<LoginLimiter>>().ok_or(AppError::Internal)?;
    let user = check_credentials(
        store.as_ref(),
        &limiter,
        request_auth().client_ip,
        &email,
        password,
        chrono::Utc::now(),
    )
    .await?;
    start_session(user.id, false).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session (deleted from the database, cookie cleared) and shows the sign-in page.
#[server(prefix = "/fn", endpoint = "logout", output = crate::api::codec::JsonAnswer)]
pub async fn logout() -> Result<(), AppError> {
    let session = session().await?;
    session.flush().await.map_err(|e| {
        tracing::error!(error = %e, "ending a session failed");
        AppError::Internal
    })?;
    if crate::ssr::auth::request_auth().demo
        && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(cookie) = http::HeaderValue::from_str(crate::ssr::auth::DEMO_OFF_COOKIE)
    {
        // Demo mode would sign the browser straight back in; this cookie says not to.
        options.append_header(http::header::SET_COOKIE, cookie);
    }
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

/// Makes the first account, an instance admin, and signs it in. Only while no account
/// exists, and only from this machine (loopback).
#[server(prefix = "/fn", endpoint = "setup", output = crate::api::codec::JsonAnswer)]
pub async fn setup_admin(email: String, name: String, password: String) -> Result<(), AppError> {
    use crate::ssr::auth::request_auth;
    let store = crate::ssr::shared_store()?;
    let new = domain::access::NewUser {
        email,
        name,
        password,
        instance_admin: true,
    };
    let local = request_auth().is_local();
    let user = application::account::set_up(store.as_ref(), local, new, chrono::Utc::now()).await?;
    start_session(user.id, false).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The query key the account page says a password was just changed with.
pub const PASSWORD_CHANGED: &str = "changed";

/// The account page, rendered on the server (see `render::account_html`). `changed` is the
/// page's [`PASSWORD_CHANGED`]; `error_path` and `error` are its `__path` and `__err`: what its
/// form came back with.
#[server(prefix = "/fn", endpoint = "get_account_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_account_html(
    changed: Option<String>,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use server_fn::ServerFn;
    let WhoAmI { session, .. } = whoami().await?;
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &[ChangePassword::PATH],
    );
    let changed = changed.is_some() && error.is_none();
    Ok(crate::api::RenderedPage {
        live: None,
        html: crate::render::account_html(session.as_ref(), changed, error),
        board_name: String::new(),
    })
}

/// Changes the signed-in person's password after checking the current one.
#[server(prefix = "/fn", endpoint = "change_password", output = crate::api::codec::JsonAnswer)]
pub async fn change_password(current: String, new_password: String) -> Result<(), AppError> {
    use crate::ssr::auth::current_principal;
    let store = crate::ssr::shared_store()?;
    let principal = current_principal()?;
    let id =
        application::account::change_password(store.as_ref(), &principal, current, new_password)
            .await?;
    // The use case ended every session of the account; this browser continues under a
    // fresh one.
    start_session(id, false).await?;
    crate::ssr::plain_form::back_after_success(&[PASSWORD_CHANGED], Some((PASSWORD_CHANGED, "1")));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            AppError::Internal
        })
}

/// Puts the user into the session under a new session id (no fixation).
#[cfg(feature = "ssr")]
pub(crate) async fn start_session(user: domain::UserId, demo: bool) -> Result<(), AppError> {
    use crate::ssr::auth::{SESSION_DEMO_KEY, SESSION_USER_KEY};
    let session = session().await?;
    let fail = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session store failed");
        AppError::Internal
    };
    session.cycle_id().await.map_err(fail)?;
    session.insert(SESSION_USER_KEY, user).await.map_err(fail)?;
    session.insert(SESSION_DEMO_KEY, demo).await.map_err(fail)?;
    Ok(())
}

/// `next` if it is a path on this site, else `/` (no open redirects).
#[cfg(feature = "ssr")]
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}
