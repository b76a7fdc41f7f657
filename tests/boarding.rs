//! Boarding sources end to end on both backends: gate scans over HTTP (matched, repeated, unmatched,
//! ambiguous by booking, invalid, scoped to the gate's station), boarded lists and flight events from the
//! command line and the API, and `aboard bcbp decode` on a peer vector.
//!
//! The peer vector below comes from martinmroz/iata_bcbp (https://github.com/martinmroz/iata_bcbp @
//! f4b4c8199a61ced8a00d6b659b3d2d881ee94149, tests/iata_792_b.rs), MIT licence,
//! Copyright (c) 2018 Martin Mroz; via ../shared/peer-data/bcbp/vectors.json.

mod common;

use std::process::Command;

use aboard::clock;
use aboard::demo::driver::boarding_pass_text;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{
    BoardingState, CaseStatus, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network,
    Role, TravellerClass,
};
use aboard::store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{TestApp, TestDb};
use serde_json::{Value, json};
use uuid::Uuid;

const PEER_PASS: &str = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100^164GIWVC5EH7JNT684FVNJ91W2QA4DVN5J8K4F0L0GEQ3DF5TGBN8709HKT5D3DW3GBHFCVHMY7J5T6HFR41W2QA4DVN5J8K4F0L0GE";
/// A pass whose date of flight cannot be read: refused whole.
const UNREADABLE_DATE: &str = "M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 3X6J001A0025 100";

fn aboard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aboard"))
}

fn pax(locator: &str, surname: &str, given: &str, seat: &str, sequence: i32) -> NewPassenger {
    NewPassenger {
        pax_key: format!("{locator}/{given}"),
        surname: surname.to_string(),
        given_name: given.to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some(locator.to_string()),
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
        checkin_sequence: Some(sequence),
        service_codes: vec![],
    }
}

fn complainant(external_id: &str) -> PersonRecord {
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: "María José García-Peña".to_string(),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: format!("@{external_id}"),
            network_user_id: Some(external_id.to_string()),
            followers: 48_000,
            activity_30d: 61,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: format!("CS-{external_id}"),
            opened_at: clock::now() - Duration::days(40),
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 4,
            summary: "Suitcase arrived two days late".to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    }
}

/// The flight of the story and its passengers: a mother and her son on one booking (both registry
/// persons), and a stranger on another.
struct Day {
    key: FlightKey,
    mex: Iata,
    passengers: Vec<NewPassenger>,
    ids: Vec<Uuid>,
}

async fn day(store: &dyn Store) -> Day {
    let now = clock::now();
    let mad = Iata::parse("MAD").unwrap();
    let local_date = aboard::airports::lookup(&mad)
        .unwrap()
        .to_local(now)
        .date_naive();
    let key = FlightKey {
        flight: FlightNumber::parse("IB6401").unwrap(),
        local_date,
        origin: mad.clone(),
    };
    let departure = now + Duration::minutes(30);
    let passengers = vec![
        pax("X7K2QM", "GARCIAPENA", "MARIAJOSE", "12C", 41),
        pax("X7K2QM", "GARCIAPENA", "PABLO", "12D", 42),
        pax("Q9W8E7", "LOPEZ", "ANA", "30F", 43),
    ];
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "IB6401.csv".to_string(),
        digest: "boarding-story".to_string(),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: key.clone(),
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
            },
            mode: ListMode::Merge,
            passengers: passengers.clone(),
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let stored = store.passengers(flight_id).await.unwrap();
    let ids: Vec<Uuid> = passengers
        .iter()
        .map(|p| {
            stored
                .iter()
                .find(|s| s.details.pax_key == p.pax_key)
                .unwrap()
                .id
        })
        .collect();
    for (n, passenger_id) in ids.iter().take(2).enumerate() {
        let person = store
            .upsert_person(&complainant(&format!("SC-{n}")), "test", now)
            .await
            .unwrap();
        store
            .upsert_link(&IdentityLink {
                passenger_id: *passenger_id,
                person_id: person.id,
                decision: LinkDecision::Linked,
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
                iata: mad,
                staffed: true,
                shift_start: None,
                shift_end: None,
            },
            "test",
            aboard::clock::now(),
        )
        .await
        .unwrap();
    Day {
        key,
        mex: Iata::parse("MEX").unwrap(),
        passengers,
        ids,
    }
}

fn scan(raw: &str, station: &str, at: DateTime<Utc>) -> Value {
    json!({"raw": raw, "station": station, "gate": "S24", "reader_id": "MAD-S24-1", "scanned_at": at})
}

async fn post_scans(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/boarding-scans"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The conditional data an issuer writes after the mandatory fields (version 6): the unique part (source,
/// date of issue 6045, issuer SN, no bag tag; size 18) and the repeated part (document, SN frequent flyer,
/// 20K, no fast track; size 2A). 72 characters: the leg's variable part is 48.
fn conditional_data() -> String {
    let unique = format!("1WW6045BSN {}", " ".repeat(13));
    let repeated = "0820123456789 1SN SN 1234567890123    20KN";
    assert_eq!((unique.len(), repeated.len()), (0x18, 0x2A));
    format!(">618{unique}2A{repeated}")
}

/// Replaces the characters at `at` of a standard-layout pass.
fn put_at(pass: &str, at: usize, text: &str) -> String {
    format!("{}{text}{}", &pass[..at], &pass[at + text.len()..])
}

/// Passes that deviate from Resolution 792 as issued passes do (the field report of issue 17: a space-padded
/// day of the year, a pass that ends after its compartment code or seat, a conditional section whose size
/// says 00 over data; and their neighbours), each scanned at the gate of a flight on day 045: every one
/// finds its passenger and boards them, and the scan says how the pass deviated. A pass whose date cannot be
/// read is refused saying which field and why; one without a booking reference boards nobody, saying so.
#[tokio::test]
async fn passes_that_deviate_as_issued_ones_do_find_and_board_their_passenger() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let mad = Iata::parse("MAD").unwrap();
        let bru = Iata::parse("BRU").unwrap();
        let key = FlightKey {
            flight: FlightNumber::parse("SN372").unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 2, 14).unwrap(),
            origin: mad.clone(),
        };
        let departure: DateTime<Utc> = "2026-02-14T09:40:00Z".parse().unwrap();
        let scanned_at = departure - Duration::minutes(25);
        let passengers = vec![
            pax("DAYPAD", "PEETERS", "LIES", "3A", 1),
            pax("DAYEND", "JANSSENS", "TOM", "3B", 2),
            pax("CMPEND", "MAES", "SARA", "4A", 3),
            pax("FAMSEA", "WILLEMS", "AN", "5A", 4),
            pax("FAMSEA", "WILLEMS", "BRAM", "5B", 5),
            pax("SIZE00", "CLAES", "JOKE", "6A", 6),
            pax("UNIQ00", "GOOSSENS", "PIET", "6B", 7),
            pax("SIZEFF", "WOUTERS", "ELS", "7A", 8),
            pax("NUMPAD", "DE SMET", "KOEN", "12A", 41),
            pax("LOWERC", "DUBOIS", "MARIE", "8A", 9),
        ];
        let import = ManifestImport {
            warnings: Default::default(),
            format: "csv".to_string(),
            file_name: "SN372.csv".to_string(),
            digest: "deviating-passes".to_string(),
            actor: "test".to_string(),
            sent_at: None,
            flights: vec![FlightList {
                flight: NewFlight {
                    key: key.clone(),
                    destination: Some(bru.clone()),
                    departure: MovementTimes {
                        scheduled: Some(departure),
                        ..Default::default()
                    },
                    arrival: MovementTimes::default(),
                    gate: Some("S24".to_string()),
                    status: FlightStatus::Boarding,
                },
                mode: ListMode::Merge,
                passengers: passengers.clone(),
            }],
        };
        let flight_id = store
            .import_manifest(&import, scanned_at)
            .await
            .unwrap()
            .flights[0]
            .flight_id;
        let gate_mad = common::token(store, Role::Gate, &["MAD"], &[]).await;
        let app = TestApp::spawn(db.config()).await;

        let clean = |n: usize| boarding_pass_text(&passengers[n], &key, &bru).unwrap();
        assert_eq!(&clean(0)[44..47], "045", "the flight is on day 045");
        let cases: Vec<(String, &str, &str)> = vec![
            (
                put_at(&clean(0), 44, " 45"),
                "PEETERS/LIES",
                "the date of flight at position 44 is \" 45\" instead of the zero-padded \"045\"",
            ),
            (
                put_at(&clean(1), 44, "45 "),
                "JANSSENS/TOM",
                "the date of flight at position 44 is \"45 \" instead of the zero-padded \"045\"",
            ),
            (
                clean(2)[..48].to_string(),
                "MAES/SARA",
                "the pass ends at position 48, before the seat",
            ),
            (
                clean(4)[..52].to_string(),
                "WILLEMS/BRAM",
                "the pass ends at position 52, before the check-in sequence number",
            ),
            (
                format!("{}00{}", &clean(5)[..58], conditional_data()),
                "CLAES/JOKE",
                "the size of the variable part at position 58 says \"00\", 0 characters, but the part \
                 holds 72 characters",
            ),
            (
                format!(
                    "{}48{}",
                    &clean(6)[..58],
                    conditional_data().replacen(">618", ">600", 1)
                ),
                "GOOSSENS/PIET",
                "the size of the unique conditional part at position 62 says \"00\", 0 characters, but \
                 the part holds 24 characters",
            ),
            (
                format!("{}FF{}", &clean(7)[..58], conditional_data()),
                "WOUTERS/ELS",
                "the variable part at position 60 declares 255 characters but only 72 are there",
            ),
            (
                put_at(
                    &put_at(&put_at(&clean(8), 39, " 372 "), 48, " 12A"),
                    52,
                    "  41 ",
                ),
                "DE SMET/KOEN",
                "the flight number at position 39 is \" 372 \" instead of the zero-padded \"0372\"",
            ),
            (
                put_at(&clean(9), 23, "lowerc"),
                "DUBOIS/MARIE",
                "the booking reference (PNR) at position 23 is \"lowerc \", in lower case",
            ),
        ];
        for (raw, name, deviation) in &cases {
            let (status, body) = post_scans(&app, &gate_mad, &scan(raw, "MAD", scanned_at)).await;
            assert_eq!(status, 200, "{raw:?}: {body}");
            let report = &body["scans"][0];
            assert_eq!(report["outcome"], "matched", "{raw:?}: {body}");
            assert_eq!(report["passenger"]["name"], *name, "{raw:?}: {body}");
            let detail = report["detail"].as_str().unwrap();
            assert!(
                detail.contains("the pass deviates from Resolution 792")
                    && detail.contains(deviation),
                "{raw:?}: {detail}"
            );
        }
        let boarded: Vec<String> = store
            .passengers(flight_id)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.boarding_state == BoardingState::Boarded)
            .map(|p| format!("{}/{}", p.details.surname, p.details.given_name))
            .collect();
        let mut expected: Vec<&str> = cases.iter().map(|(_, name, _)| *name).collect();
        let mut boarded: Vec<&str> = boarded.iter().map(String::as_str).collect();
        expected.sort_unstable();
        boarded.sort_unstable();
        assert_eq!(boarded, expected);

        // A date that cannot be read is refused, saying which field and why.
        let unreadable_date = put_at(&clean(3), 44, "4X5");
        let (_, body) =
            post_scans(&app, &gate_mad, &scan(&unreadable_date, "MAD", scanned_at)).await;
        assert_eq!(body["scans"][0]["outcome"], "invalid", "{body}");
        assert_eq!(
            body["scans"][0]["detail"],
            "not a readable boarding pass: leg 1, date of flight at position 44: expected a day of the \
             year (001 to 366), found \"4X5\""
        );
        // A blank booking reference boards nobody, and says what the pass lacks.
        let no_booking = put_at(&clean(3), 23, "       ");
        let (_, body) = post_scans(&app, &gate_mad, &scan(&no_booking, "MAD", scanned_at)).await;
        assert_eq!(body["scans"][0]["outcome"], "unmatched", "{body}");
        assert_eq!(
            body["scans"][0]["detail"],
            "leg 1 leaving from MAD has no booking locator"
        );
        let willems_an = store.passengers(flight_id).await.unwrap();
        assert!(
            willems_an
                .iter()
                .filter(|p| p.details.given_name == "AN")
                .all(|p| p.boarding_state != BoardingState::Boarded)
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn gate_scans_board_passengers_once_and_keep_what_boards_nobody() {
    for db in TestDb::each().await {
        let day = day(db.store.as_ref()).await;
        let gate_mad = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let gate_bcn = common::token(db.store.as_ref(), Role::Gate, &["BCN"], &[]).await;
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let now = clock::now();
        let mother = boarding_pass_text(&day.passengers[0], &day.key, &day.mex).unwrap();

        // A registry person's pass: she boards and the gate gets a task.
        let (status, body) = post_scans(&app, &gate_mad, &scan(&mother, "MAD", now)).await;
        assert_eq!(status, 200, "{body}");
        let report = &body["scans"][0];
        assert_eq!(report["outcome"], "matched", "{body}");
        assert_eq!(report["passenger"]["name"], "GARCIAPENA/MARIAJOSE");
        assert_eq!(report["passenger"]["seat"], "12C");
        assert_eq!(
            report["tasks_created"].as_array().unwrap().len(),
            1,
            "{body}"
        );
        assert_eq!(report["tasks_created"][0]["channel"], "gate");
        let passenger = db.store.passenger(day.ids[0]).await.unwrap().unwrap();
        assert_eq!(passenger.boarding_state, BoardingState::Boarded);

        // The reader sends the same scan again: stored once, nothing new.
        let (_, again) = post_scans(&app, &gate_mad, &scan(&mother, "MAD", now)).await;
        assert_eq!(again["scans"][0]["repeated"], true, "{again}");
        assert_eq!(again["scans"][0]["scan_id"], report["scan_id"]);
        assert!(
            again["scans"][0]["tasks_created"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // A second read of her pass a minute later boards nobody twice either.
        let (_, later) = post_scans(
            &app,
            &gate_mad,
            &scan(&mother, "MAD", now + Duration::minutes(1)),
        )
        .await;
        assert_eq!(later["scans"][0]["outcome"], "matched");
        assert!(
            later["scans"][0]["tasks_created"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Her son shares her booking: the seat on his pass picks him, and he is a registry person too.
        // A batch, as a reader sends what it buffered, with a stranger's pass and a broken one.
        let son = boarding_pass_text(&day.passengers[1], &day.key, &day.mex).unwrap();
        let mut stranger = day.passengers[2].clone();
        stranger.locator = Some("ZZZ999".to_string());
        let stranger = boarding_pass_text(&stranger, &day.key, &day.mex).unwrap();
        let batch = json!({"scans": [
            scan(&son, "MAD", now),
            scan(&stranger, "MAD", now),
            scan(UNREADABLE_DATE, "MAD", now),
        ]});
        let (status, body) = post_scans(&app, &gate_mad, &batch).await;
        assert_eq!(status, 200, "{body}");
        let reports = body["scans"].as_array().unwrap();
        assert_eq!(reports[0]["outcome"], "matched", "{body}");
        assert_eq!(reports[0]["passenger"]["name"], "GARCIAPENA/PABLO");
        assert_eq!(reports[0]["tasks_created"].as_array().unwrap().len(), 1);
        assert_eq!(reports[1]["outcome"], "unmatched", "{body}");
        assert!(
            reports[1]["detail"]
                .as_str()
                .unwrap()
                .contains("no passenger of booking ZZZ999"),
            "{body}"
        );
        assert_eq!(reports[2]["outcome"], "invalid", "{body}");
        let invalid = reports[2]["detail"].as_str().unwrap();
        assert!(
            invalid.starts_with(
                "not a readable boarding pass: leg 1, date of flight at position 44: expected a day"
            ),
            "{invalid}"
        );

        // Ops find the unmatched scan, raw text and all.
        let listed: Value = app
            .get_as("/api/boarding-scans?outcome=unmatched", &ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["scan"]["raw"], stranger.as_str());
        assert_eq!(listed[0]["scan"]["outcome"], "unmatched");

        // A gate reader of Barcelona may not post a Madrid scan, nor list Madrid's scans.
        let (status, _) = post_scans(&app, &gate_bcn, &scan(&mother, "MAD", now)).await;
        assert_eq!(status, 403);
        let status = app
            .get_as("/api/boarding-scans?station=MAD", &gate_bcn)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403);
        let own: Value = app
            .get_as("/api/boarding-scans", &gate_bcn)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(own.as_array().unwrap().is_empty(), "{own}");
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_booking_whose_passengers_fit_equally_is_kept_as_ambiguous() {
    for db in TestDb::each().await {
        let day = day(db.store.as_ref()).await;
        let gate = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        // A pass for the booking with neither seat nor sequence, and only the family name.
        let mut family = day.passengers[0].clone();
        family.seat = None;
        family.checkin_sequence = None;
        family.given_name = String::new();
        let raw = boarding_pass_text(&family, &day.key, &day.mex).unwrap();
        let (_, body) = post_scans(&app, &gate, &scan(&raw, "MAD", clock::now())).await;
        let report = &body["scans"][0];
        assert_eq!(report["outcome"], "unmatched", "{body}");
        let stored = db
            .store
            .boarding_scans(&aboard::store::ScanFilter {
                outcomes: vec![],
                stations: vec!["MAD".to_string()],
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].scan.passenger_id.is_none());
        assert!(stored[0].scan.flight_id.is_some());
        // Two passengers of one booking named alike cannot be told apart: ambiguous, not a guess.
        let mut twin = day.passengers[0].clone();
        twin.pax_key = "X7K2QM/TWIN".to_string();
        twin.seat = Some("12E".to_string());
        twin.checkin_sequence = Some(44);
        let import = ManifestImport {
            warnings: Default::default(),
            format: "csv".to_string(),
            file_name: "twin.csv".to_string(),
            digest: "twin".to_string(),
            actor: "test".to_string(),
            sent_at: None,
            flights: vec![FlightList {
                flight: db
                    .store
                    .find_flight(&day.key)
                    .await
                    .unwrap()
                    .map(|f| aboard::domain::records::NewFlight {
                        key: f.key,
                        destination: f.destination,
                        departure: f.departure,
                        arrival: f.arrival,
                        gate: f.gate,
                        status: f.status,
                    })
                    .unwrap(),
                mode: ListMode::Merge,
                passengers: vec![twin],
            }],
        };
        db.store
            .import_manifest(&import, clock::now())
            .await
            .unwrap();
        let mut bare = day.passengers[0].clone();
        bare.seat = None;
        bare.checkin_sequence = None;
        let raw = boarding_pass_text(&bare, &day.key, &day.mex).unwrap();
        let (_, body) = post_scans(&app, &gate, &scan(&raw, "MAD", clock::now())).await;
        assert_eq!(body["scans"][0]["outcome"], "ambiguous", "{body}");
        assert!(
            body["scans"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("2 passengers of booking X7K2QM fit by name"),
            "{body}"
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn flight_events_arrive_over_the_api_for_ops_only() {
    for db in TestDb::each().await {
        let day = day(db.store.as_ref()).await;
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let body = json!({
            "flight": "IB6401",
            "date": day.key.local_date,
            "origin": "MAD",
            "event": {"event": "gate_closed", "at": clock::now()},
        });
        let refused = app
            .client
            .post(app.url("/api/flight-events"))
            .bearer_auth(&gate)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 403);
        let response = app
            .client
            .post(app.url("/api/flight-events"))
            .bearer_auth(&ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["event"], "gate_closed");
        let flight = db.store.find_flight(&day.key).await.unwrap().unwrap();
        assert_eq!(flight.status, FlightStatus::GateClosed);
        let unknown = app
            .client
            .post(app.url("/api/flight-events"))
            .bearer_auth(&ops)
            .json(
                &json!({"flight": "IB9999", "date": day.key.local_date, "origin": "MAD",
                "event": {"event": "departed", "at": clock::now()}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status().as_u16(), 404);
        app.stop().await;
        db.finish().await;
    }
}

fn run_cli(db: &TestDb, args: &[&str]) -> std::process::Output {
    aboard()
        .args(args)
        .env("ABOARD_DATABASE_URL", &db.url)
        .output()
        .unwrap()
}

#[tokio::test]
async fn boarded_lists_and_flight_events_from_the_command_line() {
    for db in TestDb::each().await {
        let day = day(db.store.as_ref()).await;
        let dir = tempfile::tempdir().unwrap();
        let date = day.key.local_date.to_string();
        let at = clock::now().to_rfc3339();
        let header = "flight,date,origin,locator,surname,given,seat,boarded_at\n";
        // One row names nobody: the whole list is refused, with the file and line.
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            format!(
                "{header}IB6401,{date},MAD,X7K2QM,GARCIAPENA,MARIAJOSE,12C,{at}\nIB6401,{date},MAD,X7K2QM,SMITH,JOHN,40A,{at}\n"
            ),
        )
        .unwrap();
        let output = run_cli(&db, &["boarded", "import", bad.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains("bad.csv:line 3: IB6401/"), "{stderr}");
        let mother = db.store.passenger(day.ids[0]).await.unwrap().unwrap();
        assert_eq!(mother.boarding_state, BoardingState::Expected);

        let good = dir.path().join("boarded.json");
        std::fs::write(
            &good,
            json!({"boarded": [
                {"flight": "IB6401", "date": date, "origin": "MAD", "locator": "X7K2QM",
                 "surname": "GARCIAPENA", "given": "PABLO", "seat": "12D", "boarded_at": at},
                {"flight": "IB6401", "date": date, "origin": "MAD", "locator": "Q9W8E7",
                 "surname": "LOPEZ", "given": "ANA", "seat": "30 F", "boarded_at": "at the gate",
                 "gate": "K84"},
            ]})
            .to_string(),
        )
        .unwrap();
        let output = run_cli(&db, &["boarded", "import", good.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // A seat or time that cannot be read, or a column aboard does not read, drops the value, not the row.
        assert!(
            stdout.contains("2 rows, 2 passengers newly boarded, 1 tasks created, 3 warnings"),
            "{stdout}"
        );
        for warned in [
            "boarded.json:2: gate: ",
            "boarded.json:2: seat: ",
            "boarded.json:2: boarded_at: ",
        ] {
            assert!(
                stdout.contains(&format!("warning: {}", dir.path().join(warned).display())),
                "{stdout}"
            );
        }
        let lopez = db.store.passenger(day.ids[2]).await.unwrap().unwrap();
        assert_eq!(lopez.boarding_state, BoardingState::Boarded);
        let son = db.store.passenger(day.ids[1]).await.unwrap().unwrap();
        assert_eq!(son.boarding_state, BoardingState::Boarded);

        let output = run_cli(&db, &["flight-event", "IB6401", &date, "MAD", "departed"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let flight = db.store.find_flight(&day.key).await.unwrap().unwrap();
        assert_eq!(flight.status, FlightStatus::Departed);
        let output = run_cli(&db, &["flight-event", "IB6401", &date, "MAD", "took_off"]);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("unknown event \"took_off\""));

        let output = run_cli(
            &db,
            &[
                "station",
                "set",
                "BCN",
                "--staffed",
                "--shift",
                "05:00-23:00",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bcn = db.store.station("BCN").await.unwrap().unwrap();
        assert!(bcn.staffed);
        assert_eq!(bcn.shift_start, chrono::NaiveTime::from_hms_opt(5, 0, 0));
        db.finish().await;
    }
}

#[test]
fn bcbp_decode_prints_a_peer_pass_as_json_and_refuses_a_broken_one() {
    let output = aboard()
        .args(["bcbp", "decode", PEER_PASS, "--date", "2026-11-22"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pass: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(pass["passenger_name"], "DESMARAIS/LUC");
    assert_eq!(pass["legs"][0]["flight"], "AC834");
    let expected = NaiveDate::from_yo_opt(2026, 326).unwrap().to_string();
    assert_eq!(pass["legs"][0]["flight_date"], expected.as_str());

    let mut child = aboard()
        .args(["bcbp", "decode", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{UNREADABLE_DATE}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "not a valid boarding pass: leg 1, date of flight at position 44: expected a day of the year"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn concurrent_readers_share_commits_and_board_each_passenger_once() {
    for db in TestDb::each().await {
        let day = day(db.store.as_ref()).await;
        let gate = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let app = std::sync::Arc::new(TestApp::spawn(db.config()).await);
        let now = clock::now();
        let mother = boarding_pass_text(&day.passengers[0], &day.key, &day.mex).unwrap();
        let son = boarding_pass_text(&day.passengers[1], &day.key, &day.mex).unwrap();
        // Twelve readers at once, each reading both passes at its own instant.
        let mut readers = Vec::new();
        for reader in 0..12 {
            let (app, gate) = (app.clone(), gate.clone());
            let at = now + Duration::seconds(reader);
            let body = json!({"scans": [scan(&mother, "MAD", at), scan(&son, "MAD", at)]});
            readers.push(tokio::spawn(
                async move { post_scans(&app, &gate, &body).await },
            ));
        }
        let mut tasks = 0;
        for reader in readers {
            let (status, body) = reader.await.unwrap();
            assert_eq!(status, 200, "{body}");
            for report in body["scans"].as_array().unwrap() {
                assert_eq!(report["outcome"], "matched", "{body}");
                assert_eq!(report["repeated"], false, "each reader's scan is its own");
                tasks += report["tasks_created"].as_array().unwrap().len();
            }
        }
        assert_eq!(
            tasks, 2,
            "one task each for the mother and her son, {}",
            db.url
        );
        let scans = db
            .store
            .boarding_scans(&aboard::store::ScanFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(scans.len(), 24, "every scan is kept");
        for id in [day.ids[0], day.ids[1]] {
            let boarded = db
                .store
                .events(&aboard::store::EventFilter {
                    subject_kind: Some("passenger".to_string()),
                    subject_id: Some(id.to_string()),
                    action_prefix: Some("passenger.boarding_state".to_string()),
                    limit: 100,
                })
                .await
                .unwrap();
            assert_eq!(boarded.len(), 1, "boarded once, logged once");
            let passenger = db.store.passenger(id).await.unwrap().unwrap();
            assert_eq!(passenger.boarding_state, BoardingState::Boarded);
            let at = passenger.boarded_at.unwrap();
            assert!(at >= now && at < now + Duration::seconds(12), "{at}");
        }
    }
}

/// Two instances on one PostgreSQL: a pass scanned at one reaches an open gate page served by the other
/// at once, through the database's NOTIFY rather than a poll (the page's periodic re-read is 5 s).
#[tokio::test]
async fn a_scan_on_one_instance_reaches_a_gate_page_open_on_another() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let day = day(db.store.as_ref()).await;
    let gate_mad = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
    let scanning = TestApp::spawn(db.config()).await;
    let showing = TestApp::spawn(db.config()).await;
    let mut page = showing
        .get_as("/gate/MAD/events", &gate_mad)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    // The stream's first event says where the list stands when it opens.
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), page.chunk())
        .await
        .expect("the opening event")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("event: tasks"));
    // Let the showing instance's listener start listening.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let mother = boarding_pass_text(&day.passengers[0], &day.key, &day.mex).unwrap();
    let sent = std::time::Instant::now();
    let (status, body) =
        post_scans(&scanning, &gate_mad, &scan(&mother, "MAD", clock::now())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["scans"][0]["tasks_created"][0]["channel"], "gate",
        "{body}"
    );
    let heard = loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(3), page.chunk())
            .await
            .expect("the other instance's page hears of the task well before its 5 s re-read")
            .unwrap()
            .unwrap();
        if String::from_utf8_lossy(&chunk).starts_with("event: tasks") {
            break sent.elapsed();
        }
    };
    assert!(
        heard < std::time::Duration::from_secs(1),
        "heard after {heard:?}"
    );
    let listed = showing
        .get_as("/api/tasks?station=MAD", &gate_mad)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("GARCIAPENA"), "{listed}");
    scanning.stop().await;
    showing.stop().await;
    db.finish().await;
}
