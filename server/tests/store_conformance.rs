//! One storage conformance suite, run against a real SQLite file always and against a real
//! PostgreSQL whenever `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use application::ports::{BoardRef, Store, StoreError};
use chrono::{Duration, TimeZone, Utc};
use domain::board::ColumnSpec;
use domain::import::HistoryImport;
use domain::policy::{BoardPolicy, Rule};
use domain::{
    Actor, Board, CardPatch, CardType, ColumnKind, EventKind, MoveRequest, NewBoard, NewCard,
    Severity,
};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid")
}

fn actor() -> Actor {
    Actor::user("tester")
}

async fn make_board(store: &dyn Store, name: &str) -> Board {
    store
        .create_board(
            &NewBoard {
                name: name.into(),
                ..Default::default()
            },
            None,
            t0(),
        )
        .await
        .expect("board")
}

fn feature(title: &str) -> NewCard {
    NewCard {
        title: title.into(),
        card_type: CardType::Feature,
        ..Default::default()
    }
}

/// Makes a feature card in the board's first column.
async fn add_feature(store: &dyn Store, board: &BoardRef, title: &str) -> domain::Card {
    store
        .create_card(board, &feature(title), &actor(), t0())
        .await
        .expect("create card")
}

/// A move to `column` (same lane, end of the cell, no override).
fn to(column: domain::ColumnId) -> MoveRequest {
    MoveRequest {
        column_id: column,
        lane_id: None,
        position: None,
        override_reason: None,
    }
}

/// Makes the moves at once, each on its own task, so that they queue together and are written
/// in batches; answers each, in the order asked.
async fn move_at_once(
    store: &Arc<dyn Store>,
    moves: &[(domain::CardId, MoveRequest)],
) -> Vec<Result<domain::Card, StoreError>> {
    let tasks: Vec<_> = moves
        .iter()
        .map(|(card, request)| {
            let (store, card, request) = (store.clone(), *card, request.clone());
            tokio::spawn(async move { store.move_card(card, &request, &actor(), t0()).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.expect("join"));
    }
    answers
}

async fn create_list_and_read_boards(store: Arc<dyn Store>) {
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

async fn duplicate_slugs_conflict(store: Arc<dyn Store>) {
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

async fn cards_are_numbered_and_logged(store: Arc<dyn Store>) {
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

async fn invalid_cards_store_nothing(store: Arc<dyn Store>) {
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

async fn moves_are_logged_and_ordered(store: Arc<dyn Store>) {
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
async fn moves_to_the_end_of_a_cell(store: Arc<dyn Store>) {
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

async fn many_reorders_keep_order(store: Arc<dyn Store>) {
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

async fn moves_to_other_boards_are_refused(store: Arc<dyn Store>) {
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

async fn edits_and_blocks_are_logged(store: Arc<dyn Store>) {
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

async fn column_settings_never_lose_cards(store: Arc<dyn Store>) {
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

fn import_doc(json: &str) -> HistoryImport {
    serde_json::from_str(json).expect("json")
}

async fn imports_are_all_or_nothing(store: Arc<dyn Store>) {
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

async fn concurrent_creates_get_unique_numbers(store: Arc<dyn Store>) {
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

async fn wip_limits_refuse_and_overrides_are_recorded(store: Arc<dyn Store>) {
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

/// A card's board, as the permission checks ask it (the SQL stores keep the answers).
async fn cards_boards_are_known(store: Arc<dyn Store>) {
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

/// Moves that arrive together are written together (group commit): the limits still hold
/// across them, each is answered with its own fate and logged once, and a refused one (an
/// unknown card, a column of another board) leaves the others be.
async fn concurrent_moves_hold_limits_and_are_answered_each(store: Arc<dyn Store>) {
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

/// Moves written in one batch are checked against the board as the moves before them in the
/// batch left it: the committed area's capacity and the tech-debt allocation hold across
/// them, and a card moved several times in one batch is logged from where each move found
/// it (its events chain: each move starts where the one before ended).
async fn batched_moves_see_each_other(store: Arc<dyn Store>) {
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

/// A batch of moves is checked against the cards already in the places it moves to, not only
/// against its own (it reads them by the placements' scope, worked out from the layout): a
/// queue column's WIP limit and a column's Expedite lane limit hold against cards that were
/// there before the batch.
async fn batched_moves_count_the_cards_already_there(store: Arc<dyn Store>) {
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
    // Before the batch, one at a time: Ready one card short of its limit, Backlog's
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

/// Moves to the end of one cell written in one batch each go after the cards there, the
/// batch's own included (their keys are worked out in memory, the cell's other cards read
/// once): the cell ends in the order of the moves, a card moved there twice goes by its
/// second move, a card that left does not hold a place, and a move to the top goes first.
/// Each answer carries the key that was stored.
async fn batched_moves_to_one_cell_keep_its_order(store: Arc<dyn Store>) {
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

async fn tech_debt_allocation_holds(store: Arc<dyn Store>) {
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

async fn finished_card_events_cover_recent_done_cards(store: Arc<dyn Store>) {
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

/// A checked deployment report: `service` at `version` to production, `hours` after t0, its
/// commits `ages` hours older, naming `cards`.
fn deployment(
    service: &str,
    version: &str,
    hours: i64,
    ages: &[i64],
    cards: &[String],
) -> domain::delivery::NewDeployment {
    use domain::delivery::{Commit, DeploymentReport, DeploymentStatus};
    let at = t0() + Duration::hours(hours);
    DeploymentReport {
        service: service.into(),
        environment: "Production".into(),
        version: version.into(),
        deployed_at: Some(at),
        status: DeploymentStatus::Success,
        commits: ages
            .iter()
            .enumerate()
            .map(|(i, age)| Commit {
                sha: format!("{:08x}", hours * 16 + i as i64),
                committed_at: at - Duration::hours(*age),
            })
            .collect(),
        cards: Some(cards.to_vec()),
    }
    .validate(at)
    .expect("valid report")
}

async fn deployments_are_recorded_with_their_cards(store: Arc<dyn Store>) {
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

async fn incidents_are_blamed_and_restored(store: Arc<dyn Store>) {
    use domain::delivery::{DeploymentRef, Release};
    use domain::incident::{IncidentReport, Signal, SignalStatus};
    let board = make_board(store.as_ref(), "B").await;
    let other = make_board(store.as_ref(), "Other").await;
    let r = BoardRef::Id(board.id);
    let now = t0() + Duration::days(2);
    let v1 = store
        .record_deployment(
            board.id,
            &deployment("api", "v1", 1, &[1], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let v2 = store
        .record_deployment(
            board.id,
            &deployment("api", "v2", 2, &[1], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let elsewhere = store
        .record_deployment(
            other.id,
            &deployment("api", "v3", 2, &[], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let report = |title: &str, key: &str, cause: Option<DeploymentRef>| IncidentReport {
        title: title.into(),
        // Standard lane: the Expedite lane's limit is not what this test is about.
        severity: Severity::Sev3,
        service: Some("api".into()),
        description: None,
        dedup_key: Some(key.into()),
        link: None,
        caused_by: cause,
    };
    let at = |h: i64| t0() + Duration::hours(h);

    // Named on purpose: resolved by release (the latest v2), refused when it names nothing.
    let release = |v: &str| {
        Some(DeploymentRef::Release(Release {
            service: "api".into(),
            version: v.into(),
        }))
    };
    let first = store
        .report_incident(
            &r,
            &report("5xx", "k1", release("v2")),
            "api",
            &actor(),
            at(3),
        )
        .await
        .expect("reported");
    assert_eq!(first.card.caused_by, Some(v2.id));
    for cause in [release("v9"), Some(DeploymentRef::Id(elsewhere.id))] {
        let err = store
            .report_incident(&r, &report("x", "k9", cause), "api", &actor(), at(3))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e.field() == "caused_by"),
            "{err:?}"
        );
    }
    // A refresh keeps the cause already named.
    let again = store
        .report_incident(
            &r,
            &report("5xx", "k1", Some(DeploymentRef::Id(v1.id))),
            "api",
            &actor(),
            at(4),
        )
        .await
        .unwrap();
    assert_eq!((again.created, again.card.caused_by), (false, Some(v2.id)));
    // Monitoring naming an unknown release is not refused; the cause is dropped.
    let storm = store
        .apply_alerts(
            &r,
            &[Signal {
                status: SignalStatus::Firing,
                report: report("latency", "k2", release("v9")),
                ends_at: None,
            }],
            "alertmanager",
            &actor(),
            at(5),
        )
        .await
        .expect("applied");
    let latency = match &storm[0] {
        application::ports::AlertOutcome::Created(card) => card.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(latency.caused_by, None);

    // By hand: incidents only, deployments of the card's board only; recorded as an edit.
    let feature = add_feature(store.as_ref(), &r, "a feature").await;
    let err = store
        .set_caused_by(feature.id, Some(v1.id), &actor(), at(6))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(e) if e.field() == "card_type"),
        "{err:?}"
    );
    let err = store
        .set_caused_by(latency.id, Some(elsewhere.id), &actor(), at(6))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(e) if e.field() == "deployment_id"),
        "{err:?}"
    );
    let linked = store
        .set_caused_by(latency.id, Some(v1.id), &actor(), at(6))
        .await
        .expect("linked");
    assert_eq!(linked.caused_by, Some(v1.id));
    assert_eq!(store.card(latency.id).await.unwrap().caused_by, Some(v1.id));
    assert_eq!(
        store
            .card_events(latency.id)
            .await
            .unwrap()
            .last()
            .map(|e| &e.kind),
        Some(&EventKind::Edited {
            fields: vec!["caused_by".into()]
        })
    );
    let listed = store.deployments(board.id, t0(), None).await.unwrap();
    assert_eq!(listed[0].caused_incidents, vec![latency.id]);
    assert_eq!(listed[1].caused_incidents, vec![first.card.id]);
    let cleared = store
        .set_caused_by(latency.id, None, &actor(), at(7))
        .await
        .expect("cleared");
    assert_eq!(cleared.caused_by, None);
    assert!(
        store.deployments(board.id, t0(), None).await.unwrap()[0]
            .caused_incidents
            .is_empty()
    );

    // Restoration: the earlier of the alert's resolution and completion.
    // k1 (5xx, opened at 3): alert resolved at 8, done at 10 → 8.
    store
        .resolve_incident(&r, "k1", &actor(), at(8))
        .await
        .expect("resolved");
    let done = board.columns[4].id;
    store
        .move_card(first.card.id, &to(done), &actor(), at(10))
        .await
        .unwrap();
    // k2 (latency, opened at 5): done at 9, reopened at 11, done again at 12 → 12.
    store
        .move_card(latency.id, &to(done), &actor(), at(9))
        .await
        .unwrap();
    store
        .move_card(latency.id, &to(board.columns[2].id), &actor(), at(11))
        .await
        .unwrap();
    store
        .move_card(latency.id, &to(done), &actor(), at(12))
        .await
        .unwrap();
    // k3 (opened at 13): still open.
    let open = store
        .report_incident(&r, &report("disk", "k3", None), "api", &actor(), at(13))
        .await
        .unwrap()
        .card;
    // k4 (opened at 14): done at 15, then moved again inside Done at 16 → 15 (moving
    // within the run of done columns does not complete it again).
    let settled = store
        .report_incident(&r, &report("queue", "k4", None), "api", &actor(), at(14))
        .await
        .unwrap()
        .card;
    for hour in [15, 16] {
        store
            .move_card(settled.id, &to(done), &actor(), at(hour))
            .await
            .unwrap();
    }
    let records = store
        .incident_records(board.id, t0(), at(24))
        .await
        .expect("records");
    let summary: Vec<_> = records
        .iter()
        .map(|i| (i.card_id, i.created_at, i.restored_at, i.caused_by))
        .collect();
    assert_eq!(
        summary,
        vec![
            (first.card.id, at(3), Some(at(8)), Some(v2.id)),
            (latency.id, at(5), Some(at(12)), None),
            (open.id, at(13), None, None),
            (settled.id, at(14), Some(at(15)), None),
        ]
    );
    assert_eq!(records[0].service.as_deref(), Some("api"));
    let later = store
        .incident_records(board.id, at(4), at(24))
        .await
        .unwrap();
    assert_eq!(later.len(), 3, "created in the range only");

    // k5 (opened at 17): done at 18, on to a second done column (Released) at 19, back to
    // Done at 20 → 18, one stay in done. With Released removed afterwards, its placement
    // counts as outside done → 20, as the flow metrics read a removed column.
    let (specs, released) = {
        let mut specs = app::ssr::forms::specs_of(&board);
        specs.push(ColumnSpec {
            id: None,
            name: "Released".into(),
            kind: ColumnKind::Done,
            wip_limit: None,
            position: None,
        });
        let wider = store.set_columns(&r, &specs).await.expect("column added");
        let released = wider.columns.last().expect("Released").id;
        (specs, released)
    };
    let moved_on = store
        .report_incident(&r, &report("cache", "k5", None), "api", &actor(), at(17))
        .await
        .unwrap()
        .card;
    for (hour, column) in [(18, done), (19, released), (20, done)] {
        store
            .move_card(moved_on.id, &to(column), &actor(), at(hour))
            .await
            .unwrap();
    }
    let restored = |records: Vec<domain::delivery::IncidentRecord>| {
        records
            .into_iter()
            .find(|i| i.card_id == moved_on.id)
            .and_then(|i| i.restored_at)
    };
    let records = store.incident_records(board.id, at(17), at(24)).await;
    assert_eq!(restored(records.unwrap()), Some(at(18)));
    store
        .set_columns(&r, &specs[..specs.len() - 1])
        .await
        .expect("Released removed");
    let records = store.incident_records(board.id, at(17), at(24)).await;
    assert_eq!(restored(records.unwrap()), Some(at(20)));
}

fn new_user(email: &str) -> domain::access::NewUser {
    domain::access::NewUser {
        email: email.into(),
        name: String::new(),
        password: "correct horse battery".into(),
        instance_admin: false,
    }
    .validate()
    .unwrap()
}

async fn accounts_are_unique_and_lock(store: Arc<dyn Store>) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    // The one-time set-up makes an instance admin, once, even when raced.
    let (ua, ub) = (new_user("a@example.com"), new_user("b@example.com"));
    let (a, b) = tokio::join!(
        store.create_user(&ua, "hash-a", true, t0()),
        store.create_user(&ub, "hash-b", true, t0()),
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "exactly one first admin: {a:?} {b:?}"
    );
    let first = a.or(b).unwrap();
    assert!(first.instance_admin);
    assert!(matches!(
        store
            .create_user(&new_user("c@example.com"), "h", true, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_user(&new_user(&first.email), "h", false, t0()).await,
        Err(StoreError::Conflict(m)) if m.contains("already exists")
    ));
    let ann = store
        .create_user(&new_user("ann@example.com"), "hash-ann", false, t0())
        .await
        .unwrap();
    assert_eq!(ann.name, "ann");
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!(creds.password_hash, "hash-ann");
    assert!(
        store
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // Failures count up and earn the lock the rule asks for; success clears them.
    for n in 1..=5 {
        let (count, until) = store
            .record_login_failure(ann.id, t0(), domain::access::lockout_after_failures)
            .await
            .unwrap();
        assert_eq!(count, n);
        assert_eq!(until.is_some(), n == 5);
    }
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!(
        creds.locked_until,
        Some(t0() + chrono::Duration::seconds(30))
    );
    store.record_login_success(ann.id, t0()).await.unwrap();
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!((creds.failed_logins, creds.locked_until), (0, None));
    assert_eq!(creds.user.last_login_at, Some(t0()));
    // The last enabled instance admin cannot be demoted or disabled.
    assert!(matches!(
        store.set_user_flags(first.id, false, false).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.set_user_flags(first.id, true, true).await,
        Err(StoreError::Conflict(_))
    ));
    store.set_user_flags(ann.id, true, false).await.unwrap();
    assert!(
        !store
            .set_user_flags(first.id, false, true)
            .await
            .unwrap()
            .instance_admin
    );
    assert_eq!(store.list_users().await.unwrap().len(), 2);
}

async fn board_roles_keep_an_admin(store: Arc<dyn Store>) {
    use domain::access::Role;
    let ann = store
        .create_user(&new_user("ann@example.com"), "h", false, t0())
        .await
        .unwrap();
    let bo = store
        .create_user(&new_user("bo@example.com"), "h", false, t0())
        .await
        .unwrap();
    let board = store
        .create_board(
            &NewBoard {
                name: "Team".into(),
                ..Default::default()
            },
            Some(ann.id),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.board_role(board.id, ann.id).await.unwrap(),
        Some(Role::Admin),
        "creator is admin"
    );
    assert_eq!(store.board_role(board.id, bo.id).await.unwrap(), None);
    store
        .set_board_role(board.id, bo.id, Role::Viewer, t0())
        .await
        .unwrap();
    store
        .set_board_role(board.id, bo.id, Role::Member, t0())
        .await
        .unwrap();
    assert_eq!(
        store.board_role(board.id, bo.id).await.unwrap(),
        Some(Role::Member)
    );
    assert_eq!(
        store.user_boards(bo.id).await.unwrap(),
        vec![(board.id, Role::Member)]
    );
    // Ann is the only admin: she cannot be demoted or removed until Bo is admin too.
    assert!(matches!(
        store
            .set_board_role(board.id, ann.id, Role::Member, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.remove_board_member(board.id, ann.id).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .set_board_role(board.id, bo.id, Role::Admin, t0())
        .await
        .unwrap();
    store.remove_board_member(board.id, ann.id).await.unwrap();
    let members = store.board_members(board.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].user.email.as_str(), members[0].role),
        ("bo@example.com", Role::Admin)
    );
    assert!(matches!(
        store
            .set_board_role(domain::BoardId::new(), bo.id, Role::Viewer, t0())
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn tokens_are_stored_by_hash(store: Arc<dyn Store>) {
    use domain::access::{NewToken, Scope};
    let board = make_board(store.as_ref(), "Ops").await;
    let new = NewToken {
        name: "alertmanager".into(),
        scopes: vec![Scope::IncidentsWrite],
        board_id: Some(board.id),
        expires_at: Some(t0() + chrono::Duration::days(30)),
    };
    let token = store
        .create_token(&new, "fbt_abcdef", "sha-1", "ann", t0())
        .await
        .unwrap();
    assert_eq!(token.scopes, vec![Scope::IncidentsWrite]);
    assert_eq!(token.created_by.as_deref(), Some("ann"));
    assert!(matches!(
        store
            .create_token(&new, "fbt_abcdef", "sha-1", "ann", t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.token_by_hash("sha-1").await.unwrap().unwrap().id,
        token.id
    );
    assert!(store.token_by_hash("sha-2").await.unwrap().is_none());
    assert_eq!(store.list_tokens(Some(board.id)).await.unwrap().len(), 1);
    assert!(
        store.list_tokens(None).await.unwrap().is_empty(),
        "not instance-wide"
    );
    // Use is recorded at most once a minute.
    store.touch_token(token.id, t0()).await.unwrap();
    store
        .touch_token(token.id, t0() + chrono::Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        store.token(token.id).await.unwrap().last_used_at,
        Some(t0())
    );
    store
        .touch_token(token.id, t0() + chrono::Duration::seconds(61))
        .await
        .unwrap();
    assert_eq!(
        store.token(token.id).await.unwrap().last_used_at,
        Some(t0() + chrono::Duration::seconds(61))
    );
    let revoked = store.revoke_token(token.id, t0()).await.unwrap();
    assert_eq!(
        revoked.unusable_at(t0()),
        Some("the token has been revoked")
    );
    let again = store
        .revoke_token(token.id, t0() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(t0()),
        "revoking twice keeps the first time"
    );
}

async fn sessions_expire(store: Arc<dyn Store>) {
    use application::ports::SessionRecord;
    let user = domain::UserId::new();
    let record = SessionRecord {
        id: "abc".into(),
        data: format!(r#"{{"user_id":"{user}"}}"#),
        user_id: Some(user),
        expires_at: t0() + chrono::Duration::hours(1),
    };
    assert!(store.session_create(&record).await.unwrap());
    assert!(
        !store.session_create(&record).await.unwrap(),
        "ids are never reused"
    );
    let loaded = store.session_load("abc", t0()).await.unwrap().unwrap();
    assert_eq!(loaded.data, record.data);
    assert!(
        store
            .session_load("abc", t0() + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    let renewed = SessionRecord {
        expires_at: t0() + chrono::Duration::hours(3),
        ..record.clone()
    };
    store.session_save(&renewed).await.unwrap();
    assert!(
        store
            .session_load("abc", t0() + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .delete_expired_sessions(t0() + chrono::Duration::hours(4))
            .await
            .unwrap(),
        1
    );
    assert!(store.session_create(&record).await.unwrap());
    store.session_delete("abc").await.unwrap();
    assert!(store.session_load("abc", t0()).await.unwrap().is_none());

    // All of one user's sessions end together; other users' and anonymous ones stay.
    let of = |id: &str, user: Option<domain::UserId>| SessionRecord {
        id: id.into(),
        user_id: user,
        ..record.clone()
    };
    let other = domain::UserId::new();
    for r in [
        of("u1", Some(user)),
        of("u2", Some(user)),
        of("o1", Some(other)),
        of("anon", None),
    ] {
        assert!(store.session_create(&r).await.unwrap());
    }
    store.session_save(&of("anon", Some(user))).await.unwrap();
    assert_eq!(store.end_user_sessions(user).await.unwrap(), 3);
    for (id, kept) in [("u1", false), ("u2", false), ("anon", false), ("o1", true)] {
        assert_eq!(
            store.session_load(id, t0()).await.unwrap().is_some(),
            kept,
            "{id}"
        );
    }
}

/// Notes are one per board and period; action items become tech-debt cards exactly once,
/// in the board's first column, with the card linked back.
async fn retrospectives_keep_notes_and_make_cards(store: Arc<dyn Store>) {
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

/// The board's whole log reads back exactly as each card's log does, in log order, and stops
/// before `until` (each backend reads it its own way).
async fn board_events_are_the_log_in_order(store: Arc<dyn Store>) {
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

/// Runs `sql` with `binds` on a connection of its own, as a fix by hand would: nothing of
/// Flowboard's stores is involved.
async fn by_hand(db: &common::TestDb, sql: &'static str, binds: &[uuid::Uuid]) {
    macro_rules! run_on {
        ($connection:ty) => {{
            let mut conn = <$connection as sqlx::Connection>::connect(&db.url)
                .await
                .unwrap();
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(&mut conn).await.unwrap();
            sqlx::Connection::close(conn).await.unwrap();
        }};
    }
    if db.url.starts_with("sqlite:") {
        run_on!(sqlx::SqliteConnection);
    } else {
        run_on!(sqlx::PgConnection);
    }
}

/// Moves check against the layout as it is in the database, whoever changed it: another
/// instance (or process) through its store, or SQL that knows nothing of the layout cache
/// (an older Flowboard during a rolling upgrade, a fix by hand). A move takes the layout from
/// its process's cache only at the version the database's triggers keep.
async fn layout_changes_from_anywhere_reach_moves(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Layout anywhere").await;
    let r = BoardRef::Id(board.id);
    let mut cards = Vec::new();
    for title in ["a", "b", "c"] {
        cards.push(add_feature(store.as_ref(), &r, title).await);
    }
    let ready = board.columns[1].id;
    store
        .move_card(cards[0].id, &to(ready), &actor(), t0())
        .await
        .unwrap();

    let limit_ready = |limit: Option<u32>| -> Vec<ColumnSpec> {
        let mut specs = app::ssr::forms::specs_of(&board);
        specs[1].wip_limit = limit;
        specs
    };
    let (other_db, other) = common::open(db).await;
    other.set_columns(&r, &limit_ready(Some(1))).await.unwrap();
    let refused = store
        .move_card(cards[1].id, &to(ready), &actor(), t0())
        .await;
    assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");
    other.set_columns(&r, &limit_ready(None)).await.unwrap();
    store
        .move_card(cards[1].id, &to(ready), &actor(), t0())
        .await
        .unwrap();
    other_db.close().await;

    let set_limit = "UPDATE board_columns SET wip_limit = 2 WHERE id = $1";
    by_hand(db, set_limit, &[ready.0]).await;
    let refused = store
        .move_card(cards[2].id, &to(ready), &actor(), t0())
        .await;
    assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");
}

/// Moves check against the cards as they are in the database, whoever changed them: this
/// store outside a move, another instance, or SQL that knows nothing of the stamps (an older
/// Flowboard during a rolling upgrade, a fix by hand). A batch of moves takes a board's cards
/// from its process's copy only while the board carries the stamp its last batch wrote, which
/// the database's triggers clear on any other write to the board's cards. Each step first
/// lets the copy be read again (at most once a second), so that a stale copy would be used.
/// A move's answer is the card as stored, to the database's precision.
async fn card_changes_from_anywhere_reach_moves(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Cards anywhere").await;
    let r = BoardRef::Id(board.id);
    let (backlog, ready) = (board.columns[0].id, board.columns[1].id);
    let mut specs = app::ssr::forms::specs_of(&board);
    specs[1].wip_limit = Some(2);
    store.set_columns(&r, &specs).await.unwrap();
    let mut cards = Vec::new();
    for title in ["a", "b", "c", "d", "e"] {
        cards.push(add_feature(store.as_ref(), &r, title).await.id);
    }
    let (a, b, c, d, e) = (cards[0], cards[1], cards[2], cards[3], cards[4]);
    let shuffle = |card| {
        let store = store.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            let moved = store
                .move_card(card, &to(backlog), &actor(), Utc::now())
                .await
                .unwrap();
            assert_eq!(moved, store.card(card).await.unwrap(), "answered as stored");
            moved
        }
    };

    // Read whole and kept; then a move from the copy answers the card as stored.
    shuffle(e).await;
    let moved = store
        .move_card(a, &to(ready), &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(moved, store.card(a).await.unwrap());

    // An edit through this store, outside a move.
    let patch = CardPatch {
        title: Some("b, renamed".into()),
        ..Default::default()
    };
    store.update_card(b, &patch, &actor(), t0()).await.unwrap();
    let moved = store
        .move_card(b, &to(backlog), &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(moved.title, "b, renamed");

    // A move by another instance fills Ready (a and c).
    shuffle(e).await;
    let (other_db, other) = common::open(db).await;
    other
        .move_card(c, &to(ready), &actor(), Utc::now())
        .await
        .unwrap();
    other_db.close().await;
    let refused = store.move_card(d, &to(ready), &actor(), Utc::now()).await;
    assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");

    // SQL by hand takes c out of Ready again.
    shuffle(e).await;
    let take_out = "UPDATE cards SET column_id = $1 WHERE id = $2";
    by_hand(db, take_out, &[backlog.0, c.0]).await;
    let moved = store
        .move_card(d, &to(ready), &actor(), Utc::now())
        .await
        .expect("room in Ready again");
    assert_eq!(moved, store.card(d).await.unwrap());
}

/// Two ways a copy of a board's cards could have been stamped while missing a change (both
/// found in review): a batch that read the board whole with no stamp on it and wrote nothing,
/// whose copy a later batch then stamped; and a change by hand, not committed yet, while a
/// batch read the board whole (the trigger now locks the board, so the batch waits for it).
async fn changes_between_batches_reach_moves(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Changes between batches").await;
    let r = BoardRef::Id(board.id);
    let (backlog, ready, doing) = (
        board.columns[0].id,
        board.columns[1].id,
        board.columns[2].id,
    );
    let mut specs = app::ssr::forms::specs_of(&board);
    specs[1].wip_limit = Some(1);
    store.set_columns(&r, &specs).await.unwrap();
    let mut cards = Vec::new();
    for title in ["a", "b", "m", "x"] {
        cards.push(add_feature(store.as_ref(), &r, title).await.id);
    }
    let (a, b, m, x) = (cards[0], cards[1], cards[2], cards[3]);
    store
        .move_card(a, &to(ready), &actor(), Utc::now())
        .await
        .unwrap();
    let rename = |title: &str| CardPatch {
        title: Some(title.into()),
        ..Default::default()
    };

    // The board's stamp cleared by an edit; a batch reads the board whole and writes
    // nothing (Ready is full); m is renamed; the next batch (too soon to read the board
    // whole again) moves b and stamps the board; the one after must still see m's new name.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    store
        .update_card(x, &rename("x, edited"), &actor(), t0())
        .await
        .unwrap();
    let refused = store.move_card(b, &to(ready), &actor(), Utc::now()).await;
    assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");
    store
        .update_card(m, &rename("m, renamed"), &actor(), t0())
        .await
        .unwrap();
    store
        .move_card(b, &to(doing), &actor(), Utc::now())
        .await
        .unwrap();
    let moved = store
        .move_card(m, &to(doing), &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(moved.title, "m, renamed");
    assert_eq!(moved, store.card(m).await.unwrap());

    // A change by hand, in a transaction still open while a batch reads the board whole.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    store
        .update_card(x, &rename("x, again"), &actor(), t0())
        .await
        .unwrap();
    let by_hand_title = "b, by hand";
    macro_rules! while_open {
        ($connection:ty, $begin:literal) => {{
            let mut conn = <$connection as sqlx::Connection>::connect(&db.url)
                .await
                .unwrap();
            sqlx::query($begin).execute(&mut conn).await.unwrap();
            sqlx::query("UPDATE cards SET title = $1 WHERE id = $2")
                .bind(by_hand_title)
                .bind(b.0)
                .execute(&mut conn)
                .await
                .unwrap();
            let mover = store.clone();
            let move_a = tokio::spawn(async move {
                mover.move_card(a, &to(backlog), &actor(), Utc::now()).await
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
            move_a.await.unwrap().unwrap();
            sqlx::Connection::close(conn).await.unwrap();
        }};
    }
    if db.url.starts_with("sqlite:") {
        while_open!(sqlx::SqliteConnection, "BEGIN IMMEDIATE");
    } else {
        while_open!(sqlx::PgConnection, "BEGIN");
    }
    let moved = store
        .move_card(b, &to(backlog), &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(moved.title, by_hand_title);
    assert_eq!(moved, store.card(b).await.unwrap());
}

/// A card's key is read back exactly, all 17 significant digits of it (SQLite's JSON, which
/// reads a board's cards in one value, keeps 15).
async fn keys_are_read_back_exactly(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Exact keys").await;
    let r = BoardRef::Id(board.id);
    let card = add_feature(store.as_ref(), &r, "a").await.id;
    let set = "UPDATE cards SET position = CAST(0.1 AS DOUBLE PRECISION) + \
               CAST(0.2 AS DOUBLE PRECISION) WHERE id = $1";
    by_hand(db, set, &[card.0]).await;
    let read = store.board(&r).await.unwrap();
    assert_eq!(read.cards[0].position, 0.1_f64 + 0.2_f64);
    assert_eq!(store.card(card).await.unwrap().position, 0.1_f64 + 0.2_f64);
}

/// Incident settings: saved through a store, its next read has them; saved through another
/// (another instance), this store's reads have them within a second (`store::recent`), and on
/// PostgreSQL as soon as the change's notification arrives.
async fn incident_settings_changed_anywhere_apply(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Settings anywhere").await;
    let r = BoardRef::Id(board.id);
    let (other_db, other) = common::open(db).await;
    let before = store.incident_settings(board.id).await.unwrap();
    let mut mine = before.clone();
    mine.fallback = Severity::Sev2;
    let mut feed = store.changes().subscribe();
    store.set_incident_settings(&r, &mine).await.unwrap();
    // Once this store has heard of its own change (on PostgreSQL, through the notification
    // that drops the kept copy), a read keeps a copy that would answer for about a second.
    let heard = async {
        loop {
            let change = feed.recv().await.expect("change feed");
            if change.board_id == Some(board.id) && change.what == "incident_settings_changed" {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), heard)
        .await
        .expect("own change heard");
    assert_eq!(store.incident_settings(board.id).await.unwrap(), mine);

    let mut theirs = mine.clone();
    theirs.fallback = Severity::Sev1;
    other.set_incident_settings(&r, &theirs).await.unwrap();
    let saved = std::time::Instant::now();
    // On PostgreSQL the change's notification drops the copy; elsewhere it expires.
    let within = if db.url.starts_with("postgres") {
        std::time::Duration::from_millis(500)
    } else {
        std::time::Duration::from_millis(1250)
    };
    loop {
        let asked = saved.elapsed();
        let seen = store.incident_settings(board.id).await.unwrap();
        if seen == theirs {
            break;
        }
        assert_eq!(seen, mine);
        assert!(
            asked < within,
            "settings saved elsewhere still unseen when asked {asked:?} after"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    other_db.close().await;
}

/// A move is announced once to the live views of the store that made it and, on PostgreSQL,
/// to those of every other store on the database (another instance); so is each move of a
/// batch (moves made together: on PostgreSQL their notifications go with their write).
async fn moves_are_announced_once_everywhere(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Announced").await;
    let r = BoardRef::Id(board.id);
    let card = add_feature(store.as_ref(), &r, "a").await;
    let mut together = Vec::new();
    for i in 0..6 {
        together.push(add_feature(store.as_ref(), &r, &format!("b{i}")).await.id);
    }
    let (other_db, other) = common::open(db).await;
    let mut feeds = vec![store.changes().subscribe()];
    if db.url.starts_with("postgres") {
        feeds.push(other.changes().subscribe());
    }
    store
        .move_card(card.id, &to(board.columns[2].id), &actor(), t0())
        .await
        .unwrap();
    let done = board.columns[4].id;
    let asked: Vec<_> = together.iter().map(|&id| (id, to(done))).collect();
    for answer in move_at_once(&store, &asked).await {
        answer.expect("moved to Done");
    }
    // A later change marks the end of what the move may have announced.
    let rename = CardPatch {
        title: Some("renamed".into()),
        ..Default::default()
    };
    store
        .update_card(card.id, &rename, &actor(), t0())
        .await
        .unwrap();
    for mut feed in feeds {
        let mut heard = Vec::new();
        let until_marker = async {
            loop {
                let change = feed.recv().await.expect("change feed");
                // Other cases share the database, and on PostgreSQL its notifications.
                if change.board_id != Some(board.id) {
                    continue;
                }
                if change.what == "card_edited" {
                    return;
                }
                heard.push((change.card_id, change.what));
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), until_marker)
            .await
            .expect("changes heard");
        let mut expected: Vec<_> = std::iter::once(card.id)
            .chain(together.iter().copied())
            .map(|id| (Some(id), "card_moved".to_owned()))
            .collect();
        assert_eq!(
            heard.first(),
            expected.first(),
            "the move made first, heard first"
        );
        heard.sort();
        expected.sort();
        assert_eq!(heard, expected, "each move heard once");
    }
    other_db.close().await;
}

/// A board's log read again after more writes, some by another store on the same database
/// (another instance, or the CLI) and some imported with past times, is the log a fresh store
/// reads: the in-memory copy of the log (`log_cache`) never serves a stale or partial log.
async fn board_events_stay_current(store: Arc<dyn Store>, db: &common::TestDb) {
    let board = make_board(store.as_ref(), "Log current").await;
    let r = BoardRef::Id(board.id);
    let a = add_feature(store.as_ref(), &r, "a").await;
    let until = t0() + Duration::days(1);
    assert_eq!(store.board_events(board.id, until).await.unwrap().len(), 1);

    let (other_db, other) = common::open(db).await;
    other
        .move_card(
            a.id,
            &to(board.columns[2].id),
            &actor(),
            t0() + Duration::hours(1),
        )
        .await
        .unwrap();
    let past = import_doc(
        r#"{"cards":[{"title":"old","type":"feature","created_at":"2026-01-01T00:00:00Z","transitions":[
        {"column":"In Progress","at":"2026-01-02T00:00:00Z"},{"column":"Done","at":"2026-01-03T00:00:00Z"}]}]}"#,
    );
    other
        .import_history(&r, &past, &actor(), Utc::now())
        .await
        .unwrap();
    store
        .move_card(
            a.id,
            &to(board.columns[3].id),
            &actor(),
            t0() + Duration::hours(2),
        )
        .await
        .unwrap();

    let fresh = || async {
        let (db, fresh) = common::open(db).await;
        let log = fresh.board_events(board.id, until).await.unwrap();
        db.close().await;
        log
    };
    let expected = fresh().await;
    assert_eq!(
        expected.len(),
        6,
        "created, 2 moves, and the import's created + 2 moves"
    );
    assert_eq!(store.board_events(board.id, until).await.unwrap(), expected);
    let january = chrono::DateTime::parse_from_rfc3339("2026-01-02T12:00:00Z")
        .unwrap()
        .to_utc();
    let early = store.board_events(board.id, january).await.unwrap();
    assert_eq!(
        early.len(),
        2,
        "only the imported card's first two events come before"
    );
    other_db.close().await;
}

macro_rules! conformance {
    ($backend:ident, $db:expr) => {
        mod $backend {
            use super::*;

            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(db) = $db else { return };
                        let (database, store) = common::open(&db).await;
                        super::$name(store).await;
                        database.close().await;
                    }
                };
                // A case that opens a second store on the same database (another instance).
                ($name:ident, with_db) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(db) = $db else { return };
                        let (database, store) = common::open(&db).await;
                        super::$name(store, &db).await;
                        database.close().await;
                    }
                };
            }

            case!(layout_changes_from_anywhere_reach_moves, with_db);
            case!(card_changes_from_anywhere_reach_moves, with_db);
            case!(changes_between_batches_reach_moves, with_db);
            case!(keys_are_read_back_exactly, with_db);
            case!(incident_settings_changed_anywhere_apply, with_db);
            case!(board_events_stay_current, with_db);
            case!(moves_are_announced_once_everywhere, with_db);

            case!(create_list_and_read_boards);
            case!(duplicate_slugs_conflict);
            case!(cards_are_numbered_and_logged);
            case!(invalid_cards_store_nothing);
            case!(moves_are_logged_and_ordered);
            case!(many_reorders_keep_order);
            case!(moves_to_the_end_of_a_cell);
            case!(moves_to_other_boards_are_refused);
            case!(edits_and_blocks_are_logged);
            case!(column_settings_never_lose_cards);
            case!(imports_are_all_or_nothing);
            case!(concurrent_creates_get_unique_numbers);
            case!(wip_limits_refuse_and_overrides_are_recorded);
            case!(concurrent_moves_hold_limits_and_are_answered_each);
            case!(cards_boards_are_known);
            case!(batched_moves_see_each_other);
            case!(batched_moves_count_the_cards_already_there);
            case!(batched_moves_to_one_cell_keep_its_order);
            case!(tech_debt_allocation_holds);
            case!(finished_card_events_cover_recent_done_cards);
            case!(accounts_are_unique_and_lock);
            case!(board_roles_keep_an_admin);
            case!(tokens_are_stored_by_hash);
            case!(sessions_expire);
            case!(deployments_are_recorded_with_their_cards);
            case!(incidents_are_blamed_and_restored);
            case!(retrospectives_keep_notes_and_make_cards);
            case!(board_events_are_the_log_in_order);
        }
    };
}

conformance!(sqlite, Some(common::sqlite()));
conformance!(postgres, common::postgres().await);
