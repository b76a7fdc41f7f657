use axum::Json;
use axum::extract::State;

use super::auth::Staff;
use super::{AppState, WebError};
use crate::scheduler::JobStatus;

/// Every job: schedule, zone, whether it runs here (and why not), next run and last run.
#[utoipa::path(
    get,
    path = "/api/scheduler",
    tag = "operations",
    description = "Roles: ops, admin",
    responses((status = OK, description = "Scheduler jobs: schedule, next and last run", body = Vec<JobStatus>))
)]
pub async fn jobs(
    State(state): State<AppState>,
    _: Staff,
) -> Result<Json<Vec<JobStatus>>, WebError> {
    Ok(Json(state.scheduler.status(crate::clock::now()).await?))
}
