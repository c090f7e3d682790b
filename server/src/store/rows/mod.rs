//! Row structs as the database returns them, and their conversion into domain types. The
//! same structs decode on SQLite and PostgreSQL (sqlx maps the native types). The boards',
//! cards' and events' rows are here; the other areas' in a module each.

pub mod accounts;
pub mod deployments;
pub mod people;
pub mod retros;

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::metrics::MetricCard;
use domain::policy::BoardPolicy;
use domain::{
    Actor, ActorKind, BoardId, BoardSummary, Card, CardEvent, CardId, CardType, Column, ColumnId,
    ColumnKind, EventKind, Lane, LaneId, LaneKind, Severity,
};
use sqlx::FromRow;
use sqlx::types::Json;
use uuid::Uuid;

/// A stored value Flowboard never writes: the row cannot be read.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Internal(format!("unexpected {what} in database: {value:?}"))
}

/// The select list of `boards` that [`BoardRow`] reads. (The column lists are text macros so
/// that `concat!` can build whole statements at compile time.)
macro_rules! board_columns {
    () => {
        "SELECT id, slug, name, description, created_at, committed_capacity, tech_debt_share, \
         expedite_limit, expedite_counts_toward_wip, incident_settings, person_wip_limit"
    };
}
pub(crate) use board_columns;

/// Columns of `cards` in the order [`CardRow`] reads them.
macro_rules! card_columns {
    () => {
        "id, board_id, number, title, description, card_type, column_id, lane_id, position, \
         blocked, blocked_reason, severity, service, source, dedup_key, created_at, updated_at, \
         column_entered_at, occurrences, last_seen_at, alert_resolved_at, link, caused_by, \
         comment_count, discarded_at, discarded_reason, discarded_by"
    };
}
pub(crate) use card_columns;

#[derive(FromRow)]
pub struct BoardRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub committed_capacity: Option<i32>,
    pub tech_debt_share: f64,
    pub expedite_limit: Option<i32>,
    pub expedite_counts_toward_wip: bool,
    /// JSON text (TEXT on both databases, so one row struct decodes both).
    pub incident_settings: Option<String>,
    pub person_wip_limit: Option<i32>,
}

impl BoardRow {
    /// The board's incident settings (defaults until someone changes them).
    pub fn incidents(&self) -> domain::incident::IncidentSettings {
        self.incident_settings
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    /// The board's policy settings.
    pub fn policy(&self) -> BoardPolicy {
        let limit = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        BoardPolicy {
            committed_capacity: limit(self.committed_capacity),
            tech_debt_share: self.tech_debt_share,
            expedite_limit: limit(self.expedite_limit),
            expedite_counts_toward_wip: self.expedite_counts_toward_wip,
            person_wip_limit: limit(self.person_wip_limit),
        }
    }
}

#[derive(FromRow)]
pub struct SummaryRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub open_cards: i64,
    pub total_cards: i64,
}

impl From<SummaryRow> for BoardSummary {
    fn from(r: SummaryRow) -> Self {
        Self {
            id: BoardId(r.id),
            slug: r.slug,
            name: r.name,
            description: r.description,
            open_cards: r.open_cards,
            total_cards: r.total_cards,
            assigned_to_me: None,
        }
    }
}

/// A column (`part` 0), a lane (`part` 1) or a label (`part` 2, its colour in `kind`) of a
/// board: the board's layout is read in one statement.
#[derive(FromRow)]
pub struct LayoutRow {
    pub part: i32,
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    /// Columns only.
    pub wip_limit: Option<i32>,
    pub position: i32,
}

/// What a [`LayoutRow`] is.
pub enum Layout {
    Column(Column),
    Lane(Lane),
    Label(domain::label::Label),
}

impl LayoutRow {
    pub fn into_layout(self) -> Result<Layout, StoreError> {
        Ok(match self.part {
            0 => Layout::Column(Column {
                id: ColumnId(self.id),
                kind: ColumnKind::parse(&self.kind)
                    .ok_or_else(|| corrupt("column kind", &self.kind))?,
                name: self.name,
                wip_limit: self.wip_limit.and_then(|l| u32::try_from(l).ok()),
                position: self.position,
            }),
            1 => Layout::Lane(Lane {
                id: LaneId(self.id),
                kind: LaneKind::parse(&self.kind)
                    .ok_or_else(|| corrupt("lane kind", &self.kind))?,
                name: self.name,
                position: self.position,
            }),
            _ => Layout::Label(domain::label::Label {
                id: domain::LabelId(self.id),
                colour: domain::label::LabelColour::parse(&self.kind)
                    .ok_or_else(|| corrupt("label colour", &self.kind))?,
                name: self.name,
            }),
        })
    }
}

#[derive(FromRow)]
pub struct CardRow {
    pub id: Uuid,
    pub board_id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub card_type: String,
    pub column_id: Uuid,
    pub lane_id: Uuid,
    pub position: f64,
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub source: Option<String>,
    pub dedup_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub column_entered_at: DateTime<Utc>,
    pub occurrences: i32,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub alert_resolved_at: Option<DateTime<Utc>>,
    pub link: Option<String>,
    pub caused_by: Option<Uuid>,
    pub comment_count: i32,
    pub discarded_at: Option<DateTime<Utc>>,
    pub discarded_reason: Option<String>,
    pub discarded_by: Option<String>,
}

/// A card read for a move, with the version of its board's layout read in the same
/// statement (see `versioned_card` in `placement.rs`), and the version of the card's row
/// where the database has one to offer (PostgreSQL's `xmin`, the transaction that wrote it).
#[derive(FromRow)]
pub struct VersionedCardRow {
    pub layout_version: i64,
    pub row_version: Option<String>,
    #[sqlx(flatten)]
    pub card: CardRow,
}

/// A card's metric facts (`metric_cards` on PostgreSQL).
#[derive(FromRow)]
pub struct MetricCardRow {
    pub id: Uuid,
    pub number: i64,
    pub card_type: String,
    pub column_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub discarded_at: Option<DateTime<Utc>>,
}

impl TryFrom<MetricCardRow> for MetricCard {
    type Error = StoreError;
    fn try_from(r: MetricCardRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: CardId(r.id),
            number: r.number,
            card_type: CardType::parse(&r.card_type)
                .ok_or_else(|| corrupt("card type", &r.card_type))?,
            column_id: ColumnId(r.column_id),
            created_at: r.created_at,
            discarded_at: r.discarded_at,
        })
    }
}

/// What a search reads of a card (`search_cards` on PostgreSQL; SQLite's JSON becomes one).
#[derive(FromRow)]
pub struct SearchCardRow {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub card_type: String,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub lane_id: Uuid,
    pub blocked: bool,
    pub column_entered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<SearchCardRow> for domain::search::SearchCard {
    type Error = StoreError;
    fn try_from(r: SearchCardRow) -> Result<Self, StoreError> {
        let severity = match r.severity.as_deref() {
            None => None,
            Some(s) => Some(Severity::parse(s).ok_or_else(|| corrupt("severity", s))?),
        };
        Ok(Self {
            id: CardId(r.id),
            number: r.number,
            title: r.title,
            description: r.description,
            card_type: CardType::parse(&r.card_type)
                .ok_or_else(|| corrupt("card type", &r.card_type))?,
            severity,
            service: r.service,
            lane_id: LaneId(r.lane_id),
            blocked: r.blocked,
            column_entered_at: r.column_entered_at,
            updated_at: r.updated_at,
            // Kept in `card_assignees` and `card_labels`; the store reads them beside the rows.
            assignees: Vec::new(),
            labels: Vec::new(),
        })
    }
}

impl TryFrom<CardRow> for Card {
    type Error = StoreError;
    fn try_from(r: CardRow) -> Result<Self, StoreError> {
        let severity = match r.severity.as_deref() {
            None => None,
            Some(s) => Some(Severity::parse(s).ok_or_else(|| corrupt("severity", s))?),
        };
        let discarded = r.discarded_at.map(|at| domain::discard::Discard {
            at,
            reason: r.discarded_reason.unwrap_or_default(),
            by: r.discarded_by.unwrap_or_default(),
        });
        Ok(Self {
            discarded,
            comment_count: u32::try_from(r.comment_count).unwrap_or(0),
            id: CardId(r.id),
            board_id: BoardId(r.board_id),
            number: r.number,
            card_type: CardType::parse(&r.card_type)
                .ok_or_else(|| corrupt("card type", &r.card_type))?,
            title: r.title,
            description: r.description,
            column_id: ColumnId(r.column_id),
            lane_id: LaneId(r.lane_id),
            position: r.position,
            blocked: r.blocked,
            blocked_reason: r.blocked_reason,
            severity,
            service: r.service,
            source: r.source,
            dedup_key: r.dedup_key,
            created_at: r.created_at,
            updated_at: r.updated_at,
            column_entered_at: r.column_entered_at,
            occurrences: u32::try_from(r.occurrences).unwrap_or(1),
            last_seen_at: r.last_seen_at,
            alert_resolved_at: r.alert_resolved_at,
            link: r.link,
            caused_by: r.caused_by.map(domain::delivery::DeploymentId),
            // Kept in `card_assignees` and `card_labels`; the store reads them beside the row.
            assignees: Vec::new(),
            labels: Vec::new(),
        })
    }
}

/// An event's actor as stored: its kind's spelling and its name.
fn stored_actor(kind: &str, name: String) -> Result<Actor, StoreError> {
    Ok(Actor {
        user_id: None,
        kind: ActorKind::parse(kind).ok_or_else(|| corrupt("actor kind", kind))?,
        name,
    })
}

/// A row of `board_events` (the board is the one asked for).
#[derive(FromRow)]
pub struct BoardEventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_name: String,
    pub data: Json<domain::BoardEventKind>,
}

impl BoardEventRow {
    /// The event, of board `board`.
    pub fn into_event(self, board: BoardId) -> Result<domain::BoardEvent, StoreError> {
        Ok(domain::BoardEvent {
            id: self.id,
            board_id: board,
            at: self.at,
            actor: stored_actor(&self.actor_kind, self.actor_name)?,
            kind: self.data.0,
        })
    }
}

#[derive(FromRow)]
pub struct EventRow {
    pub id: i64,
    pub card_id: Uuid,
    pub board_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_name: String,
    pub data: Json<EventKind>,
}

impl TryFrom<EventRow> for CardEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            card_id: CardId(r.card_id),
            board_id: BoardId(r.board_id),
            at: r.at,
            actor: stored_actor(&r.actor_kind, r.actor_name)?,
            kind: r.data.0,
        })
    }
}

/// One event of a board's log as the metrics read it: moves and creations come from the
/// columns `insert_event` copies out of the JSON (`data` is then not read at all), everything
/// else from `data`. Decoding the JSON of 200,000 moves was most of a metrics request.
pub struct LogRow {
    pub id: i64,
    pub card_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_name: String,
    pub kind: String,
    pub column_id: Option<Uuid>,
    pub lane_id: Option<Uuid>,
    pub from_column_id: Option<Uuid>,
    pub from_lane_id: Option<Uuid>,
    pub data: Option<EventKind>,
}

impl LogRow {
    /// The event, on `board`.
    pub fn into_event(self, board: BoardId) -> Result<CardEvent, StoreError> {
        let missing = |what: &str| corrupt(what, &format!("event {}", self.id));
        let kind = match (self.kind.as_str(), self.data) {
            ("created", _) => EventKind::Created {
                column_id: ColumnId(self.column_id.ok_or_else(|| missing("column"))?),
                lane_id: LaneId(self.lane_id.ok_or_else(|| missing("lane"))?),
            },
            ("moved", _) => EventKind::Moved {
                from_column_id: ColumnId(self.from_column_id.ok_or_else(|| missing("column"))?),
                from_lane_id: LaneId(self.from_lane_id.ok_or_else(|| missing("lane"))?),
                to_column_id: ColumnId(self.column_id.ok_or_else(|| missing("column"))?),
                to_lane_id: LaneId(self.lane_id.ok_or_else(|| missing("lane"))?),
            },
            (_, Some(kind)) => kind,
            (other, None) => return Err(corrupt("event data", other)),
        };
        Ok(CardEvent {
            id: self.id,
            card_id: CardId(self.card_id),
            board_id: board,
            at: self.at,
            actor: Actor {
                user_id: None,
                kind: ActorKind::parse(&self.actor_kind)
                    .ok_or_else(|| corrupt("actor kind", &self.actor_kind))?,
                name: self.actor_name,
            },
            kind,
        })
    }
}

/// The select list of a log read: `data` only where the columns do not say it all.
macro_rules! log_columns {
    ($data:literal) => {
        concat!(
            "id, card_id, at, actor_kind, actor_name, kind, column_id, lane_id, from_column_id, \
             from_lane_id, CASE WHEN kind IN ('created', 'moved') THEN NULL ELSE ",
            $data,
            " END"
        )
    };
}
pub(crate) use log_columns;
