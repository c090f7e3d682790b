//! Boards: made, listed, read; unique slugs; column layouts that never lose cards.

use super::*;

pub(crate) async fn create_list_and_read_boards(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Platform Team").await;
    assert_eq!(board.slug, "platform-team");
    assert_eq!(board.columns.len(), 5);
    assert_eq!(board.lanes.len(), 2);
    let by_slug = store
        .board(&BoardRef::Slug("platform-team".into()))
        .await
        .expect("by slug");
    assert_eq!(by_slug, board);
    let by_id = store.board(&BoardRef::Id(board.id)).await.expect("by id");
    assert_eq!(by_id.columns, board.columns);
    add_feature(store.as_ref(), &BoardRef::Id(board.id), "a card").await;
    let layout = store
        .board_layout(&BoardRef::Slug("platform-team".into()))
        .await
        .expect("layout");
    assert!(layout.cards.is_empty(), "{layout:?}");
    assert_eq!((layout.columns, layout.lanes), (board.columns, board.lanes));
    let list = store.list_boards().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].open_cards, list[0].total_cards), (1, 1));
    let missing = store.board(&BoardRef::Slug("nope".into())).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

pub(crate) async fn duplicate_slugs_conflict(store: Arc<dyn Store>) {
    make_board(store.as_ref(), "Ops").await;
    let again = store
        .create_board(
            &NewBoard {
                name: "OPS".into(),
                ..Default::default()
            },
            None,
            t0(),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.list_boards().await.expect("list").len(), 1);
}

pub(crate) async fn column_settings_never_lose_cards(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    add_feature(store.as_ref(), &r, "a").await;
    let mut specs = app::ssr::forms::specs_of(&board);
    specs.swap(1, 2);
    specs[0].name = "Inbox".into();
    specs.insert(
        4,
        ColumnSpec {
            id: None,
            name: "Deploy".into(),
            kind: ColumnKind::Active,
            wip_limit: Some(2),
            position: None,
        },
    );
    let updated = store.set_columns(&r, &specs).await.expect("layout");
    let names: Vec<_> = updated.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Inbox", "In Progress", "Ready", "Review", "Deploy", "Done"]
    );
    assert_eq!(updated.cards.len(), 1);
    // Removing the column that holds the card is refused; removing an empty one works.
    let without_inbox: Vec<_> = specs[1..].to_vec();
    let err = store.set_columns(&r, &without_inbox).await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    let without_deploy: Vec<_> = specs
        .iter()
        .filter(|s| s.name != "Deploy")
        .cloned()
        .collect();
    let after = store
        .set_columns(&r, &without_deploy)
        .await
        .expect("remove empty");
    assert_eq!(after.columns.len(), 5);
    assert_eq!(after.cards.len(), 1);
    // A limit below the current count is allowed.
    let mut tight = without_deploy.clone();
    tight[0].wip_limit = Some(1);
    store.set_columns(&r, &tight).await.expect("tight limit");
}
