//! Use cases that read a board's history: its flow metrics, its delivery view (DORA's four
//! keys and the value stream), its retrospective, and the import of past work into the log.
//!
//! Every figure comes from the domain's computations over what the store reads; the REST API,
//! the delivery dashboard and the retrospective all come through here, so one name means one
//! number on every page.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::access::{Action, Principal, Role};
use domain::delivery::{Delivery, Deployment, Scope};
use domain::import::HistoryImport;
use domain::metrics::{FlowMetrics, MetricCard, Window};
use domain::retro::Retrospective;
use domain::{Board, CardEvent, CardId, UserId};

use crate::access::{authorize_board, effective_role};
use crate::delivery::DeliveryReads;
use crate::error::{Error, Result};
use crate::ports::{BoardRef, Store};

/// Which cards a report covers: every card of the board, or only those one person owns now,
/// or those carrying one label now, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slice {
    /// Only the cards this person owns.
    pub assignee: Option<UserId>,
    /// Only the cards carrying this label: its id, or its name in any case.
    pub label: Option<String>,
}

/// A board's flow metrics for a window and, beside them, its delivery side for the same
/// window: what `GET /boards/{board}/metrics` answers.
#[derive(Debug)]
pub struct FlowReport {
    /// The board's layout (its `cards` stay empty).
    pub board: Board,
    /// The flow metrics.
    pub flow: FlowMetrics,
    /// The four keys of the production deployments (all services) and the value stream.
    pub delivery: Delivery,
}

/// The flow metrics and the delivery side of `board` for `window`, as seen at `now`. The
/// reads run at once, and the flow metrics on a thread of their own while this task works
/// out the delivery side: on a year of history each takes tens of milliseconds of CPU.
pub async fn flow_report(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    (window, slice): (Window, &Slice),
    now: DateTime<Utc>,
) -> Result<FlowReport> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let layout = store.board_layout(&BoardRef::Id(id)).await?;
    let owned = sliced_cards(store, &layout, slice).await?;
    let (cards, events, reads) = tokio::try_join!(
        store.metric_cards(id),
        store.board_events(id, window.end()),
        DeliveryReads::read(store, id, window),
    )?;
    let (cards, flow_events) = sliced(cards, &events, owned.as_ref());
    let flow = {
        let (layout, events) = (layout.clone(), flow_events);
        tokio::task::spawn_blocking(move || {
            domain::metrics::compute(&layout, &cards, &events, window, now)
        })
    };
    let delivery = reads.delivery(&layout, &events, window, &Scope::default())?;
    let flow = flow
        .await
        .map_err(|e| Error::Internal(format!("flow metrics task: {e}")))??;
    Ok(FlowReport {
        board: layout,
        flow,
        delivery,
    })
}

/// The flow metrics alone (the CSV export), with the board's layout.
pub async fn flow_metrics(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    (window, slice): (Window, &Slice),
    now: DateTime<Utc>,
) -> Result<(Board, FlowMetrics)> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let layout = store.board_layout(&BoardRef::Id(id)).await?;
    let owned = sliced_cards(store, &layout, slice).await?;
    let (cards, events) =
        tokio::try_join!(store.metric_cards(id), store.board_events(id, window.end()),)?;
    let (cards, events) = sliced(cards, &events, owned.as_ref());
    let metrics = domain::metrics::compute(&layout, &cards, &events, window, now)?;
    Ok((layout, metrics))
}

/// The cards of `board` that `slice` covers (`None`: every card, no slice asked for): those
/// the person owns, those carrying the label, or those that do both. A label the board does
/// not have is refused (field `label`), as a metric of nothing would read as a real zero.
async fn sliced_cards(
    store: &dyn Store,
    board: &Board,
    slice: &Slice,
) -> Result<Option<HashSet<CardId>>> {
    let owned: Option<HashSet<CardId>> = match slice.assignee {
        Some(user) => Some(
            store
                .assigned_cards(board.id, user)
                .await?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let Some(asked) = slice
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    else {
        return Ok(owned);
    };
    let label = domain::label::find(&board.labels, asked).ok_or_else(|| {
        Error::Invalid(domain::DomainError::Invalid {
            field: "label",
            message: format!("no label is called \"{asked}\" on this board"),
        })
    })?;
    let labelled = store.labelled_cards(board.id, label.id).await?;
    Ok(Some(match owned {
        Some(owned) => labelled.into_iter().filter(|c| owned.contains(c)).collect(),
        None => labelled.into_iter().collect(),
    }))
}

/// The metric facts and the events of the cards in `owned` (all of them when `None`): the
/// flow metrics of one person's work are the board's metrics over the cards they own.
fn sliced(
    mut cards: Vec<MetricCard>,
    events: &Arc<Vec<CardEvent>>,
    owned: Option<&HashSet<CardId>>,
) -> (Vec<MetricCard>, Arc<Vec<CardEvent>>) {
    let Some(owned) = owned else {
        return (cards, Arc::clone(events));
    };
    cards.retain(|c| owned.contains(&c.id));
    let kept = events
        .iter()
        .filter(|e| owned.contains(&e.card_id))
        .cloned()
        .collect();
    (cards, Arc::new(kept))
}

/// A board's delivery view for `window` and `scope`, with the deployments it read (from
/// before the window on, oldest first).
#[derive(Debug)]
pub struct DeliveryReport {
    /// The board's layout.
    pub board: Board,
    /// The four keys, their trend and the value stream.
    pub delivery: Delivery,
    /// The deployments read, oldest first.
    pub deployments: Vec<Deployment>,
}

/// The delivery view of `board` for `window` and `scope`.
pub async fn delivery(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    window: Window,
    scope: &Scope,
) -> Result<DeliveryReport> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let layout = store.board_layout(&BoardRef::Id(id)).await?;
    let (events, reads) = tokio::try_join!(
        store.board_events(id, window.end()),
        DeliveryReads::read(store, id, window),
    )?;
    let delivery = reads.delivery(&layout, &events, window, scope)?;
    Ok(DeliveryReport {
        board: layout,
        delivery,
        deployments: reads.deployments,
    })
}

/// What a retrospective shows, before the page picks its labels and forecast.
#[derive(Debug)]
pub struct RetroReport {
    /// The board with its cards (the charts name cards by their titles).
    pub board: Board,
    /// The role the viewer acts with.
    pub role: Role,
    /// The flow metrics of the period.
    pub current: FlowMetrics,
    /// The flow metrics of the period before, to compare with.
    pub previous: FlowMetrics,
    /// The period's notes and action items.
    pub retro: Retrospective,
    /// The delivery side of the period.
    pub delivery: Delivery,
}

/// The retrospective of `board` for `period`, compared with `before` (see
/// `domain::retro::periods`).
pub async fn retrospective(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    (period, before): (Window, Window),
    slice: &Slice,
    now: DateTime<Utc>,
) -> Result<RetroReport> {
    let id = authorize_board(store, caller, board, Action::ViewBoard).await?;
    let role = effective_role(store, caller, id).await?;
    // The reads at once, each on a connection of its own.
    let by_id = BoardRef::Id(id);
    let (mut board, facts, events, retro, reads) = tokio::try_join!(
        // Whole cards besides their metric facts: the charts label cards with their titles.
        // The facts hold the discarded cards too, which the board leaves out.
        store.board(&by_id),
        store.metric_cards(id),
        // One read of the log serves both periods: the earlier one ends before the later.
        store.board_events(id, period.end()),
        store.retrospective(id, period),
        DeliveryReads::read(store, id, period),
    )?;
    // The slice is resolved against the board just read (its labels).
    let owned = sliced_cards(store, &board, slice).await?;
    if let Some(owned) = &owned {
        board.cards.retain(|c| owned.contains(&c.id));
    }
    // Both periods' flow metrics on a thread of their own while this one works out the
    // delivery side.
    let flow = {
        let cards = std::mem::take(&mut board.cards);
        let layout = board.clone();
        board.cards = cards;
        let (facts, events) = sliced(facts, &events, owned.as_ref());
        tokio::task::spawn_blocking(move || {
            let compute = |window| domain::metrics::compute(&layout, &facts, &events, window, now);
            compute(period).and_then(|current| Ok((current, compute(before)?)))
        })
    };
    let delivery = reads.delivery(&board, &events, period, &Scope::default())?;
    let (current, previous) = flow
        .await
        .map_err(|e| Error::Internal(format!("flow metrics task: {e}")))??;
    Ok(RetroReport {
        board,
        role,
        current,
        previous,
        retro,
        delivery,
    })
}

/// Imports cards with their past column transitions into `board`, all or nothing; answers
/// how many cards were made. Times after `now` (beyond the clock's allowance) are refused.
pub async fn import_history(
    store: &dyn Store,
    caller: &Principal,
    board: &BoardRef,
    import: &HistoryImport,
    now: DateTime<Utc>,
) -> Result<usize> {
    let id = authorize_board(store, caller, board, Action::ImportHistory).await?;
    Ok(store
        .import_history(&BoardRef::Id(id), import, &caller.actor(), now)
        .await?)
}
