//! Discarded cards as the server renders them: the card page's discard and restore forms,
//! and the board's discarded-cards page. Plain forms (see `ssr::plain_form`), so they work
//! the same without JavaScript and cost the browser bundle nothing.

use domain::access::Role;
use domain::discard::REASONS;
use domain::{Board, BoardEvent, BoardEventKind, Card, CardId};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{DeleteCard, DiscardCard, RestoreCard};
use crate::components::{StaticHtml, TypeBadge, column_name, short_time};
use crate::error::AppError;

/// What the discarded-cards page's last form came back with.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The number of the card just restored.
    pub restored: Option<i64>,
    /// The number of the card just deleted.
    pub deleted: Option<i64>,
    /// The card whose restore came back refused.
    pub refused: Option<CardId>,
    /// Why it was refused.
    pub error: Option<AppError>,
}

/// Whether `error` is a flow policy's refusal, which an admin may override.
fn refused_by_policy(error: Option<&AppError>) -> bool {
    matches!(error, Some(AppError::Policy { .. }))
}

/// The form that brings `card` back to the cell it left. After a refusal by a flow policy,
/// an admin gets a reason to override it and others are told to ask one.
fn restore_form(board: &Board, card: &Card, role: Role, refused: bool) -> impl IntoView + use<> {
    let may_override = role >= Role::Admin;
    let forced = (refused && may_override).then(|| {
        view! {
            <label>
                "Reason to override the flow policy"
                <input name="override_reason" required maxlength="500" placeholder="Needed for the release after all"/>
            </label>
        }
    });
    let ask = (refused && !may_override)
        .then(|| view! { <p class="ask-admin">"Ask a board admin to override."</p> });
    let column = column_name(board, card.column_id);
    let label = if refused && may_override {
        format!("Restore to {column} anyway")
    } else {
        format!("Restore to {column}")
    };
    view! {
        <form action=RestoreCard::url() method="post" class="stack-form restore-form"
            aria-label=format!("Restore #{}", card.number)>
            <input type="hidden" name="card_id" value=card.id.to_string()/>
            {forced}
            <button type="submit">{label}</button>
        </form>
        {ask}
    }
}

/// The card page's side panel: the discard form for a card on the board, the restore form
/// for a discarded one (members and up; nothing for viewers).
pub fn card_panel(
    board: &Board,
    card: &Card,
    role: Role,
    error: Option<(&str, &AppError)>,
) -> impl IntoView + use<> {
    if role < Role::Member {
        return None;
    }
    if card.discarded.is_some() {
        let refused =
            error.is_some_and(|(path, e)| path == RestoreCard::PATH && refused_by_policy(Some(e)));
        return Some(Either::Left(view! {
            <section class="panel discard-panel" data-section="restore">
                <h2>"Discarded"</h2>
                <p class="help">"Restoring puts the card back at the end of the cell it left, under the board's flow policies."</p>
                {restore_form(board, card, role, refused)}
                <p><a href=format!("/boards/{}/discarded", board.slug)>"All discarded cards"</a></p>
            </section>
        }));
    }
    let reasons = REASONS
        .into_iter()
        .enumerate()
        .map(|(i, reason)| {
            view! {
                <label class="check">
                    <input type="radio" name="reason" value=reason checked=i == 0/>
                    {reason}
                </label>
            }
        })
        .collect_view();
    Some(Either::Right(view! {
        <section class="panel discard-panel" data-section="discard">
            <h2>"Discard"</h2>
            <p class="help">
                "Takes the card off the board unfinished. It keeps its history, can be restored, "
                "and is not counted as done: the metrics count it apart."
            </p>
            <form action=DiscardCard::url() method="post" class="stack-form" aria-label="Discard card">
                <input type="hidden" name="card_id" value=card.id.to_string()/>
                <fieldset>
                    <legend>"Why"</legend>
                    {reasons}
                    <label class="check">
                        <input type="radio" name="reason" value="other"/>
                        "Other:"
                    </label>
                    <input name="other" maxlength="200" aria-label="Other reason" placeholder="Done by the platform team"/>
                </fieldset>
                <button type="submit" class="danger">"Discard card"</button>
            </form>
        </section>
    }))
}

/// The card page's *Delete permanently* (board admins), folded away: for content that must
/// not stay, not for work the team will not do.
pub fn delete_panel(board: &Board, card: &Card, role: Role) -> impl IntoView + use<> {
    (role >= Role::Admin).then(|| {
        let number = card.number;
        view! {
            <section class="panel delete-panel" data-section="delete">
                <details>
                    <summary>"Delete permanently"</summary>
                    <p class="help">
                        "For content that must not stay, such as personal data put on the card by "
                        "mistake. The card, its history, comments and owners go for good; the "
                        "board keeps only its number and who deleted it. To take work off the "
                        "board, discard it instead."
                    </p>
                    <form action=DeleteCard::url() method="post" class="stack-form" aria-label="Delete card permanently">
                        <input type="hidden" name="card_id" value=card.id.to_string()/>
                        <input type="hidden" name="slug" value=board.slug.clone()/>
                        <label class="check">
                            <input type="checkbox" name="confirm" value="yes" required/>
                            {format!("#{number} and its history cannot be brought back")}
                        </label>
                        <button type="submit" class="danger">{format!("Delete #{number} permanently")}</button>
                    </form>
                </details>
            </section>
        }
    })
}

/// The card page's note that the card is discarded: when, by whom, why.
pub fn discarded_note(card: &Card) -> impl IntoView + use<> {
    card.discarded.as_ref().map(|d| {
        view! {
            <p class="discarded-note" role="note">
                <strong>"Discarded"</strong>
                {format!(" by {} on {}: {}", d.by, short_time(d.at), d.reason)}
            </p>
        }
    })
}

/// The board's discarded-cards page, with the cards deleted outright (`log`, the board's own
/// log) below them.
pub fn discarded_html(
    board: &Board,
    (cards, log): (&[Card], &[BoardEvent]),
    role: Role,
    outcome: &Outcome,
) -> String {
    view! {
        {page(board, cards, role, outcome)}
        {deletions(log, outcome.deleted)}
    }
    .to_static_html()
}

/// The cards deleted outright: only their numbers, who and when.
fn deletions(log: &[BoardEvent], just: Option<i64>) -> impl IntoView + use<> {
    let notice = just.map(|number| {
        view! { <p class="notice" role="status">{format!("#{number} was deleted, with its history.")}</p> }
    });
    let rows = log
        .iter()
        .map(|event| {
            let BoardEventKind::CardDeleted { number } = event.kind;
            view! {
                <li>{format!("#{number} deleted by {} on {}", event.actor.name, short_time(event.at))}</li>
            }
        })
        .collect_view();
    let list = (!log.is_empty()).then(|| view! { <ul class="deleted-cards">{rows}</ul> });
    (notice.is_some() || !log.is_empty()).then(|| {
        view! {
            <section class="retro-section" data-section="deleted">
                <h2>"Deleted cards"</h2>
                {notice}
                <p class="muted">"Deleted outright by a board admin, with their history: only the number, who and when are kept."</p>
                {list}
            </section>
        }
    })
}

fn page(board: &Board, cards: &[Card], role: Role, outcome: &Outcome) -> impl IntoView + use<> {
    let slug = board.slug.clone();
    let error = outcome
        .error
        .as_ref()
        .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> });
    let restored = outcome.restored.map(|number| {
        view! {
            <p class="notice" role="status">
                <a href=format!("/boards/{slug}/cards/{number}")>{format!("#{number}")}</a>
                " is back on the board."
            </p>
        }
    });
    let refused = refused_by_policy(outcome.error.as_ref());
    let rows = cards
        .iter()
        .map(|card| {
            let (reason, by, at) = card
                .discarded
                .as_ref()
                .map(|d| (d.reason.clone(), d.by.clone(), short_time(d.at)))
                .unwrap_or_default();
            let restore = (role >= Role::Member).then(|| {
                let refused = refused && outcome.refused == Some(card.id);
                restore_form(board, card, role, refused)
            });
            view! {
                <tr id=format!("card-{}", card.number)>
                    <td data-label="Card">
                        <a href=format!("/boards/{}/cards/{}", board.slug, card.number)>
                            {format!("#{} {}", card.number, card.title)}
                        </a>
                    </td>
                    <td data-label="Type"><TypeBadge card_type=card.card_type/></td>
                    <td data-label="Why">{reason}</td>
                    <td data-label="Left">{column_name(board, card.column_id)}</td>
                    <td data-label="Discarded">{format!("{at} by {by}")}</td>
                    <td data-label="Restore">{restore}</td>
                </tr>
            }
        })
        .collect_view();
    let lead = match cards.len() {
        0 => "No discarded cards.".to_owned(),
        1 => "1 discarded card.".to_owned(),
        n => format!("{n} discarded cards, most recent first."),
    };
    let table = (!cards.is_empty()).then(|| {
        view! {
            <table class="data-table discarded-cards">
                <thead><tr>
                    <th scope="col">"Card"</th><th scope="col">"Type"</th><th scope="col">"Why"</th>
                    <th scope="col">"Left"</th><th scope="col">"Discarded"</th>
                    <th scope="col"><span class="visually-hidden">"Restore"</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        <div class="board-head">
            <div>
                <p class="crumbs"><a href=format!("/boards/{}", board.slug)>{format!("← {}", board.name)}</a></p>
                <h1>"Discarded cards"</h1>
                <p class="lead">{lead}</p>
            </div>
        </div>
        <p class="help">
            "Cards taken off the board without being finished. They are left out of "
            "throughput, cycle and lead time, the CFD and the forecast, and counted apart in the "
            "metrics and the retrospective. Restoring one puts it back at the end of the cell it "
            "left, under the board's flow policies."
        </p>
        {error}
        {restored}
        {table}
    }
}
