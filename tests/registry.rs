//! The registry and identity matching through the service, on both backends: imports whole or nothing,
//! incremental matching after manifest and registry imports, remembered review decisions, erasure through
//! the CLI and the API, retention, and the offline matcher.

mod common;

use std::process::Command;

use aboard::app::matching::match_flight_now;
use aboard::app::registry::import_registry_file;
use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
};
use aboard::domain::{
    FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Role, TravellerClass,
};
use aboard::store::Store;
use chrono::Duration;
use common::{TestApp, TestDb, token};

const REGISTRY: &str = "record,external_id,display_name,emails,phones,loyalty,date_of_birth,case_ref,opened_at,status,severity\n\
person,P-MARIA,María José García-Peña,maria.garcia@example.es,+34 600 111 222,IB 12345678,1981-03-12,,,,\n\
case,P-MARIA,,,,,,CS-1,2026-10-01T10:00:00Z,open,4\n\
person,P-LUCIA,Lucía García-Peña,lucia@example.es,,,2012-06-01,,,,\n";

fn flight(at: chrono::DateTime<chrono::Utc>) -> NewFlight {
    NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
            local_date: at.date_naive(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(at + Duration::hours(2)),
            ..MovementTimes::default()
        },
        arrival: MovementTimes::default(),
        gate: Some("S24".into()),
        status: FlightStatus::Scheduled,
    }
}

fn passenger(
    key: &str,
    surname: &str,
    given: &str,
    ff: bool,
    class: TravellerClass,
) -> NewPassenger {
    NewPassenger {
        pax_key: format!("X7K2QM/{key}"),
        surname: surname.into(),
        given_name: given.into(),
        title: None,
        traveller_class: class,
        locator: Some("X7K2QM".into()),
        seat: None,
        cabin_class: None,
        destination: Some("MEX".into()),
        party_ref: None,
        frequent_flyer: ff.then(|| ("IB".to_string(), "12345678".to_string())),
        // The booking's contact: the mother's, on every passenger of the booking.
        email: Some("maria.garcia@example.es".into()),
        phone: Some("+34600111222".into()),
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: Vec::new(),
    }
}

async fn import_manifest(store: &dyn Store, at: chrono::DateTime<chrono::Utc>) -> uuid::Uuid {
    let f = flight(at);
    store
        .import_manifest(
            &ManifestImport {
                warnings: Default::default(),
                format: "csv".into(),
                file_name: "ib6401.csv".into(),
                digest: format!("d-{}", at.timestamp_micros()),
                actor: "test".into(),
                sent_at: Some(at),
                flights: vec![FlightList {
                    flight: f.clone(),
                    mode: ListMode::Replace,
                    passengers: vec![
                        passenger("1", "GARCIAPENA", "MARIAJOSE", true, TravellerClass::Adult),
                        passenger("2", "GARCIAPENA", "PABLO", false, TravellerClass::Child),
                    ],
                }],
            },
            at,
        )
        .await
        .unwrap();
    store.find_flight(&f.key).await.unwrap().unwrap().id
}

async fn decision_of(
    store: &dyn Store,
    flight_id: uuid::Uuid,
    surname_given: (&str, &str),
    person: &str,
) -> Option<(LinkDecision, String)> {
    let person = store.person_by_external_id(person).await.unwrap()?;
    let passengers = store.passengers(flight_id).await.unwrap();
    let pax = passengers.iter().find(|p| {
        p.details.surname == surname_given.0 && p.details.given_name == surname_given.1
    })?;
    store
        .links_for_passenger(pax.id)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.person_id == person.id)
        .map(|l| (l.decision, l.decided_by))
}

#[tokio::test]
async fn registry_import_matches_upcoming_flights_and_is_whole_or_nothing() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let at = clock::now();
        let flight_id = import_manifest(store, at).await;

        // A refused file writes nothing.
        let bad = format!("{REGISTRY}person,P-BAD,,not-an-email,,,,,,,\n");
        let err = import_registry_file(store, "bad.csv", bad.as_bytes(), "test", at)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("bad.csv:5: display_name: is missing"),
            "{err}"
        );
        assert!(
            store
                .person_by_external_id("P-MARIA")
                .await
                .unwrap()
                .is_none()
        );

        // The registry import re-matches the upcoming flight whose passengers share a key.
        let done = import_registry_file(store, "reg.csv", REGISTRY.as_bytes(), "test", at)
            .await
            .unwrap();
        assert_eq!(done.persons, 2);
        assert_eq!(done.flights_rematched, 1);
        let maria = decision_of(store, flight_id, ("GARCIAPENA", "MARIAJOSE"), "P-MARIA").await;
        assert_eq!(maria, Some((LinkDecision::Linked, "matcher".to_string())));
        // The son shares the booking's e-mail and phone with his mother: never linked to her.
        let pablo = decision_of(store, flight_id, ("GARCIAPENA", "PABLO"), "P-MARIA").await;
        assert!(
            pablo
                .as_ref()
                .is_none_or(|(d, _)| *d == LinkDecision::Rejected),
            "{pablo:?}"
        );

        // Matching again (as after the next manifest import) gives the same links.
        let again = match_flight_now(store, flight_id, at).await.unwrap();
        assert_eq!(again.passengers, 2);
        assert_eq!(again.linked, 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_staff_decision_is_remembered_and_wins_next_time() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let at = clock::now();
        let flight_id = import_manifest(store.as_ref(), at).await;
        import_registry_file(store.as_ref(), "reg.csv", REGISTRY.as_bytes(), "test", at)
            .await
            .unwrap();
        let maria = store
            .person_by_external_id("P-MARIA")
            .await
            .unwrap()
            .unwrap();
        let pax = store
            .passengers(flight_id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.given_name == "MARIAJOSE")
            .unwrap();

        let app = TestApp::spawn(db.config()).await;
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let advisor = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let path = format!("/api/links/{}/{}", pax.id, maria.id);
        let refused = app
            .client
            .post(app.url(&path))
            .bearer_auth(&gate)
            .form(&[("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let decided = app
            .client
            .post(app.url(&path))
            .bearer_auth(&advisor)
            .form(&[("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(decided.status(), 200, "{:?}", decided.text().await);

        // The matcher runs again (a new manifest import) and the staff rejection stands.
        match_flight_now(store.as_ref(), flight_id, at + Duration::minutes(5))
            .await
            .unwrap();
        let link = decision_of(
            store.as_ref(),
            flight_id,
            ("GARCIAPENA", "MARIAJOSE"),
            "P-MARIA",
        )
        .await
        .unwrap();
        assert_eq!(link.0, LinkDecision::Rejected);
        assert!(link.1.starts_with("staff:"), "{link:?}");
        // And it is remembered: a fresh flight with the same passenger is rejected too.
        let fingerprints: Vec<String> = aboard::matching::PassengerFingerprint::of(
            &aboard::app::matching::passenger_facts(&pax).unwrap(),
        )
        .iter()
        .map(|f| f.as_str().to_string())
        .collect();
        let decisions = store.match_decisions(&fingerprints).await.unwrap();
        assert!(!decisions.is_empty());
        assert!(
            decisions
                .iter()
                .all(|d| d.decision == LinkDecision::Rejected && d.person_id == maria.id)
        );
        // Asked among a day's worth of strangers (the store then reads the few decisions it holds
        // rather than sending the list), the answer is the same.
        let mut day: Vec<String> = (0..20_000)
            .map(|n| format!("STRANGER{n}/X|adult"))
            .collect();
        day.extend(fingerprints.iter().cloned());
        let among_many = store.match_decisions(&day).await.unwrap();
        let key = |d: &aboard::store::MatchDecision| (d.person_id, d.fingerprint.clone());
        let mut expected: Vec<_> = decisions.iter().map(key).collect();
        let mut found: Vec<_> = among_many.iter().map(key).collect();
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn persons_are_read_upserted_and_erased_over_http() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let app = TestApp::spawn(db.config()).await;
        let ops = token(store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;

        let refused = app
            .client
            .post(app.url("/api/registry?file=reg.csv"))
            .bearer_auth(&gate)
            .body(REGISTRY)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let bad = app
            .client
            .post(app.url("/api/registry?file=bad.csv"))
            .bearer_auth(&ops)
            .body("record,external_id\nperson,P1\n")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        let body: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(
            body["errors"][0],
            "bad.csv:2: display_name: is missing; it is required"
        );
        let ok = app
            .client
            .post(app.url("/api/registry?file=reg.csv"))
            .bearer_auth(&ops)
            .body(REGISTRY)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);

        let person: serde_json::Value = app
            .get_as("/api/persons/P-MARIA", &ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(person["record"]["display_name"], "María José García-Peña");
        assert_eq!(person["record"]["cases"][0]["external_ref"], "CS-1");

        let put = app
            .client
            .put(app.url("/api/persons/P-NEW"))
            .bearer_auth(&ops)
            .body(r#"{"external_id":"P-NEW","display_name":"Zoë Müller","phones":["+49 151 2345 6789"]}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
        let put: serde_json::Value = put.json().await.unwrap();
        assert_eq!(put["record"]["identifiers"][0]["value"], "+4915123456789");
        let mismatch = app
            .client
            .put(app.url("/api/persons/P-OTHER"))
            .bearer_auth(&ops)
            .body(r#"{"external_id":"P-NEW","display_name":"Zoë"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(mismatch.status(), 422);

        let erased = app
            .client
            .delete(app.url("/api/persons/P-MARIA"))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(erased.status(), 204);
        assert_eq!(
            app.get_as("/api/persons/P-MARIA", &ops)
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let again = app
            .client
            .delete(app.url("/api/persons/P-MARIA"))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 404);
        let events = store
            .events(&aboard::store::EventFilter {
                action_prefix: Some("person.erased".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.person_id, None);
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn retention_removes_old_resolved_cases_and_old_links() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let at = clock::now();
        let flight_id = import_manifest(store, at).await;
        let csv = format!("{REGISTRY}case,P-LUCIA,,,,,,CS-OLD,2020-01-01T00:00:00Z,resolved,2\n")
            .replace(",status,severity\n", ",status,severity,resolved_at\n")
            .replace(
                "2020-01-01T00:00:00Z,resolved,2\n",
                "2020-01-01T00:00:00Z,resolved,2,2020-02-01T00:00:00Z\n",
            )
            .replace(",open,4\n", ",open,4,\n")
            .replace("1981-03-12,,,,\n", "1981-03-12,,,,,\n")
            .replace("2012-06-01,,,,\n", "2012-06-01,,,,,\n");
        import_registry_file(store, "reg.csv", csv.as_bytes(), "test", at)
            .await
            .unwrap();
        assert!(!store.links_for_flight(flight_id).await.unwrap().is_empty());
        let purged = store
            .purge_registry(at - Duration::days(365), at - Duration::days(30), at)
            .await
            .unwrap();
        assert_eq!(purged.cases, 1);
        assert_eq!(purged.links, 0);
        let lucia = store
            .person_by_external_id("P-LUCIA")
            .await
            .unwrap()
            .unwrap();
        assert!(lucia.record.cases.is_empty());
        let maria = store
            .person_by_external_id("P-MARIA")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(maria.record.cases.len(), 1, "open cases stay");
        let purged = store
            .purge_registry(at - Duration::days(365), at + Duration::days(1), at)
            .await
            .unwrap();
        assert!(purged.links >= 1);
        assert!(store.links_for_flight(flight_id).await.unwrap().is_empty());
        db.finish().await;
    }
}

#[tokio::test]
async fn erase_on_the_command_line_leaves_only_an_anonymous_event() {
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
        let run = |id: &str| {
            Command::new(env!("CARGO_BIN_EXE_aboard"))
                .args(["--database-url", &db.url, "erase", id])
                .output()
                .unwrap()
        };
        let output = run("P-MARIA");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            "erased P-MARIA"
        );
        assert!(
            db.store
                .person_by_external_id("P-MARIA")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            db.store
                .person_by_external_id("P-LUCIA")
                .await
                .unwrap()
                .is_some()
        );
        let output = run("P-MARIA");
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr)
                .contains("no registry person has the external id P-MARIA")
        );
        db.finish().await;
    }
}

#[test]
fn offline_matcher_writes_one_row_per_candidate_pair() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("reg.csv");
    let manifest = dir.path().join("ib6401.csv");
    let out = dir.path().join("links.csv");
    std::fs::write(&registry, REGISTRY).unwrap();
    std::fs::write(
        &manifest,
        "flight,date,origin,destination,surname,given,locator,ff_airline,ff_number,email\n\
IB6401,2026-11-22,MAD,MEX,GARCIAPENA,MARIAJOSE,X7K2QM,IB,12345678,maria.garcia@example.es\n\
IB6401,2026-11-22,MAD,MEX,SMITH,JOHN,Y8L3RN,,,john@example.com\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["match", "--registry"])
        .arg(&registry)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("2 passenger(s) against 2 person(s): 1 linked")
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("passenger,person_external_id,decision,score,reasons")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("IB6401/22NOV MAD:2:GARCIAPENA/MARIAJOSE,P-MARIA,linked,"),
        "{csv}"
    );
    assert!(row.contains("frequent"), "{row}");
    assert_eq!(lines.next(), None, "{csv}");

    let bad = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["match", "--registry"])
        .arg(&manifest)
        .arg("--manifest")
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("the registry file was refused"));
}

/// A registry export whose persons carry values that cannot be understood: an e-mail with a space inside,
/// a phone with letters, a date of birth in another shape.
const REGISTRY_WITH_BAD_VALUES: &str = "record,external_id,display_name,emails,phones,date_of_birth\n\
person,P-ANA,Ana Ruiz,ana ruiz@example.es,+34 600 CALL ME,15/03/1984\n\
person,P-TOM,Tom Smith, Tom.Smith@Example.COM ,,\n";

#[tokio::test]
async fn a_registry_export_with_bad_values_is_imported_and_every_surface_lists_its_warnings() {
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.csv");
        std::fs::write(&path, REGISTRY_WITH_BAD_VALUES).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
            .args(["--database-url", &db.url, "registry", "import"])
            .arg(&path)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            out.contains(
                "values.csv: 2 person(s) imported, 0 upcoming flight(s) matched again, 3 warnings"
            ),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "warning: {}:2: emails: \"ana ruiz@example.es\" is not an e-mail address; the value is left out, the person kept",
                path.display()
            )),
            "{out}"
        );
        let ana = db
            .store
            .person_by_external_id("P-ANA")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ana.record.display_name, "Ana Ruiz");
        let tom = db
            .store
            .person_by_external_id("P-TOM")
            .await
            .unwrap()
            .unwrap();
        assert!(
            tom.record
                .identifiers
                .iter()
                .any(|i| i.value == "tom.smith@example.com"),
            "{tom:?}"
        );
        let events = db
            .store
            .events(&aboard::store::EventFilter {
                action_prefix: Some("import.registry".to_string()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let warnings = &events[0].event.detail["warnings"];
        assert_eq!(warnings["total"], 3, "{warnings}");
        let fields: Vec<&str> = warnings["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["date_of_birth", "emails", "phones"]);

        let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let answer = app
            .client
            .post(app.url("/api/registry?file=posted.csv"))
            .bearer_auth(&ops)
            .body(REGISTRY_WITH_BAD_VALUES)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["persons"], 2, "{body}");
        assert_eq!(body["warnings"]["total"], 3, "{body}");
        assert_eq!(body["warnings"]["list"][1]["file"], "posted.csv", "{body}");
        assert_eq!(body["warnings"]["list"][1]["line"], 2, "{body}");
        assert_eq!(body["warnings"]["list"][1]["field"], "emails", "{body}");
        app.stop().await;
        db.finish().await;
    }
}

#[test]
fn a_refused_registry_file_prints_each_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.csv");
    std::fs::write(
        &path,
        "record,external_id,display_name\nperson,P1,\nperson,P2,\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["registry", "import"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("display_name: is missing").count(),
        2,
        "{stderr}"
    );
    assert!(!stderr.contains("Caused by"), "{stderr}");
}

/// The phones an airline's staff write without a country code: in the registry and in a manifest, each
/// reaches E.164 through the configured default region over the API, and `--region` on the command line.
#[tokio::test]
async fn national_phones_take_the_default_region_over_the_api_and_region_on_the_command_line() {
    for db in TestDb::each().await {
        let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let mut config = db.config();
        config.import.default_region = Some("ES".to_string());
        let app = TestApp::spawn(config).await;
        let posted = app
            .client
            .post(app.url("/api/registry?file=care.csv"))
            .bearer_auth(&ops)
            .body("record,external_id,display_name,phones\nperson,P-LUZ,Luz Marín,600 111 222\n")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        let luz = db
            .store
            .person_by_external_id("P-LUZ")
            .await
            .unwrap()
            .unwrap();
        let phones: Vec<&str> = luz
            .record
            .identifiers
            .iter()
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(phones, ["+34600111222"]);

        let date = (clock::now() + Duration::days(1)).date_naive();
        let manifest = |flight: &str, phone: &str| {
            format!(
                "flight,date,origin,destination,surname,given,locator,phone\n\
                 {flight},{date},MAD,LIS,MARIN,LUZ,K7PQ2X,{phone}\n"
            )
        };
        let posted = app
            .client
            .post(app.url("/api/manifests?name=ib.csv"))
            .bearer_auth(&ops)
            .body(manifest("IB3110", "611 222 333"))
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        app.stop().await;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tp.csv");
        std::fs::write(&path, manifest("TP1011", "912 345 678")).unwrap();
        let import = |region: &str| {
            Command::new(env!("CARGO_BIN_EXE_aboard"))
                .args([
                    "--database-url",
                    &db.url,
                    "import",
                    "manifest",
                    "--region",
                    region,
                ])
                .arg(&path)
                .output()
                .unwrap()
        };
        let refused = import("Lusitania");
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr)
                .contains("region: \"Lusitania\" is not a country")
        );
        let imported = import("PT");
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );

        let mut stored = Vec::new();
        for flight in ["IB3110", "TP1011"] {
            let key = FlightKey {
                flight: FlightNumber::parse(flight).unwrap(),
                local_date: date,
                origin: Iata::parse("MAD").unwrap(),
            };
            let flight = db.store.find_flight(&key).await.unwrap().unwrap();
            let passengers = db.store.passengers(flight.id).await.unwrap();
            stored.push(passengers[0].details.phone.clone());
        }
        assert_eq!(
            stored,
            [
                Some("+34611222333".to_string()),
                Some("+351912345678".to_string())
            ]
        );
        db.finish().await;
    }
}
