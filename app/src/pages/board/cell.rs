//! One cell of the board (a column in a lane): its tiles as one HTML string, redrawn when
//! the page's model of that cell changes, and the drags, drops and ◀ ▶ buttons of its tiles
//! handled by delegation (see `components::card_tile`). A person dragged from the people
//! bar onto a tile becomes one of the card's owners.

use chrono::{DateTime, Utc};
use domain::label::Label;
use domain::people::Person;
use domain::{Column, ColumnKind, Lane, UserId};
use leptos::prelude::*;

use super::model::CellCards;
use super::{Assigner, Focus, Mover};
use crate::api::{CELL_SHOWN, DONE_SHOWN, MoveCard, OPEN_CELL, SetAssignee, TileCard};
use crate::components::{TileContext, Untold, tile_of, tiles_html};

#[component]
pub fn Cell(
    column: Column,
    lane: Lane,
    cards: Memo<CellCards>,
    /// The lane has no open card (and is not opened): drawn as a thin strip.
    quiet: Signal<bool>,
    left: Option<Column>,
    right: Option<Column>,
    slug: String,
    now: DateTime<Utc>,
    dragging: RwSignal<Option<String>>,
    /// The person being dragged from the people bar, if any.
    person: RwSignal<Option<UserId>>,
    mover: Mover,
    assigner: Assigner,
    can_move: bool,
    /// The board's people, for the owners' names.
    people: StoredValue<Vec<Person>>,
    /// The board's labels, for the tiles' labels.
    labels: StoredValue<Vec<Label>>,
) -> impl IntoView {
    let over = RwSignal::new(false);
    let column_id = column.id.to_string();
    let lane_id = lane.id.to_string();
    let done = column.kind == ColumnKind::Done;
    // `?open=<column>:<lane>` shows this cell whole; the link to it works without JavaScript
    // and, in the app, without a reload.
    let key = format!("{column_id}:{lane_id}");
    let query = leptos_router::hooks::use_query_map();
    let open = {
        let key = key.clone();
        Memo::new(move |_| query.with(|q| q.get_str(OPEN_CELL) == Some(key.as_str())))
    };
    let href = format!("/boards/{slug}?{OPEN_CELL}={key}");
    // The earlier cards of the cell, found by the same filter.
    let earlier_href = match query.with_untracked(|q| q.get(super::filter::Q)) {
        Some(q) if !q.is_empty() => format!(
            "/boards/{slug}/finished?lane={lane_id}&q={}",
            crate::components::query_value(&q)
        ),
        _ => format!("/boards/{slug}/finished?lane={lane_id}"),
    };
    let dim = super::filter::dim_in_address();
    // Done columns show the most recently finished work first, at most DONE_SHOWN of it. The
    // server already left out the older cards of most done cells; not those of a done column
    // with a WIP limit (the limit counts them all), which are cut to the same length here.
    // Other cells show their first CELL_SHOWN cards until opened.
    // Cards the filter does not find are left out, unless the page dims them instead.
    let shown = move || -> (Vec<TileCard>, usize) {
        let CellCards {
            mut cards,
            earlier_matching: earlier,
            ..
        } = cards.get();
        if !dim.get() {
            cards.retain(|t| !t.unmatched);
        }
        if done {
            let hidden = cards.len().saturating_sub(DONE_SHOWN) + earlier;
            (cards.into_iter().rev().take(DONE_SHOWN).collect(), hidden)
        } else if open.get() {
            (cards, 0)
        } else {
            let hidden = cards.len().saturating_sub(CELL_SHOWN);
            (cards.into_iter().take(CELL_SHOWN).collect(), hidden)
        }
    };
    let tiles = move || {
        let (shown, hidden) = shown();
        let untold = match (hidden, done) {
            (0, _) => Untold::Nothing,
            (count, true) => Untold::Earlier {
                count,
                href: &earlier_href,
            },
            (count, false) => Untold::Later { count, href: &href },
        };
        people.with_value(|people| {
            labels.with_value(|labels| {
                tiles_html(
                    &shown,
                    &TileContext {
                        slug: &slug,
                        left: left.as_ref(),
                        right: right.as_ref(),
                        now,
                        can_move,
                        people,
                        labels,
                    },
                    untold,
                )
            })
        })
    };
    let on_drop = {
        let (column_id, lane_id) = (column_id.clone(), lane_id.clone());
        move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            over.set(false);
            if let Some(user) = person.try_update(Option::take).flatten() {
                mark_assign_target(&ev, false);
                if let Some(card_id) = tile_of(&ev) {
                    assigner.run(SetAssignee {
                        card_id,
                        user_id: user.to_string(),
                        assign: "true".into(),
                        override_reason: None,
                    });
                }
                return;
            }
            // Taken, not read: the drag is over (and live changes may show again) even if the
            // dragged tile left the page before its `dragend` could fire.
            let Some(card_id) = dragging.try_update(Option::take).flatten() else {
                return;
            };
            // A drop on a tile puts the dragged card before it; anywhere else in the cell, at
            // the end, or in a cell that shows only its first CELL_SHOWN cards, last of those
            // shown (before the one that was last), so the card stays in sight rather than
            // landing among the cards behind "Show N more". Done cells show their cards
            // newest first (and not all of them), so a card dropped there always goes to the
            // end of the stored order: the top of the cell, as the latest finished.
            let position = (!done)
                .then(|| {
                    let target = tile_of(&ev);
                    let capped = !open.get_untracked();
                    cards.with_untracked(|cell| {
                        let mut others = cell.cards.iter().filter(|t| t.id.to_string() != card_id);
                        match target {
                            Some(target) => others.position(|t| t.id.to_string() == target),
                            None if capped && cell.cards.len() > CELL_SHOWN => {
                                Some(others.take(CELL_SHOWN - 1).count())
                            }
                            None => None,
                        }
                    })
                })
                .flatten();
            mover.run((
                MoveCard {
                    card_id,
                    column_id: column_id.clone(),
                    lane_id: Some(lane_id.clone()),
                    position: position.map(|p| p as u32),
                    override_reason: None,
                },
                None,
            ));
        }
    };
    let on_drag_start = move |ev: leptos::ev::DragEvent| {
        let Some(card_id) = tile_of(&ev) else { return };
        if !can_move {
            ev.prevent_default();
            return;
        }
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &card_id);
            dt.set_effect_allowed("move");
        }
        dragging.set(Some(card_id));
    };
    // A tile's ◀ ▶ buttons: the button pressed names the column. Without one (Enter in no
    // field) the browser would post nothing useful, so that is left to the plain form.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(button) = ev.submitter() else { return };
        let Some(column_id) = button.get_attribute("value") else {
            return;
        };
        let Some(card_id) = tile_of(&ev) else { return };
        ev.prevent_default();
        let side = if button.class_name().contains("move-left") {
            Focus::Left
        } else {
            Focus::Right
        };
        mover.run((
            MoveCard {
                card_id,
                column_id,
                lane_id: None,
                position: None,
                override_reason: None,
            },
            Some(side),
        ));
    };
    let label = format!("{} · {}", column.name, lane.name);
    view! {
        <div
            class=move || format!(
                "cell lane-{} kind-{}{}{}",
                lane.kind.as_str(),
                column.kind.as_str(),
                if quiet.get() { " quiet" } else { "" },
                if over.get() { " drop-target" } else { "" },
            )
            role="group"
            data-column-id=column_id.clone()
            data-lane-id=lane_id.clone()
            aria-label=label
            on:dragstart=on_drag_start
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if !can_move {
                    return;
                }
                // A person is dropped on a tile, not in the cell.
                if person.with_untracked(Option::is_some) {
                    if mark_assign_target(&ev, true) {
                        ev.prevent_default();
                    }
                    return;
                }
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |ev: leptos::ev::DragEvent| {
                over.set(false);
                mark_assign_target(&ev, false);
            }
            on:drop=on_drop
            on:submit=on_submit
            inner_html=tiles
        ></div>
    }
}

/// Marks the tile a person is dragged over as where the drop assigns (`on`), and unmarks
/// any other; whether the event is over a tile.
fn mark_assign_target(event: &web_sys::Event, on: bool) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        const MARK: &str = "assign-target";
        if let Ok(marked) = document().query_selector_all(&format!(".{MARK}")) {
            for i in 0..marked.length() {
                if let Some(e) = marked
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = e.class_list().remove_1(MARK);
                }
            }
        }
        let tile = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .and_then(|n| match n.dyn_into::<web_sys::Element>() {
                Ok(element) => Some(element),
                Err(node) => node.parent_element(),
            })
            .and_then(|e| e.closest("article.card").ok().flatten());
        if on && let Some(tile) = &tile {
            let _ = tile.class_list().add_1(MARK);
        }
        tile.is_some()
    }
    // Events only happen in the browser.
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (event, on);
        false
    }
}
