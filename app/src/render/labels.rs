//! Labels as the server renders them: the settings page's list (rename, recolour, remove,
//! add) and the card page's labels with a toggle for each of the board's. Plain forms (see
//! `ssr::plain_form`): they work without JavaScript and cost the browser bundle nothing.

use domain::label::{Label, LabelColour};
use domain::{Board, Card};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{DeleteLabel, SaveLabel, SetCardLabel};

/// A label as a chip: its name on its colour (the name is always there: never colour alone).
pub fn chip(label: &Label) -> impl IntoView + use<> {
    view! { <span class=format!("label label-{}", label.colour.as_str())>{label.name.clone()}</span> }
}

fn colour_options(selected: LabelColour) -> impl IntoView + use<> {
    LabelColour::ALL
        .into_iter()
        .map(|c| view! { <option value=c.as_str() selected=c == selected>{c.as_str()}</option> })
        .collect_view()
}

/// The settings page's labels: each with its rename and recolour form and *Remove*, then
/// the form that adds one.
pub fn settings_panel(board: &Board) -> impl IntoView + use<> {
    let slug = board.slug.clone();
    let rows = board
        .labels
        .iter()
        .map(|label| {
            let id = label.id.to_string();
            view! {
                <li>
                    {chip(label)}
                    <form action=SaveLabel::url() method="post" class="row-form"
                        aria-label=format!("Label {}", label.name)>
                        <input type="hidden" name="slug" value=slug.clone()/>
                        <input type="hidden" name="label_id" value=id.clone()/>
                        <label>"Name" <input name="name" required maxlength="60" value=label.name.clone()/></label>
                        <label>"Colour" <select name="colour">{colour_options(label.colour)}</select></label>
                        <button type="submit">"Save"</button>
                    </form>
                    <form action=DeleteLabel::url() method="post" class="label-remove">
                        <input type="hidden" name="slug" value=slug.clone()/>
                        <input type="hidden" name="label_id" value=id/>
                        <button type="submit" class="danger-outline">
                            "Remove" <span class="visually-hidden">{format!(" label {}", label.name)}</span>
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let none = board
        .labels
        .is_empty()
        .then(|| view! { <p class="empty">"No labels yet."</p> });
    view! {
        <section class="panel" data-section="labels">
            <h2>"Labels"</h2>
            <p class="help">
                "Members put any number of labels on a card; the filter finds them ("
                <code>"label:database"</code>
                ") and the metrics and the retrospective can be narrowed to one. Removing a label takes it off every card, each card's history saying so."
            </p>
            {none}
            <ul class="label-rows">{rows}</ul>
            <form action=SaveLabel::url() method="post" class="row-form" aria-label="Add a label">
                <input type="hidden" name="slug" value=slug/>
                <label>"Name" <input name="name" required maxlength="60" placeholder="database"/></label>
                <label>"Colour" <select name="colour">{colour_options(LabelColour::Grey)}</select></label>
                <button type="submit" class="primary">"Add label"</button>
            </form>
        </section>
    }
}

/// The card page's labels: those it carries, and for members a toggle per board label
/// (pressed when the card carries it).
pub fn card_panel(board: &Board, card: &Card, can_edit: bool) -> impl IntoView + use<> {
    let carried: Vec<&Label> = board
        .labels
        .iter()
        .filter(|l| card.labels.contains(&l.id))
        .collect();
    if board.labels.is_empty() && carried.is_empty() {
        return None;
    }
    let shown = if carried.is_empty() {
        view! { <p class="empty">"No labels."</p> }.into_any()
    } else {
        view! { <p class="label-list">{carried.iter().map(|l| chip(l)).collect_view()}</p> }
            .into_any()
    };
    let toggles = can_edit.then(|| {
        let card_id = card.id.to_string();
        let buttons = board
            .labels
            .iter()
            .map(|label| {
                let on = card.labels.contains(&label.id);
                view! {
                    <form action=SetCardLabel::url() method="post">
                        <input type="hidden" name="card_id" value=card_id.clone()/>
                        <input type="hidden" name="label_id" value=label.id.to_string()/>
                        <input type="hidden" name="on" value=if on { "false" } else { "true" }/>
                        <button type="submit" class=format!("label-toggle label-{}", label.colour.as_str())
                            aria-pressed=if on { "true" } else { "false" }>
                            {if on { "✓ " } else { "+ " }}{label.name.clone()}
                        </button>
                    </form>
                }
            })
            .collect_view();
        view! {
            <div class="label-toggles" role="group" aria-label="Labels of this card">{buttons}</div>
        }
    });
    Some(view! {
        <section class="owner-panel" data-section="labels">
            <h2>"Labels"</h2>
            {shown}
            {toggles}
        </section>
    })
}

#[cfg(test)]
mod tests {
    use domain::label::LabelColour;

    /// The styles, as the server serves them.
    const STYLES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../style/main.css"));

    /// WCAG 2's relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Every colour of the palette is defined for the light theme and the dark one, and its
    /// text contrasts with its tint by at least 4.5:1 (WCAG AA for small text) in both: what
    /// README and the palette's documentation promise.
    #[test]
    fn every_label_colour_is_readable_in_light_and_dark() {
        for colour in LabelColour::ALL {
            let rule = format!(".label-{} {{ --label-bg: #", colour.as_str());
            let found: Vec<(&str, &str)> = STYLES
                .match_indices(&rule)
                .map(|(at, _)| {
                    let rest = &STYLES[at + rule.len() - 1..];
                    let bg = &rest[..7];
                    let fg_at = rest.find("--label-fg: ").expect("a text colour") + 12;
                    (bg, &rest[fg_at..fg_at + 7])
                })
                .collect();
            assert_eq!(found.len(), 2, "{colour:?}: light and dark definitions");
            for (bg, fg) in found {
                let ratio = contrast(bg, fg);
                assert!(ratio >= 4.5, "{colour:?}: {fg} on {bg} is {ratio:.2}:1");
            }
        }
        // The formula itself: black on white is 21:1.
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    }
}
