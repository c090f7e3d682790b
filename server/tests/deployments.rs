//! Deployments and the delivery view through a real server, on SQLite and PostgreSQL: reports
//! with commits and cards, their events, refusals that store nothing, token scopes and session
//! roles, incidents blamed on deployments (by report, by alert label, by hand), and four keys
//! and a value stream computed by hand for a fixed week.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TestDb, TestServer, bearer_client, signed_in, token, user};
use domain::access::{Role, Scope};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

const H: i64 = 3_600;
const DAY: i64 = 24 * H;

/// Makes a board through the API and returns it.
async fn board(s: &TestServer, name: &str) -> Value {
    let r = s.post_json("/api/v1/boards", &json!({"name": name})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

fn board_id(board: &Value) -> domain::BoardId {
    board["id"].as_str().unwrap().parse().unwrap()
}

/// A client with a token of `scopes` bound to `board`.
async fn client(s: &TestServer, scopes: &[Scope], board: &Value) -> reqwest::Client {
    bearer_client(&token(s.store.as_ref(), scopes, Some(board_id(board))).await)
}

async fn card(s: &TestServer, slug: &str, title: &str) -> Value {
    let r = s
        .post_json(
            &format!("/api/v1/boards/{slug}/cards"),
            &json!({"title": title, "card_type": "feature"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn event_types(s: &TestServer, card: &Value) -> Vec<Value> {
    s.get_json(&format!(
        "/api/v1/cards/{}/events",
        card["id"].as_str().unwrap()
    ))
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn deployments_of(s: &TestServer, slug: &str, window: &str) -> Vec<Value> {
    let r = s
        .get(&format!("/api/v1/boards/{slug}/deployments?{window}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

/// Checks a problem document: status, `type` and (when given) `field`.
async fn problem(r: reqwest::Response, status: StatusCode, kind: &str, field: Option<&str>) {
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
}

async fn reports_are_stored_with_their_cards(s: &TestServer) {
    let b = board(s, "Shipping").await;
    let a = card(s, "shipping", "Checkout redesign").await;
    let c = card(s, "shipping", "Faster search").await;
    let ci = client(s, &[Scope::DeploymentsWrite], &b).await;
    let report = json!({
        "service": "web", "environment": "Production", "version": "2026.03.1",
        "deployed_at": "2026-03-02T12:00:00Z", "status": "success",
        "commits": [{"sha": "A1B2C3D4E5F6", "committed_at": "2026-03-02T09:00:00Z"},
                    {"sha": "0123456789abcdef0123456789abcdef01234567", "committed_at": "2026-03-01T18:00:00+01:00"}],
        "cards": [a["id"], format!("SHIP-{}", c["number"]), "#1"]
    });
    let r = ci
        .post(s.url("/api/v1/deployments"))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["environment"], "production");
    assert_eq!(d["commits"][0]["sha"], "a1b2c3d4e5f6");
    assert_eq!(d["commits"][1]["committed_at"], "2026-03-01T17:00:00Z");
    assert_eq!(
        d["cards"],
        json!([{"id": a["id"]}, {"id": c["id"]}]),
        "ids, each card once"
    );
    assert_eq!(d["caused_incidents"], json!([]));
    for card in [&a, &c] {
        let events = event_types(s, card).await;
        let last = events.last().unwrap();
        assert_eq!(
            last["kind"],
            json!({"type": "deployed", "deployment_id": d["id"], "service": "web",
                   "environment": "production", "version": "2026.03.1", "status": "success"})
        );
        assert_eq!(last["at"], "2026-03-02T12:00:00Z");
        assert_eq!(last["actor"]["kind"], "token");
    }
    // Listed for its day, not for the day after.
    let listed = deployments_of(s, "shipping", "from=2026-03-02&to=2026-03-02").await;
    assert_eq!(listed, vec![d.clone()]);
    assert!(
        deployments_of(s, "shipping", "from=2026-03-03&to=2026-03-09")
            .await
            .is_empty()
    );
    // A retried step sends the same report: the stored deployment, 200, no second copy.
    let r = ci
        .post(s.url("/api/v1/deployments"))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), d);
    assert_eq!(
        deployments_of(s, "shipping", "from=2026-03-01&to=2026-03-09")
            .await
            .len(),
        1
    );
    assert_eq!(event_types(s, &a).await.len(), 2, "created, deployed");
}

async fn bad_reports_store_nothing(s: &TestServer) {
    let b = board(s, "Strict deploys").await;
    let other = board(s, "Other deploys").await;
    let feature = card(s, "strict-deploys", "A feature").await;
    let ci = client(s, &[Scope::DeploymentsWrite], &b).await;
    let url = s.url("/api/v1/deployments");
    let raw = |body: String| {
        ci.post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let ok = json!({"service": "api", "environment": "production", "version": "v1",
                    "status": "success", "deployed_at": "2026-03-02T12:00:00Z"});
    let with = |field: &str, value: Value| {
        let mut body = ok.clone();
        body[field] = value;
        body.to_string()
    };
    problem(
        raw("{\"service\": ".into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed-json",
        None,
    )
    .await;
    for (body, field) in [
        (with("status", json!("rolled_back")), Some("status")),
        (with("service", json!("  ")), Some("service")),
        (with("version", json!("v".repeat(201))), Some("version")),
        (
            with("deployed_at", json!("2999-01-01T00:00:00Z")),
            Some("deployed_at"),
        ),
        (
            with(
                "commits",
                json!([{"sha": "xyz", "committed_at": "2026-03-02T10:00:00Z"}]),
            ),
            Some("commits.sha"),
        ),
        (
            with(
                "commits",
                json!([{"sha": "abcdef12", "committed_at": "2026-03-03T10:00:00Z"}]),
            ),
            Some("commits.committed_at"),
        ),
        (with("cards", json!(["#99"])), Some("cards")),
        (
            with("cards", json!([feature["id"], "nonsense"])),
            Some("cards"),
        ),
        // serde names no field for an unknown one; the detail does.
        (with("colour", json!("blue")), None),
        (
            json!({"service": "api", "version": "v1", "status": "success"}).to_string(),
            Some("environment"),
        ),
    ] {
        problem(
            raw(body).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            field,
        )
        .await;
    }
    // A card of another board is no card of this one.
    let foreign = card(s, "other-deploys", "Elsewhere").await;
    let r = raw(with("cards", json!([feature["id"], foreign["id"]])))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "cards");
    assert!(
        body["detail"].as_str().unwrap().contains(&format!(
            "cards[1]: no card {}",
            foreign["id"].as_str().unwrap()
        )),
        "{body}"
    );
    let huge = with("version", json!("v".repeat(1_100_000)));
    problem(
        raw(huge).await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        None,
    )
    .await;
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
    // Scopes: writing cards or reporting incidents is not reporting deployments, and a
    // deployments token of another board may not report here.
    for scopes in [
        vec![Scope::BoardsWrite],
        vec![Scope::IncidentsWrite],
        vec![Scope::BoardsRead],
    ] {
        let c = client(s, &scopes, &b).await;
        problem(
            c.post(&url).json(&ok).send().await.unwrap(),
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    let elsewhere = client(s, &[Scope::DeploymentsWrite], &other).await;
    problem(
        elsewhere
            .post(format!("{url}?board=strict-deploys"))
            .json(&ok)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    // An instance-wide token must name the board.
    problem(
        s.client.post(&url).json(&ok).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("board"),
    )
    .await;
    assert!(
        deployments_of(s, "strict-deploys", "from=2026-01-01&to=2026-12-31")
            .await
            .is_empty(),
        "nothing stored"
    );
    assert_eq!(event_types(s, &feature).await.len(), 1, "no deployed event");
    // The instance token with ?board= and a member's session may report; a viewer may not.
    let r = s
        .client
        .post(format!("{url}?board=strict-deploys"))
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    for (email, role, status) in [
        (
            "member.deploys@example.com",
            Role::Member,
            StatusCode::CREATED,
        ),
        (
            "viewer.deploys@example.com",
            Role::Viewer,
            StatusCode::FORBIDDEN,
        ),
    ] {
        let u = user(s.store.as_ref(), email, false).await;
        s.store
            .set_board_role(board_id(&b), u.id, role, chrono::Utc::now())
            .await
            .unwrap();
        let browser = signed_in(&s.base, email).await;
        let r = browser
            .post(format!("{url}?board=strict-deploys"))
            .json(&with("version", json!(email)).parse::<Value>().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{email}");
        if status == StatusCode::CREATED {
            let d: Value = r.json().await.unwrap();
            let events = event_types(s, &feature).await;
            assert_eq!(events.len(), 1);
            assert_eq!(d["version"], email);
        }
    }
    assert_eq!(
        deployments_of(s, "strict-deploys", "from=2026-03-02&to=2026-03-02")
            .await
            .len(),
        2
    );
}

/// Posts a production deployment of `service` at `at` with commits `ages` seconds older.
async fn deploy(
    ci: &reqwest::Client,
    s: &TestServer,
    service: &str,
    environment: &str,
    version: &str,
    at: chrono::DateTime<chrono::Utc>,
    commits: &[(&str, i64)],
) -> Value {
    let commits: Vec<Value> = commits
        .iter()
        .map(|(sha, age)| json!({"sha": sha, "committed_at": at - chrono::Duration::seconds(*age)}))
        .collect();
    let r = ci
        .post(s.url("/api/v1/deployments"))
        .json(
            &json!({"service": service, "environment": environment, "version": version,
                      "status": "success", "deployed_at": at, "commits": commits}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 3, day, hour, minute, 0)
        .single()
        .unwrap()
}

/// The week of 2026-03-02 to 2026-03-08 on board "Delivery", the week before for the trend:
///
/// - production deployments of `api`: D1 Mar 2 12:00 (commits 2 h and 6 h old), D2 Mar 3
///   12:00 (1 h, 24 h), D3 Mar 5 12:00 (3 h; staged at 10:00 the same day), D4 Mar 7 12:00
///   (48 h); before the week, D0 Feb 26 12:00 (30 h);
/// - lead times 1, 2, 3, 6, 24, 48 h: p50 = the 3rd = 3 h, p85 = the 6th = 48 h, mean 14 h;
/// - an incident reported now names api v3 as its cause: D3 failed, 1 of 4 = 25%, recovered
///   by D4 two days later;
/// - incidents imported into the week, restored (done) after 2 h, 1.5 h and 0.5 h: p50 = 1.5 h;
/// - a feature: Backlog 09:00 → In Progress 10:00 → Done the next day 10:00.
async fn delivery_view(s: &TestServer) {
    let b = board(s, "Delivery").await;
    let ci = client(s, &[Scope::DeploymentsWrite], &b).await;
    deploy(
        &ci,
        s,
        "api",
        "production",
        "v0",
        at(2, 12, 0) - chrono::Duration::days(4),
        &[("d0c0000", 30 * H)],
    )
    .await;
    let d1 = deploy(
        &ci,
        s,
        "api",
        "production",
        "v1",
        at(2, 12, 0),
        &[("d1c0001", 2 * H), ("d1c0002", 6 * H)],
    )
    .await;
    deploy(
        &ci,
        s,
        "api",
        "production",
        "v2",
        at(3, 12, 0),
        &[("d2c0001", H), ("d2c0002", DAY)],
    )
    .await;
    deploy(
        &ci,
        s,
        "api",
        "staging",
        "v3",
        at(5, 10, 0),
        &[("d3c0001", H)],
    )
    .await;
    let d3 = deploy(
        &ci,
        s,
        "api",
        "production",
        "v3",
        at(5, 12, 0),
        &[("d3c0001", 3 * H)],
    )
    .await;
    deploy(
        &ci,
        s,
        "api",
        "production",
        "v4",
        at(7, 12, 0),
        &[("d4c0001", 2 * DAY)],
    )
    .await;
    // Another service's deployment counts for all services, not for `api` alone.
    deploy(&ci, s, "web", "production", "w1", at(6, 12, 0), &[]).await;

    let import = json!({"cards": [
        {"title": "API 5xx", "type": "incident", "service": "api", "created_at": at(3, 10, 0),
         "transitions": [{"column": "Backlog", "at": at(3, 10, 0)}, {"column": "Done", "at": at(3, 12, 0)}]},
        {"title": "API latency", "type": "incident", "service": "api", "created_at": at(5, 13, 0),
         "transitions": [{"column": "Backlog", "at": at(5, 13, 0)}, {"column": "Done", "at": at(5, 14, 30)}]},
        {"title": "Queue backlog", "type": "incident", "service": "api", "created_at": at(6, 8, 0),
         "transitions": [{"column": "Backlog", "at": at(6, 8, 0)}, {"column": "Done", "at": at(6, 8, 30)}]},
        {"title": "Bulk export", "type": "feature", "created_at": at(2, 9, 0),
         "transitions": [{"column": "Backlog", "at": at(2, 9, 0)}, {"column": "In Progress", "at": at(2, 10, 0)},
                         {"column": "Done", "at": at(3, 10, 0)}]}
    ]});
    let r = s
        .post_json("/api/v1/boards/delivery/history", &import)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );

    // Blamed by release: the production deployment of v3 (not the staging one).
    let monitor = client(s, &[Scope::IncidentsWrite], &b).await;
    let r = monitor
        .post(s.url("/api/v1/incidents"))
        .json(
            &json!({"title": "Checkout errors", "severity": "sev3", "service": "api",
                      "caused_by": {"service": "api", "version": "v3"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let blamed: Value = r.json().await.unwrap();
    assert_eq!(blamed["caused_by"], d3["id"]);
    problem(
        monitor
            .post(s.url("/api/v1/incidents"))
            .json(&json!({"title": "x", "severity": "sev3", "caused_by": {"service": "api", "version": "v9"}}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("caused_by"),
    )
    .await;

    let view = s
        .get_json("/api/v1/boards/delivery/delivery?from=2026-03-02&to=2026-03-08&service=api")
        .await;
    let k = &view["four_keys"];
    assert_eq!(
        (k["from"].as_str(), k["to"].as_str()),
        (Some("2026-03-02"), Some("2026-03-08"))
    );
    assert_eq!(k["environment"], "production");
    let f = &k["deployment_frequency"];
    assert_eq!(
        (
            f["deployments"].as_i64(),
            f["per_week"].as_f64(),
            f["band"].as_str()
        ),
        (Some(4), Some(4.0), Some("high")),
        "{f}"
    );
    assert_eq!(
        k["lead_time"],
        json!({"time": {"count": 6, "mean_s": 14 * H, "p50_s": 3 * H, "p85_s": 48 * H, "p95_s": 48 * H},
               "band": "elite"})
    );
    let cfr = &k["change_failure_rate"];
    assert_eq!(
        (
            cfr["failed"].as_i64(),
            cfr["rate"].as_f64(),
            cfr["band"].as_str()
        ),
        (Some(1), Some(0.25), Some("low")),
        "{cfr}"
    );
    let restore = &k["time_to_restore"];
    assert_eq!(
        restore["incidents"],
        json!({"count": 3, "mean_s": 4 * H / 3, "p50_s": 5_400, "p85_s": 2 * H, "p95_s": 2 * H})
    );
    assert_eq!(restore["band"], "high");
    assert_eq!(restore["failed_deployment_recovery"]["p50_s"], 2 * DAY);
    // The week before: D0 only.
    let p = &view["previous"];
    assert_eq!(
        (p["from"].as_str(), p["to"].as_str()),
        (Some("2026-02-23"), Some("2026-03-01"))
    );
    assert_eq!(p["deployment_frequency"]["deployments"], 1);
    assert_eq!(p["lead_time"]["time"]["p50_s"], 30 * H);
    assert_eq!(p["change_failure_rate"]["rate"], 0.0);
    let t = &view["trend"];
    assert_eq!(
        (
            t["deployment_frequency"]["direction"].as_str(),
            t["lead_time"]["direction"].as_str(),
            t["change_failure_rate"]["direction"].as_str(),
            t["time_to_restore"]["direction"].as_str()
        ),
        (Some("improved"), Some("improved"), Some("worsened"), None)
    );
    assert_eq!(t["lead_time"]["delta"], (3 * H - 30 * H) as f64);
    // The value stream: the board's columns; four cards finished in the week.
    let v = &view["value_stream"];
    let names: Vec<&str> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Backlog", "Ready", "In Progress", "Review", "Done"]);
    assert_eq!(v["population"], 4);
    let backlog = &v["columns"][0];
    assert_eq!(
        (
            backlog["visited"].as_i64(),
            backlog["waiting_s"].as_i64(),
            backlog["active_s"].as_i64()
        ),
        (Some(4), Some(H + 2 * H + 5_400 + 1_800), Some(0))
    );
    let doing = &v["columns"][2];
    assert_eq!(
        (
            doing["visited"].as_i64(),
            doing["active_s"].as_i64(),
            doing["active_share"].as_f64()
        ),
        (Some(1), Some(DAY), Some(1.0))
    );
    // Commit → first deployment anywhere (d3c0001 reached staging after 1 h), → production.
    assert_eq!(v["delivery"][0]["name"], "deployment");
    assert_eq!(
        v["delivery"][0]["commit_to_stage"]["p50_s"],
        2 * H,
        "1, 1, 2, 6, 24, 48 h"
    );
    assert_eq!(v["delivery"][1]["name"], "production");
    assert_eq!(v["delivery"][1]["commit_to_stage"]["p50_s"], 3 * H);

    // Every service: the web deployment counts too.
    let all = s
        .get_json("/api/v1/boards/delivery/delivery?from=2026-03-02&to=2026-03-08")
        .await;
    assert_eq!(all["four_keys"]["deployment_frequency"]["deployments"], 5);
    assert_eq!(all["four_keys"]["service"], Value::Null);
    // The metrics of the same window carry the same delivery view beside the flow metrics.
    let metrics = s
        .get_json("/api/v1/boards/delivery/metrics?from=2026-03-02&to=2026-03-08")
        .await;
    assert_eq!(metrics["delivery"], all);
    assert!(
        metrics["cycle_time"].is_object(),
        "flow metrics stay at the top"
    );

    // Linking by hand (member role): D1 blamed for the first imported incident → 2 of 4;
    // cleared again → 1 of 4. Viewers and incident tokens may not.
    let incident = s.get_json("/api/v1/boards/delivery").await["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "API 5xx")
        .unwrap()
        .clone();
    let link = format!(
        "/api/v1/cards/{}/caused-by",
        incident["id"].as_str().unwrap()
    );
    let cfr_now = || async {
        s.get_json("/api/v1/boards/delivery/delivery?from=2026-03-02&to=2026-03-08&service=api")
            .await["four_keys"]["change_failure_rate"]["failed"]
            .as_i64()
    };
    let writer = client(s, &[Scope::BoardsWrite], &b).await;
    let r = writer
        .put(s.url(&link))
        .json(&json!({"deployment_id": d1["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["caused_by"], d1["id"]);
    assert_eq!(cfr_now().await, Some(2));
    let listed = deployments_of(s, "delivery", "from=2026-03-02&to=2026-03-02").await;
    assert_eq!(listed[0]["caused_incidents"], json!([incident["id"]]));
    let kinds: Vec<Value> = event_types(s, &incident)
        .await
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(
        kinds.last().unwrap(),
        &json!({"type": "edited", "fields": ["caused_by"]})
    );
    let r = writer
        .put(s.url(&link))
        .json(&json!({"deployment_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["caused_by"], Value::Null);
    assert_eq!(cfr_now().await, Some(1));
    let viewer = client(s, &[Scope::BoardsRead], &b).await;
    problem(
        viewer
            .put(s.url(&link))
            .json(&json!({"deployment_id": d1["id"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let feature = card(s, "delivery", "Not an incident").await;
    problem(
        writer
            .put(s.url(&format!(
                "/api/v1/cards/{}/caused-by",
                feature["id"].as_str().unwrap()
            )))
            .json(&json!({"deployment_id": d1["id"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("card_type"),
    )
    .await;
    problem(
        writer
            .put(s.url(&link))
            .json(&json!({"deployment_id": domain::delivery::DeploymentId::new()}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        Some("deployment_id"),
    )
    .await;

    // Alertmanager: a `deployment` label blames that deployment.
    let alert = json!({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "fingerprint": "dep-1",
         "labels": {"alertname": "Errors", "severity": "warning", "service": "api", "deployment": d1["id"]}}]});
    let outcome: Value = monitor
        .post(s.url("/api/v1/integrations/alertmanager"))
        .json(&alert)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["cards"][0]["caused_by"], d1["id"], "{outcome}");

    // Bad windows and scopes.
    for (query, field) in [
        ("from=2026-03-09&to=2026-03-02", "to"),
        ("service=%20", "service"),
    ] {
        problem(
            s.get(&format!("/api/v1/boards/delivery/delivery?{query}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some(field),
        )
        .await;
    }
}

async fn live_views_hear_of_deployments(s: &TestServer) {
    let b = board(s, "Live deploys").await;
    let ci = client(s, &[Scope::DeploymentsWrite], &b).await;
    let r = s.get("/api/v1/boards/live-deploys/live").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    let mut posted = false;
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if !posted && seen.contains("event: ready") {
                posted = true;
                deploy(&ci, s, "api", "production", "v1", at(2, 12, 0), &[]).await;
            }
            if seen.contains("deployment_recorded") {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no deployment_recorded change; saw {seen:?}"));
}

async fn documented_in_openapi(s: &TestServer) {
    let doc: Value = s.get_json("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/deployments",
        "/api/v1/boards/{board}/deployments",
        "/api/v1/boards/{board}/delivery",
        "/api/v1/cards/{id}/caused-by",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lists {path}");
    }
    for schema in [
        "DeploymentReport",
        "Deployment",
        "Delivery",
        "FourKeys",
        "ValueStream",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "openapi has {schema}"
        );
    }
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    reports_are_stored_with_their_cards(&s).await;
    bad_reports_store_nothing(&s).await;
    delivery_view(&s).await;
    live_views_hear_of_deployments(&s).await;
    documented_in_openapi(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}
