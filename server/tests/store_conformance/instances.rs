//! Several stores on one database (other instances, the CLI, SQL by hand): every change reaches the next read or write, and every move is announced once everywhere.

use super::*;

/// Runs `sql` with `binds` on a direct connection of its own, as a fix by hand would:
/// nothing of Flowboard's stores is involved.
pub(crate) async fn by_hand(db: &common::TestDb, sql: &'static str, binds: &[uuid::Uuid]) {
    macro_rules! run_on {
        ($connection:ty) => {{
            let mut conn = <$connection as sqlx::Connection>::connect(db.direct_url())
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
pub(crate) async fn layout_changes_from_anywhere_reach_moves(
    store: Arc<dyn Store>,
    db: &common::TestDb,
) {
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
/// store outside a move, another instance, or SQL by hand (an older Flowboard during a rolling
/// upgrade, a fix). A move's answer is the card as stored, to the database's precision.
pub(crate) async fn card_changes_from_anywhere_reach_moves(
    store: Arc<dyn Store>,
    db: &common::TestDb,
) {
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
    let moved = store
        .move_card(e, &to(backlog), &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(moved, store.card(e).await.unwrap(), "answered as stored");
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
    let (other_db, other) = common::open(db).await;
    other
        .move_card(c, &to(ready), &actor(), Utc::now())
        .await
        .unwrap();
    other_db.close().await;
    let refused = store.move_card(d, &to(ready), &actor(), Utc::now()).await;
    assert!(matches!(refused, Err(StoreError::Policy(_))), "{refused:?}");

    // SQL by hand takes c out of Ready again.
    let take_out = "UPDATE cards SET column_id = $1 WHERE id = $2";
    by_hand(db, take_out, &[backlog.0, c.0]).await;
    let moved = store
        .move_card(d, &to(ready), &actor(), Utc::now())
        .await
        .expect("room in Ready again");
    assert_eq!(moved, store.card(d).await.unwrap());
}

/// A card's key is read back exactly, all 17 significant digits of it (SQLite's JSON, which
/// reads a board's cards in one value, keeps 15).
pub(crate) async fn keys_are_read_back_exactly(store: Arc<dyn Store>, db: &common::TestDb) {
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
pub(crate) async fn incident_settings_changed_anywhere_apply(
    store: Arc<dyn Store>,
    db: &common::TestDb,
) {
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
    if db.url.starts_with("postgres") {
        // The change's notification drops the copy as soon as it arrives.
        let saved = std::time::Instant::now();
        loop {
            let asked = saved.elapsed();
            let seen = store.incident_settings(board.id).await.unwrap();
            if seen == theirs {
                break;
            }
            assert_eq!(seen, mine);
            assert!(
                asked < std::time::Duration::from_millis(500),
                "settings saved elsewhere still unseen when asked {asked:?} after"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    } else {
        // Nothing tells this store (another process on the file): its copy answers until it
        // expires (or there is no copy, with the accelerator off), then the file does.
        let seen = store.incident_settings(board.id).await.unwrap();
        assert!(seen == mine || seen == theirs, "{seen:?}");
        db.clock.advance(server::store::COPIES_KEPT_FOR);
        assert_eq!(store.incident_settings(board.id).await.unwrap(), theirs);
    }
    other_db.close().await;
}

/// A move is announced once to the live views of the store that made it and, on PostgreSQL,
/// to those of every other store on the database (another instance); so is each of many
/// moves made at once.
pub(crate) async fn moves_are_announced_once_everywhere(
    store: Arc<dyn Store>,
    db: &common::TestDb,
) {
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
pub(crate) async fn board_events_stay_current(store: Arc<dyn Store>, db: &common::TestDb) {
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
