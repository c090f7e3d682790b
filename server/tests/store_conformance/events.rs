//! The event log: a board's whole log in order, and the logs of recently finished cards.

use super::*;

pub(crate) async fn finished_card_events_cover_recent_done_cards(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let done = board.columns[4].id;
    let finished = add_feature(store.as_ref(), &r, "finished").await;
    let old = add_feature(store.as_ref(), &r, "old").await;
    add_feature(store.as_ref(), &r, "open").await;
    let to_done = to(done);
    store
        .move_card(old.id, &to_done, &actor(), t0() + Duration::hours(1))
        .await
        .expect("old done");
    store
        .move_card(finished.id, &to_done, &actor(), t0() + Duration::days(3))
        .await
        .expect("done");
    let events = store
        .finished_card_events(board.id, t0() + Duration::days(1))
        .await
        .expect("events");
    assert_eq!(
        events.len(),
        2,
        "created and moved of the one recently finished card"
    );
    assert!(events.iter().all(|e| e.card_id == finished.id));
    let all = store
        .finished_card_events(board.id, t0())
        .await
        .expect("events");
    assert_eq!(all.len(), 4);
}

/// The board's whole log reads back exactly as each card's log does, in log order, and stops
/// before `until` (each backend reads it its own way).
pub(crate) async fn board_events_are_the_log_in_order(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Log").await;
    let r = BoardRef::Id(board.id);
    let a = add_feature(store.as_ref(), &r, "a <b> 'quoted' \"text\" ✓").await;
    let b = add_feature(store.as_ref(), &r, "b").await;
    store
        .move_card(
            a.id,
            &to(board.columns[2].id),
            &actor(),
            t0() + Duration::hours(2),
        )
        .await
        .unwrap();
    store
        .move_card(
            b.id,
            &to(board.columns[1].id),
            &Actor::system("import"),
            t0() + Duration::hours(3),
        )
        .await
        .unwrap();
    let mut expected = store.card_events(a.id).await.unwrap();
    expected.extend(store.card_events(b.id).await.unwrap());
    expected.sort_by_key(|e| e.id);
    let all = store
        .board_events(board.id, t0() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(*all, expected);
    let early = store
        .board_events(board.id, t0() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(early.len(), 2, "only the two creations come before 11:00");
    let other = make_board(store.as_ref(), "Log other").await;
    assert!(
        store
            .board_events(other.id, t0() + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
}
