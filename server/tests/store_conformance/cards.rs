//! Cards: numbered and logged, refused whole when invalid, edited and blocked, made at once by many, imported all or nothing.

use super::*;

pub(crate) async fn cards_are_numbered_and_logged(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let a = add_feature(store.as_ref(), &r, "First").await;
    let b = add_feature(store.as_ref(), &r, "Second").await;
    assert_eq!((a.number, b.number), (1, 2));
    assert_eq!(a.column_id, board.columns[0].id);
    assert_eq!(a.lane_id, board.lanes[1].id, "features go to Standard");
    assert!(
        b.position > a.position,
        "new cards go to the end of the cell"
    );
    let events = store.card_events(a.id).await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, actor());
    assert_eq!(
        events[0].kind,
        EventKind::Created {
            column_id: a.column_id,
            lane_id: a.lane_id
        }
    );
    assert_eq!(
        store.card_by_number(&r, 2).await.expect("by number").id,
        b.id
    );
    assert!(matches!(
        store.card_by_number(&r, 99).await,
        Err(StoreError::NotFound(_))
    ));

    let urgent = NewCard {
        title: "Checkout down".into(),
        card_type: CardType::Incident,
        severity: Some(Severity::Sev1),
        service: Some("checkout".into()),
        dedup_key: Some("alert-1".into()),
        ..Default::default()
    };
    let incident = store
        .create_card(&r, &urgent, &actor(), t0())
        .await
        .expect("incident");
    assert_eq!(incident.lane_id, board.lanes[0].id, "sev1 goes to Expedite");
    assert_eq!(store.card(incident.id).await.expect("read back"), incident);
}

pub(crate) async fn invalid_cards_store_nothing(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let other = make_board(store.as_ref(), "Other").await;
    let r = BoardRef::Id(board.id);
    let empty = store.create_card(&r, &feature("   "), &actor(), t0()).await;
    assert!(
        matches!(&empty, Err(StoreError::Invalid(e)) if e.field() == "title"),
        "{empty:?}"
    );
    let foreign = NewCard {
        column_id: Some(other.columns[0].id),
        ..feature("x")
    };
    let foreign = store.create_card(&r, &foreign, &actor(), t0()).await;
    assert!(
        matches!(&foreign, Err(StoreError::Invalid(e)) if e.field() == "column_id"),
        "{foreign:?}"
    );
    assert!(store.board(&r).await.expect("board").cards.is_empty());
    // A failed create does not use up a card number.
    let ok = add_feature(store.as_ref(), &r, "ok").await;
    assert_eq!(ok.number, 1);
}

pub(crate) async fn edits_and_blocks_are_logged(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let card = add_feature(store.as_ref(), &r, "a").await;
    let patch = CardPatch {
        title: Some("renamed".into()),
        description: Some("**bold**".into()),
        ..Default::default()
    };
    let edited = store
        .update_card(card.id, &patch, &actor(), t0())
        .await
        .expect("edit");
    assert_eq!(edited.title, "renamed");
    let block = CardPatch {
        blocked: Some(true),
        blocked_reason: Some("vendor".into()),
        ..Default::default()
    };
    let blocked = store
        .update_card(card.id, &block, &actor(), t0())
        .await
        .expect("block");
    assert!(blocked.blocked);
    let unblock = CardPatch {
        blocked: Some(false),
        ..Default::default()
    };
    store
        .update_card(card.id, &unblock, &actor(), t0())
        .await
        .expect("unblock");
    let kinds: Vec<_> = store
        .card_events(card.id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Created {
                column_id: card.column_id,
                lane_id: card.lane_id
            },
            EventKind::Edited {
                fields: vec!["title".into(), "description".into()]
            },
            EventKind::Blocked {
                reason: "vendor".into()
            },
            EventKind::Unblocked,
        ]
    );
    let stored = store.card(card.id).await.expect("card");
    assert_eq!((stored.title.as_str(), stored.blocked), ("renamed", false));
    let bad = CardPatch {
        title: Some("x".repeat(201)),
        ..Default::default()
    };
    assert!(matches!(
        store.update_card(card.id, &bad, &actor(), t0()).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.card(card.id).await.expect("card"), stored);
}

pub(crate) async fn imports_are_all_or_nothing(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let bad = import_doc(
        r#"{"cards":[
        {"title":"good","type":"feature","created_at":"2026-01-01T00:00:00Z","transitions":[{"column":"Done","at":"2026-01-02T00:00:00Z"}]},
        {"title":"bad","type":"feature","created_at":"2026-01-01T00:00:00Z","transitions":[{"column":"Nowhere","at":"2026-01-02T00:00:00Z"}]}]}"#,
    );
    let err = store.import_history(&r, &bad, &actor(), Utc::now()).await;
    assert!(
        matches!(&err, Err(StoreError::Invalid(e)) if e.to_string().contains("card 1")),
        "{err:?}"
    );
    assert!(store.board(&r).await.expect("board").cards.is_empty());

    let good = import_doc(
        r#"{"cards":[{"title":"old work","type":"tech_debt","created_at":"2026-01-01T00:00:00Z","transitions":[
        {"column":"In Progress","at":"2026-01-02T00:00:00Z"},{"column":"Review","at":"2026-01-03T00:00:00Z"},
        {"column":"In Progress","at":"2026-01-04T00:00:00Z"},{"column":"Done","at":"2026-01-06T00:00:00Z"}]}]}"#,
    );
    assert_eq!(
        store
            .import_history(&r, &good, &actor(), Utc::now())
            .await
            .expect("import"),
        1
    );
    let card = store.board(&r).await.expect("board").cards.remove(0);
    assert_eq!(card.column_id, board.columns[4].id);
    let events = store.card_events(card.id).await.expect("events");
    assert_eq!(events.len(), 5, "created + 4 moves");
    let visits = domain::column_visits(&events, Utc::now());
    let days: Vec<_> = visits.iter().map(|v| v.duration_s / 86_400).collect();
    assert_eq!(&days[..4], &[1, 1, 1, 2]);
}

pub(crate) async fn concurrent_creates_get_unique_numbers(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_card(
                        &BoardRef::Id(board.id),
                        &feature(&format!("c{i}")),
                        &actor(),
                        t0(),
                    )
                    .await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.expect("join").expect("create").number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=24).collect::<Vec<_>>());
}

/// A card's board, as the permission checks ask it (the SQL stores keep the answers).
pub(crate) async fn cards_boards_are_known(store: Arc<dyn Store>) {
    let (b, c) = (
        make_board(store.as_ref(), "B").await,
        make_board(store.as_ref(), "C").await,
    );
    let on_b = add_feature(store.as_ref(), &BoardRef::Id(b.id), "on b").await;
    let on_c = add_feature(store.as_ref(), &BoardRef::Id(c.id), "on c").await;
    for _ in 0..2 {
        assert_eq!(store.card_board(on_b.id).await.expect("b"), b.id);
        assert_eq!(store.card_board(on_c.id).await.expect("c"), c.id);
    }
    let unknown = store.card_board(domain::CardId::new()).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
}
