//! Deployments from CI/CD, incidents blamed on them, and a board's delivery view: the DORA four
//! keys of a window beside the window before it, and the value stream. Reports follow the
//! incident API's rules (board tokens or `?board=`, one transaction, problem+json); each
//! handler calls one use case (`application::deployments`, `application::reports`).

use application::deployments;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use domain::Card;
use domain::board::BoardRef;
use domain::delivery::{Delivery, Deployment, DeploymentId, DeploymentReport, PRODUCTION, Scope};
use domain::metrics::Window;
use domain::retro::DEFAULT_PERIOD_DAYS;
use serde::Deserialize;

use super::auth::Caller;
use super::cards::card_id;
use super::extract::{ApiJson, ApiQuery};
use super::incidents::BoardQuery;
use super::{ApiError, AppState, Problem};

/// A window of days, both inclusive, UTC.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeploymentsQuery {
    /// First day (`YYYY-MM-DD`); 13 days before `to` when absent.
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`); today when absent.
    pub to: Option<NaiveDate>,
}

/// The window and scope of a delivery view.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// First day (`YYYY-MM-DD`); 13 days before `to` when absent.
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`); today when absent.
    pub to: Option<NaiveDate>,
    /// One service (exact name); every service when absent.
    pub service: Option<String>,
    /// The environment whose deployments count; `production` when absent.
    pub environment: Option<String>,
}

/// How an incident card is linked to its cause by hand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CausedByRequest {
    /// The deployment blamed for the incident; `null` (or absent) clears the link.
    #[serde(default)]
    pub deployment_id: Option<DeploymentId>,
}

/// Records a deployment reported by CI/CD, with the commits it shipped and the cards it
/// delivers (ids, `#12`, `12` or keys such as `PLAT-12`); each card gets a `deployed` event.
/// The same report again (same service, environment, version and `deployed_at`, as a retried
/// pipeline step sends it) stores nothing and answers 200 with the stored deployment.
#[utoipa::path(post, path = "/deployments", tag = "deployments", request_body = DeploymentReport,
    params(BoardQuery),
    responses(
        (status = 201, description = "The stored deployment, its cards as ids", body = Deployment),
        (status = 200, description = "This report was stored before; the stored deployment", body = Deployment),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Token without deployments:write, or for another board", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong shape, a bad field, or cards that are not on the board (field `cards`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Token over its rate limit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report_deployment(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<BoardQuery>,
    ApiJson(report): ApiJson<DeploymentReport>,
) -> Result<Response, ApiError> {
    let board = application::incidents::target(&caller.0, query.board.as_deref())?;
    let store = state.store();
    let outcome = deployments::record(store, &caller.0, &board, report, Utc::now()).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome.deployment)).into_response())
}

/// The board's deployments in a window (by `deployed_at`), oldest first, with their commits,
/// cards and the incident cards blamed on them.
#[utoipa::path(get, path = "/boards/{board}/deployments", tag = "deployments",
    params(("board" = String, Path, description = "Board slug or id"), DeploymentsQuery),
    responses(
        (status = 200, description = "The deployments", body = [Deployment]),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_deployments(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<DeploymentsQuery>,
) -> Result<Json<Vec<Deployment>>, ApiError> {
    let window = window(query.from, query.to)?;
    let board = BoardRef::parse(&board);
    Ok(Json(
        deployments::list(state.store(), &caller.0, &board, window).await?,
    ))
}

/// Blames an incident card on a deployment of its board, which then counts as a failed
/// change, or clears the link with `null`. Recorded in the card's history.
#[utoipa::path(put, path = "/cards/{id}/caused-by", tag = "deployments",
    request_body = CausedByRequest,
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The card with its cause", body = Card),
        (status = 403, description = "Viewers may not link causes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such card", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an incident card, or no such deployment on its board", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_caused_by(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CausedByRequest>,
) -> Result<Json<Card>, ApiError> {
    let (id, cause) = (card_id(&id)?, request.deployment_id);
    Ok(Json(
        application::cards::set_cause(state.store(), &caller.0, id, cause, Utc::now()).await?,
    ))
}

/// The board's delivery view for a window: the DORA four keys (deployment frequency, lead
/// time for changes, change failure rate, time to restore) with their bands, the same keys
/// for the window of the same length just before, the trend between them, and the value
/// stream. Definitions are in the README.
#[utoipa::path(get, path = "/boards/{board}/delivery", tag = "deployments",
    params(("board" = String, Path, description = "Board slug or id"), DeliveryQuery),
    responses(
        (status = 200, description = "The delivery view", body = Delivery),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window or scope", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delivery(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Json<Delivery>, ApiError> {
    let current = window(query.from, query.to)?;
    let scope = scope(query.service, query.environment)?;
    let board = BoardRef::parse(&board);
    let report =
        application::reports::delivery(state.store(), &caller.0, &board, current, &scope).await?;
    Ok(Json(report.delivery))
}

/// The window `from..=to` a report asks for (both days inclusive): the
/// `DEFAULT_PERIOD_DAYS` up to `to` when `from` is absent, up to today when `to` is.
pub(super) fn window(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Window, ApiError> {
    Ok(Window::or_last(
        from,
        to,
        Utc::now().date_naive(),
        DEFAULT_PERIOD_DAYS,
    )?)
}

/// The scope of a delivery view; blank names are refused rather than read as "all".
fn scope(service: Option<String>, environment: Option<String>) -> Result<Scope, ApiError> {
    let named = |field: &str, value: Option<String>| match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() || v.chars().count() > 200 => Err(ApiError::Validation {
            detail: format!("{field}: must be 1 to 200 characters"),
            field: Some(field.to_owned()),
        }),
        Some(v) => Ok(Some(v.trim().to_owned())),
    };
    Ok(Scope {
        service: named("service", service)?,
        environment: named("environment", environment)?
            .map_or_else(|| PRODUCTION.to_owned(), |e| e.to_lowercase()),
    })
}
