//! Retrospectives: one per board and period, holding the team's notes and the action items
//! they agreed on. An action item becomes a `tech_debt` card with one click, so improvement
//! work enters the same queue as everything else and counts toward the tech-debt allocation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::card::{CardType, MAX_TITLE_CHARS, NewCard};
use crate::error::DomainError;
use crate::ids::{ActionItemId, BoardId, CardId};
use crate::window::Window;

/// Notes are free text; this bounds what one retrospective stores.
pub const MAX_NOTES_CHARS: usize = 20_000;

/// The default period: the last 14 days, compared with the 14 before.
pub const DEFAULT_PERIOD_DAYS: u64 = 14;

/// A board's retrospective for one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Retrospective {
    /// The board.
    pub board_id: BoardId,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// The team's notes (plain text, shown as written).
    pub notes: String,
    /// Who last changed the notes, and when; `None` before anyone wrote any.
    pub updated: Option<(String, DateTime<Utc>)>,
    /// Action items, oldest first.
    pub actions: Vec<ActionItem>,
}

impl Retrospective {
    /// A retrospective nobody has written in yet.
    pub fn empty(board_id: BoardId, window: Window) -> Self {
        Self {
            board_id,
            from: window.from(),
            to: window.to(),
            notes: String::new(),
            updated: None,
            actions: Vec::new(),
        }
    }
}

/// Something the team decided to improve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Its id.
    pub id: ActionItemId,
    /// What to do; becomes the card's title.
    pub text: String,
    /// Who added it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The tech-debt card made from it, with its number, once there is one.
    pub card: Option<(CardId, i64)>,
}

impl ActionItem {
    /// The card an action item becomes: tech debt, titled by the item, pointing back at the
    /// retrospective it came from.
    pub fn to_card(&self, from: NaiveDate, to: NaiveDate) -> NewCard {
        NewCard {
            title: self.text.clone(),
            description: Some(format!(
                "Action item from the retrospective of {from} – {to}, added by {}.",
                self.created_by
            )),
            card_type: CardType::TechDebt,
            ..NewCard::default()
        }
    }
}

/// Trims and bounds a retrospective's notes.
pub fn check_notes(raw: &str) -> Result<String, DomainError> {
    let notes = raw.trim();
    let chars = notes.chars().count();
    if chars > MAX_NOTES_CHARS {
        return Err(DomainError::invalid(
            "notes",
            format!("must be at most {MAX_NOTES_CHARS} characters (got {chars})"),
        ));
    }
    Ok(notes.to_owned())
}

/// Trims and bounds an action item's text (it becomes a card title, so the same limit).
pub fn check_action(raw: &str) -> Result<String, DomainError> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid("text", "must not be empty"));
    }
    if chars > MAX_TITLE_CHARS {
        return Err(DomainError::invalid(
            "text",
            format!("must be at most {MAX_TITLE_CHARS} characters (got {chars})"),
        ));
    }
    Ok(text.to_owned())
}

/// The period a retrospective looks at and the one it is compared with: `from`–`to` when
/// given (either may be left out: a missing `to` is `today`, a missing `from` is 14 days
/// before `to`), and the same number of days just before it.
pub fn periods(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(Window, Window), DomainError> {
    let current = Window::or_last(from, to, today, DEFAULT_PERIOD_DAYS)?;
    Ok((current, current.previous()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn default_period_is_the_last_14_days_and_the_14_before() {
        let (current, previous) = periods(None, None, date("2026-12-01")).expect("periods");
        assert_eq!(
            (current.from(), current.to()),
            (date("2026-11-18"), date("2026-12-01"))
        );
        assert_eq!(current.days(), 14);
        assert_eq!(
            (previous.from(), previous.to()),
            (date("2026-11-04"), date("2026-11-17"))
        );
    }

    #[test]
    fn a_chosen_period_is_compared_with_one_as_long() {
        let (current, previous) = periods(
            Some(date("2026-03-01")),
            Some(date("2026-03-31")),
            date("2026-12-01"),
        )
        .expect("periods");
        assert_eq!(current.days(), 31);
        assert_eq!(
            (previous.from(), previous.to()),
            (date("2026-01-29"), date("2026-02-28"))
        );
        let only_to = periods(None, Some(date("2026-03-14")), date("2026-12-01")).expect("ok");
        assert_eq!(only_to.0.from(), date("2026-03-01"));
    }

    #[test]
    fn backwards_periods_are_refused_by_the_window() {
        let e = periods(
            Some(date("2026-03-10")),
            Some(date("2026-03-01")),
            date("2026-12-01"),
        )
        .expect_err("backwards");
        assert_eq!(e.field(), "to");
    }

    #[test]
    fn notes_and_actions_are_trimmed_and_bounded() {
        assert_eq!(check_notes("  went well \n").expect("ok"), "went well");
        assert_eq!(check_notes("").expect("empty notes are fine"), "");
        assert_eq!(
            check_notes(&"x".repeat(MAX_NOTES_CHARS + 1))
                .expect_err("long")
                .field(),
            "notes"
        );
        assert_eq!(
            check_action("  Add alert runbook ").expect("ok"),
            "Add alert runbook"
        );
        assert_eq!(check_action("   ").expect_err("blank").field(), "text");
        assert!(check_action(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert!(check_action(&"é".repeat(MAX_TITLE_CHARS + 1)).is_err());
    }

    #[test]
    fn an_action_becomes_a_tech_debt_card_pointing_back() {
        let item = ActionItem {
            id: ActionItemId::new(),
            text: "Split the deploy job".into(),
            created_by: "ann".into(),
            created_at: DateTime::UNIX_EPOCH,
            card: None,
        };
        let card = item.to_card(date("2026-11-18"), date("2026-12-01"));
        assert_eq!(card.card_type, CardType::TechDebt);
        assert_eq!(card.title, "Split the deploy job");
        let description = card.description.expect("a description");
        assert!(description.contains("2026-11-18 – 2026-12-01"));
        assert!(description.contains("ann"));
    }
}
