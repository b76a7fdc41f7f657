use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Staff;
use super::openapi::ErrorBody;
use super::{AppState, WebError};
use crate::app::reload::RulesStatus;

/// How the instance is: `ok` when up, `ready` with the database it answers from.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    responses((status = OK, description = "The process is up", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers: the instance can do useful work.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    security(()),
    responses(
        (status = OK, description = "The database answers", body = Health),
        (status = SERVICE_UNAVAILABLE, description = "The database does not answer", body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, WebError> {
    state.store.ping().await.map_err(WebError::Unavailable)?;
    Ok(Json(Health {
        status: "ready",
        database: Some(state.store.backend().as_str()),
    }))
}

/// Prometheus text: requests by route and status, durations, the database pool, build info, and the
/// business figures (open tasks by channel and station, outbox backlog and its oldest age, review queue,
/// incomplete Type B messages).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    security(()),
    responses((status = OK, description = "Prometheus text exposition", body = String, content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(state.store.as_ref()).await,
    )
}

/// The rules in force, when they were loaded, and why the newest files were refused, if they were.
#[utoipa::path(
    get,
    path = "/api/rules",
    tag = "operations",
    description = "Roles: ops, admin",
    responses((status = OK, description = "The rules in force and their last reload", body = RulesStatus))
)]
pub async fn rules_status(
    State(state): State<AppState>,
    _: Staff,
) -> Result<Json<RulesStatus>, WebError> {
    let status = match state.rules_status.lock() {
        Ok(status) => status.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    Ok(Json(status))
}
