//! The query language of the board's filter bar, shared links and the API:
//!
//! ```text
//! type:incident severity:sev1,sev2 label:database assignee:me "timeout" -blocked:yes
//! ```
//!
//! Terms are separated by spaces and every one must hold; the values of one term, separated
//! by commas, are alternatives; a `-` before a term turns it around. A word or a "quoted
//! phrase" without a key is looked for (ignoring case) in a card's title, description and
//! service, and `#12` or `12` also finds card 12. The keys: `type:`, `severity:`, `label:`,
//! `assignee:` (`me`, `none`, or part of a name), `service:`, `lane:`, `blocked:yes|no`,
//! `age:>5d` (time in the card's column; `<`, `>`, units m h d w), `aging:yes` (in progress
//! for longer than the board's 85th percentile cycle time) and `is:blocked` / `is:aging`.
//!
//! Reading a query ([`Query::parse`]) needs nothing of a board; matching it
//! ([`Query::matcher`]) resolves names against one board (its lanes, labels and people) and
//! says which names it found nothing for, as those terms then match no card.

mod parse;

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};

use crate::board::Lane;
use crate::card::{Card, CardType, Severity};
use crate::ids::{CardId, LaneId, UserId};
use crate::people::Person;

pub use parse::{KEYS, MAX_QUERY_CHARS};

/// A query as read: every term must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// Its terms, in the order typed.
    pub terms: Vec<Term>,
}

/// One term, perhaps turned around.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// `-` before it: the cards it does not match.
    pub negated: bool,
    /// What it asks.
    pub filter: Filter,
}

/// What a term asks of a card. Text values are lower-case.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// In the title, description or service (or the card's number).
    Text(String),
    /// Of one of these types.
    Type(Vec<CardType>),
    /// Of one of these severities (incidents).
    Severity(Vec<Severity>),
    /// Carrying one of these labels, by name.
    Label(Vec<String>),
    /// Owned by one of these.
    Assignee(Vec<Who>),
    /// Of one of these services (incidents), by name.
    Service(Vec<String>),
    /// In one of these lanes, by name.
    Lane(Vec<String>),
    /// Blocked, or not.
    Blocked(bool),
    /// In its column for at least, or under, a time.
    Age(Age),
    /// In progress longer than the board's 85th percentile cycle time, or not.
    Aging(bool),
}

/// Whom `assignee:` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// The person asking.
    Me,
    /// Nobody: the card has no owner.
    Nobody,
    /// Anyone whose name holds this text.
    Named(String),
}

/// A bound on the time a card has been in its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Age {
    /// At least this long (`age:>5d`).
    AtLeast(TimeDelta),
    /// Less than this (`age:<5d`).
    Under(TimeDelta),
}

/// What a query reads of a card: the store reads only this for a search across a board
/// (`GET /api/v1/cards?q=`), which is what keeps a search of 10,000 cards within the board
/// page's budget (bench/HISTORY.md, session 28).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchCard {
    /// The card.
    pub id: CardId,
    /// Its number on the board.
    pub number: i64,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its type.
    pub card_type: CardType,
    /// Incidents: how bad.
    pub severity: Option<Severity>,
    /// Incidents: the service.
    pub service: Option<String>,
    /// Its lane.
    pub lane_id: LaneId,
    /// Whether it is blocked.
    pub blocked: bool,
    /// When it entered its column.
    pub column_entered_at: DateTime<Utc>,
    /// When it last changed (a search lists the most recent first).
    pub updated_at: DateTime<Utc>,
    /// Its owners.
    pub assignees: Vec<UserId>,
    /// Its labels.
    pub labels: Vec<crate::ids::LabelId>,
}

impl From<&Card> for SearchCard {
    fn from(card: &Card) -> Self {
        Self {
            id: card.id,
            number: card.number,
            title: card.title.clone(),
            description: card.description.clone(),
            card_type: card.card_type,
            severity: card.severity,
            service: card.service.clone(),
            lane_id: card.lane_id,
            blocked: card.blocked,
            column_entered_at: card.column_entered_at,
            updated_at: card.updated_at,
            assignees: card.assignees.clone(),
            labels: card.labels.clone(),
        }
    }
}

/// A query that cannot be read, naming the term at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", term.as_ref().map(|t| format!("`{t}`: ")).unwrap_or_default())]
pub struct QueryError {
    /// The term as typed; `None` when the query as a whole is at fault.
    pub term: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl QueryError {
    fn term(term: &str, message: impl Into<String>) -> Self {
        Self {
            term: Some(term.to_owned()),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> Self {
        Self {
            term: None,
            message: message.into(),
        }
    }
}

impl From<QueryError> for crate::DomainError {
    fn from(error: QueryError) -> Self {
        Self::invalid("q", error.to_string())
    }
}

/// What a query is matched against besides the card: the board's names and the asker.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// The person asking (`assignee:me`); `None` for a token, which then matches nothing.
    pub me: Option<UserId>,
    /// The board's members, whose names `assignee:` looks in.
    pub people: &'a [Person],
    /// The board's lanes.
    pub lanes: &'a [Lane],
    /// The board's labels.
    pub labels: &'a [crate::label::Label],
    /// Now, for ages.
    pub now: DateTime<Utc>,
    /// The cards in progress longer than the board's 85th percentile cycle time, when the
    /// query asks (`aging:`); see [`Query::asks_aging`].
    pub aging: Option<&'a HashSet<CardId>>,
}

/// A query resolved against one board, ready to match its cards.
#[derive(Clone, Debug)]
pub struct Matcher {
    terms: Vec<(bool, Resolved)>,
    /// Names the query gave that the board does not know, in words (those terms match no
    /// card).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug)]
enum Resolved {
    Text { text: String, number: Option<i64> },
    Type(Vec<CardType>),
    Severity(Vec<Severity>),
    Owners { ids: Vec<UserId>, nobody: bool },
    Services(Vec<String>),
    Lanes(Vec<LaneId>),
    Labels(Vec<crate::ids::LabelId>),
    Blocked(bool),
    Age(Age),
    Aging(bool),
}

impl Query {
    /// Whether the query matches every card (it has no terms).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether matching needs the board's aging cards ([`Scope::aging`]).
    pub fn asks_aging(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.filter, Filter::Aging(_)))
    }

    /// The query resolved against a board: names become ids, and names the board does not
    /// know are noted.
    pub fn matcher(&self, scope: &Scope<'_>) -> Matcher {
        let mut notes = Vec::new();
        let terms = self
            .terms
            .iter()
            .map(|term| (term.negated, resolve(&term.filter, scope, &mut notes)))
            .collect();
        Matcher { terms, notes }
    }
}

fn resolve(filter: &Filter, scope: &Scope<'_>, notes: &mut Vec<String>) -> Resolved {
    match filter {
        Filter::Text(text) => Resolved::Text {
            number: text.strip_prefix('#').unwrap_or(text).parse().ok(),
            text: text.clone(),
        },
        Filter::Type(types) => Resolved::Type(types.clone()),
        Filter::Severity(severities) => Resolved::Severity(severities.clone()),
        Filter::Label(names) => Resolved::Labels(
            names
                .iter()
                .filter_map(|name| {
                    let found = crate::label::named(scope.labels, name).map(|l| l.id);
                    if found.is_none() {
                        notes.push(format!("no label is called \"{name}\" here"));
                    }
                    found
                })
                .collect(),
        ),
        Filter::Assignee(whos) => {
            let mut ids = Vec::new();
            let mut nobody = false;
            for who in whos {
                match who {
                    Who::Me => match scope.me {
                        Some(me) => ids.push(me),
                        None => notes.push("assignee:me needs a signed-in person".into()),
                    },
                    Who::Nobody => nobody = true,
                    Who::Named(part) => {
                        let before = ids.len();
                        ids.extend(
                            scope
                                .people
                                .iter()
                                .filter(|p| p.name.to_lowercase().contains(part.as_str()))
                                .map(|p| p.id),
                        );
                        if ids.len() == before {
                            notes.push(format!("nobody here is called \"{part}\""));
                        }
                    }
                }
            }
            Resolved::Owners { ids, nobody }
        }
        Filter::Service(names) => Resolved::Services(names.clone()),
        Filter::Lane(names) => Resolved::Lanes(
            names
                .iter()
                .flat_map(|name| {
                    let found: Vec<_> = scope
                        .lanes
                        .iter()
                        .filter(|l| l.name.to_lowercase() == *name || l.kind.as_str() == name)
                        .map(|l| l.id)
                        .collect();
                    if found.is_empty() {
                        notes.push(format!("no lane is called \"{name}\" here"));
                    }
                    found
                })
                .collect(),
        ),
        Filter::Blocked(yes) => Resolved::Blocked(*yes),
        Filter::Age(age) => Resolved::Age(*age),
        Filter::Aging(yes) => Resolved::Aging(*yes),
    }
}

impl Matcher {
    /// Whether `card` satisfies every term, as of `scope` (the one the matcher was made
    /// with).
    pub fn matches(&self, card: &SearchCard, scope: &Scope<'_>) -> bool {
        // The card's text in lower case, made once and only for a query with text.
        let mut haystack: Option<String> = None;
        self.terms.iter().all(|(negated, term)| {
            let hit = match term {
                Resolved::Text { text, number } => {
                    *number == Some(card.number) || {
                        let hay = haystack.get_or_insert_with(|| text_of(card));
                        hay.contains(text.as_str())
                    }
                }
                Resolved::Type(types) => types.contains(&card.card_type),
                Resolved::Severity(severities) => {
                    card.severity.is_some_and(|s| severities.contains(&s))
                }
                Resolved::Owners { ids, nobody } => {
                    (*nobody && card.assignees.is_empty())
                        || card.assignees.iter().any(|a| ids.contains(a))
                }
                Resolved::Labels(ids) => card.labels.iter().any(|l| ids.contains(l)),
                Resolved::Services(names) => card
                    .service
                    .as_ref()
                    .is_some_and(|s| names.contains(&s.to_lowercase())),
                Resolved::Lanes(ids) => ids.contains(&card.lane_id),
                Resolved::Blocked(yes) => card.blocked == *yes,
                Resolved::Age(age) => {
                    let in_column = scope.now - card.column_entered_at;
                    match age {
                        Age::AtLeast(span) => in_column >= *span,
                        Age::Under(span) => in_column < *span,
                    }
                }
                Resolved::Aging(yes) => {
                    scope.aging.is_some_and(|aging| aging.contains(&card.id)) == *yes
                }
            };
            hit != *negated
        })
    }
}

/// Where free text is looked for, in lower case.
fn text_of(card: &SearchCard) -> String {
    let mut text = String::with_capacity(card.title.len() + card.description.len() + 16);
    text.push_str(&card.title);
    text.push('\n');
    text.push_str(&card.description);
    if let Some(service) = &card.service {
        text.push('\n');
        text.push_str(service);
    }
    text.to_lowercase()
}

#[cfg(test)]
mod tests;
