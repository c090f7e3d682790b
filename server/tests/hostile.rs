//! Hostile card text against a real server: markup, SQL, very long mixed-script Unicode and
//! control characters go in through the REST API, the incident API and the Alertmanager
//! webhook, and must come back byte-exact (or be refused with the documented 422), render
//! only as inert text in the server-rendered pages (board, card, retrospective with its SVG
//! tooltips), stay well-quoted in the CSV export, and leave the database intact.
//! SQLite always; PostgreSQL too when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Markup that runs script if it ever reaches the page unescaped.
const HTML_TITLE: &str = "<img src=x onerror=alert(1)></script><script>alert(2)</script>\
</title><script>alert(0)</script><svg onload=alert(3)>";
/// A markdown description that tries every trick ammonia must undo.
const HTML_DESCRIPTION: &str = "<img src=x onerror=alert(1)>\n\n</script><script>alert(2)</script>\n\n\
<svg onload=alert(3)><circle r=1 /></svg>\n\n[click](javascript:alert(4)) \
<a href=\"javascript:alert(5)\" onclick=\"alert(6)\">link</a> <b onmouseover=alert(7)>bold</b>";
const SQL_TITLE: &str = "'; DROP TABLE cards; -- \" OR 1=1 --";
const SQL_DESCRIPTION: &str = "Robert'); DROP TABLE boards;-- \" OR \"\"=\"";
/// Service names reach the board tiles too.
const HOSTILE_SERVICE: &str = "<svg onload=alert(8)>'; DROP TABLE cards; --";

/// `len` characters of mixed scripts, emoji (with ZWJ sequences), right-to-left override,
/// zero-width characters, combining marks and C0/C1 control characters (never NUL), starting
/// and ending with a letter so trimming has nothing to take.
fn unicode_soup(len: usize) -> String {
    let pieces = [
        "Ω",
        "ж",
        "中",
        "文",
        "😀",
        "👩\u{200d}💻",
        "\u{202e}",
        "\u{200b}",
        "e\u{301}",
        "ع",
        "ב",
        "\u{1}",
        "\u{1b}[31m",
        "\u{7f}",
        "\u{85}",
        "ﷺ",
        "\u{fe0f}",
        "𝕏",
        "\u{2066}",
        "ก\u{e49}",
    ];
    let middle: String = pieces
        .iter()
        .cycle()
        .flat_map(|p| p.chars())
        .take(len - 2)
        .collect();
    let s = format!("A{middle}Z");
    assert_eq!(s.chars().count(), len);
    s
}

/// The forms Leptos gives text: `&`, `<` and `>` escaped.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The attributes of every element of `html`, outside `<script>` and `<style>` bodies and
/// comments, as (tag, attribute name, value): a small tokenizer that respects quotes, so a
/// card title inside a `title="…"` attribute is not mistaken for markup.
fn attributes(html: &str) -> Vec<(String, String, String)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == start {
            i += 1;
            continue;
        }
        let tag = html[start..j].to_ascii_lowercase();
        // Attributes until the tag's closing `>`.
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                break;
            }
            let name_start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !b"=>/".contains(&b[j]) {
                j += 1;
            }
            let name = html[name_start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let end = b[j + 1..]
                        .iter()
                        .position(|c| *c == q)
                        .map_or(b.len(), |p| j + 1 + p);
                    value = html[j + 1..end].to_owned();
                    j = end + 1;
                } else {
                    let s = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = html[s..j].to_owned();
                }
            }
            if name.is_empty() {
                j += 1;
            } else {
                out.push((tag.clone(), name, value));
            }
        }
        i = j;
        if tag == "script" || tag == "style" {
            let close = format!("</{tag}");
            i = html[i..].find(&close).map_or(b.len(), |e| i + e);
            // Skip the closing tag itself.
            i += close.len();
        }
    }
    out
}

/// Asserts that no card text became markup on a page.
fn assert_inert(page: &str, html: &str) {
    for raw in [
        "<img src=x onerror",
        "</script><script>alert(2)",
        "</title><script>",
        "<svg onload",
        "<b onmouseover",
    ] {
        if let Some(at) = html.find(raw) {
            let from = (0..=at.saturating_sub(300))
                .rev()
                .find(|&i| html.is_char_boundary(i))
                .unwrap_or(0);
            let to = ((at + 300).min(html.len())..=html.len())
                .find(|&i| html.is_char_boundary(i))
                .unwrap_or(html.len());
            panic!("{page}: raw {raw:?} in the page: …{}…", &html[from..to]);
        }
    }
    for (tag, name, value) in attributes(html) {
        assert!(
            !name.starts_with("on"),
            "{page}: event handler <{tag} {name}={value:?}>"
        );
        let v = value.trim().to_ascii_lowercase();
        assert!(
            !((name == "href" || name == "src") && v.starts_with("javascript:")),
            "{page}: <{tag} {name}={value:?}>"
        );
    }
}

/// A card made through `POST /boards/{slug}/cards`, answered 201 with the text byte-exact.
async fn card(s: &TestServer, slug: &str, title: &str, description: &str) -> Value {
    let r = s
        .post_json(
            &format!("/api/v1/boards/{slug}/cards"),
            &json!({ "title": title, "card_type": "feature", "description": description }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{title:?}");
    let card: Value = r.json().await.unwrap();
    assert_eq!(card["title"], title);
    assert_eq!(card["description"], description);
    card
}

/// Asserts a 422 problem naming `field`.
async fn refused(r: reqwest::Response, field: &str) {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{field}: {body:.300}"
    );
    assert!(
        body["detail"].as_str().unwrap().starts_with(field),
        "{field}: {body}"
    );
}

async fn move_to(s: &TestServer, card: &Value, column: &Value) {
    let r = s
        .post_json(
            &format!("/api/v1/cards/{}/move", card["id"].as_str().unwrap()),
            &json!({ "column_id": column["id"], "override_reason": "test" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// Counts rows straight from the database, bypassing the API.
async fn count_rows(db: &TestDb, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    if db.url.starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let n = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
        sqlx::Connection::close(conn).await.unwrap();
        n
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let n = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
        sqlx::Connection::close(conn).await.unwrap();
        n
    }
}

async fn hostile_text_is_inert(db: &TestDb) {
    let s = TestServer::start(db).await;
    // A bystander board whose card must survive whatever the hostile one receives.
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": "Bystander" }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    card(&s, "bystander", "Innocent", "").await;
    let r = s
        .post_json("/api/v1/boards", &json!({ "name": "Hostile" }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let columns = board["columns"].as_array().unwrap().clone();
    let (in_progress, done) = (&columns[2], &columns[4]);

    // --- In through the REST API: stored and answered byte-exact.
    let html = card(&s, "hostile", HTML_TITLE, HTML_DESCRIPTION).await;
    let sql = card(&s, "hostile", SQL_TITLE, SQL_DESCRIPTION).await;
    let long_title = unicode_soup(200);
    let long_description = unicode_soup(12_000);
    let soup = card(&s, "hostile", &long_title, &long_description).await;
    assert!(
        long_description.len() > 25_000,
        "multi-byte: {} bytes",
        long_description.len()
    );

    // The documented limits: titles 1–200 characters, descriptions 20,000, service 200, and
    // no NUL anywhere (PostgreSQL text cannot hold it, so both backends refuse it alike).
    let post = async |body: Value| s.post_json("/api/v1/boards/hostile/cards", &body).await;
    let r = post(json!({ "title": unicode_soup(201), "card_type": "feature" })).await;
    refused(r, "title").await;
    let r =
        post(json!({ "title": "x", "card_type": "feature", "description": unicode_soup(20_001) }))
            .await;
    refused(r, "description").await;
    let r = post(json!({ "title": "nul \u{0} in title", "card_type": "feature" })).await;
    refused(r, "title").await;
    let r = post(json!({ "title": "x", "card_type": "feature", "description": "a\u{0}b" })).await;
    refused(r, "description").await;

    // --- In through the incident API (service included) and the Alertmanager webhook.
    let incident_description = unicode_soup(10_001);
    let r = s
        .post_json(
            "/api/v1/incidents?board=hostile",
            &json!({
                "title": SQL_TITLE, "severity": "sev2", "service": HOSTILE_SERVICE,
                "description": incident_description, "dedup_key": HTML_TITLE,
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let incident: Value = r.json().await.unwrap();
    assert_eq!(incident["title"], SQL_TITLE);
    assert_eq!(incident["service"], HOSTILE_SERVICE);
    assert_eq!(incident["description"], incident_description.as_str());
    assert_eq!(incident["dedup_key"], HTML_TITLE);
    let r = s
        .post_json(
            "/api/v1/incidents?board=hostile",
            &json!({ "title": "x", "severity": "sev2", "service": "s".repeat(201) }),
        )
        .await;
    refused(r, "service").await;
    let r = s
        .post_json(
            "/api/v1/incidents?board=hostile",
            &json!({ "title": "x", "severity": "sev2", "service": "a\u{0}" }),
        )
        .await;
    refused(r, "service").await;
    // Monitoring is never refused: NUL is dropped, markup kept as text.
    let r = s
        .post_json(
            "/api/v1/integrations/alertmanager?board=hostile",
            &json!({ "version": "4", "alerts": [{
                "status": "firing",
                "labels": { "alertname": "Disk\u{0}Full", "service": HOSTILE_SERVICE, "severity": "critical" },
                "annotations": { "summary": HTML_TITLE, "description": "<script>alert(9)</script>\u{0}" },
                "fingerprint": "f\u{0}p"
            }]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let outcome: Value = r.json().await.unwrap();
    assert_eq!(outcome["created"], 1, "{outcome}");
    let alert = &outcome["cards"][0];
    assert_eq!(alert["title"], HTML_TITLE);
    assert_eq!(alert["service"], HOSTILE_SERVICE);
    assert_eq!(alert["dedup_key"], "alertmanager:fp");
    assert!(!alert["description"].as_str().unwrap().contains('\u{0}'));

    // Through the flow: into progress (aging WIP chart) and to Done (cycle-time scatter).
    move_to(&s, &html, in_progress).await;
    move_to(&s, &soup, in_progress).await;
    move_to(&s, &sql, in_progress).await;
    move_to(&s, &sql, done).await;

    // --- Read back: every card byte-exact in the board's JSON.
    let stored: Value = s.get_json("/api/v1/boards/hostile").await;
    let cards = stored["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 5);
    let by_id = |c: &Value| {
        cards
            .iter()
            .find(|x| x["id"] == c["id"])
            .cloned()
            .expect("stored")
    };
    assert_eq!(by_id(&html)["title"], HTML_TITLE);
    assert_eq!(by_id(&html)["description"], HTML_DESCRIPTION);
    assert_eq!(by_id(&sql)["title"], SQL_TITLE);
    assert_eq!(by_id(&sql)["description"], SQL_DESCRIPTION);
    assert_eq!(by_id(&soup)["title"], long_title.as_str());
    assert_eq!(by_id(&soup)["description"], long_description.as_str());
    let fetched = s
        .get_json(&format!(
            "/api/v1/cards/{}",
            incident["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(fetched["service"], HOSTILE_SERVICE);
    assert_eq!(fetched["description"], incident_description.as_str());

    // --- The server-rendered pages show the text only as text.
    common::user(s.store.as_ref(), "eve@example.com", true).await;
    let browser = common::signed_in(&s.base, "eve@example.com").await;
    let page = |path: String| {
        let browser = browser.clone();
        let url = s.url(&path);
        async move {
            let r = browser.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.text().await.unwrap()
        }
    };
    let board_page = page("/boards/hostile".into()).await;
    assert_inert("board", &board_page);
    for text in [HTML_TITLE, SQL_TITLE, HOSTILE_SERVICE, long_title.as_str()] {
        assert!(
            board_page.contains(&escaped(text)),
            "board page shows {text:?} escaped"
        );
    }
    for c in [&html, &sql, &soup, &incident] {
        let n = c["number"].as_i64().unwrap();
        let detail = page(format!("/boards/hostile/cards/{n}")).await;
        assert_inert(&format!("card {n}"), &detail);
        let title = c["title"].as_str().unwrap();
        assert!(detail.contains(&escaped(title)), "card {n} shows its title");
    }
    // The markdown description went through ammonia: the harmless parts stay, the handlers,
    // scripts and javascript: links are gone (checked for every tag by `assert_inert`).
    let detail = page(format!("/boards/hostile/cards/{}", html["number"])).await;
    assert!(
        detail.contains("<b>bold</b>"),
        "sanitised markdown is rendered"
    );
    assert!(
        detail.contains(&escaped(HTML_DESCRIPTION)),
        "the edit form holds the source as text"
    );
    let detail = page(format!("/boards/hostile/cards/{}", soup["number"])).await;
    assert!(
        detail.contains(&escaped(&long_description)),
        "12,000 characters shown whole"
    );

    // A comment goes through the same sanitising as a description: the markup in it, the
    // handlers and scripts, are gone from its page; its text comes back from the API as sent.
    let comments = format!("/api/v1/cards/{}/comments", html["id"].as_str().unwrap());
    let r = s
        .post_json(&comments, &json!({ "body": HTML_DESCRIPTION }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored: Value = s.get_json(&comments).await;
    assert_eq!(stored["comments"][0]["body"], HTML_DESCRIPTION);
    let detail = page(format!("/boards/hostile/cards/{}", html["number"])).await;
    assert_inert("card with a hostile comment", &detail);
    assert_eq!(
        detail.matches("<b>bold</b>").count(),
        2,
        "description and comment"
    );

    // The retrospective's charts name cards in SVG <title> tooltips: escaped there too.
    let retro = page("/boards/hostile/retro".into()).await;
    assert_inert("retro", &retro);
    for c in [&html, &soup] {
        let tip = format!(
            "<title>#{} {}",
            c["number"],
            escaped(c["title"].as_str().unwrap())
        );
        assert!(
            retro.contains(&tip),
            "aging WIP tooltip for card {}",
            c["number"]
        );
    }
    let tip = format!("<title>#{} {}", sql["number"], escaped(SQL_TITLE));
    assert!(retro.contains(&tip), "cycle-time scatter tooltip");

    // --- The CSV export: a column named like a CSV/formula injection comes back as one
    // well-quoted field.
    let hostile_column = "Review \"=HYPERLINK(\"\"x\"\")\", 1; DROP\r\n<b>";
    let mut layout: Vec<Value> = columns.clone();
    layout[3]["name"] = json!(hostile_column);
    let r = s
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/boards/hostile/columns",
            &json!({ "columns": layout }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for table in ["cfd", "columns"] {
        let r = s
            .get(&format!("/api/v1/boards/hostile/metrics.csv?table={table}"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let width = rows[0].len();
        assert!(
            rows.iter().all(|r| r.len() == width),
            "{table}: ragged rows"
        );
        assert!(
            rows.iter().any(|r| r.iter().any(|f| f == hostile_column)),
            "{table}: the column name is one field, byte-exact: {body}"
        );
    }

    // --- The database is intact: every table still there, the counts right.
    let stored: Value = s.get_json("/api/v1/boards").await;
    let totals: Vec<(String, i64)> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["slug"].as_str().unwrap().to_owned(),
                b["total_cards"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        totals,
        vec![("bystander".to_owned(), 1), ("hostile".to_owned(), 5)]
    );
    assert_eq!(count_rows(db, "boards").await, 2);
    assert_eq!(count_rows(db, "cards").await, 6);
    assert_eq!(count_rows(db, "board_columns").await, 10);
    assert!(count_rows(db, "card_events").await >= 6 + 4);
    assert_eq!(count_rows(db, "users").await, 1);
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_on_sqlite() {
    hostile_text_is_inert(&common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_on_postgres() {
    if let Some(db) = common::postgres().await {
        hostile_text_is_inert(&db).await;
    }
}
