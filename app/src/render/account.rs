//! The account page, rendered to HTML on the server only (see `pages::AccountPage`): who is
//! signed in and a plain form to change the password, which posts and comes back to the page
//! (see `ssr::plain_form`) with or without JavaScript.

use domain::access::SessionUser;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::ChangePassword;
use crate::components::{StaticHtml, short_time};
use crate::error::AppError;

/// The page for `session` (nobody signed in: `None`); `changed` says the password was just
/// changed, `error` what the form came back with.
pub fn account_html(
    session: Option<&SessionUser>,
    changed: bool,
    error: Option<AppError>,
) -> String {
    page(session, changed, error).to_static_html()
}

fn page(
    session: Option<&SessionUser>,
    changed: bool,
    error: Option<AppError>,
) -> impl IntoView + use<> {
    let profile = match session {
        Some(SessionUser { user, demo }) => Either::Left(view! {
            <section class="panel">
                <h2>"Profile"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{user.name.clone()}</dd>
                    <dt>"Email"</dt>
                    <dd>{user.email.clone()}</dd>
                    <dt>"Instance role"</dt>
                    <dd>{if user.instance_admin { "Instance admin: manages accounts and every board" } else { "User: works on the boards they are a member of" }}</dd>
                    <dt>"Last sign-in"</dt>
                    <dd>{user.last_login_at.map(short_time).unwrap_or_else(|| "never".into())}</dd>
                </dl>
                {demo.then(|| view! {
                    <p class="help">
                        "This is the demo account that --demo signs this machine in as; nobody knows its password. Make real accounts under Users."
                    </p>
                })}
            </section>
        }),
        None => Either::Right(view! { <p class="empty">"Nobody is signed in."</p> }),
    };
    let outcome = match (changed, error) {
        (_, Some(e)) => Some(Either::Left(
            view! { <p class="form-error" role="alert">{e.user_message()}</p> },
        )),
        (true, None) => Some(Either::Right(view! {
            <p class="notice success" role="status">"Your password has been changed."</p>
        })),
        (false, None) => None,
    };
    view! {
        <section class="page account-page">
            <h1>"Your account"</h1>
            {profile}
            <section class="panel">
                <h2>"Change password"</h2>
                <form action=ChangePassword::url() method="post" class="stack-form" aria-label="Change password">
                    <label>
                        "Current password"
                        <input name="current" type="password" required autocomplete="current-password"/>
                    </label>
                    <label>
                        "New password (at least 10 characters)"
                        <input name="new_password" type="password" required minlength="10" maxlength="256" autocomplete="new-password"/>
                    </label>
                    <button type="submit" class="primary">"Change password"</button>
                </form>
                {outcome}
            </section>
        </section>
    }
}
