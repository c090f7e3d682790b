//! The board's filter bar: a query in the page's address (`?q=`, see `domain::search`) that
//! the server applies when it reads the board, so the same link shows the same cards to
//! anyone, with or without JavaScript. Cards it does not find are hidden, or dimmed with
//! `?dim=1`; column counts and WIP limits still count every card.
//!
//! The bar is a GET form. In the browser it navigates without a reload, and offers the
//! words of the language as the last term is typed (a native `<datalist>`, its options
//! rewritten to the text typed so far plus each word that fits).

use leptos::prelude::*;

use super::model::BoardModel;
use crate::api::BoardFilter;
use crate::components::{escape_attr, query_value};

/// The board's query key for the filter.
pub const Q: &str = "q";
/// The board's query key that dims the cards the filter does not find instead of hiding them.
pub const DIM: &str = "dim";
/// The filter field's id (`/` focuses it).
pub const FIELD: &str = "board-q";

/// Whether the page's address asks for dimming.
pub fn dim_in_address() -> Memo<bool> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| query.with(|q| q.get_str(DIM) == Some("1")))
}

/// The board's address with `q` (and dimming).
pub fn board_href(slug: &str, q: &str, dim: bool) -> String {
    let mut href = format!("/boards/{slug}");
    if !q.is_empty() {
        href.push_str(&format!("?{Q}={}", query_value(q)));
        if dim {
            href.push_str(&format!("&{DIM}=1"));
        }
    }
    href
}

/// The words the bar offers: each filter with the values this board has.
pub fn vocabulary(model: &BoardModel) -> Vec<String> {
    let quoted = |key: &str, name: &str| {
        if name.contains(' ') {
            format!("{key}:\"{name}\"")
        } else {
            format!("{key}:{name}")
        }
    };
    let mut words: Vec<String> = [
        "type:feature",
        "type:incident",
        "type:tech_debt",
        "severity:sev1",
        "severity:sev2",
        "severity:sev3",
        "severity:sev4",
        "assignee:me",
        "assignee:none",
        "blocked:yes",
        "blocked:no",
        "aging:yes",
        "age:>5d",
        "age:<1d",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    words.extend(model.board.lanes.iter().map(|l| quoted("lane", &l.name)));
    words.extend(model.board.labels.iter().map(|l| quoted("label", &l.name)));
    words.extend(model.people.iter().map(|p| quoted("assignee", &p.name)));
    let mut services: Vec<&str> = model.tiles().filter_map(|t| t.service.as_deref()).collect();
    services.sort_unstable();
    services.dedup();
    words.extend(services.into_iter().map(|s| quoted("service", s)));
    words
}

/// The options for `typed`: the text before its last term, then each word that starts with
/// that term (ignoring ASCII case), at most eight.
pub fn suggestions(words: &[String], typed: &str) -> Vec<String> {
    let (before, last) = match typed.rfind(' ') {
        Some(i) => typed.split_at(i + 1),
        None => ("", typed),
    };
    let (sign, last) = match last.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", last),
    };
    if last.is_empty() {
        return Vec::new();
    }
    words
        .iter()
        .filter(|w| {
            w.len() > last.len()
                && w.is_char_boundary(last.len())
                && w[..last.len()].eq_ignore_ascii_case(last)
        })
        .take(8)
        .map(|w| format!("{before}{sign}{w}"))
        .collect()
}

/// The form's HTML: the field (with the words the bar offers), *Filter*, and once a query
/// applies, *Dim the others* / *Hide the others* and *Clear*. One string, the same on the
/// server and in the browser: a form of a dozen elements drawn by `view!` cost the browser
/// bundle 10 KB (bench/HISTORY.md).
pub fn form_html(slug: &str, filter: &BoardFilter, dim: bool, words: &[String]) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str(&format!(
        r#"<label for="{FIELD}" class="visually-hidden">Filter cards</label><input id="{FIELD}" name="{Q}" type="search" maxlength="500" list="board-q-words" autocomplete="off" placeholder="Filter: type:incident assignee:me &quot;timeout&quot;" aria-describedby="board-q-status""#
    ));
    if filter.error.is_some() {
        out.push_str(r#" class="invalid" aria-invalid="true""#);
    }
    out.push_str(r#" value=""#);
    escape_attr(&mut out, &filter.q);
    out.push_str(r#"">"#);
    if dim {
        out.push_str(&format!(r#"<input type="hidden" name="{DIM}" value="1">"#));
    }
    out.push_str(r#"<datalist id="board-q-words">"#);
    out.push_str(&options_html(words));
    out.push_str(r#"</datalist><button type="submit">Filter</button>"#);
    if filter.applies() && !filter.q.is_empty() {
        let (href, words) = if dim {
            (board_href(slug, &filter.q, false), "Hide the others")
        } else {
            (board_href(slug, &filter.q, true), "Dim the others")
        };
        out.push_str(r#"<a class="filter-toggle" href=""#);
        escape_attr(&mut out, &href);
        out.push_str(&format!(
            r#"">{words}</a><a class="filter-clear" href="/boards/"#
        ));
        escape_attr(&mut out, slug);
        out.push_str(r#"">Clear</a>"#);
    }
    out
}

/// `<option>`s for `words`.
fn options_html(words: &[String]) -> String {
    let mut out = String::new();
    for word in words {
        out.push_str(r#"<option value=""#);
        escape_attr(&mut out, word);
        out.push_str(r#"">"#);
    }
    out
}

/// The bar, and under it how many cards were found and what the query could not use. In
/// the browser the form navigates without a reload, and its list of words follows the
/// last term typed.
#[component]
pub fn FilterBar(
    slug: String,
    filter: Option<BoardFilter>,
    model: RwSignal<BoardModel>,
) -> impl IntoView {
    let filter = filter.unwrap_or_default();
    let dim = dim_in_address();
    let words = StoredValue::new(model.with_untracked(vocabulary));
    // Drawn again when *Dim* / *Hide* changes the address (the board is not read again).
    let html = {
        let (slug, filter) = (slug.clone(), filter.clone());
        move || words.with_value(|w| form_html(&slug, &filter, dim.get(), w))
    };
    let action = format!("/boards/{slug}");
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(q) = field_value(&ev) else { return };
        ev.prevent_default();
        navigate(
            &board_href(&slug, q.trim(), dim.get_untracked()),
            Default::default(),
        );
    };
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(typed) = field_value(&ev) {
            words.with_value(|w| offer(&suggestions(w, &typed)));
        }
    };
    let BoardFilter { q, error, notes } = filter;
    let found = Memo::new(move |_| model.with(|m| m.found()));
    let status = move || match &error {
        Some(error) => format!("The filter was not applied: {error}"),
        None if q.is_empty() => String::new(),
        None => {
            let found = found.get();
            let cards = if found == 1 { "card" } else { "cards" };
            match notes.join("; ") {
                notes if notes.is_empty() => format!("{found} {cards} found"),
                notes => format!("{found} {cards} found ({notes})"),
            }
        }
    };
    view! {
        <div class="filter-bar">
            <form method="get" action=action role="search" aria-label="Filter cards"
                on:submit=on_submit on:input=on_input inner_html=html></form>
            <p id="board-q-status" class="filter-status" role="status">{status}</p>
        </div>
    }
}

/// The filter field's text, from an event in its form.
fn field_value(event: &web_sys::Event) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = event
            .current_target()?
            .dyn_into::<web_sys::Element>()
            .ok()?;
        let field = form.query_selector(&format!("#{FIELD}")).ok()??;
        Some(field.dyn_into::<web_sys::HtmlInputElement>().ok()?.value())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        None
    }
}

/// Puts `words` in the field's list.
fn offer(words: &[String]) {
    #[cfg(feature = "hydrate")]
    if let Some(list) = document().get_element_by_id("board-q-words") {
        list.set_inner_html(&options_html(words));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = words;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_complete_the_last_term_and_keep_the_rest() {
        let words: Vec<String> = [
            "type:feature",
            "type:incident",
            "lane:\"Team A\"",
            "blocked:yes",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        assert_eq!(
            suggestions(&words, "timeout TY"),
            ["timeout type:feature", "timeout type:incident"]
        );
        assert_eq!(suggestions(&words, "type:i"), ["type:incident"]);
        assert_eq!(suggestions(&words, "-bl"), ["-blocked:yes"]);
        assert_eq!(suggestions(&words, "lane:"), ["lane:\"Team A\""]);
        assert!(suggestions(&words, "x ").is_empty(), "nothing typed yet");
        assert!(
            suggestions(&words, "type:incident").is_empty(),
            "already whole"
        );
        assert!(suggestions(&words, "é").is_empty());
    }

    #[test]
    fn the_board_s_address_carries_the_query_encoded() {
        assert_eq!(board_href("ops", "", true), "/boards/ops");
        assert_eq!(
            board_href("ops", "type:incident \"read timeout\"", false),
            "/boards/ops?q=type%3Aincident+%22read+timeout%22"
        );
        assert_eq!(
            board_href("ops", "is:blocked", true),
            "/boards/ops?q=is%3Ablocked&dim=1"
        );
    }
}
