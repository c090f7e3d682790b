//! Live board updates in the browser: follows the board's server-sent-events stream and bumps
//! a counter the page's data depends on, so the board reloads when anyone changes it. The
//! stream sends `ready` on every (re)connect, which reloads too: nothing missed while the
//! connection was down stays missing. Bursts (an alert storm) are coalesced into one reload
//! per 300 ms.

use leptos::prelude::*;

/// Reloads the board (by bumping `reload`) whenever the board's live stream says so.
#[component]
pub fn LiveUpdates(
    /// The board's slug.
    slug: String,
    /// Bumped on every change worth a reload.
    reload: RwSignal<u64>,
    /// While true (a card is being dragged), reloads wait: re-rendering the board under a
    /// drag would drop it on the floor.
    paused: Signal<bool>,
) -> impl IntoView {
    let connected = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    follow(slug, reload, connected, paused);
    #[cfg(not(feature = "hydrate"))]
    let _ = (slug, reload, paused);
    view! {
        <span class="live-status" data-live=move || if connected.get() { "on" } else { "off" }
            title=move || if connected.get() { "Live: changes by anyone appear here at once" } else { "Not live: reload to see others' changes" }>
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

#[cfg(feature = "hydrate")]
fn follow(slug: String, reload: RwSignal<u64>, connected: RwSignal<bool>, paused: Signal<bool>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/boards/{slug}/live")) else {
        return;
    };
    let pending = RwSignal::new(false);
    let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        connected.try_set(true);
        // `None`: the page is gone (a late event before the stream closed).
        if pending.try_get_untracked().unwrap_or(true) {
            return;
        }
        pending.try_set(true);
        reload_soon(pending, reload, paused);
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        // EventSource retries by itself; the next `ready` reloads.
        connected.try_set(false);
    });
    let callback = on_change.as_ref().unchecked_ref();
    let _ = source.add_event_listener_with_callback("ready", callback);
    let _ = source.add_event_listener_with_callback("change", callback);
    let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    let source = send_wrapper::SendWrapper::new((source, on_change, on_error));
    on_cleanup(move || source.0.close());
}
