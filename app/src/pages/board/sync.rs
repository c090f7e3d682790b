//! Keeps the board page's model in step with the server: the viewer's own moves (shown at
//! once, undone if refused), and the cards the live stream says changed (read one by one,
//! the board read whole only when that cannot do). In the browser only; on the server the
//! page renders once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::CardId;
use leptos::prelude::*;

use super::model::{Applied, BoardModel};
use super::{Focus, Live, Refusal};
use crate::api::{ChangedTile, MoveCard, SetAssignee};

/// The page's model and what it knows of the server's.
#[derive(Clone)]
pub struct Sync {
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser reads it")
    )]
    slug: String,
    /// The board's filter, that tiles read for the live stream are matched against.
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser reads it")
    )]
    q: Option<String>,
    model: RwSignal<BoardModel>,
    live: Live,
    /// The version (`updated_at`) of each card as the page last learned it.
    known: StoredValue<HashMap<CardId, DateTime<Utc>>>,
    /// Cards whose move the server has not answered yet: a read of them meanwhile may
    /// predate the move.
    moving: StoredValue<HashSet<CardId>>,
    /// Moves not answered yet: the stream's news waits for them, so that their echo is
    /// known as such.
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser reads it")
    )]
    in_flight: RwSignal<usize>,
    /// What the live stream brought, in words for screen readers (an `aria-live` region).
    #[cfg_attr(
        not(feature = "hydrate"),
        allow(dead_code, reason = "the browser says it")
    )]
    said: RwSignal<String>,
}

impl Sync {
    pub fn new(
        slug: String,
        q: Option<String>,
        model: RwSignal<BoardModel>,
        live: Live,
        said: RwSignal<String>,
    ) -> Self {
        Self {
            slug,
            q,
            model,
            live,
            known: StoredValue::new(HashMap::new()),
            moving: StoredValue::new(HashSet::new()),
            in_flight: RwSignal::new(0),
            said,
        }
    }

    /// Shows tiles read from the server (unless the page knows a newer version, or the
    /// card's own move is under way), asking for the whole board if one landed outside the
    /// layout shown, and for the tech-debt share if a card was finished or reopened.
    pub fn show(&self, tiles: Vec<ChangedTile>) {
        let (known, moving) = (self.known, self.moving);
        let mut reload = false;
        let mut share = false;
        self.model.update(|m| {
            for changed in tiles {
                let id = changed.tile.id;
                if moving.with_value(|ids| ids.contains(&id)) {
                    continue;
                }
                let newer =
                    known.with_value(|k| k.get(&id).is_none_or(|at| changed.updated_at >= *at));
                if !newer {
                    continue;
                }
                known.update_value(|k| {
                    k.insert(id, changed.updated_at);
                });
                let was_done = m.tile(id).is_some_and(|t| m.is_done(t.column_id));
                share |= was_done != m.is_done(changed.tile.column_id);
                reload |= m.place(changed.tile) == Applied::NeedsReload;
            }
        });
        if reload {
            self.live.reload.update(|n| *n += 1);
        } else if share {
            self.refresh_share();
        }
    }

    /// Takes cards that left the board off the page.
    #[cfg(feature = "hydrate")]
    fn remove(&self, gone: &[CardId]) {
        let mut share = false;
        self.model.update(|m| {
            for id in gone {
                if let Some(tile) = m.remove(*id) {
                    share |= m.is_done(tile.column_id);
                }
            }
        });
        if share {
            self.refresh_share();
        }
    }

    /// Shows the move at once and sends it; puts the card back and says why if the server
    /// refuses.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn move_card(
        &self,
        request: MoveCard,
        side: Option<Focus>,
        refusal: RwSignal<Option<Refusal>>,
    ) {
        #[cfg(feature = "hydrate")]
        {
            let Ok(id) = request.card_id.parse::<CardId>() else {
                return;
            };
            let mut request = request;
            let column = request.column_id.parse().ok();
            let lane = request.lane_id.as_deref().and_then(|l| l.parse().ok());
            // A move to the end of a cell that shows only its first cards lands after the
            // last one shown instead, where the mover sees it (and the focus can follow).
            if request.position.is_none()
                && let Some(column) = column
            {
                let crowd = self.model.with_untracked(|m| {
                    let lane = lane.or_else(|| m.tile(id).map(|t| t.lane_id))?;
                    (!m.is_done(column)).then(|| {
                        m.cell(column, lane)
                            .cards
                            .iter()
                            .filter(|t| t.id != id)
                            .count()
                    })
                });
                if crowd.is_some_and(|n| n >= crate::api::CELL_SHOWN) {
                    request.position = Some(crate::api::CELL_SHOWN as u32 - 1);
                }
            }
            // Whether the card was finished before: the share of finished work changes if
            // the move finishes or reopens it (the model shows the move before the answer,
            // so the answer alone cannot tell).
            let was_done = self
                .model
                .with_untracked(|m| m.tile(id).map(|t| m.is_done(t.column_id)));
            let undo = column.and_then(|column| {
                self.model
                    .try_update(|m| {
                        m.move_card(
                            id,
                            column,
                            lane,
                            request.position.map(|p| p as usize),
                            browser_now(),
                        )
                    })
                    .flatten()
            });
            if undo.is_some() {
                focus_tile(id, side);
            }
            self.moving.update_value(|ids| {
                ids.insert(id);
            });
            self.in_flight.update(|n| *n += 1);
            let this = self.clone();
            leptos::task::spawn_local(async move {
                let fields = request.fields();
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let answer = crate::components::post_fields::<MoveCard>(&fields).await;
                this.moving.try_update_value(|ids| ids.remove(&id));
                match answer {
                    Ok(mut changed) => {
                        changed.tile.unmatched = this.still_unmatched(id);
                        let done = this
                            .model
                            .with_untracked(|m| m.is_done(changed.tile.column_id));
                        this.show(vec![changed]);
                        if was_done.is_some_and(|was| was != done) {
                            this.refresh_share();
                        }
                    }
                    Err(error) => {
                        if let Some(undo) = undo {
                            this.model.try_update(|m| m.undo(undo));
                            focus_tile(id, side);
                        }
                        refusal.try_set(Some(Refusal {
                            request: super::Refused::Move(request),
                            error,
                        }));
                    }
                }
                this.in_flight.try_update(|n| *n = n.saturating_sub(1));
            });
        }
    }

    /// Sends an assignment and shows the card's new tile, or says why the server refused.
    /// Nothing is shown before the answer: the tile changes only by its avatars.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn assign(&self, request: SetAssignee, refusal: RwSignal<Option<Refusal>>) {
        #[cfg(feature = "hydrate")]
        {
            let this = self.clone();
            leptos::task::spawn_local(async move {
                let mut fields = vec![
                    ("card_id", request.card_id.as_str()),
                    ("user_id", request.user_id.as_str()),
                    ("assign", request.assign.as_str()),
                ];
                if let Some(reason) = &request.override_reason {
                    fields.push(("override_reason", reason));
                }
                match crate::components::post_fields::<SetAssignee>(&fields).await {
                    Ok(mut changed) => {
                        changed.tile.unmatched = this.still_unmatched(changed.tile.id);
                        let words = this.model.with_untracked(|m| {
                            super::model::assigned_news(m, &changed.tile, &request.user_id)
                        });
                        this.show(vec![changed]);
                        this.said.try_set(words);
                    }
                    Err(error) => {
                        refusal.try_set(Some(Refusal {
                            request: super::Refused::Assign(request),
                            error,
                        }));
                    }
                }
            });
        }
    }

    /// Whether the filter left card `id` out: the page's own changes keep that until the
    /// board is read again (the server does not match its answers to them).
    #[cfg(feature = "hydrate")]
    fn still_unmatched(&self, id: CardId) -> bool {
        self.model
            .with_untracked(|m| m.tile(id).is_some_and(|t| t.unmatched))
    }

    /// Takes what the live stream heard whenever no drag and no own move is under way, and
    /// reads what it asks for.
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn follow(&self, dragging: RwSignal<Option<String>>) {
        #[cfg(feature = "hydrate")]
        {
            use crate::components::{Catch, triage};
            let this = self.clone();
            Effect::new(move |_| {
                let heard = this.live.heard;
                if dragging.with(Option::is_some)
                    || this.in_flight.get() > 0
                    || heard.with(Vec::is_empty)
                {
                    return;
                }
                let notices = heard.try_update(std::mem::take).unwrap_or_default();
                match this.known.with_value(|known| triage(&notices, known)) {
                    Catch::Nothing => {}
                    Catch::Reload => this.live.reload.update(|n| *n += 1),
                    Catch::Cards(ids) => this.read_cards(ids),
                }
            });
        }
    }

    /// Reads cards the stream named and shows them; the whole board if that fails.
    #[cfg(feature = "hydrate")]
    fn read_cards(&self, ids: Vec<CardId>) {
        let this = self.clone();
        this.live.fetching.set(true);
        leptos::task::spawn_local(async move {
            let ids = ids
                .iter()
                .map(CardId::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut fields = vec![("slug", this.slug.as_str()), ("ids", ids.as_str())];
            if let Some(q) = &this.q {
                fields.push(("q", q));
            }
            let answer = crate::components::post_fields::<crate::api::BoardCards>(&fields).await;
            match answer {
                Ok(found) => {
                    let words = this
                        .model
                        .with_untracked(|m| super::model::news(m, &found.cards, &found.gone));
                    this.show(found.cards);
                    this.remove(&found.gone);
                    if !words.is_empty() {
                        this.said.try_set(words);
                    }
                }
                Err(_) => {
                    this.live.reload.try_update(|n| *n += 1);
                }
            }
            this.live.fetching.try_set(false);
        });
    }

    /// Reads the tech-debt share again (a card was finished or reopened).
    fn refresh_share(&self) {
        #[cfg(feature = "hydrate")]
        {
            let this = self.clone();
            leptos::task::spawn_local(async move {
                let answer = crate::components::post_fields::<crate::api::BoardShare>(&[(
                    "slug", &this.slug,
                )])
                .await;
                if let Ok(share) = answer {
                    this.model.try_update(|m| m.tech_debt = share);
                }
            });
        }
    }
}

#[cfg(feature = "hydrate")]
impl MoveCard {
    /// The move as its form posts it.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("card_id", self.card_id.clone()),
            ("column_id", self.column_id.clone()),
        ];
        if let Some(lane) = &self.lane_id {
            fields.push(("lane_id", lane.clone()));
        }
        if let Some(position) = self.position {
            fields.push(("position", position.to_string()));
        }
        if let Some(reason) = &self.override_reason {
            fields.push(("override_reason", reason.clone()));
        }
        fields
    }
}

/// The browser's clock (chrono's needs the standard library's, which the browser build has
/// not).
#[cfg(feature = "hydrate")]
fn browser_now() -> DateTime<Utc> {
    let millis = web_sys::js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// Gives the focus to the moved card's button on the same side (else the other, else its
/// title), or to its title, once the cell it is in has been redrawn.
#[cfg(feature = "hydrate")]
fn focus_tile(id: CardId, focus: Option<Focus>) {
    let Some(focus) = focus else { return };
    request_animation_frame(move || {
        let tile = format!("article.card[data-card-id=\"{id}\"]");
        let order: &[&str] = match focus {
            Focus::Left => &[".move-left", ".move-right", ".card-title"],
            Focus::Right => &[".move-right", ".move-left", ".card-title"],
            Focus::Title => &[".card-title"],
        };
        let target = order.iter().find_map(|inner| {
            document()
                .query_selector(&format!("{tile} {inner}"))
                .ok()
                .flatten()
        });
        if let Some(element) = target {
            use wasm_bindgen::JsCast;
            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        }
    });
}
