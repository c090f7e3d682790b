//! The REST API under `/api/v1`, health checks, and the OpenAPI document generated from the
//! handlers' annotations. Each module contributes its routes; this one merges them.

mod auth;
mod boards;
mod cards;
mod comments;
mod deployments;
mod discard;
pub mod error;
mod extract;
mod health;
mod incidents;
mod labels;
mod live;
mod metrics;
mod search;

use std::sync::Arc;

use application::ports::Store;
use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{any, get};
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

impl AppState {
    /// The storage port, as the use cases take it.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flowboard API",
        version = "1",
        description = "One Kanban board for development and operations work. Errors are RFC 9457 \
                       problem documents (`application/problem+json`) with a stable `type` URI."
    ),
    // `CsvTable` is only named by a query parameter of `metrics.csv`, and utoipa collects
    // the schemas of bodies, not of parameters: without it here the `$ref` dangles.
    components(schemas(Problem, metrics::CsvTable))
)]
struct ApiDoc;

/// Adds the answers that come from what operations share rather than from their own rules, so
/// that a new endpoint cannot forget them; an answer a handler declares itself keeps its
/// handler's description:
/// - every operation: 401, 403 and 429 (each takes a [`auth::Caller`]: no or a bad token, a
///   scope or role too low, the per-token rate limit), and 503 when the database fails
///   ([`ApiError::Unavailable`]; each reads it, if only to check its token);
/// - every write: 503 for a read-only database too, and 507 ([`ApiError::WritesRefused`]);
/// - every operation with a JSON body: 400 (not JSON), 413 (too large), 415 (not sent as
///   JSON) and 422 (unknown field, wrong shape), the rejections of [`extract::ApiJson`];
/// - every operation that names a board or card, in its path or with `?board=`: 404.
fn with_shared_answers(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    let unreachable = problem("The database is unreachable (`unavailable`); retry later");
    let unavailable = problem(
        "The database is unreachable (`unavailable`) or read-only (`database-read-only`); retry \
         later",
    );
    let full = problem("The database's disk is full (`database-full`); nothing was stored");
    let any_operation = [
        (
            "401",
            problem("No token, or an unknown, revoked or expired one (`unauthorized`)"),
        ),
        (
            "403",
            problem("The token lacks the scope, or the role is too low (`forbidden`)"),
        ),
        (
            "429",
            problem("Over the token's rate limit (`too-many-requests`); see `Retry-After`"),
        ),
    ];
    let with_body = [
        ("400", problem("The body is not JSON (`malformed-json`)")),
        (
            "413",
            problem("The body is over the size limit (`payload-too-large`)"),
        ),
        (
            "415",
            problem("The body is not sent as `application/json` (`unsupported-media-type`)"),
        ),
        (
            "422",
            problem("The body has an unknown field or a wrong value (`validation`)"),
        ),
    ];
    let not_found = problem("No such board or card (`not-found`)");
    for item in doc.paths.paths.values_mut() {
        let reads = [&mut item.get, &mut item.head, &mut item.options];
        let writes = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        let operations = reads
            .into_iter()
            .map(|op| (op, false))
            .chain(writes.into_iter().map(|op| (op, true)));
        for (operation, write) in operations {
            let Some(operation) = operation else { continue };
            let names_something = operation.parameters.iter().flatten().any(|p| {
                p.parameter_in == ParameterIn::Path
                    || (p.parameter_in == ParameterIn::Query && p.name == "board")
            });
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, answer: &utoipa::openapi::Response| {
                responses
                    .entry(status.into())
                    .or_insert_with(|| answer.clone().into());
            };
            for (status, answer) in &any_operation {
                add(status, answer);
            }
            if has_body {
                for (status, answer) in &with_body {
                    add(status, answer);
                }
            }
            if names_something {
                add("404", &not_found);
            }
            if write {
                responses.insert("503".into(), unavailable.clone().into());
                responses.insert("507".into(), full.clone().into());
            } else {
                responses.insert("503".into(), unreachable.clone().into());
            }
        }
    }
    doc
}

/// A path under `/api` that no endpoint serves. API clients get a problem document like any
/// other error, not the site's HTML page for people. Not logged above DEBUG (the trace
/// layer's level for answers): a mistyped URL is the client's problem, not the server's.
async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("API endpoint {}", uri.path()))
}

/// A known path asked with a method it does not take; axum adds the `Allow` header.
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{method} is not allowed on {}; the Allow header lists the methods that are",
        uri.path()
    ))
}

/// The REST API, `/healthz`, `/readyz` and `/api/v1/openapi.json`.
pub fn router(state: AppState) -> Router {
    let v1 = OpenApiRouter::new()
        .routes(routes!(boards::list_boards, boards::create_board))
        .routes(routes!(boards::get_board))
        .routes(routes!(boards::board_members))
        .routes(routes!(boards::set_columns))
        .routes(routes!(boards::set_policy))
        .routes(routes!(labels::list_labels, labels::create_label))
        .routes(routes!(labels::update_label, labels::delete_label))
        .routes(routes!(metrics::metrics))
        .routes(routes!(metrics::metrics_csv))
        .routes(routes!(metrics::import_history))
        .routes(routes!(cards::create_card))
        .routes(routes!(
            cards::get_card,
            cards::update_card,
            discard::delete_card
        ))
        .routes(routes!(cards::move_card))
        .routes(routes!(cards::add_assignee))
        .routes(routes!(cards::remove_assignee))
        .routes(routes!(discard::discard_card))
        .routes(routes!(discard::restore_card))
        .routes(routes!(discard::discarded_cards))
        .routes(routes!(discard::board_log))
        .routes(routes!(comments::list_comments, comments::add_comment))
        .routes(routes!(comments::edit_comment, comments::delete_comment))
        .routes(routes!(comments::inbox))
        .routes(routes!(comments::inbox_live))
        .routes(routes!(cards::card_events))
        .routes(routes!(search::search_cards))
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
    let doc = Arc::new(with_shared_answers(doc));
    api.route(
        "/api/v1/openapi.json",
        get(move || async move { axum::Json(doc.as_ref().clone()) }),
    )
    .route("/api", any(api_not_found))
    .route("/api/{*rest}", any(api_not_found))
    .merge(health::router(state))
    // After every route: it applies to the routes registered so far (not the site's pages).
    .method_not_allowed_fallback(method_not_allowed)
}
