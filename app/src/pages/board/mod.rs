//! The board: columns across, lanes down, cards in the cells.
//!
//! Cards move by drag and drop, or with the ◀ ▶ buttons on each card (keyboard and no-JS
//! path). A move shows at once and sends only the move; the server answers with the card's
//! new tile, or refuses and the card goes back with the reason. Changes by anyone else come
//! from the live stream, and only the cards they name are read ([`model`]); the whole board
//! is read again only when its layout or policies changed or changes may have been missed.
//!
//! The page offers only what the viewer's role allows (the server refuses the rest anyway):
//! viewers read, members also add and move cards, admins also override flow policies and
//! reach the settings and API tokens.

mod cell;
mod filter;
mod head;
mod keys;
mod model;
mod people;
mod sync;

use domain::CardType;
use domain::access::Role;
use domain::people::Person;
use domain::{Column, ColumnId, Severity, UserId};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use self::cell::Cell;
use self::head::{BoardTabs, Capacity, ColumnHeader, TypeMix};
use self::model::BoardModel;
use self::people::PeopleBar;
use self::sync::Sync;
use super::slug_param;
use crate::api::{
    BoardSnapshot, CreateCard, MoveCard, REFUSED_MOVE, SetAssignee, get_board, refused_move,
};
use crate::components::Notice;
use crate::components::{
    ErrorPanel, FormAction, LiveUpdates, PostForm, forget_form_outcome, mark_hydrated, url_error,
};
use crate::error::AppError;

/// Moves a card as the page asked, then gives the focus to the card where it lands.
pub type Mover = Callback<(MoveCard, Option<Focus>)>;

/// Makes someone an owner of a card, or no longer one, as the page asked (a person dropped
/// on a tile, or the `i` shortcut).
pub type Assigner = Callback<SetAssignee>;

/// Where the focus goes once a moved card is drawn in its new place: back to the ◀ or ▶
/// button that moved it, or to its title (a move by keyboard shortcut); nowhere after a
/// drag. Keyboard users keep their place instead of being sent to the top of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The ◀ button (else ▶, else the title).
    Left,
    /// The ▶ button (else ◀, else the title).
    Right,
    /// The title.
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser's shortcuts")
    )]
    Title,
}

/// `/boards/:slug`.
#[component]
pub fn BoardPage() -> impl IntoView {
    let slug = slug_param();
    // Bumped when the whole board must be read again: its layout or policies changed, many
    // cards changed at once, or the live stream may have missed changes.
    let reload = RwSignal::new(0_u64);
    // What the live stream said and the page has not taken yet.
    let heard = RwSignal::new(Vec::<Notice>::new());
    // Cards the stream named are being read.
    let fetching = RwSignal::new(false);
    let query = leptos_router::hooks::use_query_map();
    let q = Memo::new(move |_| query.with(|q| q.get(filter::Q)));
    let snapshot = Resource::new(
        move || (slug.get(), q.get(), reload.get()),
        // Tagged with the `reload` count it was asked for at, for the live status.
        |(slug, q, reload)| async move { (reload, get_board(slug, q).await) },
    );
    // When the board shown was read, for the live stream to tell whether it missed a change.
    let read_at = Signal::derive(move || {
        snapshot.with(|s| s.as_ref().and_then(|(_, s)| s.as_ref().ok()).map(|s| s.now))
    });
    // The `reload` count the board shown was asked for at: behind `reload` until the read
    // asked for has arrived.
    let shown = Signal::derive(move || snapshot.with(|s| s.as_ref().map_or(0, |(n, _)| *n)));
    let syncing = Signal::derive(move || {
        shown.get() != reload.get() || fetching.get() || heard.with(|h| !h.is_empty())
    });
    let live = Live {
        reload,
        heard,
        fetching,
    };
    // Read here, outside the Transition, so that a reload of the board (which builds its view
    // anew) does not read them from the address again.
    let forms = BoardForms::from_address();
    view! {
        // Outside the Transition, so a reload does not reconnect the stream; keyed on the
        // slug, so moving to another board follows that board instead.
        {move || view! { <LiveUpdates slug=slug.get() heard syncing read_at/> }}
        <Transition fallback=|| view! { <p class="loading">"Loading board…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    (_, Ok(snapshot)) => Either::Left(view! { <BoardView snapshot live forms/> }),
                    (_, Err(error)) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}

/// What the page and its live stream share.
#[derive(Clone, Copy)]
pub(crate) struct Live {
    reload: RwSignal<u64>,
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser reads them")
    )]
    heard: RwSignal<Vec<Notice>>,
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser reads them")
    )]
    fetching: RwSignal<bool>,
}

/// The board's forms' last answers: a refused move (its toast) and *New card*'s.
#[derive(Clone, Copy)]
pub(crate) struct BoardForms {
    refusal: RwSignal<Option<Refusal>>,
    create: FormAction<CreateCard>,
}

impl BoardForms {
    /// Nothing yet, or what a plain form post came back with in the page's address (a move
    /// refused to a plain form is shown as the page would show it), once: the address then
    /// loses it, so that Back or a rebuilt view does not offer the move again.
    fn from_address() -> Self {
        let query = leptos_router::hooks::use_query_map();
        let refusal = RwSignal::new(query.with_untracked(refusal_in_url));
        if refusal.with_untracked(Option::is_some) {
            forget_form_outcome(&[REFUSED_MOVE]);
        }
        Self {
            refusal,
            create: FormAction::new(),
        }
    }
}

/// A change of a card the server refused, with what it said.
#[derive(Clone, Debug)]
pub(crate) struct Refusal {
    request: Refused,
    error: AppError,
}

/// What the page asked for and was refused.
#[derive(Clone, Debug)]
pub(crate) enum Refused {
    Move(MoveCard),
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "only the browser assigns from the board")
    )]
    Assign(SetAssignee),
}

#[component]
fn BoardView(snapshot: BoardSnapshot, live: Live, forms: BoardForms) -> impl IntoView {
    let BoardForms {
        refusal,
        create: create_action,
    } = forms;
    let can_edit = snapshot.role >= Role::Member;
    let is_admin = snapshot.role >= Role::Admin;
    mark_hydrated();
    let (columns, lanes, now, name, slug, description) = (
        snapshot.board.columns.clone(),
        snapshot.board.lanes.clone(),
        snapshot.now,
        snapshot.board.name.clone(),
        snapshot.board.slug.clone(),
        snapshot.board.description.clone(),
    );
    let people = StoredValue::new(snapshot.people.clone());
    let labels = StoredValue::new(snapshot.board.labels.clone());
    let me = snapshot.me;
    let filter = snapshot.filter.clone();
    let q = filter.as_ref().filter(|f| f.applies()).map(|f| f.q.clone());
    let model = RwSignal::new(BoardModel::new(snapshot));
    // The card being dragged, if any: changes heard wait until the drop, as redrawing a
    // cell under a drag would lose it.
    let dragging = RwSignal::new(None::<String>);
    let query = leptos_router::hooks::use_query_map();
    // What the live stream brought, said to screen readers.
    let said = RwSignal::new(String::new());
    let sync = Sync::new(slug.clone(), q, model, live, said);
    let mover: Mover = {
        let sync = sync.clone();
        Callback::new(move |(request, side): (MoveCard, Option<Focus>)| {
            refusal.set(None);
            sync.move_card(request, side, refusal);
        })
    };
    let assigner: Assigner = {
        let sync = sync.clone();
        Callback::new(move |request: SetAssignee| {
            refusal.set(None);
            sync.assign(request, refusal);
        })
    };
    // The person being dragged onto a card, if any.
    let person = RwSignal::new(None::<UserId>);
    sync.follow(dragging);
    keys::listen(model, mover, assigner, can_edit);
    {
        let sync = sync.clone();
        Effect::new(move |_| {
            if let Some(Ok(card)) = create_action.value().get() {
                sync.show(vec![card.into()]);
            }
        });
    }

    let headers = columns
        .iter()
        .map(|column| {
            let id = column.id;
            let count = Memo::new(move |_| model.with(|m| m.wip_count(id)));
            let total = Memo::new(move |_| model.with(|m| m.column_total(id)));
            let shown = Memo::new(move |_| model.with(|m| m.filtered.then(|| m.column_shown(id))));
            view! { <ColumnHeader column=column.clone() count total shown/> }
        })
        .collect_view();
    // `?lane=<id>` opens a lane that has no open card (a link, so it works without
    // JavaScript); otherwise such a lane is a thin strip that still takes a dropped card.
    let rows = lanes
        .iter()
        .map(|lane| {
            let lane_id = lane.id;
            let key = lane.id.to_string();
            let opened = {
                let key = key.clone();
                Memo::new(move |_| query.with(|q| q.get_str("lane") == Some(key.as_str())))
            };
            let open_cards = Memo::new(move |_| model.with(|m| m.open_in_lane(lane_id)));
            let finished = {
                let columns = columns.clone();
                Memo::new(move |_| {
                    model.with(|m| {
                        columns
                            .iter()
                            .filter(|c| m.is_done(c.id))
                            .map(|c| {
                                let cell = m.cell(c.id, lane_id);
                                cell.cards.len() + cell.earlier
                            })
                            .sum::<usize>()
                    })
                })
            };
            let quiet = Signal::derive(move || open_cards.get() == 0 && !opened.get());
            let cells = columns
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let left = i.checked_sub(1).and_then(|j| columns.get(j)).cloned();
                    let right = columns.get(i + 1).cloned();
                    let column_id: ColumnId = column.id;
                    let cards = Memo::new(move |_| model.with(|m| m.cell(column_id, lane_id)));
                    view! {
                        <Cell
                            column=column.clone()
                            lane=lane.clone()
                            cards
                            quiet
                            left
                            right
                            slug=slug.clone()
                            now
                            dragging
                            person
                            mover
                            assigner
                            can_move=can_edit
                            people
                            labels
                        />
                    }
                })
                .collect_view();
            let kind = lane.kind.as_str();
            let (open_href, close_href) = (
                format!("/boards/{slug}?lane={key}"),
                format!("/boards/{slug}"),
            );
            let note = move || {
                if open_cards.get() > 0 {
                    return None;
                }
                let finished = finished.get();
                let link = if opened.get() {
                    Some(view! { <a class="lane-toggle" href=close_href.clone()>"Hide"</a> })
                } else if finished > 0 {
                    Some(view! {
                        <a class="lane-toggle" href=open_href.clone()>{format!("Show {finished} finished")}</a>
                    })
                } else {
                    None
                };
                Some(view! { <span class="lane-note">"no open cards"</span>{link} })
            };
            view! {
                <div class=move || format!("lane-label lane-{kind}{}", if quiet.get() { " quiet" } else { "" })>
                    <h2 class="lane-name">{lane.name.clone()}</h2>
                    {note}
                </div>
                {cells}
            }
        })
        .collect_view();
    let column_count = format!("--columns: {}", columns.len());
    let switcher = columns
        .iter()
        .map(|c| view! { <a href=format!("#col-{}", c.id)>{c.name.clone()}</a> })
        .collect_view();
    let policy = model.with_untracked(|m| m.board.policy.clone());

    view! {
        <Title text=name.clone()/>
        <section class="board-page">
            // The board's description is the name's tooltip: the first screen is for work.
            <div class="board-toolbar">
                <h1 title=description.clone()>{name.clone()}</h1>
                <BoardTabs slug=slug.clone() is_admin current="Board"/>
                {can_edit.then(|| view! {
                    <NewCardForm slug=slug.clone() columns=columns.clone() create_action can_override=is_admin people me/>
                })}
            </div>
            <filter::FilterBar slug=slug.clone() filter model/>
            <div class="board-status">
                <Capacity model policy/>
                <TypeMix model/>
                <PeopleBar model slug=slug.clone() dragged=person can_assign=can_edit/>
            </div>
            <nav class="column-switcher" aria-label="Columns">{switcher}</nav>
            <div class="board-scroll">
                <div class="board-grid" style=column_count aria-label=format!("{name} board")
                    on:dragend=move |_| dragging.set(None)>
                    {headers}
                    {rows}
                </div>
            </div>
            <p class="hint">
                {if can_edit {
                    "Drag cards between columns, or use ◀ ▶ on a card (Tab to it, Enter to move). Drop a person on a card to assign them. Press ? for the keyboard shortcuts."
                } else {
                    "You are a viewer on this board: you can read it but not change cards. A board admin can make you a member."
                }}
            </p>
            <details class="shortcuts">
                <summary>"Keyboard shortcuts"</summary>
                <dl>
                    {keys::SHORTCUTS
                        .into_iter()
                        .map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> })
                        .collect_view()}
                </dl>
            </details>
            <p class="visually-hidden" role="status" aria-live="polite">{move || said.get()}</p>
        </section>
        <Refusals refusal mover assigner may_override=is_admin board_href=format!("/boards/{slug}")/>
    }
}

/// A move refused to a plain form (no JavaScript), as the board's address brought it back
/// with the error (see `ssr::plain_form`).
fn refusal_in_url(query: &leptos_router::params::ParamsMap) -> Option<Refusal> {
    let error = url_error::<MoveCard>(query)?;
    let request = refused_move(query.get_str(REFUSED_MOVE)?)?;
    Some(Refusal {
        request: Refused::Move(request),
        error,
    })
}

/// What a refused move or assignment says, and for a policy refusal the form that forces it
/// with a reason (board admins; others are told to ask one). Its forms and its *Dismiss*
/// link work without JavaScript too.
#[component]
fn Refusals(
    refusal: RwSignal<Option<Refusal>>,
    mover: Mover,
    assigner: Assigner,
    may_override: bool,
    /// The board without the refusal in its address, where *Dismiss* goes without JavaScript.
    board_href: String,
) -> impl IntoView {
    move || {
        let Refusal { request, error } = refusal.get()?;
        let policy = matches!(error, AppError::Policy { .. });
        let ask = (policy && !may_override)
            .then(|| view! { <p class="ask-admin">"Ask a board admin to override."</p> });
        let what = match request {
            Refused::Move(_) => "The card was not moved. ",
            Refused::Assign(_) => "Nobody was assigned. ",
        };
        let retry = (policy && may_override).then(|| match request {
            Refused::Move(m) => {
                let mut fields = vec![
                    ("card_id", m.card_id.clone()),
                    ("column_id", m.column_id.clone()),
                    ("lane_id", m.lane_id.clone().unwrap_or_default()),
                ];
                fields.extend(m.position.map(|p| ("position", p.to_string())));
                let again = Callback::new(move |reason: String| {
                    let forced = MoveCard { override_reason: Some(reason), ..m.clone() };
                    mover.run((forced, None));
                });
                Either::Left(view! { <OverrideForm url=MoveCard::url() fields button="Move anyway" again/> })
            }
            Refused::Assign(a) => {
                let fields = vec![
                    ("card_id", a.card_id.clone()),
                    ("user_id", a.user_id.clone()),
                    ("assign", "true".to_owned()),
                ];
                let again = Callback::new(move |reason: String| {
                    assigner.run(SetAssignee { override_reason: Some(reason), ..a.clone() });
                });
                Either::Right(view! { <OverrideForm url=SetAssignee::url() fields button="Assign anyway" again/> })
            }
        });
        Some(view! {
            <div class="toast error" role="alert">
                <p><strong>{what}</strong>{error.user_message()}</p>
                {ask}
                {retry}
                <a class="dismiss" href=board_href.clone() on:click=move |ev| {
                    ev.prevent_default();
                    refusal.set(None);
                }>"Dismiss"</a>
            </div>
        })
    }
}

/// The refused change again, with the reason to override: `again` sends it from the page, the
/// form's `fields` post it without JavaScript.
#[component]
fn OverrideForm(
    url: &'static str,
    fields: Vec<(&'static str, String)>,
    button: &'static str,
    again: Callback<String>,
) -> impl IntoView {
    let reason = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(reason) = reason.get_untracked() {
            again.run(reason.value());
        }
    };
    view! {
        <form action=url method="post"
            class="override-form" aria-label="Override the policy" on:submit=on_submit>
            {fields
                .into_iter()
                .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                .collect_view()}
            <label>
                "Reason to override"
                <input name="override_reason" node_ref=reason required maxlength="500" placeholder="Customer-facing outage, agreed with the team"/>
            </label>
            <button type="submit" class="danger">{button}</button>
        </form>
    }
}

#[component]
fn NewCardForm(
    slug: String,
    columns: Vec<Column>,
    create_action: FormAction<CreateCard>,
    /// Board admins may force a card in past a flow policy with a reason.
    can_override: bool,
    /// Who may own the card.
    people: StoredValue<Vec<Person>>,
    /// The viewer, offered first.
    me: Option<UserId>,
) -> impl IntoView {
    let created = move || create_action.value().get();
    let owners = people.with_value(|people| {
        let mut sorted: Vec<&Person> = people.iter().collect();
        sorted.sort_by_key(|p| Some(p.id) != me);
        sorted
            .into_iter()
            .map(|p| {
                let label = if Some(p.id) == me {
                    format!("{} (me)", p.name)
                } else {
                    p.name.clone()
                };
                view! { <option value=p.id.to_string()>{label}</option> }
            })
            .collect_view()
    });
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
                    "Owner"
                    <select name="assignee">
                        <option value="">"Nobody yet"</option>
                        {owners}
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
