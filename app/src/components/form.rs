//! Forms that post to server functions: [`PostForm`] and its [`FormAction`], in place of
//! Leptos's `ActionForm` and `ServerAction`.
//!
//! Why: `ActionForm` reads the form into the server function's argument type (serde_qs) only
//! to write it out again for the request, and a `ServerAction` keeps the whole client side of
//! its server function (argument encoding, call, answer) in the bundle: a few KB of
//! WebAssembly per server function. A form's fields already are the request: `PostForm`
//! posts them as they are (`application/x-www-form-urlencoded`, the server functions'
//! `PostUrl` input) and only the answer is read as a type (issue 8: the bundle's size).
//! Without JavaScript the same `<form>` posts natively, as before: server_fn answers such a
//! post with a redirect back to the form's page, and an error travels in that page's address
//! (`__path`, `__err`), where [`FormAction::new`] finds it, so the page shows it as it would
//! an answer read in the browser.

use leptos::html::Form;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use server_fn::ServerFn;

use crate::error::AppError;

/// What a [`PostForm`] (or [`FormAction::dispatch`]) did last: its server function's answer
/// and how many answers came. The same reading as a `ServerAction`'s `value()`, `version()`
/// and `input()`.
pub struct FormAction<S: ServerFn> {
    value: RwSignal<Option<Result<S::Output, AppError>>>,
    version: RwSignal<usize>,
    input: RwSignal<Option<S>>,
}

impl<S: ServerFn> Clone for FormAction<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn> Copy for FormAction<S> {}

impl<S> FormAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    /// No answer yet, or the error a plain form post of `S` came back with (see the
    /// module's comment): the server renders it, and the browser reads the same address
    /// when it hydrates the page. Inside the `<Router>` only (pages and their parts).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let came_back = leptos_router::hooks::use_query_map().with_untracked(url_error::<S>);
        if came_back.is_some() {
            forget_form_outcome(&[]);
        }
        Self::answered_with(came_back.map(Err))
    }

    /// No answer yet, for an action made outside the `<Router>` (the app's sign-out, made
    /// with the app): it has no page whose address could bring an error back.
    pub fn outside_router() -> Self {
        Self::answered_with(None)
    }

    fn answered_with(value: Option<Result<S::Output, AppError>>) -> Self {
        Self {
            value: RwSignal::new(value),
            version: RwSignal::new(0),
            input: RwSignal::new(None),
        }
    }

    /// Calls the server function from code (a card dropped on the board) with `input`; the
    /// answer lands here as a form's does. Unlike a form, this encodes the arguments in the
    /// browser: keep it for the few calls that are not forms.
    pub fn dispatch(&self, input: S) {
        self.input.set(Some(input.clone()));
        #[cfg(feature = "hydrate")]
        {
            let action = *self;
            leptos::task::spawn_local(async move {
                let answer = input.run_on_client().await;
                action.answered(answer);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        drop(input);
    }

    /// The arguments of the last [`Self::dispatch`].
    pub fn input(&self) -> RwSignal<Option<S>> {
        self.input
    }

    /// Takes an answer; the page may be gone meanwhile (its signals with it): then nobody is
    /// waiting for it.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn answered(&self, answer: Result<S::Output, AppError>) {
        self.value.try_set(Some(answer));
        self.version.try_update(|n| *n += 1);
    }

    /// The last answer; `None` before the first (or once cleared).
    pub fn value(&self) -> RwSignal<Option<Result<S::Output, AppError>>> {
        self.value
    }

    /// Counts the answers: a resource that tracks it reloads after each.
    pub fn version(&self) -> RwSignal<usize> {
        self.version
    }
}

/// The query key server_fn names the server function of a plain form's error with.
pub const ERROR_PATH: &str = "__path";
/// The query key server_fn encodes a plain form's error in.
pub const ERROR: &str = "__err";

/// The error a plain form post of the server function `S` came back with, from the page's
/// query (see [`came_back_with`]).
pub fn url_error<S: ServerFn<Error = AppError>>(
    query: &leptos_router::params::ParamsMap,
) -> Option<AppError> {
    came_back_with(query.get_str(ERROR_PATH), query.get_str(ERROR), &[S::PATH])
}

/// The error a plain form of one of the server functions at `paths` came back to its page
/// with: the page's [`ERROR_PATH`] and [`ERROR`], as server_fn puts them there when it
/// redirects such a post back to its page.
pub fn came_back_with(
    path: Option<&str>,
    encoded: Option<&str>,
    paths: &[&str],
) -> Option<AppError> {
    if !paths.contains(&path?) {
        return None;
    }
    Some(server_fn::error::ServerFnUrlError::<AppError>::decode_err(
        encoded?,
    ))
}

/// Takes a plain form's outcome out of the page's address once the page has read it:
/// server_fn's [`ERROR_PATH`] and [`ERROR`], and the page's own `extra` keys. The history entry is
/// replaced, so that neither a rebuild of the page's view (its data read again) nor Back
/// shows the outcome again, or offers to repeat what it was about. In the browser, once
/// hydrated; the server renders the outcome from the address it was asked for.
pub fn forget_form_outcome(extra: &'static [&'static str]) {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            let mut query = location.query.get_untracked();
            let mut found = false;
            for key in [ERROR_PATH, ERROR].iter().chain(extra) {
                found |= query.remove(key).is_some();
            }
            if !found {
                return;
            }
            let hash = location.hash.get_untracked();
            let hash = match hash.as_str() {
                "" => String::new(),
                h if h.starts_with('#') => hash,
                h => format!("#{h}"),
            };
            let to = format!(
                "{}{}{hash}",
                location.pathname.get_untracked(),
                query.to_query_string()
            );
            let options = leptos_router::NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            };
            navigate(&to, options);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = extra;
}

/// Posts `fields` to the server function `S` from code (a card dropped on the board), as
/// its form would post them, and reads its answer. For the few calls that are not forms and
/// where the caller needs the answer itself (to undo what it showed at once, say).
#[cfg(feature = "hydrate")]
pub async fn post_fields<S>(fields: &[(&str, &str)]) -> Result<S::Output, AppError>
where
    S: ServerFn,
    S::Output: DeserializeOwned,
{
    let (text, _) = browser::post(S::url(), browser::encode(fields)?).await?;
    browser::read_answer::<S::Output>(&text)
}

/// A `<form>` that posts to the server function of `action` and puts the answer there.
/// Attributes given as `attr:…` land on the `<form>`.
#[component]
pub fn PostForm<S>(
    /// Where the answer goes.
    action: FormAction<S>,
    /// The `<form>` element, for a page that resets it after a success.
    #[prop(optional)]
    node_ref: Option<NodeRef<Form>>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| submit(&ev, action);
    view! {
        <form
            action=S::url()
            method="post"
            on:submit=on_submit
            node_ref=node_ref.unwrap_or_default()
        >
            {children()}
        </form>
    }
}

/// Posts the submitted form in the browser; the generic part is reading the answer.
#[cfg(feature = "hydrate")]
fn submit<S>(ev: &leptos::ev::SubmitEvent, action: FormAction<S>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    if ev.default_prevented() {
        return;
    }
    ev.prevent_default();
    let body = browser::form_body(ev);
    leptos::task::spawn_local(async move {
        let answer = match body {
            Ok(body) => browser::post(S::url(), body).await,
            Err(error) => Err(error),
        };
        let (answer, redirect) = match answer {
            Ok((text, redirect)) => (browser::read_answer::<S::Output>(&text), redirect),
            Err(error) => (Err(error), None),
        };
        action.answered(answer);
        if let Some(location) = redirect {
            server_fn::redirect::call_redirect_hook(&location);
        }
    });
}

/// On the server a form only renders; it posts in the browser.
#[cfg(not(feature = "hydrate"))]
fn submit<S: ServerFn>(_ev: &leptos::ev::SubmitEvent, _action: FormAction<S>) {}

/// The request and the answer's text, the same for every form (not generic: one copy).
#[cfg(feature = "hydrate")]
mod browser {
    use serde::de::DeserializeOwned;
    use server_fn::ContentType;
    use server_fn::client::{Client, browser::BrowserClient};
    use server_fn::codec::PostUrl;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};
    use server_fn::request::{ClientReq, browser::BrowserRequest};
    use server_fn::response::ClientRes;

    use crate::api::codec::JsonText;
    use crate::error::AppError;

    fn transport(error: ServerFnErrorErr) -> AppError {
        AppError::from_server_fn_error(error)
    }

    /// The form's fields, the submit button's among them, URL-encoded as a browser posts
    /// them.
    pub fn form_body(ev: &leptos::ev::SubmitEvent) -> Result<String, AppError> {
        let data = leptos::form::form_data_from_event(ev)
            .map_err(|e| transport(ServerFnErrorErr::Request(e.to_string())))?;
        let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
            .map_err(|_| transport(ServerFnErrorErr::Request("unreadable form".into())))?;
        Ok(String::from(params.to_string()))
    }

    /// `fields` URL-encoded, as a browser posts a form.
    pub fn encode(fields: &[(&str, &str)]) -> Result<String, AppError> {
        let params = web_sys::UrlSearchParams::new()
            .map_err(|_| transport(ServerFnErrorErr::Request("no URLSearchParams".into())))?;
        for (name, value) in fields {
            params.append(name, value);
        }
        Ok(String::from(params.to_string()))
    }

    /// Posts `body` to the server function at `path`, as `server_fn` would: an error status
    /// carries an [`AppError`]; a redirect is returned, to follow once the answer is read.
    pub async fn post(
        path: &'static str,
        body: String,
    ) -> Result<(String, Option<String>), AppError> {
        let request = <BrowserRequest as ClientReq<AppError>>::try_new_post(
            path,
            <PostUrl as ContentType>::CONTENT_TYPE,
            <JsonText as ContentType>::CONTENT_TYPE,
            body,
        )?;
        let response = <BrowserClient as Client<AppError>>::send(request).await?;
        type Answer = <BrowserClient as Client<AppError>>::Response;
        let status = <Answer as ClientRes<AppError>>::status(&response);
        let redirect = (<Answer as ClientRes<AppError>>::has_redirect(&response)
            || (300..=399).contains(&status))
        .then(|| <Answer as ClientRes<AppError>>::location(&response));
        let text = <Answer as ClientRes<AppError>>::try_into_string(response).await?;
        if (400..=599).contains(&status) {
            return Err(AppError::de(text.into()));
        }
        Ok((text, redirect))
    }

    /// The answer's JSON as `T` (what `JsonText` reads, see `api::codec`).
    pub fn read_answer<T: DeserializeOwned>(text: &str) -> Result<T, AppError> {
        serde_json::from_str(text)
            .map_err(|e| transport(ServerFnErrorErr::Deserialization(e.to_string())))
    }
}
