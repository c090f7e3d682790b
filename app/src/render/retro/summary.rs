//! The retrospective's key figures against the period before, the overrides and incidents
//! tables, and the Monte Carlo forecast panel.

use chrono::NaiveDate;
use domain::metrics::{FlowMetrics, Stats};
use leptos::either::Either;
use leptos::prelude::*;

use crate::api::{Forecast, RetroReport};
use crate::components::charts::scale::format_days;

/// Whether a higher number is good news.
#[derive(Clone, Copy, PartialEq)]
enum Better {
    Higher,
    Lower,
}

/// One figure with its value in the period before and whether it improved. Both are compared
/// as shown: a change that rounds away ("3.5 days" both times) is no change, drawn neutral
/// with "=", never an arrow in red or green.
#[component]
fn Figure(
    label: &'static str,
    now: Option<f64>,
    before: Option<f64>,
    better: Better,
    format: fn(f64) -> String,
) -> impl IntoView {
    let shown = now.map_or_else(|| "–".to_owned(), format);
    let (class, change) = match (now, before) {
        (Some(n), Some(b)) if format(n) != format(b) => {
            let good = (n > b) == (better == Better::Higher);
            let arrow = if n > b { "▲" } else { "▼" };
            (
                if good { "delta good" } else { "delta bad" },
                format!("{arrow} from {}", format(b)),
            )
        }
        (Some(_), Some(_)) => ("delta same", "= same as before".to_owned()),
        (_, Some(b)) => ("delta same", format!("was {}", format(b))),
        _ => ("delta same", "no earlier figure".to_owned()),
    };
    view! {
        <div class="figure">
            <dt>{label}</dt>
            <dd class="figure-value">{shown}</dd>
            <dd class=class>{change}</dd>
        </div>
    }
}

fn days(s: f64) -> String {
    format_days(s as i64)
}

fn count(n: f64) -> String {
    format!("{n:.0}")
}

fn one_decimal(n: f64) -> String {
    format!("{n:.1}")
}

fn percent(n: f64) -> String {
    format!("{:.0}%", n * 100.0)
}

fn seconds(s: Option<i64>) -> Option<f64> {
    s.map(|s| s as f64)
}

fn mean_wip(m: &FlowMetrics) -> Option<f64> {
    (!m.wip.is_empty())
        .then(|| m.wip.iter().map(|d| f64::from(d.count)).sum::<f64>() / m.wip.len() as f64)
}

/// The period's headline figures, each against the period before.
#[component]
pub fn KeyFigures(view: RetroReport) -> impl IntoView {
    let (m, p) = (&view.current, &view.previous);
    let overrides = |m: &FlowMetrics| Some(f64::from(m.overrides.values().sum::<u32>()));
    view! {
        <dl class="figures" aria-label="Key figures against the period before">
            <Figure label="Items finished" now=Some(f64::from(m.population)) before=Some(f64::from(p.population)) better=Better::Higher format=count/>
            <Figure label="Cycle time, 85%" now=seconds(m.cycle_time.p85_s) before=seconds(p.cycle_time.p85_s) better=Better::Lower format=days/>
            <Figure label="Lead time, median" now=seconds(m.lead_time.p50_s) before=seconds(p.lead_time.p50_s) better=Better::Lower format=days/>
            <Figure label="Mean WIP" now=mean_wip(m) before=mean_wip(p) better=Better::Lower format=one_decimal/>
            <Figure label="Flow efficiency" now=m.flow_efficiency before=p.flow_efficiency better=Better::Higher format=percent/>
            <Figure label="Tech-debt share" now=m.tech_debt_share.by_count before=p.tech_debt_share.by_count better=Better::Higher format=percent/>
            <Figure label="Incidents opened" now=Some(f64::from(m.incidents.created)) before=Some(f64::from(p.incidents.created)) better=Better::Lower format=count/>
            <Figure label="Time to restore, median" now=seconds(m.incidents.time_to_restore.p50_s) before=seconds(p.incidents.time_to_restore.p50_s) better=Better::Lower format=days/>
            <Figure label="Policy overrides" now=overrides(m) before=overrides(p) better=Better::Lower format=count/>
            <Figure label="Items discarded" now=Some(f64::from(m.discarded.count)) before=Some(f64::from(p.discarded.count)) better=Better::Lower format=count/>
        </dl>
    }
}

fn stat_cells(s: &Stats) -> impl IntoView + use<> {
    let cell = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), format_days);
    view! {
        <td data-label="Restored">{s.count}</td>
        <td data-label="Median">{cell(s.p50_s)}</td>
        <td data-label="85%">{cell(s.p85_s)}</td>
        <td data-label="Mean">{cell(s.mean_s)}</td>
    }
}

/// Overrides by rule and incidents with their time to restore, this period and the one before.
/// Each cell names its column (`data-label`) for the stacked layout phones get.
#[component]
pub fn PolicyAndIncidents(view: RetroReport) -> impl IntoView {
    let (m, p, slug) = (view.current, view.previous, view.slug);
    let mut rules: Vec<&String> = m.overrides.keys().chain(p.overrides.keys()).collect();
    rules.sort();
    rules.dedup();
    let rows = rules
        .into_iter()
        .map(|rule| {
            let name = rule.replace('_', " ");
            let now = m.overrides.get(rule).copied().unwrap_or(0);
            let before = p.overrides.get(rule).copied().unwrap_or(0);
            view! { <tr><th scope="row">{name}</th><td data-label="This period">{now}</td><td data-label="Before">{before}</td></tr> }
        })
        .collect_view();
    let none = (m.overrides.is_empty() && p.overrides.is_empty()).then(
        || view! { <p class="muted">"No WIP-limit or allocation override in either period."</p> },
    );
    view! {
        <section class="retro-section" data-section="overrides">
            <h2>"WIP-limit and allocation overrides"</h2>
            {none}
            <table class="data-table">
                <thead><tr><th scope="col">"Rule"</th><th scope="col">"This period"</th><th scope="col">"Before"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        <section class="retro-section" data-section="incidents">
            <h2>"Incidents and time to restore"</h2>
            <table class="data-table">
                <thead><tr>
                    <th scope="col">"Period"</th><th scope="col">"Opened"</th><th scope="col">"Restored"</th>
                    <th scope="col">"Median"</th><th scope="col">"85%"</th><th scope="col">"Mean"</th>
                </tr></thead>
                <tbody>
                    <tr><th scope="row">"This period"</th><td data-label="Opened">{m.incidents.created}</td>{stat_cells(&m.incidents.time_to_restore)}</tr>
                    <tr><th scope="row">"Before"</th><td data-label="Opened">{p.incidents.created}</td>{stat_cells(&p.incidents.time_to_restore)}</tr>
                </tbody>
            </table>
        </section>
        <section class="retro-section" data-section="discarded">
            <h2>"Discarded work"</h2>
            <p class="muted">
                "Cards taken off the board unfinished: left out of every figure above. "
                "Time spent runs from creation, committed time from commitment, to the discard. "
                <a href=format!("/boards/{slug}/discarded")>"See the discarded cards"</a>"."
            </p>
            <table class="data-table">
                <thead><tr>
                    <th scope="col">"Period"</th><th scope="col">"Discarded"</th><th scope="col">"After commitment"</th>
                    <th scope="col">"Spent, median"</th><th scope="col">"Committed, median"</th>
                </tr></thead>
                <tbody>
                    <tr><th scope="row">"This period"</th>{discarded_cells(&m.discarded)}</tr>
                    <tr><th scope="row">"Before"</th>{discarded_cells(&p.discarded)}</tr>
                </tbody>
            </table>
        </section>
    }
}

fn discarded_cells(d: &domain::metrics::Discarded) -> impl IntoView + use<> {
    let cell = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), format_days);
    view! {
        <td data-label="Discarded">{d.count}</td>
        <td data-label="After commitment">{d.after_commitment}</td>
        <td data-label="Spent, median">{cell(d.time_spent.p50_s)}</td>
        <td data-label="Committed, median">{cell(d.committed_time.p50_s)}</td>
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or_else(
        || "not within 10 years at this pace".to_owned(),
        |d| d.format("%a %b %-d, %Y").to_string(),
    )
}

/// The Monte Carlo forecast with the form that asks it other questions (a GET form: it
/// works without JavaScript and the answer has its own address).
#[component]
pub fn ForecastPanel(view: RetroReport) -> impl IntoView {
    let RetroReport {
        forecast,
        retro,
        slug,
        ..
    } = view;
    let (from, to) = (retro.from.to_string(), retro.to.to_string());
    let body = match forecast {
        Ok(Forecast { how_many, by, when }) => Either::Left(view! {
            <p class="forecast-line">
                {format!("By {}: ", by.format("%a %b %-d"))}
                <strong>{format!("{} or more items", how_many.p85)}</strong>
                {format!(" with 85% confidence ({} with 50%, {} with 95%).", how_many.p50, how_many.p95)}
            </p>
            <p class="forecast-line">
                {format!("{} items: ", when.forecast.items)}
                <strong>{format!("by {}", date(when.p85_date))}</strong>
                {format!(" with 85% confidence ({} with 50%, {} with 95%).", date(when.p50_date), date(when.p95_date))}
            </p>
            <p class="muted">{format!(
                "{} simulated futures, each drawing every day's throughput from this period's days.",
                how_many.trials
            )}</p>
        }),
        Err(why) => {
            Either::Right(view! { <p class="form-error">{format!("No forecast: {why}")}</p> })
        }
    };
    view! {
        <section class="retro-section forecast" data-section="forecast">
            <h2>"Forecast"</h2>
            {body}
            <form method="get" action=format!("/boards/{slug}/retro") class="inline-form">
                <input type="hidden" name="from" value=from/>
                <input type="hidden" name="to" value=to/>
                <label>"Items" <input type="number" name="items" min="1" max="10000" placeholder="10"/></label>
                <label>"By" <input type="date" name="by"/></label>
                <button type="submit">"Forecast"</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    fn figure(now: f64, before: f64) -> String {
        view! { <Figure label="Cycle time, 85%" now=Some(now) before=Some(before) better=Better::Lower format=days/> }
            .to_static_html()
    }

    #[test]
    fn equal_as_shown_is_unchanged_and_neutral() {
        // 3.5 days against 3.46 days: the raw values differ, the page shows the same figure.
        let html = figure(3.5 * 86_400.0, 3.46 * 86_400.0);
        assert!(html.contains(r#"class="delta same""#), "{html}");
        assert!(
            html.contains("= same as before") && !html.contains('▲'),
            "{html}"
        );
        // A change that shows is coloured by which way is better.
        let html = figure(4.0 * 86_400.0, 3.0 * 86_400.0);
        assert!(
            html.contains(r#"class="delta bad""#) && html.contains("▲ from 3.0 days"),
            "{html}"
        );
    }
}
