//! The people of a board, in its status row: an avatar per member who may own cards with
//! how many cards they own in active columns (against the board's per-person WIP limit, when
//! it has one), so nobody pulls blindly; each a link that shows only that person's cards
//! (`?owner=<id>`), *My cards* first.
//!
//! Members drag an avatar onto a tile to make that person an owner of the card (the cell
//! takes the drop, see `cell`); the keyboard's way is the card page, or `i` for oneself.
//!
//! The links work without JavaScript. The filter itself is one style rule written from the
//! address (tiles carry their owners in `data-owners`), so choosing a person redraws no tile;
//! column counts and WIP limits still count every card.

use domain::UserId;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::model::BoardModel;
use crate::components::initials;

/// The board's query key that shows one person's cards only.
pub const OWNER: &str = "owner";

/// The person `?owner=` names, if it is an id (anything else filters nothing).
fn owner_in_address() -> Memo<Option<UserId>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get_str(OWNER).and_then(|id| id.parse().ok())))
}

/// The style rule that hides every tile `owner` does not own; empty without one. A user id
/// is hex digits and dashes, so it needs no escaping in the selector.
pub fn filter_rule(owner: Option<UserId>) -> String {
    owner
        .map(|id| {
            format!(".board-grid article.card:not([data-owners~=\"{id}\"]) {{ display: none; }}")
        })
        .unwrap_or_default()
}

/// The avatars with their loads, as filter links, and the filter's style rule.
#[component]
pub fn PeopleBar(
    model: RwSignal<BoardModel>,
    slug: String,
    /// The person being dragged onto a card.
    dragged: RwSignal<Option<UserId>>,
    /// The viewer may assign people (drag avatars).
    can_assign: bool,
) -> impl IntoView {
    let owner = owner_in_address();
    let (people, me, limit) =
        model.with_untracked(|m| (m.people.clone(), m.me, m.board.policy.person_wip_limit));
    let base = format!("/boards/{slug}");
    let link = {
        let base = base.clone();
        move |id: UserId| {
            let base = base.clone();
            move || {
                if owner.get() == Some(id) {
                    base.clone()
                } else {
                    format!("{base}?{OWNER}={id}")
                }
            }
        }
    };
    let pressed = move |id: UserId| move || (owner.get() == Some(id)).then_some("true");
    let mine = me
        .filter(|me| people.iter().any(|p| p.id == *me))
        .map(|me| {
            view! {
                <a class="my-cards" href=link(me) aria-current=pressed(me)>"My cards"</a>
            }
        });
    let avatars = people
        .into_iter()
        .map(|person| {
            let id = person.id;
            let load = Memo::new(move |_| model.with(|m| m.load(id)));
            let over = move || limit.is_some_and(|l| load.get() >= l as usize);
            let count = move || match limit {
                Some(l) => format!("{}/{l}", load.get()),
                None => load.get().to_string(),
            };
            let name = StoredValue::new(person.name.clone());
            let words = move || {
                let of = limit.map(|l| format!(" of {l}")).unwrap_or_default();
                format!("{}: {}{of} in progress", name.get_value(), load.get())
            };
            let hint = move || {
                let drag = if can_assign {
                    " (drag onto a card to assign)"
                } else {
                    ""
                };
                format!("{}{drag}", words())
            };
            let on_drag_start = move |ev: leptos::ev::DragEvent| {
                if !can_assign {
                    ev.prevent_default();
                    return;
                }
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &name.get_value());
                    dt.set_effect_allowed("link");
                }
                dragged.set(Some(id));
            };
            view! {
                <a class=move || if over() { "person at-limit" } else { "person" }
                    href=link(id) aria-current=pressed(id) title=hint
                    draggable=if can_assign { "true" } else { "false" }
                    on:dragstart=on_drag_start
                    on:dragend=move |_| dragged.set(None)>
                    <span class="avatar" aria-hidden="true">{initials(&person.name)}</span>
                    <span class="load" aria-hidden="true">{count}</span>
                    <span class="visually-hidden">{words}</span>
                </a>
            }
        })
        .collect_view();
    let clear = move || {
        owner.get().is_some().then(
            || view! { <a class="filter-clear" href=base.clone()>"Show everyone's cards"</a> },
        )
    };
    view! {
        <nav class="people-bar" aria-label="People: show one person's cards">
            {mine}
            {avatars}
            {clear}
        </nav>
        <style inner_html=move || filter_rule(owner.get())></style>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_hides_the_tiles_of_others_only_when_someone_is_chosen() {
        assert_eq!(filter_rule(None), "");
        let id = UserId::new();
        assert_eq!(
            filter_rule(Some(id)),
            format!(".board-grid article.card:not([data-owners~=\"{id}\"]) {{ display: none; }}")
        );
    }
}
