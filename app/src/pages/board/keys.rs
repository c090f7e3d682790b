//! The board's keyboard shortcuts: `n` for a new card, `/` for the filter, `?` for the list
//! of shortcuts, the arrow keys from card to card, and with Shift, moving the focused card a column or a lane
//! (the lane move has no button), and `i` to take the focused card or let it go. Keys typed
//! into a field are left alone.

use domain::CardId;
use leptos::prelude::*;

use super::model::BoardModel;
use super::{Assigner, Mover};
use crate::api::{MoveCard, SetAssignee};

/// The shortcuts as the page's help lists them.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("n", "New card"),
    ("/", "Filter the cards"),
    ("?", "Show or hide this list"),
    ("↑ ↓", "Previous or next card in the cell (from a card)"),
    (
        "← →",
        "The card beside it, in the column to the left or right",
    ),
    ("Shift + ← →", "Move the card one column left or right"),
    ("Shift + ↑ ↓", "Move the card to the lane above or below"),
    ("i", "Assign the card to me, or unassign me"),
];

/// The move Shift + an arrow key asks for card `id`: the column to the left or right, or
/// the lane above or below (where it would go to the end of the cell). `None` at the
/// board's edge, or for a card or key the board does not know.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser's shortcuts")
)]
pub fn shifted_move(model: &BoardModel, id: CardId, key: &str) -> Option<MoveCard> {
    let tile = model.tile(id)?;
    let columns = &model.board.columns;
    let lanes = &model.board.lanes;
    let column = columns.iter().position(|c| c.id == tile.column_id)?;
    let lane = lanes.iter().position(|l| l.id == tile.lane_id)?;
    let step = |i: usize, back: bool| if back { i.checked_sub(1) } else { Some(i + 1) };
    let (column_id, lane_id) = match key {
        "ArrowLeft" | "ArrowRight" => {
            let to = columns.get(step(column, key == "ArrowLeft")?)?;
            (to.id, None)
        }
        "ArrowUp" | "ArrowDown" => {
            let to = lanes.get(step(lane, key == "ArrowUp")?)?;
            (tile.column_id, Some(to.id.to_string()))
        }
        _ => return None,
    };
    Some(MoveCard {
        card_id: id.to_string(),
        column_id: column_id.to_string(),
        lane_id,
        position: None,
        override_reason: None,
    })
}

/// The assignment `i` asks for on card `id`: the viewer becomes an owner, or stops being
/// one. `None` for a viewer who is not a person of the board, or a card it does not know.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser's shortcuts")
)]
pub fn toggle_me(model: &BoardModel, id: CardId) -> Option<SetAssignee> {
    let me = model
        .me
        .filter(|me| model.people.iter().any(|p| p.id == *me))?;
    let owns = model.tile(id)?.assignees.contains(&me);
    Some(SetAssignee {
        card_id: id.to_string(),
        user_id: me.to_string(),
        assign: (!owns).to_string(),
        override_reason: None,
    })
}

/// Listens for the shortcuts while the board is shown.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
pub fn listen(model: RwSignal<BoardModel>, mover: Mover, assigner: Assigner, can_move: bool) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            on_key(&ev, model, mover, assigner, can_move);
        });
        on_cleanup(move || handle.remove());
    }
}

#[cfg(feature = "hydrate")]
fn on_key(
    ev: &web_sys::KeyboardEvent,
    model: RwSignal<BoardModel>,
    mover: Mover,
    assigner: Assigner,
    can_move: bool,
) {
    use wasm_bindgen::JsCast;
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
        return;
    }
    let target = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    if target.as_ref().is_some_and(|t| {
        matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || t.has_attribute("contenteditable")
    }) {
        return;
    }
    let key = ev.key();
    let focused = || {
        target
            .as_ref()
            .and_then(|t| t.closest("article.card").ok().flatten())
            .and_then(|t| t.get_attribute("data-card-id"))
            .and_then(|id| id.parse::<CardId>().ok())
    };
    let handled = match key.as_str() {
        "n" if can_move => open_new_card(),
        "/" => focus(document().get_element_by_id(super::filter::FIELD)),
        "i" if can_move => focused()
            .and_then(|id| model.with_untracked(|m| toggle_me(m, id)))
            .map(|request| assigner.run(request))
            .is_some(),
        "?" => toggle_help(),
        "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" => {
            let tile = target.and_then(|t| t.closest("article.card").ok().flatten());
            let id = tile
                .as_ref()
                .and_then(|t| t.get_attribute("data-card-id"))
                .and_then(|id| id.parse::<CardId>().ok());
            match (tile, id) {
                (Some(_), Some(id)) if ev.shift_key() => {
                    let request = can_move
                        .then(|| model.with_untracked(|m| shifted_move(m, id, &key)))
                        .flatten();
                    request
                        .map(|request| mover.run((request, Some(super::Focus::Title))))
                        .is_some()
                }
                (Some(tile), Some(_)) => focus_neighbour(&tile, &key, model),
                _ => false,
            }
        }
        _ => false,
    };
    if handled {
        ev.prevent_default();
    }
}

/// Opens the New card form and puts the cursor in its title.
#[cfg(feature = "hydrate")]
fn open_new_card() -> bool {
    let Ok(Some(details)) = document().query_selector(".board-toolbar details.new-card") else {
        return false;
    };
    let _ = details.set_attribute("open", "");
    focus(
        details
            .query_selector("input[name=\"title\"]")
            .ok()
            .flatten(),
    )
}

/// Opens or closes the list of shortcuts, and brings it into view.
#[cfg(feature = "hydrate")]
fn toggle_help() -> bool {
    let Ok(Some(help)) = document().query_selector("details.shortcuts") else {
        return false;
    };
    if help.has_attribute("open") {
        let _ = help.remove_attribute("open");
    } else {
        let _ = help.set_attribute("open", "");
        help.scroll_into_view();
    }
    focus(help.query_selector("summary").ok().flatten())
}

/// Moves the focus from card `tile` to the previous or next card of its cell, or to the
/// card at the same place (or the last) in the cell beside it.
#[cfg(feature = "hydrate")]
fn focus_neighbour(tile: &web_sys::Element, key: &str, model: RwSignal<BoardModel>) -> bool {
    let title = |card: Option<web_sys::Element>| {
        focus(card.and_then(|c| c.query_selector(".card-title").ok().flatten()))
    };
    let is_card = |e: &web_sys::Element| e.tag_name() == "ARTICLE";
    match key {
        "ArrowDown" => title(tile.next_element_sibling().filter(is_card)),
        "ArrowUp" => title(tile.previous_element_sibling().filter(is_card)),
        _ => {
            let Some(cell) = tile.closest(".cell").ok().flatten() else {
                return false;
            };
            let (Some(column), Some(lane)) = (
                cell.get_attribute("data-column-id"),
                cell.get_attribute("data-lane-id"),
            ) else {
                return false;
            };
            let beside = model.with_untracked(|m| {
                let columns = &m.board.columns;
                let i = columns.iter().position(|c| c.id.to_string() == column)?;
                let j = if key == "ArrowLeft" {
                    i.checked_sub(1)?
                } else {
                    i + 1
                };
                columns.get(j).map(|c| c.id.to_string())
            });
            let Some(beside) = beside else { return false };
            let index = cards_of(&cell).iter().position(|c| c == tile).unwrap_or(0);
            let Ok(Some(next_cell)) = document().query_selector(&format!(
                ".cell[data-column-id=\"{beside}\"][data-lane-id=\"{lane}\"]"
            )) else {
                return false;
            };
            let cards = cards_of(&next_cell);
            title(cards.get(index.min(cards.len().saturating_sub(1))).cloned())
        }
    }
}

/// The card tiles of a cell, in order.
#[cfg(feature = "hydrate")]
fn cards_of(cell: &web_sys::Element) -> Vec<web_sys::Element> {
    std::iter::successors(cell.first_element_child(), |e| e.next_element_sibling())
        .filter(|e| e.tag_name() == "ARTICLE")
        .collect()
}

/// Focuses `element` if there is one; whether there was.
#[cfg(feature = "hydrate")]
fn focus(element: Option<web_sys::Element>) -> bool {
    use wasm_bindgen::JsCast;
    match element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(element) => element.focus().is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BoardSnapshot, TileCard};
    use domain::people::Person;
    use domain::{Board, UserId};

    fn board() -> Board {
        let draft = domain::board::NewBoard {
            name: "Keys".into(),
            ..Default::default()
        }
        .validate(uuid::Uuid::now_v7)
        .expect("the default board is valid");
        draft.into_board(domain::BoardId::new(), chrono::Utc::now())
    }

    /// Card #1, in the board's first column and Standard lane.
    fn tile(board: &Board, owners: Vec<UserId>) -> TileCard {
        TileCard {
            comment_count: 0,
            labels: Vec::new(),
            assignees: owners,
            id: CardId::new(),
            number: 1,
            title: "A card".into(),
            card_type: domain::CardType::Feature,
            column_id: board.columns[0].id,
            lane_id: board.lanes[1].id,
            blocked: false,
            blocked_reason: None,
            severity: None,
            service: None,
            column_entered_at: chrono::Utc::now(),
            position: 1.0,
            unmatched: false,
        }
    }

    fn model(
        board: Board,
        cards: Vec<TileCard>,
        me: Option<UserId>,
        people: Vec<Person>,
    ) -> BoardModel {
        BoardModel::new(BoardSnapshot {
            me,
            people,
            cards,
            board,
            now: chrono::Utc::now(),
            tech_debt: domain::policy::TechDebtShare {
                finished: 0,
                by_count: None,
                by_active_time: None,
                target: 0.2,
            },
            role: domain::access::Role::Member,
            hidden: vec![],
            filter: None,
        })
    }

    #[test]
    fn shift_arrows_move_a_card_a_column_or_a_lane_and_stop_at_the_edges() {
        let board = board();
        let (first, second) = (board.columns[0].id, board.columns[1].id);
        let expedite = board.lanes[0].id;
        let card = tile(&board, Vec::new());
        let id = card.id;
        let model = model(board, vec![card], None, Vec::new());
        let right = shifted_move(&model, id, "ArrowRight").expect("a column to the right");
        assert_eq!(right.column_id, second.to_string());
        assert_eq!(right.lane_id, None);
        assert!(
            shifted_move(&model, id, "ArrowLeft").is_none(),
            "the first column"
        );
        let up = shifted_move(&model, id, "ArrowUp").expect("Expedite is above");
        assert_eq!(up.column_id, first.to_string());
        assert_eq!(up.lane_id, Some(expedite.to_string()));
        assert!(
            shifted_move(&model, id, "ArrowDown").is_none(),
            "the last lane"
        );
        assert!(shifted_move(&model, CardId::new(), "ArrowUp").is_none());
        assert!(shifted_move(&model, id, "Enter").is_none());
    }

    #[test]
    fn i_takes_a_card_the_viewer_does_not_own_and_lets_go_of_one_they_do() {
        let board = board();
        let me = UserId::new();
        let (free, mine) = (tile(&board, Vec::new()), tile(&board, vec![me]));
        let (free_id, mine_id) = (free.id, mine.id);
        let cards = vec![free, mine];
        let person = Person {
            id: me,
            name: "Amara Okafor".into(),
        };
        let seen = model(board.clone(), cards.clone(), Some(me), vec![person.clone()]);
        let take = toggle_me(&seen, free_id).expect("a card to take");
        assert_eq!(take.user_id, me.to_string());
        assert_eq!(take.assign, "true");
        assert_eq!(take.card_id, free_id.to_string());
        let leave = toggle_me(&seen, mine_id).expect("a card to let go");
        assert_eq!(leave.assign, "false");
        assert!(toggle_me(&seen, CardId::new()).is_none(), "an unknown card");
        // A viewer who may not own cards here (a token, or no person of the board).
        let token = model(board.clone(), cards.clone(), None, vec![person]);
        assert!(toggle_me(&token, free_id).is_none());
        let outsider = model(board, cards, Some(me), Vec::new());
        assert!(toggle_me(&outsider, free_id).is_none());
        let said = |id| {
            let tile = seen.tile(id).expect("on the board");
            super::super::model::assigned_news(&seen, tile, &me.to_string())
        };
        assert_eq!(said(mine_id), "Amara Okafor now owns #1 A card");
        assert_eq!(said(free_id), "Amara Okafor no longer owns #1 A card");
    }
}
