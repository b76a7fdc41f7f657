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
use std::sync::Arc;

use crate::domain::records::{BoardingScan, NewBoardingScan, Passenger, ScanOutcome, Task};
use crate::domain::{BoardingState, Channel, Iata};
use crate::store::Store;

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

/// A scan resolved but not yet stored, with whether its passenger is linked to a registry person.
struct Resolved {
    scan: NewBoardingScan,
    passenger: Option<(Passenger, bool)>,
}

/// Gate scans from concurrent requests committed together: while one transaction commits, the scans
/// that arrive wait, and the next commit takes them all. With a durable commit costing a few
/// milliseconds of fsync, this is what lets one SQLite file take thousands of scans a second without
/// acknowledging any scan before it is on disk. The claim is in the database (unique digests, boarding
/// that changes state once), so several instances on PostgreSQL stay correct; this only batches.
#[derive(Default)]
pub struct ScanCommits {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    committing: tokio::sync::Mutex<()>,
}

type StoredScans = Vec<(BoardingScan, bool)>;

struct Waiting {
    scans: Vec<(NewBoardingScan, String)>,
    reply: tokio::sync::oneshot::Sender<Result<StoredScans, String>>,
}

impl ScanCommits {
    /// Stores the scans (and boards their passengers) in a transaction shared with whatever else is
    /// waiting; returns when that transaction has committed.
    async fn commit(
        &self,
        store: &Arc<dyn Store>,
        scans: Vec<(NewBoardingScan, String)>,
        at: DateTime<Utc>,
    ) -> Result<StoredScans, ServiceError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.lock_waiting().push(Waiting { scans, reply });
        let turn = self.committing.lock().await;
        let batch = std::mem::take(&mut *self.lock_waiting());
        if !batch.is_empty() {
            // Its own task, so that a request that goes away mid-commit does not cut the batch short.
            let store = store.clone();
            let _ =
                tokio::spawn(async move { commit_batch(store.as_ref(), batch, at).await }).await;
        }
        drop(turn);
        match answer.await {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(reason)) => Err(shared_commit_failed(reason)),
            Err(_) => Err(shared_commit_failed(
                "the commit ended before answering".to_string(),
            )),
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        match self.waiting.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn shared_commit_failed(reason: String) -> ServiceError {
    ServiceError::Store(crate::store::StoreError::Database(sqlx::Error::Protocol(
        format!("the scans' transaction failed: {reason}"),
    )))
}

async fn commit_batch(store: &dyn Store, batch: Vec<Waiting>, at: DateTime<Utc>) {
    let sizes: Vec<usize> = batch.iter().map(|w| w.scans.len()).collect();
    let (scans, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|w| (w.scans, w.reply)).unzip();
    let all: Vec<(NewBoardingScan, String)> = scans.into_iter().flatten().collect();
    match store.record_boarding_scans(&all, at).await {
        Ok(stored) => {
            let mut stored = stored.into_iter();
            for (size, reply) in sizes.into_iter().zip(replies) {
                let _ = reply.send(Ok(stored.by_ref().take(size).collect()));
            }
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(e.to_string()));
            }
        }
    }
}

/// Resolves the scans, stores them and boards the passengers they name in one transaction (shared with
/// other requests' scans), then gives linked passengers their follow-up. Nothing is answered before the
/// scans are durable, so an accepted scan is never lost; boarding and tasks are idempotent, so a reader
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
    let rows: Vec<(NewBoardingScan, String)> = resolved
        .iter()
        .map(|r| (r.scan.clone(), actor.to_string()))
        .collect();
    let stored = engine.scan_commits.commit(&engine.store, rows, now).await?;
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
        if let (ScanOutcome::Matched, Some((mut passenger, linked))) =
            (scan.outcome, resolved.passenger)
        {
            report.passenger = Some(ScannedPassenger {
                id: passenger.id,
                name: format!(
                    "{}/{}",
                    passenger.details.surname, passenger.details.given_name
                ),
                seat: passenger.details.seat.clone(),
            });
            // Nobody in the registry: no rule can concern them. Otherwise the follow-up runs on a
            // repeated scan too, so that a reader re-sending after a failure finishes the job; tasks
            // are unique, so it never creates one twice.
            if linked {
                if passenger.boarding_state != BoardingState::Boarded {
                    passenger.boarding_state = BoardingState::Boarded;
                    passenger.boarded_at = Some(resolved.scan.scanned_at);
                }
                let follow_up = engine
                    .boarded_follow_up(&passenger, resolved.scan.scanned_at)
                    .await?;
                report.tasks_created = follow_up.created.iter().map(CreatedTask::from).collect();
                report.problems = follow_up.problems;
            }
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
    let on_booking: Vec<(Passenger, bool)> = engine
        .store
        .booking_passengers(&target.flight, target.locator.as_str())
        .await?
        .into_iter()
        .filter(|(p, _)| p.boarding_state != BoardingState::Removed)
        .collect();
    scan.flight_id = match on_booking.first() {
        Some((p, _)) => Some(p.flight_id),
        None => match engine.store.find_flight(&target.flight).await? {
            Some(flight) => Some(flight.id),
            None => {
                return unmatched(
                    scan,
                    format!("flight {} is not in aboard's schedule", target.flight),
                );
            }
        },
    };
    let details: Vec<_> = on_booking.iter().map(|(p, _)| &p.details).collect();
    let leg = pass.legs.get(target.leg - 1);
    let resolution = match leg {
        Some(leg) => scan::pick_passenger(&pass, leg, &details),
        None => Resolution::NoMatch {
            reason: "the pass's leg could not be read again".to_string(),
        },
    };
    match resolution {
        Resolution::Matched { index, by } => {
            let Some((passenger, linked)) = on_booking.into_iter().nth(index) else {
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
                passenger: Some((passenger, linked)),
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
