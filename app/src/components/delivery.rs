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

/// A key against the window before, both written by `format`. The domain's direction says
/// which way is better; a change too small to show once rounded reads as no change, in the
/// neutral colour, so "3.5 days, worse than 3.5 days" never appears.
fn trend_line(trend: &KeyTrend, format: &dyn Fn(f64) -> String) -> impl IntoView + use<> {
    let shown = |v: Option<f64>| v.map(format);
    let (class, text) = match (trend.direction, shown(trend.current), shown(trend.previous)) {
        (Some(_), Some(now), Some(before)) if now == before => {
            ("delta same", format!("= same as before ({before})"))
        }
        (Some(Direction::Improved), _, Some(p)) => ("delta good", format!("better than {p}")),
        (Some(Direction::Worsened), _, Some(p)) => ("delta bad", format!("worse than {p}")),
        (Some(Direction::Unchanged), _, _) => ("delta same", "= same as before".to_owned()),
        _ => ("delta same", "no earlier figure".to_owned()),
    };
    view! { <dd class=class>{text}</dd> }
}

/// How a deployment frequency given per week is written: per day when the window's own
/// frequency is at least one a day, else per week. The unit is picked once, from this
/// window, and the window before is written in the same unit, so the two compare.
fn frequency_format(per_day_now: f64) -> impl Fn(f64) -> String {
    let daily = per_day_now >= 1.0;
    move |per_week| {
        if daily {
            format!("{:.1} a day", per_week / 7.0)
        } else {
            format!("{per_week:.1} a week")
        }
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
    let per_week = frequency_format(f.per_day);
    let frequency = if f.deployments == 0 {
        "none".to_owned()
    } else {
        per_week(f.per_week)
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
                {trend_line(&trend.deployment_frequency, &per_week)}
            </div>
            <div class="figure" data-key="lead_time">
                <dt>"Lead time for changes"</dt>
                <dd class="figure-value">{lead}</dd>
                <dd>{band_badge(k.lead_time.band)}{lead_85.map(|t| format!(" {t}"))}</dd>
                {trend_line(&trend.lead_time, &days)}
            </div>
            <div class="figure" data-key="change_failure_rate">
                <dt>"Change failure rate"</dt>
                <dd class="figure-value">{cfr}</dd>
                <dd>{band_badge(k.change_failure_rate.band)}{format!(
                    " {} of {} failed", k.change_failure_rate.failed, k.change_failure_rate.deployments
                )}</dd>
                {trend_line(&trend.change_failure_rate, &percent)}
            </div>
            <div class="figure" data-key="time_to_restore">
                <dt>"Time to restore service"</dt>
                <dd class="figure-value">{restore}</dd>
                <dd>{band_badge(k.time_to_restore.band)}{format!(
                    " {} restored", k.time_to_restore.incidents.count
                )}</dd>
                {trend_line(&trend.time_to_restore, &days)}
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
    let activity = stream
        .activity_ratio
        .map_or_else(|| "–".to_owned(), percent);
    view! {
        <section class="retro-section value-stream" data-section="value-stream">
            <h2>"Value stream"</h2>
            <p class="muted">{format!(
                "{} cards finished. Median lead time {lead}, of which process time {process}; activity ratio {activity} (process over lead time from the request; flow efficiency, from commitment, is on the retrospective).",
                stream.population
            )}</p>
            <ol class="stream">{blocks}{stages}</ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    fn trend(current: f64, previous: f64, direction: Direction) -> KeyTrend {
        KeyTrend {
            current: Some(current),
            previous: Some(previous),
            delta: Some(current - previous),
            direction: Some(direction),
        }
    }

    #[test]
    fn a_change_that_rounds_away_is_no_change() {
        // 3.50 and 3.54 days both show as "3.5 days": neutral, no "worse".
        let html = trend_line(
            &trend(3.54 * 86_400.0, 3.5 * 86_400.0, Direction::Worsened),
            &days,
        )
        .to_static_html();
        assert!(html.contains(r#"class="delta same""#), "{html}");
        assert!(html.contains("= same as before"), "{html}");
        assert!(!html.contains("worse"), "{html}");
        let html = trend_line(&trend(0.2, 0.1, Direction::Worsened), &percent).to_static_html();
        assert!(
            html.contains(r#"class="delta bad""#) && html.contains("worse than 10%"),
            "{html}"
        );
    }

    #[test]
    fn both_frequencies_are_written_in_this_windows_unit() {
        // 1.5 a day now, 13 a week (1.9 a day) before: compared per day, not "13.0 a day".
        let per_week = frequency_format(1.5);
        let html = trend_line(&trend(10.5, 13.0, Direction::Worsened), &per_week).to_static_html();
        assert!(html.contains("worse than 1.9 a day"), "{html}");
        // Below one a day, both per week.
        let per_week = frequency_format(0.5);
        assert_eq!(per_week(3.5), "3.5 a week");
        let html = trend_line(&trend(3.5, 13.0, Direction::Worsened), &per_week).to_static_html();
        assert!(html.contains("worse than 13.0 a week"), "{html}");
    }
}
