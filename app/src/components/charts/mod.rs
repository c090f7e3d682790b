//! Flow-metric charts, drawn as hand-written SVG on the server.
//!
//! The charts are pictures of numbers the server already holds, so they need no JavaScript:
//! they render in the first response, print, and look the same before and after hydration.
//! Native `<title>` elements give every mark a tooltip for the same reason.
//!
//! Each chart takes plain input structs defined here rather than domain types, so the charts
//! do not depend on how the metrics are computed: the page maps its data in. Colours come
//! from the stylesheet (section "Charts"), keyed on classes such as `type-feature`.

mod aging;
mod cfd;
mod columns;
mod distribution;
pub mod scale;
mod scatter;
mod throughput;

use leptos::either::Either;
use leptos::prelude::*;

pub use aging::{AgingCard, AgingWip};
pub use cfd::{Band, CumulativeFlow};
pub use columns::{ColumnTime, ColumnTimeBars, Stage};
pub use distribution::FlowDistribution;
pub use scatter::{CycleScatter, ScatterPoint};
pub use throughput::{ThroughputDay, ThroughputRun};

use scale::{Linear, days_value};

/// A card type as the charts colour it; spelled like `domain::CardType` so the page maps it
/// with `Kind::parse(card_type.as_str())` and the stylesheet's `.type-*` colours apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Feature,
    Incident,
    TechDebt,
}

impl Kind {
    /// Every type, in the order legends and stacks use.
    pub const ALL: [Kind; 3] = [Kind::Feature, Kind::Incident, Kind::TechDebt];

    /// Parses the wire spelling (`feature`, `incident`, `tech_debt`).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The wire spelling, also the CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feature => "feature",
            Self::Incident => "incident",
            Self::TechDebt => "tech_debt",
        }
    }

    /// The word in legends and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            Self::Feature => "Feature",
            Self::Incident => "Incident",
            Self::TechDebt => "Tech debt",
        }
    }

    /// The class that sets the type's colour variables (`--type`).
    pub(crate) fn class(self) -> String {
        format!("type-{}", self.as_str())
    }
}

/// Percentiles of finished cards' cycle times, in seconds, drawn as reference lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Percentiles {
    pub p50: Option<i64>,
    pub p85: Option<i64>,
    pub p95: Option<i64>,
}

impl Percentiles {
    /// The known lines, lowest percentile first.
    fn known(&self) -> Vec<(&'static str, i64)> {
        [("50%", self.p50), ("85%", self.p85), ("95%", self.p95)]
            .into_iter()
            .filter_map(|(name, s)| s.map(|s| (name, s.max(0))))
            .collect()
    }

    /// The largest known value, so the y axis can reach it.
    fn max(&self) -> i64 {
        self.known().iter().map(|(_, s)| *s).max().unwrap_or(0)
    }
}

/// The width of every chart's viewBox; the SVG scales to its container (CSS `width: 100%`),
/// but never below this many CSS pixels (`min-width`), so text is never under 11 px.
pub(crate) const WIDTH: f64 = 640.0;

/// The plotting area inside a viewBox, leaving room for axes and labels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plot {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Plot {
    /// The area of a chart `height` high with `left`/`right` margins for labels.
    pub fn new(height: f64, left: f64, right: f64) -> Self {
        Self {
            left,
            top: 12.0,
            right: WIDTH - right,
            bottom: height - 38.0,
        }
    }
}

/// A coordinate as written into SVG: one decimal is finer than a pixel and keeps pages small.
pub(crate) fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// Whether a chart's marks are links (the scatter's and aging chart's dots open their cards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marks {
    /// A picture: screen readers get the heading and the reading, the marks are decorative.
    Picture,
    /// Marks a keyboard or screen reader reaches one by one.
    Links,
}

/// The frame every chart shares: `<figure data-chart>` with heading and reading, then the
/// legend and the SVG, or the empty-state sentence when there is nothing to draw.
pub(crate) fn figure(
    chart: &'static str,
    title: String,
    reading: String,
    legend: Option<AnyView>,
    body: Result<(f64, AnyView), &'static str>,
    marks: Marks,
) -> impl IntoView {
    // Screen readers get the heading and the reading; a picture's marks are decorative. An
    // `img` has no children to a screen reader, so links inside one could not be reached
    // (axe: nested-interactive): a chart of links is a labelled group instead.
    let role = match marks {
        Marks::Picture => "img",
        Marks::Links => "group",
    };
    let aria = if reading.is_empty() {
        title.clone()
    } else {
        format!("{title}. {reading}")
    };
    let content = match body {
        // The SVG is never drawn narrower than its viewBox (the stylesheet's `min-width`), so
        // its 11-unit text is at least 11 px on screen; on a phone the chart scrolls sideways
        // inside this wrapper instead of shrinking to 5 px text. The wrapper takes focus so a
        // keyboard can scroll it too.
        Ok((height, svg)) => Either::Left(view! {
            {legend}
            <div class="chart-scroll" tabindex="0" role="group" aria-label=format!("{title} (scrolls sideways on narrow screens)")>
                <svg
                    class="chart-svg"
                    viewBox=format!("0 0 {WIDTH} {height}")
                    role=role
                    aria-label=aria
                    preserveAspectRatio="xMidYMid meet"
                >
                    {svg}
                </svg>
            </div>
        }),
        Err(text) => Either::Right(view! { <p class="empty chart-empty">{text}</p> }),
    };
    view! {
        <figure class="chart" data-chart=chart>
            <figcaption>
                <h2 class="chart-title">{title}</h2>
                {(!reading.is_empty()).then(|| view! { <p class="chart-reading">{reading}</p> })}
            </figcaption>
            {content}
        </figure>
    }
}

/// A legend entry: its words and the class that colours its swatch.
pub(crate) struct Key {
    pub label: String,
    pub class: String,
}

/// The legend, as HTML above the SVG so it wraps on narrow screens and reads as text.
pub(crate) fn legend(keys: Vec<Key>) -> AnyView {
    view! {
        <ul class="chart-legend">
            {keys
                .into_iter()
                .map(|k| view! {
                    <li><span class=format!("swatch {}", k.class) aria-hidden="true"></span>{k.label}</li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Horizontal grid lines with their labels on the left, and the axis unit written upwards.
pub(crate) fn y_axis(plot: Plot, ticks: Vec<(f64, String)>, unit: &'static str) -> impl IntoView {
    let mid = (plot.top + plot.bottom) / 2.0;
    view! {
        <g class="axis axis-y">
            {ticks
                .into_iter()
                .map(|(y, label)| view! {
                    <g class="tick">
                        <line class="grid" x1=px(plot.left) x2=px(plot.right) y1=px(y) y2=px(y)/>
                        <text x=px(plot.left - 6.0) y=px(y + 3.5) text-anchor="end">{label}</text>
                    </g>
                })
                .collect_view()}
            <text class="axis-unit" transform=format!("translate(12 {}) rotate(-90)", px(mid)) text-anchor="middle">
                {unit}
            </text>
        </g>
    }
}

/// The baseline with tick marks and labels below it, and the axis unit underneath.
pub(crate) fn x_axis(plot: Plot, ticks: Vec<(f64, String)>, unit: &'static str) -> impl IntoView {
    let below = plot.bottom + 15.0;
    view! {
        <g class="axis axis-x">
            <line class="baseline" x1=px(plot.left) x2=px(plot.right) y1=px(plot.bottom) y2=px(plot.bottom)/>
            {ticks
                .into_iter()
                .map(|(x, label)| view! {
                    <g class="tick">
                        <line x1=px(x) x2=px(x) y1=px(plot.bottom) y2=px(plot.bottom + 4.0)/>
                        <text x=px(x) y=px(below) text-anchor="middle">{label}</text>
                    </g>
                })
                .collect_view()}
            <text class="axis-unit" x=px((plot.left + plot.right) / 2.0) y=px(below + 15.0) text-anchor="middle">
                {unit}
            </text>
        </g>
    }
}

/// Dashed horizontal lines at the percentiles, labelled "85% 6.2 d" in the right margin.
/// Labels of close percentiles are pushed apart so they stay readable.
pub(crate) fn percentile_lines(plot: Plot, y: Linear, percentiles: Percentiles) -> impl IntoView {
    let mut last_label_y = f64::INFINITY;
    percentiles
        .known()
        .into_iter()
        .map(|(name, seconds)| {
            let line_y = y.map(seconds as f64);
            let label_y = (line_y + 3.5).min(last_label_y - 11.0);
            last_label_y = label_y;
            let class = format!("pct pct-{}", name.trim_end_matches('%'));
            view! {
                <g class=class>
                    <line class="pct-line" x1=px(plot.left) x2=px(plot.right) y1=px(line_y) y2=px(line_y) stroke-dasharray="5 4"/>
                    <text class="pct-label" x=px(plot.right + 4.0) y=px(label_y)>
                        {format!("{name} {} d", days_value(seconds))}
                    </text>
                </g>
            }
        })
        .collect_view()
}

/// Shortens a name for a label with no room to spare (the full name goes in a tooltip).
pub(crate) fn clip(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_owned()
    } else {
        let kept: String = name.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", kept.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_names_clip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("bug"), None);
        assert_eq!(clip("Done", 8), "Done");
        assert_eq!(clip("Ready for review", 8), "Ready f…");
    }
}
