//! A page the server renders whole ([`crate::api::RenderedPage`]): its HTML put in place with
//! `inner_html`, which hydration leaves alone, so none of its view is in the browser bundle.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{ErrorPanel, mark_hydrated};
use crate::api::RenderedPage;
use crate::error::AppError;

/// Shows `page` once loaded (`loading` until then), titled by `title` from the board's name,
/// in a `<div class=…>`; a failed load shows the error.
#[component]
pub fn RenderedView(
    page: Resource<Result<RenderedPage, AppError>>,
    /// The document title, from the board's name.
    title: fn(&str) -> String,
    /// What shows while the page loads.
    loading: &'static str,
    /// The class of the `<div>` around the page.
    class: &'static str,
) -> impl IntoView {
    view! {
        <Transition fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => Either::Left({
                        mark_hydrated();
                        view! {
                            <Title text=title(&page.board_name)/>
                            <div class=class inner_html=page.html></div>
                        }
                    }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}
