//! Server functions posted by a plain HTML form: JavaScript off, or a click before the page
//! hydrated. server_fn answers those with a redirect back to the form's page (its
//! `Referer`), an error in that page's query (`__path`, `__err`) for `FormAction` to show.
//!
//! A move needs more than that, both ways. Refused, the board's override form needs the
//! move itself, so the move comes back in the query too ([`REFUSED_MOVE`]); moved, the page
//! should come back at the card, not at its top, and without the refusal it came from.

use http::header::{ACCEPT, REFERER};
use http::request::Parts;
use leptos::prelude::use_context;
use server_fn::ServerFn;
use server_fn::error::ServerFnUrlError;

use crate::api::{MoveCard, OPEN_CELL, REFUSED_MOVE};
use crate::components::{ERROR, ERROR_PATH};
use crate::error::AppError;
use domain::Card;

/// Whether this request is a form posted by the browser itself: a `POST` asking for
/// `text/html`, as server_fn decides when to redirect (a page is a `GET`; the page's own
/// calls ask for JSON).
fn posted_by_plain_form(parts: &Parts) -> bool {
    parts.method == http::Method::POST
        && parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// Whether the current request is a plain form post (see [`posted_by_plain_form`]): its
/// answer is a redirect back to the form's page, whatever the outcome.
pub fn posted() -> bool {
    use_context::<Parts>().is_some_and(|parts| posted_by_plain_form(&parts))
}

/// The page a plain form was posted from (its `Referer`); `None` for a call from the page's
/// code, or when the browser sent no `Referer` (server_fn's own redirect stands then).
fn form_page() -> Option<String> {
    let parts = use_context::<Parts>()?;
    if !posted_by_plain_form(&parts) {
        return None;
    }
    let referer = parts.headers.get(REFERER)?.to_str().ok()?;
    Some(referer.to_owned())
}

/// Where a plain form's move goes next: back to the page it was posted from, at the moved
/// card with its new cell opened (`?open=`: a cell shows only its first cards otherwise, and
/// the card may have gone to the end of a long one), or with the refusal and the move for
/// the page to offer its override. Nothing for a call from the page's code, or when the
/// browser sent no `Referer` (server_fn's own redirect stands then).
pub fn after_move(request: &MoveCard, answer: Result<&Card, &AppError>) {
    let Some(referer) = form_page() else {
        return;
    };
    let to = match answer {
        Ok(card) => {
            let page = without_keys(&referer, &[ERROR_PATH, ERROR, REFUSED_MOVE, OPEN_CELL]);
            let cell = format!("{}:{}", card.column_id, card.lane_id);
            format!(
                "{}#card-{}",
                with_pair(&page, OPEN_CELL, &cell),
                card.number
            )
        }
        Err(error) => {
            let page = without_keys(&referer, &[ERROR_PATH, ERROR, REFUSED_MOVE]);
            let page = with_pair(&page, REFUSED_MOVE, &refused_move_value(request));
            match ServerFnUrlError::new(MoveCard::PATH, error.clone()).to_url(&page) {
                Ok(url) => url.to_string(),
                // Not an absolute address (no browser sends such a `Referer`): server_fn's
                // own redirect stands.
                Err(_) => return,
            }
        }
    };
    redirect(&to);
}

/// Sends a plain form of server function `S` back to its page with `error` (as server_fn
/// does) and `extra` in the page's query: what the page needs to offer the form again (the
/// person a refused assignment was for, say). Nothing for a call from the page's code, or
/// without a `Referer`.
pub fn back_with_error<S: ServerFn>(error: &AppError, extra: (&str, &str)) {
    let Some(referer) = form_page() else {
        return;
    };
    let page = without_keys(&referer, &[ERROR_PATH, ERROR, extra.0]);
    let page = with_pair(&page, extra.0, extra.1);
    if let Ok(url) = ServerFnUrlError::new(S::PATH, error.clone()).to_url(&page) {
        redirect(url.as_str());
    }
}

/// Sends a plain form to `to` after a success, when the page it came from is gone (a card
/// deleted from its own page). Nothing for a call from the page's code.
pub fn go_after_success(to: &str) {
    if form_page().is_some() {
        redirect(to);
    }
}

/// Redirects to `to` when it is a valid `Location` (leptos_axum's `redirect` would panic on
/// one that is not); otherwise server_fn's own redirect stands.
fn redirect(to: &str) {
    if http::HeaderValue::from_str(to).is_ok() {
        leptos_axum::redirect(to);
    }
}

/// Sends a plain form back to its page after a success, as server_fn does, but also without
/// the query keys `drop` and with `add` appended (a page's notice of what was just done, say).
/// Nothing for a call from the page's code, or without a `Referer`.
pub fn back_after_success(drop: &[&str], add: Option<(&str, &str)>) {
    let Some(referer) = form_page() else {
        return;
    };
    let mut keys = vec![ERROR_PATH, ERROR];
    keys.extend_from_slice(drop);
    let page = without_keys(&referer, &keys);
    let to = match add {
        Some((key, value)) => with_pair(&page, key, value),
        None => page,
    };
    redirect(&to);
}

/// The move as [`REFUSED_MOVE`] carries it: `card.column.lane.position`, lane and position
/// empty when not given (ids and numbers never hold a dot).
fn refused_move_value(request: &MoveCard) -> String {
    format!(
        "{}.{}.{}.{}",
        request.card_id,
        request.column_id,
        request.lane_id.as_deref().unwrap_or(""),
        request.position.map(|p| p.to_string()).unwrap_or_default()
    )
}

/// `url` without its fragment and without the query pairs named `keys`.
fn without_keys(url: &str, keys: &[&str]) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let Some((path, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or(pair);
            !pair.is_empty() && !keys.contains(&key)
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// `url` (no fragment) with `key=value` added to its query; `value` must need no escaping.
fn with_pair(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_fragments_are_dropped_and_the_rest_kept() {
        let keys = [ERROR_PATH, ERROR, REFUSED_MOVE];
        assert_eq!(
            without_keys(
                "http://h/boards/p?open=a:b&__path=/fn/x&__err=e30#card-3",
                &keys
            ),
            "http://h/boards/p?open=a:b"
        );
        assert_eq!(
            without_keys("http://h/boards/p?__err=e30&refused_move=a.b..", &keys),
            "http://h/boards/p"
        );
        assert_eq!(
            without_keys("http://h/boards/p?", &keys),
            "http://h/boards/p"
        );
        assert_eq!(without_keys("/boards/p#x", &keys), "/boards/p");
        // A key that merely starts like one of them stays.
        assert_eq!(
            without_keys("/b?__errand=1&lane=x", &keys),
            "/b?__errand=1&lane=x"
        );
    }

    #[test]
    fn a_refused_move_travels_with_empty_parts_for_what_was_not_given() {
        let request = MoveCard {
            card_id: "c".into(),
            column_id: "k".into(),
            lane_id: None,
            position: Some(4),
            override_reason: Some("ignored".into()),
        };
        assert_eq!(refused_move_value(&request), "c.k..4");
        // What the board reads back is the move without its reason.
        let back = crate::api::refused_move("c.k..4").expect("a move");
        assert_eq!((back.card_id.as_str(), back.column_id.as_str()), ("c", "k"));
        assert_eq!(
            (back.lane_id, back.position, back.override_reason),
            (None, Some(4), None)
        );
        let full = crate::api::refused_move("c.k.l.").expect("a move");
        assert_eq!((full.lane_id.as_deref(), full.position), (Some("l"), None));
        assert!(crate::api::refused_move("c").is_none());
        assert!(crate::api::refused_move(".k..").is_none());
        assert_eq!(with_pair("/b", "m", "v"), "/b?m=v");
        assert_eq!(with_pair("/b?x=1", "m", "v"), "/b?x=1&m=v");
    }
}
