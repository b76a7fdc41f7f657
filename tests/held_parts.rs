//! Type B messages across deliveries, on both backends, through the real entry points: a three-part PNL
//! delivered one part per file in reverse order and repeated gives exactly the flight the whole message
//! gives in one file (CLI); ADLs that arrive before their PNL wait for it and then apply in sequence order
//! (POST /api/manifests); the drop folder holds parts like any other entry; incomplete messages are listed
//! for ops, and one still incomplete after the configured time raises one event and the metric.
//! Fixtures: tests/data/pnl/delivered/ (see the README beside them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration as StdDuration, SystemTime};

use aboard::app::drop_folder::DropFolderJob;
use aboard::domain::records::Passenger;
use aboard::domain::{BoardingState, FlightKey, FlightNumber, Iata, Role};
use aboard::scheduler::{Job, JobContext};
use aboard::store::{EventFilter, Store};
use common::{TestApp, TestDb};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pnl/delivered")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn ib3170() -> FlightKey {
    FlightKey {
        flight: FlightNumber::parse("IB3170").unwrap(),
        local_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        origin: Iata::parse("BCN").unwrap(),
    }
}

fn aboard_cli(url: &str, files: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--database-url", url, "import", "manifest"])
        .args(files.iter().map(|f| fixture(f)))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

/// The flight's passengers as stored, without what differs between two databases (ids, times).
async fn stored_flight(store: &dyn Store) -> Vec<(String, BoardingState, String)> {
    let Some(flight) = store.find_flight(&ib3170()).await.unwrap() else {
        return Vec::new();
    };
    let mut passengers: Vec<(String, BoardingState, String)> = store
        .passengers(flight.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p: Passenger| {
            (
                p.details.pax_key.clone(),
                p.boarding_state,
                serde_json::to_string(&p.details).unwrap(),
            )
        })
        .collect();
    passengers.sort();
    passengers
}

async fn passenger(store: &dyn Store, surname: &str) -> Passenger {
    let flight = store.find_flight(&ib3170()).await.unwrap().unwrap();
    store
        .passengers(flight.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.details.surname == surname)
        .unwrap_or_else(|| panic!("{surname} is on the flight"))
}

/// Two fresh databases of each backend: one for the whole message, one for its parts.
async fn pairs() -> Vec<(TestDb, TestDb)> {
    let mut pairs = vec![(TestDb::sqlite().await, TestDb::sqlite().await)];
    if let (Some(a), Some(b)) = (TestDb::postgres().await, TestDb::postgres().await) {
        pairs.push((a, b));
    }
    pairs
}

#[tokio::test]
async fn parts_in_reverse_order_and_repeated_give_the_flight_of_the_whole_message() {
    for (whole, parted) in pairs().await {
        let (ok, out) = aboard_cli(&whole.url, &["ib3170-pnl-whole.pnl"]);
        assert!(ok, "{out}");
        assert!(out.contains("1 flight, 8 added"), "{out}");
        let expected = stored_flight(whole.store.as_ref()).await;
        assert_eq!(expected.len(), 8);

        // The last part first, alone: held, nothing stored for the flight.
        let (ok, out) = aboard_cli(&parted.url, &["ib3170-pnl-part3.pnl"]);
        assert!(ok, "{out}");
        assert!(
            out.contains("ib3170-pnl-part3.pnl (pnl): parts received; PNL IB3170/23NOV BCN sent 21NOV 19:00 held (parts 3), waiting for parts 1, 2"),
            "{out}"
        );
        assert!(stored_flight(parted.store.as_ref()).await.is_empty());
        // Part 3 again and part 2 in one command: the repeat changes nothing.
        let (ok, out) = aboard_cli(
            &parted.url,
            &["ib3170-pnl-part3.pnl", "ib3170-pnl-part2.pnl"],
        );
        assert!(ok, "{out}");
        assert!(
            out.contains("ib3170-pnl-part3.pnl (pnl): already held, nothing changed"),
            "{out}"
        );
        assert!(
            out.contains("held (parts 2, 3), waiting for part 1"),
            "{out}"
        );
        assert!(stored_flight(parted.store.as_ref()).await.is_empty());
        // Part 2 once more with other text: the first copy is kept, with a warning.
        let dir = tempfile::tempdir().unwrap();
        let edited = dir.path().join("ib3170-pnl-part2-edited.pnl");
        let text = std::fs::read_to_string(fixture("ib3170-pnl-part2.pnl")).unwrap();
        std::fs::write(
            &edited,
            text.replace("G.ROSSI//EXAMPLE.IT", "GIULIA//EXAMPLE.IT"),
        )
        .unwrap();
        let (ok, out) = aboard_cli(&parted.url, &[edited.to_str().unwrap()]);
        assert!(ok, "{out}");
        assert!(out.contains("already held, nothing changed"), "{out}");
        assert!(
            out.contains("ib3170-pnl-part2-edited.pnl:1: part: part 2 of PNL IB3170/23NOV BCN sent 21NOV 19:00 came again with other text; the copy from "),
            "{out}"
        );
        // Part 1 completes the message, which is applied whole.
        let (ok, out) = aboard_cli(&parted.url, &["ib3170-pnl-part1.pnl"]);
        assert!(ok, "{out}");
        assert!(
            out.contains("ib3170-pnl-part1.pnl (pnl): parts received; then PNL IB3170/23NOV BCN sent 21NOV 19:00 ("),
            "{out}"
        );
        assert!(
            out.contains("ib3170-pnl-part3.pnl) (pnl): 1 flight, 8 added"),
            "{out}"
        );
        assert_eq!(stored_flight(parted.store.as_ref()).await, expected);
        // A part sent once more after the message was applied changes nothing.
        let (ok, out) = aboard_cli(&parted.url, &["ib3170-pnl-part2.pnl"]);
        assert!(ok, "{out}");
        assert!(out.contains("already imported, nothing changed"), "{out}");
        assert_eq!(stored_flight(parted.store.as_ref()).await, expected);
        assert!(parted.store.held_messages().await.unwrap().is_empty());
        whole.finish().await;
        parted.finish().await;
    }
}

#[tokio::test]
async fn adls_before_their_pnl_wait_for_it_and_apply_in_sequence_order() {
    for db in TestDb::each().await {
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let post = |name: &str| {
            app.client
                .post(app.url(&format!("/api/manifests?name={name}")))
                .bearer_auth(&ops)
                .body(text(name))
                .send()
        };
        // The second ADL first, then the first ADL's parts in reverse order: all wait for the PNL.
        for name in [
            "ib3170-adl2.adl",
            "ib3170-adl1-part2.adl",
            "ib3170-adl1-part1.adl",
        ] {
            let r = post(name).await.unwrap();
            assert_eq!(r.status(), 200, "{name}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["flights"].as_array().unwrap().len(), 0, "{body}");
            assert!(!body["held"].as_array().unwrap().is_empty(), "{body}");
        }
        let listed: serde_json::Value = app
            .get_as("/api/manifests/held", &ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert!(
            listed.iter().all(
                |m| m["waiting_for"] == "the flight's PNL" && m["flight"] == "IB3170/23NOV BCN"
            ),
            "{listed:?}"
        );
        // The PNL's parts in reverse order; the last part lets everything go.
        for name in ["ib3170-pnl-part2.pnl", "ib3170-pnl-part1.pnl"] {
            let r = post(name).await.unwrap();
            assert_eq!(r.status(), 200);
        }
        let listed: serde_json::Value = app
            .get_as("/api/manifests/held", &ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let pnl = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["message"].as_str().unwrap().starts_with("PNL"))
            .cloned()
            .expect("the PNL is listed");
        assert_eq!(pnl["parts_held"], serde_json::json!([1, 2]));
        assert_eq!(pnl["last_part_held"], false);
        assert!(
            pnl["waiting_for"]
                .as_str()
                .unwrap()
                .contains("the part after 2")
        );
        assert!(db.store.find_flight(&ib3170()).await.unwrap().is_none());

        let r = post("ib3170-pnl-part3.pnl").await.unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        let released: Vec<&str> = body["released"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            released,
            [
                "PNL IB3170/23NOV BCN sent 21NOV 19:00",
                "ADL IB3170/23NOV BCN sent 22NOV 10:10",
                "ADL IB3170/23NOV BCN sent 22NOV 11:30",
            ],
            "{body}"
        );
        // In sequence: the first ADL added FOURNIER and removed NAKAMURA, the second removed FOURNIER
        // again and moved ALVAREZ. The other way round, FOURNIER would be on board and NAKAMURA too.
        let store = db.store.as_ref();
        assert_eq!(
            passenger(store, "FOURNIER").await.boarding_state,
            BoardingState::Removed
        );
        assert_eq!(
            passenger(store, "NAKAMURA").await.boarding_state,
            BoardingState::Removed
        );
        assert_eq!(
            passenger(store, "ALVAREZ").await.details.seat.as_deref(),
            Some("3C")
        );
        assert!(store.held_messages().await.unwrap().is_empty());
        app.stop().await;
        db.finish().await;
    }
}

/// Makes a file look written a minute ago, so that the drop folder takes it.
fn settled(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - StdDuration::from_secs(60))
        .unwrap();
}

#[tokio::test]
async fn the_drop_folder_holds_parts_and_a_stale_message_raises_one_event_and_the_metric() {
    for db in TestDb::each().await {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("p1.pnl"), text("ib3170-pnl-part1.pnl")).unwrap();
        settled(&root.join("p1.pnl"));
        let job = DropFolderJob {
            default_region: None,
            dir: root.to_path_buf(),
            flight_sink: None,
        };
        let now = chrono::Utc::now();
        let ctx = JobContext {
            store: db.store.clone(),
            tick: now,
            now,
            instance: "test".to_string(),
        };
        let report = job.run(&ctx).await.unwrap();
        assert_eq!(report.detail, "1 imported, 0 rejected");
        assert!(root.join("processed/p1.pnl").is_file());
        let held = db.store.held_messages().await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].parts.len(), 1);

        // An instance whose messages go stale at once, checking every second.
        let mut config = db.config();
        config.import.incomplete_after_minutes = 0;
        config.scheduler.jobs.insert(
            "incomplete-messages".to_string(),
            aboard::config::JobConfig {
                schedule: Some("* * * * * *".to_string()),
                ..Default::default()
            },
        );
        let ops = common::token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(config).await;
        let mut metric = String::new();
        for _ in 0..100 {
            metric = app
                .get_as("/metrics", &ops)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if metric.contains("aboard_held_messages_stale_total 1") {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        assert!(
            metric.contains("aboard_held_messages_stale_total 1"),
            "{metric}"
        );
        // Later ticks do not raise it again.
        tokio::time::sleep(StdDuration::from_millis(2200)).await;
        let events = db
            .store
            .events(&EventFilter {
                action_prefix: Some("manifest.incomplete".to_string()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let detail = &events[0].event.detail;
        assert_eq!(detail["flight"], "IB3170/23NOV BCN");
        assert_eq!(detail["parts_held"], serde_json::json!([1]));
        assert_eq!(detail["last_part_held"], false);
        app.stop().await;
        db.finish().await;
    }
}
