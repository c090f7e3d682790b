//! A card on the board: draggable, with buttons that move it one column left or right so the
//! board also works from the keyboard (and, as plain forms, without JavaScript). For people
//! who may not move cards (viewers) it is a plain tile: no drag, no buttons.

use chrono::{DateTime, Utc};
use domain::Column;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::badges::{SeverityBadge, TypeBadge};
use super::format::human_duration;
use crate::api::{MoveCard, TileCard};

/// One card tile.
#[component]
pub fn CardTile(
    card: TileCard,
    /// Its board's slug, for the detail link.
    slug: String,
    /// The column to its left, if any.
    left: Option<Column>,
    /// The column to its right, if any.
    right: Option<Column>,
    /// When the board was read, for the age shown.
    now: DateTime<Utc>,
    /// The move action the board watches.
    move_action: ServerAction<MoveCard>,
    /// Called with the card's id when a drag starts.
    on_drag: Callback<String>,
    /// Called with this card's id when another card is dropped on it.
    on_drop_before: Callback<String>,
    /// Whether the viewer may move cards (members and admins).
    can_move: bool,
) -> impl IntoView {
    let id = card.id.to_string();
    let drag_id = id.clone();
    let drop_id = id.clone();
    let age = human_duration((now - card.column_entered_at).num_seconds());
    let href = format!("/boards/{slug}/cards/{}", card.number);
    let class = format!(
        "card type-{}{}{}",
        card.card_type.as_str(),
        if card.blocked { " is-blocked" } else { "" },
        if can_move { "" } else { " is-readonly" }
    );
    view! {
        <article
            class=class
            draggable=if can_move { "true" } else { "false" }
            data-card-id=drag_id.clone()
            data-number=card.number
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if !can_move {
                    ev.prevent_default();
                    return;
                }
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &drag_id);
                    dt.set_effect_allowed("move");
                }
                on_drag.run(drag_id.clone());
            }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                ev.stop_propagation();
                on_drop_before.run(drop_id.clone());
            }
        >
            <div class="card-meta">
                <TypeBadge card_type=card.card_type/>
                {card.severity.map(|s| view! { <SeverityBadge severity=s/> })}
                <span class="card-number">"#" {card.number}</span>
            </div>
            <a class="card-title" href=href>{card.title.clone()}</a>
            {card.blocked.then(|| {
                view! {
                    <p class="blocked-note">
                        <span aria-hidden="true">"⊘ "</span>
                        "Blocked: "
                        {card.blocked_reason.clone().unwrap_or_default()}
                    </p>
                }
            })}
            <div class="card-foot">
                <span class="age" title="Time in this column">{age}</span>
                {card.service.clone().map(|s| view! { <span class="service">{s}</span> })}
                {can_move.then(|| move_buttons(move_action, id, card.number, left, right))}
            </div>
        </article>
    }
}

/// The card's move buttons, one form for both: each button names its target column
/// (`name="column_id"`), which the browser sends for the button pressed. Before the page is
/// hydrated (or without JavaScript) it posts as a plain form; once hydrated, the submit is
/// turned into the board's move action. Works from the keyboard. One plain form rather than an
/// `ActionForm` per button: on a board of 2,000 cards these forms were most of the page's
/// markup and of its render time (bench/HISTORY.md, sessions 4 and 5).
fn move_buttons(
    move_action: ServerAction<MoveCard>,
    card_id: String,
    number: i64,
    left: Option<Column>,
    right: Option<Column>,
) -> impl IntoView {
    let button = move |target: Column, side: &'static str, arrow: &'static str| {
        let label = format!("Move #{number} to {}", target.name);
        view! {
            <button
                type="submit"
                name="column_id"
                value=target.id.to_string()
                class=format!("move-btn move-{side}")
                aria-label=label.clone()
                title=label
            >
                {arrow}
            </button>
        }
    };
    let field = card_id.clone();
    let action = <MoveCard as ServerFn>::url();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        // The button pressed names the column; without one (Enter in no field) the browser
        // would post nothing useful, so that is left to the plain form as well.
        let Some(column_id) = ev.submitter().and_then(|b| b.get_attribute("value")) else {
            return;
        };
        ev.prevent_default();
        move_action.dispatch(MoveCard {
            card_id: card_id.clone(),
            column_id,
            lane_id: None,
            position: None,
            override_reason: None,
        });
    };
    view! {
        <form action=action method="post" class="move-form" on:submit=submit>
            <input type="hidden" name="card_id" value=field/>
            {left.map(|c| button(c, "left", "◀"))}
            {right.map(|c| button(c, "right", "▶"))}
        </form>
    }
}
