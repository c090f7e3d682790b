//! Live board updates in the browser: follows the board's server-sent-events stream and bumps
//! a counter the page's data depends on, so the board reloads when anyone changes it. The
//! stream sends `ready` on every (re)connect with the time of the board's last change, and the
//! board reloads if that is not well before the board shown was read: nothing missed while the
//! connection was down stays missing, and a page just rendered is not read and redrawn a second
//! time for nothing. Bursts (an alert storm) are coalesced into one reload per 300 ms.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// How much later than a change the board must have been read for a `ready` not to reload
/// it: room for clocks of several instances that differ a little.
#[cfg_attr(
    not(feature = "hydrate"),
    allow(dead_code, reason = "the browser side calls it")
)]
const CLOCK_MARGIN_SECS: i64 = 5;

/// Whether a `ready` event's data (`{"changed_at": …}`) means the board read at `read_at`
/// may miss a change. Anything unreadable or unknown does: a needless reload is harmless.
#[cfg_attr(
    not(feature = "hydrate"),
    allow(dead_code, reason = "the browser side calls it")
)]
pub fn ready_needs_reload(data: &str, read_at: Option<DateTime<Utc>>) -> bool {
    #[derive(serde::Deserialize)]
    struct Ready {
        changed_at: DateTime<Utc>,
    }
    match (serde_json::from_str::<Ready>(data), read_at) {
        (Ok(ready), Some(read_at)) => {
            ready.changed_at + chrono::Duration::seconds(CLOCK_MARGIN_SECS) >= read_at
        }
        _ => true,
    }
}

/// Reloads the board (by bumping `reload`) whenever the board's live stream says so, and
/// shows whether the board is live: `data-live` is `off` (not connected), `syncing` (a change
/// heard is not shown yet) or `on` (what is shown is what is stored, as far as heard).
#[component]
pub fn LiveUpdates(
    /// The board's slug.
    slug: String,
    /// Bumped on every change worth a reload.
    reload: RwSignal<u64>,
    /// The value `reload` had when the board shown was asked for: behind it while a reload
    /// is under way.
    shown: Signal<u64>,
    /// While true (a card is being dragged), reloads wait: re-rendering the board under a
    /// drag would drop it on the floor.
    paused: Signal<bool>,
    /// When the board shown was read, if it was.
    read_at: Signal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let connected = RwSignal::new(false);
    // A reload is due (coalescing a burst of changes into one).
    let pending = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    follow(slug, reload, connected, pending, paused, read_at);
    #[cfg(not(feature = "hydrate"))]
    let _ = (slug, paused, read_at);
    let state = move || match connected.get() {
        false => "off",
        true if pending.get() || shown.get() != reload.get() => "syncing",
        true => "on",
    };
    view! {
        <span class="live-status" data-live=state
            title=move || match state() {
                "off" => "Not live: reload to see others' changes",
                "syncing" => "Live: showing the latest changes…",
                _ => "Live: changes by anyone appear here at once",
            }>
            <span class="live-dot" aria-hidden="true"></span>
            {move || if connected.get() { "Live" } else { "Offline" }}
        </span>
    }
}

/// Bumps `reload` in 300 ms, or later if `paused` is still true then.
#[cfg(feature = "hydrate")]
fn reload_soon(pending: RwSignal<bool>, reload: RwSignal<u64>, paused: Signal<bool>) {
    set_timeout(
        move || {
            // The page may have been left meanwhile: its signals are gone, and so is the
            // reason to reload (reading a disposed signal would panic).
            match paused.try_get_untracked() {
                None => return,
                Some(true) => {
                    reload_soon(pending, reload, paused);
                    return;
                }
                Some(false) => {}
            }
            pending.try_set(false);
            reload.try_update(|n| *n += 1);
        },
        std::time::Duration::from_millis(300),
    );
}

/// Reloads the board in 300 ms, unless a reload is already due (bursts become one).
#[cfg(feature = "hydrate")]
fn ask_reload(pending: RwSignal<bool>, reload: RwSignal<u64>, paused: Signal<bool>) {
    // `None`: the page is gone (a late event before the stream closed).
    if pending.try_get_untracked().unwrap_or(true) {
        return;
    }
    pending.try_set(true);
    reload_soon(pending, reload, paused);
}

#[cfg(feature = "hydrate")]
fn follow(
    slug: String,
    reload: RwSignal<u64>,
    connected: RwSignal<bool>,
    pending: RwSignal<bool>,
    paused: Signal<bool>,
    read_at: Signal<Option<DateTime<Utc>>>,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/boards/{slug}/live")) else {
        return;
    };
    // A `ready` that came before the board's first read (a board opened by navigation inside
    // the app reads it while the stream connects): judged once that read is there.
    let early_ready = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(read_at) = read_at.get() else { return };
        if let Some(data) = early_ready.try_update(Option::take).flatten()
            && ready_needs_reload(&data, Some(read_at))
        {
            ask_reload(pending, reload, paused);
        }
    });
    let on_ready =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            connected.try_set(true);
            let data = ev.data().as_string().unwrap_or_default();
            // `None`: the page is gone (a late event before the stream closed).
            let Some(read_at) = read_at.try_get_untracked() else {
                return;
            };
            if read_at.is_none() {
                early_ready.try_set(Some(data));
            } else if ready_needs_reload(&data, read_at) {
                ask_reload(pending, reload, paused);
            }
        });
    let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        connected.try_set(true);
        ask_reload(pending, reload, paused);
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        // EventSource retries by itself; the next `ready` reloads.
        connected.try_set(false);
    });
    let _ = source.add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    let source = send_wrapper::SendWrapper::new((source, on_ready, on_change, on_error));
    on_cleanup(move || source.0.close());
}

#[cfg(test)]
mod tests {
    use super::ready_needs_reload;

    #[test]
    fn a_board_read_well_after_its_last_change_is_not_read_again() {
        let read = "2026-12-02T10:00:00Z".parse().ok();
        let ready = |at: &str| format!(r#"{{"changed_at":"{at}"}}"#);
        assert!(!ready_needs_reload(&ready("2026-12-02T09:59:54Z"), read));
        // Within the clock margin, or after the read: reload.
        assert!(ready_needs_reload(&ready("2026-12-02T09:59:56Z"), read));
        assert!(ready_needs_reload(&ready("2026-12-02T10:00:01Z"), read));
        // Not known, or not readable: reload.
        assert!(ready_needs_reload(&ready("2026-12-02T09:00:00Z"), None));
        assert!(ready_needs_reload("{}", read));
        assert!(ready_needs_reload("", read));
    }
}
