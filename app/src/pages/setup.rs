//! `/setup`: the one-time form that makes the first account, an instance admin. It works only
//! while no account exists, and only from the server's own machine (the server checks both).

use crate::components::{FormAction, PostForm};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SetupAdmin, WhoAmI};
use crate::components::{ErrorPanel, mark_hydrated, use_auth};

/// `/setup`.
#[component]
pub fn SetupPage() -> impl IntoView {
    let auth = use_auth();
    let setup = FormAction::<SetupAdmin>::new();
    auth.refresh_after(move || setup.version().get());
    mark_hydrated();
    let error = move || {
        setup
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    view! {
        <Title text="Set up"/>
        <section class="auth-page">
            <div class="auth-card">
                <h1>"Set up Flowboard"</h1>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match auth.get().await {
                            Ok(WhoAmI { setup_open: true, .. }) => EitherOf3::A(view! {
                                <p class="lead">
                                    "No account exists yet. Make the first one: it is an instance admin, who manages accounts and every board."
                                </p>
                                {error}
                                <PostForm action=setup attr:class="stack-form" attr:aria-label="First admin">
                                    <label>
                                        "Email"
                                        <input name="email" type="email" required autocomplete="username" autocapitalize="none" spellcheck="false"/>
                                    </label>
                                    <label>
                                        "Name"
                                        <input name="name" maxlength="100" autocomplete="name" placeholder="Shown on cards and in histories"/>
                                    </label>
                                    <label>
                                        "Password (at least 10 characters)"
                                        <input name="password" type="password" required minlength="10" maxlength="256" autocomplete="new-password"/>
                                    </label>
                                    <button type="submit" class="primary">"Create admin and sign in"</button>
                                </PostForm>
                            }),
                            Ok(_) => EitherOf3::B(view! {
                                <p class="notice">
                                    "Flowboard is already set up: accounts exist, so this one-time form is closed. (It also only opens on the server's own machine.)"
                                </p>
                                <p><a class="button primary" href="/login">"Go to sign in"</a></p>
                            }),
                            Err(error) => EitherOf3::C(view! { <ErrorPanel error/> }),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}
