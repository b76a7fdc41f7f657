//! A social task made the way production makes one: a manifest imported, a registry person with a
//! writable account linked to a passenger, the origin station unstaffed, and the engine told the
//! passenger boarded.

use std::sync::Arc;

use aboard::app::Engine;
use aboard::clock;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, PersonRecord, SocialAccount, Station, Task,
};
use aboard::domain::{
    CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network,
    TravellerClass,
};
use aboard::store::Store;
use aboard::tasks::ContactPolicy;
use chrono::{Duration, NaiveTime};

/// An X account that follows the airline and opted in: writable with free text.
pub fn x_account(user_id: &str) -> SocialAccount {
    SocialAccount {
        network: Network::X,
        handle: format!("@user{user_id}"),
        network_user_id: Some(user_id.to_string()),
        followers: 25_000,
        activity_30d: 40,
        follows_airline: true,
        accepts_dms: false,
        opted_in: true,
        last_inbound_at: None,
    }
}

pub fn person(
    external_id: &str,
    name: &str,
    language: &str,
    accounts: Vec<SocialAccount>,
) -> PersonRecord {
    let now = clock::now();
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: name.to_string(),
        language: Some(language.to_string()),
        country: None,
        date_of_birth: None,
        identifiers: vec![],
        accounts,
        cases: vec![
            ComplaintCase {
                external_ref: format!("CS-{external_id}-1"),
                opened_at: now - Duration::days(200),
                resolved_at: Some(now - Duration::days(190)),
                channel: "x".to_string(),
                category: "delay".to_string(),
                severity: 2,
                summary: "Missed a connection after a long delay".to_string(),
                status: CaseStatus::Resolved,
                source_url: None,
            },
            ComplaintCase {
                external_ref: format!("CS-{external_id}-2"),
                opened_at: now - Duration::days(20),
                resolved_at: None,
                channel: "x".to_string(),
                category: "baggage".to_string(),
                severity: 4,
                summary: "Suitcase arrived two days late".to_string(),
                status: CaseStatus::Open,
                source_url: None,
            },
        ],
        consents: vec![],
    }
}

pub fn passenger(key: &str, surname: &str) -> NewPassenger {
    NewPassenger {
        pax_key: format!("Q7K2QM/{key}"),
        surname: surname.to_string(),
        given_name: "ANA".to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some("Q7K2QM".to_string()),
        seat: Some("14C".to_string()),
        cabin_class: Some("Y".to_string()),
        destination: Some("MAD".to_string()),
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

/// Creates the social task for `record` on its own flight `number` (e.g. 5101) from unstaffed AGP.
pub async fn social_task(store: Arc<dyn Store>, number: u16, record: &PersonRecord) -> Task {
    let now = clock::now();
    let departure = now + Duration::minutes(40);
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(&format!("IB{number}")).unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse("AGP").unwrap(),
        },
        destination: Some(Iata::parse("MAD").unwrap()),
        departure: MovementTimes {
            scheduled: Some(departure),
            ..Default::default()
        },
        arrival: MovementTimes {
            scheduled: Some(departure + Duration::minutes(80)),
            ..Default::default()
        },
        gate: Some("B12".to_string()),
        status: FlightStatus::Boarding,
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("IB{number}.csv"),
        digest: format!("digest-{number}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers: vec![passenger(&format!("Q7K2QM-{number}"), "GARCIA")],
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let passenger_id = store.passengers(flight_id).await.unwrap()[0].id;
    let person = store.upsert_person(record, "test", now).await.unwrap();
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id: person.id,
            decision: LinkDecision::Linked,
            score: 0.99,
            reasons: vec![],
            decided_by: "matcher".to_string(),
            updated_at: now,
        })
        .await
        .unwrap();
    store
        .upsert_station(
            &Station {
                iata: Iata::parse("AGP").unwrap(),
                staffed: false,
                shift_start: None,
                shift_end: None,
            },
            "test",
            aboard::clock::now(),
        )
        .await
        .unwrap();
    let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    // No quiet night, so that the task is social whatever the hour the test runs.
    let policy = ContactPolicy {
        night_starts: NaiveTime::MIN,
        night_ends: NaiveTime::MIN,
        ..super::policy()
    };
    let engine = Engine::new(store.clone(), rules, policy);
    let follow_up = engine
        .passenger_boarded(passenger_id, "test", now)
        .await
        .unwrap();
    follow_up
        .created
        .into_iter()
        .find(|t| t.new.channel == Channel::Social)
        .unwrap_or_else(|| panic!("no social task was created for {}", record.external_id))
}
