//! The `flowboard` server: HTTP, the REST API, storage backends and start-up.
//!
//! # Layout
//! - [`config`]: command-line flags and environment variables.
//! - [`store`]: the SQLite and PostgreSQL implementations of `app::ssr::Store`.
//! - [`http`]: the REST API under `/api/v1`, problem+json errors, health checks, OpenAPI.
//! - [`demo`]: the demo board seeded into an empty database.
//! - [`import`]: `flowboard import`, history files into a board.
//! - [`serve`]: wires it together and runs until shutdown; tests call it on port 0.

pub mod config;
pub mod demo;
pub mod http;
pub mod import;
pub mod store;

use std::future::Future;
use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
use store::Database;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] app::ssr::StoreError),
    /// The listener failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// The browser bundle's file names, as the build writes them into `site_root/pkg`.
const OUTPUT_NAME: &str = "flowboard";

/// Builds the whole HTTP application for a store.
pub fn app(config: &Config, db: &Database) -> Router {
    let store = db.store();
    let options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let routes = generate_route_list(App);
    let site = Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            {
                let store = store.clone();
                move || provide_context(store.clone())
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
    http::router(http::AppState { store })
        .merge(site)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Opens the database, seeds the demo board if asked and the database is empty, and serves
/// on `listener` until `shutdown` resolves; then lets in-flight requests finish and closes
/// the database.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let db = Database::connect(&config.database_url).await?;
    if !config.no_demo {
        demo::seed_if_empty(db.store().as_ref(), chrono::Utc::now()).await?;
    }
    let app = app(&config, &db);
    tracing::info!(address = %listener.local_addr()?, "Flowboard is listening");
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopped_tx.send(());
    });
    // In-flight requests get `grace` to finish after the signal; then we stop waiting.
    tokio::select! {
        result = server => result?,
        () = async {
            let _ = stopped_rx.await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!("shutdown grace period over; closing with requests still open"),
    }
    db.close().await;
    tracing::info!("database closed; bye");
    Ok(())
}
