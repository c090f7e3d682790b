//! Boards, their columns and swimlanes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::card::{Card, CardType, Severity};
use crate::error::DomainError;
use crate::ids::{BoardId, ColumnId, LaneId};
use crate::policy::BoardPolicy;
use uuid::Uuid;

/// Longest board or column name we accept; longer names break the column header layout.
pub const MAX_NAME_CHARS: usize = 60;
/// Highest WIP limit we accept. A limit in the thousands is no limit, so we call it a mistake.
pub const MAX_WIP_LIMIT: u32 = 999;

/// What a column means for flow: metrics read commitment and completion from these kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ColumnKind {
    /// Work waits here (backlog, ready, waiting for review).
    Queue,
    /// Work is being done here; entering the first active column is commitment.
    Active,
    /// Work is finished.
    Done,
}

impl ColumnKind {
    /// The spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Active => "active",
            Self::Done => "done",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queue" => Some(Self::Queue),
            "active" => Some(Self::Active),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}

/// Kinds of swimlane: urgent work gets its own lane so it does not hide in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LaneKind {
    /// For urgent incidents (sev1, sev2); kept rare by its own limit.
    Expedite,
    /// Everything else.
    Standard,
}

impl LaneKind {
    /// The spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expedite => "expedite",
            Self::Standard => "standard",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "expedite" => Some(Self::Expedite),
            "standard" => Some(Self::Standard),
            _ => None,
        }
    }
}

/// A column of the board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Column {
    /// Its id.
    pub id: ColumnId,
    /// Shown in the header.
    pub name: String,
    /// Waiting, working or finished.
    pub kind: ColumnKind,
    /// Most cards allowed in the column's Standard lane; `None` means no limit.
    pub wip_limit: Option<u32>,
    /// Left-to-right order, starting at 0.
    pub position: i32,
}

/// A swimlane of the board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lane {
    /// Its id.
    pub id: LaneId,
    /// Shown at the start of the lane.
    pub name: String,
    /// Expedite or standard.
    pub kind: LaneKind,
    /// Top-to-bottom order, starting at 0.
    pub position: i32,
}

/// A board with everything on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    /// Its id.
    pub id: BoardId,
    /// URL name, unique, e.g. `platform-team`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What the board is for.
    pub description: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Columns, left to right.
    pub columns: Vec<Column>,
    /// Lanes, top to bottom.
    pub lanes: Vec<Lane>,
    /// WIP, Expedite and tech-debt policies.
    #[serde(default)]
    pub policy: BoardPolicy,
    /// How incidents from monitoring are treated.
    #[serde(default)]
    pub incidents: crate::incident::IncidentSettings,
    /// The labels its admins defined, by name.
    #[serde(default)]
    pub labels: Vec<crate::label::Label>,
    /// Every card on the board, ordered by column, lane and position.
    pub cards: Vec<Card>,
}

/// A board in the list of boards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardSummary {
    /// Its id.
    pub id: BoardId,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What the board is for.
    pub description: String,
    /// Cards not in a `done` column.
    pub open_cards: i64,
    /// All cards.
    pub total_cards: i64,
    /// Open cards the signed-in caller owns (absent for API tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to_me: Option<i64>,
}

/// What a client sends to make a board.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBoard {
    /// Display name, 1–60 characters.
    pub name: String,
    /// URL name; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// What the board is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// A column as the board settings send it: `id` is absent for a new column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// An existing column's id, or absent to add one.
    #[serde(default)]
    pub id: Option<ColumnId>,
    /// Name, 1–60 characters, unique on the board.
    pub name: String,
    /// Waiting, working or finished.
    pub kind: ColumnKind,
    /// Most Standard-lane cards allowed, 1–999, or absent for none.
    #[serde(default)]
    pub wip_limit: Option<u32>,
    /// Accepted and ignored, so that the columns of a board as `GET` answers them can be
    /// sent back changed: the order of the list decides where each column goes.
    #[serde(default, skip_serializing)]
    pub position: Option<i32>,
}

/// A validated board, ready to store, with its default columns and lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct BoardDraft {
    /// Display name.
    pub name: String,
    /// URL name.
    pub slug: String,
    /// What it is for.
    pub description: String,
    /// Default columns.
    pub columns: Vec<Column>,
    /// Default lanes.
    pub lanes: Vec<Lane>,
}

impl BoardDraft {
    /// The board this draft makes, with no cards and the default policies: what a store
    /// writes, and what tests and in-memory boards start from.
    pub fn into_board(self, id: BoardId, created_at: DateTime<Utc>) -> Board {
        Board {
            id,
            slug: self.slug,
            name: self.name,
            description: self.description,
            created_at,
            columns: self.columns,
            lanes: self.lanes,
            policy: BoardPolicy::default(),
            incidents: crate::incident::IncidentSettings::default(),
            labels: Vec::new(),
            cards: Vec::new(),
        }
    }
}

pub(crate) fn clean_name(field: &'static str, raw: &str) -> Result<String, DomainError> {
    crate::text::check_no_nul(field, raw)?;
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if chars > MAX_NAME_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters (got {chars})"),
        ));
    }
    Ok(name.to_owned())
}

/// Turns a name into a URL-safe slug: lowercase ASCII letters, digits and single dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 40
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// The columns a new board starts with: a typical software team's flow. `new_id` gives each
/// its id: the rules read no clock and draw no random numbers, so tests may pass fixed ids.
pub fn default_columns(mut new_id: impl FnMut() -> Uuid) -> Vec<Column> {
    let spec = [
        ("Backlog", ColumnKind::Queue, None),
        ("Ready", ColumnKind::Queue, Some(6)),
        ("In Progress", ColumnKind::Active, Some(4)),
        ("Review", ColumnKind::Active, Some(3)),
        ("Done", ColumnKind::Done, None),
    ];
    spec.iter()
        .zip(0..)
        .map(|(&(name, kind, wip_limit), position)| Column {
            id: ColumnId(new_id()),
            name: name.to_owned(),
            kind,
            wip_limit,
            position,
        })
        .collect()
}

/// The lanes a new board starts with: Expedite above Standard (ids from `new_id`).
pub fn default_lanes(mut new_id: impl FnMut() -> Uuid) -> Vec<Lane> {
    vec![
        Lane {
            id: LaneId(new_id()),
            name: "Expedite".into(),
            kind: LaneKind::Expedite,
            position: 0,
        },
        Lane {
            id: LaneId(new_id()),
            name: "Standard".into(),
            kind: LaneKind::Standard,
            position: 1,
        },
    ]
}

impl NewBoard {
    /// Checks the request and fills in the slug and default columns and lanes, their ids from
    /// `new_id`.
    pub fn validate(&self, mut new_id: impl FnMut() -> Uuid) -> Result<BoardDraft, DomainError> {
        let name = clean_name("name", &self.name)?;
        let slug = match self
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(slug) if valid_slug(slug) => slug.to_owned(),
            Some(_) => {
                return Err(DomainError::invalid(
                    "slug",
                    "use 1–40 lowercase letters, digits and dashes, e.g. platform-team",
                ));
            }
            None => {
                let slug = slugify(&name);
                if slug.is_empty() {
                    return Err(DomainError::invalid(
                        "slug",
                        "the name has no letters or digits to make a URL from; give a slug",
                    ));
                }
                slug
            }
        };
        let description = self.description.as_deref().unwrap_or("").trim().to_owned();
        if description.chars().count() > 2000 {
            return Err(DomainError::invalid(
                "description",
                "must be at most 2000 characters",
            ));
        }
        Ok(BoardDraft {
            name,
            slug,
            description,
            columns: default_columns(&mut new_id),
            lanes: default_lanes(&mut new_id),
        })
    }
}

/// The board's current column layout as specs, the form [`plan_columns`] takes: what a
/// settings change edits before the whole layout is planned again.
pub fn column_specs(board: &Board) -> Vec<ColumnSpec> {
    board
        .columns
        .iter()
        .map(|c| ColumnSpec {
            id: Some(c.id),
            name: c.name.clone(),
            kind: c.kind,
            wip_limit: c.wip_limit,
            position: None,
        })
        .collect()
}

/// Checks a board's new column layout against its current columns and the cards on it.
///
/// Returns the columns to store, in order, with ids from `new_id` for new ones. Columns left
/// out are deleted, which is only allowed when no card is in them: a settings change never
/// loses cards.
pub fn plan_columns(
    current: &[Column],
    cards: &[Card],
    specs: &[ColumnSpec],
    mut new_id: impl FnMut() -> Uuid,
) -> Result<Vec<Column>, DomainError> {
    if specs.is_empty() {
        return Err(DomainError::invalid(
            "columns",
            "a board needs at least one column",
        ));
    }
    let mut planned: Vec<Column> = Vec::with_capacity(specs.len());
    for (position, spec) in (0..).zip(specs) {
        let name = clean_name("columns.name", &spec.name)?;
        if planned.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return Err(DomainError::invalid(
                "columns.name",
                format!("two columns are named \"{name}\""),
            ));
        }
        if let Some(limit) = spec.wip_limit
            && !(1..=MAX_WIP_LIMIT).contains(&limit)
        {
            return Err(DomainError::invalid(
                "columns.wip_limit",
                format!("must be between 1 and {MAX_WIP_LIMIT}, or empty for no limit"),
            ));
        }
        let id = match spec.id {
            Some(id) if current.iter().any(|c| c.id == id) => {
                if planned.iter().any(|c| c.id == id) {
                    return Err(DomainError::invalid(
                        "columns.id",
                        "a column is listed twice",
                    ));
                }
                id
            }
            Some(_) => {
                return Err(DomainError::reference(
                    "columns.id",
                    "no such column on this board",
                ));
            }
            None => ColumnId(new_id()),
        };
        planned.push(Column {
            id,
            name,
            kind: spec.kind,
            wip_limit: spec.wip_limit,
            position,
        });
    }
    for gone in current
        .iter()
        .filter(|c| planned.iter().all(|p| p.id != c.id))
    {
        let holding = cards
            .iter()
            .filter(|card| card.column_id == gone.id)
            .count();
        if holding > 0 {
            return Err(DomainError::invalid(
                "columns",
                format!(
                    "column \"{}\" still holds {holding} card(s); move them before removing it",
                    gone.name
                ),
            ));
        }
    }
    Ok(planned)
}

impl Board {
    /// The column with this id, if it is on this board.
    pub fn column(&self, id: ColumnId) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// The label with this id, if it is on this board.
    pub fn label(&self, id: crate::ids::LabelId) -> Option<&crate::label::Label> {
        self.labels.iter().find(|l| l.id == id)
    }

    /// The lane with this id, if it is on this board.
    pub fn lane(&self, id: LaneId) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// The lane a new card lands in: urgent incidents (sev1, sev2) go to Expedite, the rest to
    /// the first Standard lane.
    pub fn default_lane(&self, card_type: CardType, severity: Option<Severity>) -> Option<&Lane> {
        let urgent = card_type == CardType::Incident && severity.is_some_and(Severity::is_urgent);
        let wanted = if urgent {
            LaneKind::Expedite
        } else {
            LaneKind::Standard
        };
        self.lanes
            .iter()
            .find(|l| l.kind == wanted)
            .or_else(|| self.lanes.iter().find(|l| l.kind == LaneKind::Standard))
            .or_else(|| self.lanes.first())
    }

    /// Whether a card at (`column`, `lane`) holds a slot of the committed capacity: an
    /// `active` column, in a Standard lane (a lane the board does not know counts as one, so a
    /// stray card is never left out of the limit). The placement check and the board page's
    /// allocation both count by this.
    pub fn is_committed(&self, column: ColumnId, lane: LaneId) -> bool {
        self.column(column)
            .is_some_and(|c| c.kind == ColumnKind::Active)
            && self.lane(lane).is_none_or(|l| l.kind == LaneKind::Standard)
    }

    /// Whether a card in `lane` counts toward its column's WIP limit: in a Standard lane (or a
    /// lane the board does not know, so a stray card is never left out), or in any lane when
    /// the policy has Expedite cards count too. The placement check and the column headers
    /// both count by this.
    pub fn counts_toward_wip(&self, lane: LaneId) -> bool {
        self.lane(lane).is_none_or(|l| l.kind == LaneKind::Standard)
            || self.policy.expedite_counts_toward_wip
    }

    /// The finished cards (those in `done` columns), in one lane or all, newest first: by
    /// when they entered their done column, then by number. What the "earlier cards" page
    /// lists, so the order it pages through does not change between two pages' reads unless
    /// a card is finished or reopened meanwhile.
    pub fn finished_cards(&self, lane: Option<LaneId>) -> Vec<&Card> {
        let done: Vec<ColumnId> = self
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Done)
            .map(|c| c.id)
            .collect();
        let mut cards: Vec<&Card> = self
            .cards
            .iter()
            .filter(|c| done.contains(&c.column_id) && lane.is_none_or(|l| c.lane_id == l))
            .collect();
        cards.sort_by(|a, b| {
            b.column_entered_at
                .cmp(&a.column_entered_at)
                .then(b.number.cmp(&a.number))
        });
        cards
    }

    /// Cards in a column that count toward its WIP limit (see [`Self::counts_toward_wip`]).
    pub fn wip_count(&self, column: ColumnId) -> usize {
        self.wip_count_among(column, self.cards.iter().map(|c| (c.column_id, c.lane_id)))
    }

    /// [`Self::wip_count`] of cards held elsewhere than `self.cards` (a page's slimmer copies
    /// of them), given as the (column, lane) each is in.
    pub fn wip_count_among(
        &self,
        column: ColumnId,
        placed: impl IntoIterator<Item = (ColumnId, LaneId)>,
    ) -> usize {
        placed
            .into_iter()
            .filter(|(c, l)| *c == column && self.counts_toward_wip(*l))
            .count()
    }
}

#[cfg(test)]
mod tests;

/// How requests name a board: by id or by slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoardRef {
    /// By id.
    Id(BoardId),
    /// By URL name.
    Slug(String),
}

impl BoardRef {
    /// A UUID is an id; anything else is a slug.
    pub fn parse(s: &str) -> Self {
        match s.parse::<BoardId>() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(s.to_owned()),
        }
    }
}

impl std::fmt::Display for BoardRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "board {id}"),
            Self::Slug(slug) => write!(f, "board \"{slug}\""),
        }
    }
}
