//! The "earlier cards" page: a board's finished cards, newest first, a page at a time,
//! rendered to HTML on the server only (see `crate::pages::FinishedPage`). It is a list of
//! links, so it works the same without JavaScript and costs the browser bundle nothing.

use application::boards::{FINISHED_PAGE, FinishedCards};
use leptos::prelude::*;

use crate::components::{StaticHtml, TypeBadge, human_duration, short_time};

/// What the page was asked to find: the query as typed, and why it could not be read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Asked<'a> {
    /// `?q=`, as typed.
    pub q: &'a str,
    /// The query could not be read: every finished card is listed, and this says why.
    pub error: Option<&'a str>,
}

/// The page's HTML for one page of finished cards of the board `slug`.
pub fn finished_html(slug: &str, finished: &FinishedCards, asked: Asked<'_>) -> String {
    page(slug, finished, asked).to_static_html()
}

/// The page's address for `lane` (every lane when `None`), the query `q` and `page`.
fn href(slug: &str, lane: Option<domain::LaneId>, q: &str, page: usize) -> String {
    let mut href = format!("/boards/{slug}/finished");
    let mut sep = '?';
    if let Some(lane) = lane {
        href.push_str(&format!("{sep}lane={lane}"));
        sep = '&';
    }
    if !q.is_empty() {
        href.push_str(&format!("{sep}q={}", crate::components::query_value(q)));
        sep = '&';
    }
    if page > 1 {
        href.push_str(&format!("{sep}page={page}"));
    }
    href
}

fn page(slug: &str, finished: &FinishedCards, asked: Asked<'_>) -> impl IntoView + use<> {
    let FinishedCards {
        board,
        lane,
        cards,
        total,
        notes,
        page,
        pages,
    } = finished;
    let q = asked.q.to_owned();
    let filtered = !q.trim().is_empty() && asked.error.is_none();
    let matching = if filtered { " matching the filter" } else { "" };
    let (lane, page, pages, total) = (*lane, *page, *pages, *total);
    let lane_name = lane
        .and_then(|l| board.lane(l))
        .map(|l| format!("the {} lane", l.name))
        .unwrap_or_else(|| "every lane".to_owned());
    let first = (page - 1) * FINISHED_PAGE + 1;
    let lead = match total {
        0 if filtered => format!("No finished card in {lane_name} matches the filter."),
        0 => format!("No finished card in {lane_name} yet."),
        _ => format!(
            "{total} finished card{}{matching} in {lane_name}, newest first: {first}–{} shown.",
            if total == 1 { "" } else { "s" },
            first + cards.len() - 1,
        ),
    };
    let lanes = std::iter::once((None, "Every lane".to_owned()))
        .chain(board.lanes.iter().map(|l| (Some(l.id), l.name.clone())))
        .map(|(id, name)| {
            let here = (id == lane).then_some("page");
            view! { <a href=href(slug, id, &q, 1) aria-current=here>{name}</a> }
        })
        .collect_view();
    let rows = cards
        .iter()
        .map(|card| {
            let lane = board
                .lane(card.lane_id)
                .map(|l| l.name.clone())
                .unwrap_or_default();
            let lead_time = (card.column_entered_at - card.created_at).num_seconds();
            view! {
                <tr>
                    <td data-label="Card">
                        <a href=format!("/boards/{slug}/cards/{}", card.number)>
                            {format!("#{} {}", card.number, card.title)}
                        </a>
                    </td>
                    <td data-label="Type"><TypeBadge card_type=card.card_type/></td>
                    <td data-label="Lane">{lane}</td>
                    <td data-label="Finished">{short_time(card.column_entered_at)}</td>
                    <td data-label="Lead time">{human_duration(lead_time)}</td>
                </tr>
            }
        })
        .collect_view();
    let newer = (page > 1).then(|| {
        view! { <a href=href(slug, lane, &q, page - 1) rel="prev">"← Newer"</a> }
    });
    let older = (page < pages).then(|| {
        view! { <a href=href(slug, lane, &q, page + 1) rel="next">"Older →"</a> }
    });
    let table = (total > 0).then(|| {
        view! {
            <table class="data-table finished-cards">
                <thead><tr>
                    <th scope="col">"Card"</th><th scope="col">"Type"</th><th scope="col">"Lane"</th>
                    <th scope="col">"Finished"</th><th scope="col">"Lead time"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        <div class="board-head">
            <div>
                <p class="crumbs"><a href=format!("/boards/{slug}")>{format!("← {}", board.name)}</a></p>
                <h1>"Finished cards"</h1>
                <p class="lead">{lead}</p>
                <p class="hint">
                    "Cards taken off the board unfinished are not here: see the "
                    <a href=format!("/boards/{slug}/discarded")>"discarded cards"</a>"."
                </p>
            </div>
        </div>
        <nav class="board-tabs" aria-label="Lanes">{lanes}</nav>
        <form class="filter-bar" method="get" action=format!("/boards/{slug}/finished") role="search" aria-label="Filter the finished cards">
            {lane.map(|l| view! { <input type="hidden" name="lane" value=l.to_string()/> })}
            <label for="finished-q" class="visually-hidden">"Filter"</label>
            <input id="finished-q" name="q" type="search" value=q.clone() maxlength="500"
                placeholder="type:incident label:database \"timeout\"" aria-describedby="finished-q-help"/>
            <button type="submit">"Filter"</button>
            {(!q.is_empty()).then(|| view! { <a href=href(slug, lane, "", 1)>"Clear"</a> })}
            <p id="finished-q-help" class="filter-notes" role="status">
                {asked.error.map(|e| view! { <span class="form-error">{e.to_owned()}</span> })}
                {notes.join("; ")}
            </p>
        </form>
        {table}
        <nav class="pager" aria-label="Pages">
            {newer}
            <span>{format!("Page {page} of {pages}")}</span>
            {older}
        </nav>
    }
}
