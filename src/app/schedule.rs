//! Flight times from the airline's own feeds, for every entry point (CLI, API, drop folder): an SSIM
//! schedule sets scheduled times, MVT messages set actual and estimated ones. Both write through the
//! store's flight upsert and update, as status updates and flight events do, and hand each change of a
//! known flight to the flight event sink (the engine: deadlines move, gate close and arrival end tasks,
//! rules run). A flight not yet known is created with its times, so that a manifest arriving later finds
//! them.
//!
//! Decisions kept here:
//! - A schedule's legs are stored for the dates from yesterday to [`SCHEDULE_DAYS_AHEAD`] days ahead; a
//!   season's file does not fill the database with flights months away (they come in as days pass).
//! - MVT dates name the scheduled departure's UTC day; the flight is looked up on that local date, then the
//!   day before and after (a late-evening departure west of Greenwich is the next UTC day). An arrival
//!   (`AA`) names the arrival station, so its flight is the one with that number and destination.
//! - An `AD` never takes an arrived flight back to departed; times are set either way.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use super::import::{ImportError, ImportSummary};
use crate::domain::records::{Flight, FlightUpdate, MovementTimes, NewEvent, NewFlight};
use crate::domain::{FlightKey, FlightStatus, ImportWarning, ImportWarnings};
use crate::flightstatus::{FlightChange, FlightEventSink};
use crate::manifest::Reading;
use crate::schedule::{self, Movement, MovementKind};
use crate::store::Store;

/// How far ahead of today a schedule's legs are stored.
pub const SCHEDULE_DAYS_AHEAD: i64 = 14;

/// What one schedule file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScheduleSummary {
    pub file: String,
    /// Flight leg records (type 3) in the file.
    pub records: usize,
    /// Legs flown in the stored window, and what became of them.
    pub legs: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub warnings: ImportWarnings,
}

impl ScheduleSummary {
    pub fn line(&self) -> String {
        format!(
            "{} (ssim): {} leg records, {} legs from {} to {}: {} created, {} updated, {} unchanged; {} warning{}",
            self.file,
            self.records,
            self.legs,
            self.first_date,
            self.last_date,
            self.created,
            self.updated,
            self.unchanged,
            self.warnings.total,
            if self.warnings.total == 1 { "" } else { "s" }
        )
    }
}

/// What one file of MVT messages did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MovementSummary {
    pub file: String,
    pub messages: usize,
    /// Messages that changed a flight's times or status.
    pub applied: usize,
    /// Flights created because no manifest or schedule had named them yet.
    pub created_flights: usize,
    pub warnings: ImportWarnings,
}

impl MovementSummary {
    pub fn line(&self) -> String {
        format!(
            "{} (mvt): {} message{}, {} applied, {} flight{} created; {} warning{}",
            self.file,
            self.messages,
            if self.messages == 1 { "" } else { "s" },
            self.applied,
            self.created_flights,
            if self.created_flights == 1 { "" } else { "s" },
            self.warnings.total,
            if self.warnings.total == 1 { "" } else { "s" }
        )
    }
}

/// Whether the bytes are an SSIM file: its first record is the type 1 header.
pub fn is_schedule(bytes: &[u8]) -> bool {
    bytes.starts_with(b"1AIRLINE STANDARD SCHEDULE DATA SET")
}

/// Whether the bytes are MVT messages.
pub fn is_movements(bytes: &[u8]) -> bool {
    schedule::mvt::looks_like_mvt(bytes)
}

/// Imports an SSIM file: every leg flown from yesterday to [`SCHEDULE_DAYS_AHEAD`] days ahead gets its
/// scheduled times; refused whole (nothing stored) when a leg's flight cannot be read.
pub async fn import_schedule(
    store: &dyn Store,
    sink: Option<&dyn FlightEventSink>,
    file: &str,
    bytes: &[u8],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ScheduleSummary, ImportError> {
    let parsed = schedule::parse_ssim(file, bytes).map_err(ImportError::Invalid)?;
    let today = now.date_naive();
    let (first_date, last_date) = (
        today - Duration::days(1),
        today + Duration::days(SCHEDULE_DAYS_AHEAD),
    );
    let mut warnings = parsed.warnings;
    let legs: Vec<_> = parsed
        .legs
        .iter()
        .flat_map(|leg| leg.dated(first_date, last_date, file, &mut warnings))
        .collect();
    let mut summary = ScheduleSummary {
        file: file.to_string(),
        records: parsed.legs.len(),
        legs: legs.len(),
        created: 0,
        updated: 0,
        unchanged: 0,
        first_date,
        last_date,
        warnings,
    };
    for leg in legs {
        let times = |at| MovementTimes {
            scheduled: at,
            ..MovementTimes::default()
        };
        let Some(before) = store
            .find_flight(&leg.key)
            .await
            .map_err(ImportError::Store)?
        else {
            let flight = NewFlight {
                key: leg.key,
                destination: Some(leg.destination),
                departure: times(leg.departure),
                arrival: times(leg.arrival),
                gate: None,
                status: FlightStatus::Scheduled,
            };
            store
                .upsert_flight(&flight, now)
                .await
                .map_err(ImportError::Store)?;
            summary.created += 1;
            continue;
        };
        let departure = leg.departure.or(before.departure.scheduled);
        let arrival = leg.arrival.or(before.arrival.scheduled);
        if departure == before.departure.scheduled && arrival == before.arrival.scheduled {
            summary.unchanged += 1;
            continue;
        }
        let update = FlightUpdate {
            departure: times(departure),
            arrival: times(arrival),
            ..FlightUpdate::default()
        };
        changed(
            store,
            sink,
            &before,
            &update,
            "flight.schedule",
            actor,
            now,
            "SSIM",
        )
        .await?;
        summary.updated += 1;
    }
    store
        .append_event(
            &NewEvent {
                actor: actor.to_string(),
                action: "schedule.import".to_string(),
                subject_kind: "file".to_string(),
                subject_id: file.to_string(),
                flight_id: None,
                person_id: None,
                detail: json!({
                    "records": summary.records,
                    "legs": summary.legs,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "warnings": summary.warnings,
                }),
            },
            now,
        )
        .await
        .map_err(ImportError::Store)?;
    Ok(summary)
}

/// Applies a stored flight's update, logged as `action`, and hands the change to the sink.
#[allow(clippy::too_many_arguments)]
async fn changed(
    store: &dyn Store,
    sink: Option<&dyn FlightEventSink>,
    before: &Flight,
    update: &FlightUpdate,
    action: &str,
    actor: &str,
    now: DateTime<Utc>,
    source: &str,
) -> Result<Flight, ImportError> {
    let (before, after) = store
        .update_flight(before.id, update, action, actor, now)
        .await
        .map_err(ImportError::Store)?;
    if let Some(sink) = sink {
        let change = FlightChange {
            flight_id: after.id,
            key: after.key.clone(),
            provider_status: source.to_string(),
            fields: Vec::new(),
            before,
            after: after.clone(),
        };
        if let Err(e) = sink.flight_changed(&change, store, now).await {
            tracing::warn!(flight = %after.key, error = %e, "the engine could not react to a flight's new times");
        }
    }
    Ok(after)
}

/// Imports a file of MVT messages: each sets its flight's actual or estimated times (and status), as a
/// flight event does. Refused whole when a message's flight line cannot be read.
pub async fn import_movements(
    store: &dyn Store,
    sink: Option<&dyn FlightEventSink>,
    file: &str,
    bytes: &[u8],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<MovementSummary, ImportError> {
    let parsed =
        schedule::parse_mvt(file, bytes, now.date_naive()).map_err(ImportError::Invalid)?;
    let mut summary = MovementSummary {
        file: file.to_string(),
        messages: parsed.movements.len(),
        applied: 0,
        created_flights: 0,
        warnings: parsed.warnings,
    };
    for movement in &parsed.movements {
        let found = find_moved_flight(store, movement)
            .await
            .map_err(ImportError::Store)?;
        let flight = match found {
            Some(flight) => flight,
            None if movement.kind == MovementKind::Arrival => {
                summary.warnings.push(ImportWarning {
                    file: file.to_string(),
                    line: movement.line,
                    field: Some("flight".to_string()),
                    reason: format!(
                        "no flight {} arriving at {} around {} is known: the arrival is not stored",
                        movement.flight, movement.station, movement.date
                    ),
                });
                continue;
            }
            None => {
                let flight = NewFlight {
                    key: FlightKey {
                        flight: movement.flight.clone(),
                        local_date: movement.date,
                        origin: movement.station.clone(),
                    },
                    destination: movement.arrival_station.clone(),
                    departure: MovementTimes::default(),
                    arrival: MovementTimes::default(),
                    gate: None,
                    status: FlightStatus::Scheduled,
                };
                summary.created_flights += 1;
                store
                    .upsert_flight(&flight, now)
                    .await
                    .map_err(ImportError::Store)?
            }
        };
        let (update, action) = movement_update(movement, &flight);
        let after = changed(
            store,
            sink,
            &flight,
            &update,
            action,
            actor,
            now,
            &format!("MVT {action}"),
        )
        .await?;
        if after.departure != flight.departure
            || after.arrival != flight.arrival
            || after.status != flight.status
        {
            summary.applied += 1;
        }
        store
            .append_event(
                &NewEvent {
                    actor: actor.to_string(),
                    action: "flight.movement".to_string(),
                    subject_kind: "flight".to_string(),
                    subject_id: after.id.to_string(),
                    flight_id: Some(after.id),
                    person_id: None,
                    detail: json!({
                        "flight": after.key.to_string(),
                        "file": file,
                        "line": movement.line,
                        "correction": movement.correction,
                        "registration": movement.registration,
                        "delays": movement.delays,
                        "remarks": movement.remarks,
                    }),
                },
                now,
            )
            .await
            .map_err(ImportError::Store)?;
    }
    Ok(summary)
}

/// The flight a message is about: by its departure station on the named day or a day either side, or,
/// for an arrival, by its number and destination.
async fn find_moved_flight(
    store: &dyn Store,
    movement: &Movement,
) -> Result<Option<Flight>, crate::store::StoreError> {
    let days = [0, -1, 1].map(|d| movement.date + Duration::days(d));
    for date in days {
        if movement.kind == MovementKind::Arrival {
            let on_day = store.flights_on(date).await?;
            if let Some(flight) = on_day.into_iter().find(|f| {
                f.key.flight == movement.flight && f.destination.as_ref() == Some(&movement.station)
            }) {
                return Ok(Some(flight));
            }
        } else {
            let key = FlightKey {
                flight: movement.flight.clone(),
                local_date: date,
                origin: movement.station.clone(),
            };
            if let Some(flight) = store.find_flight(&key).await? {
                return Ok(Some(flight));
            }
        }
    }
    Ok(None)
}

/// The update a message makes, and the flight event it is logged as.
fn movement_update(movement: &Movement, flight: &Flight) -> (FlightUpdate, &'static str) {
    let mut update = FlightUpdate::default();
    update.departure.estimated = movement.estimated_departure;
    update.arrival.estimated = movement.estimated_arrival;
    let action = match movement.kind {
        MovementKind::Departure => {
            update.departure.actual = movement.departed_at();
            if flight.status != FlightStatus::Arrived {
                update.status = Some(FlightStatus::Departed);
            }
            "flight.departed"
        }
        MovementKind::Arrival => {
            update.arrival.actual = movement.arrived_at();
            update.status = Some(FlightStatus::Arrived);
            "flight.arrived"
        }
        MovementKind::Estimate => "flight.estimated",
    };
    (update, action)
}

/// What a flight file imported by its content turned out to be, with its summary.
#[derive(Debug, Clone)]
pub enum FlightFile {
    Schedule(ScheduleSummary),
    Movements(MovementSummary),
    Manifest(ImportSummary),
}

impl FlightFile {
    /// The summary lines as the CLI prints them (the import hook's problems under a manifest's).
    pub fn lines(&self) -> Vec<String> {
        match self {
            FlightFile::Schedule(s) => vec![s.line()],
            FlightFile::Movements(s) => vec![s.line()],
            FlightFile::Manifest(s) => std::iter::once(s.line())
                .chain(s.hook_problems.iter().map(|p| format!("{}: {p}", s.file)))
                .collect(),
        }
    }

    pub fn warnings(&self) -> &ImportWarnings {
        match self {
            FlightFile::Schedule(s) => &s.warnings,
            FlightFile::Movements(s) => &s.warnings,
            FlightFile::Manifest(s) => &s.warnings,
        }
    }
}

/// Imports one file as its content says: an SSIM schedule, MVT messages, or a manifest (matched after
/// import). A format given by the caller means a manifest. The drop folder and /ops/import take files so.
pub async fn import_flight_file(
    store: &dyn Store,
    sink: Option<&dyn FlightEventSink>,
    file: &str,
    bytes: &[u8],
    reading: Reading,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<FlightFile, ImportError> {
    if reading.format.is_none() && is_schedule(bytes) {
        return import_schedule(store, sink, file, bytes, actor, now)
            .await
            .map(FlightFile::Schedule);
    }
    if reading.format.is_none() && is_movements(bytes) {
        return import_movements(store, sink, file, bytes, actor, now)
            .await
            .map(FlightFile::Movements);
    }
    super::import::import_manifest_file(
        store,
        Some(&super::matching::MatchAfterImport),
        file,
        bytes,
        reading,
        actor,
        now,
    )
    .await
    .map(FlightFile::Manifest)
}
