//! Flowboard's domain: the rules that make a card wall a Kanban system.
//!
//! # Layout
//! - [`ids`]: typed identifiers, so a column id can never be passed where a lane id belongs.
//! - [`access`]: roles, API token scopes, and the one `authorize` decision; account rules.
//! - [`board`]: boards, columns, lanes and their settings.
//! - [`card`]: cards, their types, incident details, and validation of what users send.
//! - [`comment`]: comments on cards, `@mentions` in them.
//! - [`discard`]: cards discarded (left the board unfinished) and restored.
//! - [`inbox`]: what someone is told about: assignments, mentions, comments, blocks, incidents.
//! - [`clock`]: how far ahead of the server's clock a reported time may lie.
//! - [`delivery`]: deployments from CI/CD, the DORA four keys with bands and trend, the value
//!   stream from first column to production.
//! - [`event`]: the append-only card event log, the source of truth for flow metrics.
//! - [`history`]: a card's column visits, derived from its events.
//! - [`label`]: labels a board defines and cards carry.
//! - [`incident`]: incident reports, Alertmanager and Grafana payloads, severity mapping.
//! - [`metrics`]: flow metrics of a board over a window of days (cycle time, CFD, throughput…).
//! - [`forecast`]: Monte Carlo "how many by" and "when" forecasts from daily throughput.
//! - [`people`]: who owns a card, who may, and how a change of owners is worked out.
//! - [`policy`]: WIP limits, committed capacity, the Expedite lane, the tech-debt allocation.
//! - [`retro`]: retrospectives per period: notes, action items that become tech-debt cards.
//! - [`position`]: ordering of cards inside a cell without renumbering neighbours.
//! - [`window`]: the days a report covers, shared by metrics, delivery and retrospectives.
//! - [`text`]: rules every text field shares.
//! - [`error`]: [`DomainError`], the one error type of this layer.
//!
//! Nothing here reads the clock or touches I/O: the current time is always an argument (`now`),
//! so every rule is deterministic and testable on its own.

pub mod access;
pub mod board;
pub mod card;
pub mod clock;
pub mod comment;
pub mod delivery;
pub mod discard;
pub mod error;
pub mod event;
pub mod forecast;
pub mod history;
pub mod ids;
pub mod import;
pub mod inbox;
pub mod incident;
pub mod label;
pub mod metrics;
pub mod people;
pub mod policy;
pub mod position;
pub mod retro;
pub mod search;
pub mod text;
pub mod window;

pub use board::{Board, BoardSummary, Column, ColumnKind, Lane, LaneKind, NewBoard};
pub use card::{Card, CardPatch, CardType, MoveRequest, NewCard, Severity};
pub use error::DomainError;
pub use event::{Actor, ActorKind, BoardEvent, BoardEventKind, CardEvent, EventKind};
pub use history::{ColumnVisit, column_visits};
pub use ids::{
    ActionItemId, BoardId, CardId, ColumnId, CommentId, LabelId, LaneId, NotificationId, TokenId,
    UserId,
};
