//! What the benchmarks share: latency percentiles, number formatting, and where each writes
//! its section of `bench/REPORT.md` (assembled by `scripts/bench.sh`).
#![allow(dead_code)]

use std::time::Duration;

pub mod server;
pub mod wal;

/// Request latencies, sorted.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        Self(times)
    }

    /// The nearest-rank percentile `q` (0 < q ≤ 1); zero when nothing was measured.
    pub fn p(&self, q: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1]
    }

    /// The largest.
    pub fn max(&self) -> Duration {
        self.0.last().copied().unwrap_or_default()
    }

    /// "p50 …, p95 …, p99 …, max … ms".
    pub fn summary(&self) -> String {
        format!(
            "p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
            ms(self.p(0.50)),
            ms(self.p(0.95)),
            ms(self.p(0.99)),
            ms(self.max())
        )
    }
}

/// A card to import, made at `start`, entering `columns` an hour apart from `start` (it ends
/// in the last one): how the benches fill their boards.
pub fn import_card(
    title: String,
    card_type: domain::CardType,
    start: chrono::DateTime<chrono::Utc>,
    columns: &[&str],
) -> domain::import::ImportCard {
    domain::import::ImportCard {
        title,
        card_type,
        created_at: start,
        severity: (card_type == domain::CardType::Incident).then_some(domain::Severity::Sev3),
        description: None,
        service: None,
        transitions: columns
            .iter()
            .zip(1..)
            .map(|(column, hours)| domain::import::ImportTransition {
                column: (*column).to_owned(),
                at: start + chrono::TimeDelta::hours(hours),
            })
            .collect(),
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// The report's verdict on a target.
pub fn met(yes: bool) -> &'static str {
    if yes { "yes" } else { "**no**" }
}

/// Runs `bench` on a fresh SQLite file and, when `FLOWBOARD_TEST_POSTGRES_URL` is set, a fresh
/// PostgreSQL schema, each adding its part to `out`. `FLOWBOARD_BENCH_ONLY=sqlite` (or
/// `postgres`) skips the other backend, for profiling one of them.
pub async fn on_both_databases(
    out: &mut String,
    bench: impl AsyncFn(&'static str, crate::common::TestDb, &mut String),
) {
    let only = std::env::var("FLOWBOARD_BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        bench("SQLite", crate::common::sqlite(), out).await;
    } else {
        out.push_str("\n### SQLite\n\nNot measured: FLOWBOARD_BENCH_ONLY=postgres.\n");
    }
    if only == "sqlite" {
        out.push_str("\n### PostgreSQL\n\nNot measured: FLOWBOARD_BENCH_ONLY=sqlite.\n");
        return;
    }
    match crate::common::postgres().await {
        Some(db) => bench("PostgreSQL", db, out).await,
        None => out.push_str(
            "\n### PostgreSQL\n\nNot measured: FLOWBOARD_TEST_POSTGRES_URL was not set.\n",
        ),
    }
}

/// Writes this benchmark's section to `target/bench/NAME.md`.
pub fn write_section(name: &str, text: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let path = dir.join(format!("{name}.md"));
    std::fs::write(&path, text).expect("write the report section");
    println!("section written to {}", path.display());
}

/// The machine's CPU time so far, from the first line of Linux's `/proc/stat` (clock ticks,
/// all CPUs): how much of it the hypervisor gave to other guests ("steal") and in all.
///
/// Why: these machines are virtual, and the same build measured 2,300 to 7,500 card moves/s
/// within an hour; `vmstat` showed 20-40% of the CPU stolen in the slow runs and 1-3% in the
/// fast ones (`bench/HISTORY.md`, session 19). A figure is only comparable with its steal.
#[derive(Debug, Clone, Copy)]
pub struct CpuTimes {
    steal: u64,
    total: u64,
}

impl CpuTimes {
    /// Now; `None` where `/proc/stat` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let counted = ticks.get(..8)?;
        Some(Self {
            steal: counted[7],
            total: counted.iter().sum(),
        })
    }

    /// The share of the CPU time since `earlier` that was stolen, in percent.
    pub fn steal_since(&self, earlier: &Self) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        100.0 * self.steal.saturating_sub(earlier.steal) as f64 / total as f64
    }
}

/// The CPU steal since `start` (taken with [`CpuTimes::now`]), in percent; `None` where it
/// cannot be measured.
pub fn steal_from(start: Option<CpuTimes>) -> Option<f64> {
    start
        .zip(CpuTimes::now())
        .map(|(before, after)| after.steal_since(&before))
}

/// `f`'s result and the CPU steal while it ran (`None`: not measurable here).
pub fn with_steal<T>(f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let start = CpuTimes::now();
    let out = f();
    (out, steal_from(start))
}

/// "12%" or "n/a".
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".into(), |s| format!("{s:.0}%"))
}
