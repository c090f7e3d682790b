//! Server function of the delivery dashboard: DORA's four keys for a window against the window
//! before, the value stream, and the deployments behind them.

use domain::delivery::{Delivery, Deployment};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many deployments the dashboard lists.
pub const DEPLOYMENTS_SHOWN: usize = 50;

/// A page the server renders whole (the delivery dashboard, the finished cards, members,
/// users): it shows numbers, text, links and plain forms, so the server renders it to HTML
/// and the browser bundle carries neither its view nor the decoders of its data (issue 8).
/// The page puts it in place with `crate::components::RenderedView`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedPage {
    /// The board's name (for the document title); empty on a page of no board.
    pub board_name: String,
    /// The page, rendered on the server.
    pub html: String,
    /// For a page that follows its board live (a card's): what it shows and when it was read.
    #[serde(default)]
    pub live: Option<LivePage>,
}

/// What a live server-rendered page shows, for its live stream to tell what concerns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LivePage {
    /// The card the page shows.
    pub card_id: domain::CardId,
    /// When the server read it.
    pub read_at: chrono::DateTime<chrono::Utc>,
    /// Whom the viewer may mention in a comment (empty when they may not comment).
    #[serde(default)]
    pub people: Vec<MentionChoice>,
}

/// Someone a comment can mention, as the suggestions while typing offer them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionChoice {
    /// What follows `@` (it names them alone on the board).
    pub handle: String,
    /// Their name.
    pub name: String,
}

/// The delivery dashboard, rendered on the server.
pub type DeliveryView = RenderedPage;

/// Everything the delivery dashboard shows, as the server computes it (only the server holds
/// it; see [`DeliveryView`]).
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryReport {
    /// The board's name.
    pub board_name: String,
    /// The board's slug.
    pub slug: String,
    /// The keys, their trend and the value stream.
    pub delivery: Delivery,
    /// Every service that deployed to the environment, for the service filter.
    pub services: Vec<String>,
    /// The window's deployments of the scope, newest first, at most [`DEPLOYMENTS_SHOWN`].
    pub deployments: Vec<Deployment>,
}

/// The delivery view of a board for `from`–`to` (default: the last 14 days), for one service
/// or all.
#[server(prefix = "/fn", endpoint = "get_delivery", output = crate::api::codec::JsonAnswer)]
pub async fn get_delivery(
    slug: String,
    from: Option<String>,
    to: Option<String>,
    service: Option<String>,
) -> Result<DeliveryView, AppError> {
    use crate::ssr::forms::parse_date;
    use domain::delivery::{PRODUCTION, Scope};
    let (store, caller) = crate::ssr::auth::caller()?;
    let today = chrono::Utc::now().date_naive();
    let window = domain::metrics::Window::or_last(
        parse_date("from", from.as_deref())?,
        parse_date("to", to.as_deref())?,
        today,
        domain::retro::DEFAULT_PERIOD_DAYS,
    )
    .map_err(application::Error::from)?;
    let scope = Scope {
        service: service
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        environment: PRODUCTION.to_owned(),
    };
    let board = domain::board::BoardRef::Slug(slug);
    let application::reports::DeliveryReport {
        board,
        delivery,
        deployments: all,
    } = application::reports::delivery(store.as_ref(), &caller, &board, window, &scope).await?;
    let mut services: Vec<String> = all
        .iter()
        .filter(|d| d.environment == scope.environment)
        .map(|d| d.service.clone())
        .collect();
    services.sort();
    services.dedup();
    let deployments = all
        .into_iter()
        .rev()
        .filter(|d| window.contains(d.deployed_at) && scope.covers(d))
        .take(DEPLOYMENTS_SHOWN)
        .collect();
    Ok(crate::render::delivery_view(DeliveryReport {
        board_name: board.name,
        slug: board.slug,
        delivery,
        services,
        deployments,
    }))
}
