//! `make bench`, third part: what one write costs as a board grows. The `flowboard` release
//! binary runs as its own process; one client makes cards and then moves them, one request
//! after another, on boards of 500, 2,000, 10,000 and 50,000 cards, a quarter of each board's
//! cards in its active columns and no limit set (the case where every card of the committed
//! area was once read for each write). Reported per size: the median latency the client sees
//! and the server's CPU time per request (its threads' time on the CPU, from
//! `/proc/PID/task/*/schedstat`), and the ratio of the 50,000-card board's figures to the
//! 500-card board's, which issue 31 sets at most 2.
//!
//! Then one read that grows with the board by nature: a search (`GET /api/v1/cards?board=&q=`)
//! that reads every card's title and description, against the board page's own budget (a
//! median under 30 ms, issue 34 at 10,000 cards).
//!
//! Writes its section of the report to `target/bench/scaling.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use common::TestDb;
use domain::access::Scope;
use domain::board::BoardRef;
use domain::import::HistoryImport;
use domain::policy::BoardPolicy;
use domain::{Actor, CardType, NewBoard};
use support::server::Flowboard;
use support::{Latencies, ms};

/// The boards' sizes, in cards.
const SIZES: [usize; 4] = [500, 2_000, 10_000, 50_000];
/// Measured requests of each kind on each board (made after [`WARM_UP`] unmeasured ones).
const REQUESTS: usize = 400;
const WARM_UP: usize = 40;
/// The most the 50,000-card board's figure may be of the 500-card board's.
const MAX_RATIO: f64 = 2.0;
/// Measured searches on each board (after [`WARM_UP`] unmeasured ones).
const SEARCHES: usize = 100;
/// The query searched: free text found in no card (every card's text is read) and a type.
const QUERY: &str = "type:feature \"read timeout\"";
/// The board page's budget, which a search on 10,000 cards must meet (median).
const SEARCH_BUDGET: Duration = Duration::from_millis(30);

/// A board's cards: a quarter in the active columns (In Progress, Review), the rest in
/// Backlog, Ready and Done, each with the column entries that put it there.
fn cards(count: usize) -> HistoryImport {
    let start = Utc::now() - TimeDelta::days(60);
    let path = |i: usize| -> &'static [&'static str] {
        match i % 8 {
            0 => &["Backlog", "Ready", "In Progress"],
            1 => &["Backlog", "Ready", "In Progress", "Review"],
            2 | 3 => &["Backlog"],
            4 => &["Backlog", "Ready"],
            _ => &["Backlog", "Ready", "In Progress", "Review", "Done"],
        }
    };
    HistoryImport {
        cards: (0..count)
            .map(|i| {
                support::import_card(
                    format!("Card {i}: a title of a usual length for a card"),
                    [CardType::Feature, CardType::TechDebt, CardType::Feature][i % 3],
                    start,
                    path(i),
                )
            })
            .collect(),
    }
}

/// A board of `size` cards with no limit set: no column WIP limit, no Expedite limit, no
/// committed capacity.
async fn board(store: &dyn application::ports::Store, size: usize) -> domain::Board {
    let new = NewBoard {
        name: format!("Scaling {size}"),
        ..Default::default()
    };
    let board = store.create_board(&new, None, Utc::now()).await.unwrap();
    let at = BoardRef::Id(board.id);
    let mut specs = app::ssr::forms::specs_of(&board);
    for spec in &mut specs {
        spec.wip_limit = None;
    }
    store.set_columns(&at, &specs).await.unwrap();
    let policy = BoardPolicy {
        expedite_limit: None,
        ..board.policy.clone()
    };
    let board = store.set_policy(&at, &policy).await.unwrap();
    store
        .import_history(&at, &cards(size), &Actor::system("bench"), Utc::now())
        .await
        .expect("the board's cards");
    board
}

/// The figures of one kind of request on one board.
#[derive(Clone, Copy)]
struct Figures {
    median: Duration,
    cpu_per_request: Duration,
}

/// Sends `requests` one after another and measures them; answers their bodies. Each must
/// succeed.
async fn measure(
    server: &Flowboard,
    requests: impl IntoIterator<Item = reqwest::RequestBuilder>,
) -> (Figures, Vec<Vec<u8>>) {
    let (mut times, mut bodies) = (Vec::new(), Vec::new());
    let cpu = server.cpu_time();
    for request in requests {
        let started = Instant::now();
        let answer = request.send().await.unwrap();
        let status = answer.status();
        let body = answer.bytes().await.unwrap();
        times.push(started.elapsed());
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        bodies.push(body.to_vec());
    }
    let cpu = server.cpu_time().saturating_sub(cpu);
    let count = u32::try_from(times.len()).unwrap_or(u32::MAX).max(1);
    let figures = Figures {
        median: Latencies::new(times).p(0.5),
        cpu_per_request: cpu / count,
    };
    (figures, bodies)
}

/// Makes `count` cards on `board`, then moves each into an active column: the figures of the
/// creates and of the moves.
async fn creates_then_moves(
    server: &Flowboard,
    client: &reqwest::Client,
    token: &str,
    board: &domain::Board,
    count: usize,
) -> (Figures, Figures) {
    let url = format!("{}/api/v1/boards/{}/cards", server.base, board.id);
    let creates = (0..count).map(|i| {
        client
            .post(&url)
            .bearer_auth(token)
            .json(&serde_json::json!({ "title": format!("New card {i}"), "card_type": "feature" }))
    });
    let (created, bodies) = measure(server, creates).await;
    let made: Vec<domain::CardId> = bodies
        .iter()
        .map(|body| serde_json::from_slice::<domain::Card>(body).unwrap().id)
        .collect();
    // Into the active columns, one card in two to each: every move lands among the quarter
    // of the board that is in progress.
    let active = [board.columns[2].id, board.columns[3].id];
    let moves = made.iter().enumerate().map(|(i, card)| {
        client
            .post(format!("{}/api/v1/cards/{card}/move", server.base))
            .bearer_auth(token)
            .json(&serde_json::json!({ "column_id": active[i % 2] }))
    });
    let (moved, _) = measure(server, moves).await;
    (created, moved)
}

/// Searches board `board` [`SEARCHES`] times (after [`WARM_UP`]): their figures.
async fn searches(
    server: &Flowboard,
    client: &reqwest::Client,
    token: &str,
    board: &domain::Board,
) -> Figures {
    let request = || {
        client
            .get(format!("{}/api/v1/cards", server.base))
            .query(&[("board", board.id.to_string().as_str()), ("q", QUERY)])
            .bearer_auth(token)
    };
    measure(server, (0..WARM_UP).map(|_| request())).await;
    let (figures, bodies) = measure(server, (0..SEARCHES).map(|_| request())).await;
    let found: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(found["total"], 0, "the query finds no card: {found}");
    figures
}

/// "1.4" (the ratio) and whether it is within [`MAX_RATIO`].
fn ratio(big: Duration, small: Duration) -> (f64, bool) {
    let r = big.as_secs_f64() / small.as_secs_f64().max(1e-9);
    (r, r <= MAX_RATIO)
}

async fn bench_backend(name: &str, db: TestDb, out: &mut String) {
    println!("{name}: preparing boards of {SIZES:?} cards");
    let (database, store) = common::open(&db).await;
    let mut boards: Vec<(usize, domain::Board)> = Vec::new();
    for size in SIZES {
        let started = Instant::now();
        boards.push((size, board(store.as_ref(), size).await));
        println!("  {size} cards in {:.1} s", started.elapsed().as_secs_f64());
    }
    let token = common::token(store.as_ref(), &[Scope::BoardsWrite], None).await;
    database.close().await;

    let server = Flowboard::start(&db).await;
    let client = reqwest::Client::new();
    let mut rows: Vec<(usize, Figures, Figures)> = Vec::new();
    let mut searched: Vec<(usize, Figures)> = Vec::new();
    for (size, board) in &boards {
        let search = searches(&server, &client, &token, board).await;
        println!(
            "  {size}: search {} ms ({} ms CPU)",
            ms(search.median),
            ms(search.cpu_per_request)
        );
        searched.push((*size, search));
        // Unmeasured: the first requests to a board read its layout and warm the pages.
        creates_then_moves(&server, &client, &token, board, WARM_UP).await;
        let (created, moved) = creates_then_moves(&server, &client, &token, board, REQUESTS).await;
        println!(
            "  {size}: create {} ms ({} ms CPU), move {} ms ({} ms CPU)",
            ms(created.median),
            ms(created.cpu_per_request),
            ms(moved.median),
            ms(moved.cpu_per_request)
        );
        rows.push((*size, created, moved));
    }
    drop(server);
    let _ = writeln!(
        out,
        "\n### {name}\n\n\
         | board | create: median | create: server CPU per request | move: median | move: server CPU per request |\n\
         | --- | --- | --- | --- | --- |"
    );
    for (size, created, moved) in &rows {
        let _ = writeln!(
            out,
            "| {size} cards | {} ms | {} ms | {} ms | {} ms |",
            ms(created.median),
            ms(created.cpu_per_request),
            ms(moved.median),
            ms(moved.cpu_per_request)
        );
    }
    if let (Some((_, c0, m0)), Some((_, c1, m1))) = (rows.first(), rows.last()) {
        let judged = [
            ("create, median latency", ratio(c1.median, c0.median)),
            (
                "create, server CPU per request",
                ratio(c1.cpu_per_request, c0.cpu_per_request),
            ),
            ("move, median latency", ratio(m1.median, m0.median)),
            (
                "move, server CPU per request",
                ratio(m1.cpu_per_request, m0.cpu_per_request),
            ),
        ];
        let _ = writeln!(
            out,
            "\n| ratio {} : {} cards | figure | target | met |\n| --- | --- | --- | :-: |",
            SIZES[SIZES.len() - 1],
            SIZES[0]
        );
        for (what, (r, ok)) in judged {
            let _ = writeln!(
                out,
                "| {what} | {r:.2} | ≤ {MAX_RATIO:.0} | {} |",
                support::met(ok)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n#### {name}: a search\n\n\
         | board | median | server CPU per request | target (10,000 cards) | met |\n\
         | --- | --- | --- | --- | :-: |"
    );
    for (size, search) in &searched {
        let judged = (*size == 10_000).then(|| search.median <= SEARCH_BUDGET);
        let _ = writeln!(
            out,
            "| {size} cards | {} ms | {} ms | {} | {} |",
            ms(search.median),
            ms(search.cpu_per_request),
            judged.map_or("", |_| "median ≤ 30 ms"),
            judged.map_or(String::new(), |ok| support::met(ok).to_string())
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut out = format!(
        "\n## Writes as a board grows\n\n\
         The `flowboard` binary runs as its own process. One client makes {REQUESTS} cards on \
         a board through `POST /api/v1/boards/{{board}}/cards` and then moves each into an \
         active column through `POST /api/v1/cards/{{id}}/move`, one request after another \
         (after {WARM_UP} of each, not measured), on boards of {} cards with a quarter of \
         their cards in active columns and no limit set. The server's CPU per request is its \
         threads' time on the CPU during the run divided by the requests. Target (issue 31): \
         the 50,000-card board's figures at most twice the 500-card board's.\n\n\
         Then, on the same boards, {SEARCHES} searches one after another (after {WARM_UP}) \
         through `GET /api/v1/cards?board=&q={QUERY}`: text in no card, so every feature's \
         title and description is read. Target (issue 34): a median within the board page's \
         own budget, 30 ms, on the 10,000-card board.\n",
        SIZES.map(|s| s.to_string()).join(", ")
    );
    runtime.block_on(support::on_both_databases(&mut out, bench_backend));
    support::write_section("scaling", &out);
}
