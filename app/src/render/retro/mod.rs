//! The retrospective (flow charts, key figures, policy and incidents, the forecast, and the
//! team's notes and action items with their plain forms), rendered to HTML on the server;
//! the page only puts it in place (see `crate::pages::RetroPage`).

mod charts;
mod notes;
mod summary;

use leptos::prelude::*;

use crate::api::RenderedPage;
use crate::error::AppError;

pub use notes::PATHS;

/// Renders the retrospective to HTML (see the module documentation), with the refusal a
/// form came back with.
pub fn retro_view(report: crate::api::RetroReport, error: Option<AppError>) -> RenderedPage {
    use crate::components::{FourKeysPanel, StaticHtml};
    use charts::FlowCharts;
    use summary::{ForecastPanel, KeyFigures, PolicyAndIncidents};

    let (from, to) = (report.retro.from, report.retro.to);
    let (prev_from, prev_to) = (report.previous.from, report.previous.to);
    let slug = report.slug.clone();
    let label_name = report
        .label
        .and_then(|id| report.labels.iter().find(|l| l.id == id))
        .map(|l| l.name.clone());
    let whose = report
        .assignee
        .map(|id| format!("&assignee={id}"))
        .into_iter()
        .chain(
            label_name
                .as_ref()
                .map(|name| format!("&label={}", crate::components::query_value(name))),
        )
        .collect::<String>();
    let csv = format!("/api/v1/boards/{slug}/metrics.csv?from={from}&to={to}{whose}");
    let narrowed = report
        .assignee
        .map(|id| {
            format!(
                " · {}'s cards only",
                crate::components::person_name(&report.people, id)
            )
        })
        .into_iter()
        .chain(
            label_name
                .as_ref()
                .map(|name| format!(" · labelled {name}")),
        )
        .collect::<String>();
    let labels = (!report.labels.is_empty()).then(|| {
        let options = report
            .labels
            .iter()
            .map(|l| {
                let chosen = Some(l.id) == report.label;
                view! { <option value=l.name.clone() selected=chosen>{l.name.clone()}</option> }
            })
            .collect_view();
        view! {
            <label>
                "Label"
                <select name="label">
                    <option value="">"Any"</option>
                    {options}
                </select>
            </label>
        }
    });
    let people = report
        .people
        .iter()
        .map(|p| {
            let chosen = Some(p.id) == report.assignee;
            view! { <option value=p.id.to_string() selected=chosen>{p.name.clone()}</option> }
        })
        .collect_view();
    // Each part is type-erased: one view type for the whole page overflows the compiler.
    let head = view! {
        <div class="board-head">
            <div>
                <p class="crumbs"><a href=format!("/boards/{slug}")>{format!("← {}", report.board_name)}</a></p>
                <h1>"Retrospective"</h1>
                <p class="lead">{format!(
                    "{} – {}, compared with {} – {}",
                    from.format("%b %-d, %Y"), to.format("%b %-d, %Y"),
                    prev_from.format("%b %-d"), prev_to.format("%b %-d")
                )}{narrowed}</p>
            </div>
            <form method="get" action=format!("/boards/{slug}/retro") class="inline-form period-form" aria-label="Period">
                <label>"From" <input type="date" name="from" value=from.to_string()/></label>
                <label>"To" <input type="date" name="to" value=to.to_string()/></label>
                <label>
                    "Whose cards"
                    <select name="assignee">
                        <option value="">"Everyone's"</option>
                        {people}
                    </select>
                </label>
                {labels}
                <button type="submit">"Show"</button>
                <a class="button" href=csv download>"Throughput CSV"</a>
            </form>
        </div>
    }
    .into_any();
    let figures = view! { <KeyFigures view=report.clone()/> }.into_any();
    let charts = view! { <FlowCharts view=report.clone()/> }.into_any();
    let delivery = view! {
        <section class="retro-section" data-section="delivery">
            <h2>"Delivery: DORA's four keys"</h2>
            <FourKeysPanel delivery=report.delivery.clone()/>
            <p><a href=format!("/boards/{slug}/delivery?from={from}&to={to}")>"Value stream and deployments →"</a></p>
        </section>
    }
    .into_any();
    let tables = view! { <PolicyAndIncidents view=report.clone()/> }.into_any();
    let forecast = view! { <ForecastPanel view=report.clone()/> }.into_any();
    let can_write = report.role >= domain::access::Role::Member;
    let notes = view! {
        <notes::NotesAndActions retro=report.retro slug=report.slug can_write error/>
    }
    .into_any();
    let html = view! {
        <section class="retro-page">
            <div class="retro-report">{head}{figures}{charts}{delivery}</div>
            <div class="retro-columns">
                <div>{tables}{forecast}</div>
                <div>{notes}</div>
            </div>
        </section>
    }
    .to_static_html();
    RenderedPage {
        board_name: report.board_name,
        html,
        live: None,
    }
}
