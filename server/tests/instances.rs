//! Two `flowboard` instances on one PostgreSQL database, as behind a load balancer: a session
//! made on one works on the other, and the WIP limit and incident deduplication hold when
//! concurrent requests are spread across both. (Live updates crossing instances are tested in
//! `incidents.rs`.) Skipped with a notice without `FLOWBOARD_TEST_POSTGRES_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestServer, bearer_client, token};
use domain::access::Scope;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_work_as_one() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = TestServer::start(&db).await;
    let b = TestServer::start(&db).await;
    let both = [&a, &b];

    // A session made through `a` is good on `b` (sessions live in the database).
    common::user(a.store.as_ref(), "ann@example.com", true).await;
    let browser = common::signed_in(&a.base, "ann@example.com").await;
    let r = browser.get(b.url("/api/v1/boards")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a's session on b");
    let r = browser.get(b.url("/")).send().await.unwrap();
    assert!(r.status().is_success(), "pages too: {}", r.status());
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign out"), "signed in on b");

    // The WIP limit holds with the racing moves spread over both instances.
    let board: Value = a
        .post_json("/api/v1/boards", &json!({"name": "Shared race"}))
        .await
        .json()
        .await
        .unwrap();
    let mut columns: Vec<Value> = board["columns"].as_array().unwrap().clone();
    columns[2]["wip_limit"] = json!(3);
    let r = a
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/shared-race/columns",
            &json!({ "columns": columns }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doing = board["columns"][2]["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for i in 0..30 {
        let card: Value = a
            .post_json(
                "/api/v1/boards/shared-race/cards",
                &json!({ "title": format!("c{i}"), "card_type": "feature" }),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(card["id"].as_str().unwrap().to_owned());
    }
    let moves = ids.iter().enumerate().map(|(i, id)| {
        let s = both[i % 2];
        s.client
            .post(s.url(&format!("/api/v1/cards/{id}/move")))
            .json(&json!({ "column_id": doing }))
            .send()
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(moves)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, refused), (3, 27), "{statuses:?}");

    // Deduplication holds across instances: one card for one key.
    let id = board["id"].as_str().unwrap().parse().unwrap();
    let monitor = bearer_client(&token(a.store.as_ref(), &[Scope::IncidentsWrite], Some(id)).await);
    let reports = (0..20).map(|i| {
        monitor
            .post(both[i % 2].url("/api/v1/incidents"))
            .json(&json!({"title": "disk full", "severity": "sev3", "dedup_key": "disk-full"}))
            .send()
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(reports)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");
    let cards: Value = b.get_json("/api/v1/boards/shared-race").await;
    let incidents: Vec<&Value> = cards["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["dedup_key"] == "disk-full")
        .collect();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["occurrences"], 20);

    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// A mention made through one instance reaches the mentioned person's live inbox count on
/// the other (PostgreSQL NOTIFY), and only theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_counts_follow_across_instances() {
    use futures::StreamExt;
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = TestServer::start(&db).await;
    let b = TestServer::start(&db).await;
    let board: Value = a
        .post_json("/api/v1/boards", &json!({"name": "Told"}))
        .await
        .json()
        .await
        .unwrap();
    let id: domain::BoardId = domain::BoardId(board["id"].as_str().unwrap().parse().unwrap());
    let mira = common::user(a.store.as_ref(), "mira@example.com", false).await;
    let other = common::user(a.store.as_ref(), "other@example.com", false).await;
    for who in [&mira, &other] {
        a.store
            .set_board_role(id, who.id, domain::access::Role::Member, chrono::Utc::now())
            .await
            .unwrap();
    }
    let card: Value = a
        .post_json(
            "/api/v1/boards/told/cards",
            &json!({"title": "Talked about", "card_type": "feature"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let listen = |email: &'static str| {
        let base = b.base.clone();
        async move {
            let browser = common::signed_in(&base, email).await;
            let r = browser
                .get(format!("{base}/api/v1/inbox/live"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.bytes_stream()
        }
    };
    let mut miras = listen("mira@example.com").await;
    let mut others = listen("other@example.com").await;
    let limit = std::time::Duration::from_secs(10);
    common::live::expect_events(&mut miras, &["event: unread", "{\"unread\":0}"], limit).await;
    common::live::expect_events(&mut others, &["{\"unread\":0}"], limit).await;
    let r = a
        .post_json(
            &format!("/api/v1/cards/{}/comments", card["id"].as_str().unwrap()),
            &json!({"body": "@mira please look"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    common::live::expect_events(&mut miras, &["{\"unread\":1}"], limit).await;
    // The other member hears nothing of it.
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), others.next()).await;
    assert!(quiet.is_err(), "nothing for someone not told: {quiet:?}");
    // Mira reads it in a tab on the first instance: her stream on the second hears it.
    let tab = common::signed_in(&a.base, "mira@example.com").await;
    let r = tab
        .post(a.url("/fn/mark_read"))
        .header("accept", "application/json")
        .form(&[("id", "")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    common::live::expect_events(&mut miras, &["{\"unread\":0}"], limit).await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}
