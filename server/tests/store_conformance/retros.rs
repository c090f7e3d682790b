//! Retrospectives: notes per period, action items that become tech-debt cards once.

use super::*;

/// Notes are one per board and period; action items become tech-debt cards exactly once,
/// in the board's first column, with the card linked back.
pub(crate) async fn retrospectives_keep_notes_and_make_cards(store: Arc<dyn Store>) {
    use domain::metrics::Window;
    let board = make_board(store.as_ref(), "Retro").await;
    let other = make_board(store.as_ref(), "Retro other").await;
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let period = Window::new(day(1), day(14)).unwrap();
    let later = Window::new(day(15), day(28)).unwrap();

    let empty = store.retrospective(board.id, period).await.unwrap();
    assert!(empty.notes.is_empty() && empty.actions.is_empty() && empty.updated.is_none());

    let saved = store
        .save_retro_notes(
            board.id,
            period,
            "  Reviews waited on one person. ",
            &actor(),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(saved.notes, "Reviews waited on one person.");
    assert_eq!(saved.updated, Some(("tester".to_owned(), t0())));
    let again = store
        .save_retro_notes(board.id, period, "Pair on reviews.", &actor(), t0())
        .await
        .unwrap();
    assert_eq!(
        again.notes, "Pair on reviews.",
        "one retrospective per period: replaced"
    );
    assert!(
        store
            .retrospective(board.id, later)
            .await
            .unwrap()
            .notes
            .is_empty(),
        "another period has its own notes"
    );
    let long = "x".repeat(domain::retro::MAX_NOTES_CHARS + 1);
    assert!(matches!(
        store
            .save_retro_notes(board.id, period, &long, &actor(), t0())
            .await,
        Err(StoreError::Invalid(_))
    ));

    let item = store
        .add_retro_action(board.id, period, "Automate release notes", &actor(), t0())
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_retro_action(board.id, period, "  ", &actor(), t0())
            .await,
        Err(StoreError::Invalid(_))
    ));
    // An item added to a period nobody wrote notes for still gets its retrospective.
    store
        .add_retro_action(board.id, later, "Later item", &actor(), t0())
        .await
        .unwrap();

    assert!(
        matches!(
            store
                .action_to_card(other.id, item.id, &actor(), t0())
                .await,
            Err(StoreError::NotFound(_))
        ),
        "an item belongs to its own board"
    );
    let card = store
        .action_to_card(board.id, item.id, &actor(), t0())
        .await
        .unwrap();
    assert_eq!(card.card_type, CardType::TechDebt);
    assert_eq!(card.title, "Automate release notes");
    assert_eq!(card.column_id, board.columns[0].id);
    assert!(card.description.contains("2026-03-01 – 2026-03-14"));
    assert!(
        matches!(
            store
                .action_to_card(board.id, item.id, &actor(), t0())
                .await,
            Err(StoreError::Conflict(_))
        ),
        "a second click makes no second card"
    );
    let retro = store.retrospective(board.id, period).await.unwrap();
    assert_eq!(retro.actions.len(), 1);
    assert_eq!(retro.actions[0].card, Some((card.id, card.number)));
    let events = store.card_events(card.id).await.unwrap();
    assert!(matches!(events[0].kind, EventKind::Created { .. }));
    assert_eq!(
        store
            .board(&BoardRef::Id(board.id))
            .await
            .unwrap()
            .cards
            .len(),
        1,
        "exactly one card"
    );
}
