//! Who is signed in: one `whoami` resource for the whole app, the guard around every page
//! that needs an account, and the signed-in part of the page chrome (user menu, demo banner).
//!
//! The server decides everything (the guard only spares people a page of 401 errors): a page
//! visit without a session renders `<Redirect>`, which the server turns into a 302 to
//! `/login?next=…` (routes render in `SsrMode::Async`, so headers are sent after the render).

use crate::components::{FormAction, PostForm};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::suspense::Unsuspend;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use super::{ErrorPanel, InboxLink, initials};
use crate::api::{Logout, WhoAmI, whoami};
use crate::error::AppError;

/// The server's answer to "who am I?", with the question it answers: a resource keeps its
/// last value while it loads again, and the guard must not act on an answer from before a
/// sign-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The resource's source when it was asked (see [`Auth::asked`]).
    asked: (u32, usize),
    /// What the server said.
    pub result: Result<WhoAmI, AppError>,
}

/// Who is signed in, shared through context by the top bar, the route guard and the pages.
#[derive(Clone, Copy)]
pub struct Auth {
    /// Who is signed in, read again after signing in or out. `.await` it inside `Suspend`
    /// (which waits for a reload to finish); the guard uses [`Auth::current`].
    pub whoami: Resource<Answer>,
    /// Signing out, from the top bar.
    pub logout: FormAction<Logout>,
    /// Bumped by pages whose actions change who is signed in (sign-in, set-up).
    generation: RwSignal<u32>,
}

impl Auth {
    /// Creates the resource and the sign-out action, and provides them to the app.
    pub fn provide() -> Self {
        let logout = FormAction::<Logout>::outside_router();
        let generation = RwSignal::new(0_u32);
        let whoami = Resource::new(
            move || (generation.get(), logout.version().get()),
            |asked| async move {
                Answer {
                    asked,
                    result: whoami().await,
                }
            },
        );
        let auth = Self {
            whoami,
            logout,
            generation,
        };
        provide_context(auth);
        auth
    }

    /// The question the resource answers now (tracked).
    fn asked(&self) -> (u32, usize) {
        (self.generation.get(), self.logout.version().get())
    }

    /// The answer to the current question, or `None` while it is on its way (tracked).
    pub fn current(&self) -> Option<Result<WhoAmI, AppError>> {
        let asked = self.asked();
        self.whoami
            .get()
            .filter(|answer| answer.asked == asked)
            .map(|answer| answer.result)
    }

    /// Waits for the answer to the current question (for `Suspend`).
    pub async fn get(&self) -> Result<WhoAmI, AppError> {
        self.whoami.await.result
    }

    /// Asks the server again who is signed in.
    pub fn refresh(&self) {
        self.generation.update(|n| *n = n.wrapping_add(1));
    }

    /// Asks again each time `version` (an action's version) moves on.
    ///
    /// A server function that signs in answers with a redirect, which the router follows one
    /// animation frame after the action finishes; this effect runs before that, so the guard
    /// of the next page waits for the fresh answer instead of bouncing back to `/login`.
    pub fn refresh_after(&self, version: impl Fn() -> usize + Send + Sync + 'static) {
        let auth = *self;
        Effect::watch(version, move |_, _, _| auth.refresh(), false);
    }
}

/// The app's [`Auth`].
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The parent route of every page that needs an account: shows the page to signed-in people
/// and sends everyone else to `/login?next=<here>` (or to `/setup` while no account exists).
///
/// Built like leptos_router's `ProtectedParentRoute`: the resource is read synchronously (so
/// the `<Transition>` waits for it during server rendering) and the page is built inside
/// `Unsuspend`, once, after the answer is in. Building the page inside an async `Suspend`
/// instead would build it (and fetch its data) again each time the suspense re-renders.
#[component]
pub fn RequireSignIn() -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let owner = Owner::current();
    let loading = || view! { <p class="loading">"Loading…"</p> };
    view! {
        <Transition fallback=loading>
            {move || {
                let current = auth.current();
                let owner = owner.clone();
                Unsuspend::new(move || match current {
                    None => loading().into_any(),
                    Some(Ok(WhoAmI { session: Some(_), .. })) => {
                        // The page belongs to the route's owner, not to this closure's, so
                        // the contexts it provides reach its children as usual.
                        let outlet = || view! { <Outlet/> }.into_any();
                        match owner {
                            Some(owner) => owner.with(outlet),
                            None => outlet(),
                        }
                    }
                    Some(Ok(WhoAmI { setup_open: true, .. })) => {
                        view! { <Redirect path="/setup"/> }.into_any()
                    }
                    Some(Ok(_)) => {
                        let path = location.pathname.get_untracked();
                        let search = location.search.get_untracked();
                        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                        view! { <Redirect path=login_path(&here)/> }.into_any()
                    }
                    Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                })
            }}
        </Transition>
    }
}

/// `/login`, remembering where to go afterwards (nothing to remember for the home page).
pub fn login_path(next: &str) -> String {
    if next.is_empty() || next == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", encode_query_value(next))
    }
}

/// Percent-encodes a query-string value (everything but RFC 3986's unreserved characters and
/// `/`, which keeps `next=/boards/x` readable).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Marks the document once the browser bundle has taken over the page (`<html
/// data-hydrated>`): browser tests wait for it before using forms whose result only the
/// hydrated page can show (a new token's secret). Pages call it from the component that holds
/// their forms, inside any `<Suspense>`, since suspended content hydrates after the rest; the
/// effect runs once that component is live. Does nothing on the server.
pub fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}

/// The signed-in person's name, their links and "Sign out"; "Sign in" when nobody is.
#[component]
pub fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.get().await {
                    Ok(WhoAmI { session: Some(session), unread, .. }) => {
                        let admin = session.user.instance_admin;
                        Either::Left(view! {
                            <nav class="usermenu" aria-label="Account">
                                <span class="user-name" title=session.user.email.clone()>
                                    <span class="avatar" aria-hidden="true">{initials(&session.user.name)}</span>
                                    <span class="user-name-text">{session.user.name.clone()}</span>
                                </span>
                                <InboxLink unread/>
                                <a href="/account">"Account"</a>
                                {admin.then(|| view! {
                                    <a href="/admin/users">"Users"</a>
                                    <a href="/admin/tokens">"Instance tokens"</a>
                                })}
                                <PostForm action=auth.logout attr:class="signout-form">
                                    <button type="submit" class="signout">"Sign out"</button>
                                </PostForm>
                            </nav>
                        })
                    }
                    _ => Either::Right(view! {
                        <nav class="usermenu" aria-label="Account">
                            <a href="/login">"Sign in"</a>
                        </nav>
                    }),
                }
            })}
        </Transition>
    }
}

/// Says plainly when demo mode signed this browser in, and why.
#[component]
pub fn DemoBanner() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let session = auth.get().await.ok().and_then(|w| w.session).filter(|s| s.demo)?;
                Some(view! {
                    // A landmark of its own (axe: region): every part of a page sits in one,
                    // so screen-reader users can skip it like the header or the page itself.
                    <aside class="demo-banner" aria-label="Demo mode">
                        <strong>"Demo mode: "</strong>
                        {format!(
                            "you are signed in automatically as {} because Flowboard runs with --demo on this machine.",
                            session.user.name
                        )}
                        " Sign out to use your own account."
                    </aside>
                })
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(login_path("/"), "/login");
        assert_eq!(
            login_path("/boards/platform"),
            "/login?next=/boards/platform"
        );
        assert_eq!(
            login_path("/boards/a b?x=1&y=2"),
            "/login?next=/boards/a%20b%3Fx%3D1%26y%3D2"
        );
    }
}
