//! Cycle-time scatterplot: one dot per finished card, when it finished against how long it
//! took, with the percentile lines teams forecast from ("85% of cards finish within 6 days").

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;

use super::scale::{
    DAY, Linear, date_label, date_ticks, duration_label, duration_ticks, format_days,
};
use super::{
    Key, Kind, Marks, Percentiles, Plot, figure, legend, percentile_lines, px, x_axis, y_axis,
};

/// A finished card.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterPoint {
    /// When it reached a done column.
    pub completed: DateTime<Utc>,
    /// Its cycle time in seconds.
    pub seconds: i64,
    /// Its number and title, for the tooltip.
    pub label: String,
    /// Its page, so a dot that stands out can be opened.
    pub href: String,
    /// Its type, which colours the dot.
    pub kind: Kind,
}

const HEIGHT: f64 = 320.0;

/// The scatterplot, with dashed lines at the 50th, 85th and 95th percentiles.
#[component]
pub fn CycleScatter(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// The finished cards.
    points: Vec<ScatterPoint>,
    /// Cycle-time percentiles of the same cards.
    #[prop(optional)]
    percentiles: Percentiles,
) -> impl IntoView {
    let keys = Kind::ALL
        .into_iter()
        .filter(|k| points.iter().any(|p| p.kind == *k))
        .map(|k| Key {
            label: k.label().to_owned(),
            class: k.class(),
        })
        .collect();
    let body = if points.is_empty() {
        Err("No cards finished in this period")
    } else {
        Ok(chart(points, percentiles))
    };
    figure(
        "scatter",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Links,
    )
}

/// The SVG body: axes, percentile lines, then the dots on top so they stay clickable.
fn chart(points: Vec<ScatterPoint>, percentiles: Percentiles) -> (f64, AnyView) {
    let plot = Plot::new(HEIGHT, 52.0, 72.0);
    let day_of = |p: &ScatterPoint| p.completed.date_naive();
    let first = points.iter().map(day_of).min().unwrap_or(NaiveDate::MIN);
    let last = points.iter().map(day_of).max().unwrap_or(first);
    let start = first.and_time(chrono::NaiveTime::MIN).and_utc();
    // The axis runs to the end of the last day, so its dots sit inside the plot.
    let x = Linear::new(
        (0.0, ((last - first).num_days() + 1) as f64),
        (plot.left, plot.right),
    );
    let x_of = |at: DateTime<Utc>| x.map((at - start).num_seconds() as f64 / DAY as f64);

    let longest = points.iter().map(|p| p.seconds).max().unwrap_or(0);
    let (ticks, unit) = duration_ticks(longest.max(percentiles.max()));
    let top = ticks.last().copied().unwrap_or(DAY);
    let y = Linear::new((0.0, top as f64), (plot.bottom, plot.top));

    let y_ticks = ticks
        .iter()
        .map(|t| (y.map(*t as f64), duration_label(*t, unit)))
        .collect();
    let x_ticks = date_ticks(first, last)
        .into_iter()
        .map(|d| (x.map((d - first).num_days() as f64), date_label(d)))
        .collect();
    let dots = points
        .into_iter()
        .map(|p| {
            let tip = format!(
                "{}\nCycle time {} · finished {}",
                p.label,
                format_days(p.seconds),
                date_label(day_of(&p))
            );
            view! {
                <a href=p.href class="dot-link">
                    <title>{tip}</title>
                    <circle
                        class=format!("dot {}", p.kind.class())
                        cx=px(x_of(p.completed))
                        cy=px(y.map(p.seconds.max(0) as f64))
                        r="4"
                    />
                </a>
            }
        })
        .collect_view();
    let svg = view! {
        <g>
            {y_axis(plot, y_ticks, "cycle time")}
            {x_axis(plot, x_ticks, "date finished")}
            <g class="percentiles">{percentile_lines(plot, y, percentiles)}</g>
            <g class="dots">{dots}</g>
        </g>
    };
    (HEIGHT, svg.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;
    use chrono::TimeZone;

    fn point(day: u32, hours: i64, label: &str, kind: Kind) -> ScatterPoint {
        ScatterPoint {
            completed: Utc
                .with_ymd_and_hms(2026, 3, day, 15, 0, 0)
                .single()
                .expect("valid time"),
            seconds: hours * 3600,
            label: label.to_owned(),
            href: format!("/boards/web/cards/{day}"),
            kind,
        }
    }

    #[test]
    fn renders_a_linked_dot_per_card_and_the_percentiles() {
        let points = vec![
            point(2, 36, "#2 Login page", Kind::Feature),
            point(3, 80, "#3 <script>alert(1)</script>", Kind::Incident),
            point(5, 150, "#5 Upgrade", Kind::TechDebt),
        ];
        let percentiles = Percentiles {
            p50: Some(80 * 3600),
            p85: Some(140 * 3600),
            p95: None,
        };
        let html = view! {
            <CycleScatter title="Cycle time".to_owned() reading="85% within 5.8 days".to_owned() points percentiles/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="scatter""#), "{html}");
        assert_eq!(html.matches("<circle").count(), 3, "{html}");
        for n in [2, 3, 5] {
            assert!(
                html.contains(&format!(r#"href="/boards/web/cards/{n}""#)),
                "{html}"
            );
        }
        assert!(
            html.contains("<title>#2 Login page\nCycle time 1.5 days · finished Mar 2</title>"),
            "{html}"
        );
        assert!(
            html.contains("50% 3.3 d") && html.contains("85% 5.8 d"),
            "{html}"
        );
        assert!(!html.contains("95%"), "{html}");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(html.contains(r#"class="dot type-incident""#), "{html}");
        assert!(
            html.contains(r#"aria-label="Cycle time. 85% within 5.8 days""#),
            "{html}"
        );
        // The dots are links: a group, not an image whose children nobody can reach.
        assert!(
            html.contains(r#"role="group""#) && !html.contains(r#"role="img""#),
            "{html}"
        );
    }

    #[test]
    fn shows_the_empty_state_without_cards() {
        let html = view! {
            <CycleScatter title="Cycle time".to_owned() reading=String::new() points=vec![]/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="scatter""#), "{html}");
        assert!(html.contains("No cards finished in this period"), "{html}");
        assert!(!html.contains("<circle"), "{html}");
    }
}
