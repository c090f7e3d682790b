//! The pages about people, rendered to HTML on the server only: a board's members and (for
//! instance admins) every account. Their forms are plain HTML forms that post to their server
//! functions and come back to the page (see `ssr::plain_form`), with JavaScript or without:
//! pages people visit now and then, so a page load per change costs little, and the browser
//! bundle carries none of their views nor the decoders of their data (issue 8: the bundle's
//! size).

use domain::UserId;
use domain::access::{Member, Role, User};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{CreateUser, RemoveMember, SetMember, SetUserFlags};
use crate::components::{StaticHtml, short_time};
use crate::error::AppError;

/// A board's members page (see `pages::BoardMembersPage`); `error` is what the page's last
/// form came back with.
pub fn members_html(
    slug: &str,
    members: &application::people::Members,
    error: Option<AppError>,
) -> String {
    members_page(slug, members, error).to_static_html()
}

/// The accounts page (see `pages::UsersPage`) as `me` sees it; `created` is the account the
/// page's form has just made, `error` what its last form came back with.
pub fn users_html(
    users: &[User],
    me: Option<UserId>,
    created: Option<UserId>,
    error: Option<AppError>,
) -> String {
    users_page(users, me, created, error).to_static_html()
}

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

fn role_options(selected: Role) -> impl IntoView + use<> {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

fn form_error(error: Option<AppError>) -> impl IntoView + use<> {
    error.map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
}

fn members_page(
    slug: &str,
    page: &application::people::Members,
    error: Option<AppError>,
) -> impl IntoView + use<> {
    let admin = page.role >= Role::Admin;
    let rows = page
        .members
        .iter()
        .map(|m| member_row(m, slug, admin))
        .collect_view();
    let name = page.board_name.clone();
    let help = Role::ALL
        .into_iter()
        .map(|r| view! { <li><strong>{r.as_str()}</strong>": " {role_help(r)}</li> })
        .collect_view();
    let table = if page.members.is_empty() {
        Either::Left(view! { <p class="empty">"Nobody is a member yet."</p> })
    } else {
        Either::Right(view! {
            <div class="table-scroll">
                <table class="data-table members-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            {admin.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    let add = admin.then(|| {
        view! {
            <section class="panel">
                <h2>"Add a member"</h2>
                <p class="help">"The person needs an account first: an instance admin makes accounts under Users."</p>
                <form action=SetMember::url() method="post" class="row-form member-form" aria-label="Add a member">
                    <input type="hidden" name="slug" value=slug.to_owned()/>
                    <label>
                        "Email"
                        <input name="email" type="email" required autocomplete="off" autocapitalize="none" spellcheck="false"/>
                    </label>
                    <label>"Role" <select name="role">{role_options(Role::Member)}</select></label>
                    <button type="submit" class="primary">"Add member"</button>
                </form>
            </section>
        }
    });
    view! {
        <section class="page members-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=format!("/boards/{slug}")>{name}</a>
                " / Members"
            </nav>
            <h1>"Members"</h1>
            <ul class="role-help">{help}</ul>
            <p class="help">
                {format!("Your role here: {}. ", page.role.as_str())}
                "Instance admins can do everything on every board without being listed."
            </p>
            {form_error(error)}
            <section class="panel">
                <h2>"People on this board"</h2>
                {table}
            </section>
            {add}
        </section>
    }
}

fn member_row(m: &Member, slug: &str, admin: bool) -> impl IntoView + use<> {
    let who = format!("{} ({})", m.user.name, m.user.email);
    let email = m.user.email.clone();
    let role = m.role;
    let role_cell = if admin {
        let (form_label, select_label) = (format!("Role of {email}"), format!("Role of {who}"));
        Either::Left(view! {
            <form action=SetMember::url() method="post" class="role-form" aria-label=form_label>
                <input type="hidden" name="slug" value=slug.to_owned()/>
                <input type="hidden" name="email" value=email.clone()/>
                <select name="role" aria-label=select_label>{role_options(role)}</select>
                <button type="submit" class="small">"Change role"</button>
            </form>
        })
    } else {
        Either::Right(
            view! { <span class=format!("status role-{}", role.as_str())>{role.as_str()}</span> },
        )
    };
    let actions = admin.then(|| {
        let label = format!("Remove {who} from the board");
        view! {
            <td class="actions">
                <form action=RemoveMember::url() method="post" class="inline-action">
                    <input type="hidden" name="slug" value=slug.to_owned()/>
                    <input type="hidden" name="user_id" value=m.user.id.to_string()/>
                    <button type="submit" class="small danger-outline" aria-label=label>"Remove"</button>
                </form>
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

fn users_page(
    users: &[User],
    me: Option<UserId>,
    created: Option<UserId>,
    error: Option<AppError>,
) -> impl IntoView + use<> {
    let created = created
        .and_then(|id| users.iter().find(|u| u.id == id))
        .filter(|_| error.is_none())
        .map(|user| {
            view! {
                <p class="notice success" role="status">
                    {format!("Account created for {}. ", user.email)}
                    "Give them the password yourself; they can change it under Account. To let them onto a board, add them on the board's Members page."
                </p>
            }
        });
    let rows = users.iter().map(|u| user_row(u, me)).collect_view();
    view! {
        <section class="page users-page">
            <h1>"Users"</h1>
            <p class="help">
                "Instance admins manage accounts and can do everything on every board. Everyone else works on the boards they are a member of, with the role given there. Disabled accounts cannot sign in, and their sessions end at once."
            </p>
            {form_error(error)}
            <section class="panel">
                <h2>"Accounts"</h2>
                <div class="table-scroll">
                    <table class="data-table users-table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Last sign-in"</th>
                                <th scope="col">"Created"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
            <section class="panel">
                <h2>"New user"</h2>
                <form action=CreateUser::url() method="post" class="stack-form" aria-label="New user">
                    <label>
                        "Email"
                        <input name="email" type="email" required autocomplete="off" autocapitalize="none" spellcheck="false"/>
                    </label>
                    <label>
                        "Name"
                        <input name="name" maxlength="100" autocomplete="off" placeholder="Shown on cards and in histories"/>
                    </label>
                    <label>
                        "Password (at least 10 characters)"
                        <input name="password" type="password" required minlength="10" maxlength="256" autocomplete="new-password"/>
                    </label>
                    <label class="check">
                        <input name="instance_admin" type="checkbox" value="on"/>
                        <span>"Instance admin"</span>
                    </label>
                    <button type="submit" class="primary">"Create user"</button>
                </form>
                {created}
            </section>
        </section>
    }
}

fn user_row(user: &User, me: Option<UserId>) -> impl IntoView + use<> {
    let is_me = Some(user.id) == me;
    let id = user.id.to_string();
    // Each button sends the account's flags as they should be after the click.
    let actions = if is_me {
        // Switching yourself off would lock you out mid-click.
        Either::Left(view! { <span class="sub">"Your own account"</span> })
    } else {
        let admin_label = if user.instance_admin {
            "Remove instance admin"
        } else {
            "Make instance admin"
        };
        let disable_label = if user.disabled { "Enable" } else { "Disable" };
        Either::Right(view! {
            {flag_form(&id, !user.instance_admin, user.disabled, admin_label, &user.email)}
            {flag_form(&id, user.instance_admin, !user.disabled, disable_label, &user.email)}
        })
    };
    let role = if user.instance_admin {
        Either::Left(view! { <span class="status status-admin">"Instance admin"</span> })
    } else {
        Either::Right(view! { <span class="status">"User"</span> })
    };
    let status = if user.disabled {
        Either::Left(view! { <span class="status status-revoked">"Disabled"</span> })
    } else {
        Either::Right(view! { <span class="status status-active">"Active"</span> })
    };
    view! {
        <tr class=if user.disabled { "user-row is-disabled" } else { "user-row" } data-email=user.email.clone()>
            <td data-label="Name">
                <span class="user-cell-name">{user.name.clone()}</span>
                {is_me.then(|| view! { <span class="sub">" (you)"</span> })}
            </td>
            <td data-label="Email">{user.email.clone()}</td>
            <td data-label="Role">{role}</td>
            <td data-label="Status">{status}</td>
            <td data-label="Last sign-in">{user.last_login_at.map(short_time).unwrap_or_else(|| "never".into())}</td>
            <td data-label="Created">{short_time(user.created_at)}</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

/// A one-button form that sets an account's two flags to the given values.
fn flag_form(
    user_id: &str,
    instance_admin: bool,
    disabled: bool,
    label: &'static str,
    email: &str,
) -> impl IntoView + use<> {
    let aria = format!("{label}: {email}");
    view! {
        <form action=SetUserFlags::url() method="post" class="inline-action">
            <input type="hidden" name="user_id" value=user_id.to_owned()/>
            {instance_admin.then(|| view! { <input type="hidden" name="instance_admin" value="on"/> })}
            {disabled.then(|| view! { <input type="hidden" name="disabled" value="on"/> })}
            <button type="submit" class="small" aria-label=aria title=label>{label}</button>
        </form>
    }
}
