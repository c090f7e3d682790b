//! The "earlier cards" page of a board: its finished cards, newest first, a page at a time,
//! reached from "+ N earlier" in a Done cell. Only text and links, so the server renders it
//! to HTML (`render::finished_html`) and the page puts that in place with `inner_html`, which
//! hydration leaves alone (as the delivery page does).

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::slug_param;
use crate::api::get_finished;
use crate::components::{ErrorPanel, mark_hydrated};

/// `/boards/:slug/finished?lane=&page=`.
#[component]
pub fn FinishedPage() -> impl IntoView {
    let slug = slug_param();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || (slug.get(), param("lane"), param("page")),
        |(slug, lane, page)| get_finished(slug, lane, page),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the finished cards…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => Either::Left({
                        mark_hydrated();
                        view! {
                            <Title text=format!("Finished cards · {}", view.board_name)/>
                            <div class="finished-page" inner_html=view.html></div>
                        }
                    }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}
