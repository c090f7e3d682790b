//! The "earlier cards" page: a board's finished cards, newest first, a page at a time,
//! rendered to HTML on the server only (see `crate::pages::FinishedPage`). It is a list of
//! links, so it works the same without JavaScript and costs the browser bundle nothing.

use application::boards::{FINISHED_PAGE, FinishedCards};
use leptos::prelude::*;

use crate::components::{StaticHtml, TypeBadge, human_duration, short_time};

/// The page's HTML for one page of finished cards of the board `slug`.
pub fn finished_html(slug: &str, finished: &FinishedCards) -> String {
    page(slug, finished).to_static_html()
}

/// The page's address for `lane` (every lane when `None`) and `page`.
fn href(slug: &str, lane: Option<domain::LaneId>, page: usize) -> String {
    let mut href = format!("/boards/{slug}/finished");
    let mut sep = '?';
    if let Some(lane) = lane {
        href.push_str(&format!("{sep}lane={lane}"));
        sep = '&';
    }
    if page > 1 {
        href.push_str(&format!("{sep}page={page}"));
    }
    href
}

fn page(slug: &str, finished: &FinishedCards) -> impl IntoView + use<> {
    let FinishedCards {
        board,
        lane,
        cards,
        total,
        page,
        pages,
    } = finished;
    let (lane, page, pages, total) = (*lane, *page, *pages, *total);
    let lane_name = lane
        .and_then(|l| board.lane(l))
        .map(|l| format!("the {} lane", l.name))
        .unwrap_or_else(|| "every lane".to_owned());
    let first = (page - 1) * FINISHED_PAGE + 1;
    let lead = match total {
        0 => format!("No finished card in {lane_name} yet."),
        _ => format!(
            "{total} finished card{} in {lane_name}, newest first: {first}–{} shown.",
            if total == 1 { "" } else { "s" },
            first + cards.len() - 1,
        ),
    };
    let lanes = std::iter::once((None, "Every lane".to_owned()))
        .chain(board.lanes.iter().map(|l| (Some(l.id), l.name.clone())))
        .map(|(id, name)| {
            let here = (id == lane).then_some("page");
            view! { <a href=href(slug, id, 1) aria-current=here>{name}</a> }
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
        view! { <a href=href(slug, lane, page - 1) rel="prev">"← Newer"</a> }
    });
    let older = (page < pages).then(|| {
        view! { <a href=href(slug, lane, page + 1) rel="next">"Older →"</a> }
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
            </div>
        </div>
        <nav class="board-tabs" aria-label="Lanes">{lanes}</nav>
        {table}
        <nav class="pager" aria-label="Pages">
            {newer}
            <span>{format!("Page {page} of {pages}")}</span>
            {older}
        </nav>
    }
}
