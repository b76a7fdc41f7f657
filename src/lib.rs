//! aboard: when a socially active passenger who complained before boards a flight, a person from the
//! airline comes to them — at the gate, in the cabin or over their network — and asks whether all is well now.
//!
//! The domain core (`domain`, `airports`, and the concerns that parse and decide) does no I/O; `store`, `web`
//! and the connectors sit at the edges. `run` starts the whole service on a listener, which is how both
//! `main` and the black-box tests start it.

pub mod airports;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod rules;
pub mod store;
pub mod telemetry;
pub mod web;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use config::Config;
use store::{Store, StoreError};

/// What can stop the service from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, AppError> {
    let target = config.database_target()?;
    Ok(store::open(&target, config.database.max_connections).await?)
}

/// Serves aboard on `listener` until `shutdown` completes, then finishes in-flight requests and closes the
/// database cleanly.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let store = open_store(&config).await?;
    let cookies = web::auth::CookiePolicy {
        secure: config.server.secure_cookies,
    };
    serve(listener, store, cookies, shutdown).await
}

/// Serves an already opened store; `run` and the demo both end here.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    cookies: web::auth::CookiePolicy,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let metrics = Arc::new(web::metrics::Metrics::new(store.backend().as_str()));
    let state = web::AppState {
        store: store.clone(),
        metrics,
        cookies,
    };
    let app = web::router(state);
    tracing::info!(address = %listener.local_addr()?, backend = store.backend().as_str(), "aboard is serving");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    store.close().await;
    tracing::info!("aboard stopped");
    Ok(served?)
}
