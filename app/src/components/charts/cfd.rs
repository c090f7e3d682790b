//! Cumulative flow diagram: how many cards sat in each column on each day, stacked.
//!
//! Stacked in reverse board order, as ActionableAgile draws it: the last column sits at the
//! bottom and the first on top, so widening bands show where work piles up. `done` columns
//! are not stacked: on a board with history they hold ten or twenty times the cards in
//! progress, and as the bottom band they took 85% of the height, leaving the work-in-progress
//! bands, the point of the chart, 2–4 px slivers. They are drawn instead as one line (the
//! cards in done, day by day) in a strip of their own above the bands, labelled with where
//! it starts and ends, and the bands get the rest of the height on their own axis.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::scale::{Linear, date_label, date_ticks, nice_ticks_min_step, number_label};
use super::{Key, Marks, Plot, figure, legend, px, x_axis, y_axis};

/// One column's daily counts, aligned with [`CumulativeFlow`]'s `days`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    /// The column's name.
    pub name: String,
    /// Cards in the column at the end of each day; missing days count as zero.
    pub values: Vec<u32>,
    /// A `done` column: drawn in the done line, not as a band.
    pub done: bool,
}

const HEIGHT: f64 = 300.0;
/// The strip above the bands that holds the done line.
const DONE_STRIP: f64 = 56.0;
/// Space between the strip and the bands.
const GAP: f64 = 18.0;
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
    let count = bands.iter().filter(|b| !b.done).count();
    let mut stacked = 0;
    let keys = bands
        .iter()
        .map(|b| {
            if b.done {
                Key {
                    label: format!("{} (line)", b.name),
                    class: "swatch-done".to_owned(),
                }
            } else {
                stacked += 1;
                Key {
                    label: b.name.clone(),
                    class: format!("band-{}", (count - stacked) % PALETTE),
                }
            }
        })
        .collect();
    figure(
        "cfd",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Picture,
    )
}

/// The SVG body: the done line in its strip, axes, then the bands from the bottom up.
fn chart(first: NaiveDate, last: NaiveDate, days: &[NaiveDate], bands: &[Band]) -> (f64, AnyView) {
    let full = Plot::new(HEIGHT, 48.0, 16.0);
    let has_done = bands.iter().any(|b| b.done);
    let plot = if has_done {
        Plot {
            top: full.top + DONE_STRIP + GAP,
            ..full
        }
    } else {
        full
    };
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
    for (position, band) in bands.iter().rev().filter(|b| !b.done).enumerate() {
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
    let done = has_done.then(|| done_line(full, &xs, &columns, bands));
    let svg = view! {
        <g>
            {done}
            {y_axis(plot, y_ticks, "cards")}
            <g class="bands">{areas}</g>
            {x_axis(plot, x_ticks, "date")}
        </g>
    };
    (HEIGHT, svg.into_any())
}

/// The cards in `done` columns day by day, as a line in the strip at the top of `full`, on
/// a scale of its own (from the fewest to the most), labelled with its first and last count.
fn done_line(full: Plot, xs: &[f64], columns: &[usize], bands: &[Band]) -> impl IntoView {
    let totals: Vec<u32> = (0..xs.len())
        .map(|i| {
            bands
                .iter()
                .filter(|b| b.done)
                .map(|b| b.values.get(columns[i]).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let (low, high) = (
        totals.iter().copied().min().unwrap_or(0),
        totals.iter().copied().max().unwrap_or(0),
    );
    let label_room = 16.0;
    let y = Linear::new(
        (f64::from(low), f64::from(high)),
        (full.top + DONE_STRIP, full.top + label_room),
    );
    let points: Vec<String> = xs
        .iter()
        .zip(&totals)
        .map(|(x, n)| format!("{},{}", px(*x), px(y.map(f64::from(*n)))))
        .collect();
    let (start, end) = (
        totals.first().copied().unwrap_or(0),
        totals.last().copied().unwrap_or(0),
    );
    let names: Vec<&str> = bands
        .iter()
        .filter(|b| b.done)
        .map(|b| b.name.as_str())
        .collect();
    let label = format!("{}: {start} → {end} cards", names.join(" + "));
    view! {
        <g class="done-strip">
            <text class="done-label" x=px(full.left) y=px(full.top + 10.0)>{label.clone()}</text>
            <polyline class="done-line" points=points.join(" ")>
                <title>{label}</title>
            </polyline>
        </g>
    }
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
            done: false,
        }
    }

    fn done(name: &str, values: &[u32]) -> Band {
        Band {
            done: true,
            ..band(name, values)
        }
    }

    /// The y of each of a path's points.
    fn path_ys(path: &str) -> Vec<f64> {
        path.trim_start_matches('M')
            .trim_end_matches('Z')
            .split('L')
            .filter_map(|p| p.split(',').nth(1)?.parse().ok())
            .collect()
    }

    #[test]
    fn done_is_a_line_and_the_work_in_progress_gets_the_height() {
        // 240 finished cards against 3 to 5 in progress: stacked, Done took 98% of the height.
        let html = view! {
            <CumulativeFlow
                title="Cumulative flow".to_owned()
                reading=String::new()
                days=vec![day(2), day(3), day(4)]
                bands=vec![band("Doing", &[3, 4, 2]), band("Review", &[0, 1, 3]), done("Done", &[240, 250, 262])]
            />
        }
        .to_static_html();
        assert_eq!(
            html.matches("<path").count(),
            2,
            "only the WIP columns are bands: {html}"
        );
        assert!(html.contains(r#"class="done-line""#), "{html}");
        assert!(html.contains("Done: 240 → 262 cards"), "{html}");
        assert!(
            html.contains("Done (line)"),
            "the legend says how Done is drawn: {html}"
        );
        // The bands' axis tops out at the most cards in progress (5), not at 267.
        let d = html
            .split(r#"<path d=""#)
            .find(|rest| rest.contains("<title>Doing</title>"))
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("the Doing band: {html}"));
        let ys = path_ys(d);
        let (top, bottom) = (
            ys.iter().copied().fold(f64::INFINITY, f64::min),
            ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        assert!(
            bottom - top > 100.0,
            "the WIP stack spans {} px: {d}",
            bottom - top
        );
        assert!(
            !html.contains(">250<"),
            "no axis reaches the done counts: {html}"
        );
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
