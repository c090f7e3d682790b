//! The REST API under `/api/v1`, health checks, and the OpenAPI document generated from the
//! handlers' annotations. Each module contributes its routes; this one merges them.

mod auth;
mod boards;
mod cards;
mod deployments;
pub mod error;
mod extract;
mod health;
mod incidents;
mod live;
mod metrics;

use std::sync::Arc;

use app::ssr::Store;
use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, Problem};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Turns true when the server starts shutting down (ends live streams).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flowboard API",
        version = "1",
        description = "One Kanban board for development and operations work. Errors are RFC 9457 \
                       problem documents (`application/problem+json`) with a stable `type` URI."
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// The REST API, `/healthz`, `/readyz` and `/api/v1/openapi.json`.
pub fn router(state: AppState) -> Router {
    let v1 = OpenApiRouter::new()
        .routes(routes!(boards::list_boards, boards::create_board))
        .routes(routes!(boards::get_board))
        .routes(routes!(boards::set_columns))
        .routes(routes!(boards::set_policy))
        .routes(routes!(metrics::metrics))
        .routes(routes!(metrics::metrics_csv))
        .routes(routes!(metrics::import_history))
        .routes(routes!(cards::create_card))
        .routes(routes!(cards::get_card, cards::update_card))
        .routes(routes!(cards::move_card))
        .routes(routes!(cards::card_events))
        .routes(routes!(incidents::report_incident))
        .routes(routes!(incidents::resolve_incident))
        .routes(routes!(incidents::alertmanager))
        .routes(routes!(incidents::grafana))
        .routes(routes!(incidents::set_incident_settings))
        .routes(routes!(deployments::report_deployment))
        .routes(routes!(deployments::list_deployments))
        .routes(routes!(deployments::set_caused_by))
        .routes(routes!(deployments::delivery))
        .routes(routes!(live::live));
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .with_state(state.clone())
        .split_for_parts();
    let doc = Arc::new(doc);
    api.route(
        "/api/v1/openapi.json",
        get(move || async move { axum::Json(doc.as_ref().clone()) }),
    )
    .merge(health::router(state))
}
