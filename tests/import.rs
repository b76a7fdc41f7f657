//! Manifest import end to end, on both backends: the app service with the project's own multi-part PNL
//! and ADLs (removals cancel open tasks, out-of-order and duplicate lists), the CLI on real and broken
//! files, POST /api/manifests with tokens, and the drop folder job.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration as StdDuration, SystemTime};

use aboard::app::drop_folder::DropFolderJob;
use aboard::app::import::{ImportError, import_manifest_file};
use aboard::domain::records::{NewTask, PersonRecord};
use aboard::domain::{BoardingState, Channel, Role, TaskState};
use aboard::manifest::Reading;
use aboard::scheduler::{Job, JobContext, Outcome};
use aboard::store::{EventFilter, Store, TaskFilter};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{TestApp, TestDb};

const PNL: &str = include_str!("data/pnl/ib3166-22nov-mad.pnl");
const ADL: &str = include_str!("data/pnl/ib3166-22nov-mad.adl");
const JETWAY_PNL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/pnl/jetway-sample.pnl"
);
const JETWAY_ADL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/pnl/jetway-sample.adl"
);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 18, 0, 0).unwrap()
}

/// The ADL again, sent at `ddhhmm` and changing only MUELLER's fate, so that its digest differs.
fn adl_sent_at(ddhhmm: &str) -> String {
    ADL.replace(".MADRMIB 211415", &format!(".MADRMIB {ddhhmm}"))
}

async fn import(
    store: &dyn Store,
    name: &str,
    text: &str,
) -> Result<aboard::app::import::ImportSummary, ImportError> {
    import_manifest_file(
        store,
        None,
        name,
        text.as_bytes(),
        Reading::default(),
        "test",
        now(),
    )
    .await
}

async fn passenger_state(store: &dyn Store, surname: &str) -> (BoardingState, Option<String>) {
    let flights = store
        .flights_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
        .await
        .unwrap();
    assert_eq!(flights.len(), 1);
    let p = store
        .passengers(flights[0].id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.details.surname == surname)
        .unwrap_or_else(|| panic!("{surname} is on the flight"));
    (p.boarding_state, p.removed_reason)
}

fn person() -> PersonRecord {
    PersonRecord {
        external_id: "SC-1".to_string(),
        display_name: "Sophie Müller".to_string(),
        language: Some("de".to_string()),
        country: Some("DE".to_string()),
        date_of_birth: None,
        identifiers: Vec::new(),
        accounts: Vec::new(),
        cases: Vec::new(),
        consents: Vec::new(),
    }
}

#[tokio::test]
async fn a_pnl_and_its_adls_apply_in_order_and_a_deleted_passenger_loses_their_task() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let pnl = import(store, "ib3166.pnl", PNL).await.unwrap();
        assert_eq!((pnl.flights.len(), pnl.added(), pnl.rows), (1, 7, 7));
        let flight = store
            .find_flight(&pnl_key())
            .await
            .unwrap()
            .expect("flight created");
        assert_eq!(flight.destination.as_ref().map(|d| d.as_str()), Some("BCN"));
        let mueller = store
            .passengers(flight.id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.surname == "MUELLER")
            .unwrap();
        assert_eq!(mueller.details.pax_key, "M8N7B6/MUELLER/SOPHIE/1");
        let mother = store
            .passengers(flight.id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.given_name == "MARIAJOSE")
            .unwrap();
        assert_eq!(mother.details.service_codes, ["INFT"]);
        assert_eq!(mother.details.docs_given.as_deref(), Some("MARIAJOSE"));
        let someone = store.upsert_person(&person(), "test", now()).await.unwrap();
        let task = store
            .create_task(
                &NewTask {
                    flight_id: flight.id,
                    passenger_id: mueller.id,
                    person_id: someone.id,
                    rule_id: "boarded-complainant".to_string(),
                    channel: Channel::Gate,
                    station: "MAD".to_string(),
                    gate: None,
                    priority: 3,
                    due_at: now() + Duration::hours(1),
                    expires_at: now() + Duration::hours(20),
                    brief: "Say hello".to_string(),
                    briefs: Default::default(),
                    why: vec!["test".to_string()],
                    holdout: None,
                },
                now(),
            )
            .await
            .unwrap()
            .expect("task created");

        let adl = import(store, "ib3166.adl", ADL).await.unwrap();
        let f = &adl.flights[0];
        assert_eq!(
            (f.added, f.updated, f.removed, f.cancelled_tasks),
            (2, 1, 1, 1),
            "{adl:?}"
        );
        let (state, reason) = passenger_state(store, "MUELLER").await;
        assert_eq!(state, BoardingState::Removed);
        assert!(reason.unwrap_or_default().contains("ib3166.adl"));
        let task = store.task(task.id).await.unwrap().unwrap();
        assert_eq!(task.state, TaskState::Cancelled);

        // The same file again changes nothing.
        let again = import(store, "ib3166-copy.adl", ADL).await.unwrap();
        assert!(again.duplicate);
        // An ADL sent before the one applied is refused whole: MUELLER stays removed, nothing is added.
        let before = store.counts().await.unwrap();
        let late = adl_sent_at("211000").replace("DEL\n1MUELLER/SOPHIEMS\n.L/M8N7B6\n", "");
        match import(store, "late.adl", &late).await {
            Err(ImportError::OutOfOrder { file, reason }) => {
                assert_eq!(file, "late.adl");
                assert!(reason.contains("out of order"), "{reason}");
            }
            other => panic!("expected out of order, got {other:?}"),
        }
        let after = store.counts().await.unwrap();
        assert_eq!(
            (before.passengers, before.events),
            (after.passengers, after.events)
        );
        // A later ADL that adds MUELLER back brings her back.
        let back = adl_sent_at("211600").replace("DEL\n", "ADD\n");
        let back = import(store, "back.adl", &back).await.unwrap();
        let f = &back.flights[0];
        assert_eq!((f.added, f.updated, f.unchanged), (0, 1, 3), "{back:?}");
        assert_eq!(
            passenger_state(store, "MUELLER").await.0,
            BoardingState::Expected
        );

        // A DEL that names nobody on the list removes nothing: a warning, and the rest of the ADL applies.
        let stray =
            adl_sent_at("211700").replace("1MUELLER/SOPHIEMS\n.L/M8N7B6\n", "1NOBODY/ANNAMS\n");
        let stray = import(store, "stray.adl", &stray).await.unwrap();
        let said: Vec<String> = stray.warnings.list.iter().map(|w| w.to_string()).collect();
        assert_eq!(stray.warnings.total, 1, "{said:?}");
        assert!(
            said[0].starts_with("stray.adl:7: DEL: NOBODY/ANNA is not on the flight's list"),
            "{said:?}"
        );
        assert_eq!(stray.flights[0].removed, 0, "{stray:?}");
        assert_eq!(
            passenger_state(store, "MUELLER").await.0,
            BoardingState::Expected
        );

        let events = store
            .events(&EventFilter {
                action_prefix: Some("import.manifest".to_string()),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            events.len(),
            4,
            "pnl, adl, back, stray: duplicates and refusals log nothing"
        );
        assert!(events.iter().all(|e| e.event.actor == "test"));
        let open = store
            .tasks(&TaskFilter {
                states: vec![TaskState::Open],
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        assert!(open.is_empty());
    }
}

fn pnl_key() -> aboard::domain::FlightKey {
    aboard::domain::FlightKey {
        flight: aboard::domain::FlightNumber::parse("IB3166").unwrap(),
        local_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        origin: aboard::domain::Iata::parse("MAD").unwrap(),
    }
}

fn aboard_cli(url: &str, files: &[&Path]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--database-url", url, "import", "manifest"])
        .args(files)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[tokio::test]
async fn the_cli_imports_the_samples_and_rejects_every_bad_file_with_its_line() {
    for db in TestDb::each().await {
        let (ok, out) = aboard_cli(&db.url, &[Path::new(JETWAY_PNL), Path::new(JETWAY_ADL)]);
        assert!(ok, "{out}");
        assert!(
            out.contains("jetway-sample.pnl (pnl): 1 flight, 5 added"),
            "{out}"
        );
        assert!(
            out.contains(
                "jetway-sample.adl (adl): 1 flight, 1 added, 0 updated, 0 unchanged, 1 removed"
            ),
            "{out}"
        );
        let (ok, out) = aboard_cli(&db.url, &[Path::new(JETWAY_PNL)]);
        assert!(ok, "{out}");
        assert!(out.contains("already imported, nothing changed"), "{out}");
        let counts = db.store.counts().await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let header = "flight,date,origin,destination,locator,surname,given\n";
        let mut latin1 = format!("{header}IB3100,2026-11-22,MAD,BCN,ABC123,").into_bytes();
        latin1.extend_from_slice(b"NU\xd1EZ,ANA\n");
        let long_line = format!("{header}{}\n", "A".repeat(10 * 1024 * 1024));
        let mut binary = vec![0u8; 4096];
        for (i, b) in binary.iter_mut().enumerate() {
            *b = (i * 7919 % 251) as u8;
        }
        let bad: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "truncated.pnl",
                PNL.as_bytes()[..PNL.find("1MUELLER").unwrap()].to_vec(),
                "truncated.pnl:",
            ),
            ("latin1.csv", latin1, "latin1.csv:2: byte"),
            (
                "impossible.csv",
                format!("{header}IB3100,2026-02-30,MAD,BCN,ABC123,NUNEZ,ANA\n").into_bytes(),
                "impossible.csv:2: date:",
            ),
            ("long.csv", long_line.into_bytes(), "long.csv:2:"),
            ("binary.dat", binary, "binary.dat:1:"),
        ];
        for (name, bytes, expected) in &bad {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let (ok, out) = aboard_cli(&db.url, &[&path]);
            assert!(!ok, "{name} was accepted: {out}");
            assert!(out.contains(expected), "{name}: {out}");
            assert!(out.contains("rejected, nothing was imported"), "{out}");
        }
        let after = db.store.counts().await.unwrap();
        assert_eq!(
            (counts.flights, counts.passengers),
            (after.flights, after.passengers)
        );
        // A column aboard does not read names no flight or passenger: read past, with a warning.
        let unknown = dir.path().join("unknown.csv");
        std::fs::write(
            &unknown,
            header.replace("given", "given,shoe_size")
                + "IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,ANA,44\n",
        )
        .unwrap();
        let (ok, out) = aboard_cli(&db.url, &[&unknown]);
        assert!(ok, "{out}");
        assert!(
            out.contains("unknown.csv:1: shoe_size: not a column aboard reads"),
            "{out}"
        );
        assert_eq!(
            db.store.counts().await.unwrap().passengers,
            after.passengers + 1
        );
    }
}

#[tokio::test]
async fn post_api_manifests_answers_with_the_summary_the_errors_or_the_conflict() {
    for db in TestDb::each().await {
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let post = |query: &str, body: &str| {
            app.client
                .post(app.url(&format!("/api/manifests{query}")))
                .body(body.to_string())
        };
        let r = post("?name=ib3166.pnl", PNL).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let r = post("?name=ib3166.pnl", PNL)
            .bearer_auth(&gate)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = post("?name=ib3166.pnl", PNL)
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let summary: serde_json::Value = r.json().await.unwrap();
        assert_eq!(summary["format"], "pnl");
        assert_eq!(summary["flights"][0]["added"], 7);
        assert_eq!(summary["duplicate"], false);
        let r = post("?name=ib3166.adl", ADL)
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = post("?name=late.adl", &adl_sent_at("211000"))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("out of order"),
            "{body}"
        );
        let bad = "flight,date,origin,destination,locator,surname,given\nIB31,2026-13-01,MAD,BCN,ABC123,,ANA\n";
        let r = post("?name=bad.csv&format=csv", bad)
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        let errors = body["errors"].as_array().unwrap();
        assert!(errors.len() >= 2, "{body}");
        assert!(
            errors
                .iter()
                .all(|e| e["file"] == "bad.csv" && e["line"] == 2),
            "{body}"
        );
        assert_eq!(body["omitted"], 0);
        let r = post("?format=xml", PNL)
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        app.stop().await;
    }
}

/// Backdates a file so that the drop folder takes it as finished.
fn settled(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - StdDuration::from_secs(60))
        .unwrap();
}

#[tokio::test]
async fn the_drop_folder_job_files_good_and_bad_manifests_and_waits_for_unfinished_ones() {
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("ib3166.pnl"), PNL).unwrap();
        std::fs::write(root.join("broken.csv"), "flight,date\nIB1,yesterday\n").unwrap();
        std::fs::write(root.join("coming.pnl.part"), PNL).unwrap();
        std::fs::write(root.join("fresh.adl"), ADL).unwrap();
        for name in ["ib3166.pnl", "broken.csv", "coming.pnl.part"] {
            settled(&root.join(name));
        }
        let job = DropFolderJob {
            default_region: None,
            dir: root.to_path_buf(),
            flight_sink: None,
        };
        let ctx = JobContext {
            store: db.store.clone(),
            tick: now(),
            now: now(),
            instance: "test".to_string(),
        };
        let report = job.run(&ctx).await.unwrap();
        assert_eq!(report.outcome, Outcome::Ok);
        assert_eq!(report.detail, "1 imported, 1 rejected");
        assert!(root.join("processed/ib3166.pnl").is_file());
        assert!(root.join("rejected/broken.csv").is_file());
        let errors = std::fs::read_to_string(root.join("rejected/broken.csv.errors.txt")).unwrap();
        assert!(errors.contains("broken.csv:"), "{errors}");
        assert!(
            root.join("coming.pnl.part").is_file(),
            "unfinished files wait"
        );
        assert!(
            root.join("fresh.adl").is_file(),
            "files written just now wait"
        );
        assert_eq!(
            std::fs::read_dir(root.join("processing")).unwrap().count(),
            0
        );
        assert_eq!(db.store.counts().await.unwrap().passengers, 7);

        settled(&root.join("fresh.adl"));
        let report = job.run(&ctx).await.unwrap();
        assert_eq!(report.detail, "1 imported, 0 rejected");
        assert!(root.join("processed/fresh.adl").is_file());
        assert_eq!(db.store.counts().await.unwrap().passengers, 9);
    }
}

#[tokio::test]
async fn a_newer_list_leaves_the_flight_status_the_gate_reported() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        import(store, "ib3166.pnl", PNL).await.unwrap();
        let flight = store.find_flight(&pnl_key()).await.unwrap().unwrap();
        assert_eq!(flight.status, aboard::domain::FlightStatus::Scheduled);
        let boarding = aboard::domain::records::FlightUpdate {
            status: Some(aboard::domain::FlightStatus::Boarding),
            ..Default::default()
        };
        store
            .update_flight(
                flight.id,
                &boarding,
                "flight.boarding_started",
                "test",
                now(),
            )
            .await
            .unwrap();
        import(store, "ib3166.adl", ADL).await.unwrap();
        let after = store.find_flight(&pnl_key()).await.unwrap().unwrap();
        assert_eq!(
            after.status,
            aboard::domain::FlightStatus::Boarding,
            "{}",
            db.url
        );
    }
}

#[tokio::test]
async fn files_imported_together_stand_or_fall_one_by_one() {
    use aboard::app::import::{ManifestFile, import_manifest_files};
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let newer = PNL.replace(".MADRMIB 200830", ".MADRMIB 201030");
        let other_flight = PNL.replace("IB3166/22NOV", "IB3170/22NOV");
        let broken = PNL.replace("IB3166/22NOV MAD PART1", "IB3166/31NOV MAD PART1");
        let files = [
            ManifestFile {
                name: "newer.pnl",
                bytes: newer.as_bytes(),
            },
            // Older than the list just applied in the same transaction: refused alone.
            ManifestFile {
                name: "older.pnl",
                bytes: PNL.as_bytes(),
            },
            ManifestFile {
                name: "other.pnl",
                bytes: other_flight.as_bytes(),
            },
            ManifestFile {
                name: "again.pnl",
                bytes: newer.as_bytes(),
            },
            ManifestFile {
                name: "broken.pnl",
                bytes: broken.as_bytes(),
            },
        ];
        let results =
            import_manifest_files(store, None, &files, Reading::default(), "test", now()).await;
        assert_eq!(results.len(), 5);
        assert_eq!(results[0].as_ref().map(|s| s.added()).ok(), Some(7));
        assert!(
            matches!(results[1], Err(ImportError::OutOfOrder { .. })),
            "{:?}",
            results[1]
        );
        assert_eq!(results[2].as_ref().map(|s| s.added()).ok(), Some(7));
        assert_eq!(results[3].as_ref().map(|s| s.duplicate).ok(), Some(true));
        match &results[4] {
            Err(ImportError::Invalid(errors)) => {
                assert_eq!(errors.errors[0].file, "broken.pnl");
                assert_eq!(errors.errors[0].line, 4);
            }
            other => panic!("the broken file is refused with its line: {other:?}"),
        }
        let flights = store
            .flights_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .await
            .unwrap();
        assert_eq!(flights.len(), 2, "{}", db.url);
        let imports = store
            .events(&EventFilter {
                action_prefix: Some("import.manifest".to_string()),
                limit: 100,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            imports.len(),
            2,
            "only the two files that went in are logged"
        );
    }
}

/// A CSV whose rows hold values that cannot be understood: a bad e-mail (the field's case from the issue),
/// a phone with letters and an impossible date of birth.
const CSV_WITH_BAD_VALUES: &str = "flight,date,origin,destination,locator,surname,given,email,phone,date_of_birth\n\
IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,ANA,ana nunez@example.es,,1990-02-30\n\
IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,PABLO,Pablo@Example.ES,+34 600 CALL ME,\n";

/// The warnings listed in the import's log entry, as `line field` pairs.
async fn logged_warnings(store: &dyn Store, file: &str) -> (u64, Vec<String>) {
    let events = store
        .events(&EventFilter {
            action_prefix: Some("import.manifest".to_string()),
            limit: 100,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let event = events
        .iter()
        .find(|e| e.event.detail["file"] == file)
        .unwrap_or_else(|| panic!("no import.manifest event for {file}: {events:?}"));
    let warnings = &event.event.detail["warnings"];
    let listed = warnings["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{} {}", w["line"], w["field"].as_str().unwrap_or("-")))
        .collect();
    (warnings["total"].as_u64().unwrap(), listed)
}

#[tokio::test]
async fn a_manifest_with_bad_values_is_imported_and_every_surface_lists_its_warnings() {
    let expected = [
        "2 email".to_string(),
        "2 date_of_birth".into(),
        "3 phone".into(),
    ];
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.csv");
        std::fs::write(&path, CSV_WITH_BAD_VALUES).unwrap();
        let (ok, out) = aboard_cli(&db.url, &[&path]);
        assert!(ok, "{out}");
        assert!(
            out.contains("values.csv (csv): 1 flight, 2 added, 0 updated, 0 unchanged, 0 removed, 0 cancelled tasks, 3 warnings"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "warning: {}:2: email: \"ana nunez@example.es\" is not an e-mail address; the value is left out, the passenger kept",
                path.display()
            )),
            "{out}"
        );
        assert!(out.contains(":3: phone: "), "{out}");
        assert!(out.contains("1 imported, 0 rejected, 3 warnings"), "{out}");
        let key = aboard::domain::FlightKey {
            flight: aboard::domain::FlightNumber::parse("IB3100").unwrap(),
            ..pnl_key()
        };
        let flight = db
            .store
            .find_flight(&key)
            .await
            .unwrap()
            .expect("the flight is imported");
        let passengers = db.store.passengers(flight.id).await.unwrap();
        let pablo = passengers
            .iter()
            .find(|p| p.details.given_name == "PABLO")
            .unwrap();
        assert_eq!(pablo.details.email.as_deref(), Some("pablo@example.es"));
        assert_eq!(pablo.details.phone, None);
        let (total, listed) = logged_warnings(db.store.as_ref(), &path.display().to_string()).await;
        assert_eq!((total, listed.as_slice()), (3, expected.as_slice()));

        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let body = CSV_WITH_BAD_VALUES.replace("IB3100", "IB3102");
        let r = app
            .client
            .post(app.url("/api/manifests?name=posted.csv"))
            .bearer_auth(&ops)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let summary: serde_json::Value = r.json().await.unwrap();
        assert_eq!(summary["flights"][0]["added"], 2, "{summary}");
        assert_eq!(summary["warnings"]["total"], 3, "{summary}");
        let first = &summary["warnings"]["list"][0];
        assert_eq!(
            (&first["file"], &first["line"], &first["field"]),
            (
                &serde_json::json!("posted.csv"),
                &serde_json::json!(2),
                &serde_json::json!("email")
            ),
            "{summary}"
        );
        let (total, listed) = logged_warnings(db.store.as_ref(), "posted.csv").await;
        assert_eq!((total, listed.as_slice()), (3, expected.as_slice()));
        app.stop().await;
    }
}

/// A list as large as a busy day's file: on PostgreSQL its new passengers go in through COPY, whose
/// text format escapes tabs, newlines, carriage returns and backslashes and spells NULL `\N`.
fn large_list(count: usize) -> aboard::domain::records::ManifestImport {
    use aboard::domain::TravellerClass;
    use aboard::domain::records::{FlightList, ListMode, NewFlight, NewPassenger};
    let odd = [
        "TAB\tIN",
        "LINE\nBREAK",
        "CR\rHERE",
        "BACK\\SLASH",
        "\\N",
        "",
        "ÑÚÑEZ ØRSTED",
    ];
    let passengers = (0..count)
        .map(|n| {
            let locator = format!("L{n:05}");
            NewPassenger {
                pax_key: format!("{locator}/PAX/{n}"),
                surname: format!("SURNAME{n}"),
                given_name: odd[n % odd.len()].to_string(),
                title: (n % 3 == 0).then(|| "MRS".to_string()),
                traveller_class: TravellerClass::Adult,
                locator: Some(locator),
                seat: Some(format!("{}C", n % 40)),
                cabin_class: Some("Y".to_string()),
                destination: Some("BCN".to_string()),
                party_ref: (n % 2 == 0).then(|| odd[(n + 3) % odd.len()].to_string()),
                frequent_flyer: (n % 5 == 0).then(|| ("IB".to_string(), format!("{n:08}"))),
                email: Some(format!("p{n}@example.com")),
                phone: None,
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1950 + (n % 50) as i32, 3, 9),
                gender: Some("F".to_string()),
                nationality: Some("ESP".to_string()),
                docs_surname: None,
                docs_given: Some(String::new()),
                checkin_sequence: Some(n as i32),
                service_codes: vec!["WCHR".to_string(), odd[n % odd.len()].to_string()],
            }
        })
        .collect();
    aboard::domain::records::ManifestImport {
        format: "csv".to_string(),
        file_name: "large.csv".to_string(),
        digest: format!("large-{count}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: pnl_key(),
                destination: None,
                departure: Default::default(),
                arrival: Default::default(),
                gate: None,
                status: aboard::domain::FlightStatus::Scheduled,
            },
            mode: ListMode::Merge,
            passengers,
        }],
        warnings: Default::default(),
    }
}

#[tokio::test]
async fn a_large_list_is_stored_exactly_as_sent_and_its_digests_hold() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let import = large_list(6_000);
        let outcome = store.import_manifest(&import, now()).await.unwrap();
        assert_eq!(outcome.flights[0].added, 6_000, "{}", db.url);
        let mut stored = store
            .passengers(outcome.flights[0].flight_id)
            .await
            .unwrap();
        stored.sort_by_key(|p| p.details.checkin_sequence);
        let sent = &import.flights[0].passengers;
        assert_eq!(stored.len(), sent.len());
        for (stored, sent) in stored.iter().zip(sent) {
            assert_eq!(&stored.details, sent, "{}", db.url);
            assert_eq!(stored.boarding_state, BoardingState::Expected);
        }
        // The same passengers again, one of them moved: only that one is updated.
        let mut again = import.clone();
        again.digest = "large-again".to_string();
        again.flights[0].passengers[17].seat = Some("1A".to_string());
        let outcome = store.import_manifest(&again, now()).await.unwrap();
        let summary = &outcome.flights[0];
        assert_eq!(
            (summary.added, summary.updated, summary.unchanged),
            (0, 1, 5_999),
            "{}",
            db.url
        );
        db.finish().await;
    }
}

/// A day's CSV of just over 4 MB (large enough to stream) for `date`, written a flight at a time (150 rows each), with a phone that
/// cannot be read on its last row; returns it with its flights and rows.
fn large_day_csv(date: &str) -> (String, usize, usize) {
    let mut text = String::from(
        "flight,date,origin,destination,surname,given,locator,docs_surname,docs_given,phone\n",
    );
    let mut rows: usize = 0;
    while text.len() < aboard::manifest::STREAMED_CSV_FROM_BYTES + 1000 {
        let surname = format!(
            "FERNANDEZGARCIA{}{}",
            char::from(b'A' + (rows % 150 / 26) as u8),
            char::from(b'A' + (rows % 26) as u8)
        );
        text.push_str(&format!(
            "IB{:04},{date},MAD,BCN,{surname},ANAMARIA,Q{:05},{surname},ANAMARIA,\n",
            rows / 150 + 1,
            rows / 2
        ));
        rows += 1;
    }
    text.push_str(&format!(
        "IB{:04},{date},MAD,BCN,LOPEZ,LUIS,K8L9M0,,,999 9999\n",
        rows / 150 + 1
    ));
    rows += 1;
    (text, rows.div_ceil(150), rows)
}

#[tokio::test]
async fn a_large_csv_is_stored_while_it_is_read_and_stands_whole_or_not_at_all() {
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let (text, flights, rows) = large_day_csv("2026-11-22");
        let day = dir.path().join("day.csv");
        std::fs::write(&day, &text).unwrap();
        let (ok, out) = aboard_cli(&db.url, &[&day]);
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!("day.csv (csv): {flights} flights, {rows} added")),
            "{out}"
        );
        let last_line = text.lines().count();
        assert!(
            out.contains(&format!(
                "day.csv:{last_line}: phone: 9999999 is kept as its digits"
            )),
            "{out}"
        );
        let counts = db.store.counts().await.unwrap();
        assert_eq!(
            (counts.flights, counts.passengers),
            (flights as i64, rows as i64)
        );
        let (warned, _) = logged_warnings(db.store.as_ref(), &day.display().to_string()).await;
        assert_eq!(warned, 1, "the import's log entry counts its warning");

        let (ok, out) = aboard_cli(&db.url, &[&day]);
        assert!(
            ok && out.contains("already imported, nothing changed"),
            "{out}"
        );

        // A passenger without a surname on the last row: nothing of the file is kept, though its
        // first flights were written while the rest was read.
        let (mut bad, _, _) = large_day_csv("2026-11-23");
        bad.push_str("IB0001,2026-11-23,MAD,BCN,,LUIS,K8L9M0,,,\n");
        let bad_path = dir.path().join("bad.csv");
        std::fs::write(&bad_path, &bad).unwrap();
        let (ok, out) = aboard_cli(&db.url, &[&bad_path]);
        assert!(!ok, "{out}");
        assert!(
            out.contains(&format!("bad.csv:{}: surname", bad.lines().count())),
            "{out}"
        );
        assert!(out.contains("rejected, nothing was imported"), "{out}");
        let after = db.store.counts().await.unwrap();
        assert_eq!(
            (after.flights, after.passengers),
            (counts.flights, counts.passengers)
        );

        // A flight whose rows come back after other flights': read whole instead, every row kept.
        let (mut scattered, flights, rows) = large_day_csv("2026-11-24");
        scattered.push_str("IB0001,2026-11-24,MAD,BCN,LATE,ROW,Z9Y8X7,,,\n");
        let scattered_path = dir.path().join("scattered.csv");
        std::fs::write(&scattered_path, &scattered).unwrap();
        let (ok, out) = aboard_cli(&db.url, &[&scattered_path]);
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!(
                "scattered.csv (csv): {flights} flights, {} added",
                rows + 1
            )),
            "{out}"
        );
    }
}
