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
use crate::boarding::bcbp::BoardingPass;
use crate::boarding::scan::{self, MatchedBy, Resolution, ScanTarget};
use crate::rules::Trigger;
use std::sync::Arc;

use crate::domain::records::{
    BoardingScan, NewBoardingScan, NewTask, Passenger, ScanOutcome, Task,
};
use crate::domain::{BoardingState, Channel, FlightKey, Iata, Locator};
use crate::store::Store;

/// One scan as a gate reader sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScannedPassenger {
    pub id: Uuid,
    pub name: String,
    pub seat: Option<String>,
}

/// A follow-up task the scan created, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// A scan read but not yet resolved: its row so far and, when the pass names a flight leaving from the
/// station, the pass and the booking to look its passenger up in.
struct Pending {
    scan: NewBoardingScan,
    lookup: Option<(BoardingPass, ScanTarget)>,
}

/// A scan as committed: the passenger it boarded, and the follow-up their registry links called for.
struct Committed {
    stored: BoardingScan,
    written: bool,
    passenger: Option<Passenger>,
    tasks_created: Vec<Task>,
    problems: Vec<String>,
}

/// What the committer needs of the engine to give a boarded passenger their follow-up.
struct FollowUps {
    rules: super::RulesInForce,
    policy: crate::tasks::ContactPolicy,
}

/// Gate scans from concurrent requests resolved and committed together: one committer takes batch after
/// batch, each batch every scan that arrived while the one before committed — one read for all their
/// bookings, one transaction for the scans, the boarding and the follow-up tasks. With a durable commit costing a
/// millisecond or more of fsync, this is what lets one SQLite file take thousands of scans a second
/// without acknowledging any scan before it is on disk. The claim is in the database (unique digests,
/// boarding that changes state once), so several instances on PostgreSQL stay correct; this only
/// batches.
#[derive(Default)]
pub struct ScanCommits {
    queue: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Waiting>>,
}

struct Waiting {
    scans: Vec<Pending>,
    actor: String,
    at: DateTime<Utc>,
    reply: Reply,
}

impl ScanCommits {
    /// Resolves and stores the scans (and boards their passengers) in the next batch; returns when that
    /// batch has committed. A request that goes away meanwhile does not take its scans out of it.
    async fn commit(
        &self,
        engine: &Engine,
        scans: Vec<Pending>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Committed>, ServiceError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queue = self.queue.get_or_init(|| {
            let (queue, arrivals) = tokio::sync::mpsc::unbounded_channel();
            let store = engine.store.clone();
            let follow_ups = FollowUps {
                rules: engine.rules.clone(),
                policy: engine.policy.clone(),
            };
            // Its own thread and runtime: each batch waits on the database several times, and each
            // wait must not queue behind the requests the service's runtime is busy with.
            on_own_thread("aboard-scans", commit_arrivals(store, follow_ups, arrivals));
            queue
        });
        queue
            .send(Waiting {
                scans,
                actor: actor.to_string(),
                at,
                reply,
            })
            .map_err(|_| shared_commit_failed("the scans' committer has stopped".to_string()))?;
        match answer.await {
            Ok(Ok(committed)) => Ok(committed),
            Ok(Err(reason)) => Err(shared_commit_failed(reason)),
            Err(_) => Err(shared_commit_failed(
                "the commit ended before answering".to_string(),
            )),
        }
    }
}

/// Scans resolved together and waiting for the writer, with whom to answer: `sizes[i]` scans for
/// `replies[i]`, in order.
struct ResolvedBatch {
    scans: Vec<Resolved>,
    sizes: Vec<usize>,
    replies: Vec<Reply>,
    at: DateTime<Utc>,
}

/// A scan's row and who sent it, the passenger it names, and the follow-up planned for them.
struct Resolved {
    row: (NewBoardingScan, String),
    passenger: Option<Passenger>,
    tasks: Vec<NewTask>,
    problems: Vec<String>,
}

type Reply = tokio::sync::oneshot::Sender<Result<Vec<Committed>, String>>;

/// Commits what has arrived, batch after batch, until the engine is dropped: two stages on two threads,
/// so that the next batch's bookings are read while the writer commits the one before. Each batch runs
/// as its own task in each stage, so that a batch that fails in an unforeseen way fails alone.
async fn commit_arrivals(
    store: Arc<dyn Store>,
    follow_ups: FollowUps,
    mut arrivals: tokio::sync::mpsc::UnboundedReceiver<Waiting>,
) {
    let follow_ups = Arc::new(follow_ups);
    let (resolved, to_write) = tokio::sync::mpsc::channel(1);
    // The writer's thread is its own too: on SQLite it writes through the C API, without yielding,
    // and the next batch's bookings are meanwhile read and planned here.
    on_own_thread(
        "aboard-scan-writer",
        write_resolved(store.clone(), to_write),
    );
    while let Some(first) = arrivals.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = arrivals.try_recv() {
            batch.push(more);
        }
        let (store, follow_ups) = (store.clone(), follow_ups.clone());
        if let Ok(Some(batch)) =
            tokio::spawn(async move { resolve_batch(store.as_ref(), &follow_ups, batch).await })
                .await
            && resolved.send(batch).await.is_err()
        {
            break;
        }
    }
}

/// Runs `work` on a new thread with its own single-threaded runtime.
fn on_own_thread(name: &str, work: impl std::future::Future<Output = ()> + Send + 'static) {
    let started = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(work),
                Err(e) => tracing::error!(error = %e, "gate scans cannot be committed"),
            }
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "gate scans cannot be committed");
    }
}

/// Stores resolved batches, joining those that wait into one transaction, and answers their senders.
async fn write_resolved(
    store: Arc<dyn Store>,
    mut to_write: tokio::sync::mpsc::Receiver<ResolvedBatch>,
) {
    while let Some(mut batch) = to_write.recv().await {
        while let Ok(more) = to_write.try_recv() {
            batch.scans.extend(more.scans);
            batch.sizes.extend(more.sizes);
            batch.replies.extend(more.replies);
        }
        let store = store.clone();
        let _ = tokio::spawn(async move { write_batch(store.as_ref(), batch).await }).await;
    }
}

/// Looks up the bookings of all the batch's scans at once and picks each scan's passenger; a failure
/// is answered here.
async fn resolve_batch(
    store: &dyn Store,
    follow_ups: &FollowUps,
    batch: Vec<Waiting>,
) -> Option<ResolvedBatch> {
    // The batch is received as its first scans were.
    let at = batch.first().map_or_else(crate::clock::now, |w| w.at);
    let mut sizes = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    let mut pending = Vec::new();
    for waiting in batch {
        sizes.push(waiting.scans.len());
        replies.push(waiting.reply);
        pending.extend(
            waiting
                .scans
                .into_iter()
                .map(|p| (p, waiting.actor.clone())),
        );
    }
    match resolve_all(store, follow_ups, pending).await {
        Ok(scans) => Some(ResolvedBatch {
            scans,
            sizes,
            replies,
            at,
        }),
        Err(e) => {
            answer_failure(replies, &e);
            None
        }
    }
}

async fn resolve_all(
    store: &dyn Store,
    follow_ups: &FollowUps,
    pending: Vec<(Pending, String)>,
) -> Result<Vec<Resolved>, ServiceError> {
    let bookings: Vec<(FlightKey, Locator)> = pending
        .iter()
        .filter_map(|(p, _)| p.lookup.as_ref())
        .map(|(_, target)| (target.flight.clone(), target.locator.clone()))
        .collect();
    let mut found = store.booking_passengers(&bookings).await?.into_iter();
    let rules = super::current_rules(&follow_ups.rules);
    let mut resolved = Vec::with_capacity(pending.len());
    for (scan, actor) in pending {
        let (scan, passenger) = match scan.lookup {
            Some((pass, target)) => {
                let on_booking = found.next().unwrap_or_default();
                resolve(store, scan.scan, &pass, &target, on_booking).await?
            }
            None => (scan.scan, None),
        };
        let mut item = Resolved {
            row: (scan, actor),
            passenger: None,
            tasks: Vec::new(),
            problems: Vec::new(),
        };
        if let Some((mut passenger, linked)) = passenger {
            // Nobody in the registry: no rule can concern them. Otherwise the follow-up is planned
            // for a repeated scan too, so that a reader re-sending after a failure finishes the job;
            // tasks are unique, so none is created twice.
            if linked {
                let scanned_at = item.row.0.scanned_at;
                if passenger.boarding_state != BoardingState::Boarded {
                    passenger.boarding_state = BoardingState::Boarded;
                    passenger.boarded_at = Some(scanned_at);
                }
                let flight = store.flight(passenger.flight_id).await?.ok_or_else(|| {
                    ServiceError::NotFound(format!("flight {}", passenger.flight_id))
                })?;
                let planned = super::plan_follow_up(
                    store,
                    (&rules, &follow_ups.policy),
                    Trigger::Boarded,
                    &passenger,
                    &flight,
                    scanned_at,
                )
                .await?;
                item.tasks = planned.tasks;
                item.problems = planned.problems;
            }
            item.passenger = Some(passenger);
        }
        resolved.push(item);
    }
    Ok(resolved)
}

/// Stores the scans, boards their passengers and creates their follow-ups in one transaction, then
/// answers each sender.
async fn write_batch(store: &dyn Store, batch: ResolvedBatch) {
    let rows: Vec<(NewBoardingScan, String)> = batch.scans.iter().map(|r| r.row.clone()).collect();
    let tasks: Vec<NewTask> = batch
        .scans
        .iter()
        .flat_map(|r| r.tasks.iter().cloned())
        .collect();
    match store.record_boarding_scans(&rows, &tasks, batch.at).await {
        Ok(recorded) => {
            let mut created = recorded.tasks.into_iter();
            let mut committed =
                recorded
                    .scans
                    .into_iter()
                    .zip(batch.scans)
                    .map(|((stored, written), resolved)| Committed {
                        stored,
                        written,
                        passenger: resolved.passenger,
                        tasks_created: created
                            .by_ref()
                            .take(resolved.tasks.len())
                            .flatten()
                            .collect(),
                        problems: resolved.problems,
                    });
            for (size, reply) in batch.sizes.into_iter().zip(batch.replies) {
                let _ = reply.send(Ok(committed.by_ref().take(size).collect()));
            }
        }
        Err(e) => answer_failure(batch.replies, &e),
    }
}

fn shared_commit_failed(reason: String) -> ServiceError {
    ServiceError::Store(crate::store::StoreError::Database(sqlx::Error::Protocol(
        format!("the scans' transaction failed: {reason}"),
    )))
}

fn answer_failure(replies: Vec<Reply>, error: &dyn std::fmt::Display) {
    for reply in replies {
        let _ = reply.send(Err(error.to_string()));
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
    let pending = scans.iter().map(read).collect();
    let committed = engine
        .scan_commits
        .commit(engine, pending, actor, now)
        .await?;
    Ok(committed.into_iter().map(report).collect())
}

fn report(committed: Committed) -> ScanReport {
    let scan = &committed.stored.scan;
    let passenger = match (scan.outcome, &committed.passenger) {
        (ScanOutcome::Matched, Some(passenger)) => Some(ScannedPassenger {
            id: passenger.id,
            name: format!(
                "{}/{}",
                passenger.details.surname, passenger.details.given_name
            ),
            seat: passenger.details.seat.clone(),
        }),
        _ => None,
    };
    ScanReport {
        scan_id: committed.stored.id,
        outcome: scan.outcome,
        repeated: !committed.written,
        detail: scan.detail.clone(),
        flight_id: scan.flight_id,
        passenger,
        tasks_created: committed
            .tasks_created
            .iter()
            .map(CreatedTask::from)
            .collect(),
        problems: committed.problems,
    }
}

/// The identity of a scan: the same text read by the same reader at the same instant is one scan. It
/// opens with the scan's instant (milliseconds since the epoch, in hex), so that new scans' keys fall
/// at the end of the unique index instead of on a random page of it, which a gate peak would otherwise
/// write all over; 128 bits of SHA-256 tell the scans of one millisecond apart.
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
    let millis = input.scanned_at.timestamp_millis().max(0);
    format!("{millis:012x}{}", hex::encode(&hash.finalize()[..16]))
}

/// The station's local date at `instant`: a pass's day of the year is the local date of departure.
fn local_date(station: &Iata, instant: DateTime<Utc>) -> NaiveDate {
    airports::lookup(station)
        .map(|a| a.to_local(instant).date_naive())
        .unwrap_or_else(|| instant.date_naive())
}

/// What a scan says by itself: its row, and the booking to look in when the pass names a flight leaving
/// from the station; an unreadable pass or one for elsewhere is resolved already.
fn read(input: &ScanInput) -> Pending {
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
            return Pending { scan, lookup: None };
        }
    };
    match scan::target(
        &pass,
        &input.station,
        local_date(&input.station, input.scanned_at),
    ) {
        Ok(target) => Pending {
            scan,
            lookup: Some((pass, target)),
        },
        Err(why) => {
            scan.outcome = ScanOutcome::Unmatched;
            scan.detail = Some(with_deviations(why.to_string(), &pass));
            Pending { scan, lookup: None }
        }
    }
}

/// Picks the scan's passenger among the booking's: by the pass's facts, never across the flight.
async fn resolve(
    store: &dyn Store,
    mut scan: NewBoardingScan,
    pass: &BoardingPass,
    target: &ScanTarget,
    on_booking: Vec<(Passenger, bool)>,
) -> Result<(NewBoardingScan, Option<(Passenger, bool)>), ServiceError> {
    let unmatched = |mut scan: NewBoardingScan, why: String| {
        scan.outcome = ScanOutcome::Unmatched;
        scan.detail = Some(why);
        Ok((scan, None))
    };
    let on_booking: Vec<(Passenger, bool)> = on_booking
        .into_iter()
        .filter(|(p, _)| p.boarding_state != BoardingState::Removed)
        .collect();
    scan.flight_id = match on_booking.first() {
        Some((p, _)) => Some(p.flight_id),
        None => match store.find_flight(&target.flight).await? {
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
    let resolution = match pass.legs.get(target.leg - 1) {
        Some(leg) => scan::pick_passenger(pass, leg, &details),
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
            scan.detail = Some(with_deviations(
                format!(
                    "{} on {} booking {}, by {}",
                    passenger.details.surname,
                    target.flight,
                    target.locator,
                    matched_by_words(by)
                ),
                pass,
            ));
            Ok((scan, Some((passenger, linked))))
        }
        Resolution::Ambiguous { reason, .. } => {
            scan.outcome = ScanOutcome::Ambiguous;
            scan.detail = Some(format!("{}: {reason}", target.flight));
            Ok((scan, None))
        }
        Resolution::NoMatch { reason } => unmatched(scan, format!("{}: {reason}", target.flight)),
    }
}

/// A scan's detail followed by what the pass deviates in, so that ops see how each issuer's passes read.
fn with_deviations(detail: String, pass: &BoardingPass) -> String {
    if pass.warnings.is_empty() {
        return detail;
    }
    let mut text = detail;
    text.push_str("; the pass deviates from Resolution 792:");
    for warning in &pass.warnings {
        text.push(' ');
        text.push_str(&warning.to_string());
    }
    text
}

fn matched_by_words(by: MatchedBy) -> &'static str {
    match by {
        MatchedBy::OnlyPassenger => "the only passenger of the booking",
        MatchedBy::Seat => "seat",
        MatchedBy::CheckInSequence => "check-in sequence",
        MatchedBy::Name => "name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(reader: &str, scanned_at: &str) -> ScanInput {
        ScanInput {
            raw: "M1DOE/JANE            EABC123 MADLHRIB 3166 335Y012A0042 100".to_string(),
            station: Iata::parse("MAD").unwrap(),
            gate: Some("K12".to_string()),
            reader_id: Some(reader.to_string()),
            scanned_at: scanned_at.parse().unwrap(),
        }
    }

    #[test]
    fn a_scan_digest_names_one_reading_and_sorts_by_its_instant() {
        let first = scan_digest(&input("r1", "2026-12-01T08:00:00.250Z"));
        assert_eq!(first, scan_digest(&input("r1", "2026-12-01T08:00:00.250Z")));
        assert_ne!(first, scan_digest(&input("r2", "2026-12-01T08:00:00.250Z")));
        let later = scan_digest(&input("r1", "2026-12-01T08:00:00.251Z"));
        assert!(first < later, "{first} then {later}");
        assert!(scan_digest(&input("r9", "2026-12-01T07:59:59.999Z")) < first);
        assert_eq!(first.len(), 12 + 32);
    }
}
