//! Live board updates as server-sent events. Every committed change to the board (from this
//! instance, or through PostgreSQL NOTIFY from any other) becomes a `change` event; browsers'
//! `EventSource` reconnects by itself. The `ready` event of each (re)connect says when the
//! board last changed, so a view read before that reloads (nothing missed while disconnected
//! stays missing) and one read after it need not.

use std::convert::Infallible;
use std::time::Duration;

use application::ports::{BoardChange, BoardRef};
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::auth::Caller;
use super::{ApiError, AppState, Problem};

/// A stream of the board's changes (`text/event-stream`): a `ready` event first
/// (`{"changed_at"}`: nothing changed on the board after that time; a view read earlier
/// should reload), then one `change` event per committed change (`{"board_id", "card_id",
/// "what"}`); `what` is `resync` when changes may have been missed and the view should reload.
#[utoipa::path(get, path = "/boards/{board}/live", tag = "boards",
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "Server-sent events", content_type = "text/event-stream"),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn live(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let board = BoardRef::parse(&board);
    let watch = application::boards::watch(state.store.as_ref(), &caller.0, &board).await?;
    let changed_at = watch.changed_at;
    let shutdown = state.shutdown.clone();
    let ready = Event::default()
        .event("ready")
        .json_data(serde_json::json!({ "changed_at": changed_at }))
        .unwrap_or_else(|_| Event::default().event("ready").data("{}"));
    let stream = futures::stream::unfold(
        (watch, shutdown, Some(ready)),
        move |(mut watch, mut shutdown, first)| async move {
            if let Some(event) = first {
                return Some((Ok(event), (watch, shutdown, None)));
            }
            loop {
                let change = tokio::select! {
                    received = watch.changes.recv() => received,
                    // Server shutting down: end the stream so graceful shutdown is not held up.
                    _ = shutdown.wait_for(|stop| *stop) => return None,
                };
                let change = match change {
                    Ok(c) if watch.concerns(&c) => c,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => BoardChange::resync(),
                    Err(RecvError::Closed) => return None,
                };
                let event = Event::default()
                    .event("change")
                    .json_data(&change)
                    .unwrap_or_else(|_| Event::default().event("change").data("{}"));
                return Some((Ok(event), (watch, shutdown, None)));
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
