//! The delivery dashboard of a board: DORA's four keys against the period before, the value
//! stream from the first column to production, and the deployments behind the numbers. The
//! view a team uses to find where work waits and how often changes hurt.
//!
//! The dashboard only shows numbers (its one form is a plain GET form), so the server renders
//! it to HTML ([`delivery_view`]) and the page puts that in place with `inner_html`, which
//! hydration leaves alone: none of its code is in the browser bundle (issue 8).

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::slug_param;
use crate::api::get_delivery;
use crate::components::{ErrorPanel, mark_hydrated};

/// `/boards/:slug/delivery?from=&to=&service=`.
#[component]
pub fn DeliveryPage() -> impl IntoView {
    let slug = slug_param();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || (slug.get(), param("from"), param("to"), param("service")),
        |(slug, from, to, service)| get_delivery(slug, from, to, service),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the delivery view…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => Either::Left({
                        mark_hydrated();
                        view! {
                        <Title text=format!("Delivery · {}", view.board_name)/>
                        <div class="delivery-report" inner_html=view.html></div>
                    }}),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}
