//! Extractors whose rejections are problem documents, not axum's plain-text defaults.

use axum::extract::FromRequest;

use super::error::ApiError;

/// `axum::Json`, answering bad bodies with problem+json (400, 413, 415, 422).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query`, answering bad query strings with a 422 problem.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
