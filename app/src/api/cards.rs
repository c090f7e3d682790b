//! Server functions for cards: create, edit, block, move, and the card detail page.

#[cfg(feature = "ssr")]
use chrono::Utc;
use domain::Card;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The card page: its facts, owners, history and forms, all on the server (see
/// `render::card_html`), so the browser needs none of its view.
pub type CardView = crate::api::RenderedPage;

/// The query key an assignment refused by the person's WIP limit comes back to the card page
/// with (a plain form), beside server_fn's error: the person, for the override form.
pub const REFUSED_OWNER: &str = "refused_owner";

/// A deployment an incident can be blamed on, as the card page offers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CauseChoice {
    /// The deployment.
    pub id: domain::delivery::DeploymentId,
    /// `checkout v1.4.2 · 2026-11-29 10:00 UTC`.
    pub label: String,
    /// Whether it deployed the incident's own service (the page groups those first).
    pub own_service: bool,
}

/// Names the deployment that caused an incident, or clears it (empty `deployment_id`).
#[server(prefix = "/fn", endpoint = "set_card_cause", output = crate::api::codec::JsonAnswer)]
pub async fn set_card_cause(card_id: String, deployment_id: String) -> Result<(), AppError> {
    use crate::ssr::forms::{parse_id, parse_optional_id};
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = parse_id("card_id", &card_id)?;
    let deployment = parse_optional_id("deployment_id", Some(&deployment_id))?;
    application::cards::set_cause(store.as_ref(), &caller, id, deployment, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[REFUSED_OWNER], None);
    Ok(())
}

/// Makes `user_id` an owner of the card (`assign` "true") or no longer one. An admin forces
/// an assignment past the person's WIP limit with `override_reason`. A plain form refused by
/// the limit comes back with the person in the page's address ([`REFUSED_OWNER`]). The
/// answer is the card's new tile, for the board that assigned from a tile.
#[server(prefix = "/fn", endpoint = "set_assignee", output = crate::api::codec::JsonAnswer)]
pub async fn set_assignee(
    card_id: String,
    user_id: String,
    assign: String,
    override_reason: Option<String>,
) -> Result<crate::api::ChangedTile, AppError> {
    use crate::ssr::forms::parse_id;
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = parse_id("card_id", &card_id)?;
    let user: domain::UserId = parse_id("user_id", &user_id)?;
    let reason = override_reason.as_deref().filter(|r| !r.trim().is_empty());
    let answer = application::cards::set_assignee(
        store.as_ref(),
        &caller,
        id,
        user,
        assign == "true",
        reason,
        Utc::now(),
    )
    .await
    .map_err(AppError::from);
    match &answer {
        Ok(_) => crate::ssr::plain_form::back_after_success(&[REFUSED_OWNER], None),
        Err(error) => crate::ssr::plain_form::back_with_error::<SetAssignee>(
            error,
            (REFUSED_OWNER, &user.to_string()),
        ),
    }
    answer.map(Into::into)
}

/// Makes a card on a board. Severity and service only count for incidents, so a form may
/// send them for any type: they are dropped for the others.
#[server(prefix = "/fn", endpoint = "create_card", output = crate::api::codec::JsonAnswer)]
pub async fn create_card(
    slug: String,
    title: String,
    card_type: String,
    column_id: Option<String>,
    severity: Option<String>,
    service: Option<String>,
    description: Option<String>,
    assignee: Option<String>,
    override_reason: Option<String>,
) -> Result<Card, AppError> {
    use crate::ssr::forms::{parse_optional_id, parse_severity, parse_type};
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let card_type = parse_type(&card_type)?;
    let incident = card_type == domain::CardType::Incident;
    let new = domain::NewCard {
        title,
        description,
        card_type,
        column_id: parse_optional_id::<domain::ColumnId>("column_id", column_id.as_deref())?,
        lane_id: None,
        severity: if incident {
            parse_severity(severity.as_deref())?
        } else {
            None
        },
        service: if incident { service } else { None },
        source: None,
        dedup_key: None,
        labels: Vec::new(),
        assignees: parse_optional_id("assignee", assignee.as_deref())?
            .into_iter()
            .collect(),
        override_reason,
    };
    Ok(application::cards::create_card(store.as_ref(), &caller, &board, &new, Utc::now()).await?)
}

/// Moves a card. `position` is the 0-based index in the target cell; the end when absent.
/// A move a flow policy refuses can be forced with `override_reason`. The answer is the
/// card's new tile only: a board of 2,000 cards is not read again for one move.
#[server(prefix = "/fn", endpoint = "move_card", output = crate::api::codec::JsonAnswer)]
pub async fn move_card(
    card_id: String,
    column_id: String,
    lane_id: Option<String>,
    position: Option<u32>,
    override_reason: Option<String>,
) -> Result<crate::api::ChangedTile, AppError> {
    use crate::ssr::forms::{parse_id, parse_optional_id};
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = parse_id("card_id", &card_id)?;
    let request = domain::MoveRequest {
        column_id: parse_id("column_id", &column_id)?,
        lane_id: parse_optional_id("lane_id", lane_id.as_deref())?,
        position,
        override_reason,
    };
    let answer = application::cards::move_card(store.as_ref(), &caller, id, &request, Utc::now())
        .await
        .map_err(AppError::from);
    // The move as parsed, not as sent: it travels back in the page's address.
    let asked = MoveCard {
        card_id: id.to_string(),
        column_id: request.column_id.to_string(),
        lane_id: request.lane_id.map(|lane| lane.to_string()),
        position: request.position,
        override_reason: None,
    };
    crate::ssr::plain_form::after_move(&asked, answer.as_ref());
    Ok(answer?.into())
}

/// The query key a move refused to a plain form (no JavaScript) comes back to its page with,
/// beside server_fn's `__path` and `__err`: the board needs the move to offer its override
/// form (see `ssr::plain_form`). Its value is `card.column.lane.position`, lane and
/// position empty when not given.
pub const REFUSED_MOVE: &str = "refused_move";

/// The move a [`REFUSED_MOVE`] value names; `None` for anything else.
pub fn refused_move(value: &str) -> Option<MoveCard> {
    let mut parts = value.split('.');
    let mut next = || parts.next().map(str::to_owned);
    let (card_id, column_id, lane, position) = (next()?, next()?, next()?, next()?);
    if card_id.is_empty() || column_id.is_empty() {
        return None;
    }
    Some(MoveCard {
        card_id,
        column_id,
        lane_id: Some(lane).filter(|l| !l.is_empty()),
        position: position.parse().ok(),
        override_reason: None,
    })
}

/// Saves the card edit form.
#[server(prefix = "/fn", endpoint = "update_card", output = crate::api::codec::JsonAnswer)]
pub async fn update_card(
    card_id: String,
    title: String,
    description: String,
    card_type: String,
    severity: Option<String>,
    service: Option<String>,
) -> Result<Card, AppError> {
    use crate::ssr::forms::{parse_id, parse_severity, parse_type};
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = parse_id("card_id", &card_id)?;
    let card_type = parse_type(&card_type)?;
    let incident = card_type == domain::CardType::Incident;
    let patch = domain::CardPatch {
        title: Some(title),
        description: Some(description),
        card_type: Some(card_type),
        severity: if incident {
            parse_severity(severity.as_deref())?
        } else {
            None
        },
        service: if incident {
            Some(service.unwrap_or_default())
        } else {
            None
        },
        ..Default::default()
    };
    let card =
        application::cards::update_card(store.as_ref(), &caller, id, &patch, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[REFUSED_OWNER], None);
    Ok(card)
}

/// Blocks a card with a reason, or unblocks it when `reason` is absent.
#[server(prefix = "/fn", endpoint = "set_blocked", output = crate::api::codec::JsonAnswer)]
pub async fn set_blocked(card_id: String, reason: Option<String>) -> Result<Card, AppError> {
    let (store, caller) = crate::ssr::auth::caller()?;
    let id = crate::ssr::forms::parse_id("card_id", &card_id)?;
    let card =
        application::cards::set_blocked(store.as_ref(), &caller, id, reason, Utc::now()).await?;
    crate::ssr::plain_form::back_after_success(&[REFUSED_OWNER], None);
    Ok(card)
}

/// The page of card `number` on board `slug`, with what its last plain form came back with
/// (`error_path`, `error`, and for a refused assignment `refused_owner`).
#[server(prefix = "/fn", endpoint = "get_card_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_card_html(
    slug: String,
    number: String,
    error_path: Option<String>,
    error: Option<String>,
    refused_owner: Option<String>,
) -> Result<CardView, AppError> {
    use server_fn::ServerFn;
    let (store, caller) = crate::ssr::auth::caller()?;
    let number = number
        .parse::<i64>()
        .map_err(|_| AppError::NotFound(format!("There is no card #{number}.")))?;
    let board_ref = domain::board::BoardRef::Slug(slug);
    // Before the read: the live stream compares it with the board's last change.
    let now = Utc::now();
    let application::cards::CardView {
        board,
        card,
        events,
        role,
        causes,
        own_service_causes,
        members,
        mentionable,
        comments,
    } = application::cards::card_view(store.as_ref(), &caller, &board_ref, number).await?;
    let causes = causes
        .into_iter()
        .enumerate()
        .map(|(i, d)| CauseChoice {
            id: d.id,
            own_service: i < own_service_causes,
            label: format!(
                "{} {} · {}",
                d.service,
                d.version,
                d.deployed_at.format("%Y-%m-%d %H:%M UTC")
            ),
        })
        .collect();
    let paths = [
        UpdateCard::PATH,
        SetBlocked::PATH,
        SetCardCause::PATH,
        SetAssignee::PATH,
        crate::api::AddComment::PATH,
        crate::api::EditComment::PATH,
        crate::api::DeleteComment::PATH,
        crate::api::DiscardCard::PATH,
        crate::api::RestoreCard::PATH,
        crate::api::DeleteCard::PATH,
        crate::api::SetCardLabel::PATH,
    ];
    let error = crate::components::came_back_with(error_path.as_deref(), error.as_deref(), &paths)
        .zip(error_path)
        .map(|(e, path)| (path, e));
    let former = card
        .assignees
        .iter()
        .filter_map(|&id| {
            let name = domain::people::name_in_history(&events, id)?;
            Some(domain::people::Person {
                id,
                name: name.to_owned(),
            })
        })
        .collect();
    let title = format!("#{} {}", card.number, card.title);
    let people = if role >= domain::access::Role::Member {
        mentionable
            .iter()
            .filter_map(|m| {
                let handle = domain::comment::handle_for(m, &mentionable)?;
                Some(crate::api::MentionChoice {
                    handle,
                    name: m.name.clone(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let slug = board.slug.clone();
    let mention_href = |id: domain::UserId| format!("/boards/{slug}?owner={id}");
    let me = application::comments::author_of(&caller);
    let timeline: Vec<crate::render::TimelineEntry> = comments
        .iter()
        .map(|c| {
            let mine = c.author.kind == me.kind && c.author.id == me.id;
            let body = crate::ssr::render_comment(&c.body, &mentionable, mention_href);
            crate::render::TimelineEntry {
                at: c.created_at,
                html: crate::render::comment_html(
                    c,
                    &body,
                    (mine, mine || role >= domain::access::Role::Admin),
                ),
            }
        })
        .collect();
    let data = crate::render::CardPageData {
        description_html: crate::ssr::render_markdown(&card.description),
        history_html: crate::render::card_timeline_html(&board, &events, &timeline, now),
        people: members,
        former,
        me: caller.user_id(),
        refused_owner: refused_owner.and_then(|id| id.parse().ok()),
        error,
        board,
        card,
        role,
        causes,
    };
    Ok(CardView {
        live: Some(crate::api::LivePage {
            card_id: data.card.id,
            read_at: now,
            people,
        }),
        html: crate::render::card_html(&data),
        board_name: title,
    })
}
