//! Finding cards (issue 34): the query language over the API (`GET /boards/{board}?q=`,
//! `GET /cards?q=`), on the server-rendered board page (hidden or dimmed, counted) and on the
//! finished cards' page, on SQLite always and on PostgreSQL when
//! `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn card(s: &TestServer, board: &str, body: Value) -> Value {
    let r = s
        .post_json(&format!("/api/v1/boards/{board}/cards"), &body)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{body}");
    r.json().await.unwrap()
}

fn numbers(cards: &Value) -> Vec<i64> {
    let mut numbers: Vec<i64> = cards
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["number"]
                .as_i64()
                .or(c["card"]["number"].as_i64())
                .unwrap()
        })
        .collect();
    numbers.sort_unstable();
    numbers
}

async fn search(s: &TestServer) {
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": "Search Team" }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let done = board["columns"][4]["id"].as_str().unwrap().to_owned();
    let b = "search-team";
    // #1 a feature that times out, #2 a sev1 payments incident, #3 blocked tech debt,
    // #4 a finished feature about timeouts.
    card(s, b, json!({ "title": "Checkout is slow", "card_type": "feature", "description": "The page times out under load" })).await;
    card(s, b, json!({ "title": "Payments timeout", "card_type": "incident", "severity": "sev1", "service": "payments" })).await;
    let debt = card(
        s,
        b,
        json!({ "title": "Remove the old API", "card_type": "tech_debt" }),
    )
    .await;
    let r = s
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/cards/{}", debt["id"].as_str().unwrap()),
            &json!({ "blocked": true, "blocked_reason": "vendor" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let finished = card(
        s,
        b,
        json!({ "title": "Timeouts on login", "card_type": "feature" }),
    )
    .await;
    let r = s
        .post_json(
            &format!("/api/v1/cards/{}/move", finished["id"].as_str().unwrap()),
            &json!({ "column_id": done }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The board over the API, narrowed by a query.
    let found = |q: &str| {
        let path = format!("/api/v1/boards/{b}?q={}", urlencode(q));
        async move { numbers(&s.get_json(&path).await["cards"]) }
    };
    assert_eq!(found("").await, vec![1, 2, 3, 4]);
    assert_eq!(found("type:incident severity:sev1,sev2").await, vec![2]);
    assert_eq!(found("timeout").await, vec![2, 4]);
    assert_eq!(found("\"times out\"").await, vec![1]);
    assert_eq!(found("is:blocked").await, vec![3]);
    assert_eq!(found("-type:feature").await, vec![2, 3]);
    assert_eq!(found("lane:expedite").await, vec![2]);
    assert_eq!(found("#3").await, vec![3]);
    assert_eq!(found("assignee:none age:<1d").await, vec![1, 2, 3, 4]);

    // A query that cannot be read is a 422 naming the term; nothing else changes.
    for (bad, term) in [
        ("severity:sev9", "severity:sev9"),
        ("colour:red", "colour:red"),
        ("label:\"db", "label:\"db"),
    ] {
        let r = s
            .get(&format!("/api/v1/boards/{b}?q={}", urlencode(bad)))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["type"], "urn:flowboard:problem:validation");
        assert_eq!(problem["field"], "q");
        assert!(
            problem["detail"].as_str().unwrap().contains(term),
            "{problem}"
        );
    }

    // Across boards: the card and its board, and names no board knows said.
    let r: Value = s
        .get_json(&format!("/api/v1/cards?q={}", urlencode("\"times out\"")))
        .await;
    assert_eq!(r["total"], 1);
    assert_eq!(r["cards"][0]["board"], b);
    assert_eq!(r["cards"][0]["board_name"], "Search Team");
    assert_eq!(r["cards"][0]["card"]["title"], "Checkout is slow");
    let r: Value = s
        .get_json(&format!(
            "/api/v1/cards?board={b}&q={}",
            urlencode("label:database lane:ops")
        ))
        .await;
    assert_eq!(r["total"], 0);
    assert_eq!(
        r["notes"],
        json!([
            "no label is called \"database\" here",
            "no lane is called \"ops\" here"
        ])
    );
    let r = s.get("/api/v1/cards?q=type:bug").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s.get("/api/v1/cards?q=x&board=no-such-board").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The board page, rendered on the server: the same query in its address hides the
    // others (or dims them), and says how many it found, column by column.
    common::user(s.store.as_ref(), "sam@example.com", true).await;
    let browser = common::signed_in(&s.base, "sam@example.com").await;
    let page = |path: String| {
        let request = browser.get(s.url(&path)).send();
        async { request.await.unwrap().text().await.unwrap() }
    };
    let html = page(format!("/boards/{b}?q={}", urlencode("timeout"))).await;
    // (Tiles' titles are links; the page's data for the browser lists every card.)
    assert!(html.contains(">Payments timeout</a>"));
    assert!(html.contains(">Timeouts on login</a>"));
    assert!(!html.contains(">Checkout is slow</a>"), "hidden");
    assert!(html.contains("2 cards found"), "the filter's status");
    assert!(html.contains("1 of 1 shown"), "the Done column's count");
    assert!(
        html.contains("1 of 3 shown"),
        "Backlog: three cards, one found"
    );
    let dimmed = page(format!("/boards/{b}?q=timeout&dim=1")).await;
    assert!(dimmed.contains("card type-feature unmatched"));
    assert!(
        dimmed.contains(">Checkout is slow</a>"),
        "dimmed, not hidden"
    );
    let bad_path = format!("/boards/{b}?q={}", urlencode("severity:sev9"));
    let status = browser.get(s.url(&bad_path)).send().await.unwrap().status();
    assert_eq!(
        status,
        StatusCode::OK,
        "the board, with the reason beside the filter"
    );
    let bad = page(bad_path).await;
    assert!(bad.contains("The filter was not applied"));
    assert!(
        bad.contains(">Checkout is slow</a>"),
        "an unreadable query filters nothing"
    );

    // The finished cards' page takes the same query.
    let html = page(format!("/boards/{b}/finished?q=timeouts")).await;
    assert!(html.contains("Timeouts on login"));
    assert!(html.contains("1 finished card matching the filter"));
    let html = page(format!("/boards/{b}/finished?q=checkout")).await;
    assert!(html.contains("No finished card in every lane matches the filter."));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    search(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}
