//! The delivery dashboard, rendered to HTML on the server only (see `crate::pages::DeliveryPage`).

use leptos::prelude::*;

use crate::api::{DeliveryReport, DeliveryView};
use crate::components::{FourKeysPanel, StaticHtml, ValueStreamView, short_time};
use domain::delivery::DeploymentStatus;

/// Renders the dashboard to HTML (see the module documentation).
pub fn delivery_view(view: DeliveryReport) -> DeliveryView {
    DeliveryView {
        live: None,
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
    let stream = view! { <ValueStreamView stream=view.delivery.value_stream.clone()/> }.into_any();
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

/// The period's deployments; each cell names its column (`data-label`) for the stacked
/// layout phones get, where the header row is hidden.
fn deployments_table(view: &DeliveryReport) -> impl IntoView + use<> {
    let rows = view
        .deployments
        .iter()
        .map(|d| {
            let failed = d.status == DeploymentStatus::Failure || !d.caused_incidents.is_empty();
            let status = match (d.status, d.caused_incidents.len()) {
                (DeploymentStatus::Failure, _) => "failed".to_owned(),
                (DeploymentStatus::Success, 0) => "succeeded".to_owned(),
                (DeploymentStatus::Success, n) => format!("caused {n} incident(s)"),
            };
            view! {
                <tr class:failed=failed>
                    <td data-label="When">{short_time(d.deployed_at)}</td>
                    <td data-label="Service">{d.service.clone()}</td>
                    <td data-label="Version">{d.version.clone()}</td>
                    <td data-label="Outcome">{status}</td>
                    <td data-label="Commits">{d.commits.len()}</td>
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
