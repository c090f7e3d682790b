//! The board: columns across, lanes down, cards in the cells.
//!
//! Cards move by drag and drop, or with the ◀ ▶ buttons on each card (keyboard and no-JS
//! path). After any change the board is read again from the server, so what is shown is
//! always what is stored, and a refused move leaves the card where it was.
//!
//! The page offers only what the viewer's role allows (the server refuses the rest anyway):
//! viewers read, members also add and move cards, admins also override flow policies and
//! reach the settings and API tokens.

use chrono::{DateTime, Utc};
use domain::access::Role;
use std::collections::HashMap;

use crate::components::{FormAction, PostForm};
use domain::policy::BoardPolicy;
use domain::{Board, CardType, Column, ColumnId, ColumnKind, Lane, LaneId, Severity};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::slug_param;
use crate::api::{
    BoardSnapshot, CreateCard, DONE_SHOWN, MoveCard, SHARE_DAYS, TileCard, get_board,
};
use crate::components::{
    ErrorPanel, LiveUpdates, TileContext, TypeBadge, mark_hydrated, tile_of, tiles_html,
};
use crate::error::AppError;
use domain::policy::TechDebtShare;

/// `/boards/:slug`.
#[component]
pub fn BoardPage() -> impl IntoView {
    let slug = slug_param();
    let move_action = FormAction::<MoveCard>::new();
    let create_action = FormAction::<CreateCard>::new();
    // Bumped by the live stream when anyone (another browser, the API, monitoring) changes
    // the board, so the board is read again without a page reload.
    let reload = RwSignal::new(0_u64);
    // The card being dragged, if any. Kept here so the live stream can hold its reload until
    // the drop: re-rendering the board under a drag would lose it.
    let dragging = RwSignal::new(None::<String>);
    let drag_in_progress = Signal::derive(move || dragging.with(Option::is_some));
    let snapshot = Resource::new(
        move || {
            (
                slug.get(),
                move_action.version().get(),
                create_action.version().get(),
                reload.get(),
            )
        },
        // Tagged with the `reload` count it was asked for at, for the live status.
        |(slug, _, _, reload)| async move { (reload, get_board(slug).await) },
    );
    // The role of the last board read, for the refusal toast outside the board's Transition.
    let role = Signal::derive(move || {
        snapshot.with(|s| {
            s.as_ref()
                .and_then(|(_, s)| s.as_ref().ok())
                .map(|s| s.role)
        })
    });
    // When the board shown was read, for the live stream to tell whether it missed a change.
    let read_at = Signal::derive(move || {
        snapshot.with(|s| s.as_ref().and_then(|(_, s)| s.as_ref().ok()).map(|s| s.now))
    });
    // The `reload` count the board shown was asked for at: behind `reload` until the read a
    // live change asked for has arrived (the live status says "syncing" meanwhile).
    let shown = Signal::derive(move || snapshot.with(|s| s.as_ref().map_or(0, |(n, _)| *n)));
    view! {
        // Outside the Transition, so a reload does not reconnect the stream; keyed on the
        // slug, so moving to another board follows that board instead.
        {move || view! { <LiveUpdates slug=slug.get() reload shown paused=drag_in_progress read_at/> }}
        <Transition fallback=|| view! { <p class="loading">"Loading board…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    (_, Ok(snapshot)) => Either::Left(view! { <BoardView snapshot move_action create_action dragging/> }),
                    (_, Err(error)) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
        <MoveRefusal move_action role/>
    }
}

/// What a refused move says, and for a policy refusal the form that forces it with a reason
/// (board admins; others are told to ask one).
#[component]
fn MoveRefusal(move_action: FormAction<MoveCard>, role: Signal<Option<Role>>) -> impl IntoView {
    // The last move asked for, so an override can repeat it with a reason.
    let last_move = RwSignal::new(None::<MoveCard>);
    Effect::new(move |_| {
        if let Some(input) = move_action.input().get() {
            last_move.set(Some(input));
        }
    });
    let dismissed = RwSignal::new(false);
    Effect::new(move |_| {
        move_action.version().track();
        dismissed.set(false);
    });
    move || {
        let error = move_action.value().get().and_then(Result::err)?;
        if dismissed.get() {
            return None;
        }
        let policy = matches!(error, AppError::Policy { .. });
        let may_override = role.get() == Some(Role::Admin);
        let retry = last_move.get().filter(|_| policy && may_override);
        let ask = (policy && !may_override)
            .then(|| view! { <p class="ask-admin">"Ask a board admin to override."</p> });
        Some(view! {
            <div class="toast error" role="alert">
                <p><strong>"The card was not moved. "</strong>{error.user_message()}</p>
                {ask}
                {retry.map(|m| view! {
                    <PostForm action=move_action attr:class="override-form" attr:aria-label="Override the policy">
                        <input type="hidden" name="card_id" value=m.card_id/>
                        <input type="hidden" name="column_id" value=m.column_id/>
                        <input type="hidden" name="lane_id" value=m.lane_id.unwrap_or_default()/>
                        {m.position.map(|p| view! { <input type="hidden" name="position" value=p/> })}
                        <label>
                            "Reason to override"
                            <input name="override_reason" required maxlength="500" placeholder="Customer-facing outage, agreed with the team"/>
                        </label>
                        <button type="submit" class="danger">"Move anyway"</button>
                    </PostForm>
                })}
                <button type="button" class="link" on:click=move |_| dismissed.set(true)>"Dismiss"</button>
            </div>
        })
    }
}

#[component]
fn BoardView(
    snapshot: BoardSnapshot,
    move_action: FormAction<MoveCard>,
    create_action: FormAction<CreateCard>,
    dragging: RwSignal<Option<String>>,
) -> impl IntoView {
    let can_edit = snapshot.role >= Role::Member;
    let is_admin = snapshot.role >= Role::Admin;
    mark_hydrated();
    let headers = snapshot
        .board
        .columns
        .iter()
        .map(|column| {
            let count = snapshot.board.wip_count_among(
                column.id,
                snapshot.cards.iter().map(|c| (c.column_id, c.lane_id)),
            );
            let total = snapshot.column_total(column.id);
            view! { <ColumnHeader column=column.clone() count total/> }
        })
        .collect_view();
    let held = tech_debt_held(&snapshot.board, &snapshot.cards);
    let open = open_by_type(&snapshot.board, &snapshot.cards);
    let BoardSnapshot {
        board,
        cards,
        now,
        tech_debt,
        hidden,
        ..
    } = snapshot;
    let earlier = |column: ColumnId, lane: LaneId| {
        hidden
            .iter()
            .filter(|h| h.column_id == column && h.lane_id == lane)
            .map(|h| h.count)
            .sum::<usize>()
    };
    // Each cell's tiles, moved out of the snapshot once rather than filtered out per cell.
    let mut by_cell: HashMap<(ColumnId, LaneId), Vec<TileCard>> = HashMap::new();
    for card in cards {
        by_cell
            .entry((card.column_id, card.lane_id))
            .or_default()
            .push(card);
    }
    let Board {
        name,
        slug,
        description,
        columns,
        lanes,
        policy,
        ..
    } = board;
    let template = format!(
        "grid-template-columns: repeat({}, minmax(12rem, 1fr));",
        columns.len()
    );

    let rows = lanes
        .iter()
        .map(|lane| {
            let cells = columns
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let left = i.checked_sub(1).and_then(|j| columns.get(j)).cloned();
                    let right = columns.get(i + 1).cloned();
                    let cards = by_cell.remove(&(column.id, lane.id)).unwrap_or_default();
                    let earlier = earlier(column.id, lane.id);
                    view! {
                        <Cell
                            column=column.clone()
                            lane=lane.clone()
                            cards
                            earlier
                            left
                            right
                            slug=slug.clone()
                            now
                            dragging
                            move_action
                            can_move=can_edit
                        />
                    }
                })
                .collect_view();
            view! {
                <div class=format!("lane-label lane-{}", lane.kind.as_str()) role="rowheader">
                    {lane.name.clone()}
                </div>
                {cells}
            }
        })
        .collect_view();

    view! {
        <Title text=name.clone()/>
        <section class="board-page">
            <div class="board-head">
                <div>
                    <h1>{name.clone()}</h1>
                    {(!description.is_empty()).then(|| view! { <p class="lead">{description.clone()}</p> })}
                </div>
                <div class="board-actions">
                    <Allocation held policy share=tech_debt/>
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
            {can_edit.then(|| view! {
                <NewCardForm slug=slug.clone() columns=columns.clone() create_action can_override=is_admin/>
            })}
            <div class="board-scroll">
                <div class="board-grid" style=template role="grid" aria-label=format!("{name} board")
                    on:dragend=move |_| dragging.set(None)>
                    {headers}
                    {rows}
                </div>
            </div>
            <p class="hint">
                {if can_edit {
                    "Drag cards between columns, or use ◀ ▶ on a card (Tab to it, Enter to move)."
                } else {
                    "You are a viewer on this board: you can read it but not change cards. A board admin can make you a member."
                }}
            </p>
        </section>
    }
}

/// Tech-debt cards holding committed slots (see [`Board::is_committed`]).
fn tech_debt_held(board: &Board, cards: &[TileCard]) -> usize {
    cards
        .iter()
        .filter(|c| c.card_type == CardType::TechDebt && board.is_committed(c.column_id, c.lane_id))
        .count()
}

/// Cards not in a `done` column, per type, in [`CardType::ALL`] order.
fn open_by_type(board: &Board, cards: &[TileCard]) -> [usize; 3] {
    let mut open = [0; 3];
    for card in cards.iter().filter(|c| {
        board
            .column(c.column_id)
            .is_some_and(|col| col.kind != ColumnKind::Done)
    }) {
        if let Some(i) = CardType::ALL.iter().position(|t| *t == card.card_type) {
            open[i] += 1;
        }
    }
    open
}

/// The tech-debt allocation: committed slots held by tech debt against the reserved ones, and
/// the share of the last 28 days' finished work that was tech debt (by count and by active
/// time), against the target.
#[component]
fn Allocation(held: usize, policy: BoardPolicy, share: TechDebtShare) -> impl IntoView {
    let slots = policy.committed_capacity.map(|capacity| {
        let reserved = policy.reserved_slots();
        let state = if (held as u32) < reserved { "alloc-short" } else { "alloc-ok" };
        view! {
            <span class=format!("alloc-slots {state}") title="Tech-debt cards in active columns (Standard lane) of the committed capacity">
                {format!("Tech debt {held} / {capacity} slots, {reserved} reserved")}
            </span>
        }
    });
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let target = share.target;
    let (text, short) = match (share.by_count, share.by_active_time) {
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
    };
    view! {
        <div class="allocation" aria-label="Tech-debt allocation">
            {slots}
            <span class=format!("alloc-share {}", if short { "alloc-short" } else { "alloc-ok" })>{text}</span>
        </div>
    }
}

/// Open work by type, so the mix of features, incidents and tech debt is visible at a glance.
#[component]
fn TypeMix(open: [usize; 3]) -> impl IntoView {
    CardType::ALL
        .into_iter()
        .zip(open)
        .map(|(t, n)| {
            view! {
                <span class="mix-item" title=format!("Open {} cards", t.label())>
                    <TypeBadge card_type=t/>
                    <span class="mix-count">{n}</span>
                </span>
            }
        })
        .collect_view()
}

#[component]
fn ColumnHeader(column: Column, count: usize, total: usize) -> impl IntoView {
    let (state, limit_text) = match column.wip_limit {
        Some(limit) if count as u32 > limit => {
            ("over-limit", format!("{count} / {limit} over limit"))
        }
        Some(limit) if count as u32 == limit => ("at-limit", format!("{count} / {limit} at limit")),
        Some(limit) => ("under-limit", format!("{count} / {limit}")),
        None => ("no-limit", format!("{total}")),
    };
    let title = match column.wip_limit {
        Some(_) => "Standard-lane cards against the WIP limit",
        None => "Cards in this column (no WIP limit)",
    };
    view! {
        <div class=format!("column-head kind-{} {state}", column.kind.as_str()) role="columnheader" data-column-id=column.id.to_string()>
            <span class="column-name">{column.name.clone()}</span>
            <span class="column-kind">{column.kind.as_str()}</span>
            <span class="wip" title=title>{limit_text}</span>
        </div>
    }
}

#[component]
fn Cell(
    column: Column,
    lane: Lane,
    cards: Vec<TileCard>,
    /// Finished cards of this cell the server left out (older than the shown ones).
    earlier: usize,
    left: Option<Column>,
    right: Option<Column>,
    slug: String,
    now: DateTime<Utc>,
    dragging: RwSignal<Option<String>>,
    move_action: FormAction<MoveCard>,
    can_move: bool,
) -> impl IntoView {
    let over = RwSignal::new(false);
    let column_id = column.id.to_string();
    let lane_id = lane.id.to_string();
    let done = column.kind == ColumnKind::Done;
    let hidden = if done {
        cards.len().saturating_sub(DONE_SHOWN) + earlier
    } else {
        0
    };
    // Done columns show the most recently finished work first, at most DONE_SHOWN of it. The
    // server already left out the older cards of most done cells; not those of a done column
    // with a WIP limit (the limit counts them all), which are cut to the same length here.
    let shown: Vec<TileCard> = if done {
        cards.into_iter().rev().take(DONE_SHOWN).collect()
    } else {
        cards
    };
    let tiles = tiles_html(
        &shown,
        &TileContext {
            slug: &slug,
            left: left.as_ref(),
            right: right.as_ref(),
            now,
            can_move,
        },
        hidden,
    );
    // A drop on a tile puts the dragged card before it; anywhere else in the cell, at the end.
    // Done cells show their cards newest first (and not all of them), so a card dropped there
    // always goes to the end of the stored order: the top of the cell, as the latest finished.
    let order: Vec<String> = if done {
        Vec::new()
    } else {
        shown.iter().map(|c| c.id.to_string()).collect()
    };
    let on_drop = {
        let (column_id, lane_id) = (column_id.clone(), lane_id.clone());
        move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            over.set(false);
            // Taken, not read: the drag is over (and live reloads may run again) even if the
            // dragged tile left the page before its `dragend` could fire.
            let Some(card_id) = dragging.try_update(Option::take).flatten() else {
                return;
            };
            let position = tile_of(&ev).and_then(|target| {
                order
                    .iter()
                    .filter(|id| **id != card_id)
                    .position(|id| *id == target)
            });
            move_action.dispatch(MoveCard {
                card_id,
                column_id: column_id.clone(),
                lane_id: Some(lane_id.clone()),
                position: position.map(|p| p as u32),
                override_reason: None,
            });
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
        let Some(column_id) = ev.submitter().and_then(|b| b.get_attribute("value")) else {
            return;
        };
        let Some(card_id) = tile_of(&ev) else { return };
        ev.prevent_default();
        move_action.dispatch(MoveCard {
            card_id,
            column_id,
            lane_id: None,
            position: None,
            override_reason: None,
        });
    };
    view! {
        <div
            class=move || format!("cell lane-{}{}", lane.kind.as_str(), if over.get() { " drop-target" } else { "" })
            role="gridcell"
            data-column-id=column_id.clone()
            data-lane-id=lane_id.clone()
            aria-label=format!("{} · {}", column.name, lane.name)
            on:dragstart=on_drag_start
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if can_move {
                    ev.prevent_default();
                    over.set(true);
                }
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
            on:submit=on_submit
            inner_html=tiles
        ></div>
    }
}

#[component]
fn NewCardForm(
    slug: String,
    columns: Vec<Column>,
    create_action: FormAction<CreateCard>,
    /// Board admins may force a card in past a flow policy with a reason.
    can_override: bool,
) -> impl IntoView {
    let created = move || create_action.value().get();
    view! {
        <details class="new-card" open=move || matches!(created(), Some(Err(_)))>
            <summary class="button primary">"+ New card"</summary>
            <PostForm action=create_action attr:class="inline-form" attr:aria-label="New card">
                <input type="hidden" name="slug" value=slug/>
                <label class="grow">
                    "Title"
                    <input name="title" required maxlength="200" placeholder="What needs doing?"/>
                </label>
                <label>
                    "Type"
                    <select name="card_type">
                        {CardType::ALL
                            .into_iter()
                            .map(|t| view! { <option value=t.as_str()>{t.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Severity (incidents)"
                    <select name="severity">
                        {Severity::ALL
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <option value=s.as_str() selected=s == Severity::Sev3>
                                        {s.as_str()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Column"
                    <select name="column_id">
                        {columns
                            .into_iter()
                            .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> })
                            .collect_view()}
                    </select>
                </label>
                {move || {
                    (can_override && matches!(created(), Some(Err(AppError::Policy { .. }))))
                        .then(|| {
                            view! {
                                <label class="grow override">
                                    "Reason to override the policy"
                                    <input name="override_reason" maxlength="500" placeholder="Why this cannot wait"/>
                                </label>
                            }
                        })
                }}
                <button type="submit" class="primary">"Add card"</button>
            </PostForm>
            {move || {
                created().and_then(Result::err).map(|e| {
                    let ask = (!can_override && matches!(e, AppError::Policy { .. }))
                        .then_some(" Ask a board admin to override.");
                    view! { <p class="form-error" role="alert">{e.user_message()}{ask}</p> }
                })
            }}
        </details>
    }
}
