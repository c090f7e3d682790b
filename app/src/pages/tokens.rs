//! API tokens: `/admin/tokens` for instance-wide ones (instance admins) and
//! `/boards/:slug/tokens` for one board's (board admins).

use domain::access::Role;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::slug_param;
use crate::api::list_members;
use crate::components::{ErrorPanel, TokenManager, TokenState, use_auth};

/// `/admin/tokens`: tokens that work on every board.
#[component]
pub fn InstanceTokensPage() -> impl IntoView {
    let auth = use_auth();
    let state = TokenState::new(Signal::stored(None));
    view! {
        <Title text="Instance tokens"/>
        <section class="page tokens-page">
            <h1>"Instance tokens"</h1>
            <p class="help">
                "These tokens work on every board, for integrations that serve several teams. A token bound to one board is safer: board admins make those on the board's Tokens page."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let admin = auth
                        .get()
                        .await
                        .ok()
                        .and_then(|w| w.session)
                        .is_some_and(|s| s.user.instance_admin);
                    if admin {
                        Either::Left(view! { <TokenManager state/> })
                    } else {
                        Either::Right(view! { <p class="empty">"Only instance admins manage instance-wide tokens."</p> })
                    }
                })}
            </Transition>
        </section>
    }
}

/// `/boards/:slug/tokens`: tokens bound to one board.
#[component]
pub fn BoardTokensPage() -> impl IntoView {
    let slug = slug_param();
    // The board's name for the heading, and the viewer's role on it.
    let board = Resource::new(move || slug.get(), list_members);
    let state = TokenState::new(Signal::derive(move || Some(slug.get())));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let slug = slug.get_untracked();
                match board.await {
                    Ok(page) => {
                        let name = page.board_name;
                        let body = if page.role >= Role::Admin {
                            Either::Left(view! { <TokenManager state/> })
                        } else {
                            Either::Right(view! {
                                <p class="empty">"Only board admins manage this board's API tokens."</p>
                            })
                        };
                        Either::Left(view! {
                            <Title text=format!("Tokens · {name}")/>
                            <section class="page tokens-page">
                                <nav class="crumbs" aria-label="Breadcrumb">
                                    <a href=format!("/boards/{slug}")>{name.clone()}</a>
                                    " / API tokens"
                                </nav>
                                <h1>"API tokens"</h1>
                                <p class="help">
                                    "Tokens let monitoring, CI pipelines and scripts use this board's API with "
                                    <code>"Authorization: Bearer …"</code>
                                    ". They work on this board only."
                                </p>
                                {body}
                            </section>
                        })
                    }
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}
