//! `cargo bench --bench boarding [-- --flights N --scans N --persons N --batch N --readers N]`: loads an
//! airline day (3,000 flights, 450,000 passengers by default) straight into the store, serves aboard on
//! loopback, and replays the day's gate scans over HTTP from a second process (this binary in client
//! mode). Prints scans per second and the latency from a scan's request to its answer — which comes only
//! after the scan row and any task are committed — at p50 and p99, on SQLite and, when TEST_DATABASE_URL
//! is set, on PostgreSQL.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use aboard::config::Config;
use aboard::demo::driver::boarding_pass_text;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{
    CarrierCode, CaseStatus, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network,
    Role, TravellerClass,
};
use aboard::store::Store;
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use secrecy::SecretString;

const STATIONS: [&str; 12] = [
    "MAD", "BCN", "MEX", "BOG", "EZE", "JFK", "LHR", "AMS", "CDG", "FRA", "LIS", "GRU",
];
const SURNAMES: [&str; 16] = [
    "GARCIA", "LOPEZ", "MARTIN", "SMITH", "MULLER", "DUBOIS", "SILVA", "JANSEN", "ROSSI", "PEREZ",
    "SANCHEZ", "GOMEZ", "BROWN", "SCHMIDT", "MOREAU", "COSTA",
];
const GIVEN: [&str; 12] = [
    "ANA", "PABLO", "LUCIA", "JOHN", "MARIE", "HANS", "JOAO", "SOFIA", "DIEGO", "EMMA", "LUC",
    "CARMEN",
];

struct Options {
    flights: usize,
    passengers_per_flight: usize,
    scans: usize,
    persons: usize,
    batch: usize,
    readers: usize,
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
        flights: value("--flights", 3_000),
        passengers_per_flight: 150,
        scans: value("--scans", 100_000),
        persons: value("--persons", 20_000),
        batch: value("--batch", 25),
        readers: value("--readers", 32),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--client") {
        let get = |n: usize| args.get(i + n).cloned().unwrap_or_default();
        client(&get(1), &get(2), Path::new(&get(3)), &get(4), &get(5));
        return;
    }
    let options = options();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sqlite_url = format!("sqlite:{}", dir.path().join("aboard.db").display());
    runtime.block_on(bench("SQLite", &sqlite_url, &options, dir.path()));
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL").map(|u| u.trim().to_string())
        && !admin.is_empty()
    {
        let name = format!("aboard_bench_{}", std::process::id());
        let url = runtime.block_on(create_database(&admin, &name));
        runtime.block_on(bench("PostgreSQL", &url, &options, dir.path()));
        runtime.block_on(drop_database(&admin, &name));
    } else {
        println!("\nTEST_DATABASE_URL is not set: PostgreSQL skipped");
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base.get(after_scheme..).and_then(|rest| rest.find('/')) {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn create_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .expect("create the bench database");
    with_database(admin, name)
}

async fn drop_database(admin: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut connection) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut connection)
        .await;
    }
}

fn local_date(station: &Iata, at: DateTime<Utc>) -> chrono::NaiveDate {
    aboard::airports::lookup(station)
        .map(|a| a.to_local(at).date_naive())
        .unwrap_or_else(|| at.date_naive())
}

fn passenger(rng: &mut ChaCha8Rng, flight: usize, n: usize, locator: &str) -> NewPassenger {
    let row = 1 + n / 6;
    let column = ['A', 'B', 'C', 'D', 'E', 'F'][n % 6];
    NewPassenger {
        pax_key: format!("{locator}-{n}"),
        surname: SURNAMES[rng.random_range(0..SURNAMES.len())].to_string(),
        given_name: GIVEN[rng.random_range(0..GIVEN.len())].to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some(locator.to_string()),
        seat: Some(format!("{row}{column}")),
        cabin_class: Some("Y".to_string()),
        destination: None,
        party_ref: None,
        frequent_flyer: None,
        email: Some(format!("p{flight}x{n}@example.com")),
        phone: None,
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: Some(n as i32 + 1),
        service_codes: vec![],
    }
}

fn locator(rng: &mut ChaCha8Rng) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..6)
        .map(|_| LETTERS[rng.random_range(0..LETTERS.len())] as char)
        .collect()
}

fn complainant(n: usize, now: DateTime<Utc>) -> PersonRecord {
    PersonRecord {
        external_id: format!("SC-{n:07}"),
        display_name: format!("Person {n}"),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: format!("@p{n}"),
            network_user_id: Some(n.to_string()),
            followers: 20_000,
            activity_30d: 40,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: format!("CS-{n}"),
            opened_at: now - Duration::days(60),
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 3,
            summary: "Late bag".to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    }
}

/// Loads the day; returns the scans to replay as (raw, station) lines in a file.
async fn load(store: &dyn Store, options: &Options, scans_file: &Path) -> (usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let now = aboard::clock::now();
    let carrier = CarrierCode::parse("IB").expect("IB");
    let mut scans = Vec::new();
    let mut pending: Vec<FlightList> = Vec::new();
    let mut keys: Vec<FlightKey> = Vec::new();
    let started = Instant::now();
    for f in 0..options.flights {
        let origin = Iata::parse(STATIONS[f % STATIONS.len()]).expect("station");
        let destination =
            Iata::parse(STATIONS[(f + 1 + f / 12) % STATIONS.len()]).expect("station");
        let destination = if destination == origin {
            Iata::parse(if origin.as_str() == "MAD" {
                "BCN"
            } else {
                "MAD"
            })
            .expect("station")
        } else {
            destination
        };
        let number = FlightNumber::new(carrier.clone(), 1000 + f as u16, None).expect("number");
        let departure = now + Duration::minutes(20);
        let key = FlightKey {
            flight: number,
            local_date: local_date(&origin, now),
            origin,
        };
        let mut passengers = Vec::with_capacity(options.passengers_per_flight);
        let mut booking = locator(&mut rng);
        for n in 0..options.passengers_per_flight {
            // Most bookings have one passenger; one in five has two (a family, sharing the locator).
            if n == 0 || rng.random_range(0..5) != 0 {
                booking = locator(&mut rng);
            }
            let p = passenger(&mut rng, f, n, &booking);
            if scans.len() < options.scans
                && let Some(raw) = boarding_pass_text(&p, &key, &destination)
            {
                scans.push((raw, key.origin.to_string()));
            }
            passengers.push(p);
        }
        keys.push(key.clone());
        pending.push(FlightList {
            flight: NewFlight {
                key,
                destination: Some(destination),
                departure: MovementTimes {
                    scheduled: Some(departure),
                    ..Default::default()
                },
                arrival: MovementTimes {
                    scheduled: Some(departure + Duration::minutes(120)),
                    ..Default::default()
                },
                gate: Some(format!("G{}", f % 40)),
                status: FlightStatus::Boarding,
            },
            mode: ListMode::Merge,
            passengers,
        });
        if pending.len() == 100 || f + 1 == options.flights {
            let import = ManifestImport {
                format: "bench".to_string(),
                file_name: format!("day-{f}.json"),
                digest: format!("bench-{f}"),
                actor: "bench".to_string(),
                sent_at: None,
                flights: std::mem::take(&mut pending),
            };
            store.import_manifest(&import, now).await.expect("import");
        }
    }
    println!(
        "  day loaded: {} flights, {} passengers in {:.1}s",
        options.flights,
        options.flights * options.passengers_per_flight,
        started.elapsed().as_secs_f64()
    );
    for code in STATIONS {
        store
            .upsert_station(&Station {
                iata: Iata::parse(code).expect("station"),
                staffed: true,
                shift_start: None,
                shift_end: None,
            })
            .await
            .expect("station");
    }
    // The registry: every hundredth passenger is a linked complainant; the rest of the registry are people
    // who do not fly today (they cost the store rows, not the scan path).
    let started = Instant::now();
    let mut linked = 0;
    let mut person_number = 0;
    for key in keys.iter().take(options.flights) {
        let Some(flight) = store.find_flight(key).await.expect("flight") else {
            continue;
        };
        for p in store
            .passengers(flight.id)
            .await
            .expect("passengers")
            .iter()
            .step_by(100)
        {
            if person_number >= options.persons {
                break;
            }
            let person = store
                .upsert_person(&complainant(person_number, now), "bench", now)
                .await
                .expect("person");
            person_number += 1;
            store
                .upsert_link(&IdentityLink {
                    passenger_id: p.id,
                    person_id: person.id,
                    decision: LinkDecision::Linked,
                    score: 0.99,
                    reasons: vec![],
                    decided_by: "bench".to_string(),
                    updated_at: now,
                })
                .await
                .expect("link");
            linked += 1;
        }
    }
    while person_number < options.persons {
        store
            .upsert_person(&complainant(person_number, now), "bench", now)
            .await
            .expect("person");
        person_number += 1;
    }
    println!(
        "  registry loaded: {person_number} persons, {linked} linked to today's passengers, in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let mut file = BufWriter::new(std::fs::File::create(scans_file).expect("scans file"));
    for (raw, station) in &scans {
        writeln!(file, "{station}\t{raw}").expect("write scans");
    }
    file.flush().expect("flush scans");
    (scans.len(), linked)
}

async fn bench(label: &str, url: &str, options: &Options, dir: &Path) {
    println!("\n== {label} ==");
    let mut config = Config::default();
    config.database.url = Some(SecretString::from(url.to_string()));
    config.database.max_connections = 16;
    config.scheduler.enabled = false;
    let store = aboard::open_store(&config).await.expect("open the store");
    let scans_file = dir.join(format!("scans-{label}.tsv"));
    let (scans, _) = load(store.as_ref(), options, &scans_file).await;
    let grant = aboard::web::accounts::grant(Role::Ops, &[], &[]).expect("grant");
    let token = aboard::web::accounts::create_token(store.as_ref(), "bench reader", grant, "bench")
        .await
        .expect("token");
    let secret = secrecy::ExposeSecret::expose_secret(&token.secret).to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server_store = store.clone();
    let server = tokio::spawn(async move {
        aboard::serve(listener, server_store, &config, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });
    let exe = std::env::current_exe().expect("this binary");
    let output = tokio::process::Command::new(exe)
        .arg("--client")
        .arg(format!("http://{address}"))
        .arg(&secret)
        .arg(&scans_file)
        .arg(options.batch.to_string())
        .arg(options.readers.to_string())
        .output()
        .await
        .expect("the client process");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let counts = store.counts().await.expect("counts");
    println!(
        "  {scans} scans sent; store now holds {} tasks ({} open)",
        counts.tasks, counts.open_tasks
    );
    let _ = stop.send(());
    let _ = server.await;
}

/// The second process: readers post the scans in batches, concurrently, and time each request.
fn client(url: &str, token: &str, scans_file: &Path, batch: &str, readers: &str) {
    let batch: usize = batch.parse().unwrap_or(25).max(1);
    let readers: usize = readers.parse().unwrap_or(32).max(1);
    let file = std::fs::File::open(scans_file).expect("scans file");
    let lines: Vec<(String, String)> = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(s, r)| (s.to_string(), r.to_string()))
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("client runtime");
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(readers)
            .build()
            .expect("client");
        let now = chrono::Utc::now();
        let chunks: Vec<Vec<serde_json::Value>> = lines
            .chunks(batch)
            .enumerate()
            .map(|(c, chunk)| {
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, (station, raw))| {
                        serde_json::json!({"raw": raw, "station": station, "gate": "G1",
                            "reader_id": format!("R{}", c % readers),
                            "scanned_at": now + Duration::milliseconds((c * batch + i) as i64)})
                    })
                    .collect()
            })
            .collect();
        let queue = Arc::new(tokio::sync::Mutex::new(chunks.into_iter()));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..readers {
            let queue = queue.clone();
            let http = http.clone();
            let url = format!("{url}/api/boarding-scans");
            let token = token.to_string();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut outcomes: HashMap<String, usize> = HashMap::new();
                let mut tasks = 0usize;
                loop {
                    let Some(chunk) = queue.lock().await.next() else { break };
                    let sent = Instant::now();
                    let response = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "scans": chunk }))
                        .send()
                        .await;
                    let body: serde_json::Value = match response {
                        Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
                        Ok(r) => {
                            *outcomes.entry(format!("http {}", r.status())).or_default() += chunk.len();
                            continue;
                        }
                        Err(e) => {
                            *outcomes.entry(format!("error {e}")).or_default() += chunk.len();
                            continue;
                        }
                    };
                    latencies.push(sent.elapsed());
                    for report in body["scans"].as_array().into_iter().flatten() {
                        let outcome = report["outcome"].as_str().unwrap_or("?").to_string();
                        *outcomes.entry(outcome).or_default() += 1;
                        tasks += report["tasks_created"].as_array().map_or(0, Vec::len);
                    }
                }
                (latencies, outcomes, tasks)
            }));
        }
        let mut latencies: Vec<StdDuration> = Vec::new();
        let mut outcomes: HashMap<String, usize> = HashMap::new();
        let mut tasks = 0;
        for worker in workers {
            let (l, o, t) = worker.await.expect("reader");
            latencies.extend(l);
            for (k, v) in o {
                *outcomes.entry(k).or_default() += v;
            }
            tasks += t;
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let total: usize = outcomes.values().sum();
        println!(
            "  replayed {total} scans in {elapsed:.1}s from {readers} readers, batches of {batch}: {:.0} scans/s",
            total as f64 / elapsed
        );
        println!(
            "  latency scan sent -> scan and tasks committed (per request of {batch}): p50 {:.1} ms, p99 {:.1} ms",
            pick(0.50),
            pick(0.99)
        );
        let mut outcomes: Vec<_> = outcomes.into_iter().collect();
        outcomes.sort();
        println!("  outcomes: {outcomes:?}; tasks created: {tasks}");
    });
}
