//! Cards: the three kinds of work, incident details, and validation of what clients send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::board::{Board, Column, Lane};
use crate::error::DomainError;
use crate::ids::{BoardId, CardId, ColumnId, LaneId};

/// Longest title we accept, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description we accept, in characters (markdown source).
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
/// Longest short text field (service, source, dedup key, blocked reason).
pub const MAX_SHORT_CHARS: usize = 200;

/// The three kinds of work that share one board.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CardType {
    /// New value for users.
    #[default]
    Feature,
    /// Something is broken in production.
    Incident,
    /// Work that keeps the system healthy: refactoring, upgrades, non-functional work.
    TechDebt,
}

impl CardType {
    /// All types, in display order.
    pub const ALL: [CardType; 3] = [Self::Feature, Self::Incident, Self::TechDebt];

    /// The spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feature => "feature",
            Self::Incident => "incident",
            Self::TechDebt => "tech_debt",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "feature" => Some(Self::Feature),
            "incident" => Some(Self::Incident),
            "tech_debt" => Some(Self::TechDebt),
            _ => None,
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Feature => "Feature",
            Self::Incident => "Incident",
            Self::TechDebt => "Tech debt",
        }
    }
}

/// How bad an incident is; sev1 is the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// Critical: the service is down for many users.
    Sev1,
    /// Major: a key function is impaired.
    Sev2,
    /// Minor: degraded, with a workaround.
    Sev3,
    /// Low: cosmetic or informational.
    Sev4,
}

impl Severity {
    /// All severities, worst first.
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    /// The spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "sev1",
            Self::Sev2 => "sev2",
            Self::Sev3 => "sev3",
            Self::Sev4 => "sev4",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sev1" => Some(Self::Sev1),
            "sev2" => Some(Self::Sev2),
            "sev3" => Some(Self::Sev3),
            "sev4" => Some(Self::Sev4),
            _ => None,
        }
    }

    /// Sev1 and sev2 incidents are expedited.
    pub fn is_urgent(self) -> bool {
        matches!(self, Self::Sev1 | Self::Sev2)
    }
}

/// A card on a board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// Its id.
    pub id: CardId,
    /// The board it is on.
    pub board_id: BoardId,
    /// Short number, unique on its board (shown as `#42`).
    pub number: i64,
    /// One line saying what the work is.
    pub title: String,
    /// Markdown; rendered without raw HTML.
    pub description: String,
    /// Feature, incident or tech debt.
    pub card_type: CardType,
    /// The column it is in.
    pub column_id: ColumnId,
    /// The lane it is in.
    pub lane_id: LaneId,
    /// Order inside its cell; smaller is higher up.
    pub position: f64,
    /// Whether something outside the team stops the work.
    pub blocked: bool,
    /// Why it is blocked.
    pub blocked_reason: Option<String>,
    /// Incidents only: how bad.
    pub severity: Option<Severity>,
    /// Incidents only: the affected service.
    pub service: Option<String>,
    /// Incidents only: where it came from (e.g. `alertmanager`).
    pub source: Option<String>,
    /// Incidents only: the key monitoring uses to avoid duplicates.
    pub dedup_key: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it entered its current column (its age there).
    pub column_entered_at: DateTime<Utc>,
    /// Incidents from monitoring: how often the alert has been reported while the card was
    /// open (1 for every other card).
    #[serde(default = "one")]
    pub occurrences: u32,
    /// Incidents from monitoring: when the alert was last reported.
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Incidents from monitoring: when the alert side resolved (cleared if it fires again).
    #[serde(default)]
    pub alert_resolved_at: Option<DateTime<Utc>>,
    /// Incidents: a link to the alert, dashboard or runbook.
    #[serde(default)]
    pub link: Option<String>,
    /// Incidents: the deployment blamed for it, which then counts as a failed change.
    #[serde(default)]
    pub caused_by: Option<crate::ids::DeploymentId>,
    /// Who owns the card (members of its board), in the order they were assigned.
    #[serde(default)]
    pub assignees: Vec<crate::ids::UserId>,
    /// How many comments it has (deleted ones left out).
    #[serde(default)]
    pub comment_count: u32,
    /// Its labels (labels of its board), in the board's order of labels.
    #[serde(default)]
    pub labels: Vec<crate::ids::LabelId>,
    /// Set while the card is discarded: it is off the board, out of the flow metrics, and
    /// can be restored to the cell it left (`column_id`, `lane_id`).
    #[serde(default)]
    pub discarded: Option<crate::discard::Discard>,
}

/// Test support (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
impl Card {
    /// For tests: a plain feature card in `cell` (board, column, lane), made, updated and put
    /// in its column at `at`, numbered 1, at key 1, with nothing else set; the test changes
    /// what it needs with struct update syntax (`Card { position: 3.0, ..Card::sample(...) }`).
    /// One place that knows every field, instead of a copy per test module.
    pub fn sample(cell: (BoardId, ColumnId, LaneId), at: DateTime<Utc>) -> Card {
        Card {
            id: CardId::new(),
            board_id: cell.0,
            number: 1,
            title: "card".into(),
            description: String::new(),
            card_type: CardType::Feature,
            column_id: cell.1,
            lane_id: cell.2,
            position: 1.0,
            blocked: false,
            blocked_reason: None,
            severity: None,
            service: None,
            source: None,
            dedup_key: None,
            created_at: at,
            updated_at: at,
            column_entered_at: at,
            occurrences: 1,
            last_seen_at: None,
            alert_resolved_at: None,
            link: None,
            caused_by: None,
            assignees: Vec::new(),
            comment_count: 0,
            labels: Vec::new(),
            discarded: None,
        }
    }
}

fn one() -> u32 {
    1
}

/// What a client sends to make a card.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// 1–200 characters.
    pub title: String,
    /// Markdown, up to 20,000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// `feature`, `incident` or `tech_debt`.
    pub card_type: CardType,
    /// Where to put it; the first column when absent.
    #[serde(default)]
    pub column_id: Option<ColumnId>,
    /// Which lane; Expedite for sev1/sev2 incidents, else Standard, when absent.
    #[serde(default)]
    pub lane_id: Option<LaneId>,
    /// Incidents only, required for them: `sev1`–`sev4`.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Incidents only: the affected service.
    #[serde(default)]
    pub service: Option<String>,
    /// Incidents only: where it came from.
    #[serde(default)]
    pub source: Option<String>,
    /// Incidents only: deduplication key.
    #[serde(default)]
    pub dedup_key: Option<String>,
    /// Who owns it: user ids of members of the board (at most 10).
    #[serde(default)]
    pub assignees: Vec<crate::ids::UserId>,
    /// Its labels: ids of labels of the board.
    #[serde(default)]
    pub labels: Vec<crate::ids::LabelId>,
    /// Forces a placement that a flow policy refuses; recorded with the card.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// What a client sends to change a card; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardPatch {
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New description (markdown).
    #[serde(default)]
    pub description: Option<String>,
    /// New type; changing to `incident` needs a severity.
    #[serde(default)]
    pub card_type: Option<CardType>,
    /// New severity (incidents only).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// New service (incidents only); empty clears it.
    #[serde(default)]
    pub service: Option<String>,
    /// Block (`true`, with a reason) or unblock (`false`).
    #[serde(default)]
    pub blocked: Option<bool>,
    /// Why it is blocked; required when blocking.
    #[serde(default)]
    pub blocked_reason: Option<String>,
    /// Exactly these owners (user ids of members of the board); an empty list unassigns
    /// everyone.
    #[serde(default)]
    pub assignees: Option<Vec<crate::ids::UserId>>,
    /// Exactly these labels (ids of labels of the board); an empty list takes them all off.
    #[serde(default)]
    pub labels: Option<Vec<crate::ids::LabelId>>,
    /// Forces an assignment that the per-person WIP limit refuses; recorded with the card.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// A request to move a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// Target column, on the card's board.
    pub column_id: ColumnId,
    /// Target lane; the card's current lane when absent.
    #[serde(default)]
    pub lane_id: Option<LaneId>,
    /// 0-based index in the target cell; the end when absent.
    #[serde(default)]
    pub position: Option<u32>,
    /// Forces a move that a flow policy refuses; recorded with the card.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// A card that passed validation, with its place decided.
#[derive(Clone, Debug, PartialEq)]
pub struct CardDraft {
    /// Trimmed title.
    pub title: String,
    /// Description (markdown).
    pub description: String,
    /// Type.
    pub card_type: CardType,
    /// Column to create it in.
    pub column_id: ColumnId,
    /// Lane to create it in.
    pub lane_id: LaneId,
    /// Incident severity.
    pub severity: Option<Severity>,
    /// Incident service.
    pub service: Option<String>,
    /// Incident source.
    pub source: Option<String>,
    /// Incident dedup key.
    pub dedup_key: Option<String>,
}

/// A card's fields after a patch, with the names of the fields that changed.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchedCard {
    /// The card as it will be stored.
    pub card: Card,
    /// Fields whose value changed (for the `edited` event).
    pub changed: Vec<&'static str>,
    /// The reason, when the patch blocks the card (or changes why it is blocked).
    pub blocked_now: Option<String>,
    /// Whether the patch unblocked the card.
    pub unblocked: bool,
}

pub(crate) fn check_title(raw: &str) -> Result<String, DomainError> {
    crate::text::check_no_nul("title", raw)?;
    let title = raw.trim();
    let chars = title.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid("title", "must not be empty"));
    }
    if chars > MAX_TITLE_CHARS {
        return Err(DomainError::invalid(
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters (got {chars})"),
        ));
    }
    Ok(title.to_owned())
}

pub(crate) fn check_description(raw: &str) -> Result<String, DomainError> {
    crate::text::check_no_nul("description", raw)?;
    let chars = raw.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(DomainError::invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters (got {chars})"),
        ));
    }
    Ok(raw.trim_end().to_owned())
}

/// Trims an optional short text; empty becomes `None`.
pub(crate) fn check_short(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<String>, DomainError> {
    if let Some(text) = raw {
        crate::text::check_no_nul(field, text)?;
    }
    let Some(value) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_SHORT_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {MAX_SHORT_CHARS} characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

fn incident_only(
    card_type: CardType,
    field: &'static str,
    present: bool,
) -> Result<(), DomainError> {
    if present && card_type != CardType::Incident {
        return Err(DomainError::invalid(
            field,
            "only incidents have this field",
        ));
    }
    Ok(())
}

impl NewCard {
    /// Checks the request against the board and decides the card's column and lane.
    pub fn validate(&self, board: &Board) -> Result<CardDraft, DomainError> {
        let title = check_title(&self.title)?;
        let description = check_description(self.description.as_deref().unwrap_or(""))?;
        let service = check_short("service", self.service.as_deref())?;
        let source = check_short("source", self.source.as_deref())?;
        let dedup_key = check_short("dedup_key", self.dedup_key.as_deref())?;
        let t = self.card_type;
        incident_only(t, "severity", self.severity.is_some())?;
        incident_only(t, "service", service.is_some())?;
        incident_only(t, "source", source.is_some())?;
        incident_only(t, "dedup_key", dedup_key.is_some())?;
        if t == CardType::Incident && self.severity.is_none() {
            return Err(DomainError::invalid(
                "severity",
                "incidents need a severity: sev1–sev4",
            ));
        }
        let column = match self.column_id {
            Some(id) => board_column(board, id)?,
            None => board
                .columns
                .first()
                .ok_or_else(|| DomainError::reference("column_id", "the board has no columns"))?,
        };
        let lane = match self.lane_id {
            Some(id) => board_lane(board, id)?,
            None => board
                .default_lane(t, self.severity)
                .ok_or_else(|| DomainError::reference("lane_id", "the board has no lanes"))?,
        };
        Ok(CardDraft {
            title,
            description,
            card_type: t,
            column_id: column.id,
            lane_id: lane.id,
            severity: self.severity,
            service,
            source,
            dedup_key,
        })
    }
}

fn board_column(board: &Board, id: ColumnId) -> Result<&Column, DomainError> {
    board
        .column(id)
        .ok_or_else(|| DomainError::reference("column_id", "no such column on this card's board"))
}

fn board_lane(board: &Board, id: LaneId) -> Result<&Lane, DomainError> {
    board
        .lane(id)
        .ok_or_else(|| DomainError::reference("lane_id", "no such lane on this card's board"))
}

impl MoveRequest {
    /// Resolves the target column and lane of a move of `card` on `board`.
    pub fn target(&self, board: &Board, card: &Card) -> Result<(ColumnId, LaneId), DomainError> {
        let column = board_column(board, self.column_id)?;
        let lane = board_lane(board, self.lane_id.unwrap_or(card.lane_id))?;
        Ok((column.id, lane.id))
    }
}

impl CardPatch {
    /// Applies the patch to `card`, checking every field. `now` becomes `updated_at`.
    pub fn apply(&self, card: &Card, now: DateTime<Utc>) -> Result<PatchedCard, DomainError> {
        let mut next = card.clone();
        let mut changed = Vec::new();
        if let Some(raw) = &self.title {
            let title = check_title(raw)?;
            if title != next.title {
                next.title = title;
                changed.push("title");
            }
        }
        if let Some(raw) = &self.description {
            let description = check_description(raw)?;
            if description != next.description {
                next.description = description;
                changed.push("description");
            }
        }
        if let Some(t) = self.card_type
            && t != next.card_type
        {
            next.card_type = t;
            changed.push("card_type");
            if t != CardType::Incident {
                next.severity = None;
                next.service = None;
            }
        }
        if let Some(severity) = self.severity {
            incident_only(next.card_type, "severity", true)?;
            if Some(severity) != next.severity {
                next.severity = Some(severity);
                changed.push("severity");
            }
        }
        if let Some(raw) = &self.service {
            let service = check_short("service", Some(raw))?;
            incident_only(next.card_type, "service", service.is_some())?;
            if service != next.service {
                next.service = service;
                changed.push("service");
            }
        }
        if next.card_type == CardType::Incident && next.severity.is_none() {
            return Err(DomainError::invalid(
                "severity",
                "incidents need a severity: sev1–sev4",
            ));
        }
        let mut blocked_now = None;
        let mut unblocked = false;
        match self.blocked {
            Some(true) => {
                let reason = check_short("blocked_reason", self.blocked_reason.as_deref())?
                    .ok_or_else(|| {
                        DomainError::invalid("blocked_reason", "say what blocks the card")
                    })?;
                if !next.blocked || next.blocked_reason.as_deref() != Some(reason.as_str()) {
                    next.blocked = true;
                    next.blocked_reason = Some(reason.clone());
                    blocked_now = Some(reason);
                }
            }
            Some(false) if next.blocked => {
                next.blocked = false;
                next.blocked_reason = None;
                unblocked = true;
            }
            Some(false) => {}
            None if self.blocked_reason.is_some() => {
                return Err(DomainError::invalid(
                    "blocked",
                    "set blocked to true to give a blocked reason",
                ));
            }
            None => {}
        }
        if !changed.is_empty() || blocked_now.is_some() || unblocked {
            next.updated_at = now;
        }
        Ok(PatchedCard {
            card: next,
            changed,
            blocked_now,
            unblocked,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
