//! Shared test fixtures: fresh databases (a SQLite file, a PostgreSQL schema) and a real
//! server on an ephemeral port.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use application::ports::Store;
use domain::BoardId;
use domain::access::{NewToken, NewUser, Scope, User};
use server::store::Database;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod live;
pub mod pgbouncer;

/// A database for one test; dropping it removes the SQLite file (PostgreSQL schemas live in
/// the per-run database that `.ci/run` drops).
pub struct TestDb {
    pub url: String,
    /// The clock the stores' kept copies age by: it moves only when a test advances it.
    pub clock: Arc<ManualClock>,
    /// How stores open it (the accelerator on or off, the pooling).
    pub options: server::store::ConnectOptions,
    _dir: Option<TempDir>,
    _bouncer: Option<pgbouncer::PgBouncer>,
}

impl TestDb {
    /// A database at `url` that this test does not own (nothing is removed on drop).
    pub fn existing(url: String) -> Self {
        Self::new(url, Default::default(), None, None)
    }

    fn new(
        url: String,
        mut options: server::store::ConnectOptions,
        dir: Option<TempDir>,
        bouncer: Option<pgbouncer::PgBouncer>,
    ) -> Self {
        let clock = Arc::new(ManualClock::default());
        options.accel.clock = clock.clone();
        Self {
            url,
            clock,
            options,
            _dir: dir,
            _bouncer: bouncer,
        }
    }

    /// The URL of a direct connection (past any pooler), for SQL by hand.
    pub fn direct_url(&self) -> &str {
        self.options.listen_url.as_deref().unwrap_or(&self.url)
    }

    /// The same database, its stores keeping no copies (every read from the database).
    pub fn unaccelerated(mut self) -> Self {
        self.options.accel.on = false;
        self
    }
}

/// A clock that stands still until a test moves it on: kept copies expire when the test says,
/// never because a test ran slowly.
#[derive(Debug)]
pub struct ManualClock {
    start: std::time::Instant,
    offset: std::sync::Mutex<std::time::Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self {
            start: std::time::Instant::now(),
            offset: Default::default(),
        }
    }
}

impl ManualClock {
    /// Moves the clock on by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl server::store::Clock for ManualClock {
    fn now(&self) -> std::time::Instant {
        self.start + *self.offset.lock().unwrap()
    }
}

/// A fresh PostgreSQL database behind a PgBouncer of its own in transaction pooling mode,
/// the listener on a direct connection; `None` (with a notice) without PostgreSQL or
/// PgBouncer.
pub async fn pooled_postgres() -> Option<TestDb> {
    let bouncer = pgbouncer::PgBouncer::start(pgbouncer::PoolMode::Transaction, 4).await?;
    let options = server::store::ConnectOptions {
        pooling: server::store::Pooling::Transaction,
        listen_url: Some(bouncer.direct_url.clone()),
        ..Default::default()
    };
    Some(TestDb::new(
        bouncer.url.clone(),
        options,
        None,
        Some(bouncer),
    ))
}

/// A fresh SQLite database file.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/flowboard.db", dir.path().display());
    TestDb::new(url, Default::default(), Some(dir), None)
}

/// A fresh schema in the PostgreSQL database named by `FLOWBOARD_TEST_POSTGRES_URL`, or
/// `None` (with a notice) when the variable is not set.
pub async fn postgres() -> Option<TestDb> {
    let Ok(base) = std::env::var("FLOWBOARD_TEST_POSTGRES_URL") else {
        eprintln!("notice: FLOWBOARD_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run");
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create schema");
    sqlx::Connection::close(conn).await.unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(TestDb::existing(format!(
        "{base}{sep}options[search_path]={schema}"
    )))
}

/// Opens the store on a test database.
pub async fn open(db: &TestDb) -> (Database, Arc<dyn Store>) {
    let database = Database::connect_with(&db.url, &db.options)
        .await
        .expect("open test database");
    let store = database.store();
    (database, store)
}

/// A running server. `client` sends an instance-wide `admin` token; `anonymous` sends
/// nothing; `store` reaches the same database directly (to make users and tokens).
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub anonymous: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// The clock the server's kept copies age by, when started on a [`TestDb`].
    pub clock: Option<Arc<ManualClock>>,
    database: Database,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), server::ServeError>>>,
}

impl TestServer {
    /// Serves `db` on 127.0.0.1 with an ephemeral port, without the demo board.
    pub async fn start(db: &TestDb) -> Self {
        let mut config = server::Config::for_database(db.url.clone());
        config.accel = db.options.accel.clone();
        let mut server = Self::start_with(config).await;
        server.clock = Some(Arc::clone(&db.clock));
        server
    }

    /// Serves with a given configuration.
    pub async fn start_with(config: server::Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let database_url = config.database_url.clone();
        // The test's own handle opens the database as the server does (through the same
        // pooler, with the same settings).
        let options = config.connect_options();
        let handle = tokio::spawn(server::serve(config, listener, async move {
            let _ = stopped.await;
        }));
        let anonymous = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = anonymous.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                let database = Database::connect_with(&database_url, &options)
                    .await
                    .expect("open the server's database");
                let store = database.store();
                let secret = token(store.as_ref(), &[Scope::Admin], None).await;
                return Self {
                    base,
                    client: bearer_client(&secret),
                    anonymous,
                    store,
                    clock: None,
                    database,
                    stop: Some(stop),
                    handle: Some(handle),
                };
            }
            if handle.is_finished() {
                panic!("server stopped before it was ready: {:?}", handle.await);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET `path` and parse the JSON answer.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.expect("JSON answer")
    }

    /// Sends `body` as JSON with `method` to `path`.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// POSTs `body` as JSON to `path`.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// Asks for a graceful shutdown and waits for `serve` to return.
    pub async fn stop(mut self) -> Result<(), server::ServeError> {
        self.database.close().await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.handle
            .take()
            .expect("running")
            .await
            .expect("server task")
    }
}

/// Makes an API token with `scopes` (bound to `board` if given) and returns its secret.
pub async fn token(store: &dyn Store, scopes: &[Scope], board: Option<BoardId>) -> String {
    let now = chrono::Utc::now();
    let new = NewToken {
        name: format!(
            "test {}",
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+")
        ),
        scopes: scopes.to_vec(),
        board_id: board,
        expires_at: None,
    }
    .validate(now)
    .unwrap();
    application::access::issue_token(store, &new, "test", now)
        .await
        .unwrap()
        .1
}

/// A client that sends `Authorization: Bearer <secret>` with every request.
pub fn bearer_client(secret: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";

/// Makes an account.
pub async fn user(store: &dyn Store, email: &str, instance_admin: bool) -> User {
    let new = NewUser {
        email: email.into(),
        name: email.split('@').next().unwrap().into(),
        password: PASSWORD.into(),
        instance_admin,
    }
    .validate()
    .unwrap();
    let hash = application::access::hash_password(new.password.clone())
        .await
        .unwrap();
    store
        .create_user(&new, &hash, false, chrono::Utc::now())
        .await
        .unwrap()
}

/// A browser-like client with a cookie jar, signed in as `email` through the login server
/// function (so it carries a real session cookie). Sends `Origin` like a browser does.
pub async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}/fn/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "sign-in of {email} failed: {}",
        r.status()
    );
    client
}
