//! Live board updates in the browser: follows the board's server-sent-events stream and
//! hands what it hears to the board page, a batch per 300 ms (an alert storm becomes one
//! read). The page reads only the cards a change names ([`triage`]), and the whole board
//! when a change is not about one card, or when the stream's `ready` (sent on every
//! (re)connect with the time of the board's last change) is not well before the board shown
//! was read: nothing missed while the connection was down stays missing, and a page just
//! rendered is not read and redrawn a second time for nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::CardId;
use leptos::prelude::*;
use serde::Deserialize;

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
    #[derive(Deserialize)]
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

/// One thing the stream said: a `change` event, or "read the whole board" (`resync`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Notice {
    /// The card changed, when one was.
    #[serde(default)]
    pub card_id: Option<CardId>,
    /// What happened (`card_moved`, `columns_changed`, `resync`, ...).
    pub what: String,
    /// The card's `updated_at` after the change.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Notice {
    /// Read the whole board: changes may have been missed.
    pub fn resync() -> Self {
        Self {
            card_id: None,
            what: "resync".into(),
            updated_at: None,
        }
    }

    /// A `change` event's data; what cannot be read asks for the whole board.
    pub fn parse(data: &str) -> Self {
        serde_json::from_str(data).unwrap_or_else(|_| Self::resync())
    }
}

/// Changes to a board that nothing on its page shows (the page need not read anything).
const NOT_ON_THE_BOARD_PAGE: [&str; 4] = [
    "deployment_recorded",
    "retro_notes",
    "retro_action",
    "incident_settings_changed",
];

/// How many changed cards a page reads one by one; beyond that, the whole board is read.
pub const CARDS_READ_AT_MOST: usize = 50;

/// What a board page does about a batch of notices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Catch {
    /// Nothing: the page already shows it (its own change), or shows nothing of it.
    Nothing,
    /// Read these cards.
    Cards(Vec<CardId>),
    /// Read the whole board.
    Reload,
}

/// Decides what a batch of notices asks of a page that knows the cards' versions in `known`
/// (their `updated_at`, from its own changes and the cards it read): a card it already shows
/// at that version or later is not read again, so a browser's own move, echoed by the
/// stream, costs nothing.
pub fn triage(notices: &[Notice], known: &HashMap<CardId, DateTime<Utc>>) -> Catch {
    let mut cards: Vec<CardId> = Vec::new();
    for notice in notices {
        // Someone's inbox has a new entry: the card's own change is announced apart.
        if notice.what == "notified" {
            continue;
        }
        match notice.card_id {
            None if NOT_ON_THE_BOARD_PAGE.contains(&notice.what.as_str()) => {}
            None => return Catch::Reload,
            Some(id) => {
                let seen = match (known.get(&id), notice.updated_at) {
                    (Some(known), Some(at)) => at <= *known,
                    _ => false,
                };
                if !seen && !cards.contains(&id) {
                    cards.push(id);
                }
            }
        }
    }
    match cards.len() {
        0 => Catch::Nothing,
        n if n > CARDS_READ_AT_MOST => Catch::Reload,
        _ => Catch::Cards(cards),
    }
}

/// Follows the board's stream, appending what it hears to `heard` (a batch per 300 ms), and
/// shows whether the board is live: `data-live` is `off` (not connected), `syncing` (a
/// change heard is not shown yet: `syncing` says so, or a batch is waiting) or `on` (what
/// is shown is what is stored, as far as heard).
#[component]
pub fn LiveUpdates(
    /// The board's slug.
    slug: String,
    /// Where notices go; the page takes them from there.
    heard: RwSignal<Vec<Notice>>,
    /// Whether the page is still bringing itself up to date with what it heard.
    syncing: Signal<bool>,
    /// When the board shown was read whole, if it was.
    read_at: Signal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let connected = RwSignal::new(false);
    // Notices waiting for the end of their 300 ms batch.
    let pending = RwSignal::new(Vec::<Notice>::new());
    #[cfg(feature = "hydrate")]
    follow(slug, heard, connected, pending, read_at);
    #[cfg(not(feature = "hydrate"))]
    let _ = (slug, heard, read_at);
    let state = move || match connected.get() {
        false => "off",
        true if syncing.get() || pending.with(|p| !p.is_empty()) => "syncing",
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

/// Adds `notice` to the batch, starting the batch's 300 ms when it is the first.
#[cfg(feature = "hydrate")]
fn hear(notice: Notice, pending: RwSignal<Vec<Notice>>, heard: RwSignal<Vec<Notice>>) {
    // `None`: the page is gone (a late event before the stream closed).
    let Some(first) = pending.try_update(|p| {
        p.push(notice);
        p.len() == 1
    }) else {
        return;
    };
    if first {
        set_timeout(
            move || {
                let Some(batch) = pending.try_update(std::mem::take) else {
                    return;
                };
                heard.try_update(|h| h.extend(batch));
            },
            std::time::Duration::from_millis(300),
        );
    }
}

#[cfg(feature = "hydrate")]
fn follow(
    slug: String,
    heard: RwSignal<Vec<Notice>>,
    connected: RwSignal<bool>,
    pending: RwSignal<Vec<Notice>>,
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
            hear(Notice::resync(), pending, heard);
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
                hear(Notice::resync(), pending, heard);
            }
        });
    let on_change =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            connected.try_set(true);
            let data = ev.data().as_string().unwrap_or_default();
            hear(Notice::parse(&data), pending, heard);
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
    use super::*;

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

    #[test]
    fn only_cards_not_already_shown_at_their_version_are_read() {
        let (mine, theirs) = (CardId::new(), CardId::new());
        let at: DateTime<Utc> = "2026-12-02T10:00:00.123456Z".parse().expect("a time");
        let known = HashMap::from([(mine, at)]);
        let notice = |id: CardId, when: DateTime<Utc>| {
            Notice::parse(&format!(
                r#"{{"board_id":null,"card_id":"{id}","what":"card_moved","updated_at":"{}"}}"#,
                when.to_rfc3339()
            ))
        };
        // The page's own move, echoed: nothing to read.
        assert_eq!(triage(&[notice(mine, at)], &known), Catch::Nothing);
        // A later change to the same card, and anyone's change to another: read them, once.
        let later = at + chrono::Duration::milliseconds(1);
        assert_eq!(
            triage(
                &[
                    notice(mine, later),
                    notice(theirs, at),
                    notice(theirs, later)
                ],
                &known
            ),
            Catch::Cards(vec![mine, theirs])
        );
        // A change without a version (an older server) is read.
        let bare = Notice::parse(&format!(r#"{{"card_id":"{mine}","what":"card_edited"}}"#));
        assert_eq!(triage(&[bare], &known), Catch::Cards(vec![mine]));
    }

    #[test]
    fn board_wide_changes_read_the_board_unless_the_page_shows_nothing_of_them() {
        let known = HashMap::new();
        let board = |what: &str| Notice::parse(&format!(r#"{{"board_id":null,"what":"{what}"}}"#));
        assert_eq!(
            triage(&[board("deployment_recorded")], &known),
            Catch::Nothing
        );
        assert_eq!(triage(&[board("columns_changed")], &known), Catch::Reload);
        assert_eq!(triage(&[Notice::parse("not json")], &known), Catch::Reload);
        let many: Vec<Notice> = (0..=CARDS_READ_AT_MOST)
            .map(|_| Notice {
                card_id: Some(CardId::new()),
                what: "incident_opened".into(),
                updated_at: None,
            })
            .collect();
        assert_eq!(
            triage(&many, &known),
            Catch::Reload,
            "a storm reads the board once"
        );
    }
}
