//! The demo's boarding: while `aboard demo` serves, flights whose boarding window is open (departure − 40
//! to departure − 15 minutes) board their passengers with real BCBP scans, sent through the same function
//! as POST /api/boarding-scans, and boarding started, gate closed and departed arrive as flight events at
//! their times — so tasks appear live on the gate views. Passengers the registry knows board among the
//! first, so that the first minute already shows work. Seeded, and throttled to a few scans a second per
//! flight.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::app::scans::{ScanInput, record_scans};
use crate::app::{Engine, FlightEvent};
use crate::boarding::bcbp::{self, BoardingPass, Leg};
use crate::domain::records::{Flight, NewPassenger};
use crate::domain::{BoardingState, FlightKey, FlightStatus, Iata, LinkDecision, Locator, Seat};

/// Boarding opens this long before departure…
const BOARDING_OPENS: i64 = 40;
/// …and the gate closes this long before it.
const GATE_CLOSES: i64 = 15;
/// Scans sent per flight and driver step; with `STEP` this keeps each gate to a few scans a second.
const SCANS_PER_STEP: usize = 3;
const STEP: StdDuration = StdDuration::from_secs(1);
const ACTOR: &str = "demo:gate-reader";

/// The barcode text of the pass a passenger shows at `flight`'s gate; `None` when the manifest lacks what
/// a pass needs (a locator) or the name does not fit a pass.
pub fn boarding_pass_text(
    passenger: &NewPassenger,
    flight: &FlightKey,
    destination: &Iata,
) -> Option<String> {
    let name = format!("{}/{}", passenger.surname, passenger.given_name);
    let name: String = name.chars().filter(char::is_ascii).take(20).collect();
    let leg = Leg {
        pnr: passenger
            .locator
            .as_deref()
            .and_then(|l| Locator::parse(l).ok()),
        from: Some(flight.origin.clone()),
        to: Some(destination.clone()),
        carrier: Some(flight.flight.carrier().clone()),
        flight: Some(flight.flight.clone()),
        day_of_year: u16::try_from(flight.local_date.ordinal()).ok(),
        compartment: Some('Y'),
        seat: passenger.seat.as_deref().and_then(|s| Seat::parse(s).ok()),
        check_in_sequence: passenger.checkin_sequence.map(|n| format!("{n:04}")),
        passenger_status: Some('1'),
        ..Leg::default()
    };
    leg.pnr.as_ref()?;
    bcbp::encode(&BoardingPass::new(&name, vec![leg])).ok()
}

/// Runs until `stop` turns true: every step, the flights in their boarding window board a few passengers,
/// and flights reaching boarding, gate close or departure get the event.
pub async fn run(engine: Arc<Engine>, seed: u64, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut queues: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut reported: HashSet<(Uuid, &'static str)> = HashSet::new();
    loop {
        if let Err(e) = step(&engine, &mut rng, &mut queues, &mut reported).await {
            tracing::warn!(error = %e, "the demo driver's step failed; it tries again");
        }
        tokio::select! {
            _ = tokio::time::sleep(STEP) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

async fn step(
    engine: &Engine,
    rng: &mut ChaCha8Rng,
    queues: &mut HashMap<Uuid, Vec<Uuid>>,
    reported: &mut HashSet<(Uuid, &'static str)>,
) -> Result<(), crate::app::ServiceError> {
    let now = crate::clock::now();
    let flights = engine
        .store
        .flights_departing(
            now - Duration::minutes(30),
            now + Duration::minutes(BOARDING_OPENS + 5),
        )
        .await?;
    let mut scans = Vec::new();
    for flight in &flights {
        let Some(departure) = flight.departure.best() else {
            continue;
        };
        for (name, due, event) in milestones(departure) {
            let already = matches!(
                (name, flight.status),
                (
                    "boarding_started",
                    FlightStatus::Boarding | FlightStatus::GateClosed | FlightStatus::Departed
                ) | (
                    "gate_closed",
                    FlightStatus::GateClosed | FlightStatus::Departed
                ) | ("departed", FlightStatus::Departed)
            );
            if now >= due && !already && reported.insert((flight.id, name)) {
                engine.flight_event(flight.id, &event, ACTOR, now).await?;
            }
        }
        let window_open = now >= departure - Duration::minutes(BOARDING_OPENS)
            && now < departure - Duration::minutes(GATE_CLOSES);
        if window_open {
            scans.extend(next_scans(engine, flight, rng, queues, SCANS_PER_STEP, now).await?);
        }
    }
    if !scans.is_empty() {
        record_scans(engine, &scans, ACTOR, now).await?;
    }
    Ok(())
}

fn milestones(departure: DateTime<Utc>) -> [(&'static str, DateTime<Utc>, FlightEvent); 3] {
    let boarding = departure - Duration::minutes(BOARDING_OPENS);
    let closed = departure - Duration::minutes(GATE_CLOSES);
    [
        (
            "boarding_started",
            boarding,
            FlightEvent::BoardingStarted { at: boarding },
        ),
        (
            "gate_closed",
            closed,
            FlightEvent::GateClosed { at: closed },
        ),
        (
            "departed",
            departure,
            FlightEvent::Departed { at: departure },
        ),
    ]
}

/// The next passengers of `flight` still to board, in a seeded order with the linked ones first, as scans
/// at its gate.
async fn next_scans(
    engine: &Engine,
    flight: &Flight,
    rng: &mut ChaCha8Rng,
    queues: &mut HashMap<Uuid, Vec<Uuid>>,
    count: usize,
    now: DateTime<Utc>,
) -> Result<Vec<ScanInput>, crate::app::ServiceError> {
    let Some(destination) = flight.destination.clone() else {
        return Ok(Vec::new());
    };
    let passengers = engine.store.passengers(flight.id).await?;
    if let Entry::Vacant(slot) = queues.entry(flight.id) {
        let linked: HashSet<Uuid> = engine
            .store
            .links_for_flight(flight.id)
            .await?
            .into_iter()
            .filter(|l| l.decision == LinkDecision::Linked)
            .map(|l| l.passenger_id)
            .collect();
        let mut ids: Vec<Uuid> = passengers
            .iter()
            .filter(|p| p.boarding_state == BoardingState::Expected)
            .map(|p| p.id)
            .collect();
        ids.shuffle(rng);
        // The queue is served from its end.
        ids.sort_by_key(|id| linked.contains(id));
        slot.insert(ids);
    }
    let queue = queues.entry(flight.id).or_default();
    let by_id: HashMap<Uuid, &NewPassenger> =
        passengers.iter().map(|p| (p.id, &p.details)).collect();
    let mut scans = Vec::with_capacity(count);
    while scans.len() < count {
        let Some(id) = queue.pop() else { break };
        let Some(details) = by_id.get(&id) else {
            continue;
        };
        let Some(raw) = boarding_pass_text(details, &flight.key, &destination) else {
            continue;
        };
        scans.push(ScanInput {
            raw,
            station: flight.key.origin.clone(),
            gate: flight.gate.clone(),
            reader_id: Some(format!(
                "{}-{}",
                flight.key.origin,
                flight.gate.as_deref().unwrap_or("G")
            )),
            scanned_at: now,
        });
    }
    Ok(scans)
}
