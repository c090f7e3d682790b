//! The `flowboard` binary's command line, run as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use app::ssr::BoardRef;
use domain::NewBoard;

fn flowboard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowboard"))
        .args(args)
        .output()
        .expect("run flowboard")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_loads_history_all_or_nothing() {
    let db = common::sqlite();
    let (database, store) = common::open(&db).await;
    let new = NewBoard {
        name: "Ops".into(),
        ..Default::default()
    };
    store.create_board(&new, chrono::Utc::now()).await.unwrap();
    database.close().await;

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"{"cards": [
          {"title": "a", "type": "feature", "created_at": "2026-01-01T00:00:00Z",
           "transitions": [{"column": "Done", "at": "2026-01-03T00:00:00Z"}]},
          {"title": "b", "type": "incident", "severity": "sev2", "created_at": "2026-01-02T00:00:00Z", "transitions": []}]}"#,
    )
    .unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"cards": [{"title": "x", "type": "feature", "created_at": "2026-01-05T00:00:00Z",
           "transitions": [{"column": "Shipped", "at": "2026-01-06T00:00:00Z"}]}]}"#,
    )
    .unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"cards\": [").unwrap();

    let url = db.url.as_str();
    let out = flowboard(&[
        "import",
        "--board",
        "ops",
        "--database-url",
        url,
        good.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "imported 2 cards into ops"
    );

    let out = flowboard(&[
        "import",
        "--board",
        "ops",
        "--database-url",
        url,
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("card 0") && err.contains("Shipped") && err.contains("nothing was imported"),
        "{err}"
    );

    let out = flowboard(&[
        "import",
        "--board",
        "ops",
        "--database-url",
        url,
        broken.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid import file"));

    let out = flowboard(&[
        "import",
        "--board",
        "nope",
        "--database-url",
        url,
        good.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    let (database, store) = common::open(&db).await;
    let board = store.board(&BoardRef::Slug("ops".into())).await.unwrap();
    assert_eq!(board.cards.len(), 2, "only the good file was imported");
    database.close().await;
}

#[test]
fn help_lists_flags_and_subcommands() {
    let out = flowboard(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "--bind",
        "--database-url",
        "--no-demo",
        "--log-format",
        "FLOWBOARD_BIND",
        "import",
    ] {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
}
