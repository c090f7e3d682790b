//! `make bench`, second part: the `flowboard` release binary as its own process, loaded over
//! loopback by wrk on the same 2-core machine (generator and server share the cores; the wrk
//! scripts are in `bench/wrk/`). Measures, on SQLite and (when
//! `FLOWBOARD_TEST_POSTGRES_URL` is set) PostgreSQL:
//! - incident ingestion through the Alertmanager webhook (an alert storm over 500 alerts);
//! - card moves through the REST API with 64 concurrent clients;
//! - the board page rendered on the server with 2,000 cards on the board;
//! - the server's resident memory idle and its peak under that load.
//!
//! Writes its section of the report to `target/bench/load.md` (`scripts/bench.sh` assembles
//! `bench/REPORT.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use common::TestDb;
use domain::access::Scope;
use domain::board::BoardRef;
use domain::import::HistoryImport;
use domain::{Actor, CardType, NewBoard};
use server::store::Database;
use support::server::Flowboard;
use support::wal::WalProbe;
use support::{Latencies, ms, percent, with_steal};

/// A measured wrk run with more of the CPU than this (percent) stolen by the hypervisor is
/// run again, up to [`ATTEMPTS`] runs in all; the report judges the least disturbed run and
/// lists every run with its steal (see `support::CpuTimes`).
const STEAL_LIMIT: f64 = 10.0;
const ATTEMPTS: usize = 3;

/// Load before each measured run, not measured.
const WARM_UP_SECONDS: u64 = 3;
const INGEST_CLIENTS: usize = 32;
const INGEST_SECONDS: u64 = 15;
const ALERTS: usize = 500;
const MOVE_CLIENTS: usize = 64;
const MOVE_SECONDS: u64 = 10;
/// Mean think time of each client in the paced move run, after each answer (random,
/// exponentially distributed: see `bench/wrk/moves.lua`).
const MOVE_PACE_MS: u64 = 100;
const CARDS_PER_MOVER: usize = 4;
const PAGE_CARDS: usize = 2_000;
const PAGE_RUNS: usize = 200;
/// Pages requested before the timed ones: the first after the write storms wait on the
/// WAL checkpoint the storms left behind.
const PAGE_WARM_UP: usize = 20;

/// What one wrk run did, from the `FLOWBOARD {json}` line its script prints at the end.
#[derive(serde::Deserialize)]
struct Run {
    requests: u64,
    duration_us: u64,
    /// Non-2xx answers, connection errors and timeouts.
    failed: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    /// The failures by kind, as wrk counts them (non-2xx, and its socket errors).
    errors: String,
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests.saturating_sub(self.failed) as f64 / (self.duration_us as f64 / 1e6)
    }
    fn p50(&self) -> Duration {
        Duration::from_micros(self.p50_us)
    }
    fn p99(&self) -> Duration {
        Duration::from_micros(self.p99_us)
    }
    /// How many failed, and how, for the report.
    fn failures(&self) -> String {
        match self.failed {
            0 => "0".into(),
            n => format!("{n} ({})", self.errors),
        }
    }
    fn summary(&self) -> String {
        format!(
            "p50 {} ms, p99 {} ms, max {} ms",
            ms(self.p50()),
            ms(self.p99()),
            ms(Duration::from_micros(self.max_us))
        )
    }
}

/// Runs wrk (Debian's, C and epoll: `scripts/setup.sh bench`) on one thread with `clients`
/// connections for `seconds`, each sending requests back to back as `script` (in
/// `bench/wrk/`) makes them. A generator much lighter than the server matters here: the two
/// share the machine's two cores.
fn wrk(script: &str, url: &str, clients: usize, seconds: u64, env: &[(&str, &str)]) -> Run {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/wrk/").to_owned() + script;
    let output = Command::new("wrk")
        .args(["-t1", &format!("-c{clients}"), &format!("-d{seconds}s")])
        .args(["--timeout", "10s", "-s", &script, url])
        .envs(env.iter().copied())
        .stderr(Stdio::inherit())
        .output()
        .expect("run wrk (scripts/setup.sh bench installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {stdout}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("FLOWBOARD "))
        .unwrap_or_else(|| panic!("no FLOWBOARD line in wrk's output: {stdout}"));
    serde_json::from_str(line).expect("wrk figures")
}

/// A measured wrk run: the one of up to [`ATTEMPTS`] runs with the least CPU steal, run again
/// only while the steal is over [`STEAL_LIMIT`]. Also the report's note on the runs: the
/// steal, and each run when there were several. And the requests answered in all its runs,
/// for figures taken over all of them (the write-ahead log a run wrote, per move).
fn measured(
    script: &str,
    url: &str,
    clients: usize,
    seconds: u64,
    env: &[(&str, &str)],
) -> (Run, String, u64) {
    let mut runs: Vec<(Run, Option<f64>)> = Vec::new();
    while runs.len() < ATTEMPTS {
        let (run, steal) = with_steal(|| wrk(script, url, clients, seconds, env));
        let calm = steal.is_none_or(|s| s <= STEAL_LIMIT);
        runs.push((run, steal));
        if calm {
            break;
        }
    }
    let steal_of = |r: &(Run, Option<f64>)| r.1.unwrap_or(0.0);
    let best = (0..runs.len())
        .min_by(|&a, &b| steal_of(&runs[a]).total_cmp(&steal_of(&runs[b])))
        .unwrap_or(0);
    let note = if runs.len() == 1 {
        format!("CPU steal {}", percent(runs[0].1))
    } else {
        let each = runs
            .iter()
            .enumerate()
            .map(|(i, (run, steal))| {
                format!(
                    "{}{:.0}/s, p99 {} ms at {} steal",
                    if i == best { "**judged:** " } else { "" },
                    run.rate(),
                    ms(run.p99()),
                    percent(*steal)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        format!("{} runs (steal over {STEAL_LIMIT:.0}%): {each}", runs.len())
    };
    let requests = runs.iter().map(|(run, _)| run.requests).sum();
    (runs.swap_remove(best).0, note, requests)
}

/// A board of `cards` cards spread evenly over its five columns (Done included: the page
/// shows them all).
fn spread(cards: usize) -> HistoryImport {
    let start = Utc::now() - TimeDelta::days(30);
    let path = ["Backlog", "Ready", "In Progress", "Review", "Done"];
    HistoryImport {
        cards: (0..cards)
            .map(|i| {
                support::import_card(
                    format!("Page card {i}: a title of a usual length for a card"),
                    [CardType::Feature, CardType::TechDebt, CardType::Incident][i % 3],
                    start,
                    &path[..=i % path.len()],
                )
            })
            .collect(),
    }
}

async fn board(store: &dyn application::ports::Store, name: &str) -> domain::Board {
    store
        .create_board(
            &NewBoard {
                name: name.into(),
                ..Default::default()
            },
            None,
            Utc::now(),
        )
        .await
        .expect("board")
}

async fn bench_backend(name: &str, db: TestDb, out: &mut String) {
    println!("{name}: preparing");
    let (database, store): (Database, _) = common::open(&db).await;
    let alerts = board(store.as_ref(), "Alerts").await;
    let moves = board(store.as_ref(), "Moves").await;
    let page = board(store.as_ref(), "Page").await;
    store
        .import_history(
            &BoardRef::Id(page.id),
            &spread(PAGE_CARDS),
            &Actor::system("bench"),
            Utc::now(),
        )
        .await
        .expect("page cards");
    let mut movers = Vec::new();
    for i in 0..MOVE_CLIENTS * CARDS_PER_MOVER {
        let card = store
            .create_card(
                &BoardRef::Id(moves.id),
                &domain::NewCard {
                    title: format!("Moving card {i}"),
                    ..Default::default()
                },
                &Actor::system("bench"),
                Utc::now(),
            )
            .await
            .expect("card");
        movers.push(card.id);
    }
    let monitor = common::token(store.as_ref(), &[Scope::IncidentsWrite], Some(alerts.id)).await;
    let writer = common::token(store.as_ref(), &[Scope::BoardsWrite], Some(moves.id)).await;
    common::user(store.as_ref(), "bench@example.com", true).await;

    let server = Flowboard::start(&db).await;
    if let Ok(seconds) = std::env::var("FLOWBOARD_BENCH_HOLD_SECS") {
        // For profiling: `perf record -p PID` while the load runs.
        println!("  server pid {}", server.child.id());
        tokio::time::sleep(Duration::from_secs(seconds.parse().unwrap_or(10))).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = server.memory();
    println!("  idle: {idle:.1} MB");

    // Incident ingestion: the first notification of each alert opens its card, the rest
    // count occurrences on it (deduplication), as in an alert storm.
    let url = format!("{}/api/v1/integrations/alertmanager", server.base);
    let alerts_env = ALERTS.to_string();
    // The first notifications of the storm open the incidents (and grow the new database's
    // files); the measured run is the storm in progress, mostly refreshes.
    wrk(
        "alertmanager.lua",
        &url,
        INGEST_CLIENTS,
        WARM_UP_SECONDS,
        &[("FLOWBOARD_TOKEN", &monitor), ("ALERTS", &alerts_env)],
    );
    let (ingest, ingest_note, _) = measured(
        "alertmanager.lua",
        &url,
        INGEST_CLIENTS,
        INGEST_SECONDS,
        &[("FLOWBOARD_TOKEN", &monitor), ("ALERTS", &alerts_env)],
    );
    let after_ingest = server.memory().0;
    let rate = ingest.rate();
    let cards = store.board(&BoardRef::Id(alerts.id)).await.unwrap().cards;
    let occurrences: u64 = cards.iter().map(|c| u64::from(c.occurrences)).sum();
    println!(
        "  ingestion: {rate:.0}/s, {} ({} failed), {} cards, {occurrences} occurrences; {ingest_note}",
        ingest.summary(),
        ingest.failures(),
        cards.len()
    );

    // Card moves: the cards in turn between Backlog and Done and back.
    let card_list = movers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let columns = format!("{},{}", moves.columns[0].id, moves.columns[4].id);
    let env = [
        ("FLOWBOARD_TOKEN", writer.as_str()),
        ("CARDS", &card_list),
        ("COLUMNS", &columns),
    ];
    wrk(
        "moves.lua",
        &server.base,
        MOVE_CLIENTS,
        WARM_UP_SECONDS,
        &env,
    );
    let wal = match name {
        "PostgreSQL" => WalProbe::start(&db.url).await,
        _ => None,
    };
    let (moved, mut moved_note, all_moves) =
        measured("moves.lua", &server.base, MOVE_CLIENTS, MOVE_SECONDS, &env);
    if let Some(wal) = wal
        && let Some(note) = wal.finish(all_moves, "move").await
    {
        moved_note = format!("{moved_note}; {note}");
    }
    let move_rate = moved.rate();
    println!(
        "  moves: {move_rate:.0}/s, {} ({} failed); {moved_note}",
        moved.summary(),
        moved.failures()
    );
    // The same clients with think time: the latency a team and its scripts see when the
    // server is busy but not saturated.
    let pace = MOVE_PACE_MS.to_string();
    let paced_env = [env[0], env[1], env[2], ("PACE_MS", pace.as_str())];
    let (paced, paced_note, _) = measured(
        "moves.lua",
        &server.base,
        MOVE_CLIENTS,
        MOVE_SECONDS,
        &paced_env,
    );
    let paced_rate = paced.rate();
    println!(
        "  moves with {MOVE_PACE_MS} ms mean think time: {paced_rate:.0}/s, {} ({} failed); {paced_note}",
        paced.summary(),
        paced.failures()
    );
    let after_moves = server.memory().0;

    // The board page with 2,000 cards, rendered on the server for a signed-in member.
    let browser = common::signed_in(&server.base, "bench@example.com").await;
    let page_url = format!("{}/boards/{}", server.base, page.slug);
    let mut times = Vec::new();
    let mut bytes = 0;
    // For profiling the render: `FLOWBOARD_BENCH_PAGE_RUNS=400` keeps the page loop busy.
    let page_start = support::CpuTimes::now();
    let runs = std::env::var("FLOWBOARD_BENCH_PAGE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(PAGE_RUNS);
    for i in 0..runs + PAGE_WARM_UP {
        let t = Instant::now();
        let r = browser.get(&page_url).send().await.expect("page");
        assert!(r.status().is_success(), "board page: {}", r.status());
        bytes = r.bytes().await.expect("page body").len();
        if i >= PAGE_WARM_UP {
            times.push(t.elapsed());
        }
    }
    let pages = Latencies::new(times);
    let page_note = format!("CPU steal {}", percent(support::steal_from(page_start)));
    println!(
        "  board page: {} ({bytes} bytes); {page_note}",
        pages.summary()
    );
    let (now, peak) = server.memory();
    println!(
        "  memory: {after_ingest:.1} MB after ingestion, {after_moves:.1} MB after the moves, \
         {now:.1} MB after the pages, {peak:.1} MB peak"
    );

    // Issue 8 sets the ingestion target on SQLite; PostgreSQL's figure is for comparison.
    let (ingest_target, ingest_met) = if name == "SQLite" {
        (
            "≥ 2,000/s, p99 < 50 ms",
            support::met(
                ingest.failed == 0 && rate >= 2000.0 && ingest.p99() < Duration::from_millis(50),
            ),
        )
    } else {
        ("none (SQLite's: ≥ 2,000/s, p99 < 50 ms)", "–")
    };
    let _ = writeln!(
        out,
        "\n### {name}\n\n\
         | measure | figure | target | met |\n| --- | --- | --- | :-: |\n\
         | Alertmanager ingestion, {INGEST_CLIENTS} clients, {INGEST_SECONDS} s after {WARM_UP_SECONDS} s of warm-up, {ALERTS} alerts | \
         {rate:.0} requests/s; p50 {} ms, p99 {} ms; {} failed; {ingest_note} | {ingest_target} | {ingest_met} |\n\
         | card moves, {MOVE_CLIENTS} clients without think time (saturation), {MOVE_SECONDS} s after {WARM_UP_SECONDS} s of warm-up | {move_rate:.0} moves/s; \
         p50 {} ms, p99 {} ms; {} failed; {moved_note} | none: a figure (no team saturates its board; issue 31) | – |\n\
         | card moves, {MOVE_CLIENTS} clients each waiting {MOVE_PACE_MS} ms on average (random) after an answer, {MOVE_SECONDS} s | {paced_rate:.0} moves/s; \
         p50 {} ms, p99 {} ms; {} failed; {paced_note} | p99 < 20 ms | {} |\n\
         | board page (SSR), {PAGE_CARDS} cards, {runs} sequential requests after {PAGE_WARM_UP} | p50 {} ms, \
         p95 {} ms; {} KB of HTML; {page_note} | p50 < 30 ms | {} |\n\
         | resident memory idle (2 s after start) | {idle:.1} MB | < 40 MB | {} |\n\
         | resident memory peak (under all of the above) | {peak:.1} MB (after ingestion \
         {after_ingest:.1}, after the moves {after_moves:.1}, after the pages {now:.1}) | < 100 MB | {} |\n\n\
         After the storm the alert board held {} cards with {occurrences} occurrences in all.",
        ms(ingest.p50()),
        ms(ingest.p99()),
        ingest.failures(),
        ms(moved.p50()),
        ms(moved.p99()),
        moved.failures(),
        ms(paced.p50()),
        ms(paced.p99()),
        paced.failures(),
        support::met(paced.failed == 0 && paced.p99() < Duration::from_millis(20)),
        ms(pages.p(0.50)),
        ms(pages.p(0.95)),
        bytes / 1024,
        support::met(pages.p(0.50) < Duration::from_millis(30)),
        support::met(idle < 40.0),
        support::met(peak < 100.0),
        cards.len(),
    );
    drop(server);
    database.close().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut out = String::from(
        "\n## Under load: the release binary, loaded over loopback\n\n\
         The `flowboard` binary runs as its own process. Ingestion and moves are loaded by \
         wrk (one thread, each connection sending its next request as soon as the last one \
         is answered, or after a think time where said; scripts in `bench/wrk/`), the board \
         page by one client sending requests one after another, all on the same machine. \
         Latencies are per request as the clients see them.\n\n\
         Without think time, clients wait on each other: by Little's law the mean latency of \
         64 clients is 64 divided by the throughput. That run shows the saturation \
         throughput, a figure and no longer a target (issue 31: no team saturates its board). \
         The paced run shows the latency below saturation, the target; its clients wait \
         a random time after each answer, as independent users do (a fixed wait kept the \
         clients answered together in step, so their moves came in bursts).\n\n\
         These machines are virtual: the hypervisor may give part of their CPU time to other \
         guests (\"steal\"), and the same build measured less than half its usual rate with \
         a third of the CPU stolen. Each measured wrk run reports the steal during it; a run \
         with more than 10% stolen is run again, up to three runs, and the target is judged on \
         the least disturbed one, with every run listed.\n",
    );
    runtime.block_on(support::on_both_databases(&mut out, bench_backend));
    support::write_section("load", &out);
}
