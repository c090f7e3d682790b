//! Flowboard behind PgBouncer (Debian's 1.18): two instances through one PgBouncer of the
//! test's own, in session and in transaction pooling, with live updates crossing between them
//! and a burst of concurrent writes through both; and the settings that cannot work refused
//! at start-up. The PgBouncer runs need `FLOWBOARD_TEST_POSTGRES_URL` and `/usr/sbin/pgbouncer`
//! (skipped with a notice without them; see `common::pgbouncer`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::TestServer;
use common::live::expect_events;
use common::pgbouncer::{PgBouncer, PoolMode};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::store::Pooling;

/// An instance whose database URL is `bouncer`'s, with `pooling` and `listen_url`.
async fn instance(bouncer: &PgBouncer, pooling: Pooling, listen_url: Option<&str>) -> TestServer {
    let mut config = server::Config::for_database(bouncer.url.clone());
    config.database_pooling = pooling;
    config.database_listen_url = listen_url.map(str::to_owned);
    TestServer::start_with(config).await
}

/// A change made through `writer` reaches a live stream open on `reader`: a card created,
/// then moved.
async fn changes_cross(reader: &TestServer, writer: &TestServer, slug: &str, to: &str) {
    let r = reader.get(&format!("/api/v1/boards/{slug}/live")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.bytes_stream();
    expect_events(&mut body, &["event: ready"], Duration::from_secs(5)).await;
    let r = writer
        .post_json(
            &format!("/api/v1/boards/{slug}/cards"),
            &json!({"title": "seen elsewhere", "card_type": "feature"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let card: Value = r.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    let r = writer
        .post_json(
            &format!("/api/v1/cards/{id}/move"),
            &json!({ "column_id": to }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let seen = expect_events(
        &mut body,
        &[&id, "card_created", &id, "card_moved"],
        Duration::from_secs(5),
    )
    .await;
    assert!(seen.contains("event: change"), "{seen}");
}

/// Two instances through one pooler work as one: changes cross both ways, and a burst of
/// concurrent creations and moves through both, with reads between, all land, numbered
/// uniquely.
async fn two_instances_through(a: &TestServer, b: &TestServer) {
    let r = a
        .post_json("/api/v1/boards", &json!({"name": "Pooled"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let column = |i: usize| board["columns"][i]["id"].as_str().unwrap().to_owned();
    changes_cross(b, a, "pooled", &column(1)).await;
    changes_cross(a, b, "pooled", &column(1)).await;

    // Eight writers, five cards each: each card created through one instance and moved
    // through the other to Done (no WIP limit), with a read of the board between.
    let both = [a, b];
    let to = column(4);
    let writers = (0..8).map(|w| {
        let to = to.clone();
        async move {
            let mut made = Vec::new();
            for i in 0..5 {
                let (via, other) = (both[(w + i) % 2], both[(w + i + 1) % 2]);
                let r = via
                    .post_json(
                        "/api/v1/boards/pooled/cards",
                        &json!({"title": format!("burst {w}.{i}"), "card_type": "feature"}),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
                let card: Value = r.json().await.unwrap();
                let r = other.get("/api/v1/boards/pooled").await;
                assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
                let id = card["id"].as_str().unwrap();
                let r = other
                    .post_json(
                        &format!("/api/v1/cards/{id}/move"),
                        &json!({ "column_id": to }),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
                made.push(id.to_owned());
            }
            made
        }
    });
    let made: Vec<String> = futures::future::join_all(writers)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(made.len(), 40);

    for reader in both {
        let now: Value = reader.get_json("/api/v1/boards/pooled").await;
        let cards = now["cards"].as_array().unwrap();
        assert_eq!(cards.len(), 42, "two crossing cards and the burst's forty");
        let numbers: HashSet<i64> = cards
            .iter()
            .map(|c| c["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers.len(), 42, "unique numbers: {numbers:?}");
        let moved = cards
            .iter()
            .filter(|c| made.iter().any(|id| c["id"] == id.as_str()))
            .filter(|c| c["column_id"] == to.as_str())
            .count();
        assert_eq!(moved, 40, "every burst card where it was moved");
    }
}

/// Transaction pooling, a server connection lent per transaction and only four of them:
/// connections really are shared between the instances. The listener of each instance
/// connects directly. Needs the store's unnamed statements: with named ones, two client
/// connections meet on one server connection and the second fails with
/// `prepared statement "sqlx_s_1" already exists`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_through_a_transaction_pooler() {
    let Some(bouncer) = PgBouncer::start(PoolMode::Transaction, 4).await else {
        return;
    };
    let direct = Some(bouncer.direct_url.as_str());
    let a = instance(&bouncer, Pooling::Transaction, direct).await;
    let b = instance(&bouncer, Pooling::Transaction, direct).await;
    two_instances_through(&a, &b).await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// Session pooling: a server connection per client connection, as many as the instances
/// open. `a` listens through PgBouncer too; `b` listens on a direct connection of its own
/// (`--database-listen-url` without transaction pooling). When PostgreSQL ends both listening
/// sessions, both reconnect, tell their live views to reload, and hear changes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_through_a_session_pooler() {
    let Some(bouncer) = PgBouncer::start(PoolMode::Session, 80).await else {
        return;
    };
    let a = instance(&bouncer, Pooling::Session, None).await;
    let b = instance(&bouncer, Pooling::Session, Some(&bouncer.direct_url)).await;
    two_instances_through(&a, &b).await;

    let mut views = Vec::new();
    for s in [&a, &b] {
        let r = s.get("/api/v1/boards/pooled/live").await;
        assert_eq!(r.status(), StatusCode::OK);
        let mut body = r.bytes_stream();
        expect_events(&mut body, &["event: ready"], Duration::from_secs(5)).await;
        views.push(body);
    }
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&bouncer.direct_url)
        .await
        .unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%' \
         AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    // Each instance's, and each test handle's (`TestServer::store` opens the database too).
    assert_eq!(cut, [true; 4], "all four listening sessions");
    sqlx::Connection::close(admin).await.unwrap();
    for view in &mut views {
        expect_events(view, &["resync"], Duration::from_secs(5)).await;
    }
    for (reader, writer) in [(0, &b), (1, &a)] {
        let r = writer
            .post_json(
                "/api/v1/boards/pooled/cards",
                &json!({"title": "after the cut", "card_type": "feature"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        expect_events(&mut views[reader], &[&id], Duration::from_secs(5)).await;
    }
    drop(views);
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// Why `serve` refuses `config` before opening anything.
async fn refusal(config: server::Config) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        server::serve(config, listener, std::future::pending()),
    )
    .await
    .expect("refused at once, without trying to connect");
    match outcome {
        Err(server::ServeError::Settings(why)) => why,
        other => panic!("expected a settings error, got {other:?}"),
    }
}

/// Transaction pooling without a direct connection for LISTEN cannot deliver live updates
/// across instances: start-up says so, and why, before connecting (the URL leads nowhere).
#[tokio::test]
async fn transaction_pooling_without_a_listen_url_is_refused() {
    let mut config = server::Config::for_database("postgres://flowboard@127.0.0.1:1/nowhere");
    config.database_pooling = Pooling::Transaction;
    let why = refusal(config).await;
    assert!(why.contains("--database-listen-url"), "{why}");
    assert!(why.contains("FLOWBOARD_DATABASE_LISTEN_URL"), "{why}");
    assert!(why.contains("LISTEN"), "{why}");
    assert!(why.contains("transaction pooler"), "{why}");
}

/// The pooler settings are for PostgreSQL; with SQLite they are a mistake, said at once.
#[tokio::test]
async fn pooler_settings_on_sqlite_are_refused() {
    let db = common::sqlite();
    let mut config = server::Config::for_database(db.url.clone());
    config.database_pooling = Pooling::Transaction;
    config.database_listen_url = Some("postgres://flowboard@127.0.0.1:1/nowhere".into());
    assert!(refusal(config).await.contains("not PostgreSQL"));
    let mut config = server::Config::for_database(db.url.clone());
    config.database_listen_url = Some("postgres://flowboard@127.0.0.1:1/nowhere".into());
    assert!(refusal(config).await.contains("not PostgreSQL"));
    let mut config = server::Config::for_database("postgres://flowboard@127.0.0.1:1/nowhere");
    config.database_listen_url = Some(db.url.clone());
    let why = refusal(config).await;
    assert!(why.contains("must be a postgres:// URL"), "{why}");
    assert!(!why.contains(&db.url), "the URL is not repeated: {why}");
}

/// What the store's unnamed statements must allow for behind a transaction pooler, pinned
/// down so that a change in sqlx or PgBouncer shows here. sqlx 0.9 runs an unnamed statement
/// in two exchanges: Parse and Describe, Sync (PgBouncer may now lend the server connection
/// to another client), then Bind and Execute, Sync. Outside a transaction the Bind can land
/// on a server connection whose unnamed statement another client has just replaced: it then
/// runs that client's SQL with this one's arguments, and nothing fails. Inside a transaction
/// the server connection stays lent to one client throughout. Four connections, one server
/// connection, two statements that differ only in their SQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unnamed_statements_behind_a_transaction_pooler_need_a_transaction() {
    let Some(bouncer) = PgBouncer::start(PoolMode::Transaction, 1).await else {
        return;
    };
    let wrong_answers = |in_transaction: bool| {
        let url = bouncer.url.clone();
        async move {
            let clients = (0..4_i64).map(|client| {
                let url = url.clone();
                async move {
                    let options =
                        server::store::PooledPostgresStore::pooled_connect_options(&url).unwrap();
                    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
                        .await
                        .unwrap();
                    let factor = if client % 2 == 0 { 10 } else { 1000 };
                    let sql = if factor == 10 {
                        "SELECT $1::int8 * 10"
                    } else {
                        "SELECT $1::int8 * 1000"
                    };
                    let mut wrong = 0;
                    for i in 0..200_i64 {
                        let query = sqlx::query_scalar::<_, i64>(sql).persistent(false).bind(i);
                        let got = if in_transaction {
                            let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
                            let got = query.fetch_one(&mut *tx).await.unwrap();
                            tx.commit().await.unwrap();
                            got
                        } else {
                            query.fetch_one(&mut conn).await.unwrap()
                        };
                        if got != i * factor {
                            wrong += 1;
                        }
                    }
                    sqlx::Connection::close(conn).await.unwrap();
                    wrong
                }
            });
            futures::future::join_all(clients)
                .await
                .into_iter()
                .sum::<u32>()
        }
    };
    assert_eq!(
        wrong_answers(true).await,
        0,
        "inside transactions every statement runs as written"
    );
    assert!(
        wrong_answers(false).await > 0,
        "outside transactions no statement ran another client's SQL: sqlx or PgBouncer now \
         keeps an unnamed statement's exchanges on one server connection, and the store \
         need not wrap its reads in transactions behind a transaction pooler any more"
    );
}
