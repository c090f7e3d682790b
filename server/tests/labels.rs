//! Labels over the REST API (issue 34): made, refused and changed by a board's admins, put on
//! cards, found by the query language, and narrowing the metrics, on SQLite always and on
//! PostgreSQL when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn made(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn labels(s: &TestServer) {
    let board = made(
        s.post_json("/api/v1/boards", &json!({ "name": "Label Team" }))
            .await,
    )
    .await;
    let b = "label-team";
    let done = board["columns"][4]["id"].as_str().unwrap().to_owned();
    let db = made(
        s.post_json(
            &format!("/api/v1/boards/{b}/labels"),
            &json!({ "name": "database", "colour": "blue" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (db["name"].as_str(), db["colour"].as_str()),
        (Some("database"), Some("blue"))
    );
    // Bad input: a taken name in another case, an empty or long one, an unknown colour.
    for (body, field) in [
        (json!({ "name": "Database" }), "name"),
        (json!({ "name": " " }), "name"),
        (json!({ "name": "x".repeat(61) }), "name"),
        (json!({ "name": "ok", "colour": "gray" }), "colour"),
    ] {
        let r = s
            .post_json(&format!("/api/v1/boards/{b}/labels"), &body)
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert!(problem.to_string().contains(field), "{problem}");
    }
    let customer = made(
        s.post_json(
            &format!("/api/v1/boards/{b}/labels"),
            &json!({ "name": "customer" }),
        )
        .await,
    )
    .await;
    assert_eq!(customer["colour"], "grey", "the default colour");
    let listed = made(s.get(&format!("/api/v1/boards/{b}/labels")).await).await;
    assert_eq!(listed, json!([customer, db]), "by name");

    // Cards carry them: made with one, given another, refused an unknown one.
    let (db_id, customer_id) = (db["id"].as_str().unwrap(), customer["id"].as_str().unwrap());
    let schema = made(
        s.post_json(
            &format!("/api/v1/boards/{b}/cards"),
            &json!({ "title": "Schema change", "card_type": "feature", "labels": [db_id] }),
        )
        .await,
    )
    .await;
    assert_eq!(schema["labels"], json!([db_id]));
    let plain = made(
        s.post_json(
            &format!("/api/v1/boards/{b}/cards"),
            &json!({ "title": "Copy change", "card_type": "feature" }),
        )
        .await,
    )
    .await;
    let id = schema["id"].as_str().unwrap();
    let both = made(
        s.send_json(
            Method::PATCH,
            &format!("/api/v1/cards/{id}"),
            &json!({ "labels": [db_id, customer_id] }),
        )
        .await,
    )
    .await;
    assert_eq!(both["labels"], json!([customer_id, db_id]));
    let r = s
        .send_json(
            Method::PATCH,
            &format!("/api/v1/cards/{id}"),
            &json!({ "labels": [uuid::Uuid::now_v7()] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let events = made(s.get(&format!("/api/v1/cards/{id}/events")).await).await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "labelled", "labelled"]);

    // Found by name, in any case; an unknown name says so.
    let found = made(
        s.get(&format!("/api/v1/boards/{b}?q=label%3ADATABASE"))
            .await,
    )
    .await;
    let titles: Vec<&str> = found["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Schema change"]);
    let found = made(s.get("/api/v1/cards?q=label%3Abilling").await).await;
    assert!(
        found["notes"].to_string().contains("no label is called"),
        "{found}"
    );

    // The metrics narrowed by label: the finished labelled card only.
    for card in [&schema, &plain] {
        let r = s
            .post_json(
                &format!("/api/v1/cards/{}/move", card["id"].as_str().unwrap()),
                &json!({ "column_id": done }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let all = made(s.get(&format!("/api/v1/boards/{b}/metrics")).await).await;
    assert_eq!(all["population"], 2);
    let narrowed = made(
        s.get(&format!("/api/v1/boards/{b}/metrics?label=Database"))
            .await,
    )
    .await;
    assert_eq!(narrowed["population"], 1);
    let by_id = made(
        s.get(&format!("/api/v1/boards/{b}/metrics?label={customer_id}"))
            .await,
    )
    .await;
    assert_eq!(by_id["population"], 1);
    let r = s
        .get(&format!("/api/v1/boards/{b}/metrics?label=billing"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .get(&format!("/api/v1/boards/{b}/metrics.csv?label=database"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Renamed, then removed: the card keeps the one and loses the other.
    let renamed = made(
        s.send_json(
            Method::PUT,
            &format!("/api/v1/boards/{b}/labels/{db_id}"),
            &json!({ "name": "databases", "colour": "purple" }),
        )
        .await,
    )
    .await;
    assert_eq!(renamed["name"], "databases");
    let r = s
        .send_json(
            Method::DELETE,
            &format!("/api/v1/boards/{b}/labels/{customer_id}"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let card = made(s.get(&format!("/api/v1/cards/{id}")).await).await;
    assert_eq!(card["labels"], json!([db_id]));
    let r = s
        .send_json(
            Method::DELETE,
            &format!("/api/v1/boards/{b}/labels/{customer_id}"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    labels(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}
