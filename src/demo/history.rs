//! Four weeks of synthetic history before the demo's day, so that every report has something to show:
//! past flights (IB9000–IB9999, their files named `synthetic-history-…`, their passengers named
//! SYNTHETIC), passengers boarded and linked to the demo's registry persons, and follow-ups that ended
//! the ways follow-ups end, at seeded times. It is labelled synthetic wherever it shows: flight numbers,
//! file names, passenger names and the demo's banner.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::domain::records::{
    FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
    NewTask, TaskTransition,
};
use crate::domain::{
    BoardingState, CarrierCode, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision,
    TaskOutcome, TaskState, TravellerClass,
};
use crate::store::{Store, StoreError};

/// Days of history before today.
pub const DAYS: i64 = 28;
/// Stations with a synthetic departure each day: two staffed (gate tasks), two not (social tasks).
const STATIONS: [(&str, &str, Channel); 4] = [
    ("MAD", "MEX", Channel::Gate),
    ("BCN", "LHR", Channel::Gate),
    ("MEX", "MAD", Channel::Social),
    ("LHR", "MAD", Channel::Social),
];
/// Passengers of each synthetic flight who are registry persons.
const LINKED: usize = 6;

/// What the history holds, for the banner.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    pub flights: usize,
    pub tasks: usize,
}

fn synthetic_passenger(flight: usize, n: usize) -> NewPassenger {
    NewPassenger {
        pax_key: format!("SY{flight:04}/{n}"),
        surname: "SYNTHETIC".to_string(),
        given_name: format!("PAX{n}"),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some(format!("SY{flight:04}")),
        seat: Some(format!("{}C", n + 10)),
        cabin_class: Some("Y".to_string()),
        destination: None,
        party_ref: None,
        frequent_flyer: None,
        email: None,
        phone: None,
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: vec![],
    }
}

/// How a follow-up ended and how many minutes after it was made: mostly reached, some not found,
/// refused, expired or cancelled, a few new issues.
fn ending(rng: &mut ChaCha8Rng, channel: Channel) -> (TaskState, Option<TaskOutcome>, i64) {
    let minutes = match channel {
        Channel::Social => rng.random_range(8..360),
        _ => rng.random_range(2..45),
    };
    let reached = match channel {
        Channel::Social => TaskOutcome::MessageSent,
        _ => TaskOutcome::TalkedAllWell,
    };
    match rng.random_range(0..100) {
        0..55 => (TaskState::Done, Some(reached), minutes),
        55..65 => (TaskState::Done, Some(TaskOutcome::TalkedNewIssue), minutes),
        65..77 => (TaskState::Done, Some(TaskOutcome::NotFound), minutes),
        77..83 => (TaskState::Done, Some(TaskOutcome::Declined), minutes),
        83..95 => (TaskState::Expired, None, 120),
        _ => (TaskState::Cancelled, None, minutes / 2),
    }
}

/// Writes the history through the store: `persons` are the demo registry's ids to link passengers to.
pub async fn seed(
    store: &dyn Store,
    seed: u64,
    persons: &[Uuid],
    now: DateTime<Utc>,
) -> Result<History, StoreError> {
    let mut history = History::default();
    if persons.len() < LINKED {
        return Ok(history);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5157_4845_4953);
    let carrier = CarrierCode::parse("IB").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut lists = Vec::new();
    let mut plans = Vec::new();
    for day in 1..=DAYS {
        for (k, (origin, destination, channel)) in STATIONS.iter().enumerate() {
            let n = lists.len();
            let departure =
                now - Duration::days(day) + Duration::minutes(rng.random_range(-300..300));
            let origin = Iata::parse(origin).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let number =
                FlightNumber::new(carrier.clone(), 9000 + (day as u16) * 10 + k as u16, None)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let local_date: NaiveDate = crate::airports::lookup(&origin)
                .map(|a| a.to_local(departure).date_naive())
                .unwrap_or_else(|| departure.date_naive());
            lists.push(FlightList {
                flight: NewFlight {
                    key: FlightKey {
                        flight: number,
                        local_date,
                        origin,
                    },
                    destination: Iata::parse(destination).ok(),
                    departure: MovementTimes {
                        scheduled: Some(departure),
                        actual: Some(departure),
                        ..Default::default()
                    },
                    arrival: MovementTimes::default(),
                    gate: Some(format!("S{}", k + 1)),
                    status: FlightStatus::Departed,
                },
                mode: ListMode::Replace,
                passengers: (0..LINKED).map(|p| synthetic_passenger(n, p)).collect(),
            });
            plans.push((departure, *channel));
        }
    }
    let import = ManifestImport {
        warnings: Default::default(),
        format: "demo".to_string(),
        file_name: "synthetic-history.json".to_string(),
        digest: format!("synthetic-history-{seed}-{}", now.timestamp_micros()),
        actor: "demo".to_string(),
        sent_at: None,
        flights: lists,
    };
    let imported = store
        .import_manifest(&import, now - Duration::days(DAYS + 1))
        .await?;
    for (flight, (departure, channel)) in imported.flights.iter().zip(plans) {
        history.flights += 1;
        let mut passengers = store.passengers(flight.flight_id).await?;
        passengers.sort_by(|a, b| a.details.pax_key.cmp(&b.details.pax_key));
        let station = store
            .flight(flight.flight_id)
            .await?
            .map(|f| f.key.origin.to_string())
            .unwrap_or_default();
        for (i, passenger) in passengers.iter().enumerate() {
            let person_id = persons[rng.random_range(0..persons.len())];
            let boarded = departure - Duration::minutes(35 - i as i64 * 3);
            // One in six waits for review, now and then one is rejected or confirmed by staff.
            let (decision, decided_by) = match rng.random_range(0..12) {
                0 => (LinkDecision::Review, "matcher"),
                1 => (LinkDecision::Rejected, "staff:advisor-es"),
                2 => (LinkDecision::Linked, "staff:advisor-en"),
                _ => (LinkDecision::Linked, "matcher"),
            };
            store
                .upsert_link(&IdentityLink {
                    passenger_id: passenger.id,
                    person_id,
                    decision,
                    score: if decided_by == "matcher" { 0.97 } else { 0.8 },
                    reasons: vec!["synthetic history".to_string()],
                    decided_by: decided_by.to_string(),
                    updated_at: boarded - Duration::hours(3),
                })
                .await?;
            store
                .set_boarding_state(passenger.id, BoardingState::Boarded, None, "demo", boarded)
                .await?;
            if decision != LinkDecision::Linked {
                continue;
            }
            let created = boarded + Duration::seconds(rng.random_range(2..90));
            let Some(task) = store
                .create_task(
                    &NewTask {
                        flight_id: flight.flight_id,
                        passenger_id: passenger.id,
                        person_id,
                        rule_id: match channel {
                            Channel::Social => "checkin-over-social",
                            _ => "checkin-at-gate",
                        }
                        .to_string(),
                        channel,
                        station: station.clone(),
                        gate: None,
                        priority: 1,
                        due_at: created
                            + Duration::minutes(if channel == Channel::Social { 180 } else { 20 }),
                        expires_at: created + Duration::hours(6),
                        brief: "Synthetic history".to_string(),
                        why: vec!["synthetic history".to_string()],
                    },
                    created,
                )
                .await?
            else {
                continue;
            };
            history.tasks += 1;
            let (to, outcome, after) = ending(&mut rng, channel);
            store
                .transition_task(&TaskTransition {
                    task_id: task.id,
                    from: vec![TaskState::Open],
                    to,
                    actor: "demo".to_string(),
                    assignee: None,
                    outcome,
                    note: None,
                    at: created + Duration::minutes(after),
                })
                .await?;
        }
    }
    Ok(history)
}
