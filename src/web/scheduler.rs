use axum::Json;
use axum::extract::State;

use super::{AppState, WebError};
use crate::scheduler::JobStatus;

/// Every job: schedule, zone, whether it runs here (and why not), next run and last run.
pub async fn jobs(State(state): State<AppState>) -> Result<Json<Vec<JobStatus>>, WebError> {
    Ok(Json(state.scheduler.status(crate::clock::now()).await?))
}
