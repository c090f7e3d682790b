//! Incidents from monitoring: the generic incident API and the Alertmanager and Grafana
//! webhooks. Each request is one transaction, so a 2xx answer means every incident in it is
//! stored (and an error means none of it is); deduplication is the database's unique index on
//! open dedup keys.

use application::incidents::{self, Notification};
use application::{boards, ports::AlertOutcome};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use domain::board::BoardRef;
use domain::incident::{AlertmanagerPayload, GrafanaPayload, IncidentReport, IncidentSettings};
use domain::{Board, Card};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, Problem};

/// Which board an instance-wide token means (board tokens need not say).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Board slug or id; required for instance-wide tokens and signed-in users.
    pub board: Option<String>,
}

/// What a webhook delivery did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookOutcome {
    /// New incident cards.
    pub created: usize,
    /// Open incidents reported again.
    pub refreshed: usize,
    /// Incidents whose alert resolved.
    pub resolved: usize,
    /// Resolved alerts without an open incident (already closed, or never seen).
    pub ignored: usize,
    /// The cards touched, in the order of the alerts.
    pub cards: Vec<Card>,
}

/// Opens an incident card in the board's first column (Expedite lane for sev1 and sev2), or,
/// while a card with the same `dedup_key` is open, refreshes that one: its occurrence count and
/// last-seen time go up. Monitoring is never refused by WIP limits: the override is recorded.
#[utoipa::path(post, path = "/incidents", tag = "incidents", request_body = IncidentReport,
    params(BoardQuery),
    responses(
        (status = 201, description = "A new incident card", body = Card),
        (status = 200, description = "The open incident with this dedup_key, refreshed", body = Card),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Token without incidents:write, or for another board", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong shape, unknown severity, or a caused_by naming no deployment of the board", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Token over its rate limit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report_incident(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<BoardQuery>,
    ApiJson(report): ApiJson<IncidentReport>,
) -> Result<Response, ApiError> {
    let board = incidents::target(&caller.0, query.board.as_deref())?;
    let outcome =
        incidents::report_incident(state.store(), &caller.0, &board, &report, Utc::now()).await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/cards/{}", outcome.card.id);
    Ok((status, [(header::LOCATION, location)], Json(outcome.card)).into_response())
}

/// Marks the alert side of the open incident with this `dedup_key` resolved (recorded as an
/// event with the time). If the board has a resolve column, the card moves there.
#[utoipa::path(post, path = "/incidents/{dedup_key}/resolve", tag = "incidents",
    params(("dedup_key" = String, Path, description = "The incident's dedup_key"), BoardQuery),
    responses(
        (status = 200, description = "The incident, resolved", body = Card),
        (status = 404, description = "No open incident with this dedup_key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No board named: a token not bound to one board needs `?board=`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resolve_incident(
    State(state): State<AppState>,
    caller: Caller,
    Path(dedup_key): Path<String>,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> Result<Json<Card>, ApiError> {
    let board = incidents::target(&caller.0, query.board.as_deref())?;
    let store = state.store();
    Ok(Json(
        incidents::resolve_incident(store, &caller.0, &board, &dedup_key, Utc::now()).await?,
    ))
}

/// Prometheus Alertmanager's webhook (payload version 4, as Alertmanager sends it). One
/// incident per alert fingerprint: `firing` opens or refreshes it, `resolved` resolves it.
#[utoipa::path(post, path = "/integrations/alertmanager", tag = "incidents",
    request_body = AlertmanagerPayload, params(BoardQuery),
    responses(
        (status = 200, description = "Every alert applied", body = WebhookOutcome),
        (status = 422, description = "Not an Alertmanager v4 payload", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn alertmanager(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<BoardQuery>,
    ApiJson(payload): ApiJson<AlertmanagerPayload>,
) -> Result<Json<WebhookOutcome>, ApiError> {
    let notification = Notification::Alertmanager(payload);
    apply(&state, &caller, &query, &notification).await
}

/// Grafana's unified-alerting webhook contact point, with the same semantics.
#[utoipa::path(post, path = "/integrations/grafana", tag = "incidents",
    request_body = GrafanaPayload, params(BoardQuery),
    responses(
        (status = 200, description = "Every alert applied", body = WebhookOutcome),
        (status = 422, description = "Not a Grafana webhook payload", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn grafana(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<BoardQuery>,
    ApiJson(payload): ApiJson<GrafanaPayload>,
) -> Result<Json<WebhookOutcome>, ApiError> {
    let notification = Notification::Grafana(payload);
    apply(&state, &caller, &query, &notification).await
}

/// Sets how the board treats incidents: the severity mapping of alert labels and the column
/// incidents move to when their alert resolves.
#[utoipa::path(put, path = "/boards/{board}/incident-settings", tag = "incidents",
    request_body = IncidentSettings,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 200, description = "The board with its new settings", body = Board),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_incident_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(settings): ApiJson<IncidentSettings>,
) -> Result<Json<Board>, ApiError> {
    let board = BoardRef::parse(&board);
    Ok(Json(
        boards::set_incident_settings(state.store(), &caller.0, &board, &settings).await?,
    ))
}

async fn apply(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
    notification: &Notification,
) -> Result<Json<WebhookOutcome>, ApiError> {
    let board = incidents::target(&caller.0, query.board.as_deref())?;
    let outcomes =
        incidents::apply_notification(state.store(), &caller.0, &board, notification, Utc::now())
            .await?;
    let mut outcome = WebhookOutcome {
        created: 0,
        refreshed: 0,
        resolved: 0,
        ignored: 0,
        cards: Vec::new(),
    };
    for o in outcomes {
        match o {
            AlertOutcome::Created(card) => {
                outcome.created += 1;
                outcome.cards.push(card);
            }
            AlertOutcome::Refreshed(card) => {
                outcome.refreshed += 1;
                outcome.cards.push(card);
            }
            AlertOutcome::Resolved(card) => {
                outcome.resolved += 1;
                outcome.cards.push(card);
            }
            AlertOutcome::Ignored => outcome.ignored += 1,
        }
    }
    Ok(Json(outcome))
}
