//! Server-only parts of the app: who is calling, the store in the request's context, the
//! forms' parsing, HTML rendering of markdown, and the one mapping of the application's
//! errors to the UI's.

pub mod auth;
pub mod forms;
mod markdown;
pub mod plain_form;

use std::sync::Arc;

use application::ports::Store;
use domain::DomainError;

pub use markdown::{render_comment, render_markdown};

use crate::error::AppError;

/// The store the server put into the request context.
pub fn shared_store() -> Result<Arc<dyn Store>, AppError> {
    leptos::prelude::use_context::<Arc<dyn Store>>().ok_or_else(|| {
        tracing::error!("no store in the request context");
        AppError::Internal
    })
}

impl From<application::Error> for AppError {
    fn from(err: application::Error) -> Self {
        use application::Error;
        with_status(match err {
            Error::Unauthenticated(m) => AppError::Unauthorized(m),
            Error::Forbidden(m) => AppError::Forbidden(m),
            Error::TooMany { message, .. } => AppError::TooManyRequests(message),
            Error::NotFound(what) => AppError::NotFound(format!("No such {what}.")),
            Error::Invalid(e) => AppError::Invalid {
                field: e.field().to_owned(),
                message: match &e {
                    DomainError::Invalid { message, .. }
                    | DomainError::Reference { message, .. } => message.clone(),
                },
            },
            Error::Conflict(message) => AppError::Conflict(message),
            Error::Policy(violations) => AppError::Policy {
                message: violations
                    .iter()
                    .map(|v| v.message())
                    .collect::<Vec<_>>()
                    .join(" "),
                rules: violations
                    .iter()
                    .map(|v| v.rule.as_str().to_owned())
                    .collect(),
            },
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                AppError::Unavailable
            }
            Error::WritesRefused { reason, detail } => {
                tracing::error!(%reason, %detail, "database refuses writes");
                AppError::WritesRefused(reason.to_string())
            }
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                AppError::Internal
            }
        })
    }
}

impl From<application::ports::StoreError> for AppError {
    fn from(err: application::ports::StoreError) -> Self {
        application::Error::from(err).into()
    }
}

/// Gives the current response (a server function's or a page's) the error's HTTP status, so
/// API clients and browsers see 401/403/404 rather than a blanket 500. Not a plain form
/// post's: its answer is the redirect back to the form's page, the error in that page's
/// address, and a 4xx status would turn it into a page of JSON.
pub fn with_status(error: crate::error::AppError) -> crate::error::AppError {
    if plain_form::posted() {
        return error;
    }
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        options.set_status(status);
    }
    error
}

/// Sends the page's Content-Security-Policy. Scripts run only from this origin or with this
/// response's nonce (which Leptos puts on its hydration scripts); WebAssembly may compile
/// (`'wasm-unsafe-eval'`); styles may be inline attributes (the board grid's column template)
/// but come from this origin otherwise; nothing may frame the page.
pub fn set_page_csp() {
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
