//! Cards on the board: draggable tiles with buttons that move a card one column left or right,
//! so the board also works from the keyboard (and, as plain forms, without JavaScript). For
//! people who may not move cards (viewers) a tile is plain: no drag, no buttons.
//!
//! A cell's tiles are written as one HTML string ([`tiles_html`]) that the cell puts in place
//! with `inner_html`, and the cell handles its tiles' drags, drops and move buttons by
//! delegation ([`tile_of`]). On a board of 2,000 cards, building and hydrating a Leptos view
//! per tile was most of the page's server time and the browser's hydration work
//! (bench/HISTORY.md, session 6); the markup is the same as the components wrote.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use domain::label::Label;
use domain::people::Person;
use domain::{CardType, Column, Severity};
use leptos::server_fn::ServerFn;

use super::badges::type_icon;
use super::format::{escape_attr, escape_text, human_duration};
use super::people::owners_html;
use crate::api::{MoveCard, TileCard};

/// What every tile of one cell shares.
pub struct TileContext<'a> {
    /// The board's slug, for the detail links.
    pub slug: &'a str,
    /// The column to the cell's left, if any.
    pub left: Option<&'a Column>,
    /// The column to the cell's right, if any.
    pub right: Option<&'a Column>,
    /// When the board was read, for the ages shown.
    pub now: DateTime<Utc>,
    /// Whether the viewer may move cards (members and admins).
    pub can_move: bool,
    /// The board's people, for the names on the owners' avatars.
    pub people: &'a [Person],
    /// The board's labels, for the names and colours of the tiles' labels.
    pub labels: &'a [Label],
}

/// What a cell says of the cards it does not show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untold<'a> {
    /// It shows them all.
    Nothing,
    /// `+ N earlier`, a link to the page of finished cards (`href`): those older than the
    /// ones shown.
    Earlier {
        /// How many.
        count: usize,
        /// The board's finished cards of this lane.
        href: &'a str,
    },
    /// `Show N more`, a link to the cell opened (`href`): cards after those shown.
    Later {
        /// How many.
        count: usize,
        /// The board with the cell opened.
        href: &'a str,
    },
}

/// The tiles of one cell, then what it says of those it does not show.
pub fn tiles_html(cards: &[TileCard], context: &TileContext<'_>, untold: Untold<'_>) -> String {
    // About 1 KB per tile; one allocation for a typical cell.
    let mut out = String::with_capacity(cards.len() * 1024 + 64);
    for card in cards {
        tile(&mut out, card, context);
    }
    match untold {
        Untold::Nothing => {}
        Untold::Earlier { count, href } => {
            out.push_str(r#"<a class="more-cards" href=""#);
            escape_attr(&mut out, href);
            let _ = write!(out, r#"">+ {count} earlier</a>"#);
        }
        Untold::Later { count, href } => {
            out.push_str(r#"<a class="more-cards" href=""#);
            escape_attr(&mut out, href);
            let _ = write!(out, r#"">Show {count} more</a>"#);
        }
    }
    out
}

/// One tile, as `<article class="card …" data-card-id="…">`.
fn tile(out: &mut String, card: &TileCard, context: &TileContext<'_>) {
    let number = card.number;
    let kind = card.card_type.as_str();
    let _ = write!(
        out,
        r#"<article class="card type-{kind}{}{}{}" draggable="{}" data-card-id="{}" data-number="{number}" id="card-{number}""#,
        if card.blocked { " is-blocked" } else { "" },
        if card.unmatched { " unmatched" } else { "" },
        if context.can_move { "" } else { " is-readonly" },
        context.can_move,
        card.id,
    );
    // Its owners' ids, for the board's filter by owner (a style rule on this attribute).
    if !card.assignees.is_empty() {
        out.push_str(r#" data-owners=""#);
        for (i, id) in card.assignees.iter().enumerate() {
            let _ = write!(out, "{}{id}", if i > 0 { " " } else { "" });
        }
        out.push('"');
    }
    out.push_str(r#"><div class="card-meta">"#);
    type_badge(out, card.card_type);
    if let Some(severity) = card.severity {
        severity_badge(out, severity);
    }
    let _ = write!(
        out,
        r##"<span class="card-number">#{number}</span></div><a class="card-title" href="/boards/"##
    );
    escape_attr(out, context.slug);
    let _ = write!(out, r#"/cards/{number}">"#);
    escape_text(out, &card.title);
    out.push_str("</a>");
    if card.blocked {
        out.push_str(r#"<p class="blocked-note"><span aria-hidden="true">⊘ </span>Blocked: "#);
        escape_text(out, card.blocked_reason.as_deref().unwrap_or_default());
        out.push_str("</p>");
    }
    labels_html(out, &card.labels, context.labels);
    let age = human_duration((context.now - card.column_entered_at).num_seconds());
    let _ = write!(
        out,
        r#"<div class="card-foot"><span class="age" title="Time in this column">{age}</span>"#
    );
    if let Some(service) = &card.service {
        out.push_str(r#"<span class="service">"#);
        escape_text(out, service);
        out.push_str("</span>");
    }
    if card.comment_count > 0 {
        let n = card.comment_count;
        let what = if n == 1 { "comment" } else { "comments" };
        let _ = write!(
            out,
            r#"<span class="comment-count" title="{n} {what}"><span aria-hidden="true">💬 </span>{n}<span class="visually-hidden"> {what}</span></span>"#
        );
    }
    owners_html(out, &card.assignees, context.people);
    if context.can_move {
        move_buttons(out, card, context);
    }
    out.push_str("</div></article>");
}

/// A tile's labels as the same chips the card page shows (`render::labels::chip`), in the
/// board's order; a label the board no longer has is left out.
fn labels_html(out: &mut String, ids: &[domain::LabelId], labels: &[Label]) {
    if ids.is_empty() {
        return;
    }
    out.push_str(r#"<ul class="tile-labels" aria-label="Labels">"#);
    for label in labels.iter().filter(|l| ids.contains(&l.id)) {
        let _ = write!(out, r#"<li class="label label-{}">"#, label.colour.as_str());
        escape_text(out, &label.name);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

/// The same markup as [`super::TypeBadge`].
fn type_badge(out: &mut String, card_type: CardType) {
    let _ = write!(
        out,
        r#"<span class="badge type-badge type-{}"><span aria-hidden="true" class="icon">{}</span>{}</span>"#,
        card_type.as_str(),
        type_icon(card_type),
        card_type.label(),
    );
}

/// The same markup as [`super::SeverityBadge`].
fn severity_badge(out: &mut String, severity: Severity) {
    let _ = write!(
        out,
        r#"<span title="Severity" class="badge sev-badge {}">{}</span>"#,
        severity.as_str(),
        severity.as_str().to_uppercase(),
    );
}

/// The card's move buttons, one form for both: each button names its target column
/// (`name="column_id"`), which the browser sends for the button pressed. Without JavaScript
/// (or before the page is hydrated) it posts as a plain form; once hydrated, the cell turns
/// the submit into the board's move action.
///
/// The form's address ends in `#card-<number>`: the server answers a plain form post with a
/// redirect back to the board, and a browser keeps the fragment of the address it posted to
/// across a redirect without one, so the page comes back scrolled to the card rather than
/// to its top. Each button's name is its text (read by screen readers; the arrow is hidden
/// from them), so what is seen and what is heard agree.
fn move_buttons(out: &mut String, card: &TileCard, context: &TileContext<'_>) {
    let number = card.number;
    let _ = write!(
        out,
        r#"<form action="{}#card-{number}" method="post" class="move-form"><input type="hidden" name="card_id" value="{}">"#,
        <MoveCard as ServerFn>::url(),
        card.id,
    );
    for (target, side, arrow) in [(context.left, "left", "◀"), (context.right, "right", "▶")] {
        let Some(target) = target else { continue };
        let mut label = format!("Move #{number} to ");
        escape_attr(&mut label, &target.name);
        let _ = write!(
            out,
            r#"<button type="submit" name="column_id" value="{}" class="move-btn move-{side}" title="{label}"><span aria-hidden="true">{arrow}</span><span class="visually-hidden">{label}</span></button>"#,
            target.id,
        );
    }
    out.push_str("</form>");
}

/// The id of the card tile an event happened in (the tile itself or anything inside it), for
/// the cell's delegated handlers.
pub fn tile_of(event: &web_sys::Event) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let node = event.target()?.dyn_into::<web_sys::Node>().ok()?;
        // Dragging selected text starts on the text node, inside the tile.
        let element = match node.dyn_into::<web_sys::Element>() {
            Ok(element) => element,
            Err(node) => node.parent_element()?,
        };
        element
            .closest("article.card")
            .ok()??
            .get_attribute("data-card-id")
    }
    // Events only happen in the browser.
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::StaticHtml;
    use domain::{CardId, ColumnId, ColumnKind, LaneId};

    fn card(title: &str) -> TileCard {
        TileCard {
            id: CardId::new(),
            number: 7,
            title: title.into(),
            card_type: CardType::Incident,
            column_id: ColumnId::new(),
            lane_id: LaneId::new(),
            blocked: true,
            blocked_reason: Some("<b>vendor</b>".into()),
            severity: Some(Severity::Sev1),
            service: Some("api & \"db\"".into()),
            column_entered_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            position: 1.0,
            unmatched: false,
            assignees: Vec::new(),
            comment_count: 2,
            labels: Vec::new(),
        }
    }

    fn column(name: &str) -> Column {
        Column {
            id: ColumnId::new(),
            name: name.into(),
            kind: ColumnKind::Active,
            wip_limit: None,
            position: 0,
        }
    }

    #[test]
    fn card_text_is_escaped_and_the_buttons_name_their_columns() {
        let (left, right) = (column("Ready \"now\""), column("Done"));
        let label = Label {
            id: domain::LabelId::new(),
            name: "<db> & co".into(),
            colour: domain::label::LabelColour::Red,
        };
        let card = TileCard {
            // The second is no longer the board's: left out.
            labels: vec![label.id, domain::LabelId::new()],
            ..card("</a><script>alert(1)</script> & more")
        };
        let context = TileContext {
            slug: "ops",
            left: Some(&left),
            right: Some(&right),
            now: "2026-12-01T13:30:00Z".parse().unwrap(),
            can_move: true,
            people: &[],
            labels: std::slice::from_ref(&label),
        };
        let html = tiles_html(
            std::slice::from_ref(&card),
            &context,
            Untold::Earlier {
                count: 3,
                href: "/boards/ops/finished?lane=x",
            },
        );
        assert!(html.contains(
            r#"<a class="card-title" href="/boards/ops/cards/7">&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</a>"#
        ));
        assert!(html.contains("Blocked: &lt;b&gt;vendor&lt;/b&gt;</p>"));
        assert!(html.contains(
            r#"<ul class="tile-labels" aria-label="Labels"><li class="label label-red">&lt;db&gt; &amp; co</li></ul>"#
        ));
        assert!(html.contains(r#"<span class="service">api &amp; "db"</span>"#));
        assert!(html.contains(r#"<span class="age" title="Time in this column">3h</span>"#));
        assert!(html.contains(r#"title="2 comments"><span aria-hidden="true">💬 </span>2<span class="visually-hidden"> comments</span>"#));
        assert!(html.contains(&format!(
            r#"value="{}" class="move-btn move-left" title="Move #7 to Ready &quot;now&quot;"><span aria-hidden="true">◀</span><span class="visually-hidden">Move #7 to Ready &quot;now&quot;</span>"#,
            left.id
        )));
        assert!(html.contains(&format!(
            r#"value="{}" class="move-btn move-right""#,
            right.id
        )));
        assert!(html.contains(r#"class="card type-incident is-blocked" draggable="true""#));
        assert!(html.contains(r#"data-number="7" id="card-7">"#));
        assert!(html.contains(r#"action="/fn/move_card#card-7""#));
        assert!(html.ends_with(
            r#"</article><a class="more-cards" href="/boards/ops/finished?lane=x">+ 3 earlier</a>"#
        ));
        assert!(!html.contains("<script"));

        let open = "/boards/ops?open=a:b&x=\"y\"";
        let html = tiles_html(
            &[],
            &context,
            Untold::Later {
                count: 850,
                href: open,
            },
        );
        assert_eq!(
            html,
            r#"<a class="more-cards" href="/boards/ops?open=a:b&amp;x=&quot;y&quot;">Show 850 more</a>"#
        );
    }

    /// The tiles write the badges by hand; they must stay what the badge components render
    /// (the card page and the retro use those).
    #[cfg(feature = "ssr")]
    #[test]
    fn tile_badges_are_the_badge_components_markup() {
        use leptos::prelude::*;
        for card_type in [CardType::Feature, CardType::Incident, CardType::TechDebt] {
            let mut html = String::new();
            type_badge(&mut html, card_type);
            let component = view! { <super::super::TypeBadge card_type /> }.to_static_html();
            assert_eq!(html, component);
        }
        for severity in [
            Severity::Sev1,
            Severity::Sev2,
            Severity::Sev3,
            Severity::Sev4,
        ] {
            let mut html = String::new();
            severity_badge(&mut html, severity);
            let component = view! { <super::super::SeverityBadge severity /> }.to_static_html();
            assert_eq!(html, component);
        }
    }

    #[test]
    fn viewers_get_plain_tiles() {
        let context = TileContext {
            slug: "ops",
            left: None,
            right: None,
            now: Utc::now(),
            can_move: false,
            people: &[],
            labels: &[],
        };
        let html = tiles_html(&[card("Read only")], &context, Untold::Nothing);
        assert!(html.contains(r#"is-readonly" draggable="false""#));
        assert!(!html.contains("<form"));
        assert!(!html.contains("more-cards"));
    }
}
