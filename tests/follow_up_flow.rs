//! From boarding to a follow-up and through the flight's clock, on both backends: the engine with the
//! shipped rules, a real database, the identity link already decided.

mod common;

use std::sync::Arc;

use aboard::app::{Engine, FlightEvent};
use aboard::clock;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{
    CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network,
    TaskState, TravellerClass,
};
use aboard::store::Store;
use chrono::{Duration, NaiveTime};
use common::TestDb;

fn pax(key: &str, surname: &str, given: &str, seat: &str) -> NewPassenger {
    NewPassenger {
        pax_key: format!("X7K2QM/{key}"),
        surname: surname.to_string(),
        given_name: given.to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some("X7K2QM".to_string()),
        seat: Some(seat.to_string()),
        cabin_class: Some("Y".to_string()),
        destination: Some("MEX".to_string()),
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

fn complainant(external_id: &str, open: bool) -> PersonRecord {
    let at = clock::now() - Duration::days(40);
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: "María José García-Peña".to_string(),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: "@mjgarcia".to_string(),
            network_user_id: Some("1".to_string()),
            followers: 48_000,
            activity_30d: 61,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: format!("CS-{external_id}"),
            opened_at: at,
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 4,
            summary: "Suitcase arrived two days late".to_string(),
            status: if open {
                CaseStatus::Open
            } else {
                CaseStatus::Resolved
            },
            source_url: None,
        }],
        consents: vec![],
    }
}

async fn story(store: Arc<dyn Store>) {
    let now = clock::now();
    let departure = now + Duration::minutes(40);
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(departure),
            ..Default::default()
        },
        arrival: MovementTimes {
            scheduled: Some(departure + Duration::minutes(740)),
            ..Default::default()
        },
        gate: Some("S24".to_string()),
        status: FlightStatus::Boarding,
    };
    let passengers = vec![
        pax("X7K2QM-1", "GARCIAPENA", "MARIAJOSE", "12C"),
        pax("X7K2QM-2", "LOPEZ", "ANA", "30F"),
    ];
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "IB6401.csv".to_string(),
        digest: "d1".to_string(),
        actor: "ops".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers,
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let stored = store.passengers(flight_id).await.unwrap();
    let maria = stored
        .iter()
        .find(|p| p.details.given_name == "MARIAJOSE")
        .unwrap()
        .id;
    let ana = stored
        .iter()
        .find(|p| p.details.given_name == "ANA")
        .unwrap()
        .id;
    let person = store
        .upsert_person(&complainant("SC-1", true), "import", now)
        .await
        .unwrap();
    let other = store
        .upsert_person(&complainant("SC-2", false), "import", now)
        .await
        .unwrap();
    for (passenger_id, person_id, decision) in [
        (maria, person.id, LinkDecision::Linked),
        (ana, other.id, LinkDecision::Review),
    ] {
        store
            .upsert_link(&IdentityLink {
                passenger_id,
                person_id,
                decision,
                score: 0.99,
                reasons: vec![],
                decided_by: "matcher".to_string(),
                updated_at: now,
            })
            .await
            .unwrap();
    }
    store
        .upsert_station(
            &Station {
                iata: Iata::parse("MAD").unwrap(),
                staffed: true,
                shift_start: NaiveTime::from_hms_opt(0, 0, 0),
                shift_end: NaiveTime::from_hms_opt(23, 59, 0),
            },
            "test",
            aboard::clock::now(),
        )
        .await
        .unwrap();
    let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let engine = Engine::new(store.clone(), rules, common::policy());

    // María José boards: one gate task, whatever the number of scans.
    let first = engine
        .passenger_boarded(maria, "gate:MAD:S24", now)
        .await
        .unwrap();
    assert_eq!(first.created.len(), 1, "{first:?}");
    let task = &first.created[0];
    assert_eq!(
        (
            task.new.channel,
            task.new.priority,
            task.new.rule_id.as_str()
        ),
        (Channel::Gate, 4, "checkin-at-gate")
    );
    let again = engine
        .passenger_boarded(maria, "gate:MAD:S24", now)
        .await
        .unwrap();
    assert!(again.created.is_empty());
    // Ana is only a review candidate: no task reaches staff for her.
    assert!(
        engine
            .passenger_boarded(ana, "gate:MAD:S24", now)
            .await
            .unwrap()
            .created
            .is_empty()
    );

    // A 45-minute delay moves the gate task's deadlines.
    let delayed = engine
        .flight_event(
            flight_id,
            &FlightEvent::Estimated {
                departure: Some(departure + Duration::minutes(45)),
                arrival: None,
            },
            "status",
            now,
        )
        .await
        .unwrap();
    assert!(
        delayed.created.is_empty(),
        "the cool-down holds after the check-in: {delayed:?}"
    );
    let moved = store.task(task.id).await.unwrap().unwrap();
    assert_eq!(moved.new.due_at, task.new.due_at + Duration::minutes(45));
    assert_eq!(
        moved.new.expires_at,
        task.new.expires_at + Duration::minutes(45)
    );

    // The gate closes before anyone got to her: the task expires with the reason.
    engine
        .flight_event(flight_id, &FlightEvent::GateClosed { at: now }, "dcs", now)
        .await
        .unwrap();
    let expired = store.task(task.id).await.unwrap().unwrap();
    assert_eq!(
        (expired.state, expired.cancel_reason.as_deref()),
        (TaskState::Expired, Some("the gate closed"))
    );
    let flight = store.flight(flight_id).await.unwrap().unwrap();
    assert_eq!(
        (flight.status, flight.gate_closed_at),
        (FlightStatus::GateClosed, Some(now))
    );
}

#[tokio::test]
async fn boarding_creates_one_follow_up_that_moves_with_the_flight() {
    for db in TestDb::each().await {
        story(db.store.clone()).await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_cancelled_flight_or_an_offload_cancels_the_follow_up_with_the_reason() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let now = clock::now();
        let departure = now + Duration::minutes(40);
        let flight = NewFlight {
            key: FlightKey {
                flight: FlightNumber::parse("IB3170").unwrap(),
                local_date: now.date_naive(),
                origin: Iata::parse("MAD").unwrap(),
            },
            destination: Some(Iata::parse("BCN").unwrap()),
            departure: MovementTimes {
                scheduled: Some(departure),
                ..Default::default()
            },
            arrival: MovementTimes {
                scheduled: Some(departure + Duration::minutes(80)),
                ..Default::default()
            },
            gate: Some("J50".to_string()),
            status: FlightStatus::Boarding,
        };
        let import = ManifestImport {
            warnings: Default::default(),
            format: "csv".to_string(),
            file_name: "IB3170.csv".to_string(),
            digest: "d2".to_string(),
            actor: "ops".to_string(),
            sent_at: None,
            flights: vec![FlightList {
                flight,
                mode: ListMode::Merge,
                passengers: vec![
                    pax("Q1-1", "GARCIAPENA", "MARIAJOSE", "3A"),
                    pax("Q2-1", "SMITH", "JOHN", "4A"),
                ],
            }],
        };
        let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
        let stored = store.passengers(flight_id).await.unwrap();
        store
            .upsert_station(
                &Station {
                    iata: Iata::parse("MAD").unwrap(),
                    staffed: true,
                    shift_start: None,
                    shift_end: None,
                },
                "test",
                aboard::clock::now(),
            )
            .await
            .unwrap();
        let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
        let engine = Engine::new(store.clone(), rules, common::policy());
        let mut tasks = Vec::new();
        for (n, passenger) in stored.iter().enumerate() {
            let person = store
                .upsert_person(&complainant(&format!("SC-C{n}"), true), "import", now)
                .await
                .unwrap();
            store
                .upsert_link(&IdentityLink {
                    passenger_id: passenger.id,
                    person_id: person.id,
                    decision: LinkDecision::Linked,
                    score: 1.0,
                    reasons: vec![],
                    decided_by: "staff:eva".to_string(),
                    updated_at: now,
                })
                .await
                .unwrap();
            tasks.push(
                engine
                    .passenger_boarded(passenger.id, "gate", now)
                    .await
                    .unwrap()
                    .created
                    .remove(0),
            );
        }
        let cancelled = engine
            .passenger_offloaded(stored[0].id, "refused to board", "gate", now)
            .await
            .unwrap();
        assert_eq!(cancelled, vec![tasks[0].id]);
        assert_eq!(
            store
                .task(tasks[0].id)
                .await
                .unwrap()
                .unwrap()
                .cancel_reason
                .as_deref(),
            Some("offloaded: refused to board")
        );
        engine
            .flight_event(
                flight_id,
                &FlightEvent::Cancelled {
                    reason: Some("technical".to_string()),
                },
                "ops",
                now,
            )
            .await
            .unwrap();
        let second = store.task(tasks[1].id).await.unwrap().unwrap();
        assert_eq!(
            (second.state, second.cancel_reason.as_deref()),
            (TaskState::Cancelled, Some("flight cancelled: technical"))
        );
        db.finish().await;
    }
}

/// The field report: a manifest carries no times, and a boarded complainant on such a flight got no task.
#[tokio::test]
async fn a_boarded_complainant_on_a_flight_without_times_gets_the_task_with_the_default_said() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let now = clock::now();
        let csv = format!(
            "flight,date,origin,destination,surname,given,title,locator,seat\n\
             IB3166,{date},LIS,MAD,GARCIAPENA,MARIAJOSE,MRS,X7K2QM,12C\n",
            date = now.format("%Y-%m-%d")
        );
        let summary = aboard::app::import::import_manifest_file(
            store.as_ref(),
            None,
            "IB3166.csv",
            csv.as_bytes(),
            aboard::manifest::Reading::default(),
            "ops",
            now,
        )
        .await
        .unwrap();
        let flight_id = summary.flights[0].flight_id;
        let flight = store.flight(flight_id).await.unwrap().unwrap();
        assert_eq!(
            flight.departure.best(),
            None,
            "a CSV without times sets none"
        );
        let passenger = store.passengers(flight_id).await.unwrap().remove(0);
        // No writable network and no staff at LIS: the cabin crew, due 30 min after departure.
        let mut record = complainant("SC-T1", true);
        record.accounts[0].opted_in = false;
        let person = store.upsert_person(&record, "import", now).await.unwrap();
        store
            .upsert_link(&IdentityLink {
                passenger_id: passenger.id,
                person_id: person.id,
                decision: LinkDecision::Linked,
                score: 1.0,
                reasons: vec![],
                decided_by: "matcher".to_string(),
                updated_at: now,
            })
            .await
            .unwrap();
        let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
        let policy = common::policy();
        let engine = Engine::new(store.clone(), rules, policy.clone());
        let boarded = engine
            .passenger_boarded(passenger.id, "gate:LIS", now)
            .await
            .unwrap();
        assert!(boarded.problems.is_empty(), "{:?}", boarded.problems);
        assert_eq!(boarded.created.len(), 1, "{boarded:?}");
        let task = store.task(boarded.created[0].id).await.unwrap().unwrap();
        let departure = now + Duration::minutes(policy.unknown_departure_minutes);
        assert_eq!(
            (task.new.channel, task.new.rule_id.as_str()),
            (Channel::Cabin, "checkin-in-cabin")
        );
        assert_eq!(task.new.due_at, departure + Duration::minutes(30));
        assert_eq!(
            task.new.expires_at,
            departure + Duration::minutes(policy.unknown_block_minutes)
        );
        assert!(
            task.new.brief.contains("Flight time unknown"),
            "{}",
            task.new.brief
        );
        assert!(
            task.new
                .why
                .iter()
                .any(|w| w.contains("IB3166") && w.contains("no known departure time")),
            "{:?}",
            task.new.why
        );
        db.finish().await;
    }
}
