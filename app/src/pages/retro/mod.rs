//! The retrospective of a board for a period (default: the last 14 days, compared with the 14
//! before): flow charts rendered on the server, key figures against the period before,
//! overrides, incidents, a forecast, and the team's notes and action items. Action items
//! become tech-debt cards with one click.
//!
//! Everything but the notes and action items only shows numbers the server computed, so the
//! server renders it to HTML ([`retro_view`]) and the page puts that in place with
//! `inner_html`: hydration leaves such an element's content alone, and the charts' code and
//! the metrics' decoders stay out of the browser bundle (issue 8). Their links are plain
//! `<a href>`s and their tooltips native SVG `<title>`s, so they work as before.

use crate::components::{FormAction, PostForm};
use domain::access::Role;
use domain::retro::{ActionItem, Retrospective};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{query_params, slug_param};
use crate::api::{ActionToCard, AddRetroAction, RetroView, SaveRetroNotes, get_retro};
use crate::components::{ErrorPanel, mark_hydrated, short_time, textarea_text};

/// `/boards/:slug/retro?from=&to=&items=&by=&assignee=`.
#[component]
pub fn RetroPage() -> impl IntoView {
    let slug = slug_param();
    let param = query_params();
    let notes = FormAction::<SaveRetroNotes>::new();
    let add = FormAction::<AddRetroAction>::new();
    let to_card = FormAction::<ActionToCard>::new();
    let data = Resource::new(
        move || {
            (
                slug.get(),
                [
                    param("from"),
                    param("to"),
                    param("items"),
                    param("by"),
                    param("assignee"),
                ],
                (
                    notes.version().get(),
                    add.version().get(),
                    to_card.version().get(),
                ),
            )
        },
        |(slug, [from, to, items, by, assignee], _)| get_retro(slug, from, to, items, by, assignee),
    );
    let error = move || {
        notes
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| add.value().get().and_then(Result::err))
            .or_else(|| to_card.value().get().and_then(Result::err))
            .map(|e| view! { <p class="toast error" role="alert">{e.user_message()}</p> })
    };
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the retrospective…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => Either::Left(view! { <Retro view notes add to_card/> }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
        {error}
    }
}

#[component]
fn Retro(
    view: RetroView,
    notes: FormAction<SaveRetroNotes>,
    add: FormAction<AddRetroAction>,
    to_card: FormAction<ActionToCard>,
) -> impl IntoView {
    mark_hydrated();
    let can_write = view.role >= Role::Member;
    let slug = view.slug.clone();
    let notes = view! { <Notes retro=view.retro.clone() slug=slug.clone() can_write notes/> };
    let actions = view! { <Actions retro=view.retro slug can_write add to_card/> };
    view! {
        <Title text=format!("Retrospective · {}", view.board_name)/>
        <section class="retro-page">
            <div class="retro-report" inner_html=view.report_html></div>
            <div class="retro-columns">
                <div inner_html=view.side_html></div>
                <div>{notes}{actions}</div>
            </div>
        </section>
    }
}

#[component]
fn Notes(
    retro: Retrospective,
    slug: String,
    can_write: bool,
    notes: FormAction<SaveRetroNotes>,
) -> impl IntoView {
    let saved = retro.updated.map(|(by, at)| {
        view! { <p class="muted">{format!("Saved by {by}, {}", short_time(at))}</p> }
    });
    let body = if can_write {
        EitherOf3::A(view! {
            <PostForm action=notes attr:class="stack-form" attr:aria-label="Notes">
                <input type="hidden" name="slug" value=slug/>
                <input type="hidden" name="from" value=retro.from.to_string()/>
                <input type="hidden" name="to" value=retro.to.to_string()/>
                <label for="retro-notes" class="visually-hidden">"Notes"</label>
                <textarea id="retro-notes" name="notes" rows="8" maxlength="20000"
                    placeholder="What went well, what got in the way, what we learned">
                    {textarea_text(&retro.notes)}
                </textarea>
                <button type="submit">"Save notes"</button>
            </PostForm>
        })
    } else if retro.notes.is_empty() {
        EitherOf3::B(view! { <p class="muted">"No notes yet."</p> })
    } else {
        EitherOf3::C(view! { <p class="retro-notes">{retro.notes.clone()}</p> })
    };
    view! {
        <section class="retro-section" data-section="notes">
            <h2>"Notes"</h2>
            {body}
            {saved}
        </section>
    }
}

#[component]
fn Actions(
    retro: Retrospective,
    slug: String,
    can_write: bool,
    add: FormAction<AddRetroAction>,
    to_card: FormAction<ActionToCard>,
) -> impl IntoView {
    let items = retro
        .actions
        .iter()
        .map(|item| action_row(item, &slug, can_write, to_card))
        .collect_view();
    let none = retro
        .actions
        .is_empty()
        .then(|| view! { <p class="muted">"No action items yet."</p> });
    let form = can_write.then(|| {
        view! {
            <PostForm action=add attr:class="inline-form" attr:aria-label="New action item">
                <input type="hidden" name="slug" value=slug.clone()/>
                <input type="hidden" name="from" value=retro.from.to_string()/>
                <input type="hidden" name="to" value=retro.to.to_string()/>
                <label for="retro-action" class="visually-hidden">"Action item"</label>
                <input id="retro-action" name="text" required maxlength="200" placeholder="Automate the release notes"/>
                <button type="submit">"Add action item"</button>
            </PostForm>
        }
    });
    view! {
        <section class="retro-section" data-section="actions">
            <h2>"Action items"</h2>
            {none}
            <ul class="action-items">{items}</ul>
            {form}
        </section>
    }
}

fn action_row(
    item: &ActionItem,
    slug: &str,
    can_write: bool,
    to_card: FormAction<ActionToCard>,
) -> impl IntoView + use<> {
    let status = match item.card {
        Some((_, number)) => EitherOf3::A(view! {
            <a class="action-card" href=format!("/boards/{slug}/cards/{number}")>{format!("Tech-debt card #{number}")}</a>
        }),
        None if can_write => {
            let (slug, id) = (slug.to_owned(), item.id.to_string());
            EitherOf3::B(view! {
            <PostForm action=to_card attr:class="inline" attr:aria-label="Make a tech-debt card">
                <input type="hidden" name="slug" value=slug/>
                <input type="hidden" name="action_id" value=id/>
                <button type="submit" class="small">"Make tech-debt card"</button>
            </PostForm>
            })
        }
        None => EitherOf3::C(view! { <span class="muted">"No card yet"</span> }),
    };
    view! {
        <li data-action-id=item.id.to_string()>
            <span class="action-text">{item.text.clone()}</span>
            <span class="muted">{format!(" · {}", item.created_by)}</span>
            {status}
        </li>
    }
}
