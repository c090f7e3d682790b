use super::*;
use crate::board::{NewBoard, plan_columns};
use crate::ids::BoardId;

pub(crate) fn board() -> Board {
    let draft = NewBoard {
        name: "Test".into(),
        ..Default::default()
    }
    .validate(uuid::Uuid::now_v7)
    .expect("ok");
    draft.into_board(BoardId::new(), Utc::now())
}

#[test]
fn text_is_stored_as_sent_except_nul() {
    let b = board();
    let hostile =
        "<script>alert(1)</script>'; DROP TABLE cards; --\u{1}\u{1b}\u{202e}\u{200b}e\u{301}";
    let new = |title: &str, description: &str| NewCard {
        assignees: Vec::new(),
        labels: Vec::new(),
        title: title.into(),
        description: Some(description.into()),
        card_type: CardType::Feature,
        column_id: None,
        lane_id: None,
        severity: None,
        service: None,
        source: None,
        dedup_key: None,
        override_reason: None,
    };
    let draft = new(hostile, hostile).validate(&b).expect("valid");
    assert_eq!(draft.title, hostile);
    assert_eq!(draft.description, hostile);
    for (title, description, field) in [("a\0", "", "title"), ("a", "b\0c", "description")] {
        let err = new(title, description).validate(&b).unwrap_err();
        assert_eq!(err.field(), field);
        assert!(err.to_string().contains("NUL"), "{err}");
    }
}

fn card_on(board: &Board) -> Card {
    let cell = (board.id, board.columns[0].id, board.lanes[1].id);
    Card {
        title: "Card".into(),
        ..Card::sample(cell, Utc::now())
    }
}

#[test]
fn titles_are_trimmed_and_bounded_in_characters() {
    assert_eq!(check_title("  Fix login  ").expect("ok"), "Fix login");
    assert!(check_title("").is_err());
    assert!(check_title("   \n ").is_err());
    assert!(
        check_title(&"é".repeat(200)).is_ok(),
        "200 two-byte characters fit"
    );
    assert!(check_title(&"é".repeat(201)).is_err());
}

#[test]
fn new_card_defaults_to_first_column_and_standard_lane() {
    let b = board();
    let draft = NewCard {
        title: "x".into(),
        card_type: CardType::Feature,
        ..Default::default()
    }
    .validate(&b)
    .expect("valid");
    assert_eq!(draft.column_id, b.columns[0].id);
    assert_eq!(draft.lane_id, b.lanes[1].id);
}

#[test]
fn urgent_incidents_default_to_expedite() {
    let b = board();
    let urgent = NewCard {
        title: "DB down".into(),
        card_type: CardType::Incident,
        severity: Some(Severity::Sev1),
        ..Default::default()
    };
    assert_eq!(urgent.validate(&b).expect("ok").lane_id, b.lanes[0].id);
    let minor = NewCard {
        severity: Some(Severity::Sev3),
        ..urgent
    };
    assert_eq!(minor.validate(&b).expect("ok").lane_id, b.lanes[1].id);
}

#[test]
fn incident_fields_are_checked() {
    let b = board();
    let no_sev = NewCard {
        title: "x".into(),
        card_type: CardType::Incident,
        ..Default::default()
    };
    assert_eq!(no_sev.validate(&b).unwrap_err().field(), "severity");
    let sev_on_feature = NewCard {
        title: "x".into(),
        card_type: CardType::Feature,
        severity: Some(Severity::Sev2),
        ..Default::default()
    };
    assert_eq!(sev_on_feature.validate(&b).unwrap_err().field(), "severity");
}

#[test]
fn foreign_columns_and_lanes_are_refused() {
    let b = board();
    let other = board();
    let wrong_col = NewCard {
        title: "x".into(),
        card_type: CardType::Feature,
        column_id: Some(other.columns[0].id),
        ..Default::default()
    };
    assert_eq!(wrong_col.validate(&b).unwrap_err().field(), "column_id");
    let card = card_on(&b);
    let mv = MoveRequest {
        column_id: other.columns[1].id,
        lane_id: None,
        position: None,
        override_reason: None,
    };
    assert_eq!(mv.target(&b, &card).unwrap_err().field(), "column_id");
    let mv = MoveRequest {
        column_id: b.columns[1].id,
        lane_id: Some(other.lanes[0].id),
        position: None,
        override_reason: None,
    };
    assert_eq!(mv.target(&b, &card).unwrap_err().field(), "lane_id");
}

#[test]
fn patch_reports_changes_and_blocking() {
    let b = board();
    let card = card_on(&b);
    let later = card.updated_at + chrono::Duration::seconds(5);
    let same = CardPatch {
        title: Some("Card".into()),
        ..Default::default()
    };
    let out = same.apply(&card, later).expect("ok");
    assert!(out.changed.is_empty());
    assert_eq!(
        out.card.updated_at, card.updated_at,
        "no change, no new timestamp"
    );

    let block = CardPatch {
        title: Some("New".into()),
        blocked: Some(true),
        blocked_reason: Some("vendor".into()),
        ..Default::default()
    };
    let out = block.apply(&card, later).expect("ok");
    assert_eq!(out.changed, vec!["title"]);
    assert_eq!(out.blocked_now.as_deref(), Some("vendor"));
    assert_eq!(out.card.updated_at, later);

    let no_reason = CardPatch {
        blocked: Some(true),
        ..Default::default()
    };
    assert_eq!(
        no_reason.apply(&card, later).unwrap_err().field(),
        "blocked_reason"
    );

    let unblock = CardPatch {
        blocked: Some(false),
        ..Default::default()
    };
    let out2 = unblock.apply(&out.card, later).expect("ok");
    assert!(out2.unblocked);
    assert!(!out2.card.blocked);
}

#[test]
fn changing_to_incident_needs_severity() {
    let b = board();
    let card = card_on(&b);
    let patch = CardPatch {
        card_type: Some(CardType::Incident),
        ..Default::default()
    };
    assert_eq!(
        patch.apply(&card, Utc::now()).unwrap_err().field(),
        "severity"
    );
    let patch = CardPatch {
        card_type: Some(CardType::Incident),
        severity: Some(Severity::Sev2),
        ..Default::default()
    };
    let out = patch.apply(&card, Utc::now()).expect("ok");
    assert_eq!(out.changed, vec!["card_type", "severity"]);
}

#[test]
fn removing_a_column_with_cards_is_refused() {
    let mut b = board();
    b.cards.push(card_on(&b));
    let specs: Vec<_> = b.columns[1..]
        .iter()
        .map(|c| crate::board::ColumnSpec {
            id: Some(c.id),
            name: c.name.clone(),
            kind: c.kind,
            wip_limit: c.wip_limit,
            position: None,
        })
        .collect();
    let err = plan_columns(&b.columns, &b.cards, &specs, uuid::Uuid::now_v7).unwrap_err();
    assert!(err.to_string().contains("Backlog"), "{err}");
}
