//! The header's *Inbox* link with the unread count, kept live: it follows
//! `/api/v1/inbox/live`, which tells the count again whenever a new entry arrives (from any
//! instance, through PostgreSQL's NOTIFY as the live board does).

use leptos::prelude::*;

/// *Inbox*, with the count of unread entries when there are any; `unread` is the count when
/// the page was read.
#[component]
pub fn InboxLink(unread: u64) -> impl IntoView {
    let count = RwSignal::new(unread);
    #[cfg(feature = "hydrate")]
    follow(count);
    view! {
        <a href="/inbox" class="inbox-link">
            "Inbox"
            {move || {
                let n = count.get();
                (n > 0).then(|| view! {
                    <span class="unread-count">{n}<span class="visually-hidden">" unread"</span></span>
                })
            }}
        </a>
    }
}

/// The count `{"unread": n}` an `unread` event carries.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser reads it")
)]
fn parse(data: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Unread {
        unread: u64,
    }
    serde_json::from_str::<Unread>(data).ok().map(|u| u.unread)
}

/// Sets `count` from the stream's `unread` events until the page is left.
#[cfg(feature = "hydrate")]
fn follow(count: RwSignal<u64>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    let Ok(source) = web_sys::EventSource::new("/api/v1/inbox/live") else {
        return;
    };
    let on_unread =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(n) = ev.data().as_string().as_deref().and_then(parse) {
                count.try_set(n);
            }
        });
    let _ = source.add_event_listener_with_callback("unread", on_unread.as_ref().unchecked_ref());
    let source = send_wrapper::SendWrapper::new((source, on_unread));
    on_cleanup(move || source.0.close());
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_read_from_the_event() {
        assert_eq!(super::parse(r#"{"unread":3}"#), Some(3));
        assert_eq!(super::parse("nonsense"), None);
    }
}
