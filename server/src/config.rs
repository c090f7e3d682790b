//! Command-line flags; every flag can also be set by an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The command line: `flowboard [serve flags]` serves; subcommands do one-off jobs.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "flowboard",
    version,
    about = "Flowboard: one Kanban board for development and operations work.",
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A one-off job instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Serving flags (used when no subcommand is given).
    #[command(flatten)]
    pub serve: Config,
}

/// One-off jobs.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API (what `flowboard` does without a subcommand).
    Serve(Config),
    /// Import past cards with their column transitions into a board, all or nothing.
    Import(ImportArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of a SQLite database while Flowboard runs (PostgreSQL: use
    /// pg_dump).
    Backup(BackupArgs),
}

/// `flowboard user ...`
#[derive(Clone, Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password comes from FLOWBOARD_PASSWORD or a prompt, never argv.
    Create(UserCreateArgs),
}

/// Flags of `flowboard user create`.
#[derive(Clone, Debug, Args)]
pub struct UserCreateArgs {
    /// Sign-in address.
    #[arg(long)]
    pub email: String,
    /// Name shown on the board (default: the email's local part).
    #[arg(long, default_value = "")]
    pub name: String,
    /// `admin` (instance admin: manages users and every board) or `user`.
    #[arg(long, value_enum, default_value = "user")]
    pub role: InstanceRole,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// An account's instance-wide role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InstanceRole {
    /// Manages users and every board.
    Admin,
    /// Works on the boards they are a member of, and may create boards.
    User,
}

/// `flowboard token ...`
#[derive(Clone, Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints the secret alone on the last line.
    Create(TokenCreateArgs),
    /// Revoke a token by id or by name.
    Revoke(TokenRevokeArgs),
    /// List tokens (never their secrets).
    List(TokenListArgs),
}

/// Flags of `flowboard token create`.
#[derive(Clone, Debug, Args)]
pub struct TokenCreateArgs {
    /// Scopes, comma-separated or repeated: incidents:write, deployments:write, boards:read,
    /// boards:write, admin.
    #[arg(long = "scope", required = true, value_delimiter = ',')]
    pub scopes: Vec<String>,
    /// Bind the token to this board (slug); without it the token works on every board.
    #[arg(long)]
    pub board: Option<String>,
    /// A name saying what uses it; it is recorded as the actor of what the token does.
    #[arg(long, default_value = "cli token")]
    pub name: String,
    /// Days until it stops working (default: never).
    #[arg(long)]
    pub expires_in_days: Option<u32>,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Flags of `flowboard token revoke`.
#[derive(Clone, Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's id, or its name (must be unique among live tokens).
    pub token: String,
    /// Look among this board's tokens (slug) instead of the instance-wide ones.
    #[arg(long)]
    pub board: Option<String>,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Flags of `flowboard token list`.
#[derive(Clone, Debug, Args)]
pub struct TokenListArgs {
    /// This board's tokens (slug) instead of the instance-wide ones.
    #[arg(long)]
    pub board: Option<String>,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Flags of `flowboard import`.
#[derive(Clone, Debug, Args)]
pub struct ImportArgs {
    /// The board's slug (or id).
    #[arg(long)]
    pub board: String,
    /// A JSON file: {"cards": [{"title", "type", "created_at", "severity"?, "transitions": [{"column", "at"}]}]}.
    pub file: PathBuf,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Flags of `flowboard backup`.
#[derive(Clone, Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy; must not exist yet.
    pub file: PathBuf,
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// The `--database-url` flag every subcommand that opens the database shares.
#[derive(Clone, Debug, Args)]
pub struct DatabaseArg {
    /// Database: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    #[arg(
        long = "database-url",
        value_name = "DATABASE_URL",
        env = "DATABASE_URL",
        default_value = "sqlite://data/flowboard.db"
    )]
    pub url: String,
}

/// How to serve.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on (loopback by default; put a TLS-terminating proxy in front
    /// before opening it to a network).
    #[arg(long, env = "FLOWBOARD_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Database: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/flowboard.db"
    )]
    pub database_url: String,

    /// Seed a demo board into an empty database and, on a loopback bind, sign visitors from
    /// this machine in as the demo admin automatically.
    #[arg(long, env = "FLOWBOARD_DEMO")]
    pub demo: bool,

    /// The address people use, e.g. `https://flowboard.example.com`. With `https` the
    /// session cookie is `Secure`; its origin is the one state-changing browser requests
    /// must come from (default: the request's own Host).
    #[arg(long, env = "FLOWBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "FLOWBOARD_SESSION_IDLE_MINUTES", default_value_t = 12 * 60)]
    pub session_idle_minutes: u32,

    /// Requests per second each API token may make (bursts of twice as many); more get 429
    /// with `Retry-After`.
    #[arg(
        long,
        env = "FLOWBOARD_TOKEN_REQUESTS_PER_SECOND",
        default_value_t = 50
    )]
    pub token_requests_per_second: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(
        long,
        env = "FLOWBOARD_LOGIN_ATTEMPTS_PER_MINUTE",
        default_value_t = 10
    )]
    pub login_attempts_per_minute: u32,

    /// Directory with the compiled browser bundle and styles (`pkg/`).
    #[arg(long, env = "FLOWBOARD_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Log format.
    #[arg(long, env = "FLOWBOARD_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "FLOWBOARD_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds to let in-flight requests finish after SIGTERM before closing.
    #[arg(long, env = "FLOWBOARD_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// Seconds a request waits for a database connection (all busy, or the database
    /// unreachable) before it is answered with 503.
    #[arg(
        long,
        env = "FLOWBOARD_DATABASE_TIMEOUT_SECS",
        default_value_t = crate::store::Database::DEFAULT_ACQUIRE_TIMEOUT.as_secs()
    )]
    pub database_timeout_secs: u64,

    /// What sits between Flowboard and PostgreSQL: `session` (PostgreSQL itself, or PgBouncer
    /// with `pool_mode = session`) or `transaction` (PgBouncer with `pool_mode =
    /// transaction`: statements are unnamed, and the change listener needs
    /// `--database-listen-url`).
    #[arg(
        long,
        env = "FLOWBOARD_DATABASE_POOLING",
        value_enum,
        default_value = "session"
    )]
    pub database_pooling: crate::store::Pooling,

    /// A direct connection to PostgreSQL (`postgres://USER@HOST/DB`, not through a
    /// transaction pooler) for the listener that brings changes made on other instances to
    /// live views, and, with `--database-pooling transaction`, for the migrations at
    /// start-up. Default: the database URL; required with transaction pooling.
    #[arg(long, env = "FLOWBOARD_DATABASE_LISTEN_URL", value_name = "URL")]
    pub database_listen_url: Option<String>,

    /// What the store keeps in memory, and on which clock (not a flag: tests set a clock
    /// they move themselves).
    #[arg(skip)]
    pub accel: crate::store::AccelSettings,
}

impl Config {
    /// Whether the session cookie gets `Secure` (served over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// How to open the database, as these flags say.
    pub fn connect_options(&self) -> crate::store::ConnectOptions {
        crate::store::ConnectOptions {
            acquire_timeout: std::time::Duration::from_secs(self.database_timeout_secs.max(1)),
            pooling: self.database_pooling,
            listen_url: self.database_listen_url.clone(),
            accel: self.accel.clone(),
        }
    }

    /// A configuration for tests: given database, no demo, defaults elsewhere.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            demo: false,
            public_url: None,
            session_idle_minutes: 12 * 60,
            login_attempts_per_minute: 10,
            // Tests drive one token hard; the limit has its own test.
            token_requests_per_second: 100_000,
            site_root: PathBuf::from("target/site"),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            shutdown_grace_secs: 5,
            database_timeout_secs: crate::store::Database::DEFAULT_ACQUIRE_TIMEOUT.as_secs(),
            database_pooling: crate::store::Pooling::Session,
            database_listen_url: None,
            accel: Default::default(),
        }
    }
}
