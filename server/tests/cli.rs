//! The `flowboard` binary's command line, run as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use application::ports::BoardRef;
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
    store
        .create_board(&new, None, chrono::Utc::now())
        .await
        .unwrap();
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
        "--demo",
        "--public-url",
        "--session-idle-minutes",
        "--log-format",
        "FLOWBOARD_BIND",
        "import",
        "user",
        "token",
    ] {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
}

fn flowboard_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowboard"));
    cmd.args(args).env_remove("FLOWBOARD_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null())
        .output()
        .expect("run flowboard")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tokens_from_the_command_line() {
    let db = common::sqlite();
    let url = db.url.as_str();
    let (database, store) = common::open(&db).await;
    let new = NewBoard {
        name: "Ops".into(),
        ..Default::default()
    };
    let board = store
        .create_board(&new, None, chrono::Utc::now())
        .await
        .unwrap();

    // The first admin: password from the environment, never from argv.
    let out = flowboard_env(
        &[
            "user",
            "create",
            "--email",
            "Root@Example.com",
            "--role",
            "admin",
            "--database-url",
            url,
        ],
        &[("FLOWBOARD_PASSWORD", "correct horse battery")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("created instance admin root@example.com")
    );
    let creds = store
        .credentials("root@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(creds.user.instance_admin);
    assert!(
        creds.password_hash.starts_with("$argon2id$"),
        "stored as an Argon2id hash"
    );
    // No password and no terminal: a clear error, nothing made.
    let out = flowboard_env(
        &[
            "user",
            "create",
            "--email",
            "b@example.com",
            "--database-url",
            url,
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FLOWBOARD_PASSWORD"));
    // A short password and a taken email are refused.
    for (email, password, says) in [
        ("c@example.com", "short", "at least 10 characters"),
        ("root@example.com", "long enough password", "already exists"),
    ] {
        let out = flowboard_env(
            &["user", "create", "--email", email, "--database-url", url],
            &[("FLOWBOARD_PASSWORD", password)],
        );
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(store.count_users().await.unwrap(), 1);

    // A board token: the secret alone on the last line; only its hash is stored.
    let out = flowboard(&[
        "token",
        "create",
        "--scope",
        "incidents:write,boards:read",
        "--board",
        "ops",
        "--name",
        "alertmanager",
        "--database-url",
        url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let secret = stdout.lines().last().unwrap().trim().to_owned();
    assert!(secret.starts_with("fbt_") && secret.len() == 36, "{stdout}");
    let token = store
        .token_by_hash(&application::access::hash_token(&secret))
        .await
        .unwrap()
        .expect("stored by hash");
    assert_eq!(token.name, "alertmanager");
    assert_eq!(token.board_id, Some(board.id));
    assert_eq!(token.scopes.len(), 2);
    // Unknown scopes are refused with the list of valid ones.
    let out = flowboard(&[
        "token",
        "create",
        "--scope",
        "boards:delete",
        "--database-url",
        url,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope"));
    // Listed without the secret, then revoked by name.
    let out = flowboard(&["token", "list", "--board", "ops", "--database-url", url]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("alertmanager") && !listed.contains(&secret),
        "{listed}"
    );
    let out = flowboard(&[
        "token",
        "revoke",
        "alertmanager",
        "--board",
        "ops",
        "--database-url",
        url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = store.token(token.id).await.unwrap();
    assert!(token.revoked_at.is_some());
    database.close().await;
}

/// `flowboard backup` copies a live SQLite database; the copy opens as a working database
/// (that is the whole restore: put the file in place). It never overwrites a file, and it
/// points PostgreSQL users at pg_dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_makes_a_restorable_copy() {
    let db = common::sqlite();
    let (database, store) = common::open(&db).await;
    let board = store
        .create_board(
            &NewBoard {
                name: "Kept".into(),
                ..Default::default()
            },
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let card = domain::NewCard {
        title: "Survives the restore".into(),
        card_type: domain::CardType::Feature,
        ..Default::default()
    };
    store
        .create_card(
            &BoardRef::Id(board.id),
            &card,
            &domain::Actor::user("ann"),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    // The server's pool stays open while the backup runs: an online copy.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");
    let target_arg = target.to_str().unwrap();
    let out = flowboard(&["backup", target_arg, "--database-url", &db.url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));

    let again = flowboard(&["backup", target_arg, "--database-url", &db.url]);
    assert!(!again.status.success(), "never overwrites");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    database.close().await;

    let restored = common::TestDb::existing(format!("sqlite://{target_arg}"));
    let (copy, store) = common::open(&restored).await;
    let board = store.board(&BoardRef::Slug("kept".into())).await.unwrap();
    assert_eq!(board.cards.len(), 1);
    assert_eq!(board.cards[0].title, "Survives the restore");
    copy.close().await;

    if let Ok(pg) = std::env::var("FLOWBOARD_TEST_POSTGRES_URL") {
        let out = flowboard(&["backup", target_arg, "--database-url", &pg]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    }
}
