//! Suggestions while typing an `@mention` in a comment: the members whose handle or name
//! starts with what follows the `@`, in a list under the text box, picked with the arrow keys
//! and Enter (or Tab), or a click; Escape closes it. The text boxes are in HTML the server
//! rendered, so the list follows their typing by delegation, from the element around them.
//! Without JavaScript a mention is typed in full, as plain text.

use leptos::prelude::*;

use crate::api::MentionChoice;

/// Most suggestions shown at once.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser suggests")
)]
const SHOWN: usize = 6;

/// The list while it is open.
#[derive(Clone, Debug, PartialEq)]
struct Open {
    /// The members offered.
    items: Vec<MentionChoice>,
    /// The one Enter would pick.
    active: usize,
    /// Where the `@` is in the text box's value (a UTF-16 offset, as the browser counts).
    at: u32,
    /// Where the list goes on the page (under the text box), in whole pixels: printing a
    /// float would bring the float printer into the bundle.
    top: i32,
    left: i32,
}

/// Whether `text` starts with `prefix`, ignoring the case of ASCII letters (Unicode case
/// tables would weigh more in the bundle than the feature is worth).
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser suggests")
)]
fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// The members `partial` (what follows the `@`) may mean: handle or a word of the name
/// starting with it, ignoring case.
#[cfg_attr(
    not(any(feature = "hydrate", test)),
    allow(dead_code, reason = "the browser suggests")
)]
fn matching(people: &[MentionChoice], partial: &str) -> Vec<MentionChoice> {
    people
        .iter()
        .filter(|p| {
            starts_with_ignoring_case(&p.handle, partial)
                || p.name
                    .split(' ')
                    .any(|w| starts_with_ignoring_case(w, partial))
        })
        .take(SHOWN)
        .cloned()
        .collect()
}

/// `children` with mention suggestions for the comment boxes among them (`.comment-form` and
/// `.comment-edit` text areas); `people` are whom they may mention.
#[component]
pub fn MentionArea(people: Signal<Vec<MentionChoice>>, children: Children) -> impl IntoView {
    let open = RwSignal::new(None::<Open>);
    #[cfg(feature = "hydrate")]
    let (on_input, on_keydown, pick) = browser::handlers(people, open);
    #[cfg(not(feature = "hydrate"))]
    let (on_input, on_keydown, pick) = {
        let _ = people;
        (
            |_: leptos::ev::Event| {},
            |_: leptos::ev::KeyboardEvent| {},
            Callback::new(|_: usize| {}),
        )
    };
    let list = move || {
        open.get().map(|o| {
            let options = o
                .items
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    view! {
                        <li role="option" id=format!("mention-{i}") aria-selected=(i == o.active).then_some("true")
                            on:mousedown=move |ev| { ev.prevent_default(); pick.run(i); }>
                            <strong>{format!("@{}", p.handle)}</strong>" "{p.name.clone()}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <ul id="mention-list" role="listbox" aria-label="People to mention" class="mention-list"
                    style=format!("top: {}px; left: {}px", o.top, o.left)>
                    {options}
                </ul>
            }
        })
    };
    view! {
        <div class="mention-area" on:input=on_input on:keydown=on_keydown
            on:focusout=move |_| open.set(None)>
            {children()}
        </div>
        {list}
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::HtmlTextAreaElement;

    use super::{Open, matching};
    use crate::api::MentionChoice;

    /// The comment box an event happened in, if it was one.
    fn comment_box(ev: &web_sys::Event) -> Option<HtmlTextAreaElement> {
        let area = ev.target()?.dyn_into::<HtmlTextAreaElement>().ok()?;
        area.closest(".comment-form, .comment-edit").ok()??;
        Some(area)
    }

    /// The text box the list belongs to: the one with the focus.
    fn focused_box() -> Option<HtmlTextAreaElement> {
        let active = web_sys::window()?.document()?.active_element()?;
        active.dyn_into::<HtmlTextAreaElement>().ok()
    }

    /// Says to assistive technology whether `area` has the list open, and which option.
    fn describe(area: &HtmlTextAreaElement, open: Option<&Open>) {
        let _ = area.set_attribute("aria-autocomplete", "list");
        let _ = area.set_attribute(
            "aria-expanded",
            if open.is_some() { "true" } else { "false" },
        );
        match open {
            Some(o) => {
                let _ = area.set_attribute("aria-controls", "mention-list");
                let _ =
                    area.set_attribute("aria-activedescendant", &format!("mention-{}", o.active));
            }
            None => {
                let _ = area.remove_attribute("aria-activedescendant");
            }
        }
    }

    /// What typing in `area` offers: the list for the handle at the caret, or nothing.
    fn offer(area: &HtmlTextAreaElement, people: &[MentionChoice]) -> Option<Open> {
        let value = area.value();
        let caret_utf16 = area.selection_start().ok()??;
        // The caret as a byte offset of the Rust string.
        let mut units = 0u32;
        let caret = value
            .char_indices()
            .find(|(_, c)| {
                let here = units >= caret_utf16;
                units += c.len_utf16() as u32;
                here
            })
            .map_or(value.len(), |(i, _)| i);
        let (at, partial) = domain::comment::typing_mention(&value, caret)?;
        let items = matching(people, partial);
        if items.is_empty() {
            return None;
        }
        let at = value[..at].encode_utf16().count() as u32;
        let rect = area.get_bounding_client_rect();
        let window = web_sys::window()?;
        let top = (rect.bottom() + window.scroll_y().unwrap_or(0.0)) as i32;
        let left = (rect.left() + window.scroll_x().unwrap_or(0.0)) as i32;
        Some(Open {
            items,
            active: 0,
            at,
            top,
            left,
        })
    }

    /// Puts `@handle ` in place of what was typed after the `@`.
    fn insert(area: &HtmlTextAreaElement, open: &Open, choice: &MentionChoice) {
        let value: Vec<u16> = area.value().encode_utf16().collect();
        let caret = area.selection_start().ok().flatten().unwrap_or(open.at) as usize;
        let at = (open.at as usize).min(value.len());
        let caret = caret.clamp(at, value.len());
        let before = String::from_utf16_lossy(&value[..at]);
        let after = String::from_utf16_lossy(&value[caret..]);
        let mention = format!("@{} ", choice.handle);
        area.set_value(&format!("{before}{mention}{after}"));
        let end = (at + mention.encode_utf16().count()) as u32;
        let _ = area.set_selection_range(end, end);
    }

    type Handlers = (
        Box<dyn Fn(web_sys::Event) + Send + Sync>,
        Box<dyn Fn(web_sys::KeyboardEvent) + Send + Sync>,
        Callback<usize>,
    );

    /// The list's event handlers.
    pub fn handlers(people: Signal<Vec<MentionChoice>>, open: RwSignal<Option<Open>>) -> Handlers {
        let pick = Callback::new(move |i: usize| {
            let (Some(o), Some(area)) = (open.get_untracked(), focused_box()) else {
                return;
            };
            if let Some(choice) = o.items.get(i) {
                insert(&area, &o, choice);
            }
            open.set(None);
            describe(&area, None);
        });
        let on_input = move |ev: web_sys::Event| {
            let Some(area) = comment_box(&ev) else { return };
            let offered = people.with_untracked(|p| offer(&area, p));
            describe(&area, offered.as_ref());
            open.set(offered);
        };
        let on_keydown = move |ev: web_sys::KeyboardEvent| {
            let Some(o) = open.get_untracked() else {
                return;
            };
            let Some(area) = comment_box(&ev) else { return };
            let n = o.items.len();
            let moved = |active: usize| {
                let next = Open {
                    active,
                    ..o.clone()
                };
                describe(&area, Some(&next));
                open.set(Some(next));
            };
            match ev.key().as_str() {
                "ArrowDown" => moved((o.active + 1) % n),
                "ArrowUp" => moved((o.active + n - 1) % n),
                "Enter" | "Tab" => pick.run(o.active),
                "Escape" => {
                    open.set(None);
                    describe(&area, None);
                }
                _ => return,
            }
            ev.prevent_default();
        };
        (Box::new(on_input), Box::new(on_keydown), pick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_match_handles_and_names_from_their_start() {
        let people = vec![
            MentionChoice {
                handle: "amara.okafor".into(),
                name: "Amara Okafor".into(),
            },
            MentionChoice {
                handle: "bo".into(),
                name: "Bo Lindqvist".into(),
            },
        ];
        let handles = |partial: &str| -> Vec<String> {
            matching(&people, partial)
                .into_iter()
                .map(|p| p.handle)
                .collect()
        };
        assert_eq!(handles(""), ["amara.okafor", "bo"]);
        assert_eq!(handles("OK"), ["amara.okafor"]);
        assert_eq!(handles("lind"), ["bo"]);
        assert!(handles("zed").is_empty());
    }
}
