//! Throughput run chart: cards finished per day, stacked by type, with the mean as a line so
//! a run of slow days stands out against the usual pace.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::scale::{Linear, date_label, date_ticks, nice_ticks_min_step, number_label};
use super::{Key, Kind, Marks, Plot, figure, legend, px, x_axis, y_axis};

/// Cards finished on one day, by type.
#[derive(Clone, Debug, PartialEq)]
pub struct ThroughputDay {
    pub date: NaiveDate,
    pub feature: u32,
    pub incident: u32,
    pub tech_debt: u32,
}

impl ThroughputDay {
    /// The count for one type.
    fn count(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Feature => self.feature,
            Kind::Incident => self.incident,
            Kind::TechDebt => self.tech_debt,
        }
    }

    /// All cards finished that day.
    fn total(&self) -> u32 {
        self.feature + self.incident + self.tech_debt
    }
}

const HEIGHT: f64 = 280.0;

/// The run chart, one stacked bar per day (days without cards included, as zero).
#[component]
pub fn ThroughputRun(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// One entry per day, oldest first.
    days: Vec<ThroughputDay>,
) -> impl IntoView {
    let mut keys: Vec<Key> = Kind::ALL
        .into_iter()
        .map(|k| Key {
            label: k.label().to_owned(),
            class: k.class(),
        })
        .collect();
    keys.push(Key {
        label: "Mean per day".to_owned(),
        class: "swatch-mean".to_owned(),
    });
    let body = if days.iter().all(|d| d.total() == 0) {
        Err("No cards finished in this period")
    } else {
        Ok(chart(days))
    };
    figure(
        "throughput",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Picture,
    )
}

/// The SVG body: axes, a bar per day (feature at the bottom), then the mean line.
fn chart(days: Vec<ThroughputDay>) -> (f64, AnyView) {
    let plot = Plot::new(HEIGHT, 44.0, 72.0);
    let first = days.iter().map(|d| d.date).min().unwrap_or(NaiveDate::MIN);
    let last = days.iter().map(|d| d.date).max().unwrap_or(first);
    // One slot per calendar day, so a missing day leaves a gap instead of shifting the rest.
    let slots = (last - first).num_days() + 1;
    let slot = (plot.right - plot.left) / slots as f64;
    let slot_x = |date: NaiveDate| plot.left + slot * (date - first).num_days() as f64;
    let bar_width = (slot * 0.7).max(1.0);

    let max = days.iter().map(ThroughputDay::total).max().unwrap_or(0);
    let mean = f64::from(days.iter().map(ThroughputDay::total).sum::<u32>()) / slots as f64;
    let ticks = nice_ticks_min_step(0.0, f64::from(max), 1.0);
    let top = ticks.last().copied().unwrap_or(1.0);
    let y = Linear::new((0.0, top), (plot.bottom, plot.top));

    let y_ticks = ticks
        .iter()
        .map(|t| (y.map(*t), number_label(*t)))
        .collect();
    let x_ticks = date_ticks(first, last)
        .into_iter()
        .map(|d| (slot_x(d) + slot / 2.0, date_label(d)))
        .collect();
    let bars = days
        .into_iter()
        .filter(|d| d.total() > 0)
        .map(|day| {
            let x = px(slot_x(day.date) + (slot - bar_width) / 2.0);
            let mut below = 0;
            let segments = Kind::ALL
                .into_iter()
                .filter(|k| day.count(*k) > 0)
                .map(|kind| {
                    let count = day.count(kind);
                    let (y0, y1) = (y.map(f64::from(below)), y.map(f64::from(below + count)));
                    below += count;
                    let tip = format!("{}: {count} {}", date_label(day.date), kind.label());
                    view! {
                        <rect class=format!("bar {}", kind.class()) x=x.clone() y=px(y1) width=px(bar_width) height=px(y0 - y1)>
                            <title>{tip}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! { <g class="day">{segments}</g> }
        })
        .collect_view();
    let mean_y = y.map(mean);
    let svg = view! {
        <g>
            {y_axis(plot, y_ticks, "cards finished")}
            {x_axis(plot, x_ticks, "date")}
            <g class="bars">{bars}</g>
            <g class="mean">
                <line class="mean-line" x1=px(plot.left) x2=px(plot.right) y1=px(mean_y) y2=px(mean_y)/>
                <text class="mean-label" x=px(plot.right + 4.0) y=px(mean_y + 3.5)>
                    {format!("mean {mean:.1}")}
                </text>
            </g>
        </g>
    };
    (HEIGHT, svg.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    fn day(d: u32, feature: u32, incident: u32, tech_debt: u32) -> ThroughputDay {
        let date = NaiveDate::from_ymd_opt(2026, 3, d).expect("valid date");
        ThroughputDay {
            date,
            feature,
            incident,
            tech_debt,
        }
    }

    #[test]
    fn renders_stacked_bars_and_the_mean() {
        let days = vec![day(2, 2, 1, 0), day(3, 0, 0, 0), day(4, 1, 0, 2)];
        let html = view! {
            <ThroughputRun title="Throughput <script>".to_owned() reading="2 a day".to_owned() days/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="throughput""#), "{html}");
        // Four non-zero segments: 2 features + 1 incident, then 1 feature + 2 tech debt.
        assert_eq!(html.matches("<rect").count(), 4, "{html}");
        assert!(html.contains("<title>Mar 2: 2 Feature</title>"), "{html}");
        assert!(html.contains("<title>Mar 4: 2 Tech debt</title>"), "{html}");
        assert!(
            html.contains("mean 2.0") && html.contains(">cards finished<"),
            "{html}"
        );
        assert!(
            html.contains("Throughput &lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
    }

    #[test]
    fn shows_the_empty_state_without_cards() {
        let html = view! {
            <ThroughputRun title="Throughput".to_owned() reading=String::new() days=vec![day(2, 0, 0, 0)]/>
        }
        .to_static_html();
        assert!(html.contains("No cards finished in this period"), "{html}");
        assert!(!html.contains("<rect"), "{html}");
    }
}
