use super::*;

#[test]
fn slugify_keeps_letters_digits_and_single_dashes() {
    assert_eq!(slugify("Platform Team #2"), "platform-team-2");
    assert_eq!(slugify("  Ops!! "), "ops");
    assert_eq!(slugify("Ünïcode board"), "n-code-board");
    assert_eq!(slugify("???"), "");
}

#[test]
fn new_board_derives_slug_and_defaults() {
    let draft = NewBoard {
        name: " Platform ".into(),
        ..Default::default()
    }
    .validate(Uuid::now_v7)
    .expect("valid");
    assert_eq!(draft.name, "Platform");
    assert_eq!(draft.slug, "platform");
    assert_eq!(draft.columns.len(), 5);
    assert_eq!(draft.lanes[0].kind, LaneKind::Expedite);
}

#[test]
fn new_board_rejects_bad_names_and_slugs() {
    let empty = NewBoard {
        name: "   ".into(),
        ..Default::default()
    };
    assert_eq!(empty.validate(Uuid::now_v7).unwrap_err().field(), "name");
    let long = NewBoard {
        name: "x".repeat(61),
        ..Default::default()
    };
    assert_eq!(long.validate(Uuid::now_v7).unwrap_err().field(), "name");
    let bad_slug = NewBoard {
        name: "ok".into(),
        slug: Some("Not OK".into()),
        ..Default::default()
    };
    assert_eq!(bad_slug.validate(Uuid::now_v7).unwrap_err().field(), "slug");
    let no_letters = NewBoard {
        name: "!!!".into(),
        ..Default::default()
    };
    assert_eq!(
        no_letters.validate(Uuid::now_v7).unwrap_err().field(),
        "slug"
    );
}

fn spec(id: Option<ColumnId>, name: &str) -> ColumnSpec {
    ColumnSpec {
        id,
        name: name.into(),
        kind: ColumnKind::Queue,
        wip_limit: None,
        position: None,
    }
}

#[test]
fn plan_columns_adds_renames_and_reorders() {
    let current = default_columns(Uuid::now_v7);
    let specs = vec![
        spec(Some(current[1].id), "Next"),
        spec(Some(current[0].id), "Backlog"),
        spec(None, "Triage"),
        spec(Some(current[2].id), "Doing"),
        spec(Some(current[3].id), "Review"),
        spec(Some(current[4].id), "Done"),
    ];
    let planned = plan_columns(&current, &[], &specs, Uuid::now_v7).expect("valid");
    assert_eq!(planned.len(), 6);
    assert_eq!(planned[0].id, current[1].id);
    assert_eq!(planned[0].name, "Next");
    assert_eq!(planned[0].position, 0);
    assert!(current.iter().all(|c| c.id != planned[2].id));
}

#[test]
fn plan_columns_refuses_duplicates_bad_limits_and_unknown_ids() {
    let current = default_columns(Uuid::now_v7);
    let dup = vec![spec(None, "A"), spec(None, "a")];
    assert!(plan_columns(&current, &[], &dup, Uuid::now_v7).is_err());
    let mut bad = spec(None, "A");
    bad.wip_limit = Some(0);
    assert_eq!(
        plan_columns(&current, &[], &[bad], Uuid::now_v7)
            .unwrap_err()
            .field(),
        "columns.wip_limit"
    );
    let unknown = vec![spec(Some(ColumnId::new()), "A")];
    assert_eq!(
        plan_columns(&current, &[], &unknown, Uuid::now_v7)
            .unwrap_err()
            .field(),
        "columns.id"
    );
    assert!(plan_columns(&current, &[], &[], Uuid::now_v7).is_err());
}

#[test]
fn finished_cards_are_those_in_done_columns_newest_first() {
    let draft = NewBoard {
        name: "Finished".into(),
        ..Default::default()
    }
    .validate(Uuid::now_v7)
    .expect("valid");
    let mut board = draft.into_board(BoardId::new(), Utc::now());
    let done = board.columns.last().expect("a done column").id;
    let backlog = board.columns[0].id;
    let (expedite, standard) = (board.lanes[0].id, board.lanes[1].id);
    let start = Utc::now();
    let card = |number: i64, column, lane, minutes: i64| Card {
        number,
        ..Card::sample(
            (board.id, column, lane),
            start + chrono::Duration::minutes(minutes),
        )
    };
    board.cards = vec![
        card(1, done, standard, 10),
        card(2, done, expedite, 30),
        card(3, backlog, standard, 40),
        card(4, done, standard, 20),
        // Finished in the same instant as #4: the higher number first.
        card(5, done, standard, 20),
    ];
    let numbers = |cards: Vec<&Card>| cards.iter().map(|c| c.number).collect::<Vec<_>>();
    assert_eq!(numbers(board.finished_cards(None)), [2, 5, 4, 1]);
    assert_eq!(numbers(board.finished_cards(Some(standard))), [5, 4, 1]);
    assert_eq!(numbers(board.finished_cards(Some(expedite))), [2]);
}
