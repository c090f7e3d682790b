//! Incidents from monitoring through a real server: the generic API, Alertmanager and Grafana
//! payloads as they send them, deduplication under races and storms, bad input, the per-token
//! rate limit, and live updates (server-sent events), across two instances on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TestDb, TestServer, bearer_client, token};
use domain::access::Scope;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A board plus a token with `incidents:write` bound to it.
async fn board_with_monitor(s: &TestServer, name: &str) -> (Value, reqwest::Client) {
    let r = s.post_json("/api/v1/boards", &json!({"name": name})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let id = board["id"].as_str().unwrap().parse().unwrap();
    let secret = token(s.store.as_ref(), &[Scope::IncidentsWrite], Some(id)).await;
    (board, bearer_client(&secret))
}

async fn cards_of(s: &TestServer, slug: &str) -> Vec<Value> {
    s.get_json(&format!("/api/v1/boards/{slug}")).await["cards"]
        .as_array()
        .unwrap()
        .clone()
}

async fn generic_api_deduplicates(s: &TestServer) {
    let (board, monitor) = board_with_monitor(s, "Generic").await;
    let post = |body: Value| monitor.post(s.url("/api/v1/incidents")).json(&body).send();
    let r = post(
        json!({"title": "Checkout 5xx", "severity": "sev1", "service": "checkout",
        "dedup_key": "checkout-5xx", "link": "https://grafana.example/d/1"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let card: Value = r.json().await.unwrap();
    assert_eq!(card["card_type"], "incident");
    assert_eq!(card["column_id"], board["columns"][0]["id"], "first column");
    assert_eq!(
        card["lane_id"], board["lanes"][0]["id"],
        "sev1 goes to Expedite"
    );
    assert_eq!(card["occurrences"], 1);
    assert_eq!(card["link"], "https://grafana.example/d/1");
    assert_eq!(card["source"], "api");
    // Same key while open: the same card, refreshed.
    let r = post(
        json!({"title": "Checkout 5xx again", "severity": "sev1", "dedup_key": "checkout-5xx"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["id"], card["id"]);
    assert_eq!(again["occurrences"], 2);
    assert!(again["last_seen_at"].as_str().unwrap() >= card["last_seen_at"].as_str().unwrap());
    // Another key, and no key: new cards. The second sev1 overrides the Expedite limit (1),
    // recorded, because monitoring is never refused.
    let r = post(json!({"title": "Search down", "severity": "sev2", "dedup_key": "search"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let search: Value = r.json().await.unwrap();
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            search["id"].as_str().unwrap()
        ))
        .await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "policy_overridden"], "{events}");
    assert_eq!(events[0]["actor"]["kind"], "token");
    for _ in 0..2 {
        let r = post(json!({"title": "Disk full", "severity": "sev4"}))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    assert_eq!(cards_of(s, "generic").await.len(), 4);
    // Resolve: the alert side, recorded with the time; unknown keys are 404.
    let r = monitor
        .post(s.url("/api/v1/incidents/checkout-5xx/resolve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let resolved: Value = r.json().await.unwrap();
    assert!(resolved["alert_resolved_at"].is_string());
    let r = monitor
        .post(s.url("/api/v1/incidents/nope/resolve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            card["id"].as_str().unwrap()
        ))
        .await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "incident_recurred", "alert_resolved"]);
    // The recurrence is logged with the count the card had then, by the monitor, when the
    // card was refreshed.
    assert_eq!(events[1]["kind"]["occurrences"], 2, "{events}");
    assert_eq!(events[1]["actor"]["kind"], "token");
    assert_eq!(events[1]["at"], again["last_seen_at"], "{events}");
    // Firing again while the card is still open clears the resolution.
    let r = post(json!({"title": "Checkout 5xx", "severity": "sev1", "dedup_key": "checkout-5xx"}))
        .await
        .unwrap();
    let refired: Value = r.json().await.unwrap();
    assert_eq!(
        (
            refired["occurrences"].as_i64(),
            refired["alert_resolved_at"].is_null()
        ),
        (Some(3), true)
    );
    // Once the card is done, the key is free: a new incident gets a new card.
    let done = board["columns"][4]["id"].as_str().unwrap();
    let r = s
        .post_json(
            &format!("/api/v1/cards/{}/move", card["id"].as_str().unwrap()),
            &json!({"column_id": done}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(json!({"title": "Checkout 5xx", "severity": "sev1", "dedup_key": "checkout-5xx"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let fresh: Value = r.json().await.unwrap();
    assert_ne!(fresh["id"], card["id"]);
}

async fn bad_input_stores_nothing(s: &TestServer) {
    let (board, monitor) = board_with_monitor(s, "Strict incidents").await;
    let url = s.url("/api/v1/incidents");
    let problem = |r: reqwest::Response,
                   status: StatusCode,
                   kind: &'static str,
                   field: Option<&'static str>| async move {
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["type"],
            format!("urn:flowboard:problem:{kind}"),
            "{body}"
        );
        if let Some(f) = field {
            assert_eq!(body["field"], f, "{body}");
        }
    };
    let raw = |body: &'static str| {
        monitor
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    problem(
        raw("{\"title\": ").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed-json",
        None,
    )
    .await;
    problem(
        raw(r#"{"title": "x", "severity": "sev9"}"#).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("severity"),
    )
    .await;
    problem(
        raw(r#"{"severity": "sev1"}"#).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("title"),
    )
    .await;
    problem(
        raw(r#"{"title": "", "severity": "sev1"}"#).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("title"),
    )
    .await;
    problem(
        raw(r#"{"title": "x", "severity": "sev1", "link": "javascript:alert(1)"}"#)
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("link"),
    )
    .await;
    let huge = format!(
        r#"{{"title": "x", "severity": "sev1", "description": "{}"}}"#,
        "a".repeat(1_100_000)
    );
    let r = monitor
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", None).await;
    let ok = json!({"title": "x", "severity": "sev1"});
    problem(
        s.anonymous.post(&url).json(&ok).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    )
    .await;
    problem(
        bearer_client("fbt_nope")
            .post(&url)
            .json(&ok)
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    )
    .await;
    let id = board["id"].as_str().unwrap().parse().unwrap();
    let reader = bearer_client(&token(s.store.as_ref(), &[Scope::BoardsRead], Some(id)).await);
    problem(
        reader.post(&url).json(&ok).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let (_, elsewhere) = board_with_monitor(s, "Other incidents").await;
    problem(
        elsewhere
            .post(format!("{url}?board=strict-incidents"))
            .json(&ok)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    // An instance-wide token must say which board.
    problem(
        s.client.post(&url).json(&ok).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("board"),
    )
    .await;
    let bad_am = json!({"version": "3", "alerts": []});
    problem(
        monitor
            .post(s.url("/api/v1/integrations/alertmanager"))
            .json(&bad_am)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("version"),
    )
    .await;
    assert!(
        cards_of(s, "strict-incidents").await.is_empty(),
        "nothing stored"
    );
}

const ALERTMANAGER: &str = r#"{
  "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0,
  "status": "firing", "receiver": "flowboard",
  "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": {"alertname": "HighErrorRate"},
  "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
  "alerts": [
    {"status": "firing",
     "labels": {"alertname": "HighErrorRate", "severity": "critical", "job": "payments-api", "instance": "10.0.0.7:9100"},
     "annotations": {"summary": "Payments 5xx above 2%", "description": "Error ratio 4.1% for 10m."},
     "startsAt": "2026-11-20T10:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "http://prometheus:9090/graph?g0.expr=rate", "fingerprint": "c6a9b3f1d2e4a5b6"},
    {"status": "firing",
     "labels": {"alertname": "DiskFilling", "severity": "warning", "service": "search"},
     "annotations": {}, "startsAt": "2026-11-20T08:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "", "fingerprint": "0011223344556677"}
  ]
}"#;

const GRAFANA: &str = r#"{
  "receiver": "flowboard", "status": "firing", "orgId": 1,
  "alerts": [{"status": "firing",
    "labels": {"alertname": "Latency p99", "grafana_folder": "Checkout", "severity": "major"},
    "annotations": {"description": "p99 above 800 ms"},
    "startsAt": "2026-11-20T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "https://grafana.example/alerting/grafana/abc/view", "fingerprint": "57c6d9296de2ad39",
    "silenceURL": "https://grafana.example/alerting/silence/new", "dashboardURL": "https://grafana.example/d/xyz",
    "panelURL": "https://grafana.example/d/xyz?viewPanel=2", "values": {"B": 912.5},
    "valueString": "[ var='B' labels={} value=912.5 ]"}],
  "groupLabels": {"alertname": "Latency p99"}, "commonLabels": {"alertname": "Latency p99"},
  "commonAnnotations": {}, "externalURL": "https://grafana.example/", "version": "1",
  "groupKey": "{}:{alertname=\"Latency p99\"}", "truncatedAlerts": 0,
  "title": "[FIRING:1] Latency p99", "state": "alerting", "message": "**Firing**"
}"#;

async fn webhooks(s: &TestServer) {
    let (board, monitor) = board_with_monitor(s, "Webhooks").await;
    let am = s.url("/api/v1/integrations/alertmanager");
    let send = |url: String, body: &'static str| {
        monitor
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let outcome: Value = send(am.clone(), ALERTMANAGER)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (outcome["created"].as_i64(), outcome["refreshed"].as_i64()),
        (Some(2), Some(0)),
        "{outcome}"
    );
    let first = &outcome["cards"][0];
    assert_eq!(first["title"], "Payments 5xx above 2%");
    assert_eq!(first["severity"], "sev1");
    assert_eq!(first["service"], "payments-api");
    assert_eq!(first["source"], "alertmanager");
    assert_eq!(first["dedup_key"], "alertmanager:c6a9b3f1d2e4a5b6");
    assert_eq!(outcome["cards"][1]["severity"], "sev3");
    // Alertmanager repeats the notification: refreshed, not duplicated.
    let outcome: Value = send(am.clone(), ALERTMANAGER)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (outcome["created"].as_i64(), outcome["refreshed"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(outcome["cards"][0]["occurrences"], 2);
    // The board moves resolved incidents to Done.
    let done = board["columns"][4]["id"].clone();
    let mut settings = json!({"severity_map": [{"label": "critical", "severity": "sev1"}, {"label": "warning", "severity": "sev2"}],
        "fallback": "sev4", "resolve_column_id": done});
    let r = s
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/webhooks/incident-settings",
            &settings,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    settings["resolve_column_id"] = json!(domain::ColumnId::new());
    let r = s
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/webhooks/incident-settings",
            &settings,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a column of another board"
    );
    let resolved = ALERTMANAGER.replace(
        r#""status": "firing",
     "labels": {"alertname": "HighErrorRate""#,
        r#""status": "resolved",
     "labels": {"alertname": "HighErrorRate""#,
    );
    assert!(resolved.contains("\"resolved\""));
    let outcome: Value = monitor
        .post(am.clone())
        .header("content-type", "application/json")
        .body(resolved)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (outcome["resolved"].as_i64(), outcome["refreshed"].as_i64()),
        (Some(1), Some(1)),
        "{outcome}"
    );
    let card = &outcome["cards"][0];
    assert_eq!(card["column_id"], done, "moved to the resolve column");
    assert!(card["alert_resolved_at"].is_string());
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            card["id"].as_str().unwrap()
        ))
        .await;
    let last = events
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"]["type"] == "alert_resolved")
        .unwrap();
    assert_eq!(last["actor"]["kind"], "integration");
    assert!(
        last["actor"]["name"]
            .as_str()
            .unwrap()
            .starts_with("alertmanager")
    );
    // Grafana, same semantics, under the board's own mapping (major is unlisted now → sev4).
    let outcome: Value = send(s.url("/api/v1/integrations/grafana"), GRAFANA)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["created"], 1);
    let g = &outcome["cards"][0];
    assert_eq!(
        (g["title"].as_str(), g["severity"].as_str()),
        (Some("Latency p99"), Some("sev4"))
    );
    assert_eq!(g["link"], "https://grafana.example/d/xyz?viewPanel=2");
    let outcome: Value = send(s.url("/api/v1/integrations/grafana"), GRAFANA)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["refreshed"], 1);
}

async fn races_and_storms(s: &TestServer) {
    let (_, monitor) = board_with_monitor(s, "Storm").await;
    // Twenty identical reports at once: one card.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = monitor.clone();
            let url = s.url("/api/v1/incidents");
            tokio::spawn(async move {
                c.post(url)
                    .json(&json!({"title": "race", "severity": "sev3", "dedup_key": "race"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status}"
        );
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    // A storm: 10,000 firing alerts over 50 fingerprints, in 100 notifications of 100 alerts,
    // eight at a time (as Alertmanager's grouping and retries deliver them).
    let notifications: Vec<String> = (0..100)
        .map(|n| {
            let alerts: Vec<Value> = (0..100)
                .map(|i| {
                    let f = (n * 100 + i) % 50;
                    json!({"status": "firing", "labels": {"alertname": format!("Alert{f}"), "severity": "warning"},
                           "annotations": {}, "fingerprint": format!("fp{f:02}")})
                })
                .collect();
            json!({"version": "4", "status": "firing", "alerts": alerts}).to_string()
        })
        .collect();
    let url = s.url("/api/v1/integrations/alertmanager");
    let results: Vec<StatusCode> = futures::stream::iter(notifications)
        .map(|body| {
            let c = monitor.clone();
            let url = url.clone();
            async move {
                c.post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(results.iter().all(|s| *s == StatusCode::OK), "{results:?}");
    let cards = cards_of(s, "storm").await;
    let storm: Vec<&Value> = cards
        .iter()
        .filter(|c| c["source"] == "alertmanager")
        .collect();
    assert_eq!(storm.len(), 50, "one card per fingerprint");
    let total: i64 = storm
        .iter()
        .map(|c| c["occurrences"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 10_000, "every alert counted once");
}

/// Reads the live stream at `url` until `done` holds for what arrived, within `limit`;
/// signals `ready` (if given) once the stream's `ready` event arrived. What arrived.
async fn read_stream(
    client: &reqwest::Client,
    url: String,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
    done: impl Fn(&str) -> bool,
    limit: Duration,
) -> Result<String, String> {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    let outcome = tokio::time::timeout(limit, async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("event: ready")
                && let Some(r) = ready.take()
            {
                let _ = r.send(());
            }
            if done(&seen) {
                return true;
            }
        }
        false
    })
    .await;
    match outcome {
        Ok(true) => Ok(seen),
        _ => Err(seen),
    }
}

/// Reads SSE events from `url` until one whose data contains `needle`, within `limit`.
async fn wait_for_event(
    client: &reqwest::Client,
    url: String,
    ready: tokio::sync::oneshot::Sender<()>,
    needle: &'static str,
    limit: Duration,
) -> String {
    read_stream(
        client,
        url,
        Some(ready),
        |seen| seen.contains(needle),
        limit,
    )
    .await
    .unwrap_or_else(|seen| panic!("no {needle:?} event in time; got {seen:?}"))
}

/// The data line of the `ready` event in `seen`, once it arrived whole.
fn ready_data(seen: &str) -> Option<&str> {
    let at = seen.find("event: ready\n")?;
    seen[at..]
        .split_inclusive('\n')
        .find(|line| line.starts_with("data: "))
        .and_then(|line| line.strip_suffix('\n'))
        .map(|line| &line["data: ".len()..])
}

/// The `changed_at` of the `ready` event a new live stream on `server` starts with.
async fn ready_changed_at(server: &TestServer, slug: &str) -> chrono::DateTime<chrono::Utc> {
    let url = server.url(&format!("/api/v1/boards/{slug}/live"));
    let seen = read_stream(
        &server.client,
        url,
        None,
        |seen| ready_data(seen).is_some(),
        Duration::from_secs(5),
    )
    .await
    .unwrap_or_else(|seen| panic!("no `ready` event in time: {seen:?}"));
    let data = ready_data(&seen).unwrap_or_default();
    let ready: Value = serde_json::from_str(data).unwrap();
    ready["changed_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("ready without changed_at: {data}"))
}

/// A change made through `writer` reaches a live stream opened on `reader` within a second,
/// and the `ready` of a stream opened afterwards on `reader` dates the board's last change no
/// earlier than it (so a board page read before it reloads, and one read after need not).
async fn live_update_crosses(reader: &TestServer, writer: &TestServer, slug: &str) {
    let quiet = ready_changed_at(reader, slug).await;
    assert!(quiet <= chrono::Utc::now());
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let client = reader.client.clone();
    let url = reader.url(&format!("/api/v1/boards/{slug}/live"));
    let watch = tokio::spawn(async move {
        wait_for_event(
            &client,
            url,
            ready_tx,
            "incident_opened",
            Duration::from_secs(10),
        )
        .await
    });
    ready_rx.await.unwrap();
    let start = std::time::Instant::now();
    let before = chrono::Utc::now();
    let secret = token(writer.store.as_ref(), &[Scope::IncidentsWrite], None).await;
    let r = bearer_client(&secret)
        .post(writer.url(&format!("/api/v1/incidents?board={slug}")))
        .json(&json!({"title": "live", "severity": "sev3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let seen = watch.await.unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    assert!(seen.contains("event: change"), "{seen}");
    let changed = ready_changed_at(reader, slug).await;
    assert!(
        changed >= before && changed > quiet,
        "ready dates the last change {changed}, the change was made after {before}"
    );
}

async fn rate_limited_tokens(db: &TestDb) {
    let mut config = server::Config::for_database(db.url.clone());
    config.token_requests_per_second = 2;
    let s = TestServer::start_with(config).await;
    let secret = token(s.store.as_ref(), &[Scope::BoardsRead], None).await;
    let c = bearer_client(&secret);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(c.get(s.url("/api/v1/boards")).send().await.unwrap());
    }
    let limited = statuses
        .iter()
        .find(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .expect("a 429 after the burst");
    assert!(
        limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(statuses[0].status(), StatusCode::OK);
    s.stop().await.unwrap();
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    generic_api_deduplicates(&s).await;
    bad_input_stores_nothing(&s).await;
    webhooks(&s).await;
    races_and_storms(&s).await;
    s.post_json("/api/v1/boards", &json!({"name": "Live"}))
        .await;
    live_update_crosses(&s, &s, "live").await;
    s.stop()
        .await
        .expect("clean shutdown with a live stream open");
    rate_limited_tokens(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}

/// Two instances on one PostgreSQL database: a change through one reaches live views on the
/// other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_cross_instances_on_postgres() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = TestServer::start(&db).await;
    let b = TestServer::start(&db).await;
    a.post_json("/api/v1/boards", &json!({"name": "Shared"}))
        .await;
    live_update_crosses(&b, &a, "shared").await;
    live_update_crosses(&a, &b, "shared").await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}
