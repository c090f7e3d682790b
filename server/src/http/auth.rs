//! The REST API's caller: a Bearer token or, for browsers, the session's user. Handlers take
//! [`Caller`] as an extractor (401 when there is none) and hand its principal to a use case,
//! which checks what it may do (403).

use app::ssr::auth::RequestAuth;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::access::Principal;

use super::ApiError;

/// Who is calling the API.
#[derive(Clone, Debug)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let auth = parts
            .extensions
            .get::<RequestAuth>()
            .cloned()
            .unwrap_or_default();
        match auth.principal {
            Some(p) => Ok(Caller(p)),
            None => Err(ApiError::Unauthorized(auth.token_problem.unwrap_or_else(
                || "send `Authorization: Bearer <token>` with an API token (or sign in)".into(),
            ))),
        }
    }
}
