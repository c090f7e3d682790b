//! `/account`: who you are signed in as, and changing your password.

use crate::components::{FormAction, PostForm};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{ChangePassword, WhoAmI};
use crate::components::{ErrorPanel, mark_hydrated, short_time, use_auth};

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    let change = FormAction::<ChangePassword>::new();
    mark_hydrated();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Ok(())))
            && let Some(form) = form_ref.get()
        {
            form.reset();
        }
    });
    let outcome = move || {
        change.value().get().map(|result| match result {
            Ok(()) => Either::Left(view! { <p class="notice success" role="status">"Your password has been changed."</p> }),
            Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.user_message()}</p> }),
        })
    };
    view! {
        <Title text="Account"/>
        <section class="page account-page">
            <h1>"Your account"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match auth.get().await {
                        Ok(WhoAmI { session: Some(session), .. }) => {
                            let user = session.user;
                            EitherOf3::A(view! {
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
                                    {session.demo.then(|| view! {
                                        <p class="help">
                                            "This is the demo account that --demo signs this machine in as; nobody knows its password. Make real accounts under Users."
                                        </p>
                                    })}
                                </section>
                            })
                        }
                        Ok(_) => EitherOf3::B(view! { <p class="empty">"Nobody is signed in."</p> }),
                        Err(error) => EitherOf3::C(view! { <ErrorPanel error/> }),
                    }
                })}
            </Transition>
            <section class="panel">
                <h2>"Change password"</h2>
                <PostForm action=change node_ref=form_ref attr:class="stack-form" attr:aria-label="Change password">
                    <label>
                        "Current password"
                        <input name="current" type="password" required autocomplete="current-password"/>
                    </label>
                    <label>
                        "New password (at least 10 characters)"
                        <input name="new_password" type="password" required minlength="10" maxlength="256" autocomplete="new-password"/>
                    </label>
                    <button type="submit" class="primary">"Change password"</button>
                </PostForm>
                {outcome}
            </section>
        </section>
    }
}
