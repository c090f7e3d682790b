//! Server functions posted by a plain HTML form (JavaScript off): the board's move buttons
//! come back to the card, a refused move comes back to the board with the move and the error
//! in its address (for the page's override form), and values a browser would never send
//! neither break the answer nor travel back raw. See `app/src/ssr/plain_form.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestServer;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION, REFERER};
use serde_json::{Value, json};

/// What a browser asks for when it navigates (a plain form post).
const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_moves_come_back_to_the_card_or_with_the_refusal() {
    let db = common::sqlite();
    let s = TestServer::start(&db).await;
    common::user(s.store.as_ref(), "ann@example.com", true).await;
    let ann = common::signed_in(&s.base, "ann@example.com").await;
    let made = ann
        .post(s.url("/api/v1/boards"))
        .json(&json!({ "name": "Forms", "slug": "forms" }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let board: Value = made.json().await.unwrap();
    let column = |name: &str| {
        board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Ready holds at most one card, and holds one.
    let columns: Vec<Value> = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let limit = if c["name"] == "Ready" {
                json!(1)
            } else {
                Value::Null
            };
            json!({ "id": c["id"], "name": c["name"], "kind": c["kind"], "wip_limit": limit })
        })
        .collect();
    let put = ann
        .put(s.url("/api/v1/boards/forms/columns"))
        .json(&json!({ "columns": columns }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let card = |title: &'static str| {
        let ann = ann.clone();
        let url = s.url("/api/v1/boards/forms/cards");
        async move {
            let r = ann
                .post(url)
                .json(&json!({ "title": title, "card_type": "feature" }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()
        }
    };
    let (holder, mover) = (card("holder").await, card("mover").await);
    let ready = column("Ready");
    let page = s.url("/boards/forms?open=x");
    let post = |fields: Vec<(&'static str, String)>, referer: String| {
        ann.post(s.url("/fn/move_card"))
            .header(ACCEPT, HTML)
            .header(REFERER, referer)
            .form(&fields)
            .send()
    };

    // A move that is allowed comes back to the page it was posted from, at the card, its new
    // cell opened (a long cell shows only its first cards).
    let r = post(
        vec![
            ("card_id", holder["id"].as_str().unwrap().to_owned()),
            ("column_id", ready.clone()),
        ],
        page.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let number = holder["number"].as_i64().unwrap();
    assert_eq!(
        r.headers()[LOCATION].to_str().unwrap(),
        format!(
            "{}?open={ready}:{}#card-{number}",
            s.url("/boards/forms"),
            holder["lane_id"].as_str().unwrap()
        )
    );

    // A refused one comes back to the page with the move, as parsed (the trailing spaces and
    // line break a browser would never send are gone), and the error.
    let r = post(
        vec![
            (
                "card_id",
                format!("{}\r\n  ", mover["id"].as_str().unwrap()),
            ),
            ("column_id", ready.clone()),
        ],
        page.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&s.url("/boards/forms?open=x&refused_move=")));
    assert!(location.contains(&format!(
        "refused_move={}.{ready}..",
        mover["id"].as_str().unwrap()
    )));
    assert!(
        location.contains("__path=%2Ffn%2Fmove_card&__err="),
        "{location}"
    );
    assert!(
        !location.contains('\r') && !location.contains(' '),
        "{location}"
    );

    // Posted from a page whose address is not absolute (no browser sends that), the answer is
    // still an answer, not a crash.
    let r = post(
        vec![
            ("card_id", mover["id"].as_str().unwrap().to_owned()),
            ("column_id", ready.clone()),
        ],
        "/boards/forms".to_owned(),
    )
    .await
    .unwrap();
    assert_ne!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    s.stop().await.unwrap();
}
