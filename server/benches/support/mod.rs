//! What the benchmarks share: latency percentiles, number formatting, and where each writes
//! its section of `bench/REPORT.md` (assembled by `scripts/bench.sh`).
#![allow(dead_code)]

use std::time::Duration;

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
