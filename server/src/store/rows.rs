//! Row structs as the database returns them, and their conversion into domain types. The
//! same structs decode on SQLite and PostgreSQL (sqlx maps the native types).

use application::ports::{StoreError, WriteRefusal};
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

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Internal(format!("unexpected {what} in database: {value:?}"))
}

#[derive(FromRow)]
pub(crate) struct BoardRow {
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
        }
    }
}

#[derive(FromRow)]
pub(crate) struct SummaryRow {
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
        }
    }
}

/// A column (`part` 0) or a lane (`part` 1) of a board: the board's layout is read in one
/// statement.
#[derive(FromRow)]
pub(crate) struct LayoutRow {
    pub part: i32,
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    /// Columns only.
    pub wip_limit: Option<i32>,
    pub position: i32,
}

/// What a [`LayoutRow`] is.
pub(crate) enum Layout {
    Column(Column),
    Lane(Lane),
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
            _ => Layout::Lane(Lane {
                id: LaneId(self.id),
                kind: LaneKind::parse(&self.kind)
                    .ok_or_else(|| corrupt("lane kind", &self.kind))?,
                name: self.name,
                position: self.position,
            }),
        })
    }
}

#[derive(FromRow)]
pub(crate) struct CardRow {
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
}

/// A card read for a move, with the version of its board's layout read in the same
/// statement (see `versioned_card` in `sql.rs`).
#[derive(FromRow)]
pub(crate) struct VersionedCardRow {
    pub layout_version: i64,
    #[sqlx(flatten)]
    pub card: CardRow,
}

/// A card's metric facts (`metric_cards` on PostgreSQL).
#[derive(FromRow)]
pub(crate) struct MetricCardRow {
    pub id: Uuid,
    pub number: i64,
    pub card_type: String,
    pub column_id: Uuid,
    pub created_at: DateTime<Utc>,
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
        })
    }
}

/// A card id in a SQLite JSON document (`hex(id)`).
fn json_uuid(hex: &str) -> Result<Uuid, StoreError> {
    Uuid::try_parse(hex).map_err(|_| corrupt("card id", hex))
}

/// A card time in a SQLite JSON document (the stored RFC 3339 text).
fn json_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| corrupt("card time", text))
}

/// A card's metric facts as SQLite's `json_array` writes them (see `sqlite::metric_cards`),
/// with its position for the board order.
#[derive(serde::Deserialize)]
pub(crate) struct MetricCardJson {
    id: String,
    number: i64,
    card_type: String,
    column_id: String,
    created_at: String,
    position: f64,
}

impl MetricCardJson {
    /// The facts, and the position to sort them by.
    pub fn into_facts(self) -> Result<(f64, MetricCard), StoreError> {
        let row = MetricCardRow {
            id: json_uuid(&self.id)?,
            number: self.number,
            card_type: self.card_type,
            column_id: json_uuid(&self.column_id)?,
            created_at: json_time(&self.created_at)?,
        };
        Ok((self.position, MetricCard::try_from(row)?))
    }
}

/// A card as SQLite's `json_array` writes it (see `sqlite::board_cards`): ids in hex
/// (`hex(NULL)` is the empty string), booleans as 0 or 1, times as stored text, the position
/// as `quote` writes it: SQLite's JSON keeps 15 significant digits of a number, too few for
/// every key (a key between two others may need 17), where `quote` keeps them all.
#[derive(serde::Deserialize)]
pub(crate) struct CardJson {
    id: String,
    board_id: String,
    number: i64,
    title: String,
    description: String,
    card_type: String,
    column_id: String,
    lane_id: String,
    position: String,
    blocked: i64,
    blocked_reason: Option<String>,
    severity: Option<String>,
    service: Option<String>,
    source: Option<String>,
    dedup_key: Option<String>,
    created_at: String,
    updated_at: String,
    column_entered_at: String,
    occurrences: i32,
    last_seen_at: Option<String>,
    alert_resolved_at: Option<String>,
    link: Option<String>,
    caused_by: String,
}

impl CardJson {
    /// The row it stands for.
    pub fn into_row(self) -> Result<CardRow, StoreError> {
        let (uuid, time) = (json_uuid, json_time);
        let maybe_time = |text: Option<String>| text.as_deref().map(time).transpose();
        Ok(CardRow {
            id: uuid(&self.id)?,
            board_id: uuid(&self.board_id)?,
            number: self.number,
            title: self.title,
            description: self.description,
            card_type: self.card_type,
            column_id: uuid(&self.column_id)?,
            lane_id: uuid(&self.lane_id)?,
            position: self.position.parse().map_err(|e| {
                StoreError::Internal(format!("unreadable card position {:?}: {e}", self.position))
            })?,
            blocked: self.blocked != 0,
            blocked_reason: self.blocked_reason,
            severity: self.severity,
            service: self.service,
            source: self.source,
            dedup_key: self.dedup_key,
            created_at: time(&self.created_at)?,
            updated_at: time(&self.updated_at)?,
            column_entered_at: time(&self.column_entered_at)?,
            occurrences: self.occurrences,
            last_seen_at: maybe_time(self.last_seen_at)?,
            alert_resolved_at: maybe_time(self.alert_resolved_at)?,
            link: self.link,
            caused_by: match self.caused_by.as_str() {
                "" => None,
                hex => Some(uuid(hex)?),
            },
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
        Ok(Self {
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
        })
    }
}

#[derive(FromRow)]
pub(crate) struct EventRow {
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
            actor: Actor {
                kind: ActorKind::parse(&r.actor_kind)
                    .ok_or_else(|| corrupt("actor kind", &r.actor_kind))?,
                name: r.actor_name,
            },
            kind: r.data.0,
        })
    }
}

/// One event of a board's log as the metrics read it: moves and creations come from the
/// columns `insert_event` copies out of the JSON (`data` is then not read at all), everything
/// else from `data`. Decoding the JSON of 200,000 moves was most of a metrics request.
pub(crate) struct LogRow {
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

#[derive(FromRow)]
pub(crate) struct DeploymentRow {
    pub id: Uuid,
    pub service: String,
    pub environment: String,
    pub version: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
}

impl TryFrom<DeploymentRow> for domain::delivery::Deployment {
    type Error = StoreError;
    /// The deployment without its commits, cards and incidents, which come from their own
    /// tables.
    fn try_from(r: DeploymentRow) -> Result<Self, StoreError> {
        use domain::delivery::DeploymentStatus;
        let status = match r.status.as_str() {
            "success" => DeploymentStatus::Success,
            "failure" => DeploymentStatus::Failure,
            other => return Err(corrupt("deployment status", other)),
        };
        Ok(Self {
            id: domain::delivery::DeploymentId(r.id),
            service: r.service,
            environment: r.environment,
            version: r.version,
            deployed_at: r.deployed_at,
            status,
            commits: Vec::new(),
            cards: Vec::new(),
            caused_incidents: Vec::new(),
        })
    }
}

/// Maps a driver error to the storage error users and operators can act on. This is the one
/// place driver errors are classified, for both backends:
/// - a unique index refused the row: `Conflict`;
/// - there is no database to talk to right now (no connection within the acquire timeout,
///   connection refused or dropped, PostgreSQL shutting down or out of connections, SQLite
///   still locked after its busy timeout or failing to read its file): `Unavailable`, which a
///   retry may cure;
/// - the database reads but refuses writes (SQLite's file or file system is read-only or its
///   disk full; PostgreSQL's disk full or a read-only standby): `WritesRefused`, which needs
///   an operator;
/// - anything else: `Internal`.
pub(crate) fn db_error(err: sqlx::Error) -> StoreError {
    let unavailable = |err: &sqlx::Error| StoreError::Unavailable(err.to_string());
    let refused = |reason, err: &sqlx::Error| StoreError::WritesRefused {
        reason,
        detail: err.to_string(),
    };
    match &err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => unavailable(&err),
        sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(format!(
            "already exists ({})",
            e.constraint().unwrap_or("unique")
        )),
        sqlx::Error::Database(e) => {
            if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite reports extended result codes; the primary code is the low byte.
                let primary = e
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                match primary {
                    Some(SQLITE_READONLY) => refused(WriteRefusal::ReadOnly, &err),
                    Some(SQLITE_FULL) => refused(WriteRefusal::Full, &err),
                    Some(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_CANTOPEN) => {
                        unavailable(&err)
                    }
                    _ => StoreError::Internal(err.to_string()),
                }
            } else {
                match e.code().as_deref() {
                    // disk_full
                    Some("53100") => refused(WriteRefusal::Full, &err),
                    // read_only_sql_transaction: a standby after a failover
                    Some("25006") => refused(WriteRefusal::ReadOnly, &err),
                    // connection exceptions; admin_shutdown, crash_shutdown,
                    // cannot_connect_now; too_many_connections
                    Some(code)
                        if code.starts_with("08")
                            || matches!(code, "57P01" | "57P02" | "57P03" | "53300") =>
                    {
                        unavailable(&err)
                    }
                    _ => StoreError::Internal(err.to_string()),
                }
            }
        }
        _ => StoreError::Internal(err.to_string()),
    }
}

/// Maps a failed migration: the database's own errors as [`db_error`] does (a read-only file
/// is then named as such), anything else (a changed or missing migration) as `Internal`.
pub(crate) fn migrate_error(err: sqlx::migrate::MigrateError) -> StoreError {
    match err {
        sqlx::migrate::MigrateError::Execute(e) => match db_error(e) {
            StoreError::Internal(detail) => {
                StoreError::Internal(format!("migration failed: {detail}"))
            }
            other => other,
        },
        other => StoreError::Internal(format!("migration failed: {other}")),
    }
}

// SQLite's primary result codes (https://www.sqlite.org/rescode.html).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

#[derive(FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for domain::access::User {
    fn from(r: UserRow) -> Self {
        Self {
            id: domain::UserId(r.id),
            email: r.email,
            name: r.name,
            instance_admin: r.instance_admin,
            disabled: r.disabled,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl From<CredentialsRow> for application::ports::Credentials {
    fn from(r: CredentialsRow) -> Self {
        Self {
            user: r.user.into(),
            password_hash: r.password_hash,
            failed_logins: u32::try_from(r.failed_logins).unwrap_or(0),
            locked_until: r.locked_until,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct MemberRow {
    pub role: String,
    #[sqlx(flatten)]
    pub user: UserRow,
}

impl TryFrom<MemberRow> for domain::access::Member {
    type Error = StoreError;
    fn try_from(r: MemberRow) -> Result<Self, StoreError> {
        Ok(Self {
            role: domain::access::Role::parse(&r.role).ok_or_else(|| corrupt("role", &r.role))?,
            user: r.user.into(),
        })
    }
}

#[derive(FromRow)]
pub(crate) struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub board_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for domain::access::ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        let scopes = domain::access::parse_scopes(&r.scopes)
            .map_err(|_| corrupt("token scopes", &r.scopes))?;
        Ok(Self {
            id: domain::TokenId(r.id),
            name: r.name,
            prefix: r.prefix,
            scopes,
            board_id: r.board_id.map(BoardId),
            created_at: r.created_at,
            created_by: r.created_by,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}
