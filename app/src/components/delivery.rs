//! DORA's four keys and the value stream, drawn from a [`Delivery`]: shared by the delivery
//! dashboard and the retrospective.

use domain::delivery::{Band, Delivery, Direction, KeyTrend, StreamColumn, ValueStream};
use leptos::prelude::*;

use crate::components::charts::scale::format_days;

fn band_badge(band: Option<Band>) -> impl IntoView {
    let (class, text) = match band {
        Some(Band::Elite) => ("band band-elite", "Elite"),
        Some(Band::High) => ("band band-high", "High"),
        Some(Band::Medium) => ("band band-medium", "Medium"),
        Some(Band::Low) => ("band band-low", "Low"),
        None => ("band band-none", "No data"),
    };
    view! { <span class=class>{text}</span> }
}

fn trend_line(trend: &KeyTrend, format: fn(f64) -> String) -> impl IntoView + use<> {
    let (class, text) = match (trend.direction, trend.previous) {
        (Some(Direction::Improved), Some(p)) => {
            ("delta good", format!("better than {}", format(p)))
        }
        (Some(Direction::Worsened), Some(p)) => ("delta bad", format!("worse than {}", format(p))),
        (Some(Direction::Unchanged), _) => ("delta same", "same as before".to_owned()),
        _ => ("delta same", "no earlier figure".to_owned()),
    };
    view! { <dd class=class>{text}</dd> }
}

fn per_day(n: f64) -> String {
    if n >= 1.0 {
        format!("{n:.1} a day")
    } else {
        format!("{:.1} a week", n * 7.0)
    }
}

fn days(s: f64) -> String {
    format_days(s as i64)
}

fn percent(n: f64) -> String {
    format!("{:.0}%", n * 100.0)
}

/// The four keys with their band and their trend against the window before.
#[component]
pub fn FourKeysPanel(delivery: Delivery) -> impl IntoView {
    let Delivery {
        four_keys: k,
        trend,
        ..
    } = delivery;
    let f = &k.deployment_frequency;
    let frequency = if f.deployments == 0 {
        "none".to_owned()
    } else {
        per_day(f.per_day)
    };
    let lead = k
        .lead_time
        .time
        .p50_s
        .map_or_else(|| "–".to_owned(), format_days);
    let lead_85 = k
        .lead_time
        .time
        .p85_s
        .map(|s| format!("85%: {}", format_days(s)));
    let cfr = k
        .change_failure_rate
        .rate
        .map_or_else(|| "–".to_owned(), percent);
    let restore = k
        .time_to_restore
        .incidents
        .p50_s
        .map_or_else(|| "–".to_owned(), format_days);
    view! {
        <dl class="figures four-keys" aria-label="DORA's four keys">
            <div class="figure" data-key="deployment_frequency">
                <dt>"Deployment frequency"</dt>
                <dd class="figure-value">{frequency}</dd>
                <dd>{band_badge(f.band)}{format!(" {} deployments", f.deployments)}</dd>
                {trend_line(&trend.deployment_frequency, per_day)}
            </div>
            <div class="figure" data-key="lead_time">
                <dt>"Lead time for changes"</dt>
                <dd class="figure-value">{lead}</dd>
                <dd>{band_badge(k.lead_time.band)}{lead_85.map(|t| format!(" {t}"))}</dd>
                {trend_line(&trend.lead_time, days)}
            </div>
            <div class="figure" data-key="change_failure_rate">
                <dt>"Change failure rate"</dt>
                <dd class="figure-value">{cfr}</dd>
                <dd>{band_badge(k.change_failure_rate.band)}{format!(
                    " {} of {} failed", k.change_failure_rate.failed, k.change_failure_rate.deployments
                )}</dd>
                {trend_line(&trend.change_failure_rate, percent)}
            </div>
            <div class="figure" data-key="time_to_restore">
                <dt>"Time to restore service"</dt>
                <dd class="figure-value">{restore}</dd>
                <dd>{band_badge(k.time_to_restore.band)}{format!(
                    " {} restored", k.time_to_restore.incidents.count
                )}</dd>
                {trend_line(&trend.time_to_restore, days)}
            </div>
        </dl>
    }
}

fn block(column: &StreamColumn) -> impl IntoView + use<> {
    let median = column
        .time_in_column
        .p50_s
        .map_or_else(|| "–".to_owned(), format_days);
    let active = column.active_share.unwrap_or(0.0);
    let rework = column
        .rework_rate
        .map(|r| format!("{:.0}% sent back", r * 100.0));
    view! {
        <li class=format!("stream-block kind-{}", column.kind.as_str()) data-column-id=column.column_id.to_string()>
            <strong>{column.name.clone()}</strong>
            <span class="stream-median">{median}</span>
            <span class="stream-bar" role="img"
                aria-label=format!("{:.0}% active, {:.0}% waiting", active * 100.0, (1.0 - active) * 100.0)>
                <span class="stream-active" style=format!("width: {:.1}%", active * 100.0)></span>
            </span>
            <span class="muted">{format!("{:.0}% active · {} cards", active * 100.0, column.visited)}</span>
            {rework.map(|r| view! { <span class="stream-rework">{r}</span> })}
        </li>
    }
}

/// Each column as a process block (median time, active against waiting, rework), then
/// deployment and production, with lead time against process time for the window.
#[component]
pub fn ValueStreamView(stream: ValueStream) -> impl IntoView {
    let blocks = stream.columns.iter().map(block).collect_view();
    let stages = stream
        .delivery
        .iter()
        .map(|stage| {
            let median = stage
                .commit_to_stage
                .p50_s
                .map_or_else(|| "–".to_owned(), format_days);
            view! {
                <li class="stream-block kind-delivery">
                    <strong>{stage.name.clone()}</strong>
                    <span class="stream-median">{median}</span>
                    <span class="muted">"from commit"</span>
                </li>
            }
        })
        .collect_view();
    let lead = stream
        .lead_time
        .p50_s
        .map_or_else(|| "–".to_owned(), format_days);
    let process = stream
        .process_time
        .p50_s
        .map_or_else(|| "–".to_owned(), format_days);
    let efficiency = stream
        .flow_efficiency
        .map_or_else(|| "–".to_owned(), percent);
    view! {
        <section class="retro-section value-stream" data-section="value-stream">
            <h2>"Value stream"</h2>
            <p class="muted">{format!(
                "{} cards finished. Median lead time {lead}, of which process time {process}; flow efficiency {efficiency}.",
                stream.population
            )}</p>
            <ol class="stream">{blocks}{stages}</ol>
        </section>
    }
}
