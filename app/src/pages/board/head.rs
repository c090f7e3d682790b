//! The board's toolbar (name, the board's pages as tabs, the committed capacity with the
//! tech-debt allocation, open work by type, *New card*) and its column headers, kept up to
//! date from the page's [`BoardModel`] as cards move. One row on a wide screen, so the first
//! screen shows work rather than a header.

use domain::policy::{BoardPolicy, TechDebtShare};
use domain::{CardType, Column};
use leptos::prelude::*;

use super::model::BoardModel;
use crate::api::SHARE_DAYS;
use crate::components::TypeBadge;

/// The pages of a board, as tabs; `current` is the one shown.
#[component]
pub fn BoardTabs(slug: String, is_admin: bool, current: &'static str) -> impl IntoView {
    let tabs = [
        ("Board", String::new(), true),
        ("Retrospective", "/retro".to_owned(), true),
        ("Delivery", "/delivery".to_owned(), true),
        ("Members", "/members".to_owned(), true),
        ("Settings", "/settings".to_owned(), is_admin),
    ];
    view! {
        <nav class="board-tabs" aria-label="Board pages">
            {tabs
                .into_iter()
                .filter(|(_, _, shown)| *shown)
                .map(|(name, path, _)| {
                    let here = (name == current).then_some("page");
                    view! { <a href=format!("/boards/{slug}{path}") aria-current=here>{name}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// The committed capacity as a bar of slots (who holds them, which are reserved for tech
/// debt, which are free) with the same in words, and the tech-debt share of recent work.
#[component]
pub fn Capacity(model: RwSignal<BoardModel>, policy: BoardPolicy) -> impl IntoView {
    let held = Memo::new(move |_| model.with(BoardModel::tech_debt_held));
    let used = Memo::new(move |_| model.with(BoardModel::committed));
    let share = Memo::new(move |_| model.with(|m| m.tech_debt.clone()));
    let bar = policy.committed_capacity.map(|capacity| {
        let reserved = policy.reserved_slots() as usize;
        let capacity = capacity as usize;
        let slots = move || slot_kinds(capacity, reserved, held.get(), used.get());
        let words = move || {
            let (held, used) = (held.get(), used.get());
            format!(
                "{used} of {capacity} slots used · tech debt {held} of {reserved} reserved{}",
                if used > capacity { " · over capacity" } else { "" }
            )
        };
        let short = move || held.get() < reserved;
        view! {
            <div class="capacity-bar" aria-hidden="true">
                {move || {
                    slots()
                        .into_iter()
                        .map(|kind| view! { <span class=format!("slot slot-{kind}")></span> })
                        .collect_view()
                }}
            </div>
            <span class=move || if short() { "capacity-words alloc-short" } else { "capacity-words" }>
                {words}
            </span>
        }
    });
    let text = move || share_text(&share.get());
    view! {
        <div class="capacity" role="group" aria-label="Committed capacity and tech debt"
            title="Committed capacity: cards in active columns of the Standard lane. Reserved: slots kept for tech debt.">
            {bar}
            <span class=move || format!("alloc-share {}", if text().1 { "alloc-short" } else { "alloc-ok" })>
                {move || text().0}
            </span>
        </div>
    }
}

/// The committed capacity's slots in order: tech debt holding a slot (`debt`), other work
/// (`work`), reserved for tech debt and free (`reserved`), free (`free`), and past the
/// capacity (`over`).
pub fn slot_kinds(capacity: usize, reserved: usize, held: usize, used: usize) -> Vec<&'static str> {
    let held = held.min(used);
    let other = used - held;
    let reserved_free = reserved.saturating_sub(held);
    let mut slots = Vec::with_capacity(capacity.max(used));
    slots.extend(std::iter::repeat_n("debt", held));
    slots.extend(std::iter::repeat_n("work", other));
    let free = capacity.saturating_sub(slots.len());
    slots.extend(std::iter::repeat_n("reserved", reserved_free.min(free)));
    slots.extend(std::iter::repeat_n(
        "free",
        free.saturating_sub(reserved_free),
    ));
    for slot in slots.iter_mut().skip(capacity) {
        *slot = "over";
    }
    slots
}

/// What the allocation says of the share, and whether it is short of the target.
fn share_text(share: &TechDebtShare) -> (String, bool) {
    // Rounded as `{:.0}` rounds (ties to even), so the board and the retrospective agree,
    // without `{:.0}`'s float printer in the browser bundle.
    let pct = |x: f64| format!("{}%", (x * 100.0).round_ties_even() as i64);
    let target = share.target;
    match (share.by_count, share.by_active_time) {
        (Some(count), time) => (
            format!(
                "{SHARE_DAYS} days: tech debt {} of {} finished{} · target {}",
                pct(count),
                share.finished,
                time.map(|t| format!(", {} of active time", pct(t)))
                    .unwrap_or_default(),
                pct(target)
            ),
            count < target || time.is_some_and(|t| t < target),
        ),
        (None, _) => (
            format!(
                "{SHARE_DAYS} days: nothing finished · tech-debt target {}",
                pct(target)
            ),
            false,
        ),
    }
}

/// Open work by type, so the mix of features, incidents and tech debt is visible at a glance.
#[component]
pub fn TypeMix(model: RwSignal<BoardModel>) -> impl IntoView {
    let open = Memo::new(move |_| model.with(BoardModel::open_by_type));
    view! {
        <div class="type-mix" role="group" aria-label="Open cards by type">
            {CardType::ALL
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    view! {
                        <span class="mix-item" title=format!("Open {} cards", t.label())>
                            <TypeBadge card_type=t/>
                            <span class="mix-count">{move || open.get()[i]}</span>
                        </span>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A column's name, kind and count against its WIP limit. Its id (`col-<id>`) is where the
/// phone's column switcher jumps to.
#[component]
pub fn ColumnHeader(
    column: Column,
    count: Memo<usize>,
    total: Memo<usize>,
    /// With a filter: how many of the column's cards it finds.
    shown: Memo<Option<usize>>,
) -> impl IntoView {
    let limit = column.wip_limit;
    let state = move || {
        let count = count.get();
        match limit {
            Some(limit) if count as u32 > limit => {
                ("over-limit", format!("{count} / {limit} over limit"))
            }
            Some(limit) if count as u32 == limit => {
                ("at-limit", format!("{count} / {limit} at limit"))
            }
            Some(limit) => ("under-limit", format!("{count} / {limit}")),
            None => ("no-limit", format!("{}", total.get())),
        }
    };
    let title = match limit {
        Some(_) => "Standard-lane cards against the WIP limit",
        None => "Cards in this column (no WIP limit)",
    };
    let kind = column.kind.as_str();
    view! {
        <div class=move || format!("column-head kind-{kind} {}", state().0)
            id=format!("col-{}", column.id) data-column-id=column.id.to_string()>
            <h2 class="column-name">{column.name.clone()}</h2>
            <span class="column-kind">{kind}</span>
            <span class="wip" title=title>{move || state().1}</span>
            {move || shown.get().map(|n| view! {
                <span class="shown">{format!("{n} of {} shown", total.get())}</span>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::slot_kinds;

    #[test]
    fn slots_show_debt_then_other_work_then_reserved_then_free() {
        assert_eq!(
            slot_kinds(7, 2, 1, 4),
            ["debt", "work", "work", "work", "reserved", "free", "free"]
        );
        // Reserved slots taken by other work are not shown free for debt twice.
        assert_eq!(
            slot_kinds(5, 2, 0, 4),
            ["work", "work", "work", "work", "reserved"]
        );
        assert_eq!(
            slot_kinds(3, 1, 0, 5),
            ["work", "work", "work", "over", "over"]
        );
        assert_eq!(slot_kinds(4, 1, 2, 2), ["debt", "debt", "free", "free"]);
    }
}
