//! The `flowboard` server: HTTP, the REST API, storage backends and start-up.
//!
//! # Layout
//! - [`config`]: command-line flags and environment variables.
//! - [`store`]: the SQLite and PostgreSQL implementations of `application::ports::Store`.
//! - [`auth`]: sessions, who is calling (session or Bearer token), CSRF, security headers.
//! - [`assets`]: the browser bundle under content-addressed URLs; `Cache-Control` rules.
//! - [`http`]: the REST API under `/api/v1`, problem+json errors, health checks, OpenAPI.
//! - [`admin`]: `flowboard user` and `flowboard token`, account and token management.
//! - [`demo`]: the demo board seeded into an empty database.
//! - [`import`]: `flowboard import`, history files into a board.
//! - [`serve`]: wires it together and runs until shutdown; tests call it on port 0.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod config;
pub mod demo;
mod demo_deployments;
pub mod http;
pub mod import;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use application::access::LoginLimiter;
use application::ports::Store;
use axum::middleware;
use axum::serve::ListenerExt;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::{Handler, HandlerService};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

pub use config::Config;
use store::Database;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] application::ports::StoreError),
    /// The settings contradict each other or the database URL.
    #[error("settings: {0}")]
    Settings(String),
    /// The listener failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the whole HTTP application for a store. `demo_user` is the account `--demo` signs
/// loopback visitors in as.
pub fn app(
    config: &Config,
    db: &Database,
    demo_user: Option<domain::UserId>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let store = db.store();
    let limiter = Arc::new(LoginLimiter::new(
        NonZeroU32::new(config.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN),
    ));
    // The bundle's URLs carry its hash (see `assets`): Leptos's HydrationScripts builds the
    // script and module URLs from `output_name`, the shell links the stylesheet.
    let bundle = assets::Bundle::load(&config.site_root);
    let stylesheet: Arc<str> = bundle.stylesheet.as_str().into();
    let page_shell = move |options: LeptosOptions| shell(options, stylesheet.to_string());
    let options = LeptosOptions::builder()
        .output_name(bundle.output_name.as_str())
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let routes = generate_route_list(App);
    // The pages and the "not found" page rendered for any other path get the same context:
    // the shell reads the store (who is signed in), and without it each 404 logged an error.
    let context = {
        let store = store.clone();
        let limiter = limiter.clone();
        move || {
            provide_context(store.clone());
            provide_context(limiter.clone());
        }
    };
    let site = Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            let page_shell = page_shell.clone();
            move || page_shell(options.clone())
        })
        .merge(bundle.router())
        .fallback_service(static_files(&config.site_root, &options, {
            leptos_axum::file_and_error_handler_with_context(context, page_shell)
        }))
        .with_state(options);
    let sessions = SessionManagerLayer::new(auth::DbSessionStore::new(store.clone()))
        .with_name(auth::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::minutes(i64::from(
                config.session_idle_minutes.max(1),
            )),
        ));
    let auth_state = auth::AuthState {
        store: store.clone(),
        demo_user,
        token_limiter: Arc::new(auth::token_limiter(config.token_requests_per_second)),
    };
    // Outermost last: trace, panic guard, compression, caching and security headers, CSRF,
    // sessions, principal, routes.
    http::router(http::AppState { store, shutdown })
        .merge(site)
        .layer(middleware::from_fn_with_state(
            auth_state,
            auth::resolve_principal,
        ))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            auth::csrf::AllowedOrigin(config.public_url.clone()),
            auth::csrf_guard,
        ))
        .layer(middleware::from_fn(auth::security_headers))
        .layer(middleware::from_fn(assets::cache_control))
        .layer(compression())
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Other files under the site root (`/favicon.svg`, the bundle's plain names), and for any
/// other path Leptos's "not found" page (`not_found`). Leptos's own file handler passes on
/// only `Accept-Encoding`, so a browser revalidating a file with `If-Modified-Since` got the
/// whole file again; `ServeDir` answers it 304.
fn static_files<H, T>(
    site_root: &std::path::Path,
    options: &LeptosOptions,
    not_found: H,
) -> ServeDir<HandlerService<H, T, LeptosOptions>>
where
    H: Handler<T, LeptosOptions>,
    T: 'static,
{
    ServeDir::new(site_root)
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.with_state(options.clone()))
}

/// gzip or brotli, as the client's `Accept-Encoding` allows, for pages, JSON and the bundle.
///
/// Never the live stream: a compressor holds its output until its buffer fills, so a
/// compressed `text/event-stream` would deliver a change event seconds or minutes late (the
/// test `wire.rs` proves the stream's events still arrive at once). Not bodies under 1 KB
/// either: they fit one TCP segment anyway, and the encoder costs more than it saves there.
/// Not images (PNGs and JPEGs are compressed already; SVG is text and is compressed).
///
/// Level 5, for both (tower-http takes one level). Pages and answers are compressed on every
/// request, so CPU per byte matters more than the last few percent. Measured with brotli
/// (Node's zlib: Google's C brotli, which the Rust `brotli` crate ports) on the demo board's page (55.9 KB) and the release
/// wasm (1.36 MB): quality 4 (tower-http's default) 6.9 KB in 0.9 ms and 436 KB in 41 ms;
/// quality 5 6.3 KB in 1.2 ms and 394 KB in 86 ms; 6 and 9 barely smaller, 9 ten times
/// slower; 11 (brotli's own default) 5.6 KB in 127 ms and 342 KB in 4.4 s, far too slow per
/// request. Quality 5 is where brotli's better matching starts (10% smaller than 4 on both)
/// for about 40 ms on a 2,000-card page (1.9 MB, at the same rate). gzip 5 is 2% larger than its default 6 here.
fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(1024)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE);
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(5))
        .compress_when(predicate)
}

/// Opens the database, seeds the demo board if asked and the database is empty, and serves
/// on `listener` until `shutdown` resolves; then lets in-flight requests finish and closes
/// the database.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let options = config.connect_options();
    options
        .check(&config.database_url)
        .map_err(ServeError::Settings)?;
    let db = Database::connect_with(&config.database_url, &options).await?;
    let store = db.store();
    let mut demo_user = None;
    if config.demo {
        let now = chrono::Utc::now();
        let admin = demo::ensure_demo_admin(store.as_ref(), now).await?;
        demo::seed_if_empty(store.as_ref(), now, admin).await?;
        // Automatic sign-in only where nobody else can reach it.
        if config.bind.ip().is_loopback() {
            demo_user = Some(admin);
        } else {
            tracing::warn!(
                "--demo on a non-loopback address: the demo board is seeded, but nobody is signed in automatically"
            );
        }
    }
    spawn_session_sweeper(store);
    let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
    let app = app(&config, &db, demo_user, stopping_rx);
    tracing::info!(address = %listener.local_addr()?, "Flowboard is listening");
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    // Each answer is sent as soon as it is written, not held back by Nagle's algorithm until
    // the client acknowledges the last segment: with it, one board page in twenty (the end
    // of a 2 MB answer) waited out the client's delayed acknowledgement, 40 ms
    // (bench/HISTORY.md, session 22).
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
        }
    });
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopping.send(true);
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

/// Deletes expired sessions every ten minutes (they are already refused when loaded; this
/// keeps the table small).
fn spawn_session_sweeper(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            match store.delete_expired_sessions(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(sessions = n, "expired sessions deleted"),
                Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
            }
        }
    });
}
