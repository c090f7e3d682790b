//! Cumulative flow diagram: how many cards sat in each column on each day, stacked.
//!
//! Stacked in reverse board order, as ActionableAgile draws it: the last column (done) is the
//! bottom band and grows steadily, and the first column sits on top, so widening bands show
//! where work piles up.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::scale::{Linear, date_label, date_ticks, nice_ticks_min_step, number_label};
use super::{Key, Plot, figure, legend, px, x_axis, y_axis};

/// One column's daily counts, aligned with [`CumulativeFlow`]'s `days`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    /// The column's name.
    pub name: String,
    /// Cards in the column at the end of each day; missing days count as zero.
    pub values: Vec<u32>,
}

const HEIGHT: f64 = 300.0;
/// Distinct band colours (`band-0` … in the stylesheet), counted from the bottom.
const PALETTE: usize = 8;

/// The stacked-area chart, with bands in board order (first column first).
#[component]
pub fn CumulativeFlow(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// The days shown, oldest first.
    days: Vec<NaiveDate>,
    /// One band per column, in board order.
    bands: Vec<Band>,
) -> impl IntoView {
    let first = days.iter().min().copied();
    let last = days.iter().max().copied();
    let any_cards = bands.iter().any(|b| b.values.iter().any(|v| *v > 0));
    let body = match (first, last) {
        (Some(first), Some(last)) if any_cards => Ok(chart(first, last, &days, &bands)),
        _ => Err("No cards on the board in this period"),
    };
    // Legend in board order: read top to bottom, it matches the stack.
    let count = bands.len();
    let keys = bands
        .iter()
        .enumerate()
        .map(|(i, b)| Key {
            label: b.name.clone(),
            class: format!("band-{}", (count - 1 - i) % PALETTE),
        })
        .collect();
    figure("cfd", title, reading, Some(legend(keys)), body)
}

/// The SVG body: axes, then the bands from the bottom up.
fn chart(first: NaiveDate, last: NaiveDate, days: &[NaiveDate], bands: &[Band]) -> (f64, AnyView) {
    let plot = Plot::new(HEIGHT, 48.0, 16.0);
    let span = (last - first).num_days();
    // A single day is drawn across the whole width rather than as an invisible sliver.
    let x = Linear::new((0.0, span.max(1) as f64), (plot.left, plot.right));
    let mut xs: Vec<f64> = days
        .iter()
        .map(|d| x.map((*d - first).num_days() as f64))
        .collect();
    let mut columns: Vec<usize> = (0..days.len()).collect();
    if span == 0 {
        xs = vec![plot.left, plot.right];
        columns = vec![0, 0];
    }

    let mut lower = vec![0_u32; days.len()];
    let mut stacked = Vec::with_capacity(bands.len());
    for (position, band) in bands.iter().rev().enumerate() {
        let upper: Vec<u32> = lower
            .iter()
            .enumerate()
            .map(|(i, below)| below + band.values.get(i).copied().unwrap_or(0))
            .collect();
        stacked.push((position, band.name.clone(), lower, upper.clone()));
        lower = upper;
    }
    let max = lower.iter().copied().max().unwrap_or(0);
    let ticks = nice_ticks_min_step(0.0, f64::from(max), 1.0);
    let top = ticks.last().copied().unwrap_or(1.0);
    let y = Linear::new((0.0, top), (plot.bottom, plot.top));

    let y_ticks = ticks
        .iter()
        .map(|t| (y.map(*t), number_label(*t)))
        .collect();
    let x_ticks = date_ticks(first, last)
        .into_iter()
        .map(|d| (x.map((d - first).num_days() as f64), date_label(d)))
        .collect();
    let areas = stacked
        .into_iter()
        .map(|(position, name, lower, upper)| {
            let point = |i: usize, values: &[u32]| {
                let value = values.get(columns[i]).copied().unwrap_or(0);
                format!("{},{}", px(xs[i]), px(y.map(f64::from(value))))
            };
            let top_edge: Vec<String> = (0..xs.len()).map(|i| point(i, &upper)).collect();
            let bottom_edge: Vec<String> = (0..xs.len()).rev().map(|i| point(i, &lower)).collect();
            let d = format!("M{}L{}Z", top_edge.join("L"), bottom_edge.join("L"));
            view! {
                <path class=format!("band band-{}", position % PALETTE) d=d>
                    <title>{name}</title>
                </path>
            }
        })
        .collect_view();
    let svg = view! {
        <g>
            {y_axis(plot, y_ticks, "cards")}
            <g class="bands">{areas}</g>
            {x_axis(plot, x_ticks, "date")}
        </g>
    };
    (HEIGHT, svg.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("valid date")
    }

    fn band(name: &str, values: &[u32]) -> Band {
        Band {
            name: name.to_owned(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn renders_one_band_per_column_with_done_at_the_bottom() {
        let html = view! {
            <CumulativeFlow
                title="Cumulative flow".to_owned()
                reading="12 cards finished".to_owned()
                days=vec![day(2), day(3), day(4)]
                bands=vec![band("Ready <script>", &[3, 2, 1]), band("Done", &[0, 2, 4])]
            />
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="cfd""#), "{html}");
        assert_eq!(html.matches("<path").count(), 2, "{html}");
        // Done is drawn first (bottom) with the first palette colour.
        let done = html.find("<title>Done</title>").expect("done band");
        let ready = html
            .find("<title>Ready &lt;script&gt;</title>")
            .expect("ready band");
        assert!(done < ready, "{html}");
        assert!(html.contains(r#"class="band band-0""#), "{html}");
        assert!(
            html.contains(">cards<") && html.contains(">Mar 2<"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"role="img""#) && html.contains("viewBox="),
            "{html}"
        );
    }

    #[test]
    fn shows_the_empty_state_without_cards() {
        let html = view! {
            <CumulativeFlow title="CFD".to_owned() reading=String::new() days=vec![day(2)] bands=vec![band("Done", &[0])]/>
        }
        .to_static_html();
        assert!(
            html.contains("No cards on the board in this period"),
            "{html}"
        );
        assert!(!html.contains("<svg"), "{html}");
    }
}
