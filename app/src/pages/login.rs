//! `/login`: sign in with email and password, then go back where the guard came from.
//!
//! Nothing here redirects, so the page cannot loop: when someone is signed in already (demo
//! mode signs loopback visitors in) it says so and offers the way on, and the form still lets
//! them sign in as someone else.

use crate::components::{FormAction, PostForm};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{Login, WhoAmI};
use crate::components::{mark_hydrated, use_auth};

/// `/login?next=/boards/x&signed_out=1`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let login = FormAction::<Login>::new();
    auth.refresh_after(move || login.version().get());
    mark_hydrated();
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    let status = move || {
        Suspend::new(async move {
            match auth.get().await {
                Ok(WhoAmI {
                    session: Some(session),
                    ..
                }) => {
                    let next = next();
                    let href = if next.starts_with('/') && !next.starts_with("//") {
                        next
                    } else {
                        "/".to_owned()
                    };
                    Some(Either::Left(view! {
                        <p class="notice">
                            {format!("You are signed in as {}. ", session.user.name)}
                            <a href=href>"Continue"</a>
                            " or sign in as someone else below."
                        </p>
                    }))
                }
                Ok(WhoAmI {
                    setup_open: true, ..
                }) => Some(Either::Right(view! {
                    <p class="notice">
                        "Flowboard has no accounts yet. "
                        <a href="/setup">"Create the first admin"</a>
                    </p>
                })),
                _ => None,
            }
        })
    };
    view! {
        <Title text="Sign in"/>
        <section class="auth-page">
            <div class="auth-card">
                <h1>"Sign in to Flowboard"</h1>
                {move || {
                    signed_out()
                        .then(|| view! { <p class="notice success" role="status">"You have signed out."</p> })
                }}
                <Transition fallback=|| ()>{status}</Transition>
                {error}
                <PostForm action=login attr:class="stack-form" attr:aria-label="Sign in">
                    <input type="hidden" name="next" value=next/>
                    <label>
                        "Email"
                        <input name="email" type="email" required autocomplete="username" autocapitalize="none" spellcheck="false"/>
                    </label>
                    <label>
                        "Password"
                        <input name="password" type="password" required autocomplete="current-password"/>
                    </label>
                    <button type="submit" class="primary">"Sign in"</button>
                </PostForm>
                <p class="help small">"No account, or forgot your password? Ask your Flowboard admin."</p>
            </div>
        </section>
    }
}
