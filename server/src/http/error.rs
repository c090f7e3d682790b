//! The REST API's one error type and its mapping to RFC 9457 problem details. Each kind of
//! error has a stable `type` URI that clients can match on; the `detail` is for people.

use application::ports::{StoreError, WriteRefusal};
use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::policy::{Rule, Violation};
use domain::{ColumnId, DomainError};
use serde::Serialize;

/// Everything an API handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all.
    #[error("{0}")]
    MalformedJson(String),
    /// The JSON does not have the expected shape or a field has a bad value.
    #[error("{detail}")]
    Validation {
        /// What is wrong.
        detail: String,
        /// The offending field, when known.
        field: Option<String>,
    },
    /// The body is larger than the server accepts.
    #[error("the request body is larger than the server accepts")]
    PayloadTooLarge,
    /// The body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// No such resource.
    #[error("{0} not found")]
    NotFound(String),
    /// The path exists but not with this method; the answer's `Allow` header lists those that
    /// work (axum adds it).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request clashes with stored data.
    #[error("{0}")]
    Conflict(String),
    /// A flow policy refused the change (the first violation decides the problem type).
    #[error("{}", .0.iter().map(Violation::message).collect::<Vec<_>>().join(" "))]
    Policy(Vec<Violation>),
    /// No credentials, or credentials that do not work (unknown, revoked, expired token).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this (role, scope, or another board's token).
    #[error("{0}")]
    Forbidden(String),
    /// A state-changing browser request came from another site.
    #[error(
        "this request came from another site; Flowboard only accepts changes made on its own pages"
    )]
    CrossSite,
    /// Too many requests; `retry_after` seconds until it makes sense again.
    #[error("{message}")]
    TooManyRequests {
        /// What to tell the client.
        message: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The database cannot be reached.
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// The database serves reads but refuses writes until an operator steps in.
    #[error("{}", match .0 {
        WriteRefusal::ReadOnly => "the database is read-only: changes cannot be saved (reads still work) until an administrator makes it writable again",
        WriteRefusal::Full => "the database's disk is full: changes cannot be saved (reads still work) until an administrator frees space",
    })]
    WritesRefused(WriteRefusal),
    /// A bug or an unexpected failure; details are logged, not sent.
    #[error("internal error")]
    Internal,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem, e.g. `urn:flowboard:problem:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Policy refusals: the rule broken first (`wip_limit`, `tech_debt_allocation`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Policy refusals: the column concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_id: Option<ColumnId>,
    /// Policy refusals: the limit that applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Policy refusals: the count before the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<u32>,
    /// Tech-debt allocation: slots reserved for tech debt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<u32>,
    /// Tech-debt allocation: tech-debt cards holding committed slots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debt_cards: Option<u32>,
    /// Per-person WIP limit: whose limit, and the cards they own in active columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<domain::policy::PersonLoad>,
    /// Policy refusals: every rule broken, with its numbers. Resend with `override_reason`
    /// to force the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Violation>>,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON"),
            Self::Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request",
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::Policy(v) => {
                let (slug, title) = match v.first().map(|v| v.rule) {
                    Some(Rule::TechDebtAllocation) => {
                        ("tech-debt-allocation", "Slots reserved for tech debt")
                    }
                    Some(Rule::CommittedCapacity) => {
                        ("committed-capacity-exceeded", "Committed capacity reached")
                    }
                    Some(Rule::ExpediteLimit) => ("expedite-limit-exceeded", "Expedite lane full"),
                    Some(Rule::PersonWipLimit) => {
                        ("person-wip-limit-exceeded", "Person's WIP limit reached")
                    }
                    Some(Rule::WipLimit) | None => ("wip-limit-exceeded", "WIP limit reached"),
                };
                (StatusCode::CONFLICT, slug, title)
            }
            Self::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "cross-site-request",
                "Cross-site request refused",
            ),
            Self::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Self::WritesRefused(WriteRefusal::ReadOnly) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database-read-only",
                "Database read-only",
            ),
            Self::WritesRefused(WriteRefusal::Full) => (
                StatusCode::INSUFFICIENT_STORAGE,
                "database-full",
                "Database full",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let first = match self {
            Self::Policy(v) => v.first(),
            _ => None,
        };
        Problem {
            rule: first.map(|v| v.rule),
            column_id: first.map(|v| v.column_id),
            limit: first.map(|v| v.limit),
            current: first.map(|v| v.current),
            reserved: first.and_then(|v| v.reserved),
            debt_cards: first.and_then(|v| v.debt_cards),
            person: first.and_then(|v| v.person.clone()),
            violations: match self {
                Self::Policy(v) => Some(v.clone()),
                _ => None,
            },
            problem_type: format!("urn:flowboard:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            field: match self {
                Self::Validation { field, .. } => field.clone(),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"flowboard\""),
                );
            }
            Self::TooManyRequests { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let field = Some(e.field().to_owned());
        let detail = e.to_string();
        Self::Validation { detail, field }
    }
}

/// The one mapping of the use cases' errors to the API's (and so to problem types).
impl From<application::Error> for ApiError {
    fn from(e: application::Error) -> Self {
        use application::Error;
        match e {
            Error::Unauthenticated(m) => Self::Unauthorized(m),
            Error::Forbidden(m) => Self::Forbidden(m),
            Error::TooMany {
                message,
                retry_after,
            } => Self::TooManyRequests {
                message,
                retry_after: retry_after.as_secs().max(1),
            },
            Error::NotFound(what) => Self::NotFound(what),
            Error::Invalid(d) => d.into(),
            Error::Conflict(message) => Self::Conflict(message),
            Error::Policy(violations) => Self::Policy(violations),
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                Self::Unavailable
            }
            Error::WritesRefused { reason, detail } => {
                tracing::error!(%reason, %detail, "database refuses writes");
                Self::WritesRefused(reason)
            }
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                Self::Internal
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        application::Error::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                let detail = e.body_text();
                let field = serde_field(&detail);
                Self::Validation { detail, field }
            }
            JsonRejection::JsonSyntaxError(e) => Self::MalformedJson(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::PayloadTooLarge
            }
            other => Self::MalformedJson(other.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::MalformedJson(rejection.body_text())
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::Validation {
            detail: rejection.body_text(),
            field: None,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::Validation {
            detail: rejection.body_text(),
            field: None,
        }
    }
}

/// Finds the field a serde error is about: axum reports the path first (`severity: unknown
/// variant ...`, and for an unknown field its own path: `columns[0].limit: unknown field
/// `limit``), and serde names missing fields in backticks (missing field `title`), after the
/// path of the object that lacks them.
fn serde_field(detail: &str) -> Option<String> {
    let message = detail
        .split_once("target type: ")
        .map_or(detail, |(_, rest)| rest);
    if let Some(name) = backticked(message, "missing field `") {
        return Some(name.to_owned());
    }
    if let Some(name) = backticked(message, "unknown field `") {
        return Some(name.to_owned());
    }
    let (head, rest) = message.split_once(": ")?;
    if head.contains(' ') || head == "." {
        return None;
    }
    if let Some(missing) = backticked(rest, "missing field `") {
        return Some(format!("{head}.{missing}"));
    }
    Some(head.to_owned())
}

/// The name in backticks after `prefix`, when `message` starts with it.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::serde_field;

    #[test]
    fn serde_errors_name_their_field() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        assert_eq!(
            serde_field(&format!(
                "{prefix}card_type: unknown variant `bug` at line 1 column 9"
            )),
            Some("card_type".into())
        );
        assert_eq!(
            serde_field(&format!("{prefix}missing field `title` at line 1 column 2")),
            Some("title".into())
        );
        assert_eq!(
            serde_field(&format!("{prefix}invalid type: string, expected struct")),
            None
        );
        assert_eq!(
            serde_field(&format!(
                "{prefix}lane: unknown field `lane`, expected one of `title`, `card_type` at \
                 line 1 column 30"
            )),
            Some("lane".into())
        );
        assert_eq!(
            serde_field(&format!(
                "{prefix}cards[0].transitions[1].when: unknown field `when`, expected `column` \
                 or `at` at line 1 column 90"
            )),
            Some("cards[0].transitions[1].when".into())
        );
        assert_eq!(
            serde_field(&format!("{prefix}unknown field `lane`, expected `title`")),
            Some("lane".into())
        );
    }
}
