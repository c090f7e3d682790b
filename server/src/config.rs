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
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/flowboard.db"
    )]
    pub database_url: String,
}

/// How to serve.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on. The default is loopback only: the API has no accounts yet.
    #[arg(long, env = "FLOWBOARD_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Database: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/flowboard.db"
    )]
    pub database_url: String,

    /// Do not seed a demo board into an empty database.
    #[arg(long, env = "FLOWBOARD_NO_DEMO")]
    pub no_demo: bool,

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
}

impl Config {
    /// A configuration for tests: given database, no demo, defaults elsewhere.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            no_demo: true,
            site_root: PathBuf::from("target/site"),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            shutdown_grace_secs: 5,
        }
    }
}
