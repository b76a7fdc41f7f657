use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::json;

use super::auth::Staff;
use super::{AppState, WebError};
use crate::domain::Role;

/// The process is up and serving.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers: the instance can do useful work.
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, WebError> {
    state.store.ping().await.map_err(WebError::Unavailable)?;
    Ok(Json(
        json!({ "status": "ready", "database": state.store.backend().as_str() }),
    ))
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(state.store.as_ref()),
    )
}

/// The rules in force, when they were loaded, and why the newest files were refused, if they were.
pub async fn rules_status(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<impl IntoResponse, WebError> {
    staff.require_role(&[Role::Ops, Role::Admin])?;
    let status = match state.rules_status.lock() {
        Ok(status) => status.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    Ok(Json(status))
}
