//! Labels: names a board's admins define (`database`, `customer`, `security`) and members put
//! on cards, any number each, to find work (`label:database`) and to narrow the metrics to it
//! ("what is our cycle time for database work").
//!
//! A label's colour comes from a fixed palette whose every colour has readable text on it in
//! both light and dark themes (the styles pair each with its text colour); the name is always
//! written on the label, so colour is never the only sign.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::LabelId;

/// The palette. Each colour is a tint the text on it contrasts with by at least 4.5:1, in
/// both themes (see `style/main.css`, `.label-*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LabelColour {
    /// Grey, the default.
    #[default]
    Grey,
    /// Red.
    Red,
    /// Orange.
    Orange,
    /// Yellow.
    Yellow,
    /// Green.
    Green,
    /// Teal.
    Teal,
    /// Blue.
    Blue,
    /// Purple.
    Purple,
    /// Pink.
    Pink,
}

impl LabelColour {
    /// Every colour, in the order forms offer them.
    pub const ALL: [LabelColour; 9] = [
        Self::Grey,
        Self::Red,
        Self::Orange,
        Self::Yellow,
        Self::Green,
        Self::Teal,
        Self::Blue,
        Self::Purple,
        Self::Pink,
    ];

    /// The spelling used on the wire, in storage and in class names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grey => "grey",
            Self::Red => "red",
            Self::Orange => "orange",
            Self::Yellow => "yellow",
            Self::Green => "green",
            Self::Teal => "teal",
            Self::Blue => "blue",
            Self::Purple => "purple",
            Self::Pink => "pink",
        }
    }

    /// Parses the spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A label of a board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Label {
    /// Its id.
    pub id: LabelId,
    /// Its name, 1–60 characters, unique on the board whatever the case.
    pub name: String,
    /// Its colour.
    pub colour: LabelColour,
}

/// What an admin sends to make or change a label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    /// Name, 1–60 characters, no NUL, unique on the board (whatever the case).
    pub name: String,
    /// Colour from the palette; grey when absent.
    #[serde(default)]
    pub colour: LabelColour,
}

impl LabelSpec {
    /// The label this spec makes (`id` new) or makes of label `id`, checked against the
    /// board's `labels`: the name trimmed, 1–60 characters, no other label of that name in
    /// any case (field `name`).
    pub fn validate(&self, id: LabelId, labels: &[Label]) -> Result<Label, DomainError> {
        let name = crate::board::clean_name("name", &self.name)?;
        let lower = name.to_lowercase();
        if labels
            .iter()
            .any(|l| l.id != id && l.name.to_lowercase() == lower)
        {
            return Err(DomainError::invalid(
                "name",
                format!("the board has a label called \"{name}\" already"),
            ));
        }
        Ok(Label {
            id,
            name,
            colour: self.colour,
        })
    }
}

/// The labels of `wanted` checked against the board's `labels`: each must be one of them
/// (field `labels`); repeats are dropped, and the result follows the board's order.
pub fn on_board(wanted: &[LabelId], labels: &[Label]) -> Result<Vec<LabelId>, DomainError> {
    if let Some(unknown) = wanted.iter().find(|w| labels.iter().all(|l| l.id != **w)) {
        return Err(DomainError::invalid(
            "labels",
            format!("label {unknown} is not a label of this board"),
        ));
    }
    Ok(labels
        .iter()
        .filter(|l| wanted.contains(&l.id))
        .map(|l| l.id)
        .collect())
}

/// A change of a card's labels, worked out against its board's labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelChange<'a> {
    /// The card's labels after it, in board order.
    pub labels: Vec<LabelId>,
    /// Labels put on.
    pub added: Vec<&'a Label>,
    /// Labels taken off.
    pub removed: Vec<&'a Label>,
}

impl LabelChange<'_> {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Takes a card from labels `current` to `wanted` (see [`on_board`]); a label of `current`
/// the board no longer has is simply dropped.
pub fn change<'a>(
    current: &[LabelId],
    wanted: &[LabelId],
    labels: &'a [Label],
) -> Result<LabelChange<'a>, DomainError> {
    let next = on_board(wanted, labels)?;
    Ok(LabelChange {
        added: labels
            .iter()
            .filter(|l| next.contains(&l.id) && !current.contains(&l.id))
            .collect(),
        removed: labels
            .iter()
            .filter(|l| current.contains(&l.id) && !next.contains(&l.id))
            .collect(),
        labels: next,
    })
}

/// The board's label that `asked` names, as a client may: its id, or its name in any case.
pub fn find<'a>(labels: &'a [Label], asked: &str) -> Option<&'a Label> {
    let asked = asked.trim();
    labels
        .iter()
        .find(|l| l.id.to_string() == asked)
        .or_else(|| named(labels, asked))
}

/// The board's label called `name`, whatever the case.
pub fn named<'a>(labels: &'a [Label], name: &str) -> Option<&'a Label> {
    let lower = name.trim().to_lowercase();
    labels.iter().find(|l| l.name.to_lowercase() == lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn label(name: &str) -> Label {
        Label {
            id: LabelId::new(),
            name: name.into(),
            colour: LabelColour::Blue,
        }
    }

    fn spec(name: &str) -> LabelSpec {
        LabelSpec {
            name: name.into(),
            colour: LabelColour::Teal,
        }
    }

    #[test]
    fn names_follow_the_column_rules_and_are_unique_whatever_the_case() {
        let board = [label("Database"), label("customer")];
        let made = spec("  security ")
            .validate(LabelId::new(), &board)
            .unwrap();
        assert_eq!(
            (made.name.as_str(), made.colour),
            ("security", LabelColour::Teal)
        );
        for bad in ["", "   ", "a\0b", &"x".repeat(61), "database", "CUSTOMER"] {
            let error = spec(bad).validate(LabelId::new(), &board).unwrap_err();
            assert_eq!(error.field(), "name", "{bad:?}");
        }
        // Renaming a label to its own name in another case is not a clash with itself.
        assert!(spec("DATABASE").validate(board[0].id, &board).is_ok());
        assert!(
            spec(&"é".repeat(60))
                .validate(LabelId::new(), &board)
                .is_ok()
        );
    }

    #[test]
    fn a_card_takes_only_the_board_labels_once_each_in_board_order() {
        let board = [label("a"), label("b"), label("c")];
        let wanted = [board[2].id, board[0].id, board[2].id];
        assert_eq!(
            on_board(&wanted, &board).unwrap(),
            vec![board[0].id, board[2].id]
        );
        let error = on_board(&[LabelId::new()], &board).unwrap_err();
        assert_eq!(error.field(), "labels");
        assert_eq!(named(&board, " B ").map(|l| l.id), Some(board[1].id));
        let by_id = board[2].id.to_string();
        assert_eq!(find(&board, &by_id).map(|l| l.id), Some(board[2].id));
        assert_eq!(find(&board, "C").map(|l| l.id), Some(board[2].id));
        assert!(find(&board, &LabelId::new().to_string()).is_none());
        assert!(named(&board, "d").is_none());
    }

    #[test]
    fn a_change_says_what_goes_on_and_what_comes_off() {
        let board = [label("a"), label("b"), label("c")];
        let ids = |ls: &[&Label]| ls.iter().map(|l| l.id).collect::<Vec<_>>();
        let change = change(
            &[board[0].id, board[1].id],
            &[board[1].id, board[2].id],
            &board,
        )
        .unwrap();
        assert_eq!(change.labels, vec![board[1].id, board[2].id]);
        assert_eq!(ids(&change.added), vec![board[2].id]);
        assert_eq!(ids(&change.removed), vec![board[0].id]);
        assert!(
            super::change(&[board[0].id], &[board[0].id], &board)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn colours_round_trip() {
        for colour in LabelColour::ALL {
            assert_eq!(LabelColour::parse(colour.as_str()), Some(colour));
            let json = serde_json::to_string(&colour).unwrap();
            assert_eq!(json, format!("\"{}\"", colour.as_str()));
        }
        assert_eq!(LabelColour::parse("gray"), None);
    }

    proptest! {
        /// Whatever is asked, a card's labels are board labels, each once, in board order.
        #[test]
        fn on_board_keeps_board_labels_in_order(picks in prop::collection::vec(0usize..4, 0..10)) {
            let board = [label("a"), label("b"), label("c"), label("d")];
            let wanted: Vec<LabelId> = picks.iter().map(|&i| board[i].id).collect();
            let kept = on_board(&wanted, &board).unwrap();
            let expected: Vec<LabelId> =
                board.iter().map(|l| l.id).filter(|id| wanted.contains(id)).collect();
            prop_assert_eq!(kept, expected);
        }
    }
}
