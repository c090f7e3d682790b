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
