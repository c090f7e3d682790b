//! A card's detail: its description, an edit form, blocking, and its history (each column it
//! visited, when it entered, how long it stayed, and every event with its actor). Viewers
//! get the description and history without the forms.

use crate::components::{FormAction, PostForm};
use domain::access::Role;
use domain::{CardType, Severity};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{CardDetail, SetBlocked, SetCardCause, UpdateCard, get_card_detail};
use crate::components::{
    ErrorPanel, SeverityBadge, TypeBadge, column_name, mark_hydrated, short_time, textarea_text,
    web_link,
};

/// `/boards/:slug/cards/:number`.
#[component]
pub fn CardPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        params.with(|p| {
            (
                p.get("slug").unwrap_or_default(),
                p.get("number").unwrap_or_default(),
            )
        })
    };
    let update = FormAction::<UpdateCard>::new();
    let block = FormAction::<SetBlocked>::new();
    let cause = FormAction::<SetCardCause>::new();
    let detail = Resource::new(
        move || {
            (
                key(),
                update.version().get(),
                block.version().get(),
                cause.version().get(),
            )
        },
        |((slug, number), _, _, _)| async move {
            let number = number.parse::<i64>().map_err(|_| {
                crate::error::AppError::NotFound(format!("There is no card #{number}."))
            })?;
            get_card_detail(slug, number).await
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading card…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => Either::Left(view! { <CardView detail update block cause/> }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn CardView(
    detail: CardDetail,
    update: FormAction<UpdateCard>,
    block: FormAction<SetBlocked>,
    cause: FormAction<SetCardCause>,
) -> impl IntoView {
    let card = detail.card.clone();
    let board_href = format!("/boards/{}", detail.board.slug);
    let card_id = card.id.to_string();
    let block_card_id = card_id.clone();
    let can_edit = detail.role >= Role::Member;
    mark_hydrated();
    let errors = move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| block.value().get().and_then(Result::err))
            .or_else(|| cause.value().get().and_then(Result::err))
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    let cause_section =
        (card.card_type == CardType::Incident).then(|| cause_form(&detail, can_edit, cause));
    view! {
        <Title text=format!("#{} {}", card.number, card.title)/>
        <article class="card-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=board_href.clone()>{detail.board.name.clone()}</a>
                " / #" {card.number}
            </nav>
            <header class=format!("card-page-head type-{}", card.card_type.as_str())>
                <div class="card-meta">
                    <TypeBadge card_type=card.card_type/>
                    {card.severity.map(|s| view! { <SeverityBadge severity=s/> })}
                    <span class="badge">{column_name(&detail.board, card.column_id)}</span>
                    {card.service.clone().map(|s| view! { <span class="badge">"service: " {s}</span> })}
                    {card.source.clone().map(|s| view! { <span class="badge">"source: " {s}</span> })}
                </div>
                <h1>{card.title.clone()}</h1>
                {(card.card_type == CardType::Incident).then(|| incident_facts(&card))}
                {card.blocked.then(|| view! {
                    <p class="blocked-note">"⊘ Blocked: " {card.blocked_reason.clone().unwrap_or_default()}</p>
                })}
            </header>
            <div class="card-page-body">
                {cause_section}
                <section class="description">
                    <h2>"Description"</h2>
                    {if card.description.is_empty() {
                        Either::Left(view! { <p class="empty">"No description."</p> })
                    } else {
                        Either::Right(view! { <div class="markdown" inner_html=detail.description_html.clone()></div> })
                    }}
                </section>
                <section class="history" inner_html=detail.history_html.clone()></section>
                {if can_edit {
                    Either::Left(view! {
                        <section class="panel edit-card">
                            <h2>"Edit"</h2>
                            {errors}
                            <PostForm action=update attr:class="stack-form">
                                <input type="hidden" name="card_id" value=card_id/>
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
                            </PostForm>
                            <PostForm action=block attr:class="stack-form block-form">
                                <input type="hidden" name="card_id" value=block_card_id/>
                                {if card.blocked {
                                    Either::Left(view! { <button type="submit">"Unblock"</button> })
                                } else {
                                    Either::Right(view! {
                                        <label>"Blocked by" <input name="reason" required maxlength="200" placeholder="Waiting for the vendor"/></label>
                                        <button type="submit">"Mark blocked"</button>
                                    })
                                }}
                            </PostForm>
                        </section>
                    })
                } else {
                    Either::Right(view! {
                        <section class="panel edit-card read-only-note">
                            <h2>"Read only"</h2>
                            <p class="help">
                                "You are a viewer on this board. A board admin can make you a member so you can edit, block and move cards."
                            </p>
                        </section>
                    })
                }}
            </div>
            <p><a href=board_href>"← Back to the board"</a></p>
        </article>
    }
}

/// What monitoring says of an incident, in its header: whether the alert still fires, how
/// often it was reported, when last, and the link to its panel or generator (the first thing
/// the person on call opens). Facts monitoring never sent are left out, so a hand-made
/// incident shows only what it has. Only `http:`/`https:` links are links; anything else
/// is shown as text (see [`web_link`]).
fn incident_facts(card: &domain::Card) -> impl IntoView + use<> {
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
fn cause_form(
    detail: &CardDetail,
    can_edit: bool,
    cause: FormAction<SetCardCause>,
) -> impl IntoView + use<> {
    let current = detail.card.caused_by;
    let current_label = detail
        .causes
        .iter()
        .find(|c| Some(c.id) == current)
        .map(|c| c.label.clone());
    let card_id = detail.card.id.to_string();
    let body = if can_edit {
        let option = |c: &crate::api::CauseChoice| {
            view! { <option value=c.id.to_string() selected=Some(c.id) == current>{c.label.clone()}</option> }
        };
        // The incident's own service first (the application orders them so), in a group of
        // its own so the split is visible, not just implied by the order.
        let (own, others): (Vec<_>, Vec<_>) = detail.causes.iter().partition(|c| c.own_service);
        let service = detail.card.service.clone().unwrap_or_default();
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
            <PostForm action=cause attr:class="inline-form" attr:aria-label="Caused by deployment">
                <input type="hidden" name="card_id" value=card_id/>
                <label class="grow">"Caused by deployment"
                    <select name="deployment_id">
                        <option value="">"None known"</option>
                        {options}
                    </select>
                </label>
                <button type="submit">"Save"</button>
            </PostForm>
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
