//! Aging work in progress: each unfinished card as a dot in its column at its age, against
//! the cycle-time percentiles of finished cards. A dot above the 85% line is already older
//! than most cards ever get, so it is drawn in the warning colour: act on it today.

use leptos::prelude::*;

use super::scale::{DAY, Linear, duration_label, duration_ticks, format_days};
use super::{
    Key, Kind, Marks, Percentiles, Plot, clip, figure, legend, percentile_lines, px, x_axis, y_axis,
};

/// A card in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct AgingCard {
    /// Index into [`AgingWip`]'s `columns`; cards outside them are left out.
    pub column_index: usize,
    /// Seconds since the card was started.
    pub age_s: i64,
    /// Its number and title, for the tooltip.
    pub label: String,
    /// Its page.
    pub href: String,
    /// Its type, which colours the dot.
    pub kind: Kind,
}

const HEIGHT: f64 = 320.0;
/// Share of a column's width the dots spread over.
const SPREAD: f64 = 0.6;

/// Where in its column the `n`-th dot goes, from -0.5 to 0.5: the golden-ratio sequence
/// spreads any number of dots evenly without randomness, so the picture (and the hydrated
/// page) is the same on every render.
fn jitter(n: usize) -> f64 {
    (n as f64 * 0.618_034).fract() - 0.5
}

/// The aging chart, one band per active column in board order.
#[component]
pub fn AgingWip(
    /// The heading.
    title: String,
    /// One sentence on what the chart shows now, under the heading.
    reading: String,
    /// The active columns, in board order.
    columns: Vec<String>,
    /// The cards in them.
    cards: Vec<AgingCard>,
    /// Cycle-time percentiles of finished cards.
    #[prop(optional)]
    percentiles: Percentiles,
) -> impl IntoView {
    let cards: Vec<AgingCard> = cards
        .into_iter()
        .filter(|c| c.column_index < columns.len())
        .collect();
    let mut keys: Vec<Key> = Kind::ALL
        .into_iter()
        .filter(|k| cards.iter().any(|c| c.kind == *k))
        .map(|k| Key {
            label: k.label().to_owned(),
            class: k.class(),
        })
        .collect();
    if percentiles.p85.is_some() {
        keys.push(Key {
            label: "Older than 85% of finished cards".to_owned(),
            class: "swatch-late".to_owned(),
        });
    }
    let body = if cards.is_empty() {
        Err("No cards in progress")
    } else {
        Ok(chart(columns, cards, percentiles))
    };
    figure(
        "aging",
        title,
        reading,
        Some(legend(keys)),
        body,
        Marks::Links,
    )
}

/// The SVG body: axes, column separators, percentile lines, then the dots.
fn chart(columns: Vec<String>, cards: Vec<AgingCard>, percentiles: Percentiles) -> (f64, AnyView) {
    let plot = Plot::new(HEIGHT, 52.0, 72.0);
    let slot = (plot.right - plot.left) / columns.len().max(1) as f64;
    let centre = |i: usize| plot.left + slot * (i as f64 + 0.5);
    let oldest = cards.iter().map(|c| c.age_s).max().unwrap_or(0);
    let (ticks, unit) = duration_ticks(oldest.max(percentiles.max()));
    let top = ticks.last().copied().unwrap_or(DAY);
    let y = Linear::new((0.0, top as f64), (plot.bottom, plot.top));

    let y_ticks = ticks
        .iter()
        .map(|t| (y.map(*t as f64), duration_label(*t, unit)))
        .collect();
    // Long names are clipped to fit their band; the dots' tooltips carry the full name.
    let room = ((slot / 6.5) as usize).max(4);
    let x_ticks = columns
        .iter()
        .enumerate()
        .map(|(i, name)| (centre(i), clip(name, room)))
        .collect();
    let separators = (1..columns.len())
        .map(|i| {
            let at = px(plot.left + slot * i as f64);
            view! { <line class="separator" x1=at.clone() x2=at y1=px(plot.top) y2=px(plot.bottom)/> }
        })
        .collect_view();
    let mut seen = vec![0_usize; columns.len()];
    let dots = cards
        .into_iter()
        .map(|card| {
            let n = seen.get(card.column_index).copied().unwrap_or(0);
            if let Some(count) = seen.get_mut(card.column_index) {
                *count += 1;
            }
            let late = percentiles.p85.is_some_and(|p85| card.age_s > p85);
            let column = columns.get(card.column_index).map_or("", String::as_str);
            let tip = format!(
                "{}\nAge {} in {column}{}",
                card.label,
                format_days(card.age_s),
                if late {
                    " · older than 85% of finished cards"
                } else {
                    ""
                }
            );
            let class = format!(
                "dot {}{}",
                card.kind.class(),
                if late { " is-late" } else { "" }
            );
            let cx = centre(card.column_index) + jitter(n) * slot * SPREAD;
            view! {
                <a href=card.href class="dot-link">
                    <title>{tip}</title>
                    <circle class=class cx=px(cx) cy=px(y.map(card.age_s.max(0) as f64)) r="4"/>
                </a>
            }
        })
        .collect_view();
    let svg = view! {
        <g>
            {y_axis(plot, y_ticks, "age")}
            {x_axis(plot, x_ticks, "column")}
            <g class="separators">{separators}</g>
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

    fn card(column_index: usize, age_h: i64, label: &str) -> AgingCard {
        AgingCard {
            column_index,
            age_s: age_h * 3600,
            label: label.to_owned(),
            href: format!("/boards/web/cards/{age_h}"),
            kind: Kind::Feature,
        }
    }

    #[test]
    fn renders_a_dot_per_card_and_warns_about_old_ones() {
        let columns = vec!["Build".to_owned(), "Review".to_owned()];
        let cards = vec![
            card(0, 10, "#10 Small"),
            card(0, 20, "#20 <script>x</script>"),
            card(1, 200, "#200 Stuck"),
            card(7, 5, "#5 Nowhere"),
        ];
        let percentiles = Percentiles {
            p50: Some(24 * 3600),
            p85: Some(96 * 3600),
            p95: Some(148 * 3600),
        };
        let html = view! {
            <AgingWip title="Aging WIP".to_owned() reading="1 card is older than 85%".to_owned() columns cards percentiles/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="aging""#), "{html}");
        assert_eq!(html.matches("<circle").count(), 3, "{html}");
        assert!(html.contains(r#"href="/boards/web/cards/200""#), "{html}");
        assert!(!html.contains("#5 Nowhere"), "{html}");
        assert_eq!(html.matches("is-late").count(), 1, "{html}");
        assert!(
            html.contains("<title>#200 Stuck\nAge 8.3 days in Review · older than 85%"),
            "{html}"
        );
        for label in ["50% 1.0 d", "85% 4.0 d", "95% 6.2 d"] {
            assert!(html.contains(label), "{label}: {html}");
        }
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
    }

    #[test]
    fn jitter_is_deterministic_and_bounded() {
        assert_eq!(jitter(3), jitter(3));
        assert!((0..50).map(jitter).all(|j| (-0.5..0.5).contains(&j)));
        assert_ne!(jitter(1), jitter(2));
    }

    #[test]
    fn shows_the_empty_state_without_cards() {
        let html = view! {
            <AgingWip title="Aging".to_owned() reading=String::new() columns=vec!["Build".to_owned()] cards=vec![]/>
        }
        .to_static_html();
        assert!(html.contains(r#"data-chart="aging""#), "{html}");
        assert!(html.contains("No cards in progress"), "{html}");
    }
}
