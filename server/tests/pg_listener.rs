//! PostgreSQL's notification connection drops (a restart, a failover, a proxy timeout): open
//! live views are told to reload as soon as Flowboard listens again, and later changes flow
//! as before. Its own test binary, because it cuts every listening connection on the test
//! database, which would disturb live tests running beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use common::live::expect_events;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_views_resync_after_the_listener_reconnects() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let s = TestServer::start(&db).await;
    let r = s
        .post_json("/api/v1/boards", &json!({"name": "Reconnect"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = s.get("/api/v1/boards/reconnect/live").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));

    // Cut the listening connection from the database side.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(
        &std::env::var("FLOWBOARD_TEST_POSTGRES_URL").unwrap(),
    )
    .await
    .unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "a listening connection to cut");
    sqlx::Connection::close(admin).await.unwrap();

    // The view hears `resync` without any change being made meanwhile.
    let seen = expect_events(&mut body, &["resync"], Duration::from_secs(5)).await;
    assert!(seen.contains("event: change"), "{seen}");
    // And changes flow again through the new connection.
    let r = s
        .post_json(
            "/api/v1/boards/reconnect/cards",
            &json!({"title": "after the cut", "card_type": "feature"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    expect_events(&mut body, &["card_created"], Duration::from_secs(5)).await;
    drop(body);
    s.stop().await.expect("clean shutdown");
}
