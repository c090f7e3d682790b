//! The list of boards, and a form to make one.

use crate::components::{FormAction, PostForm};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{CreateBoard, list_boards};
use crate::components::ErrorPanel;

/// `/`: all boards.
#[component]
pub fn BoardsPage() -> impl IntoView {
    let create = FormAction::<CreateBoard>::new();
    let boards = Resource::new(move || create.version().get(), |_| list_boards());
    view! {
        <Title text="Boards"/>
        <section class="page boards-page">
            <div class="page-head">
                <h1>"Boards"</h1>
                <p class="lead">
                    "One queue for feature work, incidents and tech debt, with limits that hold."
                </p>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading boards…"</p> }>
                {move || Suspend::new(async move {
                    match boards.await {
                        Ok(list) if list.is_empty() => {
                            EitherOf3::A(view! { <p class="empty">"No boards yet. Make the first one below."</p> })
                        }
                        Ok(list) => {
                            EitherOf3::B(view! {
                                <ul class="board-list">
                                    {list
                                        .into_iter()
                                        .map(|b| {
                                            view! {
                                                <li class="board-item">
                                                    <a href=format!("/boards/{}", b.slug)>
                                                        <span class="board-name">{b.name}</span>
                                                        <span class="board-desc">{b.description}</span>
                                                        <span class="board-counts">
                                                            {format!("{} open · {} total", b.open_cards, b.total_cards)}
                                                            {b.assigned_to_me.filter(|n| *n > 0).map(|n| view! {
                                                                " · " <strong class="mine">{n} " assigned to you"</strong>
                                                            })}
                                                        </span>
                                                    </a>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            })
                        }
                        Err(error) => EitherOf3::C(view! { <ErrorPanel error/> }),
                    }
                })}
            </Transition>
            <section class="panel">
                <h2>"New board"</h2>
                <PostForm action=create attr:class="stack-form">
                    <label>
                        "Name"
                        <input name="name" required maxlength="60" placeholder="Platform team"/>
                    </label>
                    <label>
                        "Description"
                        <input name="description" maxlength="2000" placeholder="What is this board for?"/>
                    </label>
                    <button type="submit" class="primary">"Create board"</button>
                </PostForm>
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
                }}
            </section>
        </section>
    }
}
