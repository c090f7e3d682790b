//! The board's header (name, tech-debt allocation, open work by type, links) and its column
//! headers, kept up to date from the page's [`BoardModel`] as cards move.

use domain::policy::{BoardPolicy, TechDebtShare};
use domain::{CardType, Column};
use leptos::prelude::*;

use super::model::BoardModel;
use crate::api::SHARE_DAYS;
use crate::components::TypeBadge;

/// The name, description, allocation, mix and the board's other pages.
#[component]
pub fn BoardHead(model: RwSignal<BoardModel>, is_admin: bool) -> impl IntoView {
    let (name, slug, description, policy) = model.with_untracked(|m| {
        (
            m.board.name.clone(),
            m.board.slug.clone(),
            m.board.description.clone(),
            m.board.policy.clone(),
        )
    });
    let held = Memo::new(move |_| model.with(BoardModel::tech_debt_held));
    let share = Memo::new(move |_| model.with(|m| m.tech_debt.clone()));
    let open = Memo::new(move |_| model.with(BoardModel::open_by_type));
    view! {
        <div class="board-head">
            <div>
                <h1>{name}</h1>
                {(!description.is_empty()).then(|| view! { <p class="lead">{description}</p> })}
            </div>
            <div class="board-actions">
                <Allocation held policy share/>
                <TypeMix open/>
                <nav class="board-links" aria-label="Board">
                    <a class="button" href=format!("/boards/{slug}/retro")>"Retrospective"</a>
                    <a class="button" href=format!("/boards/{slug}/delivery")>"Delivery"</a>
                    <a class="button" href=format!("/boards/{slug}/members")>"Members"</a>
                    {is_admin.then(|| view! {
                        <a class="button" href=format!("/boards/{slug}/tokens")>"Tokens"</a>
                        <a class="button" href=format!("/boards/{slug}/settings")>"Settings"</a>
                    })}
                </nav>
            </div>
        </div>
    }
}

/// The tech-debt allocation: committed slots held by tech debt against the reserved ones, and
/// the share of the last 28 days' finished work that was tech debt (by count and by active
/// time), against the target.
#[component]
fn Allocation(held: Memo<usize>, policy: BoardPolicy, share: Memo<TechDebtShare>) -> impl IntoView {
    let slots = policy.committed_capacity.map(|capacity| {
        let reserved = policy.reserved_slots();
        let state = move || {
            if (held.get() as u32) < reserved {
                "alloc-slots alloc-short"
            } else {
                "alloc-slots alloc-ok"
            }
        };
        view! {
            <span class=state title="Tech-debt cards in active columns (Standard lane) of the committed capacity">
                {move || format!("Tech debt {} / {capacity} slots, {reserved} reserved", held.get())}
            </span>
        }
    });
    let text = move || share_text(&share.get());
    view! {
        <div class="allocation" aria-label="Tech-debt allocation">
            {slots}
            <span class=move || format!("alloc-share {}", if text().1 { "alloc-short" } else { "alloc-ok" })>
                {move || text().0}
            </span>
        </div>
    }
}

/// What the allocation says of the share, and whether it is short of the target.
fn share_text(share: &TechDebtShare) -> (String, bool) {
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let target = share.target;
    match (share.by_count, share.by_active_time) {
        (Some(count), time) => (
            format!(
                "Last {SHARE_DAYS} days: tech debt was {} of {} finished cards{} (target {})",
                pct(count),
                share.finished,
                time.map(|t| format!(" and {} of active time", pct(t)))
                    .unwrap_or_default(),
                pct(target)
            ),
            count < target || time.is_some_and(|t| t < target),
        ),
        (None, _) => (
            format!(
                "Last {SHARE_DAYS} days: nothing finished (tech-debt target {})",
                pct(target)
            ),
            false,
        ),
    }
}

/// Open work by type, so the mix of features, incidents and tech debt is visible at a glance.
#[component]
fn TypeMix(open: Memo<[usize; 3]>) -> impl IntoView {
    CardType::ALL
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
        .collect_view()
}

/// A column's name, kind and count against its WIP limit.
#[component]
pub fn ColumnHeader(column: Column, count: Memo<usize>, total: Memo<usize>) -> impl IntoView {
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
        <div class=move || format!("column-head kind-{kind} {}", state().0) data-column-id=column.id.to_string()>
            <span class="column-name">{column.name.clone()}</span>
            <span class="column-kind">{kind}</span>
            <span class="wip" title=title>{move || state().1}</span>
        </div>
    }
}
