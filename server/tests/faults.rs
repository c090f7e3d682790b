//! Faults: what Flowboard does when the ground moves under it.
//!
//! - The process is killed (`SIGKILL`) in the middle of an incident storm: every incident that
//!   was answered 2xx is there after a restart, exactly once, and the SQLite file passes
//!   `PRAGMA integrity_check` (PostgreSQL: no duplicate open dedup keys).
//! - PostgreSQL goes away (a TCP proxy in this test is cut; the real server keeps running):
//!   API requests answer 503 problem+json within seconds, `/readyz` fails while `/healthz`
//!   answers, and once the proxy is back Flowboard recovers by itself, live views included.
//! - SQLite cannot write: a read-only file stops start-up with a message naming it; a full
//!   disk (a size-limited tmpfs in a private mount namespace) makes writes answer 507 while
//!   reads carry on, stores nothing half-written, and writes work again once space is freed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use application::ports::Store;
use common::{TestDb, TestServer, bearer_client, token};
use domain::NewBoard;
use domain::access::Scope;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A `flowboard` process serving on an ephemeral port, with its log collected.
struct Process {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Process {
    /// Runs `cmd` (which is `flowboard` or execs it), with JSON logs on an ephemeral port,
    /// and waits until it listens. If it exits instead: its exit status and log.
    fn start(mut cmd: Command) -> Result<Self, (std::process::ExitStatus, String)> {
        cmd.env("FLOWBOARD_BIND", "127.0.0.1:0")
            .env("FLOWBOARD_LOG_FORMAT", "json")
            .env("FLOWBOARD_TOKEN_REQUESTS_PER_SECOND", "100000")
            .env("RUST_LOG", "info,sqlx=warn")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn flowboard");
        let log = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel::<Option<String>>();
        // Both pipes are drained for the whole life of the process, or it would block on a
        // full pipe.
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for (pipe, tell) in [
            (Box::new(stdout) as Box<dyn std::io::Read + Send>, true),
            (Box::new(stderr), false),
        ] {
            let log = log.clone();
            let address_tx = address_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    if tell
                        && let Ok(v) = serde_json::from_str::<Value>(&line)
                        && v["fields"]["message"] == "Flowboard is listening"
                    {
                        let _ = address_tx.send(v["fields"]["address"].as_str().map(String::from));
                    }
                    log.lock().unwrap().push_str(&line);
                    log.lock().unwrap().push('\n');
                }
                if tell {
                    let _ = address_tx.send(None);
                }
            });
        }
        match address_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Some(address)) => Ok(Self {
                child,
                base: format!("http://{address}"),
                log,
            }),
            Ok(None) => {
                let status = child.wait().expect("wait");
                // The reader of stderr may still be collecting the last lines.
                std::thread::sleep(Duration::from_millis(200));
                let log = log.lock().unwrap().clone();
                Err((status, log))
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "flowboard neither listened nor exited within 20 s:\n{}",
                    log.lock().unwrap()
                );
            }
        }
    }

    /// [`Process::start`] that must succeed.
    fn running(cmd: Command) -> Self {
        Self::start(cmd).unwrap_or_else(|(status, log)| panic!("flowboard {status}:\n{log}"))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL, no chance to clean up.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn flowboard(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowboard"));
    cmd.args(["--database-url", database_url]);
    cmd
}

/// A board named `name` plus a board token with `incidents:write` and an admin token.
async fn board_and_tokens(store: &dyn Store, name: &str) -> (String, String) {
    let board = store
        .create_board(
            &NewBoard {
                name: name.into(),
                ..Default::default()
            },
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let monitor = token(store, &[Scope::IncidentsWrite], Some(board.id)).await;
    let admin = token(store, &[Scope::Admin], None).await;
    (monitor, admin)
}

/// The board's cards by dedup key.
async fn incidents_by_key(admin: &reqwest::Client, url: &str) -> HashMap<String, Vec<Value>> {
    let r = admin.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let board: Value = r.json().await.unwrap();
    let mut by_key: HashMap<String, Vec<Value>> = HashMap::new();
    for card in board["cards"].as_array().unwrap() {
        let key = card["dedup_key"].as_str().unwrap_or("").to_owned();
        by_key.entry(key).or_default().push(card.clone());
    }
    by_key
}

const INCIDENTS: usize = 1000;
const KILL_AFTER: usize = 400;

/// Posts `INCIDENTS` distinct incidents from four concurrent clients and SIGKILLs the process
/// once `KILL_AFTER` were answered. Returns the keys answered 2xx and the keys that were sent
/// but not answered (in flight at the kill: stored or not, but at most once).
async fn storm_and_kill(
    process: &mut Process,
    monitor: &reqwest::Client,
) -> (Vec<usize>, Vec<usize>) {
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(tokio::sync::Notify::new());
    let url = process.url("/api/v1/incidents");
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (next, answered, killed) = (next.clone(), answered.clone(), killed.clone());
            let (monitor, url) = (monitor.clone(), url.clone());
            tokio::spawn(async move {
                let (mut ok, mut lost) = (Vec::new(), Vec::new());
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= INCIDENTS {
                        break;
                    }
                    let body = json!({"title": format!("fault {i}"), "severity": "sev3",
                        "dedup_key": format!("k{i}")});
                    match monitor.post(&url).json(&body).send().await {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            ok.push(i);
                            if answered.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                                killed.notify_one();
                            }
                        }
                        Ok(r) => panic!("incident {i}: {}", r.status()),
                        Err(_) => {
                            // The process is gone: this one may or may not be stored.
                            lost.push(i);
                            break;
                        }
                    }
                }
                (ok, lost)
            })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(60), killed.notified())
        .await
        .expect("400 incidents answered in time");
    process.kill();
    let (mut ok, mut lost) = (Vec::new(), Vec::new());
    for client in clients {
        let (o, l) = client.await.unwrap();
        ok.extend(o);
        lost.extend(l);
    }
    assert!(
        ok.len() >= KILL_AFTER && ok.len() < INCIDENTS,
        "{} answered",
        ok.len()
    );
    (ok, lost)
}

/// Every 2xx incident is on the board exactly once; nothing is there that was never sent,
/// and no key twice.
fn assert_each_once(by_key: &HashMap<String, Vec<Value>>, ok: &[usize], lost: &[usize]) {
    for i in ok {
        let cards = by_key.get(&format!("k{i}")).map_or(0, Vec::len);
        assert_eq!(
            cards, 1,
            "incident k{i} was answered 2xx; found {cards} cards"
        );
    }
    let sent: BTreeSet<String> = ok.iter().chain(lost).map(|i| format!("k{i}")).collect();
    for (key, cards) in by_key {
        assert_eq!(cards.len(), 1, "{key} stored {} times", cards.len());
        assert!(sent.contains(key), "{key} stored but never sent");
        assert_eq!(cards[0]["title"], format!("fault {}", &key[1..]));
        assert_eq!(cards[0]["occurrences"], 1);
    }
    assert!(by_key.len() <= ok.len() + lost.len());
}

/// A board "Storm" on `db`, and the real binary killed with SIGKILL in the middle of an
/// incident storm on it: the admin client, and the incidents answered 2xx and in flight.
async fn storm_killed_on(db: &TestDb) -> (reqwest::Client, Vec<usize>, Vec<usize>) {
    let (database, store) = common::open(db).await;
    let (monitor, admin) = board_and_tokens(store.as_ref(), "Storm").await;
    database.close().await;
    let (monitor, admin) = (bearer_client(&monitor), bearer_client(&admin));
    let mut process = Process::running(flowboard(&db.url));
    let (ok, lost) = storm_and_kill(&mut process, &monitor).await;
    (admin, ok, lost)
}

/// Restarts the binary on `db` and checks that every answered incident is stored exactly
/// once (and nothing that was never sent); returns the incidents by dedup key.
async fn restarted_holds_each_once(
    db: &TestDb,
    admin: &reqwest::Client,
    ok: &[usize],
    lost: &[usize],
    backend: &str,
) -> HashMap<String, Vec<Value>> {
    let process = Process::running(flowboard(&db.url));
    let by_key = incidents_by_key(admin, &process.url("/api/v1/boards/storm")).await;
    assert_each_once(&by_key, ok, lost);
    eprintln!(
        "{backend}: {} answered before SIGKILL, {} in flight, {} stored",
        ok.len(),
        lost.len(),
        by_key.len()
    );
    by_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_an_incident_storm_loses_nothing_answered_sqlite() {
    let db = common::sqlite();
    let (admin, ok, lost) = storm_killed_on(&db).await;

    // The file as the crash left it (opening it replays the WAL, as any restart does).
    let file = db.url.strip_prefix("sqlite://").unwrap();
    let mut conn =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{file}"))
            .await
            .unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(verdict, "ok");
    let keys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT dedup_key FROM cards WHERE dedup_key IS NOT NULL \
         GROUP BY dedup_key HAVING count(*) > 1)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(keys, 0, "duplicate dedup keys");
    sqlx::Connection::close(conn).await.unwrap();

    restarted_holds_each_once(&db, &admin, &ok, &lost, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_an_incident_storm_loses_nothing_answered_postgres() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let (admin, ok, lost) = storm_killed_on(&db).await;

    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT dedup_key FROM cards WHERE dedup_key IS NOT NULL \
         GROUP BY dedup_key HAVING count(*) > 1) d",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(duplicates, 0, "duplicate dedup keys");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM cards")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();

    let by_key = restarted_holds_each_once(&db, &admin, &ok, &lost, "postgres").await;
    assert_eq!(usize::try_from(stored).unwrap(), by_key.len());
}

/// A TCP proxy that can be cut (listener closed, every live connection dropped) and
/// restored on the same address.
struct Proxy {
    address: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            address: listener.local_addr().unwrap(),
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (target, tasks) = (self.target, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(relay);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the listener and drops every connection: PostgreSQL is gone for Flowboard.
    async fn cut(&self) {
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same address.
    async fn restore(&self) {
        let listener = tokio::net::TcpListener::bind(self.address).await.unwrap();
        self.serve(listener);
    }
}

/// Asserts a 503 problem+json with the `unavailable` type, answered within `limit`.
async fn assert_unavailable(request: reqwest::RequestBuilder, limit: Duration, what: &str) {
    let started = Instant::now();
    let r = request.send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(took < limit, "{what} took {took:?}");
    assert_eq!(
        r.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json",
        "{what}"
    );
    let problem: Value = r.json().await.unwrap();
    assert_eq!(
        problem["type"], "urn:flowboard:problem:unavailable",
        "{what}"
    );
    assert_eq!(problem["status"], 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_answers_503_and_recovers_without_restart() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let mut url = reqwest::Url::parse(&db.url).unwrap();
    let host = url.host_str().unwrap().to_owned();
    let port = url.port().unwrap_or(5432);
    let target = tokio::net::lookup_host((host.as_str(), port))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.address.port())).unwrap();
    let mut config = server::Config::for_database(url.to_string());
    config.database_timeout_secs = 2;
    let s = TestServer::start_with(config).await;

    let r = s
        .post_json("/api/v1/boards", &json!({"name": "Outage"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let id = board["id"].as_str().unwrap().parse().unwrap();
    let monitor = bearer_client(&token(s.store.as_ref(), &[Scope::IncidentsWrite], Some(id)).await);
    let r = s.get("/api/v1/boards/outage/live").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut live = r.bytes_stream();
    let first = live.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));

    proxy.cut().await;
    let limit = Duration::from_secs(6);
    assert_unavailable(
        s.client.get(s.url("/api/v1/boards/outage")),
        limit,
        "GET board",
    )
    .await;
    let incident = json!({"title": "db down", "severity": "sev1", "dedup_key": "db-down"});
    assert_unavailable(
        monitor.post(s.url("/api/v1/incidents")).json(&incident),
        limit,
        "POST incident",
    )
    .await;
    assert_unavailable(s.anonymous.get(s.url("/readyz")), limit, "readyz").await;
    let r = s.anonymous.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the process itself is fine");

    proxy.restore().await;
    let restored = Instant::now();
    loop {
        let r = s.anonymous.get(s.url("/readyz")).send().await.unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(
            restored.elapsed() < Duration::from_secs(15),
            "not ready again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = s.get("/api/v1/boards/outage").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = monitor
        .post(s.url("/api/v1/incidents"))
        .json(&incident)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "the incident refused during the outage"
    );
    // The live view is told to reload (changes made while its listener was away, like the
    // incident above, were not announced to it), then hears new changes again. The listener
    // may take more than one attempt to reconnect (each says `resync` again), so new
    // incidents are reported until one is heard, for at most 10 s.
    let mut seen = String::new();
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains("resync") {
            let Some(chunk) = live.next().await else {
                break;
            };
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    })
    .await;
    assert!(
        heard.is_ok() && seen.contains("resync"),
        "live view after the outage: {seen:?}"
    );
    let listening = Instant::now();
    for attempt in 0.. {
        let r = monitor
            .post(s.url("/api/v1/incidents"))
            .json(&json!({"title": "after", "severity": "sev3", "dedup_key": format!("after-{attempt}")}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while !seen.contains("incident_opened") {
                let Some(chunk) = live.next().await else {
                    break;
                };
                seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            }
        })
        .await;
        if seen.contains("incident_opened") {
            break;
        }
        assert!(
            listening.elapsed() < Duration::from_secs(10),
            "live view after the outage: {seen:?}"
        );
    }
    eprintln!(
        "recovered {:?} after the proxy came back",
        restored.elapsed()
    );
    drop(live);
    s.stop().await.unwrap();
}

/// Whether this process can write files it has made read-only (root can).
fn chmod_protects() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&probe)
        .is_err()
}

/// Whether this process may make a private mount namespace with its own mounts.
fn can_mount() -> bool {
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("mount -t tmpfs -o size=64k tmpfs /mnt")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A migrated SQLite database with a board `full` and its tokens, in `dir`.
async fn prepared_sqlite(dir: &Path) -> (PathBuf, String, String) {
    let file = dir.join("flowboard.db");
    let db = TestDb::existing(format!("sqlite://{}", file.display()));
    let (database, store) = common::open(&db).await;
    let (monitor, admin) = board_and_tokens(store.as_ref(), "Full").await;
    database.close().await;
    (file, monitor, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_read_only_file_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (file, monitor, admin) = prepared_sqlite(dir.path()).await;
    let url = format!("sqlite://{}", file.display());
    let outcome = if chmod_protects() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let outcome = Process::start(flowboard(&url));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(outcome)
    } else if can_mount() {
        // Root ignores file modes: make the directory a read-only file system instead, in a
        // mount namespace of the server's own.
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount --bind -o ro "$1" "$1" && exec "$2" --database-url "$3""#)
            .args([
                "sh",
                &dir.path().display().to_string(),
                env!("CARGO_BIN_EXE_flowboard"),
                &url,
            ]);
        Some(Process::start(cmd))
    } else {
        eprintln!(
            "notice: cannot make a read-only file here (root without the right to mount); \
             skipping the start-up case"
        );
        None
    };
    if let Some(outcome) = outcome {
        let Err((status, log)) = outcome else {
            panic!("flowboard started on a read-only database");
        };
        assert!(status.code().is_some_and(|c| c != 0), "{status}: {log}");
        assert!(
            log.contains(&file.display().to_string()),
            "names the file: {log}"
        );
        assert!(log.contains("read-only"), "says why: {log}");
        assert!(!log.contains("panicked"), "{log}");
    }

    // Opened read-only on purpose (`?mode=ro`, e.g. a reporting replica of the file): it
    // serves reads, and writes answer 503 saying the database is read-only.
    let process = Process::running(flowboard(&format!("{url}?mode=ro")));
    let (monitor, admin) = (bearer_client(&monitor), bearer_client(&admin));
    let r = monitor
        .post(process.url("/api/v1/incidents"))
        .json(&json!({"title": "t", "severity": "sev3", "dedup_key": "ro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        process.log()
    );
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["type"], "urn:flowboard:problem:database-read-only");
    assert!(
        problem["detail"].as_str().unwrap().contains("read-only"),
        "{problem}"
    );
    let by_key = incidents_by_key(&admin, &process.url("/api/v1/boards/full")).await;
    assert!(by_key.is_empty(), "nothing stored");
    assert!(!process.log().contains("panicked"), "{}", process.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_refuses_writes_and_keeps_serving_reads() {
    if !can_mount() {
        eprintln!(
            "notice: cannot mount a size-limited tmpfs here (needs root with CAP_SYS_ADMIN); skipping"
        );
        return;
    }
    let source = tempfile::tempdir().unwrap();
    let (file, monitor, admin) = prepared_sqlite(source.path()).await;
    let (monitor, admin) = (bearer_client(&monitor), bearer_client(&admin));
    // The database on an 8 MB tmpfs in the server's own mount namespace, filled up but for
    // 256 KB by a filler file, which the test removes later to free space.
    let mount = tempfile::tempdir().unwrap();
    let mnt = mount.path().display().to_string();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(concat!(
            r#"mount -t tmpfs -o size=8m tmpfs "$1" && cp "$2" "$1/flowboard.db" && "#,
            r#"(dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null; true) && "#,
            r#"truncate -s -256K "$1/filler" && "#,
            r#"exec "$3" --database-url "sqlite://$1/flowboard.db""#
        ))
        .args([
            "sh",
            &mnt,
            &file.display().to_string(),
            env!("CARGO_BIN_EXE_flowboard"),
        ]);
    let process = Process::running(cmd);
    // The server's view of the mount.
    let inside = PathBuf::from(format!("/proc/{}/root{mnt}", process.child.id()));

    let post = |i: usize| {
        monitor
            .post(process.url("/api/v1/incidents"))
            .json(&json!({"title": format!("big {i}"), "severity": "sev3",
                "dedup_key": format!("big-{i}"), "description": format!("{i:05}").repeat(3000)}))
            .send()
    };
    let mut stored = 0;
    let refused = loop {
        let r = post(stored).await.unwrap();
        if r.status() != StatusCode::CREATED {
            break r;
        }
        stored += 1;
        assert!(stored < 200, "256 KB never filled up");
    };
    assert!(stored > 0, "some writes fit");
    assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(
        refused.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "urn:flowboard:problem:database-full");
    assert!(
        problem["detail"].as_str().unwrap().contains("full"),
        "{problem}"
    );
    // Still refused, still alive; reads carry on and show exactly what was answered 201.
    let r = post(stored).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        process.log()
    );
    let by_key = incidents_by_key(&admin, &process.url("/api/v1/boards/full")).await;
    assert_eq!(by_key.len(), stored, "nothing half-written");
    assert!(!by_key.contains_key(&format!("big-{stored}")));
    for path in ["/healthz", "/readyz", "/api/v1/boards"] {
        let r = admin.get(process.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path} while the disk is full");
    }
    // SQLite resolves the /proc/PID/root link to "/", so check a copy of the (quiet) files.
    let copy = tempfile::tempdir().unwrap();
    for name in ["flowboard.db", "flowboard.db-wal"] {
        if inside.join(name).exists() {
            std::fs::copy(inside.join(name), copy.path().join(name)).unwrap();
        }
    }
    let copied = format!("sqlite://{}", copy.path().join("flowboard.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&copied)
        .await
        .unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(verdict, "ok");
    sqlx::Connection::close(conn).await.unwrap();

    // Space freed: the same process takes writes again.
    std::fs::remove_file(inside.join("filler")).unwrap();
    let r = post(stored).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", process.log());
    let r = admin
        .get(process.url("/api/v1/boards/full"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    assert!(!process.log().contains("panicked"), "{}", process.log());
    eprintln!("full disk after {stored} incidents");
}

/// A session left inside a transaction (sqlx 0.9.0 leaks one when a request is cancelled
/// during its `BEGIN`, transact-rs/sqlx#4393) is ended by PostgreSQL after a while instead of
/// holding its row locks until sqlx closes the connection: every connection carries the
/// idle-in-transaction limit, next to the options of the URL itself.
#[tokio::test]
async fn postgres_sessions_cannot_idle_inside_a_transaction() {
    use sqlx::Connection;
    let Some(db) = common::postgres().await else {
        return;
    };
    let options = server::store::PostgresStore::connect_options(&db.url).unwrap();
    let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let limit: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(limit, "30s");
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        path.starts_with("t_"),
        "the URL's own options are kept: {path}"
    );
    conn.close().await.unwrap();
}
