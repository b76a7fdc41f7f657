//! A scan to the gate pages that show it: `cargo bench --bench gate_events [-- --pages N --scans N
//! --stations N]` serves aboard on loopback with N open gate pages (200 by default: each an event stream,
//! `GET /gate/{station}/events`, spread over the stations), then posts boarding passes one at a time to
//! `/api/boarding-scans`, each boarding a registry person the shipped rules follow up at the gate, and
//! times from when the scan was sent to when each page of that station hears `event: tasks`. It prints
//! p50, p99 and the maximum over every page and scan, beside the floor: the scan request's own answer,
//! which comes once the task is committed. On SQLite one instance serves; on PostgreSQL
//! (TEST_DATABASE_URL) the pages are open on a second instance, so that every event crosses instances
//! through NOTIFY.

// This bench uses only the throw-away databases of the shared support.
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aboard::clock;
use aboard::config::Config;
use aboard::demo::driver::boarding_pass_text;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{
    CaseStatus, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network, Role,
    TravellerClass,
};
use aboard::store::{PostgresStore, SqliteStore, Store};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const STATIONS: [&str; 8] = ["MAD", "BCN", "LIS", "AGP", "BIO", "SVQ", "VLC", "PMI"];
/// Longest a page may take to hear of a scan before it counts as missed.
const GIVE_UP: Duration = Duration::from_secs(5);

struct Options {
    pages: usize,
    scans: usize,
    stations: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        pages: value("--pages", 200).max(1),
        scans: value("--scans", 200).max(1),
        stations: value("--stations", 4).clamp(1, STATIONS.len()),
    }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("aboard.db");
        let sqlite = SqliteStore::open(&path, 4).await.expect("open SQLite");
        let url = format!("sqlite:{}", path.display());
        measure(
            "SQLite, one instance",
            Arc::new(sqlite),
            &url,
            None,
            &options,
        )
        .await;
        match support::postgres_admin_url() {
            Some(admin) => {
                let name = format!("aboard_gate_events_{}", uuid::Uuid::now_v7().simple());
                let url = support::create_database(&admin, &name).await;
                let secret = SecretString::from(url.clone());
                let first = PostgresStore::connect(&secret, 8)
                    .await
                    .expect("PostgreSQL");
                let second = PostgresStore::connect(&secret, 8)
                    .await
                    .expect("PostgreSQL");
                measure(
                    "PostgreSQL, scans to one instance, pages on another",
                    Arc::new(first),
                    &url,
                    Some(Arc::new(second)),
                    &options,
                )
                .await;
                support::drop_database(&admin, &name).await;
            }
            None => println!("PostgreSQL: TEST_DATABASE_URL is not set, not measured"),
        }
    });
}

/// One flight per station, boarding now, with a registry person the rules follow up on every seat.
async fn day(store: &dyn Store, options: &Options) -> Vec<(String, String)> {
    let now = clock::now();
    let per_station = options.scans.div_ceil(options.stations);
    let mut passes = Vec::new();
    for (s, code) in STATIONS.iter().take(options.stations).enumerate() {
        let station = Iata::parse(code).expect("a station");
        let key = FlightKey {
            flight: FlightNumber::parse(&format!("IB{}", 7000 + s)).expect("a flight"),
            local_date: support::local_date(&station, now),
            origin: station.clone(),
        };
        let destination = Iata::parse("MEX").expect("a destination");
        let passengers: Vec<NewPassenger> = (0..per_station)
            .map(|p| NewPassenger {
                pax_key: format!("Q{s}{p:04}/1"),
                surname: format!("SURNAME{}", letters(s * 10_000 + p)),
                given_name: "ANA".to_string(),
                title: Some("MS".to_string()),
                traveller_class: TravellerClass::Adult,
                locator: Some(format!("Q{s}{:04}", p)),
                seat: Some(format!(
                    "{}{}",
                    1 + p / 6,
                    ["A", "B", "C", "D", "E", "F"][p % 6]
                )),
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
                checkin_sequence: Some(p as i32 + 1),
                service_codes: vec![],
            })
            .collect();
        let import = ManifestImport {
            warnings: Default::default(),
            format: "csv".to_string(),
            file_name: format!("{code}.csv"),
            digest: format!("gate-events-{code}"),
            actor: "bench".to_string(),
            sent_at: None,
            flights: vec![FlightList {
                flight: NewFlight {
                    key: key.clone(),
                    destination: Some(destination.clone()),
                    departure: MovementTimes {
                        scheduled: Some(now + chrono::Duration::minutes(35)),
                        ..Default::default()
                    },
                    arrival: MovementTimes::default(),
                    gate: Some("G1".to_string()),
                    status: FlightStatus::Boarding,
                },
                mode: ListMode::Merge,
                passengers: passengers.clone(),
            }],
        };
        let flight = store
            .import_manifest(&import, now)
            .await
            .expect("import")
            .flights[0]
            .flight_id;
        let stored = store.passengers(flight).await.expect("passengers");
        for passenger in &passengers {
            let id = stored
                .iter()
                .find(|p| p.details.pax_key == passenger.pax_key)
                .expect("stored")
                .id;
            let person = store
                .upsert_person(&complainant(&passenger.pax_key), "bench", now)
                .await
                .expect("a person");
            store
                .upsert_link(&IdentityLink {
                    passenger_id: id,
                    person_id: person.id,
                    decision: LinkDecision::Linked,
                    score: 0.99,
                    reasons: vec![],
                    decided_by: "bench".to_string(),
                    updated_at: now,
                })
                .await
                .expect("a link");
            let pass = boarding_pass_text(passenger, &key, &destination).expect("a pass");
            passes.push((code.to_string(), pass));
        }
        store
            .upsert_station(
                &Station {
                    iata: station,
                    staffed: true,
                    shift_start: None,
                    shift_end: None,
                },
                "bench",
                now,
            )
            .await
            .expect("a station");
    }
    // Interleave the stations, as scans come from several gates at once.
    let mut by_station: Vec<Vec<(String, String)>> = vec![Vec::new(); options.stations];
    for (n, pass) in passes.into_iter().enumerate() {
        by_station[n / per_station].push(pass);
    }
    let mut ordered = Vec::new();
    for i in 0..per_station {
        for station in &by_station {
            if let Some(pass) = station.get(i) {
                ordered.push(pass.clone());
            }
        }
    }
    ordered.truncate(options.scans);
    ordered
}

/// A name the matcher and the BCBP both take: letters only.
fn letters(mut n: usize) -> String {
    let mut out = String::new();
    loop {
        out.push((b'A' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}

fn complainant(key: &str) -> PersonRecord {
    PersonRecord {
        external_id: format!("GE-{key}"),
        display_name: format!("Person {key}"),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: format!("@{key}"),
            network_user_id: None,
            followers: 25_000,
            activity_30d: 40,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: format!("CS-{key}"),
            opened_at: clock::now() - chrono::Duration::days(30),
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 3,
            summary: "Suitcase late".to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    }
}

async fn serve(store: Arc<dyn Store>, url: &str) -> (String, tokio::sync::oneshot::Sender<()>) {
    let mut config = Config::default();
    config.database.url = Some(SecretString::from(url.to_string()));
    config.scheduler.enabled = false;
    config.server.max_connections = 2_000;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        aboard::serve(listener, store, &config, async {
            let _ = stopped.await;
        })
        .await
        .expect("aboard serves");
    });
    (format!("http://{address}"), stop)
}

async fn measure(
    label: &str,
    store: Arc<dyn Store>,
    url: &str,
    pages_on: Option<Arc<dyn Store>>,
    options: &Options,
) {
    let passes = day(store.as_ref(), options).await;
    let stations: Vec<String> = STATIONS
        .iter()
        .take(options.stations)
        .map(|s| s.to_string())
        .collect();
    let grant = aboard::web::accounts::grant(Role::Gate, &stations, &[]).expect("a grant");
    let token = aboard::web::accounts::create_token(store.as_ref(), "bench gate", grant, "bench")
        .await
        .expect("a token")
        .secret
        .expose_secret()
        .to_string();
    let (scan_base, stop_scans) = serve(store.clone(), url).await;
    let (page_base, stop_pages) = match pages_on {
        Some(other) => {
            let (base, stop) = serve(other, url).await;
            (base, Some(stop))
        }
        None => (scan_base.clone(), None),
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1_000)
        .build()
        .expect("a client");

    // The open pages: each reads its stream and reports when it hears `event: tasks`.
    let (heard_tx, mut heard_rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let mut opened = Vec::new();
    for page in 0..options.pages {
        let station = &stations[page % stations.len()];
        let mut response = http
            .get(format!("{page_base}/gate/{station}/events"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("a page's stream");
        assert_eq!(response.status(), 200, "the event stream opens");
        // The opening event says where the list stands; what follows is news.
        let first = response.chunk().await.expect("the opening event");
        assert!(first.is_some_and(|c| c.starts_with(b"event: tasks")));
        let heard = heard_tx.clone();
        opened.push(tokio::spawn(async move {
            while let Ok(Some(chunk)) = response.chunk().await {
                if chunk.starts_with(b"event: tasks") {
                    let _ = heard.send((page, Instant::now()));
                }
            }
        }));
    }
    // Let every page's stream reach its wait.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut latencies = Vec::new();
    let mut floors = Vec::new();
    let mut missed = 0usize;
    let started = Instant::now();
    for (station, raw) in &passes {
        let listening: Vec<usize> = (0..options.pages)
            .filter(|p| &stations[p % stations.len()] == station)
            .collect();
        let body = serde_json::json!({ "scans": [{
            "raw": raw, "station": station, "gate": "G1", "reader_id": "bench",
            "scanned_at": clock::now(),
        }]});
        let sent = Instant::now();
        let answer = http
            .post(format!("{scan_base}/api/boarding-scans"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("a scan");
        let answered = sent.elapsed();
        let report: serde_json::Value = answer.json().await.expect("a scan report");
        assert_eq!(
            report["scans"][0]["tasks_created"].as_array().map(Vec::len),
            Some(1),
            "each scan makes a gate task: {report}"
        );
        floors.push(answered);
        let mut waiting: std::collections::HashSet<usize> = listening.into_iter().collect();
        let deadline = tokio::time::Instant::now() + GIVE_UP;
        while !waiting.is_empty() {
            match tokio::time::timeout_at(deadline, heard_rx.recv()).await {
                Ok(Some((page, at))) => {
                    if waiting.remove(&page) {
                        latencies.push(at - sent);
                    }
                }
                _ => {
                    missed += waiting.len();
                    break;
                }
            }
        }
    }
    let elapsed = started.elapsed();
    for page in opened {
        page.abort();
    }
    let _ = stop_scans.send(());
    if let Some(stop) = stop_pages {
        let _ = stop.send(());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    latencies.sort();
    floors.sort();
    let pick = |v: &[Duration], q: f64| {
        v.get(((v.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1_000.0)
    };
    println!(
        "{label}: {} pages over {} stations, {} scans in {:.1} s; {} page events",
        options.pages,
        options.stations,
        passes.len(),
        elapsed.as_secs_f64(),
        latencies.len()
    );
    println!(
        "  scan -> page event  p50 {:7.1} ms  p99 {:7.1} ms  max {:7.1} ms  missed {missed}",
        pick(&latencies, 0.50),
        pick(&latencies, 0.99),
        pick(&latencies, 1.0)
    );
    println!(
        "  floor: scan answer  p50 {:7.1} ms  p99 {:7.1} ms  max {:7.1} ms",
        pick(&floors, 0.50),
        pick(&floors, 0.99),
        pick(&floors, 1.0)
    );
}
