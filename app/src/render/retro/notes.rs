//! The retrospective's notes and action items, rendered on the server with plain forms: they
//! post to their server functions and come back to the page, with an error in its address
//! when one was refused (see `ssr::plain_form`). Nothing of them is in the browser bundle.

use domain::retro::{ActionItem, Retrospective};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use server_fn::ServerFn;

use crate::api::{ActionToCard, AddRetroAction, SaveRetroNotes};
use crate::components::{short_time, textarea_text};
use crate::error::AppError;

/// The server functions whose refusals the page shows.
pub const PATHS: [&str; 3] = [
    SaveRetroNotes::PATH,
    AddRetroAction::PATH,
    ActionToCard::PATH,
];

/// Notes, action items and, when a form came back refused, why.
#[component]
pub fn NotesAndActions(
    retro: Retrospective,
    slug: String,
    can_write: bool,
    error: Option<AppError>,
) -> impl IntoView {
    let error = error.map(|e| view! { <p class="toast error" role="alert">{e.user_message()}</p> });
    view! {
        {error}
        <Notes retro=retro.clone() slug=slug.clone() can_write/>
        <Actions retro slug can_write/>
    }
}

/// The period's hidden fields, for a form that writes to it.
fn period_fields(slug: &str, retro: &Retrospective) -> impl IntoView + use<> {
    view! {
        <input type="hidden" name="slug" value=slug.to_owned()/>
        <input type="hidden" name="from" value=retro.from.to_string()/>
        <input type="hidden" name="to" value=retro.to.to_string()/>
    }
}

#[component]
fn Notes(retro: Retrospective, slug: String, can_write: bool) -> impl IntoView {
    let saved = retro.updated.as_ref().map(|(by, at)| {
        view! { <p class="muted">{format!("Saved by {by}, {}", short_time(*at))}</p> }
    });
    let body = if can_write {
        EitherOf3::A(view! {
            <form action=SaveRetroNotes::url() method="post" class="stack-form" aria-label="Notes">
                {period_fields(&slug, &retro)}
                <label for="retro-notes" class="visually-hidden">"Notes"</label>
                <textarea id="retro-notes" name="notes" rows="8" maxlength="20000"
                    placeholder="What went well, what got in the way, what we learned">
                    {textarea_text(&retro.notes)}
                </textarea>
                <button type="submit">"Save notes"</button>
            </form>
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
fn Actions(retro: Retrospective, slug: String, can_write: bool) -> impl IntoView {
    let items = retro
        .actions
        .iter()
        .map(|item| action_row(item, &slug, can_write))
        .collect_view();
    let none = retro
        .actions
        .is_empty()
        .then(|| view! { <p class="muted">"No action items yet."</p> });
    let form = can_write.then(|| {
        view! {
            <form action=AddRetroAction::url() method="post" class="inline-form" aria-label="New action item">
                {period_fields(&slug, &retro)}
                <label for="retro-action" class="visually-hidden">"Action item"</label>
                <input id="retro-action" name="text" required maxlength="200" placeholder="Automate the release notes"/>
                <button type="submit">"Add action item"</button>
            </form>
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

fn action_row(item: &ActionItem, slug: &str, can_write: bool) -> impl IntoView + use<> {
    let status = match item.card {
        Some((_, number)) => EitherOf3::A(view! {
            <a class="action-card" href=format!("/boards/{slug}/cards/{number}")>{format!("Tech-debt card #{number}")}</a>
        }),
        None if can_write => EitherOf3::B(view! {
            <form action=ActionToCard::url() method="post" class="inline" aria-label="Make a tech-debt card">
                <input type="hidden" name="slug" value=slug.to_owned()/>
                <input type="hidden" name="action_id" value=item.id.to_string()/>
                <button type="submit" class="small">"Make tech-debt card"</button>
            </form>
        }),
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
