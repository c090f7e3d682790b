//! SQLite's fastest readers of many rows: one JSON document aggregated in SQLite instead of
//! a row at a time. sqlx hands SQLite rows from its worker thread to the caller one channel
//! message at a time; for a year of a big board (200,000 events) those hand-overs, not
//! SQLite, took 1.5 s (measured with perf: thread wake-ups and lock waits).

use application::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::metrics::MetricCard;
use uuid::Uuid;

use crate::store::error::db_error;
use crate::store::rows::{CardRow, LogRow, MetricCardRow, SearchCardRow, corrupt};

/// The board's events with an id above `after`, in log order, read as one JSON document.
///
/// sqlx hands SQLite rows from its worker thread to the caller one channel message at a
/// time; for a year of a big board (200,000 events) those hand-overs, not SQLite, took
/// 1.5 s (measured with perf: thread wake-ups and lock waits). Aggregating the rows in
/// SQLite with `json_group_array` makes it one row, parsed here in one go.
pub(super) async fn event_log(
    conn: &mut sqlx::SqliteConnection,
    board: domain::BoardId,
    after: i64,
) -> Result<Vec<domain::CardEvent>, StoreError> {
    type Item = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<domain::EventKind>,
    );
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, hex(card_id), at, actor_kind, actor_name, \
         kind, hex(column_id), hex(lane_id), hex(from_column_id), hex(from_lane_id), \
         CASE WHEN kind IN ('created', 'moved') THEN NULL ELSE json(data) END)) \
         FROM card_events WHERE board_id = $1 AND id > $2",
    )
    .bind(board.0)
    .bind(after)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let items: Vec<Item> = serde_json::from_str(doc.as_deref().unwrap_or("[]"))
        .map_err(|e| StoreError::Internal(format!("unreadable event log: {e}")))?;
    let bad =
        |what: &str, id: i64| StoreError::Internal(format!("unexpected {what} in event {id}"));
    // `hex(NULL)` is the empty string.
    let uuid = |hex: &str, id: i64| match hex {
        "" => Ok(None),
        h => uuid::Uuid::try_parse(h)
            .map(Some)
            .map_err(|_| bad("id", id)),
    };
    let mut events = items
        .into_iter()
        .map(
            |(id, card, at, actor_kind, actor_name, kind, c, l, fc, fl, data)| {
                LogRow {
                    id,
                    card_id: uuid(&card, id)?.ok_or_else(|| bad("card", id))?,
                    at: chrono::DateTime::parse_from_rfc3339(&at)
                        .map_err(|_| bad("time", id))?
                        .to_utc(),
                    actor_kind,
                    actor_name,
                    kind,
                    column_id: uuid(&c, id)?,
                    lane_id: uuid(&l, id)?,
                    from_column_id: uuid(&fc, id)?,
                    from_lane_id: uuid(&fl, id)?,
                    data,
                }
                .into_event(board)
            },
        )
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The aggregate's order is not guaranteed; the log order is the id.
    events.sort_unstable_by_key(|e| e.id);
    Ok(events)
}

/// The board's cards in board order (position, then number), read as one JSON document for
/// the same reason as the event log: on a board of 20,000 cards the row-by-row hand-over took
/// about 200 ms, and every board page, card move and metrics request reads the cards.
pub(super) async fn board_cards(
    conn: &mut sqlx::SqliteConnection,
    board: uuid::Uuid,
) -> Result<Vec<domain::Card>, StoreError> {
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(hex(id), hex(board_id), number, title, description, \
         card_type, hex(column_id), hex(lane_id), quote(position), blocked, blocked_reason, severity, \
         service, source, dedup_key, created_at, updated_at, column_entered_at, occurrences, \
         last_seen_at, alert_resolved_at, link, hex(caused_by), comment_count)) \
         FROM cards WHERE board_id = $1 AND discarded_at IS NULL",
    )
    .bind(board)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let rows: Vec<CardJson> = serde_json::from_str(doc.as_deref().unwrap_or("[]"))
        .map_err(|e| StoreError::Internal(format!("unreadable cards: {e}")))?;
    let mut cards = rows
        .into_iter()
        .map(|row| row.into_row().and_then(domain::Card::try_from))
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The aggregate's order is not guaranteed.
    cards.sort_unstable_by(|a, b| {
        a.position
            .total_cmp(&b.position)
            .then(a.number.cmp(&b.number))
    });
    Ok(cards)
}

/// What a search reads of every card of the board: one aggregated value, for the reason
/// [`board_cards`] gives, with eleven fields a card instead of twenty-four.
pub(super) async fn search_cards(
    conn: &mut sqlx::SqliteConnection,
    board: uuid::Uuid,
) -> Result<Vec<domain::search::SearchCard>, StoreError> {
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(hex(id), number, title, description, card_type, \
         severity, service, hex(lane_id), blocked, column_entered_at, updated_at)) \
         FROM cards WHERE board_id = $1 AND discarded_at IS NULL",
    )
    .bind(board)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let rows: Vec<SearchCardJson> = serde_json::from_str(doc.as_deref().unwrap_or("[]"))
        .map_err(|e| StoreError::Internal(format!("unreadable cards: {e}")))?;
    rows.into_iter()
        .map(|row| {
            let row = SearchCardRow {
                id: json_uuid(&row.0)?,
                number: row.1,
                title: row.2,
                description: row.3,
                card_type: row.4,
                severity: row.5,
                service: row.6,
                lane_id: json_uuid(&row.7)?,
                blocked: row.8 != 0,
                column_entered_at: json_time(&row.9)?,
                updated_at: json_time(&row.10)?,
            };
            domain::search::SearchCard::try_from(row)
        })
        .collect()
}

/// A card's search facts as SQLite's `json_array` writes them (see [`search_cards`]).
type SearchCardJson = (
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    String,
    String,
);

/// The metric facts of every card of the board, in board order: one aggregated value, for
/// the reason [`board_cards`] gives, with five fields a card instead of twenty-three.
pub(super) async fn metric_cards(
    conn: &mut sqlx::SqliteConnection,
    board: uuid::Uuid,
) -> Result<Vec<domain::metrics::MetricCard>, StoreError> {
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(hex(id), number, card_type, hex(column_id), \
         created_at, position, discarded_at)) FROM cards WHERE board_id = $1",
    )
    .bind(board)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let rows: Vec<MetricCardJson> = serde_json::from_str(doc.as_deref().unwrap_or("[]"))
        .map_err(|e| StoreError::Internal(format!("unreadable cards: {e}")))?;
    let mut cards = rows
        .into_iter()
        .map(MetricCardJson::into_facts)
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The aggregate's order is not guaranteed.
    cards.sort_unstable_by(|(a, x), (b, y)| a.total_cmp(b).then(x.number.cmp(&y.number)));
    Ok(cards.into_iter().map(|(_, card)| card).collect())
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
    discarded_at: Option<String>,
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
            discarded_at: self.discarded_at.as_deref().map(json_time).transpose()?,
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
    comment_count: i32,
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
            comment_count: self.comment_count,
            caused_by: match self.caused_by.as_str() {
                "" => None,
                hex => Some(uuid(hex)?),
            },
            // The board's cards are read without the discarded ones.
            discarded_at: None,
            discarded_reason: None,
            discarded_by: None,
        })
    }
}
