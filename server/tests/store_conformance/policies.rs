//! Flow policies: WIP limits, committed capacity and the tech-debt allocation, with recorded overrides.

use super::*;

pub(crate) async fn wip_limits_refuse_and_overrides_are_recorded(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let review = board.columns[3].id; // limit 3
    let in_review = |title: &str| NewCard {
        column_id: Some(review),
        ..feature(title)
    };
    for i in 0..3 {
        store
            .create_card(&r, &in_review(&format!("r{i}")), &actor(), t0())
            .await
            .expect("room");
    }
    let refused = store
        .create_card(&r, &in_review("fourth"), &actor(), t0())
        .await;
    let Err(StoreError::Policy(v)) = refused else {
        panic!("expected a policy refusal: {refused:?}")
    };
    assert_eq!(
        (v[0].rule, v[0].limit, v[0].current),
        (Rule::WipLimit, 3, 3)
    );
    let waiting = add_feature(store.as_ref(), &r, "waiting").await;
    let mv = to(review);
    assert!(matches!(
        store.move_card(waiting.id, &mv, &actor(), t0()).await,
        Err(StoreError::Policy(_))
    ));
    assert_eq!(
        store.card(waiting.id).await.expect("card").column_id,
        board.columns[0].id,
        "not moved"
    );
    let forced = MoveRequest {
        override_reason: Some("customer escalation".into()),
        ..mv
    };
    store
        .move_card(waiting.id, &forced, &actor(), t0())
        .await
        .expect("override");
    let events = store.card_events(waiting.id).await.expect("events");
    assert_eq!(
        events.last().map(|e| e.kind.clone()),
        Some(EventKind::PolicyOverridden {
            user_id: None,
            rule: Rule::WipLimit,
            column_id: review,
            limit: 3,
            current: 3,
            reason: "customer escalation".into()
        })
    );
    // Expedite incidents do not count against the column; the lane has its own limit of 1.
    let sev1 = |t: &str| NewCard {
        title: t.into(),
        card_type: CardType::Incident,
        severity: Some(Severity::Sev1),
        column_id: Some(review),
        ..Default::default()
    };
    store
        .create_card(&r, &sev1("outage"), &actor(), t0())
        .await
        .expect("expedite has room");
    let second = store
        .create_card(&r, &sev1("another"), &actor(), t0())
        .await;
    assert!(
        matches!(&second, Err(StoreError::Policy(v)) if v[0].rule == Rule::ExpediteLimit),
        "{second:?}"
    );
}

pub(crate) async fn tech_debt_allocation_holds(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let policy = BoardPolicy {
        committed_capacity: Some(5),
        ..Default::default()
    };
    let updated = store.set_policy(&r, &policy).await.expect("policy");
    assert_eq!(updated.policy, policy);
    let invalid = BoardPolicy {
        tech_debt_share: 2.0,
        ..Default::default()
    };
    assert!(matches!(
        store.set_policy(&r, &invalid).await,
        Err(StoreError::Invalid(_))
    ));
    let (doing, review) = (board.columns[2].id, board.columns[3].id);
    for (i, column) in [doing, doing, review, review].into_iter().enumerate() {
        let card = NewCard {
            column_id: Some(column),
            ..feature(&format!("f{i}"))
        };
        store
            .create_card(&r, &card, &actor(), t0())
            .await
            .expect("non-debt slots");
    }
    let fifth = NewCard {
        column_id: Some(doing),
        ..feature("f5")
    };
    let refused = store.create_card(&r, &fifth, &actor(), t0()).await;
    let Err(StoreError::Policy(v)) = refused else {
        panic!("expected refusal: {refused:?}")
    };
    assert_eq!(v[0].rule, Rule::TechDebtAllocation);
    assert_eq!(
        (v[0].reserved, v[0].debt_cards, v[0].limit),
        (Some(1), Some(0), 4)
    );
    let debt = NewCard {
        column_id: Some(doing),
        card_type: CardType::TechDebt,
        ..feature("debt")
    };
    store
        .create_card(&r, &debt, &actor(), t0())
        .await
        .expect("the reserved slot takes tech debt");
    let full = store
        .create_card(
            &r,
            &NewCard {
                column_id: Some(doing),
                card_type: CardType::TechDebt,
                ..feature("d2")
            },
            &actor(),
            t0(),
        )
        .await;
    assert!(
        matches!(&full, Err(StoreError::Policy(v)) if v[0].rule == Rule::CommittedCapacity),
        "{full:?}"
    );
}
