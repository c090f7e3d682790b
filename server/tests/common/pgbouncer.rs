//! A PgBouncer of the test's own in front of a fresh database: Debian's `pgbouncer` package
//! (1.18 on bookworm; `scripts/setup.sh rust` installs it), started on a free port with a
//! configuration in a temporary directory, and stopped (its database dropped) on drop.

use std::io::Read;
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use tempfile::TempDir;

/// Where Debian installs it.
const PGBOUNCER: &str = "/usr/sbin/pgbouncer";

/// PgBouncer's `pool_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolMode {
    /// A server connection per client connection, for as long as it lasts.
    Session,
    /// A server connection per transaction.
    Transaction,
}

/// A running PgBouncer in front of a database made for the test.
pub struct PgBouncer {
    /// `postgres://` URL of the database through PgBouncer.
    pub url: String,
    /// `postgres://` URL of the same database, directly.
    pub direct_url: String,
    /// Name of the database (the same on both sides).
    pub database: String,
    /// The URL that created the database, to drop it.
    admin_url: String,
    child: Child,
    dir: TempDir,
}

impl PgBouncer {
    /// A fresh database `fbpgb_<uuid>` on the PostgreSQL of `FLOWBOARD_TEST_POSTGRES_URL`
    /// behind a PgBouncer in `mode` lending at most `pool_size` server connections. `None`
    /// (with a notice) without that variable, or without PgBouncer outside CI; in CI
    /// (`CI=true`) a missing PgBouncer fails the test, since the setup script installs it.
    pub async fn start(mode: PoolMode, pool_size: u32) -> Option<Self> {
        let Ok(admin_url) = std::env::var("FLOWBOARD_TEST_POSTGRES_URL") else {
            eprintln!("notice: FLOWBOARD_TEST_POSTGRES_URL is not set; skipping the PgBouncer run");
            return None;
        };
        if !Path::new(PGBOUNCER).exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{PGBOUNCER} is missing: `scripts/setup.sh rust` installs Debian's pgbouncer"
            );
            eprintln!("notice: {PGBOUNCER} is missing; skipping the PgBouncer run");
            return None;
        }
        let server: PgConnectOptions = admin_url.parse().expect("FLOWBOARD_TEST_POSTGRES_URL");
        let database = format!("fbpgb_{}", uuid::Uuid::new_v4().simple());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut conn)
            .await
            .expect("create the database");
        sqlx::Connection::close(conn).await.unwrap();

        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mode_name = match mode {
            PoolMode::Session => "session",
            PoolMode::Transaction => "transaction",
        };
        // No `ignore_startup_parameters` in transaction mode: Flowboard must connect through a
        // stock configuration. In session mode Flowboard sends what PostgreSQL itself takes
        // (`options` with its idle-in-transaction limit, sqlx's `extra_float_digits`), which
        // PgBouncer 1.18 refuses unless told to ignore (and so drop) them.
        let ignore = match mode {
            PoolMode::Session => "ignore_startup_parameters = extra_float_digits, options\n",
            PoolMode::Transaction => "",
        };
        // `auth_type = any` logs every client in as the `[databases]` entry's user, so no
        // user list is needed; no unix socket, log file or pid file: PgBouncer writes
        // nothing, and logs to the stderr file below.
        let config = format!(
            "[databases]\n\
             {database} = host={host} port={server_port} dbname={database} user={user}\n\
             \n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = any\n\
             pool_mode = {mode_name}\n\
             default_pool_size = {pool_size}\n\
             max_client_conn = 500\n\
             {ignore}",
            host = server.get_host(),
            server_port = server.get_port(),
            user = server.get_username(),
        );
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(&ini, config).expect("write pgbouncer.ini");
        let log = std::fs::File::create(dir.path().join("pgbouncer.log")).expect("log file");
        let mut command = Command::new(PGBOUNCER);
        // PgBouncer refuses to run as root; as root it reads its configuration, then becomes
        // `nobody`.
        if running_as_root() {
            command.args(["-u", "nobody"]);
        }
        let child = command
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start pgbouncer");
        let direct_url = with_database(&admin_url, &database);
        let mut bouncer = Self {
            url: format!(
                "postgres://{}@127.0.0.1:{port}/{database}",
                server.get_username()
            ),
            direct_url,
            database,
            admin_url,
            child,
            dir,
        };
        bouncer.wait_until_listening(port);
        Some(bouncer)
    }

    /// What PgBouncer logged so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.path().join("pgbouncer.log")) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    fn wait_until_listening(&mut self, port: u16) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pgbouncer exited ({status}):\n{}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("pgbouncer did not listen within 10 s:\n{}", self.log());
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Dropped inside the test's runtime, which may not block: drop the database from a
        // thread of its own. FORCE: a listener of a server still shutting down may be
        // connected directly.
        let admin_url = self.admin_url.clone();
        let database = self.database.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut conn =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                sqlx::Connection::close(conn).await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("notice: could not drop test database {}", self.database);
        }
    }
}

/// A TCP port nobody listens on just now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Whether this process runs as root (`/proc/self` belongs to the process's user).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `url` with its database (the path) replaced by `database`, its query kept.
fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    match query {
        Some(q) => format!("{scheme}://{authority}/{database}?{q}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}
