//! Deployments: recorded with the cards they ship.

use super::*;

pub(crate) async fn deployments_are_recorded_with_their_cards(store: Arc<dyn Store>) {
    use domain::delivery::{CardRef, DeploymentStatus};
    let board = make_board(store.as_ref(), "B").await;
    let other = make_board(store.as_ref(), "Other").await;
    let r = BoardRef::Id(board.id);
    let a = add_feature(store.as_ref(), &r, "a").await;
    let b = add_feature(store.as_ref(), &r, "b").await;
    let foreign = add_feature(store.as_ref(), &BoardRef::Id(other.id), "foreign").await;
    let now = t0() + Duration::days(2);

    // Unknown references (a number nobody has, a card of another board) refuse the whole
    // report, naming each one; nothing is stored.
    let bad = deployment(
        "api",
        "v1",
        1,
        &[2],
        &[a.id.to_string(), "#9".into(), foreign.id.to_string()],
    );
    let err = store
        .record_deployment(board.id, &bad, &actor(), now)
        .await
        .unwrap_err();
    match &err {
        StoreError::Invalid(e) => {
            assert_eq!(e.field(), "cards");
            let text = e.to_string();
            assert!(text.contains("cards[1]: no card #9"), "{text}");
            assert!(
                text.contains(&format!("cards[2]: no card {}", foreign.id)),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        store
            .deployments(board.id, t0(), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.card_events(a.id).await.unwrap().len(), 1, "no event");

    // By id and by number (twice the same card: linked once), commits in report order.
    let new = deployment(
        "api",
        "v1",
        1,
        &[5, 2],
        &[a.id.to_string(), "#2".into(), "B-1".into()],
    );
    let done = store
        .record_deployment(board.id, &new, &actor(), now)
        .await
        .expect("recorded");
    assert!(done.created);
    let d = done.deployment;
    assert_eq!(d.cards, vec![CardRef::Id(a.id), CardRef::Id(b.id)]);
    assert_eq!(d.environment, "production");
    assert_eq!(d.commits, new.commits);
    let events = store.card_events(b.id).await.unwrap();
    let last = events.last().expect("events");
    assert_eq!(
        last.kind,
        EventKind::Deployed {
            deployment_id: d.id,
            service: "api".into(),
            environment: "production".into(),
            version: "v1".into(),
            status: DeploymentStatus::Success,
        }
    );
    assert_eq!(last.at, t0() + Duration::hours(1), "dated when deployed");
    assert_eq!(last.actor, actor());

    // The same report again (a retried pipeline step): the stored one, nothing added.
    let again = store
        .record_deployment(board.id, &new, &actor(), now)
        .await
        .expect("replayed");
    assert!(!again.created);
    assert_eq!(again.deployment, d);
    assert_eq!(store.card_events(a.id).await.unwrap().len(), 2);

    // Listing: by deployed_at, in the half-open range, with commits and cards.
    let later = deployment("web", "v7", 30, &[], &[]);
    let later = store
        .record_deployment(board.id, &later, &actor(), now)
        .await
        .expect("later")
        .deployment;
    store
        .record_deployment(
            other.id,
            &deployment("api", "v1", 1, &[], &[]),
            &actor(),
            now,
        )
        .await
        .expect("another board, same names");
    let all = store.deployments(board.id, t0(), None).await.unwrap();
    assert_eq!(all, vec![d.clone(), later.clone()]);
    let first_day = store
        .deployments(board.id, t0(), Some(t0() + Duration::hours(30)))
        .await
        .unwrap();
    assert_eq!(first_day, vec![d]);
    let from_later = store
        .deployments(board.id, t0() + Duration::hours(30), None)
        .await
        .unwrap();
    assert_eq!(from_later, vec![later]);
}
