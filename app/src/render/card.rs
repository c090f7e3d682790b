//! A card's page, rendered to HTML on the server only (see `pages::CardPage`): its facts, its
//! owners, the incident's cause, the description, the history, and the forms that change
//! them. The forms are plain HTML forms that post to their server functions and come back to
//! the page (see `ssr::plain_form`), with JavaScript or without, so the browser bundle carries
//! none of this view nor the decoders of a card's data (issue 8: the bundle's size).

use domain::access::Role;
use domain::people::Person;
use domain::{Card, CardType, Severity, UserId};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    AddComment, CauseChoice, DeleteComment, EditComment, SetAssignee, SetBlocked, SetCardCause,
    UpdateCard,
};
use crate::components::{
    Avatar, SeverityBadge, StaticHtml, TypeBadge, column_name, short_time, textarea_text, web_link,
};
use crate::error::AppError;

/// Everything a card's page shows.
pub struct CardPageData {
    /// The board (its layout: column names).
    pub board: domain::Board,
    /// The card.
    pub card: Card,
    /// The description as sanitised HTML.
    pub description_html: String,
    /// The time in each column and the event log, as HTML.
    pub history_html: String,
    /// What the viewer may do.
    pub role: Role,
    /// Incidents: the deployments to blame, the incident's own service's first.
    pub causes: Vec<CauseChoice>,
    /// The board's members who may own cards (members and admins), by name.
    pub people: Vec<Person>,
    /// Names of owners who are no longer on the board (from the card's history).
    pub former: Vec<Person>,
    /// The viewer, when signed in.
    pub me: Option<UserId>,
    /// What the page's last form came back with, and from which server function.
    pub error: Option<(String, AppError)>,
    /// The person an assignment refused by their WIP limit was for (the override form
    /// offers them again).
    pub refused_owner: Option<UserId>,
}

/// A comment as the card's timeline shows it: `body_html` its rendered text; whether the
/// viewer may edit it (its author) and delete it (its author, a board admin).
pub fn comment_html(
    comment: &domain::comment::Comment,
    body_html: &str,
    (may_edit, may_delete): (bool, bool),
) -> String {
    let id = comment.id.to_string();
    let at = view! {
        <time datetime=comment.created_at.to_rfc3339()>{short_time(comment.created_at)}</time>
        <span class="actor">{comment.author.name.clone()}</span>
    };
    if let Some(deleted_at) = comment.deleted_at {
        let by = comment.deleted_by.clone().unwrap_or_default();
        return view! {
            <li class="comment deleted" id=format!("comment-{id}")>
                {at}
                <span class="what">{format!("commented; deleted by {by}, {}", short_time(deleted_at))}</span>
            </li>
        }
        .to_static_html();
    }
    let edited = comment
        .edited_at
        .map(|t| format!(" (edited {})", short_time(t)));
    let edit = may_edit.then(|| {
        view! {
            <details class="comment-edit">
                <summary>"Edit"</summary>
                <form action=EditComment::url() method="post" class="stack-form" aria-label="Edit comment">
                    <input type="hidden" name="comment_id" value=id.clone()/>
                    <label>
                        "Comment"
                        <textarea name="body" rows="4" required maxlength="20000">{textarea_text(&comment.body)}</textarea>
                    </label>
                    <button type="submit">"Save comment"</button>
                </form>
            </details>
        }
    });
    let delete = may_delete.then(|| {
        view! {
            <form action=DeleteComment::url() method="post" class="comment-delete">
                <input type="hidden" name="comment_id" value=id.clone()/>
                <button type="submit" class="link-button">
                    "Delete" <span class="visually-hidden">{format!(" the comment by {}", comment.author.name)}</span>
                </button>
            </form>
        }
    });
    view! {
        <li class="comment" id=format!("comment-{id}")>
            {at}
            <span class="what">"commented" {edited}</span>
            <div class="markdown comment-body" inner_html=body_html.to_owned()></div>
            {(may_edit || may_delete).then(|| view! { <div class="comment-actions">{edit}{delete}</div> })}
        </li>
    }
    .to_static_html()
}

/// The page's HTML.
pub fn card_html(data: &CardPageData) -> String {
    page(data).to_static_html()
}

fn page(data: &CardPageData) -> impl IntoView + use<> {
    let card = &data.card;
    let board_href = format!("/boards/{}", data.board.slug);
    let can_edit = data.role >= Role::Member;
    let error = data.error.as_ref().map(|(_, e)| {
        view! { <p class="form-error" role="alert">{e.user_message()}</p> }
    });
    let cause = (card.card_type == CardType::Incident).then(|| cause_section(data, can_edit));
    let came_back = data.error.as_ref().map(|(path, e)| (path.as_str(), e));
    let discard = super::discard::card_panel(&data.board, card, data.role, came_back);
    let edit = if can_edit {
        Either::Left(edit_section(card))
    } else {
        Either::Right(view! {
            <section class="panel edit-card read-only-note">
                <h2>"Read only"</h2>
                <p class="help">
                    "You are a viewer on this board. A board admin can make you a member so you can edit, block and move cards."
                </p>
            </section>
        })
    };
    view! {
        <article class="card-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=board_href.clone()>{data.board.name.clone()}</a>
                " / #" {card.number}
            </nav>
            <header class=format!("card-page-head type-{}", card.card_type.as_str())>
                <div class="card-meta">
                    <TypeBadge card_type=card.card_type/>
                    {card.severity.map(|s| view! { <SeverityBadge severity=s/> })}
                    <span class="badge">{match card.discarded {
                        Some(_) => format!("discarded from {}", column_name(&data.board, card.column_id)),
                        None => column_name(&data.board, card.column_id),
                    }}</span>
                    {card.service.clone().map(|s| view! { <span class="badge">"service: " {s}</span> })}
                    {card.source.clone().map(|s| view! { <span class="badge">"source: " {s}</span> })}
                </div>
                <h1>{card.title.clone()}</h1>
                {(card.card_type == CardType::Incident).then(|| incident_facts(card))}
                {card.blocked.then(|| view! {
                    <p class="blocked-note">"⊘ Blocked: " {card.blocked_reason.clone().unwrap_or_default()}</p>
                })}
                {super::discard::discarded_note(card)}
            </header>
            {error}
            <div class="card-page-body">
                <div class="card-main">
                {owners_section(data, can_edit)}
                {super::labels::card_panel(&data.board, card, can_edit)}
                {cause}
                <section class="description">
                    <h2>"Description"</h2>
                    {if card.description.is_empty() {
                        Either::Left(view! { <p class="empty">"No description."</p> })
                    } else {
                        Either::Right(view! { <div class="markdown" inner_html=data.description_html.clone()></div> })
                    }}
                </section>
                {can_edit.then(|| comment_form(&card.id.to_string()))}
                <section class="history" inner_html=data.history_html.clone()></section>
                </div>
                <div class="card-side">
                    {edit}
                    {discard}
                    {super::discard::delete_panel(&data.board, card, data.role)}
                </div>
            </div>
            <p><a href=board_href>"← Back to the board"</a></p>
        </article>
    }
}

/// Who owns the card, a button to take each off, and a form to add one (members and up).
/// When an assignment was refused by the person's WIP limit, admins get the same assignment
/// with a reason to override; others are told to ask one.
fn owners_section(data: &CardPageData, can_edit: bool) -> impl IntoView + use<> {
    let card = &data.card;
    let card_id = card.id.to_string();
    let name_of = |id: UserId| {
        data.people
            .iter()
            .chain(&data.former)
            .find(|p| p.id == id)
            .map_or_else(|| "a former member".to_owned(), |p| p.name.clone())
    };
    let owners = card
        .assignees
        .iter()
        .map(|&id| {
            let name = name_of(id);
            let remove = can_edit.then(|| {
                view! {
                    <form action=SetAssignee::url() method="post" class="owner-remove">
                        <input type="hidden" name="card_id" value=card_id.clone()/>
                        <input type="hidden" name="user_id" value=id.to_string()/>
                        <input type="hidden" name="assign" value="false"/>
                        <button type="submit" class="link-button">
                            "Remove" <span class="visually-hidden">{format!(" {name}")}</span>
                        </button>
                    </form>
                }
            });
            view! {
                <li>
                    <Avatar name=name.clone()/>
                    <span class="owner-name">{name.clone()}</span>
                    {remove}
                </li>
            }
        })
        .collect_view();
    let list = if card.assignees.is_empty() {
        Either::Left(view! { <p class="empty">"Nobody owns this card yet."</p> })
    } else {
        Either::Right(view! { <ul class="owner-list">{owners}</ul> })
    };
    let refused = matches!(
        &data.error,
        Some((path, AppError::Policy { .. })) if path == SetAssignee::PATH
    );
    let may_override = data.role >= Role::Admin;
    let add = can_edit.then(|| {
        let candidates: Vec<&Person> = data
            .people
            .iter()
            .filter(|p| !card.assignees.contains(&p.id))
            .collect();
        if candidates.is_empty() {
            return Either::Left(view! { <p class="help">"Every member owns this card."</p> });
        }
        let chosen = data.refused_owner.or(data.me);
        let options = candidates
            .into_iter()
            .map(|p| {
                let label = if Some(p.id) == data.me {
                    format!("{} (me)", p.name)
                } else {
                    p.name.clone()
                };
                view! { <option value=p.id.to_string() selected=Some(p.id) == chosen>{label}</option> }
            })
            .collect_view();
        let forced = (refused && may_override).then(|| {
            view! {
                <label class="grow override">
                    "Reason to override their WIP limit"
                    <input name="override_reason" required maxlength="500" placeholder="Pairing to finish the release"/>
                </label>
            }
        });
        let ask = (refused && !may_override)
            .then(|| view! { <p class="ask-admin">"Ask a board admin to override."</p> });
        let button = if refused && may_override { "Assign anyway" } else { "Assign" };
        Either::Right(view! {
            <form action=SetAssignee::url() method="post" class="inline-form owner-add" aria-label="Assign someone">
                <input type="hidden" name="card_id" value=card_id.clone()/>
                <input type="hidden" name="assign" value="true"/>
                <label class="grow">"Assign" <select name="user_id">{options}</select></label>
                {forced}
                <button type="submit">{button}</button>
            </form>
            {ask}
        })
    });
    view! {
        <section class="owner-panel" data-section="owners">
            <h2>"Owners"</h2>
            {list}
            {add}
        </section>
    }
}

/// The form that comments on the card (members and up).
fn comment_form(card_id: &str) -> impl IntoView + use<> {
    view! {
        <section class="comment-panel" data-section="comment">
            <h2>"Comment"</h2>
            <form action=AddComment::url() method="post" class="stack-form comment-form" aria-label="Comment">
                <input type="hidden" name="card_id" value=card_id.to_owned()/>
                <label>
                    <span class="visually-hidden">"Comment"</span>
                    <textarea name="body" rows="3" required maxlength="20000"
                        placeholder="Write a comment (Markdown); @name mentions someone on the board"></textarea>
                </label>
                <button type="submit" class="primary">"Comment"</button>
            </form>
        </section>
    }
}

/// The edit form and the block form (members and up).
fn edit_section(card: &Card) -> impl IntoView + use<> {
    let card_id = card.id.to_string();
    view! {
        <section class="panel edit-card">
            <h2>"Edit"</h2>
            <form action=UpdateCard::url() method="post" class="stack-form" aria-label="Edit card">
                <input type="hidden" name="card_id" value=card_id.clone()/>
                <label>"Title" <input name="title" required maxlength="200" value=card.title.clone()/></label>
                <label>
                    "Type"
                    <select name="card_type">
                        {CardType::ALL.into_iter().map(|t| view! {
                            <option value=t.as_str() selected=t == card.card_type>{t.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Severity (incidents)"
                    <select name="severity">
                        {Severity::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=Some(s) == card.severity.or(Some(Severity::Sev3))>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Service (incidents)" <input name="service" maxlength="200" value=card.service.clone().unwrap_or_default()/></label>
                <label>
                    "Description (markdown)"
                    <textarea name="description" rows="8" maxlength="20000">{textarea_text(&card.description)}</textarea>
                </label>
                <button type="submit" class="primary">"Save"</button>
            </form>
            <form action=SetBlocked::url() method="post" class="stack-form block-form" aria-label="Blocking">
                <input type="hidden" name="card_id" value=card_id/>
                {if card.blocked {
                    Either::Left(view! { <button type="submit">"Unblock"</button> })
                } else {
                    Either::Right(view! {
                        <label>"Blocked by" <input name="reason" required maxlength="200" placeholder="Waiting for the vendor"/></label>
                        <button type="submit">"Mark blocked"</button>
                    })
                }}
            </form>
        </section>
    }
}

/// What monitoring says of an incident, in its header: whether the alert still fires, how
/// often it was reported, when last, and the link to its panel or generator (the first thing
/// the person on call opens). Facts monitoring never sent are left out, so a hand-made
/// incident shows only what it has. Only `http:`/`https:` links are links; anything else
/// is shown as text (see [`web_link`]).
fn incident_facts(card: &Card) -> impl IntoView + use<> {
    let from_monitoring = card.source.is_some() || card.last_seen_at.is_some();
    let state = from_monitoring.then(|| match card.alert_resolved_at {
        Some(at) => format!("resolved {}", short_time(at)),
        None => "firing".to_owned(),
    });
    let occurrences = (from_monitoring || card.occurrences > 1).then_some(card.occurrences);
    let link = card.link.clone().map(|link| match web_link(&link) {
        Some(url) => Either::Left(view! {
            <a href=url.to_owned() rel="noopener noreferrer external">{url.to_owned()}</a>
        }),
        None => Either::Right(view! { <code>{link}</code> }),
    });
    view! {
        <dl class="facts incident-facts" data-section="monitoring">
            {state.map(|s| view! { <dt>"Alert"</dt><dd data-fact="state">{s}</dd> })}
            {occurrences.map(|n| view! { <dt>"Occurrences"</dt><dd data-fact="occurrences">{n}</dd> })}
            {card.last_seen_at.map(|at| view! { <dt>"Last seen"</dt><dd data-fact="last-seen">{short_time(at)}</dd> })}
            {link.map(|l| view! { <dt>"Monitoring"</dt><dd data-fact="link">{l}</dd> })}
        </dl>
    }
}

/// Which deployment caused this incident: members pick one of the board's recent production
/// deployments (or none); viewers read it. Counts toward the change failure rate.
fn cause_section(data: &CardPageData, can_edit: bool) -> impl IntoView + use<> {
    let current = data.card.caused_by;
    let current_label = data
        .causes
        .iter()
        .find(|c| Some(c.id) == current)
        .map(|c| c.label.clone());
    let card_id = data.card.id.to_string();
    let body = if can_edit {
        let option = |c: &CauseChoice| {
            view! { <option value=c.id.to_string() selected=Some(c.id) == current>{c.label.clone()}</option> }
        };
        // The incident's own service first (the application orders them so), in a group of
        // its own so the split is visible, not just implied by the order.
        let (own, others): (Vec<_>, Vec<_>) = data.causes.iter().partition(|c| c.own_service);
        let service = data.card.service.clone().unwrap_or_default();
        let options = if own.is_empty() {
            Either::Left(others.into_iter().map(option).collect_view())
        } else {
            Either::Right(view! {
                <optgroup label=format!("{service} (this incident's service)")>
                    {own.into_iter().map(option).collect_view()}
                </optgroup>
                <optgroup label="Other services">{others.into_iter().map(option).collect_view()}</optgroup>
            })
        };
        Either::Left(view! {
            <form action=SetCardCause::url() method="post" class="inline-form" aria-label="Caused by deployment">
                <input type="hidden" name="card_id" value=card_id/>
                <label class="grow">"Caused by deployment"
                    <select name="deployment_id">
                        <option value="">"None known"</option>
                        {options}
                    </select>
                </label>
                <button type="submit">"Save"</button>
            </form>
        })
    } else {
        Either::Right(view! {
            <p>{current_label.unwrap_or_else(|| "No deployment is named as the cause.".into())}</p>
        })
    };
    view! {
        <section class="cause" data-section="cause">
            <h2>"Cause"</h2>
            {body}
        </section>
    }
}
