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
