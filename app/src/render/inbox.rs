//! The inbox page (`/inbox`), rendered on the server only (see `pages::InboxPage`): what the
//! signed-in person was told of, newest first, each linking to its card, with plain forms to
//! mark one or all read.

use domain::inbox::Notification;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::MarkRead;
use crate::components::{StaticHtml, short_time};
use crate::error::AppError;

/// The page's HTML: `page` of the inbox, `unread` entries in all, and what its last form came
/// back with.
pub fn inbox_html(
    page: &application::comments::Page<Notification>,
    unread: u64,
    error: Option<AppError>,
) -> String {
    let entries = page
        .items
        .iter()
        .map(|n| {
            let href = format!("/boards/{}/cards/{}", n.board_slug, n.card_number);
            let unread = n.read_at.is_none();
            let mark = unread.then(|| {
                view! {
                    <form action=MarkRead::url() method="post" class="mark-read">
                        <input type="hidden" name="id" value=n.id.to_string()/>
                        <button type="submit" class="link-button">
                            "Mark read"
                            <span class="visually-hidden">{format!(": #{} {}", n.card_number, n.card_title)}</span>
                        </button>
                    </form>
                }
            });
            let detail = (!n.detail.is_empty()).then(|| view! { <p class="notice-detail">{n.detail.clone()}</p> });
            view! {
                <li class=if unread { "notice unread" } else { "notice" } data-kind=n.kind.as_str()>
                    <p class="notice-what">
                        {unread.then(|| view! { <span class="visually-hidden">"Unread: "</span> })}
                        <strong>{n.actor.clone()}</strong>
                        {format!(" {} ", n.kind.verb())}
                        <a href=href>{format!("#{} {}", n.card_number, n.card_title)}</a>
                    </p>
                    {detail}
                    <p class="notice-meta">
                        <time datetime=n.created_at.to_rfc3339()>{short_time(n.created_at)}</time>
                        {mark}
                    </p>
                </li>
            }
        })
        .collect_view();
    let list = if page.items.is_empty() {
        Either::Left(view! {
            <p class="empty">
                "Nothing yet. You are told here when you are assigned to a card or mentioned, when someone comments on, blocks or sends back a card you own, and of new incidents on your boards."
            </p>
        })
    } else {
        Either::Right(view! { <ol class="inbox-list">{entries}</ol> })
    };
    let all = (unread > 0).then(|| {
        view! {
            <form action=MarkRead::url() method="post" class="mark-all">
                <button type="submit">"Mark all read"</button>
            </form>
        }
    });
    let pager = (page.pages > 1).then(|| {
        let newer = (page.page > 1)
            .then(|| view! { <a href=format!("/inbox?page={}", page.page - 1)>"← Newer"</a> });
        let older = (page.page < page.pages)
            .then(|| view! { <a href=format!("/inbox?page={}", page.page + 1)>"Older →"</a> });
        view! {
            <nav class="pager" aria-label="Pages">
                {newer}
                <span>{format!("Page {} of {}", page.page, page.pages)}</span>
                {older}
            </nav>
        }
    });
    view! {
        <section class="page inbox-page">
            <div class="page-head">
                <h1>"Inbox"</h1>
                <p class="lead">{match unread {
                    0 => "Everything is read.".to_owned(),
                    1 => "1 unread.".to_owned(),
                    n => format!("{n} unread."),
                }}</p>
                {all}
            </div>
            {error.map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })}
            {list}
            {pager}
        </section>
    }
    .to_static_html()
}
