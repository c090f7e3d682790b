//! The `flowboard` release binary as its own process, for the benchmarks that load it over
//! loopback.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::TestDb;

/// The server process, killed on drop.
pub struct Flowboard {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Flowboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Flowboard {
    /// Starts the release binary on a free loopback port against `db` and waits until it is
    /// ready.
    pub async fn start(db: &TestDb) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_flowboard"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &db.url])
            // The per-token limit (50/s by default) would measure the limiter, not the server.
            .env("FLOWBOARD_TOKEN_REQUESTS_PER_SECOND", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start flowboard");
        // Owned from here on, so that it is killed and waited for even if it never answers.
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let probe = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = probe.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("flowboard did not become ready");
    }

    /// Resident memory now and at its peak, in MB (`VmRSS`, `VmHWM` of /proc/PID/status).
    pub fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(f64::NAN, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The CPU time the server's threads have used so far, summed over them
    /// (`/proc/PID/task/*/schedstat`, nanoseconds on the CPU); zero where it cannot be read.
    pub fn cpu_time(&self) -> Duration {
        let tasks = format!("/proc/{}/task", self.child.id());
        let Ok(entries) = std::fs::read_dir(tasks) else {
            return Duration::ZERO;
        };
        let nanos: u64 = entries
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(nanos)
    }
}
