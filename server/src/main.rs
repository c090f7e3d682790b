//! The `flowboard` binary: parses flags, sets up logging, serves until SIGTERM or Ctrl-C.

use clap::Parser;
use server::config::{Cli, Command, Config, ImportArgs, LogFormat, TokenCommand, UserCommand};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(config)) => serve(config).await,
        Some(Command::Import(args)) => import(args).await,
        Some(Command::User(UserCommand::Create(args))) => {
            let outcome = match server::admin::read_password() {
                Ok(password) => server::admin::user_create(&args, password).await,
                Err(e) => Err(e),
            };
            report("user create", outcome.map(|line| vec![line]))
        }
        Some(Command::Token(TokenCommand::Create(args))) => {
            report("token create", server::admin::token_create(&args).await)
        }
        Some(Command::Token(TokenCommand::Revoke(args))) => report(
            "token revoke",
            server::admin::token_revoke(&args).await.map(|l| vec![l]),
        ),
        Some(Command::Token(TokenCommand::List(args))) => {
            report("token list", server::admin::token_list(&args).await)
        }
        Some(Command::Backup(args)) => report("backup", server::admin::backup(&args).await),
    }
}

/// Prints a command's lines, or its error on stderr with exit code 1.
fn report(
    what: &str,
    outcome: Result<Vec<String>, server::admin::AdminError>,
) -> std::process::ExitCode {
    match outcome {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flowboard {what}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `flowboard import`: prints the outcome for people and scripts (exit code 0 or 1).
async fn import(args: ImportArgs) -> std::process::ExitCode {
    match server::import::import_file(&args.database.url, &args.board, &args.file).await {
        Ok(n) => {
            println!("imported {n} cards into {}", args.board);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flowboard import: {e}; nothing was imported");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> std::process::ExitCode {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.init(),
    }
    let listener = match tokio::net::TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(bind = %config.bind, error = %e, "cannot listen");
            return std::process::ExitCode::FAILURE;
        }
    };
    match server::serve(config, listener, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "Flowboard stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM (how service managers stop us) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
