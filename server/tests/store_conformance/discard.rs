//! Discarded cards: off the board for every read and count, in the metrics' list marked as
//! such, restorable under the flow policies; incidents give up their dedup key.

use domain::discard::{DiscardRequest, RestoreRequest};
use domain::incident::IncidentReport;

use super::*;

fn because(reason: &str) -> DiscardRequest {
    DiscardRequest {
        reason: reason.into(),
    }
}

pub(crate) async fn discarded_cards_leave_the_board_and_come_back(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Discards").await;
    let r = BoardRef::Id(board.id);
    let (backlog, in_progress) = (board.columns[0].id, board.columns[2].id);
    let limited = board
        .columns
        .iter()
        .map(|c| ColumnSpec {
            id: Some(c.id),
            name: c.name.clone(),
            kind: c.kind,
            wip_limit: if c.id == in_progress { Some(1) } else { None },
            position: None,
        })
        .collect::<Vec<_>>();
    store.set_columns(&r, &limited).await.expect("limit of 1");
    let keep = add_feature(store.as_ref(), &r, "keep").await;
    let gone = add_feature(store.as_ref(), &r, "gone").await;
    let waiting = add_feature(store.as_ref(), &r, "waiting").await;
    store
        .move_card(gone.id, &to(in_progress), &actor(), t0())
        .await
        .expect("room");
    let later = t0() + Duration::hours(2);

    // Refused reasons store nothing.
    for bad in ["", "  ", "nul\0"] {
        let refused = store
            .discard_card(gone.id, &because(bad), &actor(), later)
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(e)) if e.field() == "reason"),
            "{refused:?}"
        );
    }
    assert!(store.card(gone.id).await.unwrap().discarded.is_none());

    let discarded = store
        .discard_card(gone.id, &because(" duplicate "), &actor(), later)
        .await
        .expect("discarded");
    let discard = discarded.discarded.clone().expect("marked");
    assert_eq!(
        (discard.reason.as_str(), discard.by.as_str()),
        ("duplicate", "tester")
    );
    assert_eq!(discard.at, later);
    assert_eq!(
        store.card(gone.id).await.unwrap(),
        discarded,
        "read back as answered"
    );
    let events = store.card_events(gone.id).await.unwrap();
    assert_eq!(
        events.last().map(|e| e.kind.clone()),
        Some(EventKind::Discarded {
            reason: "duplicate".into(),
            column_id: in_progress,
            lane_id: gone.lane_id,
        })
    );

    // Off the board for every read.
    let on_board = store.board(&r).await.unwrap();
    let numbers: Vec<i64> = on_board.cards.iter().map(|c| c.number).collect();
    assert_eq!(numbers, vec![keep.number, waiting.number]);
    let searched = store.search_cards(board.id).await.unwrap();
    assert!(searched.iter().all(|c| c.id != gone.id));
    let summary = store.list_boards().await.unwrap();
    let summary = summary.iter().find(|b| b.id == board.id).unwrap();
    assert_eq!((summary.total_cards, summary.open_cards), (2, 2));
    let listed = store.discarded_cards(board.id).await.unwrap();
    assert_eq!(listed, vec![discarded.clone()]);
    assert_eq!(
        store.discarded_card_ids(board.id).await.unwrap(),
        vec![gone.id]
    );
    // In the metrics' list, marked.
    let facts = store.metric_cards(board.id).await.unwrap();
    let fact = facts
        .iter()
        .find(|c| c.id == gone.id)
        .expect("still listed");
    assert_eq!(fact.discarded_at, Some(later));

    // Neither discarded twice nor moved; and it no longer takes a place under a limit.
    assert!(matches!(
        store
            .discard_card(gone.id, &because("again"), &actor(), later)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .move_card(gone.id, &to(backlog), &actor(), later)
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .move_card(waiting.id, &to(in_progress), &actor(), later)
        .await
        .expect("the discarded card does not count against the limit");

    // Back under the policies: refused at the limit, forced with a reason, at the cell's end.
    let refused = store
        .restore_card(gone.id, &RestoreRequest::default(), &actor(), later)
        .await;
    let Err(StoreError::Policy(v)) = refused else {
        panic!("expected a policy refusal: {refused:?}")
    };
    assert_eq!(
        (v[0].rule, v[0].limit, v[0].current),
        (Rule::WipLimit, 1, 1)
    );
    assert!(
        store.card(gone.id).await.unwrap().discarded.is_some(),
        "still discarded"
    );
    let forced = RestoreRequest {
        override_reason: Some("not a duplicate after all".into()),
    };
    let back = store
        .restore_card(gone.id, &forced, &actor(), later)
        .await
        .expect("restored");
    assert!(back.discarded.is_none());
    assert_eq!((back.column_id, back.lane_id), (in_progress, gone.lane_id));
    assert_eq!(
        store.card(gone.id).await.unwrap(),
        back,
        "read back as answered"
    );
    let cell: Vec<i64> = store
        .board(&r)
        .await
        .unwrap()
        .cards
        .iter()
        .filter(|c| c.column_id == in_progress)
        .map(|c| c.number)
        .collect();
    assert_eq!(
        cell,
        vec![waiting.number, gone.number],
        "at the end of its cell"
    );
    let kinds: Vec<&str> = store
        .card_events(gone.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.name())
        .collect();
    assert_eq!(kinds[kinds.len() - 2..], ["restored", "policy_overridden"]);
    assert!(store.discarded_cards(board.id).await.unwrap().is_empty());
    assert!(store.discarded_card_ids(board.id).await.unwrap().is_empty());
    assert!(matches!(
        store.restore_card(gone.id, &forced, &actor(), later).await,
        Err(StoreError::Conflict(_))
    ));
    let facts = store.metric_cards(board.id).await.unwrap();
    assert!(facts.iter().all(|c| c.discarded_at.is_none()));
}

pub(crate) async fn discarded_cards_never_hold_a_column_or_an_incident_key(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Keys").await;
    let r = BoardRef::Id(board.id);
    let report = |title: &str| IncidentReport {
        title: title.into(),
        severity: Severity::Sev3,
        service: Some("api".into()),
        description: None,
        dedup_key: Some("disk-full".into()),
        link: None,
        caused_by: None,
    };
    let first = store
        .report_incident(&r, &report("disk full"), "api", &actor(), t0())
        .await
        .unwrap()
        .card;
    store
        .discard_card(first.id, &because("false alarm"), &actor(), t0())
        .await
        .unwrap();
    // The same alert again is a new incident, not a recurrence of the discarded one.
    let second = store
        .report_incident(&r, &report("disk full again"), "api", &actor(), t0())
        .await
        .unwrap();
    assert!(second.created);
    assert_ne!(second.card.id, first.id);
    // Restored while the new one holds the key: the key stays with the new one.
    store
        .restore_card(first.id, &RestoreRequest::default(), &actor(), t0())
        .await
        .unwrap();
    let third = store
        .report_incident(&r, &report("disk full, third"), "api", &actor(), t0())
        .await
        .unwrap();
    assert_eq!((third.created, third.card.id), (false, second.card.id));

    // A column can be removed while a discarded card left it: the card comes back to the
    // first column.
    let note = add_feature(store.as_ref(), &r, "note").await;
    let review = board.columns[3].id;
    store
        .move_card(note.id, &to(review), &actor(), t0())
        .await
        .unwrap();
    store
        .discard_card(note.id, &because("obsolete"), &actor(), t0())
        .await
        .unwrap();
    let without_review: Vec<ColumnSpec> = board
        .columns
        .iter()
        .filter(|c| c.id != review)
        .map(|c| ColumnSpec {
            id: Some(c.id),
            name: c.name.clone(),
            kind: c.kind,
            wip_limit: c.wip_limit,
            position: None,
        })
        .collect();
    let changed = store
        .set_columns(&r, &without_review)
        .await
        .expect("removed");
    assert!(changed.column(review).is_none());
    let back = store
        .restore_card(note.id, &RestoreRequest::default(), &actor(), t0())
        .await
        .unwrap();
    assert_eq!(back.column_id, board.columns[0].id);
}

pub(crate) async fn deleted_cards_leave_only_their_number(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Deletions").await;
    let r = BoardRef::Id(board.id);
    let kept = add_feature(store.as_ref(), &r, "kept").await;
    let secret = add_feature(store.as_ref(), &r, "call 555-0100 for the password").await;
    store
        .move_card(secret.id, &to(board.columns[2].id), &actor(), t0())
        .await
        .unwrap();
    // The board's log is read (and, accelerated, kept) before the deletion.
    let before = store
        .board_events(board.id, t0() + Duration::days(1))
        .await
        .unwrap();
    assert!(before.iter().any(|e| e.card_id == secret.id));

    let later = t0() + Duration::hours(1);
    let event = store.delete_card(secret.id, &actor(), later).await.unwrap();
    assert_eq!(
        (
            event.board_id,
            event.at,
            event.actor.name.as_str(),
            event.kind.clone()
        ),
        (
            board.id,
            later,
            "tester",
            domain::BoardEventKind::CardDeleted {
                number: secret.number
            }
        )
    );
    assert!(matches!(
        store.card(secret.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.card_events(secret.id).await,
        Err(StoreError::NotFound(_))
    ));
    let after = store
        .board_events(board.id, t0() + Duration::days(1))
        .await
        .unwrap();
    assert!(
        after.iter().all(|e| e.card_id != secret.id),
        "its history went with it"
    );
    assert!(after.iter().any(|e| e.card_id == kept.id));
    let cards = store.board(&r).await.unwrap().cards;
    assert_eq!(
        cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![kept.id]
    );
    assert_eq!(store.board_log(board.id).await.unwrap(), vec![event]);
    assert!(matches!(
        store.delete_card(secret.id, &actor(), later).await,
        Err(StoreError::NotFound(_))
    ));
    // Its number is never given to another card.
    let next = add_feature(store.as_ref(), &r, "next").await;
    assert_eq!(next.number, secret.number + 1);
}
