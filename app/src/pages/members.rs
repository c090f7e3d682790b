//! `/boards/:slug/members`: who has which role on a board. Everyone on the board sees the
//! list; board admins also add people, change roles and take people off.

use crate::components::{FormAction, PostForm};
use domain::access::{Member, Role};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use super::slug_param;
use crate::api::{MembersPage, RemoveMember, SetMember, list_members};
use crate::components::{ErrorPanel, mark_hydrated};

/// What each role may do, as the page explains it.
fn role_help(role: Role) -> &'static str {
    match role {
        Role::Viewer => "reads the board, its cards and metrics",
        Role::Member => "also creates, edits, blocks and moves cards",
        Role::Admin => {
            "also changes settings and flow policies, overrides policies, manages members and API tokens"
        }
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

/// `/boards/:slug/members`.
#[component]
pub fn BoardMembersPage() -> impl IntoView {
    let slug = slug_param();
    let set = FormAction::<SetMember>::new();
    let remove = FormAction::<RemoveMember>::new();
    let page = Resource::new(
        move || (slug.get(), set.version().get(), remove.version().get()),
        |(slug, ..)| list_members(slug),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => Either::Left(view! { <Members page slug=slug.get_untracked() set remove/> }),
                    Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Members(
    page: MembersPage,
    slug: String,
    set: FormAction<SetMember>,
    remove: FormAction<RemoveMember>,
) -> impl IntoView {
    mark_hydrated();
    let admin = page.role >= Role::Admin;
    let error = move || {
        set.value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    let rows = page
        .members
        .iter()
        .map(|m| member_row(m, &slug, admin, set, remove))
        .collect_view();
    let name = page.board_name.clone();
    let help = Role::ALL
        .into_iter()
        .map(|r| view! { <li><strong>{r.as_str()}</strong>": " {role_help(r)}</li> })
        .collect_view();
    let add_slug = slug.clone();
    view! {
        <Title text=format!("Members · {name}")/>
        <section class="page members-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=format!("/boards/{slug}")>{name.clone()}</a>
                " / Members"
            </nav>
            <h1>"Members"</h1>
            <ul class="role-help">{help}</ul>
            <p class="help">
                {format!("Your role here: {}. ", page.role.as_str())}
                "Instance admins can do everything on every board without being listed."
            </p>
            {error}
            <section class="panel">
                <h2>"People on this board"</h2>
                {if page.members.is_empty() {
                    view! { <p class="empty">"Nobody is a member yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="data-table members-table">
                                <thead>
                                    <tr>
                                        <th>"Name"</th>
                                        <th>"Email"</th>
                                        <th>"Role"</th>
                                        {admin.then(|| view! { <th><span class="visually-hidden">"Actions"</span></th> })}
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }}
            </section>
            {admin.then(|| view! {
                <section class="panel">
                    <h2>"Add a member"</h2>
                    <p class="help">"The person needs an account first: an instance admin makes accounts under Users."</p>
                    <PostForm action=set attr:class="row-form member-form" attr:aria-label="Add a member">
                        <input type="hidden" name="slug" value=add_slug.clone()/>
                        <label>
                            "Email"
                            <input name="email" type="email" required autocomplete="off" autocapitalize="none" spellcheck="false"/>
                        </label>
                        <label>"Role" <select name="role">{role_options(Role::Member)}</select></label>
                        <button type="submit" class="primary">"Add member"</button>
                    </PostForm>
                </section>
            })}
        </section>
    }
}

fn member_row(
    m: &Member,
    slug: &str,
    admin: bool,
    set: FormAction<SetMember>,
    remove: FormAction<RemoveMember>,
) -> impl IntoView {
    let who = format!("{} ({})", m.user.name, m.user.email);
    let email = m.user.email.clone();
    let role = m.role;
    let role_cell = if admin {
        let (form_label, select_label) = (format!("Role of {email}"), format!("Role of {who}"));
        let (slug, email) = (slug.to_owned(), email.clone());
        view! {
            <PostForm action=set attr:class="role-form" attr:aria-label=form_label>
                <input type="hidden" name="slug" value=slug/>
                <input type="hidden" name="email" value=email/>
                <select name="role" aria-label=select_label>{role_options(role)}</select>
                <button type="submit" class="small">"Change role"</button>
            </PostForm>
        }
        .into_any()
    } else {
        view! { <span class=format!("status role-{}", role.as_str())>{role.as_str()}</span> }
            .into_any()
    };
    let actions = admin.then(|| {
        let (slug, user_id) = (slug.to_owned(), m.user.id.to_string());
        let label = format!("Remove {who} from the board");
        view! {
            <td class="actions">
                <PostForm action=remove attr:class="inline-action">
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="user_id" value=user_id/>
                    <button type="submit" class="small danger-outline" aria-label=label>"Remove"</button>
                </PostForm>
            </td>
        }
    });
    view! {
        <tr class="member-row" data-email=email>
            <td data-label="Name">
                {m.user.name.clone()}
                {m.user.disabled.then(|| view! { <span class="sub">" (disabled)"</span> })}
            </td>
            <td data-label="Email">{m.user.email.clone()}</td>
            <td data-label="Role">{role_cell}</td>
            {actions}
        </tr>
    }
}
