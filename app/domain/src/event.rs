//! The card event log. Every change to a card appends an event; nothing is overwritten, so
//! flow metrics can be computed for any past window.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::delivery::DeploymentStatus;
use crate::ids::{BoardId, CardId, ColumnId, DeploymentId, LaneId};

/// Who made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActorKind {
    /// A person in the browser.
    User,
    /// An API client with a token.
    Token,
    /// A monitoring integration.
    Integration,
    /// Flowboard itself (demo data, imports).
    System,
}

impl ActorKind {
    /// The spelling used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::Integration => "integration",
            Self::System => "system",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "token" => Some(Self::Token),
            "integration" => Some(Self::Integration),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// The actor recorded on an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// What kind of actor.
    pub kind: ActorKind,
    /// Its name as people read it (user name, token name, integration name).
    pub name: String,
    /// The person's account, when a person acts: so that nobody is told of their own doing.
    /// Not stored in the log (the name is).
    #[serde(skip)]
    pub user_id: Option<crate::ids::UserId>,
}

impl Actor {
    /// A person.
    pub fn user(name: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::User,
            name: name.into(),
            user_id: None,
        }
    }

    /// Flowboard itself.
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::System,
            name: name.into(),
            user_id: None,
        }
    }

    /// A monitoring integration (Alertmanager, Grafana).
    pub fn integration(name: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Integration,
            name: name.into(),
            user_id: None,
        }
    }

    /// An API client.
    pub fn token(name: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Token,
            name: name.into(),
            user_id: None,
        }
    }
}

/// What happened to a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// The card was made in this column and lane.
    Created {
        /// Column it was made in.
        column_id: ColumnId,
        /// Lane it was made in.
        lane_id: LaneId,
    },
    /// The card moved between cells (possibly only its position within one).
    Moved {
        /// Column it left.
        from_column_id: ColumnId,
        /// Lane it left.
        from_lane_id: LaneId,
        /// Column it entered.
        to_column_id: ColumnId,
        /// Lane it entered.
        to_lane_id: LaneId,
    },
    /// Fields of the card changed.
    Edited {
        /// Names of the changed fields.
        fields: Vec<String>,
    },
    /// Something outside the team now stops the work.
    Blocked {
        /// Why.
        reason: String,
    },
    /// The block was lifted.
    Unblocked,
    /// A flow policy refused a placement and someone forced it, saying why.
    PolicyOverridden {
        /// The broken rule.
        rule: crate::policy::Rule,
        /// The column concerned.
        column_id: ColumnId,
        /// The limit that applied.
        limit: u32,
        /// The count before the placement.
        current: u32,
        /// Why it was forced.
        reason: String,
        /// The per-person WIP limit only: whose limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<crate::ids::UserId>,
    },
    /// Someone became an owner of the card.
    Assigned {
        /// The new owner.
        user_id: crate::ids::UserId,
        /// Their name then, so the history reads the same after they leave the board.
        name: String,
    },
    /// Someone stopped being an owner of the card (also when they left the board).
    Unassigned {
        /// The former owner.
        user_id: crate::ids::UserId,
        /// Their name then.
        name: String,
    },
    /// Monitoring reported the incident again while its card was open.
    IncidentRecurred {
        /// Reports so far, this one included.
        occurrences: u32,
    },
    /// Monitoring says the alert behind the incident has resolved.
    AlertResolved,
    /// CI/CD reported a deployment that delivers this card. The deployment's own record
    /// holds its commits; the event repeats what a reader of the card's history wants to see
    /// without looking it up.
    Deployed {
        /// The deployment.
        deployment_id: DeploymentId,
        /// The deployed service.
        service: String,
        /// Where it went.
        environment: String,
        /// The version that went out.
        version: String,
        /// Whether it went out.
        status: DeploymentStatus,
    },
    /// The card left the board unfinished. It stays in the cell it left (`column_id`,
    /// `lane_id`) for a restore, but off the board and out of the flow metrics.
    Discarded {
        /// Why (`duplicate`, `won't do`, `obsolete` or the team's words).
        reason: String,
        /// The column it left.
        column_id: ColumnId,
        /// The lane it left.
        lane_id: LaneId,
    },
    /// A label was put on the card.
    Labelled {
        /// The label.
        label_id: crate::ids::LabelId,
        /// Its name then, so the history reads the same after it is renamed or removed.
        name: String,
    },
    /// A label was taken off the card (also when the board removed the label).
    Unlabelled {
        /// The label.
        label_id: crate::ids::LabelId,
        /// Its name then.
        name: String,
    },
    /// A discarded card came back to the cell it left.
    Restored {
        /// The column it came back to.
        column_id: ColumnId,
        /// The lane it came back to.
        lane_id: LaneId,
    },
}

impl EventKind {
    /// Stable name stored beside the payload, so storage can filter by kind.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Moved { .. } => "moved",
            Self::Edited { .. } => "edited",
            Self::Blocked { .. } => "blocked",
            Self::Unblocked => "unblocked",
            Self::PolicyOverridden { .. } => "policy_overridden",
            Self::Assigned { .. } => "assigned",
            Self::Unassigned { .. } => "unassigned",
            Self::IncidentRecurred { .. } => "incident_recurred",
            Self::AlertResolved => "alert_resolved",
            Self::Deployed { .. } => "deployed",
            Self::Discarded { .. } => "discarded",
            Self::Labelled { .. } => "labelled",
            Self::Unlabelled { .. } => "unlabelled",
            Self::Restored { .. } => "restored",
        }
    }

    /// The column the card is in after this event, when the event places it.
    pub fn column_after(&self) -> Option<ColumnId> {
        match self {
            Self::Created { column_id, .. } => Some(*column_id),
            Self::Moved { to_column_id, .. } => Some(*to_column_id),
            _ => None,
        }
    }

    /// The lane the card is in after this event, when the event places it.
    pub fn lane_after(&self) -> Option<LaneId> {
        match self {
            Self::Created { lane_id, .. } => Some(*lane_id),
            Self::Moved { to_lane_id, .. } => Some(*to_lane_id),
            _ => None,
        }
    }
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardEvent {
    /// Increasing sequence number; orders events that share a timestamp.
    pub id: i64,
    /// The card.
    pub card_id: CardId,
    /// Its board.
    pub board_id: BoardId,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: Actor,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to a board as a whole, where no card's log can say it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BoardEventKind {
    /// A board admin deleted a card outright, its history with it. Only its number is kept:
    /// a deletion is for content that must not stay (personal data put on a card by mistake).
    CardDeleted {
        /// The deleted card's number on the board (never given to another card).
        number: i64,
    },
}

impl BoardEventKind {
    /// Stable name stored beside the payload.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CardDeleted { .. } => "card_deleted",
        }
    }
}

/// One entry of a board's own log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardEvent {
    /// Increasing sequence number.
    pub id: i64,
    /// The board.
    pub board_id: BoardId,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: Actor,
    /// What happened.
    pub kind: BoardEventKind,
}
