//! Flight lists stored but not yet screened by identity matching wait in the database, on both
//! backends: one screener at a time holds a flight, a list queued while it is held keeps waiting, a
//! claim dropped without finishing (a crash) lets go, and the scheduler's job and the service's start
//! screen what is left.

mod common;

use std::sync::Arc;

use aboard::app::registry::import_registry_file;
use aboard::app::screening::ScreenListsJob;
use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
};
use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, TravellerClass};
use aboard::scheduler::{Job, JobContext};
use aboard::store::Store;
use chrono::{DateTime, Utc};
use common::{TestApp, TestDb};
use uuid::Uuid;

const REGISTRY: &str = "record,external_id,display_name,emails,date_of_birth\n\
person,P-ANA,Ana Garcia Lopez,ana.garcia@example.es,1981-03-12\n";

fn key(number: &str, at: DateTime<Utc>) -> FlightKey {
    FlightKey {
        flight: FlightNumber::parse(number).unwrap(),
        local_date: at.date_naive(),
        origin: Iata::parse("MAD").unwrap(),
    }
}

fn ana() -> NewPassenger {
    NewPassenger {
        pax_key: "X7K2QM/GARCIALOPEZ/ANA/1".into(),
        surname: "GARCIALOPEZ".into(),
        given_name: "ANA".into(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some("X7K2QM".into()),
        seat: Some("12C".into()),
        cabin_class: None,
        destination: Some("BCN".into()),
        party_ref: None,
        frequent_flyer: None,
        email: Some("ana.garcia@example.es".into()),
        phone: None,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1981, 3, 12),
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: Vec::new(),
    }
}

/// Stores one list for the flight straight through the store: no import hook, so nothing screens it.
async fn store_list(store: &dyn Store, number: &str, digest: &str, at: DateTime<Utc>) -> Uuid {
    let flight = NewFlight {
        key: key(number, at),
        destination: Some(Iata::parse("BCN").unwrap()),
        departure: MovementTimes::default(),
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Scheduled,
    };
    let outcome = store
        .import_manifest(
            &ManifestImport {
                warnings: Default::default(),
                format: "csv".into(),
                file_name: format!("{number}.csv"),
                digest: digest.into(),
                actor: "test".into(),
                sent_at: None,
                flights: vec![FlightList {
                    flight,
                    mode: ListMode::Merge,
                    passengers: vec![ana()],
                }],
            },
            at,
        )
        .await
        .unwrap();
    outcome.flights[0].flight_id
}

async fn linked(store: &dyn Store, flight: Uuid) -> bool {
    store
        .links_for_flight(flight)
        .await
        .unwrap()
        .iter()
        .any(|l| l.decision == LinkDecision::Linked)
}

fn waiting(claim: &dyn aboard::store::ScreeningClaim) -> Vec<(Uuid, Vec<String>)> {
    claim
        .pending()
        .iter()
        .map(|p| (p.flight_id, p.import_digests.clone()))
        .collect()
}

#[tokio::test]
async fn one_screener_holds_a_flight_and_what_it_did_not_screen_keeps_waiting() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let at = clock::now();
        import_registry_file(store, "reg.csv", REGISTRY.as_bytes(), "test", at)
            .await
            .unwrap();
        let a = store_list(store, "IB6401", "a-1", at).await;
        let b = store_list(store, "IB6402", "b-1", at).await;

        let first = store.claim_screening(None, 10).await.unwrap();
        assert_eq!(
            waiting(first.as_ref()),
            [(a, vec!["a-1".to_string()]), (b, vec!["b-1".to_string()])]
        );
        let second = store.claim_screening(None, 10).await.unwrap();
        assert!(
            second.pending().is_empty(),
            "{:?}: another screener holds both flights",
            store.backend()
        );
        drop(second);
        // A new list for A arrives while A is being screened: it must wait for the next screening.
        store_list(store, "IB6401", "a-2", at).await;
        first.screened(&[a]).await.unwrap();

        let third = store.claim_screening(None, 10).await.unwrap();
        assert_eq!(
            waiting(third.as_ref()),
            [(b, vec!["b-1".to_string()]), (a, vec!["a-2".to_string()])],
            "{:?}: B was not screened and A's later list was queued after the claim",
            store.backend()
        );
        // A screener that stops without finishing (dropped, as a crash drops its connection) lets go.
        drop(third);
        assert!(!linked(store, a).await && !linked(store, b).await);

        let report = ScreenListsJob
            .run(&JobContext {
                store: db.store.clone(),
                tick: at,
                now: at,
                instance: "test".into(),
            })
            .await
            .unwrap();
        assert_eq!(report.detail, "2 waiting flight(s) screened");
        assert!(linked(store, a).await && linked(store, b).await);
        let rest = store.claim_screening(None, 10).await.unwrap();
        assert!(rest.pending().is_empty(), "{:?}", store.backend());
        drop(rest);
        db.finish().await;
    }
}

#[tokio::test]
async fn lists_an_earlier_run_left_unscreened_are_matched_when_the_service_starts() {
    for db in TestDb::each().await {
        let at = clock::now();
        import_registry_file(
            db.store.as_ref(),
            "reg.csv",
            REGISTRY.as_bytes(),
            "test",
            at,
        )
        .await
        .unwrap();
        let flight = store_list(db.store.as_ref(), "IB6401", "a-1", at).await;
        assert!(!linked(db.store.as_ref(), flight).await);
        let mut config = db.config();
        config.scheduler.enabled = false;
        let app = TestApp::spawn(config).await;
        let store: Arc<dyn Store> = db.store.clone();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !linked(store.as_ref(), flight).await {
            assert!(
                std::time::Instant::now() < deadline,
                "{:?}: the waiting list was not screened at start",
                store.backend()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        app.stop().await;
        db.finish().await;
    }
}
