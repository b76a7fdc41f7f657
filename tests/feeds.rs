//! Flight times from the airline's own feeds, end to end on both backends: an SSIM week through
//! `aboard import schedule`, POST /api/schedules and the drop folder; MVT messages through the manifest
//! entry points (`aboard import manifest`, POST /api/manifests, the drop folder), reaching the engine.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration as StdDuration, SystemTime};

use aboard::app::drop_folder::DropFolderJob;
use aboard::app::{Engine, schedule};
use aboard::clock;
use aboard::domain::records::{ComplaintCase, IdentityLink, PersonRecord, SocialAccount};
use aboard::domain::{
    CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network, Role,
    TaskState,
};
use aboard::scheduler::{Job, JobContext};
use aboard::store::{EventFilter, Store};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::feeds::{MULTI_LEG, OVERNIGHT, UTC_CARRIER_FLIGHT, movements, network_week};
use common::{TestApp, TestDb};

fn key(flight: &str, date: NaiveDate, origin: &str) -> FlightKey {
    FlightKey {
        flight: FlightNumber::parse(flight).unwrap(),
        local_date: date,
        origin: Iata::parse(origin).unwrap(),
    }
}

fn utc(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(h, m, 0).unwrap())
}

fn cli(url: &str, args: &[&str], files: &[&Path]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--database-url", url])
        .args(args)
        .args(files)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

/// Warnings counted by the field they name (`FILE:LINE: FIELD: REASON`).
fn per_field(warnings: &[String]) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for w in warnings {
        let field = w.split(": ").nth(1).unwrap_or("?").to_string();
        *kinds.entry(field).or_insert(0) += 1;
    }
    kinds
}

/// The week's checks that any entry point must pass, on the flights stored.
async fn assert_week_stored(store: &dyn Store, today: NaiveDate) {
    // The overnight leg, cut short in the file, lands in Mexico City the next morning (UTC 11:15).
    let overnight = store
        .find_flight(&key(OVERNIGHT, today, "MAD"))
        .await
        .unwrap()
        .expect("the overnight leg");
    assert_eq!(overnight.departure.scheduled, Some(utc(today, 22, 55)));
    assert_eq!(
        overnight.arrival.scheduled,
        Some(utc(today + Duration::days(1), 11, 15))
    );
    assert_eq!(
        overnight.destination.as_ref().map(Iata::as_str),
        Some("MEX")
    );
    // Both legs of the itinerary, each its own flight.
    let second = store
        .find_flight(&key(MULTI_LEG, today, "BCN"))
        .await
        .unwrap()
        .expect("the second leg");
    assert_eq!(second.departure.scheduled, Some(utc(today, 8, 0)));
    assert_eq!(second.destination.as_ref().map(Iata::as_str), Some("FCO"));
    // The UTC carrier's times are UTC already.
    let express = store
        .find_flight(&key(UTC_CARRIER_FLIGHT, today, "MAD"))
        .await
        .unwrap()
        .expect("the UTC carrier's flight");
    assert_eq!(express.departure.scheduled, Some(utc(today, 6, 0)));
}

#[tokio::test]
async fn an_ssim_week_through_the_cli_sets_every_legs_times_and_lists_each_warning() {
    let today = clock::now().date_naive();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ib-week.ssim");
    std::fs::write(&path, network_week(today, 17)).unwrap();
    for db in TestDb::each().await {
        let (ok, out) = cli(&db.url, &["import", "schedule"], &[&path]);
        assert!(ok, "{out}");
        assert!(out.contains("ib-week.ssim (ssim): "), "{out}");
        let warnings: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("warning: "))
            .map(str::to_string)
            .collect();
        eprintln!("SSIM fixture warnings per kind: {:?}", per_field(&warnings));
        assert_eq!(
            per_field(&warnings),
            BTreeMap::from([
                ("UTC variation at arrival".to_string(), 1),
                ("UTC variation at departure".to_string(), 1),
                ("passenger STA".to_string(), 1),
            ]),
            "{out}"
        );
        assert!(
            warnings
                .iter()
                .all(|w| w.starts_with(&format!("{}:", path.display()))),
            "each warning names the file and line: {warnings:?}"
        );
        assert_week_stored(db.store.as_ref(), today).await;
        let flights = db.store.counts().await.unwrap().flights;
        // The same file again changes nothing.
        let (ok, again) = cli(&db.url, &["import", "schedule"], &[&path]);
        assert!(ok, "{again}");
        assert!(again.contains(" 0 created, 0 updated, "), "{again}");
        assert_eq!(db.store.counts().await.unwrap().flights, flights);
        // A leg whose flight cannot be read refuses the file, saying where.
        let broken = dir.path().join("broken.ssim");
        let text = network_week(today, 17).replacen("3 IB 3002", "3 IB 30X2", 1);
        std::fs::write(&broken, text).unwrap();
        let (ok, out) = cli(&db.url, &["import", "schedule"], &[&broken]);
        assert!(!ok, "{out}");
        assert!(out.contains("broken.ssim:11: flight designator: "), "{out}");
        assert!(out.contains("rejected, nothing was imported"), "{out}");
        db.finish().await;
    }
}

#[tokio::test]
async fn post_api_schedules_answers_with_the_summary_and_warnings_or_every_error() {
    let today = clock::now().date_naive();
    for db in TestDb::each().await {
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = common::token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let post = |body: String| {
            app.client
                .post(app.url("/api/schedules?name=week.ssim"))
                .body(body)
        };
        assert_eq!(
            post(network_week(today, 5)).send().await.unwrap().status(),
            401
        );
        let r = post(network_week(today, 5))
            .bearer_auth(&gate)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = post(network_week(today, 5))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let summary: serde_json::Value = r.json().await.unwrap();
        assert_eq!(summary["file"], "week.ssim");
        assert!(summary["created"].as_u64().unwrap() > 200, "{summary}");
        assert_eq!(summary["warnings"]["total"], 3, "{summary}");
        assert_eq!(
            summary["warnings"]["list"][0]["file"], "week.ssim",
            "{summary}"
        );
        assert_week_stored(db.store.as_ref(), today).await;
        let r = post("0".repeat(200) + "\n")
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["file"], "week.ssim");
        assert_eq!(body["errors"][0]["field"], "record");
        app.stop().await;
        db.finish().await;
    }
}

fn complainant() -> PersonRecord {
    PersonRecord {
        external_id: "SC-MVT".to_string(),
        display_name: "Ana Ruiz".to_string(),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: "@anaruiz".to_string(),
            network_user_id: None,
            followers: 12_000,
            activity_30d: 40,
            follows_airline: false,
            accepts_dms: false,
            opted_in: false,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: "CS-MVT".to_string(),
            opened_at: clock::now() - Duration::days(60),
            resolved_at: None,
            channel: "x".to_string(),
            category: "delay".to_string(),
            severity: 3,
            summary: "Missed a connection".to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    }
}

#[tokio::test]
async fn mvt_messages_through_the_manifest_entry_points_set_times_and_reach_the_engine() {
    let now = clock::now();
    let today = now.date_naive();
    let dir = tempfile::tempdir().unwrap();
    for db in TestDb::each().await {
        let store = db.store.clone();
        // A manifest without times and a boarded complainant: a cabin task on the default deadline.
        let csv = format!(
            "flight,date,origin,destination,surname,given,title,locator,seat\n\
             {MULTI_LEG},{today},MAD,BCN,RUIZ,ANA,MS,Q7K2QM,4C\n"
        );
        let imported = aboard::app::import::import_manifest_file(
            store.as_ref(),
            None,
            "ib3170.csv",
            csv.as_bytes(),
            aboard::manifest::Reading::default(),
            "ops",
            now,
        )
        .await
        .unwrap();
        let flight_id = imported.flights[0].flight_id;
        let passenger = store.passengers(flight_id).await.unwrap().remove(0);
        let person = store
            .upsert_person(&complainant(), "import", now)
            .await
            .unwrap();
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
        let engine = Engine::new(store.clone(), rules, common::policy());
        let boarded = engine
            .passenger_boarded(passenger.id, "gate:MAD", now)
            .await
            .unwrap();
        let task = boarded
            .created
            .first()
            .expect("a task despite no times")
            .clone();
        assert_eq!(task.new.channel, Channel::Cabin);

        // The messages through the CLI's manifest import, like a PNL.
        let path = dir.path().join("moves.txt");
        std::fs::write(&path, movements(today)).unwrap();
        let (ok, out) = cli(&db.url, &["import", "manifest"], &[&path]);
        assert!(ok, "{out}");
        assert!(
            out.contains("moves.txt (mvt): 5 messages, 5 applied, 2 flights created; 2 warnings"),
            "{out}"
        );
        let warnings: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("warning: "))
            .map(str::to_string)
            .collect();
        eprintln!("MVT fixture warnings per kind: {:?}", per_field(&warnings));
        assert_eq!(
            per_field(&warnings),
            BTreeMap::from([("AD".to_string(), 1), ("DL".to_string(), 1)]),
            "{out}"
        );
        let flight = store.flight(flight_id).await.unwrap().unwrap();
        assert_eq!(
            flight.departure.actual,
            Some(utc(today, 6, 8)),
            "the correction wins"
        );
        assert_eq!(flight.arrival.actual, Some(utc(today, 7, 29)), "on-block");
        assert_eq!(flight.arrival.estimated, Some(utc(today, 7, 25)));
        assert_eq!(flight.status, FlightStatus::Arrived);
        // The engine saw the arrival: the cabin task ended with it.
        let ended = store.task(task.id).await.unwrap().unwrap();
        assert_eq!(
            (ended.state, ended.cancel_reason.as_deref()),
            (TaskState::Expired, Some("the flight arrived"))
        );
        // A flight no manifest named yet is created with its estimate; the delays are logged.
        let overnight = store
            .find_flight(&key(OVERNIGHT, today, "MAD"))
            .await
            .unwrap()
            .expect("created from its MVT");
        assert_eq!(overnight.departure.estimated, Some(utc(today, 23, 20)));
        let logged = store
            .events(&EventFilter {
                subject_kind: Some("flight".to_string()),
                subject_id: Some(overnight.id.to_string()),
                action_prefix: Some("flight.movement".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        let movement = logged
            .iter()
            .find(|e| e.event.action == "flight.movement")
            .expect("the message is logged");
        assert_eq!(movement.event.detail["delays"][0]["code"], "93");
        assert_eq!(movement.event.detail["delays"][0]["minutes"], 25);

        // The same text over POST /api/manifests: an MVT summary, not a manifest error.
        let ops = common::token(store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let r = app
            .client
            .post(app.url("/api/manifests?name=moves.txt"))
            .bearer_auth(&ops)
            .body(movements(today))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let summary: serde_json::Value = r.json().await.unwrap();
        assert_eq!(summary["messages"], 5, "{summary}");
        assert_eq!(summary["created_flights"], 0, "{summary}");
        let r = app
            .client
            .post(app.url("/api/manifests?name=bad.mvt"))
            .bearer_auth(&ops)
            .body("MVT\nIB31666/22.ECJFK.MAD\nAD1100\n")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            (
                body["errors"][0]["line"].clone(),
                body["errors"][0]["field"].clone()
            ),
            (2.into(), "flight".into())
        );
        app.stop().await;
        db.finish().await;
    }
}

/// Backdates a file so that the drop folder takes it as finished.
fn settled(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - StdDuration::from_secs(60))
        .unwrap();
}

#[tokio::test]
async fn the_drop_folder_takes_schedules_and_movements_by_their_content() {
    let now = clock::now();
    let today = now.date_naive();
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Names sort the schedule first, as a feed would deliver it before the day's movements.
        std::fs::write(root.join("a-week.dat"), network_week(today, 9)).unwrap();
        std::fs::write(root.join("b-moves.dat"), movements(today)).unwrap();
        for name in ["a-week.dat", "b-moves.dat"] {
            settled(&root.join(name));
        }
        let job = DropFolderJob {
            default_region: None,
            dir: root.to_path_buf(),
            flight_sink: None,
        };
        let ctx = JobContext {
            store: db.store.clone(),
            tick: now,
            now,
            instance: "test".to_string(),
        };
        let report = job.run(&ctx).await.unwrap();
        assert_eq!(report.detail, "2 imported, 0 rejected");
        assert!(root.join("processed/a-week.dat").exists());
        assert_week_stored(db.store.as_ref(), today).await;
        let first_leg = db
            .store
            .find_flight(&key(MULTI_LEG, today, "MAD"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first_leg.departure.scheduled, Some(utc(today, 6, 0)));
        assert_eq!(first_leg.departure.actual, Some(utc(today, 6, 8)));
        assert_eq!(first_leg.status, FlightStatus::Arrived);
        assert!(schedule::is_schedule(network_week(today, 9).as_bytes()));
        db.finish().await;
    }
}

#[tokio::test]
async fn a_csv_manifests_time_columns_set_the_flights_schedule_and_a_bad_time_is_a_warning() {
    let now = clock::now();
    let today = now.date_naive();
    for db in TestDb::each().await {
        let csv = format!(
            "flight,date,origin,destination,surname,given,locator,scheduled_departure,scheduled_arrival\n\
             IB3166,{today},MAD,LIS,GARCIA,ANA,X7K2QM,23:30,00:05\n\
             IB3170,{today},MAD,BCN,RUIZ,EVA,X7K2QP,soon,\n"
        );
        let summary = aboard::app::import::import_manifest_file(
            db.store.as_ref(),
            None,
            "times.csv",
            csv.as_bytes(),
            aboard::manifest::Reading::default(),
            "ops",
            now,
        )
        .await
        .unwrap();
        assert_eq!(summary.added(), 2, "the row with a bad time is kept");
        assert_eq!(summary.warnings.total, 1, "{:?}", summary.warnings);
        assert!(
            summary.warnings.list[0]
                .to_string()
                .starts_with("times.csv:3: scheduled_departure: "),
            "{:?}",
            summary.warnings
        );
        assert!(
            summary.line().ends_with(", 1 warning"),
            "{}",
            summary.line()
        );
        let flight = db
            .store
            .find_flight(&key("IB3166", today, "MAD"))
            .await
            .unwrap()
            .unwrap();
        // 23:30 in Madrid is 22:30 UTC in winter, 21:30 in summer; Lisbon is an hour behind Madrid.
        let madrid = aboard::airports::lookup(&Iata::parse("MAD").unwrap()).unwrap();
        let lisbon = aboard::airports::lookup(&Iata::parse("LIS").unwrap()).unwrap();
        let departure = madrid
            .to_utc(today.and_hms_opt(23, 30, 0).unwrap())
            .unwrap();
        let arrival = lisbon
            .to_utc((today + Duration::days(1)).and_hms_opt(0, 5, 0).unwrap())
            .unwrap();
        assert_eq!(flight.departure.scheduled, Some(departure));
        assert_eq!(
            flight.arrival.scheduled,
            Some(arrival),
            "00:05 is the next day"
        );
        let without = db
            .store
            .find_flight(&key("IB3170", today, "MAD"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(without.departure.scheduled, None);
        db.finish().await;
    }
}
