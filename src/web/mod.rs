//! The HTTP edge: the JSON API, the staff pages and the operational endpoints (/healthz, /readyz, /metrics).
//! Handlers translate HTTP to calls on the domain and the store; `WebError` maps every lower error to a
//! status code and a message that never leaks internals. Depends on every domain concern and on `store`.

mod health;
pub mod metrics;
mod scheduler;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::app::Engine;
use crate::app::reload::RulesStatus;
use crate::scheduler::Scheduler;
use crate::store::{Store, StoreError};
use metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub engine: Arc<Engine>,
    pub rules_status: Arc<Mutex<RulesStatus>>,
    pub scheduler: Arc<Scheduler>,
}

pub fn router(state: AppState) -> Router {
    let operations = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/api/rules", get(health::rules_status));
    operations
        .merge(api())
        .route_layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// The JSON API. Open for now: authentication is added in front of this section as a whole.
fn api() -> Router<AppState> {
    Router::new().route("/api/scheduler", get(scheduler::jobs))
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the database is not available")]
    Unavailable(#[source] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("internal error")]
    Internal(#[source] StoreError),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => WebError::NotFound(what),
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => WebError::Unavailable(e),
            other => WebError::Internal(other),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let WebError::Unavailable(source) | WebError::Internal(source) = &self {
            tracing::error!(error = %source, "request failed");
        }
        (
            status,
            Json(ErrorBody {
                error: self.to_string(),
            }),
        )
            .into_response()
    }
}
