//! Four weeks of synthetic history before the demo's day, so that every report has something to show:
//! past flights (IB9000–IB9999, their files named `synthetic-history-…`, their passengers named
//! SYNTHETIC), passengers boarded and linked to the demo's registry persons, and follow-ups that ended
//! the ways follow-ups end, at seeded times. Before that, months of the holdout's decisions for flights
//! retention has purged since, and a later registry export with the cases and activity that followed, so
//! that the uplift report can compare. It is labelled synthetic wherever it shows: flight numbers, file
//! names, passenger names, case references and the demo's banner.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::domain::records::{
    ComplaintCase, FlightList, HoldoutAssignment, HoldoutRecord, IdentityLink, ListMode,
    ManifestImport, MovementTimes, NewFlight, NewPassenger, NewTask, PersonRecord, TaskTransition,
};
use crate::domain::{
    BoardingState, CarrierCode, CaseStatus, Channel, Cohort, FlightKey, FlightNumber, FlightStatus,
    Iata, LinkDecision, TaskOutcome, TaskState, TravellerClass,
};
use crate::store::{Store, StoreError};
use crate::tasks::HoldoutPolicy;
use crate::tasks::holdout;

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

/// The holdout's history: decisions from this many days back…
pub const UPLIFT_FROM_DAYS: i64 = 120;
/// …to this many…
const UPLIFT_TO_DAYS: i64 = 31;
/// …for this many synthetic persons of its own…
const UPLIFT_PERSONS: usize = 600;
/// …of whom this share is held out (the default is 5%): enough to compare.
pub const UPLIFT_FRACTION: f64 = 0.2;

/// What the history holds, for the banner.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    pub flights: usize,
    pub tasks: usize,
    /// The holdout's decisions, and how many of them held the person out.
    pub decisions: usize,
    pub held_out: usize,
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
                    reasons: vec![crate::matching::Reason::Written {
                        text: "synthetic history".to_string(),
                    }],
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
                        briefs: Default::default(),
                        why: vec!["synthetic history".to_string()],
                        holdout: None,
                    },
                    created,
                )
                .await?
            else {
                continue;
            };
            history.tasks += 1;
            let (to, outcome, after) = ending(&mut rng, channel);
            // Somebody took it on first ("I'm going", an advisor's claim) when it ended done.
            if to == TaskState::Done {
                store
                    .transition_task(&TaskTransition {
                        task_id: task.id,
                        from: vec![TaskState::Open],
                        to: TaskState::Claimed,
                        actor: "demo".to_string(),
                        assignee: Some("demo".to_string()),
                        outcome: None,
                        note: None,
                        at: created + Duration::seconds(after * 60 / rng.random_range(2..6)),
                    })
                    .await?;
            }
            store
                .transition_task(&TaskTransition {
                    task_id: task.id,
                    from: vec![TaskState::Open, TaskState::Claimed],
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

/// Writes the holdout's decisions for synthetic flights 31 to 120 days back (purged since: only the
/// decisions are left) for synthetic registry persons of their own (`SYNTHETIC-UPLIFT-…`), each followed
/// up at most once a month as the cool-down allows, drawn as the engine draws them but with a fifth held
/// out, so that both groups are large enough to compare. Then a registry export as of `now` carries the
/// cases opened and the activity seen since: a little more of both among the held out.
pub async fn seed_uplift(
    store: &dyn Store,
    seed: u64,
    configured: &HoldoutPolicy,
    now: DateTime<Utc>,
    history: &mut History,
) -> Result<(), StoreError> {
    if !configured.is_on() {
        return Ok(());
    }
    let policy = HoldoutPolicy {
        fraction: UPLIFT_FRACTION,
        ..configured.clone()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0000_5550_4c49_4654);
    let mut records: Vec<PersonRecord> = (0..UPLIFT_PERSONS)
        .map(|n| {
            let mut record = super::registry_person(
                &mut rng,
                &format!("SYNTHETIC-UPLIFT-{n:04}"),
                None,
                now - Duration::days(UPLIFT_FROM_DAYS + 200),
            );
            // Complained before, and nothing open: nobody is exempt.
            record.cases.retain(|c| c.status == CaseStatus::Resolved);
            record
        })
        .collect();
    let keyed: Vec<_> = records
        .iter()
        .cloned()
        .map(crate::app::matching::keyed)
        .collect();
    let first_seen = now - Duration::days(UPLIFT_FROM_DAYS + 1);
    let ids = store.upsert_persons(&keyed, "demo", first_seen).await?;
    let mut ever_held_out = vec![false; records.len()];
    let mut cases = 0;
    for (k, person_id) in ids.iter().enumerate() {
        let mut day = UPLIFT_FROM_DAYS - rng.random_range(0..30);
        while day >= UPLIFT_TO_DAYS {
            let (station, _, channel) = STATIONS[rng.random_range(0..STATIONS.len())];
            let decided_at =
                now - Duration::days(day) + Duration::minutes(rng.random_range(-300..300));
            day -= rng.random_range(31..60);
            let period = holdout::period_of(decided_at, policy.period_days);
            let Some(cohort) = holdout::assign(&policy, *person_id, false, period) else {
                continue;
            };
            let recorded = store
                .record_holdout(&HoldoutRecord {
                    flight_id: Uuid::now_v7(),
                    person_id: *person_id,
                    station: station.to_string(),
                    rule_id: match channel {
                        Channel::Social => "checkin-over-social",
                        _ => "checkin-at-gate",
                    }
                    .to_string(),
                    channel,
                    assignment: HoldoutAssignment {
                        cohort,
                        period,
                        flight_date: decided_at.date_naive(),
                    },
                    decided_at,
                })
                .await?;
            if !recorded {
                continue;
            }
            history.decisions += 1;
            let held_out = cohort == Cohort::HeldOut;
            if held_out {
                history.held_out += 1;
                ever_held_out[k] = true;
            }
            // A new complaint within the month: one in five held out, one in eight followed up.
            if rng.random_range(0..1000) < if held_out { 200 } else { 125 } {
                let opened_at = decided_at + Duration::hours(rng.random_range(24..29 * 24));
                if opened_at < now {
                    cases += 1;
                    records[k].cases.push(ComplaintCase {
                        external_ref: format!("SYNTHETIC-UPLIFT-CASE-{cases}"),
                        opened_at,
                        resolved_at: Some(opened_at + Duration::days(3)),
                        channel: "social".to_string(),
                        category: "synthetic".to_string(),
                        severity: 2,
                        summary: "Synthetic case for the uplift report".to_string(),
                        status: CaseStatus::Resolved,
                        source_url: None,
                    });
                }
            }
        }
    }
    // The registry's export as of today: those held out talk about the airline a little more often.
    for (record, held_out) in records.iter_mut().zip(ever_held_out) {
        let active = rng.random_range(0..100) < if held_out { 65 } else { 50 };
        if let Some(account) = record.accounts.first_mut() {
            account.activity_30d = if active { rng.random_range(1..40) } else { 0 };
        }
    }
    let keyed: Vec<_> = records
        .into_iter()
        .map(crate::app::matching::keyed)
        .collect();
    store.upsert_persons(&keyed, "demo", now).await?;
    Ok(())
}
