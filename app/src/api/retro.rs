//! Server functions of the retrospective page: the period's flow metrics next to the period
//! before, the team's notes and action items, and a Monte Carlo forecast from the period's
//! throughput.

use chrono::NaiveDate;
use domain::access::Role;
use domain::forecast::{HowMany, WhenDates};
use domain::metrics::FlowMetrics;
use domain::retro::Retrospective;
use domain::{CardId, CardType, Column};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many items the forecast asks "by when?" for, unless the page says otherwise.
pub const DEFAULT_FORECAST_ITEMS: u32 = 10;

/// Everything the retrospective shows, as the server computes it. Only the server holds it: the
/// read-only parts are rendered from it into HTML ([`RetroView`]), so the browser bundle carries
/// neither the charts nor the decoders of the metrics (issue 8: bundle size).
#[derive(Clone, Debug, PartialEq)]
pub struct RetroReport {
    /// The board's name.
    pub board_name: String,
    /// The board's slug.
    pub slug: String,
    /// Its columns in board order (chart bands and bars).
    pub columns: Vec<Column>,
    /// The viewer's role (members write notes and action items).
    pub role: Role,
    /// The period's metrics.
    pub current: FlowMetrics,
    /// The period just before, as long.
    pub previous: FlowMetrics,
    /// Notes and action items of the period.
    pub retro: Retrospective,
    /// Number, title and type of the cards the charts name (population and aging WIP).
    pub cards: Vec<CardLabel>,
    /// The forecast, or why there is none.
    pub forecast: Result<Forecast, String>,
    /// DORA's four keys and the value stream of the period (all services, production).
    pub delivery: domain::delivery::Delivery,
    /// The server's today (UTC), for the forecast's defaults.
    pub today: NaiveDate,
    /// The board's members who may own cards: whose work the page can be narrowed to.
    pub people: Vec<domain::people::Person>,
    /// The person whose cards the metrics cover (`None`: everyone's).
    pub assignee: Option<domain::UserId>,
    /// The board's labels: what the page can be narrowed to.
    pub labels: Vec<domain::label::Label>,
    /// The label whose cards the metrics cover (`None`: every card's).
    pub label: Option<domain::LabelId>,
}

/// What a chart says about one card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardLabel {
    /// The card.
    pub id: CardId,
    /// `#12`.
    pub number: i64,
    /// Its title.
    pub title: String,
    /// Its type.
    pub card_type: CardType,
}

/// Both Monte Carlo questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// How many items by `by`.
    pub how_many: HowMany,
    /// The date asked about.
    pub by: NaiveDate,
    /// When `when.forecast.items` items will be done.
    pub when: WhenDates,
}

/// The retrospective of a board for a period (`from`/`to` as `YYYY-MM-DD`, default the last 14
/// days), with a forecast of how many items by `by` and by when `items` items.
#[server(prefix = "/fn", endpoint = "get_retro", output = crate::api::codec::JsonAnswer)]
pub async fn get_retro(
    slug: String,
    from: Option<String>,
    to: Option<String>,
    items: Option<String>,
    by: Option<String>,
    assignee: Option<String>,
    label: Option<String>,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use crate::ssr::forms::{parse_date, parse_optional_id};
    let (store, caller) = crate::ssr::auth::caller()?;
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let periods = domain::retro::periods(
        parse_date("from", from.as_deref())?,
        parse_date("to", to.as_deref())?,
        today,
    )
    .map_err(application::Error::from)?;
    let period = periods.0;
    let board = domain::board::BoardRef::Slug(slug);
    let assignee = parse_optional_id::<domain::UserId>("assignee", assignee.as_deref())?;
    let slice = application::reports::Slice {
        assignee,
        label: label.filter(|l| !l.trim().is_empty()),
    };
    let application::reports::RetroReport {
        board,
        role,
        current,
        previous,
        retro,
        delivery,
    } = application::reports::retrospective(store.as_ref(), &caller, &board, periods, &slice, now)
        .await?;
    let people = application::boards::owners_to_be(store.as_ref(), board.id)
        .await
        .map_err(application::Error::from)?;
    let named: std::collections::HashSet<CardId> = current
        .completions
        .iter()
        .map(|c| c.card_id)
        .chain(current.aging_wip.iter().map(|a| a.card_id))
        .collect();
    let cards = board
        .cards
        .iter()
        .filter(|c| named.contains(&c.id))
        .map(|c| CardLabel {
            id: c.id,
            number: c.number,
            title: c.title.clone(),
            card_type: c.card_type,
        })
        .collect();
    let items = match items.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => DEFAULT_FORECAST_ITEMS,
        Some(raw) => raw.parse().map_err(|_| AppError::Invalid {
            field: "items".into(),
            message: "must be a whole number of items".into(),
        })?,
    };
    let by = parse_date("by", by.as_deref())?
        .unwrap_or(today + chrono::Days::new(domain::retro::DEFAULT_PERIOD_DAYS));
    let samples: Vec<u32> = current.throughput.iter().map(|d| d.total).collect();
    // Seeded by board and period: the same page shows the same forecast on every load.
    let seed = board.id.0.as_u64_pair().0
        ^ u64::from(chrono::Datelike::num_days_from_ce(&period.from()).unsigned_abs());
    let trials = domain::forecast::DEFAULT_TRIALS;
    let forecast = domain::forecast::how_many_until(&samples, today, by, seed, trials)
        .and_then(|how_many| {
            let when = domain::forecast::when_dates(&samples, items, today, seed, trials)?;
            Ok(Forecast { how_many, by, when })
        })
        .map_err(|e| e.to_string());
    let error = crate::components::came_back_with(
        error_path.as_deref(),
        error.as_deref(),
        &crate::render::retro::PATHS,
    );
    Ok(crate::render::retro_view(
        RetroReport {
            board_name: board.name,
            slug: board.slug,
            columns: board.columns,
            role,
            current,
            previous,
            retro,
            cards,
            forecast,
            delivery,
            today,
            people,
            assignee,
            label: slice
                .label
                .as_deref()
                .and_then(|l| domain::label::find(&board.labels, l))
                .map(|l| l.id),
            labels: board.labels,
        },
        error,
    ))
}

/// Saves the period's notes (members and admins).
#[server(prefix = "/fn", endpoint = "save_retro_notes", output = crate::api::codec::JsonAnswer)]
pub async fn save_retro_notes(
    slug: String,
    from: String,
    to: String,
    notes: String,
) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let (board, period) = (domain::board::BoardRef::Slug(slug), period(&from, &to)?);
    let now = chrono::Utc::now();
    application::retros::save_notes(store.as_ref(), &caller, &board, period, &notes, now).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Adds an action item to the period's retrospective (members and admins).
#[server(prefix = "/fn", endpoint = "add_retro_action", output = crate::api::codec::JsonAnswer)]
pub async fn add_retro_action(
    slug: String,
    from: String,
    to: String,
    text: String,
) -> Result<(), AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let (board, period) = (domain::board::BoardRef::Slug(slug), period(&from, &to)?);
    let now = chrono::Utc::now();
    application::retros::add_action(store.as_ref(), &caller, &board, period, &text, now).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Makes an action item's tech-debt card (members and admins); returns its number.
#[server(prefix = "/fn", endpoint = "action_to_card", output = crate::api::codec::JsonAnswer)]
pub async fn action_to_card(slug: String, action_id: String) -> Result<i64, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let action = domain::ActionItemId(crate::ssr::forms::parse_id("action_id", &action_id)?);
    let now = chrono::Utc::now();
    let card =
        application::retros::action_to_card(store.as_ref(), &caller, &board, action, now).await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(card.number)
}

/// The period a retrospective's form names (both dates required).
#[cfg(feature = "ssr")]
fn period(from: &str, to: &str) -> Result<domain::metrics::Window, AppError> {
    use crate::ssr::forms::parse_date;
    let (Some(from), Some(to)) = (parse_date("from", Some(from))?, parse_date("to", Some(to))?)
    else {
        return Err(AppError::Invalid {
            field: "from".into(),
            message: "the period needs both dates".into(),
        });
    };
    Ok(domain::metrics::Window::new(from, to).map_err(application::Error::from)?)
}
