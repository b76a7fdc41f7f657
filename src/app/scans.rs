//! Gate scans: each scan is decoded, resolved to its flight and passenger, and stored — committed before
//! anything else happens, whatever it resolved to — and then the passenger it names boards through the
//! engine. A scan that boards nobody is kept for ops with the reason; a repeated scan is stored once and
//! boards nobody twice. The web handler, the demo driver and the benchmark all come through here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Engine, ServiceError};
use crate::airports;
use crate::boarding::bcbp;
use crate::boarding::scan::{self, MatchedBy, Resolution};
use crate::domain::records::{NewBoardingScan, Passenger, ScanOutcome, Task};
use crate::domain::{BoardingState, Channel, Iata};

/// One scan as a gate reader sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    /// The barcode's text exactly as read.
    pub raw: String,
    pub station: Iata,
    #[serde(default)]
    pub gate: Option<String>,
    #[serde(default)]
    pub reader_id: Option<String>,
    pub scanned_at: DateTime<Utc>,
}

/// The passenger a scan boarded, as the gate sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannedPassenger {
    pub id: Uuid,
    pub name: String,
    pub seat: Option<String>,
}

/// A follow-up task the scan created, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedTask {
    pub id: Uuid,
    pub rule_id: String,
    pub channel: Channel,
    pub station: String,
    pub gate: Option<String>,
    pub due_at: DateTime<Utc>,
}

impl From<&Task> for CreatedTask {
    fn from(task: &Task) -> Self {
        CreatedTask {
            id: task.id,
            rule_id: task.new.rule_id.clone(),
            channel: task.new.channel,
            station: task.new.station.clone(),
            gate: task.new.gate.clone(),
            due_at: task.new.due_at,
        }
    }
}

/// What happened to one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    pub scan_id: Uuid,
    pub outcome: ScanOutcome,
    /// The same scan was stored before; it changed nothing this time.
    pub repeated: bool,
    pub detail: Option<String>,
    pub flight_id: Option<Uuid>,
    pub passenger: Option<ScannedPassenger>,
    pub tasks_created: Vec<CreatedTask>,
    /// Rule or data problems that stopped a follow-up; the boarding itself stands.
    pub problems: Vec<String>,
}

/// A scan resolved but not yet stored.
struct Resolved {
    scan: NewBoardingScan,
    passenger: Option<Passenger>,
}

/// Stores the scans in one transaction, then boards the passengers they name. The scans are durable
/// before any passenger boards, so an accepted scan is never lost; boarding is idempotent, so a reader
/// that re-sends a scan after a failure finishes the job.
pub async fn record_scans(
    engine: &Engine,
    scans: &[ScanInput],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ScanReport>, ServiceError> {
    let mut resolved = Vec::with_capacity(scans.len());
    for input in scans {
        resolved.push(resolve(engine, input).await?);
    }
    let rows: Vec<NewBoardingScan> = resolved.iter().map(|r| r.scan.clone()).collect();
    let stored = engine.store.record_boarding_scans(&rows, now).await?;
    let boarded: Vec<(Uuid, DateTime<Utc>)> = stored
        .iter()
        .zip(&resolved)
        .filter(|((stored, _), _)| stored.scan.outcome == ScanOutcome::Matched)
        .filter_map(|(_, resolved)| {
            resolved
                .passenger
                .as_ref()
                .map(|p| (p.id, resolved.scan.scanned_at))
        })
        .collect();
    let mut follow_ups = engine
        .passengers_boarded(&boarded, actor)
        .await?
        .into_iter();
    let mut reports = Vec::with_capacity(stored.len());
    for ((stored, written), resolved) in stored.into_iter().zip(resolved) {
        let scan = &stored.scan;
        let mut report = ScanReport {
            scan_id: stored.id,
            outcome: scan.outcome,
            repeated: !written,
            detail: scan.detail.clone(),
            flight_id: scan.flight_id,
            passenger: None,
            tasks_created: Vec::new(),
            problems: Vec::new(),
        };
        if let (ScanOutcome::Matched, Some(passenger)) = (scan.outcome, &resolved.passenger) {
            let follow_up = follow_ups.next().unwrap_or_default();
            report.passenger = Some(ScannedPassenger {
                id: passenger.id,
                name: format!(
                    "{}/{}",
                    passenger.details.surname, passenger.details.given_name
                ),
                seat: passenger.details.seat.clone(),
            });
            report.tasks_created = follow_up.created.iter().map(CreatedTask::from).collect();
            report.problems = follow_up.problems;
        }
        reports.push(report);
    }
    Ok(reports)
}

/// The identity of a scan: the same text read by the same reader at the same instant is one scan.
pub fn scan_digest(input: &ScanInput) -> String {
    let mut hash = Sha256::new();
    for part in [
        input.raw.as_str(),
        input.station.as_str(),
        input.gate.as_deref().unwrap_or(""),
        input.reader_id.as_deref().unwrap_or(""),
        &input.scanned_at.to_rfc3339(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0x1f]);
    }
    hex::encode(hash.finalize())
}

/// The station's local date at `instant`: a pass's day of the year is the local date of departure.
fn local_date(station: &Iata, instant: DateTime<Utc>) -> NaiveDate {
    airports::lookup(station)
        .map(|a| a.to_local(instant).date_naive())
        .unwrap_or_else(|| instant.date_naive())
}

async fn resolve(engine: &Engine, input: &ScanInput) -> Result<Resolved, ServiceError> {
    let mut scan = NewBoardingScan {
        digest: scan_digest(input),
        raw: input.raw.clone(),
        station: input.station.to_string(),
        gate: input.gate.clone(),
        reader_id: input.reader_id.clone(),
        scanned_at: input.scanned_at,
        flight_id: None,
        passenger_id: None,
        outcome: ScanOutcome::Invalid,
        detail: None,
    };
    let pass = match bcbp::decode(&input.raw) {
        Ok(pass) => pass,
        Err(error) => {
            scan.detail = Some(format!("not a readable boarding pass: {error}"));
            return Ok(Resolved {
                scan,
                passenger: None,
            });
        }
    };
    let unmatched = |mut scan: NewBoardingScan, why: String| {
        scan.outcome = ScanOutcome::Unmatched;
        scan.detail = Some(why);
        Ok(Resolved {
            scan,
            passenger: None,
        })
    };
    let target = match scan::target(
        &pass,
        &input.station,
        local_date(&input.station, input.scanned_at),
    ) {
        Ok(target) => target,
        Err(why) => return unmatched(scan, why.to_string()),
    };
    let Some(flight) = engine.store.find_flight(&target.flight).await? else {
        return unmatched(
            scan,
            format!("flight {} is not in aboard's schedule", target.flight),
        );
    };
    scan.flight_id = Some(flight.id);
    let on_booking: Vec<Passenger> = engine
        .store
        .passengers_by_locator(flight.id, target.locator.as_str())
        .await?
        .into_iter()
        .filter(|p| p.boarding_state != BoardingState::Removed)
        .collect();
    let details: Vec<_> = on_booking.iter().map(|p| &p.details).collect();
    let leg = pass.legs.get(target.leg - 1);
    let resolution = match leg {
        Some(leg) => scan::pick_passenger(&pass, leg, &details),
        None => Resolution::NoMatch {
            reason: "the pass's leg could not be read again".to_string(),
        },
    };
    match resolution {
        Resolution::Matched { index, by } => {
            let Some(passenger) = on_booking.into_iter().nth(index) else {
                return unmatched(scan, "the matched passenger disappeared".to_string());
            };
            scan.outcome = ScanOutcome::Matched;
            scan.passenger_id = Some(passenger.id);
            scan.detail = Some(format!(
                "{} on {} booking {}, by {}",
                passenger.details.surname,
                target.flight,
                target.locator,
                matched_by_words(by)
            ));
            Ok(Resolved {
                scan,
                passenger: Some(passenger),
            })
        }
        Resolution::Ambiguous { reason, .. } => {
            scan.outcome = ScanOutcome::Ambiguous;
            scan.detail = Some(format!("{}: {reason}", target.flight));
            Ok(Resolved {
                scan,
                passenger: None,
            })
        }
        Resolution::NoMatch { reason } => unmatched(scan, format!("{}: {reason}", target.flight)),
    }
}

fn matched_by_words(by: MatchedBy) -> &'static str {
    match by {
        MatchedBy::OnlyPassenger => "the only passenger of the booking",
        MatchedBy::Seat => "seat",
        MatchedBy::CheckInSequence => "check-in sequence",
        MatchedBy::Name => "name",
    }
}
