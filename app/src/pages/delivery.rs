//! The delivery dashboard of a board: DORA's four keys against the period before, the value
//! stream from the first column to production, and the deployments behind the numbers. The
//! view a team uses to find where work waits and how often changes hurt.
//!
//! The dashboard only shows numbers (its one form is a plain GET form), so the server renders
//! it to HTML ([`crate::render::delivery_view`]).

use leptos::prelude::*;

use super::{query_params, slug_param};
use crate::api::get_delivery;
use crate::components::RenderedView;

/// `/boards/:slug/delivery?from=&to=&service=`.
#[component]
pub fn DeliveryPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let page = Resource::new(
        move || (slug.get(), param("from"), param("to"), param("service")),
        |(slug, from, to, service)| get_delivery(slug, from, to, service),
    );
    view! {
        <RenderedView page title=|board| format!("Delivery · {board}")
            loading="Loading the delivery view…" class="delivery-report"/>
    }
}
