//! Moves: logged, ordered within a cell, kept on their board, and made at once by many.

use super::*;

pub(crate) async fn moves_are_logged_and_ordered(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let (backlog, doing) = (board.columns[0].id, board.columns[2].id);
    let a = add_feature(store.as_ref(), &r, "a").await;
    let b = add_feature(store.as_ref(), &r, "b").await;
    let later = t0() + Duration::hours(3);
    let moved = store
        .move_card(a.id, &to(doing), &actor(), later)
        .await
        .expect("move");
    assert_eq!(moved.column_id, doing);
    assert_eq!(moved.column_entered_at, later);
    // b jumps in front of a in the same cell.
    store
        .move_card(
            b.id,
            &MoveRequest {
                column_id: doing,
                lane_id: None,
                position: Some(0),
                override_reason: None,
            },
            &actor(),
            later,
        )
        .await
        .expect("move b");
    let cards = store.board(&r).await.expect("board").cards;
    let order: Vec<_> = cards
        .iter()
        .filter(|c| c.column_id == doing)
        .map(|c| c.title.as_str())
        .collect();
    assert_eq!(order, vec!["b", "a"]);
    // Reordering inside a column keeps the time it entered.
    let reordered = store
        .move_card(
            a.id,
            &MoveRequest {
                column_id: doing,
                lane_id: None,
                position: Some(0),
                override_reason: None,
            },
            &actor(),
            later + Duration::hours(1),
        )
        .await
        .expect("reorder");
    assert_eq!(reordered.column_entered_at, later);
    let events = store.card_events(a.id).await.expect("events");
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[1].kind,
        EventKind::Moved {
            from_column_id: backlog,
            from_lane_id: a.lane_id,
            to_column_id: doing,
            to_lane_id: a.lane_id
        }
    );
    let visits = domain::column_visits(&events, later + Duration::hours(2));
    assert_eq!(visits.len(), 2);
    assert_eq!(visits[0].duration_s, 3 * 3600);
}

/// A move without a position puts the card after every other card of the target cell (1.0
/// in an empty one), and the card returned carries the key stored.
pub(crate) async fn moves_to_the_end_of_a_cell(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let (backlog, ready) = (board.columns[0].id, board.columns[1].id);
    let a = add_feature(store.as_ref(), &r, "a").await;
    let b = add_feature(store.as_ref(), &r, "b").await;
    let c = add_feature(store.as_ref(), &r, "c").await;
    let first = store
        .move_card(a.id, &to(ready), &actor(), t0())
        .await
        .expect("a");
    assert_eq!(first.position, 1.0, "first in an empty cell");
    let second = store
        .move_card(c.id, &to(ready), &actor(), t0())
        .await
        .expect("c");
    assert!(second.position > first.position);
    // Back to its own column: after b, the last card left there, not at its old key.
    let back = store
        .move_card(a.id, &to(backlog), &actor(), t0())
        .await
        .expect("back");
    assert!(
        back.position > b.position,
        "{} after {}",
        back.position,
        b.position
    );
    // Moving the last card of a cell to its own cell's end keeps it last.
    let again = store
        .move_card(back.id, &to(backlog), &actor(), t0())
        .await
        .expect("again");
    assert!(again.position > b.position);
    let stored = store.board(&r).await.expect("board").cards;
    for moved in [&second, &again] {
        let found = stored.iter().find(|x| x.id == moved.id).expect("stored");
        assert_eq!(
            found.position, moved.position,
            "returned key is the stored key"
        );
    }
    let order = |column| {
        stored
            .iter()
            .filter(|x| x.column_id == column)
            .map(|x| x.title.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(backlog), vec!["b", "a"]);
    assert_eq!(order(ready), vec!["c"]);
}

pub(crate) async fn many_reorders_keep_order(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let col = board.columns[0].id;
    let a = add_feature(store.as_ref(), &r, "a").await;
    let b = add_feature(store.as_ref(), &r, "b").await;
    let c = add_feature(store.as_ref(), &r, "c").await;
    // Repeatedly dropping between the same two neighbours exhausts float precision and forces
    // the cell to be renumbered; the order must stay right throughout.
    for i in 0..70 {
        let card = if i % 2 == 0 { c.id } else { b.id };
        store
            .move_card(
                card,
                &MoveRequest {
                    column_id: col,
                    lane_id: None,
                    position: Some(1),
                    override_reason: None,
                },
                &actor(),
                t0(),
            )
            .await
            .expect("reorder");
    }
    let cards = store.board(&r).await.expect("board").cards;
    let order: Vec<_> = cards.iter().map(|x| x.id).collect();
    assert_eq!(order, vec![a.id, b.id, c.id]);
    // The metric facts come in the same board order, with the same facts.
    let facts = store.metric_cards(board.id).await.expect("facts");
    assert_eq!(facts, domain::metrics::MetricCard::of(&cards));
}

pub(crate) async fn moves_to_other_boards_are_refused(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let other = make_board(store.as_ref(), "Other").await;
    let r = BoardRef::Id(board.id);
    let card = add_feature(store.as_ref(), &r, "a").await;
    let bad = to(other.columns[2].id);
    let err = store.move_card(card.id, &bad, &actor(), t0()).await;
    assert!(
        matches!(&err, Err(StoreError::Invalid(e)) if e.field() == "column_id"),
        "{err:?}"
    );
    let bad_lane = MoveRequest {
        column_id: board.columns[1].id,
        lane_id: Some(other.lanes[0].id),
        position: None,
        override_reason: None,
    };
    let err = store.move_card(card.id, &bad_lane, &actor(), t0()).await;
    assert!(
        matches!(&err, Err(StoreError::Invalid(e)) if e.field() == "lane_id"),
        "{err:?}"
    );
    assert_eq!(
        store.card(card.id).await.expect("card"),
        card,
        "nothing changed"
    );
    assert_eq!(store.card_events(card.id).await.expect("events").len(), 1);
    let missing = store
        .move_card(domain::CardId::new(), &bad, &actor(), t0())
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}

/// Moves that arrive together are written together (group commit): the limits still hold
/// across them, each is answered with its own fate and logged once, and a refused one (an
/// unknown card, a column of another board) leaves the others be.
pub(crate) async fn concurrent_moves_hold_limits_and_are_answered_each(store: Arc<dyn Store>) {
    let boards = [
        make_board(store.as_ref(), "B").await,
        make_board(store.as_ref(), "C").await,
    ];
    let mut moves = Vec::new();
    for board in &boards {
        for i in 0..20 {
            let card = add_feature(store.as_ref(), &BoardRef::Id(board.id), &format!("c{i}")).await;
            moves.push((board.id, card.id, board.columns[3].id)); // review, limit 3
        }
    }
    let unknown = domain::CardId::new();
    moves.push((boards[0].id, unknown, boards[0].columns[3].id));
    let astray = add_feature(store.as_ref(), &BoardRef::Id(boards[0].id), "astray").await;
    moves.push((boards[0].id, astray.id, boards[1].columns[2].id));
    let asked: Vec<_> = moves
        .iter()
        .map(|&(_, card, column)| (card, to(column)))
        .collect();
    let answers = move_at_once(&store, &asked).await;
    for board in &boards {
        let review = board.columns[3].id;
        let mut moved = Vec::new();
        for ((on, card, _), answer) in moves.iter().zip(&answers) {
            if *on != board.id || *card == unknown || *card == astray.id {
                continue;
            }
            match answer {
                Ok(done) => {
                    assert_eq!((done.id, done.column_id), (*card, review));
                    moved.push(done.clone());
                }
                Err(StoreError::Policy(v)) => assert_eq!(v[0].rule, Rule::WipLimit),
                Err(other) => panic!("a move answered {other:?}"),
            }
        }
        assert_eq!(moved.len(), 3, "the limit of 3 held: {} moved", moved.len());
        let shown = store.board(&BoardRef::Id(board.id)).await.expect("board");
        let mut in_review: Vec<_> = shown
            .cards
            .iter()
            .filter(|c| c.column_id == review)
            .collect();
        assert_eq!(in_review.len(), 3);
        in_review.sort_by(|a, b| a.position.total_cmp(&b.position));
        in_review.dedup_by(|a, b| a.position == b.position);
        assert_eq!(in_review.len(), 3, "positions in the column are distinct");
        for card in &shown.cards {
            let events = store.card_events(card.id).await.expect("events");
            let logged = events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Moved { .. }))
                .count();
            let expected = usize::from(moved.iter().any(|m| m.id == card.id));
            assert_eq!(logged, expected, "moved events of {}", card.title);
        }
    }
    let answer = |card| &answers[moves.iter().position(|m| m.1 == card).expect("asked")];
    assert!(
        matches!(answer(unknown), Err(StoreError::NotFound(_))),
        "{:?}",
        answer(unknown)
    );
    assert!(
        matches!(answer(astray.id), Err(StoreError::Invalid(e)) if e.field() == "column_id"),
        "{:?}",
        answer(astray.id)
    );
}

/// Moves made at once are each checked against the board as the moves committed before them
/// left it: the committed area's capacity and the tech-debt allocation hold across them, and
/// a card moved several times at once is logged from where each move found it (its events
/// chain: each move starts where the one before ended).
pub(crate) async fn concurrent_moves_see_each_other(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let policy = BoardPolicy {
        committed_capacity: Some(4),
        ..Default::default()
    };
    store.set_policy(&r, &policy).await.expect("policy");
    let doing = board.columns[2].id;
    let mut features = Vec::new();
    for i in 0..8 {
        features.push(add_feature(store.as_ref(), &r, &format!("f{i}")).await.id);
    }
    let wanderer = add_feature(store.as_ref(), &r, "wanderer").await;
    // The wanderer goes Ready, Backlog, Ready, Done, ...: never into the committed area.
    let trail = [1, 0, 1, 4, 1, 0];
    let mut tasks = Vec::new();
    for (k, card) in features.iter().enumerate() {
        let (mover, card) = (store.clone(), *card);
        tasks.push(tokio::spawn(async move {
            mover.move_card(card, &to(doing), &actor(), t0()).await
        }));
        if let Some(&step) = trail.get(k) {
            let store = store.clone();
            let (id, column) = (wanderer.id, board.columns[step].id);
            tasks.push(tokio::spawn(async move {
                store.move_card(id, &to(column), &actor(), t0()).await
            }));
        }
    }
    let mut moved_features = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(card) if card.id == wanderer.id => {}
            Ok(card) => {
                assert_eq!(card.column_id, doing);
                moved_features += 1;
            }
            Err(StoreError::Policy(v)) => assert_eq!(v[0].rule, Rule::TechDebtAllocation),
            Err(other) => panic!("a move answered {other:?}"),
        }
    }
    assert_eq!(moved_features, 3, "one of four places kept for tech debt");
    let events = store.card_events(wanderer.id).await.expect("events");
    let hops: Vec<_> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Moved {
                from_column_id,
                to_column_id,
                ..
            } => Some((from_column_id, to_column_id)),
            _ => None,
        })
        .collect();
    assert_eq!(hops.len(), trail.len(), "every move logged once: {hops:?}");
    let mut at = board.columns[0].id;
    for (from, to) in &hops {
        assert_eq!(*from, at, "each move starts where the last ended: {hops:?}");
        at = *to;
    }
    let now = store.card(wanderer.id).await.expect("card");
    assert_eq!(now.column_id, at, "the card is where its last move left it");
}

/// Moves made at once are checked against the cards already in the places they move to, not
/// only against each other: a queue column's WIP limit and a column's Expedite lane limit
/// hold against cards that were there before.
pub(crate) async fn concurrent_moves_count_the_cards_already_there(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let (backlog, ready) = (board.columns[0].id, board.columns[1].id);
    let ready_limit = board.columns[1].wip_limit.expect("Ready has a WIP limit") as usize;
    let expedite = board
        .lanes
        .iter()
        .find(|l| l.kind == domain::LaneKind::Expedite)
        .expect("an Expedite lane")
        .id;
    let expedite_limit = board.policy.expedite_limit.expect("Expedite is limited") as usize;
    let to_expedite = MoveRequest {
        column_id: backlog,
        lane_id: Some(expedite),
        ..to(backlog)
    };
    // Before the moves at once, one at a time: Ready one card short of its limit, Backlog's
    // Expedite lane full.
    for i in 0..ready_limit - 1 {
        let card = add_feature(store.as_ref(), &r, &format!("before {i}")).await;
        store
            .move_card(card.id, &to(ready), &actor(), t0())
            .await
            .expect("room in Ready");
    }
    for i in 0..expedite_limit {
        let card = add_feature(store.as_ref(), &r, &format!("urgent {i}")).await;
        store
            .move_card(card.id, &to_expedite, &actor(), t0())
            .await
            .expect("room in Expedite");
    }
    let mut moves = Vec::new();
    for i in 0..8 {
        moves.push((
            add_feature(store.as_ref(), &r, &format!("ready {i}"))
                .await
                .id,
            to(ready),
        ));
        moves.push((
            add_feature(store.as_ref(), &r, &format!("rush {i}"))
                .await
                .id,
            to_expedite.clone(),
        ));
    }
    let (mut into_ready, mut into_expedite) = (0, 0);
    for answer in move_at_once(&store, &moves).await {
        match answer {
            Ok(card) if card.lane_id == expedite => into_expedite += 1,
            Ok(card) => {
                assert_eq!(card.column_id, ready);
                into_ready += 1;
            }
            Err(StoreError::Policy(v)) => {
                assert!(
                    matches!(v[0].rule, Rule::WipLimit | Rule::ExpediteLimit),
                    "{v:?}"
                );
            }
            Err(other) => panic!("a move answered {other:?}"),
        }
    }
    assert_eq!(into_ready, 1, "Ready had room for one more");
    assert_eq!(into_expedite, 0, "Backlog's Expedite lane was full");
    let shown = store.board(&r).await.expect("board");
    let count = |column, lane: Option<domain::LaneId>| {
        shown
            .cards
            .iter()
            .filter(|c| c.column_id == column && lane.is_none_or(|l| c.lane_id == l))
            .count()
    };
    assert_eq!(count(ready, None), ready_limit);
    assert_eq!(count(backlog, Some(expedite)), expedite_limit);
}

/// Moves to the end of one cell made at once each go after the cards there, those moved just
/// before included: a card moved there twice goes by its second move, a card that left does
/// not hold a place, and a move to the top goes first. Each answer carries the key that was
/// stored.
pub(crate) async fn concurrent_moves_to_one_cell_keep_its_order(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "B").await;
    let r = BoardRef::Id(board.id);
    let (backlog, done) = (board.columns[0].id, board.columns[4].id);
    let mut before = Vec::new();
    for title in ["d0", "d1", "d2"] {
        let card = add_feature(store.as_ref(), &r, title).await;
        store
            .move_card(card.id, &to(done), &actor(), t0())
            .await
            .expect("into done");
        before.push(card.id);
    }
    let mut movers = Vec::new();
    for i in 0..6 {
        movers.push(add_feature(store.as_ref(), &r, &format!("x{i}")).await.id);
    }
    let top = add_feature(store.as_ref(), &r, "top").await.id;
    let first = MoveRequest {
        position: Some(0),
        ..to(done)
    };
    let mut asked: Vec<(domain::CardId, MoveRequest)> =
        movers.iter().map(|&id| (id, to(done))).collect();
    asked.insert(3, (top, first));
    asked.insert(5, (movers[2], to(done)));
    asked.push((before[1], to(backlog)));
    let mut answered = std::collections::HashMap::new();
    for ((id, _), answer) in asked.iter().zip(move_at_once(&store, &asked).await) {
        let card = answer.expect("every move is allowed");
        if *id != movers[2] {
            answered.insert(*id, card.position);
        }
    }
    let shown = store.board(&r).await.expect("board").cards;
    let mut cell: Vec<_> = shown.iter().filter(|c| c.column_id == done).collect();
    cell.sort_by(|a, b| a.position.total_cmp(&b.position));
    for pair in cell.windows(2) {
        assert!(
            pair[0].position < pair[1].position,
            "distinct keys: {cell:?}"
        );
    }
    for card in &shown {
        if let Some(key) = answered.get(&card.id) {
            assert_eq!(*key, card.position, "the answer's key is the stored one");
        }
    }
    // The moves to the end in the order they were written: by their last event's number.
    let mut last_moves = Vec::new();
    for id in &movers {
        let events = store.card_events(*id).await.expect("events");
        let last = events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Moved { .. }));
        last_moves.push((last.expect("moved").id, *id));
    }
    last_moves.sort_by_key(|&(n, _)| n);
    let mut expected = vec![top, before[0], before[2]];
    expected.extend(last_moves.iter().map(|&(_, id)| id));
    let order: Vec<_> = cell.iter().map(|c| c.id).collect();
    assert_eq!(order, expected, "the cell's order");
}
