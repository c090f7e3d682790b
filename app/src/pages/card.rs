//! `/boards/:slug/cards/:number`: a card's page (its facts, owners, description, comments,
//! history and the forms that change them), rendered on the server with plain forms
//! (`render::card_html`): each change posts, and the page comes back with its outcome, with
//! or without JavaScript.
//!
//! The page follows its board's live stream: a change to this card (a comment, an edit, a
//! move, by anyone) reads the page again, unless the viewer is writing in one of its forms,
//! which a new page would empty; then a note offers to show the changes.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::query_params;
use crate::api::{LivePage, REFUSED_OWNER, get_card_html};
use crate::components::{ERROR, ERROR_PATH, LiveUpdates, MentionArea, Notice, RenderedView};

/// `/boards/:slug/cards/:number`.
#[component]
pub fn CardPage() -> impl IntoView {
    let params = use_params_map();
    let param = query_params();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    // Bumped to read the page again (a change to the card was heard).
    let version = RwSignal::new(0_u64);
    let page = Resource::new(
        move || {
            let number = params.with(|p| p.get("number").unwrap_or_default());
            let query = (param(ERROR_PATH), param(ERROR), param(REFUSED_OWNER));
            (slug.get(), number, query, version.get())
        },
        |(slug, number, (path, error, owner), _)| get_card_html(slug, number, path, error, owner),
    );
    // What the page shows, once read: the live stream's notices are matched against it.
    let shown = RwSignal::new(None::<LivePage>);
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            shown.set(p.live);
        }
    });
    let heard = RwSignal::new(Vec::<Notice>::new());
    let missed = RwSignal::new(false);
    Effect::new(move |_| {
        let notices = heard.get();
        if notices.is_empty() {
            return;
        }
        heard.update_untracked(Vec::clear);
        let Some(card_id) = shown.with_untracked(|l| l.as_ref().map(|l| l.card_id)) else {
            return;
        };
        let concerns = notices
            .iter()
            .any(|n| (n.card_id == Some(card_id) && n.what != "notified") || n.what == "resync");
        if !concerns {
            return;
        }
        if writing() {
            missed.set(true);
        } else {
            version.update(|v| *v += 1);
        }
    });
    let read_at = Signal::derive(move || shown.with(|l| l.as_ref().map(|l| l.read_at)));
    let people = Signal::derive(move || {
        shown.with(|l| l.as_ref().map(|l| l.people.clone()).unwrap_or_default())
    });
    let syncing = Signal::derive(move || missed.get());
    let show = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        missed.set(false);
        version.update(|v| *v += 1);
    };
    view! {
        {move || view! { <LiveUpdates slug=slug.get() heard syncing read_at/> }}
        {move || missed.get().then(|| view! {
            <p class="toast" role="status">
                "This card changed while you were writing. "
                <a href="" on:click=show>"Show the changes"</a>
                " (what you are writing will be lost)."
            </p>
        })}
        <MentionArea people>
            <RenderedView page title=|title| title.to_owned() loading="Loading card…" class="card-view"/>
        </MentionArea>
    }
}

/// Whether the viewer is writing in one of the page's forms: a field with focus, a field
/// changed and not sent (a comment typed, an option chosen, a box ticked: anything a new
/// page would reset), or a comment's edit form open.
fn writing() -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use web_sys::{HtmlInputElement, HtmlOptionElement, HtmlTextAreaElement};
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return false;
        };
        let focused = document
            .active_element()
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let editing = document
            .query_selector(".comment-edit[open]")
            .ok()
            .flatten()
            .is_some();
        let Ok(fields) = document.query_selector_all(
            ".card-view form option, .card-view form input, .card-view form textarea",
        ) else {
            return focused || editing;
        };
        let changed = (0..fields.length())
            .filter_map(|i| fields.item(i))
            .any(|node| {
                if let Some(option) = node.dyn_ref::<HtmlOptionElement>() {
                    // A newly chosen option; a list without a default starts on its first.
                    option.selected() && !option.default_selected() && {
                        let default = option
                            .parent_element()
                            .and_then(|list| list.query_selector("option[selected]").ok())
                            .flatten();
                        default.is_some() || option.index() != 0
                    }
                } else if let Some(input) = node.dyn_ref::<HtmlInputElement>() {
                    match input.type_().as_str() {
                        "hidden" | "submit" | "button" => false,
                        "checkbox" | "radio" => input.checked() != input.default_checked(),
                        _ => input.value() != input.default_value(),
                    }
                } else if let Some(text) = node.dyn_ref::<HtmlTextAreaElement>() {
                    text.default_value().is_ok_and(|d| d != text.value())
                } else {
                    false
                }
            });
        focused || changed || editing
    }
    #[cfg(not(feature = "hydrate"))]
    false
}
