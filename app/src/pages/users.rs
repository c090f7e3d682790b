//! `/admin/users`: every account, making accounts, and switching instance admin and disabled
//! per account (instance admins only; the server refuses everyone else).

use crate::components::{FormAction, PostForm};
use domain::UserId;
use domain::access::User;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{CreateUser, SetUserFlags, list_users};
use crate::components::{ErrorPanel, mark_hydrated, short_time, use_auth};

/// `/admin/users`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let auth = use_auth();
    let create = FormAction::<CreateUser>::new();
    let flags = FormAction::<SetUserFlags>::new();
    let users = Resource::new(
        move || (create.version().get(), flags.version().get()),
        |_| list_users(),
    );
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_)))
            && let Some(form) = form_ref.get()
        {
            form.reset();
        }
    });
    let created = move || {
        create.value().get().map(|result| match result {
            Ok(user) => Either::Left(view! {
                <p class="notice success" role="status">
                    {format!("Account created for {}. ", user.email)}
                    "Give them the password yourself; they can change it under Account. To let them onto a board, add them on the board's Members page."
                </p>
            }),
            Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.user_message()}</p> }),
        })
    };
    let flag_error = move || {
        flags
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    view! {
        <Title text="Users"/>
        <section class="page users-page">
            <h1>"Users"</h1>
            <p class="help">
                "Instance admins manage accounts and can do everything on every board. Everyone else works on the boards they are a member of, with the role given there. Disabled accounts cannot sign in, and their sessions end at once."
            </p>
            <section class="panel">
                <h2>"Accounts"</h2>
                {flag_error}
                <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                    {move || Suspend::new(async move {
                        let me = auth
                            .get()
                            .await
                            .ok()
                            .and_then(|w| w.session)
                            .map(|s| s.user.id);
                        match users.await {
                            Ok(list) => Either::Left(view! { <UserTable list me flags/> }),
                            Err(error) => Either::Right(view! { <ErrorPanel error/> }),
                        }
                    })}
                </Transition>
            </section>
            <section class="panel">
                <h2>"New user"</h2>
                <PostForm action=create node_ref=form_ref attr:class="stack-form" attr:aria-label="New user">
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
                </PostForm>
                {created}
            </section>
        </section>
    }
}

#[component]
fn UserTable(
    list: Vec<User>,
    me: Option<UserId>,
    flags: FormAction<SetUserFlags>,
) -> impl IntoView {
    mark_hydrated();
    let rows = list
        .into_iter()
        .map(|user| {
            let is_me = Some(user.id) == me;
            let id = user.id.to_string();
            // Each button sends the account's flags as they should be after the click.
            let admin_toggle = flag_form(
                flags,
                id.clone(),
                !user.instance_admin,
                user.disabled,
                if user.instance_admin { "Remove instance admin" } else { "Make instance admin" },
                &user.email,
            );
            let disable_toggle = flag_form(
                flags,
                id.clone(),
                user.instance_admin,
                !user.disabled,
                if user.disabled { "Enable" } else { "Disable" },
                &user.email,
            );
            view! {
                <tr class=if user.disabled { "user-row is-disabled" } else { "user-row" } data-email=user.email.clone()>
                    <td data-label="Name">
                        <span class="user-cell-name">{user.name.clone()}</span>
                        {is_me.then(|| view! { <span class="sub">" (you)"</span> })}
                    </td>
                    <td data-label="Email">{user.email.clone()}</td>
                    <td data-label="Role">
                        {if user.instance_admin {
                            Either::Left(view! { <span class="status status-admin">"Instance admin"</span> })
                        } else {
                            Either::Right(view! { <span class="status">"User"</span> })
                        }}
                    </td>
                    <td data-label="Status">
                        {if user.disabled {
                            Either::Left(view! { <span class="status status-revoked">"Disabled"</span> })
                        } else {
                            Either::Right(view! { <span class="status status-active">"Active"</span> })
                        }}
                    </td>
                    <td data-label="Last sign-in">{user.last_login_at.map(short_time).unwrap_or_else(|| "never".into())}</td>
                    <td data-label="Created">{short_time(user.created_at)}</td>
                    <td class="actions">
                        {if is_me {
                            // Switching yourself off would lock you out mid-click.
                            view! { <span class="sub">"Your own account"</span> }.into_any()
                        } else {
                            view! { {admin_toggle} {disable_toggle} }.into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-table users-table">
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"Email"</th>
                        <th>"Role"</th>
                        <th>"Status"</th>
                        <th>"Last sign-in"</th>
                        <th>"Created"</th>
                        <th><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A one-button form that sets an account's two flags to the given values.
fn flag_form(
    flags: FormAction<SetUserFlags>,
    user_id: String,
    instance_admin: bool,
    disabled: bool,
    label: &'static str,
    email: &str,
) -> impl IntoView {
    let aria = format!("{label}: {email}");
    view! {
        <PostForm action=flags attr:class="inline-action">
            <input type="hidden" name="user_id" value=user_id/>
            {instance_admin.then(|| view! { <input type="hidden" name="instance_admin" value="on"/> })}
            {disabled.then(|| view! { <input type="hidden" name="disabled" value="on"/> })}
            <button type="submit" class="small" aria-label=aria title=label>{label}</button>
        </PostForm>
    }
}
