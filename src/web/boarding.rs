//! Boarding sources over HTTP: gate readers post their scans, ops post flight events and read the scans
//! that boarded nobody. Gate callers are held to their stations; every scan is committed before the answer.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::auth::Staff;
use super::{AppState, WebError};
use crate::app::scans::{self, ScanInput, ScanReport};
use crate::app::{FlightEvent, ServiceError};
use crate::domain::records::{BoardingScan, ScanOutcome};
use crate::domain::{FlightKey, FlightNumber, Iata, Role};
use crate::store::ScanFilter;

/// Readers send one scan, or a batch of them (what they buffered while offline).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ScanBody {
    Batch { scans: Vec<ScanInput> },
    One(ScanInput),
}

/// A reader may buffer a shift's scans; more than this in one request is refused rather than half done.
const MAX_BATCH: usize = 5_000;

#[derive(Serialize)]
pub struct ScansAccepted {
    pub scans: Vec<ScanReport>,
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

fn service(error: ServiceError) -> WebError {
    match error {
        ServiceError::Store(e) => WebError::from(e),
        ServiceError::NotFound(what) => WebError::NotFound(what),
    }
}

/// POST /api/boarding-scans: gate agents and gate reader tokens for their stations, and ops.
pub async fn post_scans(
    State(state): State<AppState>,
    staff: Staff,
    Json(body): Json<ScanBody>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Gate, Role::Ops])?;
    let scans = match body {
        ScanBody::Batch { scans } => scans,
        ScanBody::One(scan) => vec![scan],
    };
    if scans.is_empty() {
        return Ok(bad_request("the batch has no scans".to_string()));
    }
    if scans.len() > MAX_BATCH {
        return Ok(bad_request(format!(
            "the batch has {} scans; send at most {MAX_BATCH} per request",
            scans.len()
        )));
    }
    for scan in &scans {
        staff.require_station(&scan.station)?;
    }
    let reports = scans::record_scans(&state.engine, &scans, &staff.actor(), crate::clock::now())
        .await
        .map_err(service)?;
    Ok((StatusCode::OK, Json(ScansAccepted { scans: reports })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ScanQuery {
    pub outcome: Option<String>,
    pub station: Option<Iata>,
    pub limit: Option<i64>,
}

/// GET /api/boarding-scans?outcome=unmatched&station=MAD: the scans ops follow up on, newest first.
/// Gate callers see their stations only.
pub async fn list_scans(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ScanQuery>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Gate, Role::Ops])?;
    let outcomes = match query.outcome.as_deref() {
        None => Vec::new(),
        Some(word) => match ScanOutcome::parse(word) {
            Some(outcome) => vec![outcome],
            None => {
                return Ok(bad_request(format!(
                    "outcome {word:?} is not one of matched, unmatched, invalid, ambiguous"
                )));
            }
        },
    };
    let stations = match (&query.station, staff.role()) {
        (Some(station), _) => {
            staff.require_station(station)?;
            vec![station.to_string()]
        }
        (None, Role::Gate) => staff
            .grant
            .scopes()
            .stations
            .iter()
            .map(|s| s.to_string())
            .collect(),
        (None, _) => Vec::new(),
    };
    let filter = ScanFilter {
        outcomes,
        stations,
        limit: query.limit.unwrap_or(200),
    };
    let scans: Vec<BoardingScan> = state.store.boarding_scans(&filter).await?;
    Ok(Json(scans).into_response())
}

/// A flight event as ops or a gate system reports it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightEventBody {
    /// Carrier and number: `IB6401`.
    pub flight: FlightNumber,
    /// The local date of departure at `origin`.
    pub date: NaiveDate,
    pub origin: Iata,
    pub event: FlightEvent,
}

/// POST /api/flight-events: ops (people or tokens).
pub async fn post_flight_event(
    State(state): State<AppState>,
    staff: Staff,
    Json(body): Json<FlightEventBody>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Ops])?;
    let key = FlightKey {
        flight: body.flight,
        local_date: body.date,
        origin: body.origin,
    };
    let flight =
        state.store.find_flight(&key).await?.ok_or_else(|| {
            WebError::NotFound(format!("flight {key} is not in aboard's schedule"))
        })?;
    let follow_up = state
        .engine
        .flight_event(flight.id, &body.event, &staff.actor(), crate::clock::now())
        .await
        .map_err(service)?;
    Ok(Json(serde_json::json!({
        "flight_id": flight.id,
        "event": body.event.name(),
        "tasks_created": follow_up.created.iter().map(scans::CreatedTask::from).collect::<Vec<_>>(),
        "declined": follow_up.declined.len(),
        "problems": follow_up.problems,
    }))
    .into_response())
}
