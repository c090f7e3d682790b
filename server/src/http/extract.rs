//! Extractors whose rejections are problem documents, not axum's plain-text defaults.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::error::ApiError;

/// `axum::Json`, answering bad bodies with problem+json (400, 413, 415, 422).
///
/// The body is read as JSON before it is read as `T`: serde stops at the first error, so a
/// body cut short after a bad value (`{"card_type": "bug"`) or an unknown field would
/// otherwise be a 422 about that value, while a body cut short elsewhere is a 400. Whatever
/// it holds, a body that is not JSON is `malformed-json`. The second pass costs little next to
/// the request's database work.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(req, state).await?;
        // axum's own checks, in its order: the content type (415), then the syntax (400).
        let mut syntax = Request::new(Body::from(bytes.clone()));
        if let Some(value) = content_type {
            syntax.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        let _syntax_ok = axum::Json::<IgnoredAny>::from_request(syntax, state).await?;
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

/// `axum::extract::Query`, answering bad query strings with a 422 problem.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
