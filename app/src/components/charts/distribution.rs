//! Flow distribution: the share of finished cards of each type as one 100% bar, with the
//! board's tech-debt target marked, so "are we paying down debt as agreed?" is one glance.

use leptos::prelude::*;

use super::scale::Linear;
use super::{Key, Kind, Marks, Plot, WIDTH, figure, legend, px, x_axis};

const HEIGHT: f64 = 110.0;
const BAR_TOP: f64 = 22.0;
const BAR_HEIGHT: f64 = 30.0;
/// Segments narrower than this share get no percentage inside; the legend still has it.
const MIN_LABELLED_SHARE: f64 = 0.08;

/// A count as a whole percentage of `total` (which is not zero).
fn percent(count: u32, total: u32) -> String {
    format!("{:.0}%", f64::from(count) * 100.0 / f64::from(total))
}

/// The 100% bar: feature, incident, tech debt from left to right.
#[component]
pub fn FlowDistribution(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// Finished features.
    feature: u32,
    /// Finished incidents.
    incident: u32,
    /// Finished tech-debt cards.
    tech_debt: u32,
    /// The board's target share of tech debt, from 0 to 1.
    tech_debt_target: f64,
) -> impl IntoView {
    let counts = [
        (Kind::Feature, feature),
        (Kind::Incident, incident),
        (Kind::TechDebt, tech_debt),
    ];
    let total: u32 = counts.iter().map(|(_, n)| n).sum();
    let target = if tech_debt_target.is_finite() {
        tech_debt_target.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut keys: Vec<Key> = counts
        .iter()
        .map(|(kind, n)| Key {
            label: if total == 0 {
                kind.label().to_owned()
            } else {
                format!("{} {n} ({})", kind.label(), percent(*n, total))
            },
            class: kind.class(),
        })
        .collect();
    keys.push(Key {
        label: format!("Tech-debt target {:.0}%", target * 100.0),
        class: "swatch-target".to_owned(),
    });
    let body = if total == 0 {
        Err("No cards finished in this period")
    } else {
        Ok(chart(counts, total, target))
    };
    figure(
        "distribution",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Picture,
    )
}

/// The SVG body: the segments, the target marker and a 0–100% axis.
fn chart(counts: [(Kind, u32); 3], total: u32, target: f64) -> (f64, AnyView) {
    let plot = Plot {
        left: 16.0,
        top: BAR_TOP,
        right: WIDTH - 16.0,
        bottom: BAR_TOP + BAR_HEIGHT + 6.0,
    };
    let x = Linear::new((0.0, f64::from(total)), (plot.left, plot.right));
    let mut before = 0;
    let segments = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| {
            let (x0, x1) = (x.map(f64::from(before)), x.map(f64::from(before + n)));
            before += n;
            let share = f64::from(n) / f64::from(total);
            let tip = format!("{}: {n} cards, {}", kind.label(), percent(n, total));
            view! {
                <g class=format!("segment {}", kind.class())>
                    <title>{tip}</title>
                    <rect class="bar" x=px(x0) y=px(BAR_TOP) width=px(x1 - x0) height=px(BAR_HEIGHT)/>
                    {(share >= MIN_LABELLED_SHARE).then(|| view! {
                        <text class="segment-label" x=px((x0 + x1) / 2.0) y=px(BAR_TOP + BAR_HEIGHT / 2.0 + 4.0) text-anchor="middle">
                            {percent(n, total)}
                        </text>
                    })}
                </g>
            }
        })
        .collect_view();
    // Tech debt is the rightmost segment, so its target share starts this far from the end.
    let share_axis = Linear::new((0.0, 1.0), (plot.left, plot.right));
    let target_x = share_axis.map(1.0 - target);
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|s| (share_axis.map(s), format!("{:.0}%", s * 100.0)))
        .collect();
    let svg = view! {
        <g>
            <g class="segments">{segments}</g>
            <g class="target">
                <title>{format!("Tech-debt target: {:.0}% of finished cards", target * 100.0)}</title>
                <line class="target-line" x1=px(target_x) x2=px(target_x) y1=px(BAR_TOP - 8.0) y2=px(BAR_TOP + BAR_HEIGHT + 4.0)/>
                <text class="target-label" x=px(target_x) y=px(BAR_TOP - 11.0) text-anchor="middle">
                    {format!("target {:.0}%", target * 100.0)}
                </text>
            </g>
            {x_axis(plot, ticks, "share of finished cards")}
        </g>
    };
    (HEIGHT, svg.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    #[test]
    fn renders_shares_and_the_target() {
        let html = view! {
            <FlowDistribution
                title="Flow distribution <script>".to_owned()
                reading="Tech debt 10%, target 20%".to_owned()
                feature=12
                incident=6
                tech_debt=2
                tech_debt_target=0.2
            />
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="distribution""#), "{html}");
        assert_eq!(html.matches(r#"class="bar""#).count(), 3, "{html}");
        assert!(
            html.contains(">60%<") && html.contains(">30%<") && html.contains(">10%<"),
            "{html}"
        );
        assert!(
            html.contains("Feature 12 (60%)") && html.contains("target 20%"),
            "{html}"
        );
        // The target line sits 20% from the right end of the bar: 16 + 608 × 0.8.
        assert!(html.contains(r#"x1="502.4""#), "{html}");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
    }

    #[test]
    fn shows_the_empty_state_without_cards() {
        let html = view! {
            <FlowDistribution title="Flow".to_owned() reading=String::new() feature=0 incident=0 tech_debt=0 tech_debt_target=0.2/>
        }
        .to_static_html();
        assert!(html.contains("No cards finished in this period"), "{html}");
        assert!(!html.contains("<rect"), "{html}");
    }
}
