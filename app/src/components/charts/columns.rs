//! Time in each column: a horizontal bar per column at the median time cards spent there,
//! with a tick at the 85th percentile, and the bottleneck (the column that holds cards
//! longest) marked so the eye lands on it first.

use leptos::prelude::*;

use super::scale::{Linear, duration_label, duration_ticks, short_duration};
use super::{Key, Marks, Plot, WIDTH, clip, figure, legend, px, x_axis};

/// Where a column sits in the flow, which tints its bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stage {
    Queue,
    #[default]
    Active,
    Done,
}

impl Stage {
    /// The CSS class suffix, spelled like `domain::ColumnKind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Active => "active",
            Self::Done => "done",
        }
    }
}

/// One column's time statistics over the finished cards.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnTime {
    /// The column's name.
    pub name: String,
    /// Its stage in the flow.
    pub stage: Stage,
    /// Median seconds cards spent in it; `None` when no card passed through.
    pub p50_s: Option<i64>,
    /// 85th percentile of the same.
    pub p85_s: Option<i64>,
    /// How many cards the statistics cover.
    pub count: u32,
}

const ROW: f64 = 30.0;
const TOP: f64 = 8.0;
/// Room under the rows for the axis and its unit.
const FOOT: f64 = 40.0;
const LABEL_WIDTH: f64 = 120.0;

/// The bar chart, one row per column in board order.
#[component]
pub fn ColumnTimeBars(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// The columns, in board order.
    columns: Vec<ColumnTime>,
    /// Index into `columns` of the bottleneck, if there is one.
    #[prop(optional_no_strip)]
    bottleneck: Option<usize>,
) -> impl IntoView {
    let bottleneck = bottleneck.filter(|i| *i < columns.len());
    let mut keys = vec![
        Key {
            label: "Median".to_owned(),
            class: "swatch-bar".to_owned(),
        },
        Key {
            label: "85th percentile".to_owned(),
            class: "swatch-tick".to_owned(),
        },
    ];
    if bottleneck.is_some() {
        keys.push(Key {
            label: "Bottleneck".to_owned(),
            class: "swatch-bottleneck".to_owned(),
        });
    }
    let body = if columns.iter().all(|c| c.p50_s.is_none()) {
        Err("No cards finished in this period")
    } else {
        Ok(chart(columns, bottleneck))
    };
    figure(
        "columns",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Picture,
    )
}

/// The SVG body: one row per column, then the duration axis along the bottom.
fn chart(columns: Vec<ColumnTime>, bottleneck: Option<usize>) -> (f64, AnyView) {
    let height = TOP + ROW * columns.len() as f64 + FOOT;
    let plot = Plot {
        left: LABEL_WIDTH,
        top: TOP,
        right: WIDTH - 150.0,
        bottom: height - FOOT + 2.0,
    };
    let longest = columns
        .iter()
        .filter_map(|c| c.p85_s.max(c.p50_s))
        .max()
        .unwrap_or(0);
    let (ticks, unit) = duration_ticks(longest);
    let end = ticks.last().copied().unwrap_or(1);
    let x = Linear::new((0.0, end as f64), (plot.left, plot.right));
    let x_ticks = ticks
        .iter()
        .map(|t| (x.map(*t as f64), duration_label(*t, unit)))
        .collect();

    let rows = columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let is_bottleneck = bottleneck == Some(i);
            let mid = TOP + ROW * (i as f64 + 0.5);
            let bar_end = c.p50_s.map(|s| x.map(s.max(0) as f64));
            let tick = c.p85_s.map(|s| x.map(s.max(0) as f64));
            let value_x = bar_end.into_iter().chain(tick).fold(plot.left, f64::max) + 8.0;
            let value = match (c.p50_s, c.p85_s) {
                (Some(p50), Some(p85)) => format!("{} · 85% {}", short_duration(p50), short_duration(p85)),
                (Some(p50), None) => short_duration(p50),
                _ => "no cards".to_owned(),
            };
            let tip = format!(
                "{}: median {}, 85th percentile {}, {} cards",
                c.name,
                c.p50_s.map_or_else(|| "–".to_owned(), short_duration),
                c.p85_s.map_or_else(|| "–".to_owned(), short_duration),
                c.count
            );
            let class = format!(
                "column-row stage-{}{}",
                c.stage.as_str(),
                if is_bottleneck { " is-bottleneck" } else { "" }
            );
            view! {
                <g class=class>
                    <title>{tip}</title>
                    <text class="row-label" x=px(plot.left - 8.0) y=px(mid + 4.0) text-anchor="end">
                        {clip(&c.name, 16)}
                    </text>
                    {bar_end.map(|end| view! {
                        <rect class="bar" x=px(plot.left) y=px(mid - 8.0) width=px((end - plot.left).max(1.0)) height="16" rx="2"/>
                    })}
                    {tick.map(|t| view! {
                        <line class="p85-tick" x1=px(t) x2=px(t) y1=px(mid - 11.0) y2=px(mid + 11.0)/>
                    })}
                    <text class="row-value" x=px(value_x) y=px(mid + 4.0)>
                        {value}
                        {is_bottleneck.then(|| view! {
                            <tspan class="bottleneck-label" dx="6">"Bottleneck"</tspan>
                        })}
                    </text>
                </g>
            }
        })
        .collect_view();
    let svg = view! {
        <g>
            <g class="axis axis-grid">
                {ticks
                    .iter()
                    .map(|t| {
                        let at = px(x.map(*t as f64));
                        view! { <line class="grid" x1=at.clone() x2=at y1=px(plot.top) y2=px(plot.bottom)/> }
                    })
                    .collect_view()}
            </g>
            <g class="rows">{rows}</g>
            {x_axis(plot, x_ticks, "time in column")}
        </g>
    };
    (height, svg.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    fn column(name: &str, p50_h: Option<i64>, p85_h: Option<i64>) -> ColumnTime {
        ColumnTime {
            name: name.to_owned(),
            stage: Stage::Active,
            p50_s: p50_h.map(|h| h * 3600),
            p85_s: p85_h.map(|h| h * 3600),
            count: 7,
        }
    }

    #[test]
    fn renders_a_bar_per_column_and_marks_the_bottleneck() {
        let columns = vec![
            column("Build", Some(20), Some(40)),
            column("Review <script>", Some(60), Some(100)),
            column("Deploy", None, None),
        ];
        let html = view! {
            <ColumnTimeBars title="Time in column".to_owned() reading="Review holds cards longest".to_owned() columns bottleneck=Some(1)/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="columns""#), "{html}");
        assert_eq!(html.matches(r#"class="bar""#).count(), 2, "{html}");
        assert_eq!(html.matches("p85-tick").count(), 2, "{html}");
        assert!(
            html.contains("is-bottleneck") && html.contains(">Bottleneck</tspan>"),
            "{html}"
        );
        assert!(html.contains("2.5 d · 85% 4.2 d"), "{html}");
        assert!(
            html.contains("Review &lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(
            html.contains("no cards") && html.contains(">time in column<"),
            "{html}"
        );
    }

    #[test]
    fn shows_the_empty_state_without_finished_cards() {
        let html = view! {
            <ColumnTimeBars title="Time in column".to_owned() reading=String::new() columns=vec![column("Build", None, None)]/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="columns""#), "{html}");
        assert!(html.contains("No cards finished in this period"), "{html}");
    }
}
