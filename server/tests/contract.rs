//! The API's contract as clients rely on it: the OpenAPI document says where each parameter
//! goes and every `$ref` in it resolves; unknown fields, unknown paths, wrong methods and
//! truncated bodies get the same problem on every endpoint; reported times are bounded by the
//! server's clock; a resolved alert keeps the time it ended. On SQLite always and on
//! PostgreSQL when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Mutex, Once};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use common::{TestDb, TestServer};
use domain::incident::{AlertmanagerPayload, GrafanaPayload};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Asserts a problem+json answer of `kind` and returns its body.
async fn problem(r: reqwest::Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(r.status(), status, "{}", r.url());
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

/// ERROR events logged in this test process, where the servers under test run.
static ERRORS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records ERROR events into [`ERRORS`].
struct ErrorLog;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ErrorLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() == tracing::Level::ERROR {
            ERRORS
                .lock()
                .unwrap()
                .push(format!("{} {}", meta.target(), meta.name()));
        }
    }
}

/// Starts recording ERROR events (once per process).
fn record_errors() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(ErrorLog);
        tracing::subscriber::set_global_default(subscriber).expect("the first subscriber");
    });
}

/// Sends `body` as-is (no JSON encoding) with a JSON content type.
async fn raw(s: &TestServer, method: Method, path: &str, body: &str) -> reqwest::Response {
    s.client
        .request(method, s.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn create_board(s: &TestServer, name: &str) -> Value {
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": name }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// Every `"$ref"` string anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

async fn openapi_declares_parameters_where_they_go(s: &TestServer) {
    let doc: Value = s.get_json("/api/v1/openapi.json").await;
    // For `openapi-spec-validator` and other tools: the document as served.
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();

    let mut wrong = Vec::new();
    let mut queries = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let at = format!("{method} {path} {name}");
                match p["in"].as_str() {
                    // A path parameter must be a segment of the path it is declared on.
                    Some("path") if !path.contains(&format!("{{{name}}}")) => wrong.push(at),
                    Some("query") => queries.push(at),
                    _ => {}
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "declared in: path but not in the path: {wrong:?}"
    );
    for query in [
        "board",
        "from",
        "to",
        "service",
        "environment",
        "table",
        "assignee",
        "label",
        "page",
        "q",
    ] {
        assert!(
            queries.iter().any(|q| q.ends_with(&format!(" {query}"))),
            "{query} is a query parameter somewhere: {queries:?}"
        );
    }
    assert_eq!(queries.len(), 26, "{queries:?}");

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.iter().any(|r| r.ends_with("/CsvTable")));
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} resolves");
    }
}

/// Every operation's answers to an anonymous caller (401), a body that is not JSON (400) or not
/// sent as JSON (415), and names of no board or card, are answers the document declares for
/// it. The contract run (`make test-contract`) found 400, 415 and 404 undeclared on most writes
/// and the 422 of resolving an incident without `?board=` undeclared.
async fn shared_answers_are_declared(s: &TestServer) {
    let doc: Value = s.get_json("/api/v1/openapi.json").await;
    let mut undeclared = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        // A stream: its 200 never ends, and its other answers are those of GET /boards/{board}.
        if path.ends_with("/live") {
            continue;
        }
        let url = path
            .replace("{board}", "no-such-board")
            .replace("{id}", "no-such-card")
            .replace("{dedup_key}", "no-such-key");
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let request = |client: &reqwest::Client| client.request(method.clone(), s.url(&url));
            let mut answers = vec![(
                "anonymous",
                request(&s.anonymous).send().await.unwrap().status(),
                Some(StatusCode::UNAUTHORIZED),
            )];
            if op.get("requestBody").is_some() {
                let not_json = raw(s, method.clone(), &url, "{").await.status();
                let text = request(&s.client)
                    .header("content-type", "text/plain")
                    .body("{}")
                    .send()
                    .await
                    .unwrap()
                    .status();
                let empty = raw(s, method.clone(), &url, "{}").await.status();
                answers.push(("not JSON", not_json, Some(StatusCode::BAD_REQUEST)));
                answers.push(("text/plain", text, Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)));
                answers.push(("{}", empty, None));
            } else {
                let status = request(&s.client).send().await.unwrap().status();
                answers.push(("no such name", status, None));
            }
            for (case, status, expected) in answers {
                if expected.is_some_and(|e| e != status) {
                    undeclared.push(format!(
                        "{method} {path} {case}: {status}, not {expected:?}"
                    ));
                }
                if op["responses"].get(status.as_str()).is_none() {
                    undeclared.push(format!("{method} {path} {case}: {status} undeclared"));
                }
            }
        }
    }
    assert!(undeclared.is_empty(), "{undeclared:#?}");

    // An instance-wide token must name the board of an incident it resolves.
    let r = s
        .client
        .post(s.url("/api/v1/incidents/no-such-key/resolve"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let declared = &doc["paths"]["/api/v1/incidents/{dedup_key}/resolve"]["post"]["responses"];
    assert!(declared.get("422").is_some(), "{declared}");
}

async fn unknown_fields_are_refused_everywhere(s: &TestServer) {
    let refused = |r: reqwest::Response, field: &'static str| async move {
        let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(body["field"], field, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("unknown field"),
            "{body}"
        );
    };
    let r = s
        .post_json(
            "/api/v1/boards",
            &json!({"name": "Strict", "colour": "red"}),
        )
        .await;
    refused(r, "colour").await;
    assert_eq!(
        s.get("/api/v1/boards/strict").await.status(),
        StatusCode::NOT_FOUND
    );

    let board = create_board(s, "Contract").await;
    let columns = board["columns"].as_array().unwrap().clone();
    let cards = "/api/v1/boards/contract/cards";
    let lane = json!({"title": "x", "card_type": "feature", "lane": "expedite"});
    refused(s.post_json(cards, &lane).await, "lane").await;
    let stored: Value = s.get_json("/api/v1/boards/contract").await;
    assert!(
        stored["cards"].as_array().unwrap().is_empty(),
        "nothing stored"
    );

    let card: Value = s
        .post_json(cards, &json!({"title": "kept", "card_type": "feature"}))
        .await
        .json()
        .await
        .unwrap();
    let card_url = format!("/api/v1/cards/{}", card["id"].as_str().unwrap());
    let patch = json!({"title": "changed", "colour": "red"});
    refused(
        s.send_json(Method::PATCH, &card_url, &patch).await,
        "colour",
    )
    .await;
    assert_eq!(s.get_json(&card_url).await["title"], "kept");
    let to = json!({"column_id": columns[1]["id"], "lane": "expedite"});
    refused(s.post_json(&format!("{card_url}/move"), &to).await, "lane").await;

    let mut layout: Vec<Value> = columns
        .iter()
        .map(|c| json!({"id": c["id"], "name": c["name"], "kind": c["kind"]}))
        .collect();
    let path = "/api/v1/boards/contract/columns";
    let extra = json!({"columns": layout, "lanes": []});
    refused(s.send_json(Method::PUT, path, &extra).await, "lanes").await;
    layout[0]["limit"] = json!(3);
    let nested = json!({"columns": layout});
    refused(
        s.send_json(Method::PUT, path, &nested).await,
        "columns[0].limit",
    )
    .await;

    let policy = json!({"tech_debt_share": 0.2, "expedite_counts_toward_wip": false, "wip": 3});
    let path = "/api/v1/boards/contract/policy";
    refused(s.send_json(Method::PUT, path, &policy).await, "wip").await;

    let settings = json!({"severity_map": [], "fallback": "sev4", "resolve_column_id": null,
                          "resolve_lane_id": null});
    let path = "/api/v1/boards/contract/incident-settings";
    refused(
        s.send_json(Method::PUT, path, &settings).await,
        "resolve_lane_id",
    )
    .await;

    let history = json!({"cards": [{"title": "old", "type": "feature", "transitions": [],
                         "created_at": "2026-01-01T00:00:00Z", "lane": "expedite"}]});
    let path = "/api/v1/boards/contract/history";
    refused(s.post_json(path, &history).await, "cards[0].lane").await;

    // The incident and deployment APIs answer the same.
    let incident = json!({"title": "x", "severity": "sev3", "lane": "expedite"});
    refused(
        s.post_json("/api/v1/incidents?board=contract", &incident)
            .await,
        "lane",
    )
    .await;
    let deployment = json!({"service": "api", "environment": "production", "version": "1",
                            "status": "success", "colour": "red"});
    let path = "/api/v1/deployments?board=contract";
    refused(s.post_json(path, &deployment).await, "colour").await;
    let stored: Value = s.get_json("/api/v1/boards/contract").await;
    assert_eq!(
        stored["cards"].as_array().unwrap().len(),
        1,
        "only the kept card"
    );
}

async fn unknown_paths_and_methods_get_problems(s: &TestServer) {
    record_errors();
    for path in [
        "/api/v1/nothing",
        "/api/v2/boards",
        "/api",
        "/api/v1/boards/contract/nope",
    ] {
        let body = problem(s.get(path).await, StatusCode::NOT_FOUND, "not-found").await;
        assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
    }
    let r = raw(s, Method::POST, "/api/v1/nothing", "{}").await;
    problem(r, StatusCode::NOT_FOUND, "not-found").await;
    // Pages for people keep their HTML 404, signed in or not.
    for client in [&s.client, &s.anonymous] {
        let r = client.get(s.url("/no/such/page")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }

    for (method, path, allowed) in [
        (Method::DELETE, "/api/v1/boards", &["GET", "POST"][..]),
        (Method::GET, "/api/v1/incidents", &["POST"][..]),
        (Method::POST, "/api/v1/boards/contract", &["GET"][..]),
        (Method::PUT, "/api/v1/openapi.json", &["GET"][..]),
    ] {
        let r = s.client.request(method, s.url(path)).send().await.unwrap();
        let allow = r.headers()["allow"].to_str().unwrap().to_owned();
        problem(r, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed").await;
        for m in allowed {
            assert!(allow.contains(m), "{path}: Allow {allow:?} lists {m}");
        }
    }
    // A client's wrong URL is not the server's error.
    assert_eq!(*ERRORS.lock().unwrap(), Vec::<String>::new());
}

async fn truncated_json_is_malformed_everywhere(s: &TestServer) {
    let card: Value = s
        .post_json(
            "/api/v1/boards/contract/cards",
            &json!({"title": "target", "card_type": "feature"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let card = format!("/api/v1/cards/{}", card["id"].as_str().unwrap());
    let move_to = format!("{card}/move");
    for (method, path, body) in [
        (Method::POST, "/api/v1/boards", r#"{"name": "x""#),
        (
            Method::POST,
            "/api/v1/boards/contract/cards",
            r#"{"title": "x""#,
        ),
        (
            Method::POST,
            "/api/v1/boards/contract/cards",
            r#"{"title": "x", "card_type": "feature""#,
        ),
        // Cut short after a bad value or an unknown field: still not JSON, so not a 422.
        (
            Method::POST,
            "/api/v1/boards/contract/cards",
            r#"{"title": "x", "card_type": "bug""#,
        ),
        (
            Method::POST,
            "/api/v1/boards",
            r#"{"name": "x", "colour": "red""#,
        ),
        (
            Method::POST,
            "/api/v1/incidents?board=contract",
            r#"{"severity": "sev9""#,
        ),
        (
            Method::POST,
            "/api/v1/deployments?board=contract",
            r#"{"status": "rolled_back", "#,
        ),
        (Method::PATCH, card.as_str(), r#"{"title": "x""#),
        (Method::POST, move_to.as_str(), r#"{"position": 1"#),
        (
            Method::PUT,
            "/api/v1/boards/contract/policy",
            r#"{"tech_debt_share": 0.2"#,
        ),
        (
            Method::POST,
            "/api/v1/boards/contract/history",
            r#"{"cards": []"#,
        ),
        (
            Method::POST,
            "/api/v1/incidents?board=contract",
            r#"{"title": "x""#,
        ),
        (
            Method::POST,
            "/api/v1/deployments?board=contract",
            r#"{"service": "x""#,
        ),
        (
            Method::POST,
            "/api/v1/integrations/alertmanager?board=contract",
            r#"{"version": "4""#,
        ),
        (
            Method::POST,
            "/api/v1/integrations/grafana?board=contract",
            r#"{"alerts": []"#,
        ),
    ] {
        let r = raw(s, method.clone(), path, body).await;
        let got = problem(r, StatusCode::BAD_REQUEST, "malformed-json").await;
        assert!(got.get("field").is_none(), "{method} {path}: {got}");
    }
}

async fn history_in_the_future_is_refused(s: &TestServer) {
    create_board(s, "History").await;
    let at = |offset: TimeDelta| (Utc::now() + offset).trunc_subsecs(0).to_rfc3339();
    let doc = |created: String, entered: String| {
        json!({"cards": [
            {"title": "past", "type": "feature", "created_at": "2026-01-01T00:00:00Z",
             "transitions": [{"column": "Done", "at": "2026-01-02T00:00:00Z"}]},
            {"title": "later", "type": "feature", "created_at": created,
             "transitions": [{"column": "Done", "at": entered}]}]})
    };
    let path = "/api/v1/boards/history/history";
    let an_hour_ago = at(-TimeDelta::hours(1));
    let tomorrow = doc(an_hour_ago.clone(), at(TimeDelta::days(1)));
    let body = problem(
        s.post_json(path, &tomorrow).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(body["field"], "cards.transitions.at", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("card 1: transition 0"),
        "{body}"
    );
    let created = doc(at(TimeDelta::minutes(10)), at(TimeDelta::minutes(11)));
    let body = problem(
        s.post_json(path, &created).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(body["field"], "cards.created_at", "{body}");
    let board: Value = s.get_json("/api/v1/boards/history").await;
    assert!(
        board["cards"].as_array().unwrap().is_empty(),
        "all or nothing"
    );
    // A minute ahead is clock drift, as for deployments.
    let drift = doc(an_hour_ago, at(TimeDelta::minutes(1)));
    assert_eq!(
        s.post_json(path, &drift).await.status(),
        StatusCode::CREATED
    );
}

/// Opens an incident through the store as if its alert had fired at `at`, and returns the
/// card's id.
async fn fired_at(
    s: &TestServer,
    board: &Value,
    source: &str,
    fingerprint: &str,
    at: DateTime<Utc>,
) -> String {
    let payload = json!({"version": "4", "alerts": [{"status": "firing", "fingerprint": fingerprint,
                         "labels": {"alertname": fingerprint, "severity": "warning"}}]});
    let settings = Default::default();
    let signals = match source {
        "alertmanager" => {
            let payload: AlertmanagerPayload = serde_json::from_value(payload).unwrap();
            payload.signals(&settings).unwrap()
        }
        _ => serde_json::from_value::<GrafanaPayload>(payload)
            .unwrap()
            .signals(&settings),
    };
    let board_id: domain::BoardId = board["id"].as_str().unwrap().parse().unwrap();
    let actor = domain::Actor::system("test");
    let done = s
        .store
        .apply_alerts(
            &domain::board::BoardRef::Id(board_id),
            &signals,
            source,
            &actor,
            at,
        )
        .await
        .unwrap();
    match &done[0] {
        application::ports::AlertOutcome::Created(card) => card.id.to_string(),
        other => panic!("{other:?}"),
    }
}

/// Sends a resolved notification for `fingerprint` with `ends_at` (the field left out when
/// `None`); returns the card's `alert_resolved_at` and its `alert_resolved` event's time.
async fn resolve(
    s: &TestServer,
    source: &str,
    card: &str,
    fingerprint: &str,
    ends_at: Option<&str>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let mut alert = json!({"status": "resolved", "fingerprint": fingerprint,
                           "labels": {"alertname": fingerprint}});
    if let Some(end) = ends_at {
        alert["endsAt"] = json!(end);
    }
    let body = match source {
        "alertmanager" => json!({"version": "4", "status": "resolved", "alerts": [alert]}),
        _ => json!({"status": "resolved", "alerts": [alert]}),
    };
    let r = s
        .post_json(
            &format!("/api/v1/integrations/{source}?board=alerts"),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let outcome: Value = r.json().await.unwrap();
    assert_eq!(outcome["resolved"], 1, "{outcome}");
    let card: Value = s.get_json(&format!("/api/v1/cards/{card}")).await;
    let resolved_at = card["alert_resolved_at"].as_str().unwrap().parse().unwrap();
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            card["id"].as_str().unwrap()
        ))
        .await;
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["kind"]["type"] == "alert_resolved")
        .expect("an alert_resolved event");
    (resolved_at, event["at"].as_str().unwrap().parse().unwrap())
}

async fn resolved_alerts_keep_their_end(s: &TestServer) {
    let board = create_board(s, "Alerts").await;
    let now = Utc::now().trunc_subsecs(0);
    let (fired, ended) = (now - TimeDelta::minutes(20), now - TimeDelta::minutes(5));
    // The notification arrives five minutes after the alert ended: the end is what counts.
    for source in ["alertmanager", "grafana"] {
        let fingerprint = format!("{source}-late");
        let card = fired_at(s, &board, source, &fingerprint, fired).await;
        let got = resolve(s, source, &card, &fingerprint, Some(&ended.to_rfc3339())).await;
        assert_eq!(got, (ended, ended), "{source}");
    }
    // Time to restore reads the same time: 15 minutes for both.
    let delivery: Value = s.get_json("/api/v1/boards/alerts/delivery").await;
    let restore = &delivery["four_keys"]["time_to_restore"]["incidents"];
    assert_eq!(restore["count"], 2, "{restore}");
    assert_eq!(restore["p50_s"], 900, "{restore}");

    // Ends the server cannot believe fall back to the time the notification arrived.
    let ahead = (Utc::now() + TimeDelta::hours(1)).to_rfc3339();
    let before_opened = (fired - TimeDelta::minutes(1)).to_rfc3339();
    for (i, ends_at) in [
        None,
        Some("0001-01-01T00:00:00Z"),
        Some(ahead.as_str()),
        Some(before_opened.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let fingerprint = format!("fallback-{i}");
        let card = fired_at(s, &board, "alertmanager", &fingerprint, fired).await;
        let sent = Utc::now().trunc_subsecs(0);
        let (resolved_at, event_at) =
            resolve(s, "alertmanager", &card, &fingerprint, ends_at).await;
        assert_eq!(resolved_at, event_at, "{ends_at:?}");
        assert!(
            resolved_at >= sent && resolved_at <= Utc::now(),
            "{ends_at:?}: {resolved_at}"
        );
    }
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    openapi_declares_parameters_where_they_go(&s).await;
    shared_answers_are_declared(&s).await;
    unknown_fields_are_refused_everywhere(&s).await;
    unknown_paths_and_methods_get_problems(&s).await;
    truncated_json_is_malformed_everywhere(&s).await;
    history_in_the_future_is_refused(&s).await;
    resolved_alerts_keep_their_end(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}
