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
use crate::components::ErrorPanel;

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
                    Ok(view) => Either::Left(view! {
                        <Title text=format!("Delivery · {}", view.board_name)/>
                        <div class="delivery-report" inner_html=view.html></div>
                    }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}

#[cfg(feature = "ssr")]
pub use report::delivery_view;

/// The dashboard itself, rendered on the server only.
#[cfg(feature = "ssr")]
mod report {
    use leptos::prelude::*;

    use crate::api::{DeliveryReport, DeliveryView};
    use crate::components::{FourKeysPanel, StaticHtml, ValueStreamView, short_time};
    use domain::delivery::DeploymentStatus;

    /// Renders the dashboard to HTML (see the module documentation).
    pub fn delivery_view(view: DeliveryReport) -> DeliveryView {
        DeliveryView {
            html: dashboard(&view).to_static_html(),
            board_name: view.board_name,
        }
    }

    fn dashboard(view: &DeliveryReport) -> impl IntoView + use<> {
        let keys = &view.delivery.four_keys;
        let (from, to) = (keys.from, keys.to);
        let selected = keys.service.clone().unwrap_or_default();
        let slug = view.slug.clone();
        let options = view
            .services
            .iter()
            .map(|s| view! { <option value=s.clone() selected=*s == selected>{s.clone()}</option> })
            .collect_view();
        let head = view! {
            <div class="board-head">
                <div>
                    <p class="crumbs"><a href=format!("/boards/{slug}")>{format!("← {}", view.board_name)}</a></p>
                    <h1>"Delivery"</h1>
                    <p class="lead">{format!(
                        "{} – {}, {} in production, compared with the {} days before",
                        from.format("%b %-d, %Y"), to.format("%b %-d, %Y"),
                        keys.service.clone().unwrap_or_else(|| "every service".into()),
                        (to - from).num_days() + 1
                    )}</p>
                </div>
                <form method="get" action=format!("/boards/{slug}/delivery") class="inline-form period-form" aria-label="Period and service">
                    <label>"From" <input type="date" name="from" value=from.to_string()/></label>
                    <label>"To" <input type="date" name="to" value=to.to_string()/></label>
                    <label>"Service"
                        <select name="service">
                            <option value="">"Every service"</option>
                            {options}
                        </select>
                    </label>
                    <button type="submit">"Show"</button>
                </form>
            </div>
        }
        .into_any();
        let keys = view! { <FourKeysPanel delivery=view.delivery.clone()/> }.into_any();
        let stream =
            view! { <ValueStreamView stream=view.delivery.value_stream.clone()/> }.into_any();
        let table = deployments_table(view).into_any();
        view! {
            <section class="retro-page delivery-page">
                {head}
                {keys}
                {stream}
                {table}
            </section>
        }
    }

    fn deployments_table(view: &DeliveryReport) -> impl IntoView + use<> {
        let rows = view
            .deployments
            .iter()
            .map(|d| {
                let failed =
                    d.status == DeploymentStatus::Failure || !d.caused_incidents.is_empty();
                let status = match (d.status, d.caused_incidents.len()) {
                    (DeploymentStatus::Failure, _) => "failed".to_owned(),
                    (DeploymentStatus::Success, 0) => "succeeded".to_owned(),
                    (DeploymentStatus::Success, n) => format!("caused {n} incident(s)"),
                };
                view! {
                    <tr class:failed=failed>
                        <td>{short_time(d.deployed_at)}</td>
                        <td>{d.service.clone()}</td>
                        <td>{d.version.clone()}</td>
                        <td>{status}</td>
                        <td>{d.commits.len()}</td>
                    </tr>
                }
            })
            .collect_view();
        let empty = view.deployments.is_empty().then(|| {
            view! {
                <p class="muted">
                    "No production deployment in this period. CI reports them with "
                    <code>"POST /api/v1/deployments"</code>" (see the README)."
                </p>
            }
        });
        view! {
            <section class="retro-section" data-section="deployments">
                <h2>"Deployments"</h2>
                {empty}
                <table class="data-table">
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Service"</th><th scope="col">"Version"</th>
                        <th scope="col">"Outcome"</th><th scope="col">"Commits"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    }
}
