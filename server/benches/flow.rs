//! `make bench`: Flowboard's speed on a big board, measured through a real server in release
//! mode on SQLite and (when `FLOWBOARD_TEST_POSTGRES_URL` is set) PostgreSQL, written to
//! `target/bench/flow.md`, a section of `bench/REPORT.md` (`scripts/bench.sh`).
//!
//! The board holds a year of history: 20,000 cards and about 200,000 column transitions
//! (Backlog → Ready → In Progress ⇄ Review → Done, with one to four rounds of review rework),
//! imported through the same code as `POST /boards/{board}/history`. Each figure is the
//! server's answer time as a client on the same machine sees it, over sequential requests
//! after warm-up: the targets are per-request latencies, not throughput.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, TimeDelta, Utc};
use common::{TestDb, TestServer};
use domain::CardType;
use domain::import::{HistoryImport, ImportCard, ImportTransition};
use support::ms;

const CARDS: usize = 20_000;
const RUNS: usize = 20;
const WARMUP: usize = 3;

/// A small deterministic generator (SplitMix64): the same board on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Somewhere between `lo` and `hi` hours, in seconds.
    fn hours(&mut self, lo: u64, hi: u64) -> TimeDelta {
        TimeDelta::seconds((lo * 3600 + self.below((hi - lo) * 3600)) as i64)
    }
}

/// A year of history ending at `now`: cards created evenly over the year, each walking the
/// default columns with rework; cards whose walk reaches past `now` stop where they are.
fn history(now: DateTime<Utc>) -> HistoryImport {
    let mut rng = Rng(2026);
    let start = now - TimeDelta::days(365);
    let cards = (0..CARDS)
        .map(|i| {
            let created = start + TimeDelta::seconds((i as i64 * 365 * 86_400) / CARDS as i64);
            let card_type = match rng.below(10) {
                0..=5 => CardType::Feature,
                6 => CardType::Incident,
                _ => CardType::TechDebt,
            };
            let mut path = vec!["Backlog", "Ready", "In Progress", "Review"];
            for _ in 0..rng.below(4) + 1 {
                path.extend(["In Progress", "Review"]);
            }
            path.push("Done");
            let mut at = created;
            let mut transitions = Vec::with_capacity(path.len());
            for column in path {
                if at > now {
                    break;
                }
                transitions.push(ImportTransition {
                    column: column.to_owned(),
                    at,
                });
                at += rng.hours(2, 30);
            }
            ImportCard {
                title: format!("Bench card {i}"),
                card_type,
                created_at: created,
                severity: (card_type == CardType::Incident).then_some(domain::Severity::Sev3),
                description: None,
                service: None,
                transitions,
            }
        })
        .collect();
    HistoryImport { cards }
}

/// Latencies of `RUNS` sequential requests after `WARMUP` unmeasured ones.
async fn measure(client: &reqwest::Client, url: &str) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for i in 0..WARMUP + RUNS {
        let t = Instant::now();
        let r = client.get(url).send().await.expect("request");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let body = r.bytes().await.expect("body");
        assert!(!body.is_empty());
        if i >= WARMUP {
            times.push(t.elapsed());
        }
    }
    times.sort();
    times
}

/// One row of the report: what, p50, p95, max, target, met (on p95)?
fn row(out: &mut String, what: &str, times: Vec<Duration>, target_ms: u64) {
    let times = support::Latencies::new(times);
    let (p50, p95, max) = (times.p(0.50), times.p(0.95), times.max());
    let _ = writeln!(
        out,
        "| {what} | {} | {} | {} | < {target_ms} | {} |",
        ms(p50),
        ms(p95),
        ms(max),
        support::met(p95 <= Duration::from_millis(target_ms))
    );
    println!("  {what}: {}", times.summary());
}

async fn bench_backend(name: &str, db: TestDb, out: &mut String) {
    println!("{name}: seeding {CARDS} cards");
    let now = Utc::now();
    let s = TestServer::start(&db).await;
    let board = s
        .store
        .create_board(
            &domain::NewBoard {
                name: "Bench".into(),
                ..Default::default()
            },
            None,
            now - TimeDelta::days(400),
        )
        .await
        .expect("board");
    let import = history(now);
    let transitions: usize = import.cards.iter().map(|c| c.transitions.len()).sum();
    let t = Instant::now();
    s.store
        .import_history(
            &domain::board::BoardRef::Id(board.id),
            &import,
            &domain::Actor::system("bench"),
            now,
        )
        .await
        .expect("import");
    let seeded = t.elapsed();
    println!("{name}: {transitions} transitions imported in {seeded:.1?}");

    // Where a metrics request spends its time, measured in-process (median of 5).
    let breakdown = breakdown(&s, board.id, now).await;

    common::user(s.store.as_ref(), "bench@example.com", true).await;
    let browser = common::signed_in(&s.base, "bench@example.com").await;
    let today = now.date_naive();
    let year_ago = today - Days::new(364);
    let two_weeks = today - Days::new(13);
    let _ = writeln!(
        out,
        "\n### {name}\n\n{CARDS} cards, {transitions} transitions over 365 days; import took {:.1} s.\n\n\
         | request | p50 ms | p95 ms | max ms | target ms | met |\n| --- | --: | --: | --: | --: | :-: |",
        seeded.as_secs_f64()
    );
    let metrics = |from, to| format!("/api/v1/boards/bench/metrics?from={from}&to={to}");
    let times = measure(&s.client, &s.url(&metrics(two_weeks, today))).await;
    row(out, "metrics, last 14 days", times, 300);
    let times = measure(&s.client, &s.url(&metrics(year_ago, today))).await;
    row(out, "metrics, whole year", times, 300);
    let times = measure(&browser, &s.url("/boards/bench/retro")).await;
    row(out, "retrospective page (SSR), last 14 days", times, 500);
    let _ = writeln!(
        out,
        "\nWhere a whole-year metrics request goes (in-process, median of 5): {breakdown}."
    );
    s.stop().await.expect("clean shutdown");
}

/// Times the steps of a whole-year metrics request, in-process: loading the board's layout
/// and its cards' metric facts, loading its event log, computing the flow metrics, loading and computing the
/// delivery side, and writing the JSON answer.
async fn breakdown(s: &TestServer, board: domain::BoardId, now: DateTime<Utc>) -> String {
    let today = now.date_naive();
    let window =
        domain::metrics::Window::or_last(Some(today - Days::new(364)), Some(today), today, 14)
            .unwrap();
    let median = |mut v: Vec<Duration>| {
        v.sort();
        ms(v[v.len() / 2])
    };
    // The first read after start fetches the whole log; later ones only what was appended.
    let t = Instant::now();
    let cold = s.store.board_events(board, window.end()).await.unwrap();
    let cold = (t.elapsed(), cold.len());
    let mut steps: [Vec<Duration>; 6] = Default::default();
    let mut bytes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let b = s
            .store
            .board_layout(&domain::board::BoardRef::Id(board))
            .await
            .unwrap();
        let cards = s.store.metric_cards(board).await.unwrap();
        steps[0].push(t.elapsed());
        let t = Instant::now();
        let events = s.store.board_events(board, window.end()).await.unwrap();
        steps[1].push(t.elapsed());
        let t = Instant::now();
        let m = domain::metrics::compute(&b, &cards, &events, window, now).unwrap();
        steps[2].push(t.elapsed());
        assert!(m.population > 0);
        let t = Instant::now();
        let reads = application::delivery::DeliveryReads::read(s.store.as_ref(), board, window)
            .await
            .unwrap();
        steps[3].push(t.elapsed());
        let t = Instant::now();
        let delivery = reads
            .delivery(&b, &events, window, &Default::default())
            .unwrap();
        steps[4].push(t.elapsed());
        let t = Instant::now();
        let json = serde_json::to_vec(&(&m, &delivery)).unwrap();
        steps[5].push(t.elapsed());
        bytes = json.len();
    }
    let [loads, logs, computes, delivery_reads, deliveries, writes] = steps;
    let line = format!(
        "board and its cards' metric facts {} ms, event log {} ms (the first read after start, of all {} \
         events: {} ms), flow metrics {} ms, delivery reads {} ms, delivery {} ms, JSON {} ms ({} KB); \
         the request makes the reads at once, and computes the flow metrics and the delivery side at once",
        median(loads),
        median(logs),
        cold.1,
        ms(cold.0),
        median(computes),
        median(delivery_reads),
        median(deliveries),
        median(writes),
        bytes / 1024
    );
    println!("  {line}");
    line
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut out = format!(
        "\n## Flow metrics on a year of history\n\n\
         Each figure is {RUNS} sequential requests after {WARMUP} warm-up requests, timed by a \
         client on the same machine; the target applies to p95.\n"
    );
    runtime.block_on(support::on_both_databases(&mut out, bench_backend));
    support::write_section("flow", &out);
}
