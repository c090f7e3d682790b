//! The REST API and the server-rendered pages, against a real server on an ephemeral port,
//! on SQLite always and on PostgreSQL when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create_board(s: &TestServer, name: &str) -> Value {
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": name }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// Asserts a problem+json answer and returns its body.
async fn problem(r: reqwest::Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(r.status(), status);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("urn:flowboard:problem:{kind}"),
        "{body}"
    );
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

async fn boards_and_cards_round_trip(s: &TestServer) {
    let r = s
        .post_json(
            "/api/v1/boards",
            &json!({ "name": "Ops Team", "description": "on call" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["location"], "/api/v1/boards/ops-team");
    let board: Value = r.json().await.unwrap();
    let doing = board["columns"][2]["id"].as_str().unwrap().to_owned();

    let r = s.post_json("/api/v1/boards/ops-team/cards", &json!({ "title": "Rotate keys", "card_type": "tech_debt", "description": "</textarea><script>alert(1)</script>" })).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let card: Value = r.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    assert_eq!(card["number"], 1);
    assert_eq!(card["column_id"], board["columns"][0]["id"]);

    let r = s
        .post_json(
            &format!("/api/v1/cards/{id}/move"),
            &json!({ "column_id": doing }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/cards/{id}"),
            &json!({ "blocked": true, "blocked_reason": "waiting" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let fetched: Value = s.get_json(&format!("/api/v1/cards/{id}")).await;
    assert_eq!(fetched["column_id"], doing);
    assert_eq!(fetched["blocked"], true);
    let board: Value = s.get_json("/api/v1/boards/ops-team").await;
    assert_eq!(board["cards"].as_array().unwrap().len(), 1);
    let events: Value = s.get_json(&format!("/api/v1/cards/{id}/events")).await;
    let kinds: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["created", "moved", "blocked"]);
    assert_eq!(events[1]["actor"]["kind"], "token");

    // The board page renders on the server, with the description stored inertly.
    // Pages need a signed-in person; the API token above does not open them.
    common::user(s.store.as_ref(), "ann@example.com", true).await;
    let browser = common::signed_in(&s.base, "ann@example.com").await;
    let page = |path: &str| {
        let request = browser.get(s.url(path)).send();
        async { request.await.unwrap().text().await.unwrap() }
    };
    let html = page("/boards/ops-team").await;
    assert!(html.contains("Rotate keys"), "board page lists the card");
    assert!(html.contains("In Progress"));
    let detail = page("/boards/ops-team/cards/1").await;
    assert!(detail.contains("Time in each column"));
    assert!(
        !detail.contains("<script>alert(1)"),
        "user text never becomes markup"
    );
    assert!(
        detail.contains("&lt;/textarea&gt;&lt;script&gt;"),
        "the edit form shows it as text"
    );

    // A Done cell shows its 12 most recently finished cards; the page neither renders nor
    // sends the older ones, and says how many there are.
    let finished: Vec<Value> = (1..=15)
        .map(|i| {
            json!({"title": format!("finished-{i:02}"), "type": "feature",
                "created_at": "2026-01-01T00:00:00Z",
                "transitions": [{"column": "Done", "at": format!("2026-01-{:02}T00:00:00Z", i + 1)}]})
        })
        .collect();
    let r = s
        .post_json(
            "/api/v1/boards/ops-team/history",
            &json!({ "cards": finished }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = page("/boards/ops-team").await;
    assert!(
        html.contains("+ 3 earlier"),
        "the left-out cards are counted"
    );
    assert!(html.contains("finished-15") && html.contains("finished-04"));
    assert!(
        !html.contains("finished-03") && !html.contains("finished-01"),
        "older finished cards are not in the page, nor in its hydration data"
    );
}

async fn bad_input_gets_problems_and_stores_nothing(s: &TestServer) {
    let board = create_board(s, "Strict").await;
    let other = create_board(s, "Elsewhere").await;
    let cards = s.url("/api/v1/boards/strict/cards");
    let send = |body: Value| s.client.post(cards.clone()).json(&body).send();

    let refused = [
        (json!({ "title": "  ", "card_type": "feature" }), "title"),
        (
            json!({ "title": "x".repeat(201), "card_type": "feature" }),
            "title",
        ),
        (json!({ "title": "x", "card_type": "bug" }), "card_type"),
        (json!({ "card_type": "feature" }), "title"),
        (
            json!({ "title": "x", "card_type": "feature", "column_id": uuid::Uuid::new_v4() }),
            "column_id",
        ),
        (
            json!({ "title": "x", "card_type": "feature", "column_id": other["columns"][0]["id"] }),
            "column_id",
        ),
        (
            json!({ "title": "x", "card_type": "incident", "severity": "sev9" }),
            "severity",
        ),
    ];
    for (body, field) in refused {
        let r = send(body.clone()).await.unwrap();
        let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(p["field"], field, "{body}");
    }

    let r = s
        .client
        .post(cards.clone())
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "malformed-json").await;
    let r = s
        .client
        .post(cards.clone())
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let huge = json!({ "title": "x", "card_type": "feature", "description": "y".repeat(1024 * 1024 + 10) });
    problem(
        send(huge).await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
    )
    .await;

    let r = s.get("/api/v1/boards/no-such-board").await;
    problem(r, StatusCode::NOT_FOUND, "not-found").await;
    let r = s.get("/api/v1/cards/not-a-uuid").await;
    problem(r, StatusCode::NOT_FOUND, "not-found").await;
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": "strict" }))
        .await;
    problem(r, StatusCode::CONFLICT, "conflict").await;

    // A move to another board's column is refused and changes nothing.
    let card: Value = send(json!({ "title": "stay", "card_type": "feature" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = card["id"].as_str().unwrap();
    let r = s
        .post_json(
            &format!("/api/v1/cards/{id}/move"),
            &json!({ "column_id": other["columns"][2]["id"] }),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(p["field"], "column_id");
    let stored: Value = s.get_json("/api/v1/boards/strict").await;
    let stored_cards = stored["cards"].as_array().unwrap();
    assert_eq!(stored_cards.len(), 1, "only the valid card exists");
    assert_eq!(stored_cards[0]["column_id"], board["columns"][0]["id"]);
}

async fn operations_endpoints(s: &TestServer) {
    let r = s.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = s.get_json("/api/v1/openapi.json").await;
    assert_eq!(doc["info"]["title"], "Flowboard API");
    for path in [
        "/api/v1/boards",
        "/api/v1/boards/{board}/cards",
        "/api/v1/cards/{id}/move",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lists {path}");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
    // Database failures are documented on every operation, the full disk on writes only.
    let problem = "#/components/schemas/Problem";
    let schema = |op: &Value, status: &str| {
        op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"].clone()
    };
    let board = &doc["paths"]["/api/v1/boards/{board}"]["get"];
    assert_eq!(schema(board, "503"), problem);
    assert!(board["responses"].get("507").is_none());
    let create = &doc["paths"]["/api/v1/boards/{board}/cards"]["post"];
    assert_eq!(schema(create, "503"), problem);
    assert_eq!(schema(create, "507"), problem);
    assert!(
        create["responses"].get("201").is_some(),
        "its own answers stay"
    );
    let r = s.get("/no/such/page").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// With L free slots and N > L concurrent moves into one column, exactly L succeed.
async fn wip_limit_holds_under_concurrency(s: &TestServer) {
    let board = create_board(s, "Race").await;
    let mut columns: Vec<Value> = board["columns"].as_array().unwrap().clone();
    columns[2]["wip_limit"] = json!(5);
    let r = s
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/race/columns",
            &json!({ "columns": columns }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doing = board["columns"][2]["id"].as_str().unwrap().to_owned();
    // Two cards are already in progress: three slots are free.
    let mut ids = Vec::new();
    for i in 0..52 {
        let card: Value = s
            .post_json(
                "/api/v1/boards/race/cards",
                &json!({ "title": format!("c{i}"), "card_type": "feature" }),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(card["id"].as_str().unwrap().to_owned());
    }
    for id in &ids[..2] {
        let r = s
            .post_json(
                &format!("/api/v1/cards/{id}/move"),
                &json!({ "column_id": doing }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let requests = ids[2..].iter().map(|id| {
        s.client
            .post(s.url(&format!("/api/v1/cards/{id}/move")))
            .json(&json!({ "column_id": doing }))
            .send()
    });
    let responses = futures::future::join_all(requests).await;
    let mut ok = 0;
    let mut refused = Vec::new();
    for r in responses {
        let r = r.unwrap();
        match r.status() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => refused.push(r),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 3, "exactly the free slots were taken");
    assert_eq!(refused.len(), 47);
    let p = problem(
        refused.pop().unwrap(),
        StatusCode::CONFLICT,
        "wip-limit-exceeded",
    )
    .await;
    assert_eq!(
        (
            p["column_id"].as_str(),
            p["limit"].as_u64(),
            p["current"].as_u64()
        ),
        (Some(doing.as_str()), Some(5), Some(5))
    );
    let stored: Value = s.get_json("/api/v1/boards/race").await;
    let in_progress = stored["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["column_id"] == doing)
        .count();
    assert_eq!(in_progress, 5);
    // Which cards won the race is up to the scheduler: the checks below use cards that lost
    // it and are still in the Backlog.
    let backlog = board["columns"][0]["id"].clone();
    let waiting: Vec<String> = stored["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["column_id"] == backlog)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(waiting.len(), 47);

    // An override with a reason goes through and is recorded.
    let id = &waiting[0];
    let r = s
        .post_json(
            &format!("/api/v1/cards/{id}/move"),
            &json!({ "column_id": doing, "override_reason": "sev1 follow-up" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let events: Value = s.get_json(&format!("/api/v1/cards/{id}/events")).await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"]["type"], "policy_overridden");
    assert_eq!(last["kind"]["reason"], "sev1 follow-up");

    // The tech-debt allocation answers with its own problem type and numbers.
    let r = s.send_json(reqwest::Method::PUT, "/api/v1/boards/race/policy", &json!({ "committed_capacity": 7, "tech_debt_share": 0.2, "expedite_limit": 1, "expedite_counts_toward_wip": false })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let review = board["columns"][3]["id"].as_str().unwrap();
    let id = &waiting[1];
    let r = s
        .post_json(
            &format!("/api/v1/cards/{id}/move"),
            &json!({ "column_id": review }),
        )
        .await;
    let p = problem(r, StatusCode::CONFLICT, "tech-debt-allocation").await;
    assert_eq!(
        (
            p["reserved"].as_u64(),
            p["debt_cards"].as_u64(),
            p["limit"].as_u64()
        ),
        (Some(2), Some(0), Some(5))
    );
    assert!(
        p["detail"].as_str().unwrap().contains("tech-debt card"),
        "{p}"
    );
}

/// Imported history gives hand-computed metrics; a bad import stores nothing.
async fn metrics_from_imported_history(s: &TestServer) {
    create_board(s, "Metrics").await;
    let bad = json!({ "cards": [
        { "title": "fine", "type": "feature", "created_at": "2026-03-01T00:00:00Z", "transitions": [] },
        { "title": "bad", "type": "feature", "created_at": "2026-03-01T00:00:00Z",
          "transitions": [{ "column": "Nowhere", "at": "2026-03-02T00:00:00Z" }] }
    ]});
    let r = s.post_json("/api/v1/boards/metrics/history", &bad).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(p["detail"].as_str().unwrap().contains("card 1"), "{p}");
    assert_eq!(
        s.get_json("/api/v1/boards/metrics").await["cards"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let history = json!({ "cards": [
        { "title": "A", "type": "feature", "created_at": "2026-03-01T00:00:00Z", "transitions": [
            { "column": "In Progress", "at": "2026-03-02T00:00:00Z" },
            { "column": "Review", "at": "2026-03-02T06:00:00Z" },
            { "column": "Done", "at": "2026-03-02T10:00:00Z" } ] },
        { "title": "B", "type": "tech_debt", "created_at": "2026-03-02T00:00:00Z", "transitions": [
            { "column": "In Progress", "at": "2026-03-02T02:00:00Z" },
            { "column": "Done", "at": "2026-03-03T02:00:00Z" } ] },
        { "title": "C", "type": "incident", "severity": "sev3", "created_at": "2026-03-03T00:00:00Z", "transitions": [
            { "column": "In Progress", "at": "2026-03-03T01:00:00Z" } ] }
    ]});
    let r = s
        .post_json("/api/v1/boards/metrics/history", &history)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["imported"], 3);

    let m = s
        .get_json("/api/v1/boards/metrics/metrics?from=2026-03-02&to=2026-03-03")
        .await;
    assert_eq!(m["population"], 2);
    assert_eq!(m["cycle_time"]["count"], 2);
    assert_eq!(
        m["cycle_time"]["p50_s"], 36_000,
        "A: 10 h from In Progress to Done"
    );
    assert_eq!(m["cycle_time"]["p85_s"], 86_400, "B: 24 h");
    assert_eq!(m["cycle_time"]["mean_s"], 61_200);
    assert_eq!(m["lead_time"]["p50_s"], 93_600, "B: 26 h from creation");
    assert_eq!(m["lead_time"]["p95_s"], 122_400, "A: 34 h");
    let days: Vec<_> = m["throughput"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["total"].as_u64().unwrap())
        .collect();
    assert_eq!(days, vec![1, 1]);
    assert_eq!(
        m["flow_distribution"],
        json!({ "feature": 1, "incident": 0, "tech_debt": 1 })
    );
    assert_eq!(m["tech_debt_share"]["by_count"], 0.5);
    let by_time = m["tech_debt_share"]["by_active_time"].as_f64().unwrap();
    assert!((by_time - 24.0 / 34.0).abs() < 1e-9, "{by_time}");
    assert_eq!(m["flow_efficiency"], 1.0);
    assert_eq!(m["incidents"]["created"], 1);
    assert_eq!(m["incidents"]["restored"], 0);
    let aging = m["aging_wip"].as_array().unwrap();
    assert_eq!(aging.len(), 1);
    assert_eq!(
        aging[0]["age_s"], 82_800,
        "C: committed 01:00, window ends at midnight"
    );
    let in_progress = &m["columns"][2];
    assert_eq!(in_progress["name"], "In Progress");
    assert_eq!(in_progress["time_in_column"]["count"], 2);
    assert_eq!(in_progress["time_in_column"]["p50_s"], 21_600);

    let r = s
        .get("/api/v1/boards/metrics/metrics.csv?from=2026-03-02&to=2026-03-03")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        vec![
            "date,total,feature,incident,tech_debt",
            "2026-03-02,1,1,0,0",
            "2026-03-03,1,0,0,1"
        ]
    );
    let cfd = s
        .get("/api/v1/boards/metrics/metrics.csv?from=2026-03-02&to=2026-03-03&table=cfd")
        .await;
    let cfd = cfd.text().await.unwrap();
    let rows: Vec<_> = cfd.lines().collect();
    assert_eq!(rows[0], "date,Backlog,Ready,In Progress,Review,Done");
    assert_eq!(
        rows[2], "2026-03-03,0,0,1,0,2",
        "C in progress, A and B done"
    );
    let r = s
        .get("/api/v1/boards/metrics/metrics.csv?table=bogus")
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let empty = s
        .get_json("/api/v1/boards/metrics/metrics?from=2025-01-01&to=2025-01-07")
        .await;
    assert_eq!(empty["population"], 0);
    assert!(empty["cycle_time"]["p50_s"].is_null());
    let r = s
        .get("/api/v1/boards/metrics/metrics?from=2026-03-05&to=2026-03-01")
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let r = s.get("/api/v1/boards/metrics/metrics?from=yesterday").await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
}

/// Owners over the REST API: set on create and PATCH, added and removed one at a time, listed
/// with the members; bad owners are 422 naming `assignees` with nothing stored; the
/// per-person limit answers 409 naming the person and their cards; metrics slice by owner.
async fn owners_over_the_api(s: &TestServer) {
    use domain::access::Role;
    let board = create_board(s, "Owners").await;
    let other = create_board(s, "Other team").await;
    let id = |v: &Value| domain::BoardId(v["id"].as_str().unwrap().parse().unwrap());
    let ann = common::user(s.store.as_ref(), "ann.owner@example.com", false).await;
    let vi = common::user(s.store.as_ref(), "vi.owner@example.com", false).await;
    let out = common::user(s.store.as_ref(), "out.owner@example.com", false).await;
    let now = chrono::Utc::now();
    for (b, who, role) in [
        (&board, &ann, Role::Member),
        (&board, &vi, Role::Viewer),
        (&other, &out, Role::Member),
    ] {
        s.store
            .set_board_role(id(b), who.id, role, now)
            .await
            .unwrap();
    }
    let members: Value = s.get_json("/api/v1/boards/owners/members").await;
    let names: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ann.owner", "vi.owner"]);
    assert_eq!(members[0]["id"], ann.id.to_string());
    assert_eq!(members[0]["role"], "member");

    // Made with an owner; the board and the card answer them.
    let r = s
        .post_json(
            "/api/v1/boards/owners/cards",
            &json!({"title": "Owned", "card_type": "feature", "assignees": [ann.id]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let card: Value = r.json().await.unwrap();
    assert_eq!(card["assignees"], json!([ann.id]));
    let path = format!("/api/v1/cards/{}", card["id"].as_str().unwrap());

    // Bad owners: a viewer, someone of another board, an unknown id, not an id at all.
    for bad in [
        json!([vi.id]),
        json!([out.id]),
        json!([domain::UserId::new()]),
        json!(["ann"]),
    ] {
        let r = s
            .send_json(reqwest::Method::PATCH, &path, &json!({"assignees": bad}))
            .await;
        let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert!(
            body["field"] == "assignees" || body["detail"].as_str().unwrap().contains("assignees"),
            "{body}"
        );
        let r = s
            .post_json(
                "/api/v1/boards/owners/cards",
                &json!({"title": "Refused", "card_type": "feature", "assignees": bad}),
            )
            .await;
        problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    }
    let r = s
        .post_json(&format!("{path}/assignees"), &json!({"user_id": out.id}))
        .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["field"], "assignees");
    // Readers may not change owners.
    let reader = common::bearer_client(
        &common::token(
            s.store.as_ref(),
            &[domain::access::Scope::BoardsRead],
            Some(id(&board)),
        )
        .await,
    );
    let r = reader
        .post(s.url(&format!("{path}/assignees")))
        .json(&json!({"user_id": ann.id}))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let stored: Value = s.get_json(&path).await;
    assert_eq!(stored["assignees"], json!([ann.id]), "nothing stored");
    let cards = s.get_json("/api/v1/boards/owners").await["cards"].clone();
    assert_eq!(cards.as_array().unwrap().len(), 1, "no refused card made");

    // Off and on again, one at a time; each change is an event.
    let r = s
        .send_json(
            reqwest::Method::DELETE,
            &format!("{path}/assignees/{}", ann.id),
            &json!(null),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["assignees"], json!([]));
    let r = s
        .post_json(&format!("{path}/assignees"), &json!({"user_id": ann.id}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let events: Value = s.get_json(&format!("{path}/events")).await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "assigned", "unassigned", "assigned"]);

    // The per-person limit: one card in progress each. Ann's card goes in; her next is
    // refused with her name, the limit and her card; the override is recorded.
    let layout = s.get_json("/api/v1/boards/owners").await;
    let column = |name: &str| {
        layout["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .clone()
    };
    let r = s
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/owners/policy",
            &json!({"tech_debt_share": 0.2, "expedite_counts_toward_wip": false, "person_wip_limit": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .post_json(
            &format!("{path}/move"),
            &json!({"column_id": column("In Progress")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .post_json(
            "/api/v1/boards/owners/cards",
            &json!({"title": "Next", "card_type": "feature", "assignees": [ann.id]}),
        )
        .await;
    let next: Value = r.json().await.unwrap();
    let next_path = format!("/api/v1/cards/{}", next["id"].as_str().unwrap());
    let r = s
        .post_json(
            &format!("{next_path}/move"),
            &json!({"column_id": column("In Progress")}),
        )
        .await;
    let body = problem(r, StatusCode::CONFLICT, "person-wip-limit-exceeded").await;
    assert_eq!(body["rule"], "person_wip_limit");
    assert_eq!(body["person"]["user_id"], ann.id.to_string());
    assert_eq!(body["person"]["cards"], json!([card["number"]]));
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("ann.owner already has 1 of 1")
    );
    let r = s
        .post_json(
            &format!("{next_path}/move"),
            &json!({"column_id": column("In Progress"), "override_reason": "release day"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Metrics of Ann's work only: her two cards are the WIP; everyone's adds the third.
    s.post_json(
        "/api/v1/boards/owners/cards",
        &json!({"title": "Nobody's", "card_type": "feature", "column_id": column("In Progress")}),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let metrics = |who: &str| format!("/api/v1/boards/owners/metrics?from={today}&to={today}{who}");
    let all: Value = s.get_json(&metrics("")).await;
    let hers: Value = s.get_json(&metrics(&format!("&assignee={}", ann.id))).await;
    assert_eq!(all["aging_wip"].as_array().unwrap().len(), 3, "{all}");
    assert_eq!(hers["aging_wip"].as_array().unwrap().len(), 2, "{hers}");
    let r = s.get(&metrics("&assignee=me")).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
}

/// Comments over the REST API: written by members and tokens that may write, read by
/// readers, edited by their author only, deleted by their author or an admin, a page at a
/// time; empty and over-long texts are 422 with nothing stored.
async fn comments_over_the_api(s: &TestServer) {
    use domain::access::Scope;
    let board = create_board(s, "Talk").await;
    let id = domain::BoardId(board["id"].as_str().unwrap().parse().unwrap());
    let r = s
        .post_json(
            "/api/v1/boards/talk/cards",
            &json!({"title": "Discussed", "card_type": "feature"}),
        )
        .await;
    let card: Value = r.json().await.unwrap();
    let path = format!("/api/v1/cards/{}/comments", card["id"].as_str().unwrap());
    let client = |scopes: &'static [Scope]| async move {
        common::bearer_client(&common::token(s.store.as_ref(), scopes, Some(id)).await)
    };
    let (reader, writer, other) = (
        client(&[Scope::BoardsRead]).await,
        client(&[Scope::BoardsWrite]).await,
        client(&[Scope::BoardsWrite]).await,
    );
    let post = |c: &reqwest::Client, body: Value| {
        let (c, url) = (c.clone(), s.url(&path));
        async move { c.post(url).json(&body).send().await.unwrap() }
    };
    for (body, why) in [
        (json!({"body": "  \n "}), "empty"),
        (json!({"body": "x".repeat(20_001)}), "too long"),
    ] {
        let r = post(&writer, body).await;
        let problem = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(problem["field"], "body", "{why}");
    }
    let r = post(&reader, json!({"body": "readers may not"})).await;
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = post(&writer, json!({"body": "first"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first: Value = r.json().await.unwrap();
    let one = format!("{path}/{}", first["id"].as_str().unwrap());
    assert_eq!(first["author"]["kind"], "token");
    // Only its author edits it; another writer may not, nor delete it.
    let r = other
        .patch(s.url(&one))
        .json(&json!({"body": "mine now"}))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = other.delete(s.url(&one)).send().await.unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = writer
        .patch(s.url(&one))
        .json(&json!({"body": "first, edited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["edited_at"].is_string());
    // Fifty more: two pages, oldest first; the card counts them.
    for i in 0..50 {
        assert_eq!(
            post(&writer, json!({"body": format!("c{i}")}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let page1: Value = reader
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (page1["total"].as_u64(), page1["pages"].as_u64()),
        (Some(51), Some(2))
    );
    assert_eq!(page1["comments"][0]["body"], "first, edited");
    let page2: Value = reader
        .get(s.url(&format!("{path}?page=2")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page2["comments"].as_array().unwrap().len(), 1);
    assert_eq!(page2["comments"][0]["body"], "c49");
    // An admin deletes any comment; it stays in the list without its text.
    let r = s
        .send_json(reqwest::Method::DELETE, &one, &json!(null))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .send_json(reqwest::Method::DELETE, &one, &json!(null))
        .await;
    problem(r, StatusCode::NOT_FOUND, "not-found").await;
    let page1: Value = s.get_json(&path).await;
    assert_eq!(page1["comments"][0]["body"], "");
    assert!(page1["comments"][0]["deleted_at"].is_string());
    let stored: Value = s
        .get_json(&format!("/api/v1/cards/{}", card["id"].as_str().unwrap()))
        .await;
    assert_eq!(stored["comment_count"], 50);
    // A comment of another card is not found under this one; tokens have no inbox.
    let r = s.get(&format!("{path}/{}", domain::CommentId::new())).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = s.get("/api/v1/inbox").await;
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    boards_and_cards_round_trip(&s).await;
    bad_input_gets_problems_and_stores_nothing(&s).await;
    operations_endpoints(&s).await;
    wip_limit_holds_under_concurrency(&s).await;
    metrics_from_imported_history(&s).await;
    owners_over_the_api(&s).await;
    comments_over_the_api(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_board_is_seeded_once() {
    let db = common::sqlite();
    let mut config = server::Config::for_database(db.url.clone());
    config.demo = true;
    let s = TestServer::start_with(config.clone()).await;
    let boards: Value = s.get_json("/api/v1/boards").await;
    assert_eq!(boards.as_array().unwrap().len(), 1);
    let total = boards[0]["total_cards"].as_i64().unwrap();
    assert!((200..=500).contains(&total), "{total} demo cards");
    assert!(boards[0]["open_cards"].as_i64().unwrap() > 5);
    // The demo delivers too: weekday deployments of four services, some failed or blamed
    // for an incident, so the delivery dashboard has something to show.
    let delivery: Value = s.get_json("/api/v1/boards/platform/delivery").await;
    let keys = &delivery["four_keys"];
    assert!(
        keys["deployment_frequency"]["deployments"]
            .as_u64()
            .unwrap()
            >= 10,
        "{keys}"
    );
    assert!(keys["lead_time"]["time"]["p50_s"].as_i64().unwrap() > 0);
    let from = (chrono::Utc::now() - chrono::Duration::days(89)).date_naive();
    let all: Value = s
        .get_json(&format!("/api/v1/boards/platform/deployments?from={from}"))
        .await;
    let all = all.as_array().unwrap();
    assert!(all.len() > 100, "{} demo deployments", all.len());
    assert!(all.iter().any(|d| d["status"] == "failure"));
    assert!(
        all.iter()
            .any(|d| !d["caused_incidents"].as_array().unwrap().is_empty()),
        "some incidents are blamed on a deployment"
    );
    s.stop().await.expect("stop");
    // A restart on the same database does not seed again.
    let s = TestServer::start_with(config).await;
    let boards: Value = s.get_json("/api/v1/boards").await;
    assert_eq!(boards.as_array().unwrap().len(), 1);
    assert_eq!(boards[0]["total_cards"].as_i64().unwrap(), total);
    s.stop().await.expect("stop");
}
