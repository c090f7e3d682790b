//! Importing past work: cards with the column transitions they went through. Imported history
//! is stored as ordinary events, so metrics cannot tell it from live history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::board::Board;
use crate::card::{CardType, Severity, check_description, check_short, check_title};
use crate::clock::check_not_future;
use crate::error::DomainError;
use crate::ids::{ColumnId, LaneId};

/// Most cards one import may carry; bigger histories are split into several requests.
pub const MAX_IMPORT_CARDS: usize = 50_000;

/// The import document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HistoryImport {
    /// Cards to make.
    pub cards: Vec<ImportCard>,
}

/// One card of an import.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportCard {
    /// 1–200 characters.
    pub title: String,
    /// `feature`, `incident` or `tech_debt`.
    #[serde(rename = "type")]
    pub card_type: CardType,
    /// When the card was made.
    pub created_at: DateTime<Utc>,
    /// Incidents: `sev1`–`sev4` (sev3 when absent).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Markdown description.
    #[serde(default)]
    pub description: Option<String>,
    /// Incidents: the affected service.
    #[serde(default)]
    pub service: Option<String>,
    /// Columns the card entered, in time order; the card ends in the last one.
    pub transitions: Vec<ImportTransition>,
}

/// One entry into a column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportTransition {
    /// Column name, as on the board.
    pub column: String,
    /// When the card entered it.
    pub at: DateTime<Utc>,
}

/// A checked card, with columns resolved to ids.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedCard {
    /// Trimmed title.
    pub title: String,
    /// Type.
    pub card_type: CardType,
    /// Severity (incidents only).
    pub severity: Option<Severity>,
    /// Description (markdown).
    pub description: String,
    /// Service (incidents only).
    pub service: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Lane it lives in.
    pub lane_id: LaneId,
    /// Column entries in order; the first is where the card was created.
    pub steps: Vec<(ColumnId, DateTime<Utc>)>,
}

/// An import error names the card by its index in the document.
fn card_error(index: usize, message: impl std::fmt::Display) -> DomainError {
    DomainError::invalid("cards", format!("card {index}: {message}"))
}

impl HistoryImport {
    /// Checks every card against the board. One bad card refuses the whole import. History is
    /// the past: a time more than [`MAX_CLOCK_SKEW`](crate::clock::MAX_CLOCK_SKEW) after `now`
    /// is refused, as for deployments, or its card would count in days still to come.
    pub fn plan(&self, board: &Board, now: DateTime<Utc>) -> Result<Vec<PlannedCard>, DomainError> {
        if self.cards.len() > MAX_IMPORT_CARDS {
            return Err(DomainError::invalid(
                "cards",
                format!("at most {MAX_IMPORT_CARDS} cards per import"),
            ));
        }
        let first_column = board
            .columns
            .first()
            .ok_or_else(|| DomainError::reference("cards", "the board has no columns"))?;
        self.cards
            .iter()
            .enumerate()
            .map(|(index, card)| {
                let title = check_title(&card.title).map_err(|e| card_error(index, e))?;
                let severity = match (card.card_type, card.severity) {
                    (CardType::Incident, s) => Some(s.unwrap_or(Severity::Sev3)),
                    (_, None) => None,
                    (_, Some(_)) => {
                        return Err(card_error(index, "only incidents have a severity"));
                    }
                };
                if card.service.is_some() && card.card_type != CardType::Incident {
                    return Err(card_error(index, "only incidents have a service"));
                }
                // The same limits as cards made through the API: an import must not store
                // what `POST /cards` would refuse (nor what PostgreSQL cannot hold).
                let description = check_description(card.description.as_deref().unwrap_or(""))
                    .map_err(|e| card_error(index, e))?;
                let service = check_short("service", card.service.as_deref())
                    .map_err(|e| card_error(index, e))?;
                let lane = board
                    .default_lane(card.card_type, severity)
                    .ok_or_else(|| card_error(index, "the board has no lanes"))?;
                let entry = format!("card {index}: ");
                check_not_future("cards.created_at", &entry, card.created_at, now)?;
                let mut steps = Vec::with_capacity(card.transitions.len() + 1);
                let mut last = card.created_at;
                for (t, transition) in card.transitions.iter().enumerate() {
                    let entry = format!("card {index}: transition {t}: ");
                    check_not_future("cards.transitions.at", &entry, transition.at, now)?;
                    let column = board
                        .columns
                        .iter()
                        .find(|c| c.name == transition.column)
                        .ok_or_else(|| {
                            card_error(
                                index,
                                format!(
                                    "transition {t}: no column named \"{}\"",
                                    transition.column
                                ),
                            )
                        })?;
                    if transition.at < last {
                        return Err(card_error(
                            index,
                            format!("transition {t}: time goes backwards ({})", transition.at),
                        ));
                    }
                    last = transition.at;
                    steps.push((column.id, transition.at));
                }
                // A card whose first transition is later than its creation sat in the first
                // column until then.
                match steps.first() {
                    Some((_, at)) if *at == card.created_at => {}
                    _ => steps.insert(0, (first_column.id, card.created_at)),
                }
                Ok(PlannedCard {
                    title,
                    card_type: card.card_type,
                    severity,
                    description,
                    service,
                    created_at: card.created_at,
                    lane_id: lane.id,
                    steps,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::NewBoard;
    use crate::ids::BoardId;

    fn board() -> Board {
        let d = NewBoard {
            name: "T".into(),
            ..Default::default()
        }
        .validate(uuid::Uuid::now_v7)
        .expect("ok");
        Board {
            id: BoardId::new(),
            slug: d.slug,
            name: d.name,
            description: String::new(),
            created_at: Utc::now(),
            columns: d.columns,
            lanes: d.lanes,
            policy: Default::default(),
            incidents: Default::default(),
            labels: Vec::new(),
            cards: vec![],
        }
    }

    fn doc(json: &str) -> HistoryImport {
        serde_json::from_str(json).expect("valid json")
    }

    /// The documents below are of January 2026; the import happens a month later.
    fn now() -> DateTime<Utc> {
        "2026-02-01T00:00:00Z".parse().expect("a time")
    }

    #[test]
    fn times_after_now_are_refused_beyond_the_clock_skew() {
        let b = board();
        let card = |created: &str, at: &str| {
            doc(&format!(
                r#"{{"cards":[{{"title":"A","type":"feature","created_at":"{created}",
                "transitions":[{{"column":"Done","at":"{at}"}}]}}]}}"#
            ))
        };
        // Five minutes ahead is drift, as for deployments.
        let drift = card("2026-01-31T00:00:00Z", "2026-02-01T00:05:00Z");
        assert!(drift.plan(&b, now()).is_ok());
        let err = card("2026-01-31T00:00:00Z", "2026-02-01T00:05:01Z")
            .plan(&b, now())
            .unwrap_err();
        assert_eq!(err.field(), "cards.transitions.at");
        assert!(err.to_string().contains("card 0: transition 0:"), "{err}");
        let err = card("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
            .plan(&b, now())
            .unwrap_err();
        assert_eq!(err.field(), "cards.created_at");
    }

    #[test]
    fn unknown_fields_are_refused_at_every_level() {
        for json in [
            r#"{"cards":[],"source":"jira"}"#,
            r#"{"cards":[{"title":"A","type":"feature","created_at":"2026-01-01T00:00:00Z",
               "transitions":[],"lane":"expedite"}]}"#,
            r#"{"cards":[{"title":"A","type":"feature","created_at":"2026-01-01T00:00:00Z",
               "transitions":[{"column":"Done","at":"2026-01-02T00:00:00Z","by":"me"}]}]}"#,
        ] {
            let err = serde_json::from_str::<HistoryImport>(json).unwrap_err();
            assert!(err.to_string().contains("unknown field"), "{err}");
        }
    }

    #[test]
    fn plans_resolve_columns_and_start_in_first_column() {
        let b = board();
        let plan = doc(
            r#"{"cards":[{"title":"A","type":"feature","created_at":"2026-01-01T00:00:00Z",
            "transitions":[{"column":"In Progress","at":"2026-01-02T00:00:00Z"},
                           {"column":"Done","at":"2026-01-03T00:00:00Z"}]}]}"#,
        )
        .plan(&b, now())
        .expect("valid");
        assert_eq!(plan[0].steps.len(), 3);
        assert_eq!(plan[0].steps[0].0, b.columns[0].id);
        assert_eq!(plan[0].steps[2].0, b.columns[4].id);
    }

    #[test]
    fn backwards_time_and_unknown_columns_name_the_card() {
        let b = board();
        let err = doc(r#"{"cards":[
            {"title":"ok","type":"feature","created_at":"2026-01-01T00:00:00Z","transitions":[]},
            {"title":"bad","type":"feature","created_at":"2026-01-05T00:00:00Z",
             "transitions":[{"column":"Done","at":"2026-01-04T00:00:00Z"}]}]}"#)
        .plan(&b, now())
        .unwrap_err();
        assert!(err.to_string().contains("card 1"), "{err}");
        let err = doc(
            r#"{"cards":[{"title":"x","type":"feature","created_at":"2026-01-01T00:00:00Z",
            "transitions":[{"column":"Nope","at":"2026-01-04T00:00:00Z"}]}]}"#,
        )
        .plan(&b, now())
        .unwrap_err();
        assert!(err.to_string().contains("Nope"), "{err}");
    }

    #[test]
    fn imports_keep_the_limits_of_the_card_api() {
        let b = board();
        let card = |extra: &str| {
            format!(
                r#"{{"cards":[{{"title":"ok","type":"incident","created_at":"2026-01-01T00:00:00Z","transitions":[]}},
                   {{"title":"x","type":"incident","created_at":"2026-01-01T00:00:00Z","transitions":[]{extra}}}]}}"#
            )
        };
        let long = "é".repeat(crate::card::MAX_DESCRIPTION_CHARS + 1);
        let err = doc(&card(&format!(r#","description":"{long}""#)))
            .plan(&b, now())
            .unwrap_err();
        assert!(err.to_string().contains("card 1: description"), "{err}");
        let err = doc(&card(&format!(r#","service":"{}""#, "s".repeat(201))))
            .plan(&b, now())
            .unwrap_err();
        assert!(err.to_string().contains("card 1: service"), "{err}");
        let err = doc(&card(r#","description":"nul \u0000""#))
            .plan(&b, now())
            .unwrap_err();
        assert!(err.to_string().contains("NUL"), "{err}");
        // Other control characters, markup and right-to-left overrides are stored as sent.
        let plan = doc(&card(
            r#","description":"<img src=x onerror=alert(1)> \u001b[31m \u202e""#,
        ))
        .plan(&b, now())
        .expect("valid");
        assert_eq!(
            plan[1].description,
            "<img src=x onerror=alert(1)> \u{1b}[31m \u{202e}"
        );
    }
}
