//! Boarding sources over HTTP: gate readers post their scans, ops post flight events and read the scans
//! that boarded nobody, and a passenger taken off a flight. Gate callers are held to their stations; every
//! scan is committed before the answer.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Staff;
use super::openapi::ErrorBody;
use super::{AppState, WebError};
use crate::app::FlightEvent;
use crate::app::scans::{self, ScanInput, ScanReport};
use crate::domain::records::{BoardingScan, ScanOutcome};
use crate::domain::{FlightKey, FlightNumber, Iata, Role};
use crate::store::ScanFilter;

/// Readers send one scan, or a batch of them (what they buffered while offline).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ScanBody {
    Batch { scans: Vec<ScanInput> },
    One(ScanInput),
}

/// A reader may buffer a shift's scans; more than this in one request is refused rather than half done.
const MAX_BATCH: usize = 5_000;

#[derive(Serialize, ToSchema)]
pub struct ScansAccepted {
    pub scans: Vec<ScanReport>,
}

fn bad_request(error: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(ErrorBody { error })).into_response()
}

/// Records gate scans: gate agents and gate reader tokens for their stations, and ops.
#[utoipa::path(
    post,
    path = "/api/boarding-scans",
    tag = "boarding",
    description = "Record one scan or a batch (at most 5,000); each is committed before the answer. \
        Roles: gate (its stations), ops",
    request_body = ScanBody,
    responses(
        (status = OK, description = "What each scan did, in the order sent", body = ScansAccepted),
        (status = BAD_REQUEST, description = "An empty or too large batch", body = ErrorBody),
    )
)]
pub async fn post_scans(
    State(state): State<AppState>,
    staff: Staff,
    Json(body): Json<ScanBody>,
) -> Result<Response, WebError> {
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
        .map_err(WebError::from)?;
    Ok((StatusCode::OK, Json(ScansAccepted { scans: reports })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanQuery {
    /// `matched`, `unmatched`, `invalid` or `ambiguous`.
    pub outcome: Option<String>,
    /// Gate callers see their stations only.
    pub station: Option<Iata>,
    /// At most this many (default 200).
    pub limit: Option<i64>,
}

/// The scans ops follow up on, newest first; gate callers see their stations only.
#[utoipa::path(
    get,
    path = "/api/boarding-scans",
    tag = "boarding",
    description = "Stored boarding scans, newest first; unmatched ones for ops to resolve. Roles: gate (its \
        stations), ops",
    params(ScanQuery),
    responses(
        (status = OK, description = "The scans, newest first", body = Vec<BoardingScan>),
        (status = BAD_REQUEST, description = "An outcome that is not one of the four", body = ErrorBody),
    )
)]
pub async fn list_scans(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ScanQuery>,
) -> Result<Response, WebError> {
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlightEventBody {
    /// Carrier and number: `IB6401`.
    pub flight: FlightNumber,
    /// The local date of departure at `origin`.
    pub date: NaiveDate,
    pub origin: Iata,
    pub event: ReportedEvent,
}

/// What happened: to the flight, or to one of its passengers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReportedEvent {
    Passenger(PassengerEvent),
    Flight(FlightEvent),
}

/// An event of one passenger of the flight, named by the id aboard gave them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum PassengerEvent {
    /// Taken off the flight: their open follow-ups are cancelled.
    Offloaded {
        passenger: Uuid,
        reason: Option<String>,
        at: Option<DateTime<Utc>>,
    },
}

/// The reason an offload is recorded with when the report gives none.
const OFFLOADED_AS_REPORTED: &str = "reported to aboard";

/// What a flight event did: the tasks the rules created and the follow-ups they declined.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlightEventApplied {
    pub flight_id: Uuid,
    pub event: &'static str,
    pub tasks_created: Vec<scans::CreatedTask>,
    pub declined: usize,
    pub problems: Vec<String>,
}

/// What an offload did: the passenger's follow-ups it cancelled.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassengerOffloaded {
    pub flight_id: Uuid,
    pub event: &'static str,
    pub passenger_id: Uuid,
    pub tasks_cancelled: Vec<Uuid>,
}

/// What a reported event did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum FlightEventAnswer {
    Flight(FlightEventApplied),
    Passenger(PassengerOffloaded),
}

/// A flight event or an offloaded passenger: ops (people or tokens); an offload also gate callers of
/// the flight's origin.
#[utoipa::path(
    post,
    path = "/api/flight-events",
    tag = "flights",
    description = "Report a flight event (boarding_started, gate_closed, departed, arrived, cancelled, \
        diverted, estimated, gate_changed), or a passenger offloaded. Roles: ops; an offload also gate (the \
        flight's origin)",
    request_body = FlightEventBody,
    responses(
        (status = OK, description = "What the event did", body = FlightEventAnswer),
        (status = NOT_FOUND, description = "No such flight, or no such passenger on it", body = ErrorBody),
    )
)]
pub async fn post_flight_event(
    State(state): State<AppState>,
    staff: Staff,
    Json(body): Json<FlightEventBody>,
) -> Result<Json<FlightEventAnswer>, WebError> {
    match &body.event {
        ReportedEvent::Flight(_) => staff.require_role(&[Role::Ops])?,
        ReportedEvent::Passenger(_) => staff.require_station(&body.origin)?,
    }
    let key = FlightKey {
        flight: body.flight,
        local_date: body.date,
        origin: body.origin,
    };
    let flight =
        state.store.find_flight(&key).await?.ok_or_else(|| {
            WebError::NotFound(format!("flight {key} is not in aboard's schedule"))
        })?;
    let now = crate::clock::now();
    match body.event {
        ReportedEvent::Flight(event) => {
            let follow_up = state
                .engine
                .flight_event(flight.id, &event, &staff.actor(), now)
                .await?;
            Ok(Json(FlightEventAnswer::Flight(FlightEventApplied {
                flight_id: flight.id,
                event: event.name(),
                tasks_created: follow_up
                    .created
                    .iter()
                    .map(scans::CreatedTask::from)
                    .collect(),
                declined: follow_up.declined.len(),
                problems: follow_up.problems,
            })))
        }
        ReportedEvent::Passenger(PassengerEvent::Offloaded {
            passenger,
            reason,
            at,
        }) => {
            let on_flight = state
                .store
                .passenger(passenger)
                .await?
                .is_some_and(|p| p.flight_id == flight.id);
            if !on_flight {
                return Err(WebError::NotFound(format!(
                    "passenger {passenger} is not on flight {key}"
                )));
            }
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            let tasks_cancelled = state
                .engine
                .passenger_offloaded(
                    passenger,
                    reason.unwrap_or(OFFLOADED_AS_REPORTED),
                    &staff.actor(),
                    at.unwrap_or(now),
                )
                .await?;
            Ok(Json(FlightEventAnswer::Passenger(PassengerOffloaded {
                flight_id: flight.id,
                event: "offloaded",
                passenger_id: passenger,
                tasks_cancelled,
            })))
        }
    }
}
