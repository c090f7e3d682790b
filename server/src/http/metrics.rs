//! `/api/v1/boards/{board}/metrics` and `/history`: flow metrics computed from the card event
//! log, and the import of past work into that log.

use application::reports::{self, Slice};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{NaiveDate, Utc};
use domain::UserId;
use domain::board::BoardRef;
use domain::delivery::Delivery;
use domain::import::HistoryImport;
use domain::metrics::FlowMetrics;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::deployments::window;
use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, Problem};

/// The window of a metrics request and, optionally, whose work it covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// First day (`YYYY-MM-DD`); 13 days before `to` when absent.
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`); today when absent.
    pub to: Option<NaiveDate>,
    /// Only the cards this person owns now (a user id, or `me` for the signed-in user); the
    /// delivery side is not sliced.
    pub assignee: Option<String>,
    /// Only the cards carrying this label now (its name, in any case, or its id); with
    /// `assignee`, the cards that do both.
    pub label: Option<String>,
}

/// The cards a metrics request covers: `assignee` (see [`assignee`]) and `label`.
fn slice(caller: &Caller, assignee_: Option<&str>, label: Option<&str>) -> Result<Slice, ApiError> {
    Ok(Slice {
        assignee: assignee(caller, assignee_)?,
        label: label.map(str::to_owned),
    })
}

/// The person an `assignee` parameter names: a user id, or `me` for a signed-in caller.
fn assignee(caller: &Caller, raw: Option<&str>) -> Result<Option<UserId>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let invalid = |message: &str| {
        ApiError::from(application::Error::Invalid(domain::DomainError::Invalid {
            field: "assignee",
            message: message.to_owned(),
        }))
    };
    if raw == "me" {
        return caller
            .0
            .user_id()
            .map(Some)
            .ok_or_else(|| invalid("`me` needs a signed-in user; give a user id"));
    }
    raw.parse()
        .map(Some)
        .map_err(|_| invalid("must be a user id or `me`"))
}

/// A table of the metrics, for `metrics.csv`.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvTable {
    /// date, total, feature, incident, tech_debt
    #[default]
    Throughput,
    /// date, then one column per board column (cards at the end of the day)
    Cfd,
    /// date, count (cards in active columns at the end of the day)
    Wip,
    /// column_id, name, kind, count, mean_s, p50_s, p85_s, p95_s (time in column)
    Columns,
    /// card_id, column_id, age_s (work in progress at the end of the window)
    Aging,
}

/// The window and the table of a CSV export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// First day (`YYYY-MM-DD`); 13 days before `to` when absent.
    pub from: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`); today when absent.
    pub to: Option<NaiveDate>,
    /// Which table: `throughput` (default), `cfd`, `wip`, `columns` or `aging`.
    #[serde(default)]
    pub table: CsvTable,
    /// Only the cards this person owns now (a user id, or `me`).
    pub assignee: Option<String>,
    /// Only the cards carrying this label now (its name or id).
    pub label: Option<String>,
}

/// How many cards an import made.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// Cards made.
    pub imported: usize,
}

/// The answer of `GET /boards/{board}/metrics`: the flow metrics and, beside them, the
/// delivery side (DORA's four keys and the value stream) of the same window, so one request
/// gives a retrospective's numbers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricsReport {
    /// The flow metrics (their fields sit at the top level).
    #[serde(flatten)]
    pub flow: FlowMetrics,
    /// The four keys of the board's production deployments (all services), their trend and
    /// bands, and the value stream; the same as `GET /boards/{board}/delivery`.
    pub delivery: Delivery,
}

/// Flow metrics of a board for a window: population, cycle and lead time, time in column,
/// throughput, cumulative flow, WIP, flow distribution, tech-debt share, flow efficiency,
/// aging WIP, incidents and policy overrides, plus the four keys and the value stream under
/// `delivery`. Definitions are in the README.
#[utoipa::path(get, path = "/boards/{board}/metrics", tag = "metrics",
    params(("board" = String, Path, description = "Board slug or id"), MetricsQuery),
    responses(
        (status = 200, description = "The metrics", body = MetricsReport),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window, or a label the board does not have", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<Json<MetricsReport>, ApiError> {
    let (window, now) = (window(query.from, query.to)?, Utc::now());
    let slice = slice(&caller, query.assignee.as_deref(), query.label.as_deref())?;
    let board = BoardRef::parse(&board);
    let report =
        reports::flow_report(state.store(), &caller.0, &board, (window, &slice), now).await?;
    Ok(Json(MetricsReport {
        flow: report.flow,
        delivery: report.delivery,
    }))
}

/// One table of the metrics as CSV, for spreadsheets.
#[utoipa::path(get, path = "/boards/{board}/metrics.csv", tag = "metrics",
    params(("board" = String, Path, description = "Board slug or id"), CsvQuery),
    responses(
        (status = 200, description = "The table", body = String, content_type = "text/csv"),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window or table, or a label the board does not have", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiQuery(query): ApiQuery<CsvQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let (window, now) = (window(query.from, query.to)?, Utc::now());
    let slice = slice(&caller, query.assignee.as_deref(), query.label.as_deref())?;
    let board = BoardRef::parse(&board);
    let (board, m) =
        reports::flow_metrics(state.store(), &caller.0, &board, (window, &slice), now).await?;
    let slug = board.slug;
    let body = to_csv(&m, query.table).map_err(|e| {
        tracing::error!(error = %e, "CSV export failed");
        ApiError::Internal
    })?;
    let name = format!("{slug}-{:?}-{}-{}.csv", query.table, m.from, m.to).to_lowercase();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    ))
}

/// Writes one table of `m` as CSV with a header row.
fn to_csv(m: &FlowMetrics, table: CsvTable) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    match table {
        CsvTable::Throughput => {
            w.write_record(["date", "total", "feature", "incident", "tech_debt"])?;
            for d in &m.throughput {
                let t = &d.by_type;
                w.write_record([
                    d.date.to_string(),
                    d.total.to_string(),
                    t.feature.to_string(),
                    t.incident.to_string(),
                    t.tech_debt.to_string(),
                ])?;
            }
        }
        CsvTable::Cfd => {
            let mut head = vec!["date".to_owned()];
            head.extend(m.columns.iter().map(|c| c.name.clone()));
            w.write_record(&head)?;
            for d in &m.cfd {
                let mut row = vec![d.date.to_string()];
                row.extend(m.columns.iter().map(|c| {
                    d.counts
                        .get(&c.column_id.to_string())
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                }));
                w.write_record(&row)?;
            }
        }
        CsvTable::Wip => {
            w.write_record(["date", "count"])?;
            for d in &m.wip {
                w.write_record([d.date.to_string(), d.count.to_string()])?;
            }
        }
        CsvTable::Columns => {
            w.write_record([
                "column_id",
                "name",
                "kind",
                "count",
                "mean_s",
                "p50_s",
                "p85_s",
                "p95_s",
            ])?;
            for c in &m.columns {
                let t = &c.time_in_column;
                w.write_record([
                    c.column_id.to_string(),
                    c.name.clone(),
                    c.kind.as_str().to_owned(),
                    t.count.to_string(),
                    opt(t.mean_s),
                    opt(t.p50_s),
                    opt(t.p85_s),
                    opt(t.p95_s),
                ])?;
            }
        }
        CsvTable::Aging => {
            w.write_record(["card_id", "column_id", "age_s"])?;
            for a in &m.aging_wip {
                w.write_record([
                    a.card_id.to_string(),
                    a.column_id.to_string(),
                    a.age_s.to_string(),
                ])?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Imports past work: cards with the columns they went through. All or nothing: one bad card
/// (unknown column, time going backwards or more than 5 minutes ahead of the server's clock)
/// refuses the whole import with a 422 naming it.
#[utoipa::path(post, path = "/boards/{board}/history", tag = "metrics", request_body = HistoryImport,
    params(("board" = String, Path, description = "Board slug or id")),
    responses(
        (status = 201, description = "Imported", body = ImportResult),
        (status = 404, description = "No such board", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A card is invalid; nothing was imported", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(board): Path<String>,
    ApiJson(import): ApiJson<HistoryImport>,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let board = BoardRef::parse(&board);
    let store = state.store();
    let imported = reports::import_history(store, &caller.0, &board, &import, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(ImportResult { imported })))
}
