//! API tokens, of one board or of the whole instance: the list, the create form, the secret
//! shown once after creating, and revoking.
//!
//! The secret only exists in the answer to `create_token`, so it is shown by the hydrated
//! page; a form posted without JavaScript makes the token but cannot show its secret (the
//! server answers a plain form post with a redirect). `flowboard token create` is the
//! no-JavaScript way.

use crate::components::{FormAction, PostForm};
use chrono::{DateTime, Utc};
use domain::access::{ApiToken, Scope};
use leptos::either::EitherOf3;
use leptos::html::Input;
use leptos::prelude::*;

use super::format::short_time;
use crate::api::{CreateToken, CreatedToken, RevokeToken, list_tokens};
use crate::error::AppError;

/// The scopes as the create form offers them: field name, scope, what it allows.
const SCOPE_FIELDS: [(&str, Scope, &str); 5] = [
    (
        "boards_read",
        Scope::BoardsRead,
        "Read boards, cards, events and metrics.",
    ),
    (
        "boards_write",
        Scope::BoardsWrite,
        "Also create, edit and move cards.",
    ),
    (
        "incidents_write",
        Scope::IncidentsWrite,
        "Open, refresh and resolve incidents (monitoring, alerting).",
    ),
    (
        "deployments_write",
        Scope::DeploymentsWrite,
        "Report deployments (CI pipelines).",
    ),
    (
        "admin",
        Scope::Admin,
        "Everything a board admin can do: settings, flow policies, overrides, history import.",
    ),
];

/// A token page's data and actions. Pages make it at their top level, outside any
/// `<Suspense>`, so the list resource is created once however often the suspense re-renders.
#[derive(Clone, Copy)]
pub struct TokenState {
    /// The board's slug, or `None` for instance-wide tokens.
    slug: Signal<Option<String>>,
    create: FormAction<CreateToken>,
    revoke: FormAction<RevokeToken>,
    tokens: Resource<Result<Vec<ApiToken>, AppError>>,
}

impl TokenState {
    /// The tokens of the board `slug`, or with `None` the instance-wide ones.
    pub fn new(slug: Signal<Option<String>>) -> Self {
        let create = FormAction::<CreateToken>::new();
        let revoke = FormAction::<RevokeToken>::new();
        let tokens = Resource::new(
            move || (slug.get(), create.version().get(), revoke.version().get()),
            |(slug, ..)| list_tokens(slug),
        );
        Self {
            slug,
            create,
            revoke,
            tokens,
        }
    }
}

/// The token list and forms, for people allowed to manage them.
#[component]
pub fn TokenManager(state: TokenState) -> impl IntoView {
    super::mark_hydrated();
    let TokenState {
        slug,
        create,
        revoke,
        tokens,
    } = state;
    let slug = slug.get_untracked();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // A made token's form is emptied, so the next one starts afresh.
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_)))
            && let Some(form) = form_ref.get()
        {
            form.reset();
        }
    });
    let errors = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
            .map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })
    };
    let api_path = match &slug {
        Some(slug) => format!("/api/v1/boards/{slug}"),
        None => "/api/v1/boards".to_owned(),
    };
    let created = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .map(|made| view! { <NewSecret made api_path=api_path.clone() on_done=move || create.value().set(None)/> })
    };
    view! {
        {created}
        <section class="panel">
            <h2>"Tokens"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            EitherOf3::A(view! { <p class="empty">"No tokens yet. Make one below."</p> })
                        }
                        Ok(list) => EitherOf3::B(view! { <TokenTable list revoke/> }),
                        Err(error) => EitherOf3::C(view! { <p class="form-error" role="alert">{error.user_message()}</p> }),
                    }
                })}
            </Transition>
        </section>
        <section class="panel">
            <h2>"New token"</h2>
            <p class="help">
                "A token acts on its own, named as the actor of what it does. Give it the fewest scopes that do the job, and an expiry where you can. "
                {if slug.is_some() {
                    "It works on this board only."
                } else {
                    "It works on every board."
                }}
            </p>
            <PostForm action=create node_ref=form_ref attr:class="stack-form token-form" attr:aria-label="New token">
                {slug.clone().map(|s| view! { <input type="hidden" name="slug" value=s/> })}
                <label>
                    "Name"
                    <input name="name" required maxlength="80" placeholder="alertmanager-prod" autocomplete="off"/>
                </label>
                <fieldset class="scopes">
                    <legend>"Scopes"</legend>
                    {SCOPE_FIELDS
                        .into_iter()
                        .map(|(field, scope, help)| {
                            view! {
                                <label class="check">
                                    <input type="checkbox" name=field value="on"/>
                                    <span>
                                        <code>{scope.as_str()}</code>
                                        <span class="check-help">{help}</span>
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label class="short">
                    "Expires after (days)"
                    <input name="expires_in_days" type="number" min="1" max="3650" placeholder="never"/>
                </label>
                <button type="submit" class="primary">"Create token"</button>
            </PostForm>
            {errors}
        </section>
    }
}

/// The secret of a token just made, with a copy button and a curl example.
#[component]
fn NewSecret(
    made: CreatedToken,
    api_path: String,
    on_done: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let copied = RwSignal::new(None::<&'static str>);
    let secret = made.secret.clone();
    let select = move || {
        if let Some(el) = input.get() {
            el.select();
        }
    };
    let copy = {
        let secret = secret.clone();
        move |_| {
            select();
            copied.set(Some(if copy_to_clipboard(&secret) {
                "Copied."
            } else {
                "Selected: press Ctrl+C (⌘C) to copy."
            }));
        }
    };
    let curl = format!(
        "curl -H \"Authorization: Bearer {secret}\" {}{api_path}",
        site_origin()
    );
    view! {
        <section class="panel secret-panel" aria-label="New token secret">
            <h2>{format!("Token “{}” created", made.token.name)}</h2>
            <p class="warning">
                <strong>"Copy the secret now: it will not be shown again. "</strong>
                "Flowboard stores only its hash. If you lose it, revoke the token and make another."
            </p>
            <div class="secret-row">
                <input
                    node_ref=input
                    class="token-secret"
                    readonly
                    value=secret
                    aria-label="Token secret"
                    spellcheck="false"
                    on:focus=move |_| select()
                />
                <button type="button" on:click=copy>"Copy"</button>
            </div>
            <p class="copied" aria-live="polite">{move || copied.get()}</p>
            <p class="help">"Try it:"</p>
            <pre class="curl"><code>{curl}</code></pre>
            <button type="button" class="link" on:click=move |_| on_done()>"Done, I have copied it"</button>
        </section>
    }
}

/// The tokens with their scopes, dates and state, and a revoke button for live ones.
#[component]
fn TokenTable(list: Vec<ApiToken>, revoke: FormAction<RevokeToken>) -> impl IntoView {
    let now = client_now();
    let rows = list
        .into_iter()
        .map(|t| {
            let state = match (t.revoked_at, t.unusable_at(now)) {
                (Some(_), _) => "revoked",
                (None, Some(_)) => "expired",
                (None, None) => "active",
            };
            let label = match state {
                "revoked" => "Revoked",
                "expired" => "Expired",
                _ => "Active",
            };
            let scopes = t
                .scopes
                .iter()
                .map(|s| view! { <code class="scope">{s.as_str()}</code> })
                .collect_view();
            let id = t.id.to_string();
            let revoke_id = id.clone();
            let name = t.name.clone();
            view! {
                <tr class=format!("token-row token-{state}") data-token-id=id>
                    <td data-label="Name">
                        <span class="token-name">{t.name.clone()}</span>
                        {t.created_by.clone().map(|by| view! { <span class="sub block">"by " {by}</span> })}
                    </td>
                    <td data-label="Token"><code>{format!("{}…", t.prefix)}</code></td>
                    <td data-label="Scopes"><span class="scope-list">{scopes}</span></td>
                    <td data-label="Created">{short_time(t.created_at)}</td>
                    <td data-label="Last used">{t.last_used_at.map(short_time).unwrap_or_else(|| "never".into())}</td>
                    <td data-label="Expires">{t.expires_at.map(short_time).unwrap_or_else(|| "never".into())}</td>
                    <td data-label="Status">
                        <span class=format!("status status-{state}")>{label}</span>
                        {t.revoked_at.map(|at| view! { <span class="sub block">{short_time(at)}</span> })}
                    </td>
                    <td class="actions">
                        {(state == "active").then(|| view! {
                            <PostForm action=revoke attr:class="inline-action">
                                <input type="hidden" name="token_id" value=revoke_id/>
                                <button type="submit" class="danger-outline" aria-label=format!("Revoke {name}")>"Revoke"</button>
                            </PostForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-table tokens-table">
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"Token"</th>
                        <th>"Scopes"</th>
                        <th>"Created"</th>
                        <th>"Last used"</th>
                        <th>"Expires"</th>
                        <th>"Status"</th>
                        <th><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The current time. In the browser it comes from JavaScript's clock: chrono's own clock is
/// not available on `wasm32-unknown-unknown` without extra features.
pub fn client_now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        let millis = web_sys::js_sys::Date::now() as i64;
        DateTime::from_timestamp_millis(millis).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

/// This site's origin (`http://127.0.0.1:3000`), for examples people paste into a terminal.
fn site_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        if let Some(host) = use_context::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::HOST).cloned())
            .and_then(|h| h.to_str().ok().map(str::to_owned))
        {
            return format!("http://{host}");
        }
        "http://localhost:3000".to_owned()
    }
}

/// Writes `text` to the clipboard where the browser offers the Clipboard API (secure
/// contexts: HTTPS, localhost); says whether it could.
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        use web_sys::js_sys::{Function, Reflect};
        let clipboard = Reflect::get(&window(), &JsValue::from_str("navigator"))
            .and_then(|n| Reflect::get(&n, &JsValue::from_str("clipboard")))
            .ok()
            .filter(|c| !c.is_undefined() && !c.is_null());
        let Some(clipboard) = clipboard else {
            return false;
        };
        Reflect::get(&clipboard, &JsValue::from_str("writeText"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .is_some_and(|write| write.call1(&clipboard, &JsValue::from_str(text)).is_ok())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}
